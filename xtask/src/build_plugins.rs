//! `cargo xtask build-plugins`: builds the example plugins under `examples/plugins/` and prints
//! where their libraries are, ready to name in a pipeline's `plugin: { library: ... }`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Builds every crate under `examples/plugins/` (release unless `debug`) and prints each
/// library's path.
pub fn build_plugins(debug: bool) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let crates = example_crates(&root.join("examples/plugins"))?;
    let mut args = vec!["build"];
    if !debug {
        args.push("--release");
    }
    for name in &crates {
        args.extend(["-p", name.as_str()]);
    }
    crate::cargo(&args)?;
    let profile = if debug { "debug" } else { "release" };
    for name in &crates {
        println!("{}", library_path(&root, profile, name).display());
    }
    Ok(())
}

/// Builds the pass-through example plugin in release mode and returns its library's path, for
/// the bench's measure of the plugin boundary.
pub fn passthrough_library() -> Result<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    crate::cargo(&["build", "--release", "--quiet", "-p", "passthrough"])?;
    Ok(library_path(&root, "release", "passthrough")
        .display()
        .to_string())
}

/// Where cargo puts the dynamic library of package `name`.
fn library_path(root: &Path, profile: &str, name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join(profile).join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ))
}

/// The package names of the crates in `dir` (one folder with a `Cargo.toml` each), sorted.
fn example_crates(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let manifest = entry?.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let name = text
            .lines()
            .find_map(|line| line.strip_prefix("name = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .with_context(|| format!("no package name in {}", manifest.display()))?;
        names.push(name.to_owned());
    }
    names.sort();
    Ok(names)
}
