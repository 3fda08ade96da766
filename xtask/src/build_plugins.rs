//! `cargo xtask build-plugins`: builds the example plugins under `examples/plugins/` (the Rust
//! crates with cargo, the C ones with the system C compiler) and prints where their libraries
//! are, ready to name in a pipeline's `plugin: { library: ... }`.

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
        println!("{}", library_path(profile, name).display());
    }
    for (name, sources) in c_plugins(&root.join("examples/plugins"))? {
        let library = library_path(profile, &name);
        compile_c_plugin(&root, &sources, &library)?;
        println!("{}", library.display());
    }
    Ok(())
}

/// The compiler flags of a C plugin: strict C11, every warning an error, position-independent
/// shared library, the ABI header on the include path.
const C_FLAGS: [&str; 7] = [
    "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-shared",
];

/// Compiles `sources` into the shared library `library` with the system C compiler (`$CC`,
/// or `cc`).
fn compile_c_plugin(root: &Path, sources: &[PathBuf], library: &Path) -> Result<()> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let include = root.join("crates/plugin-abi/include");
    let status = std::process::Command::new(&compiler)
        .args(C_FLAGS)
        .arg("-I")
        .arg(&include)
        .arg("-o")
        .arg(library)
        .args(sources)
        .status()
        .with_context(|| {
            format!("cannot run the C compiler `{compiler}` (install gcc or clang, or set CC)")
        })?;
    anyhow::ensure!(
        status.success(),
        "`{compiler}` failed on {}",
        sources[0].display()
    );
    Ok(())
}

/// The C plugins in `dir`: each folder without a `Cargo.toml` holding `.c` files, named after
/// the folder, with its sources sorted.
fn c_plugins(dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>> {
    let mut plugins = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let folder = entry?.path();
        if !folder.is_dir() || folder.join("Cargo.toml").exists() {
            continue;
        }
        let mut sources: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        sources.retain(|path| path.extension().is_some_and(|ext| ext == "c"));
        sources.sort();
        if let (false, Some(name)) = (sources.is_empty(), folder.file_name()) {
            plugins.push((name.to_string_lossy().into_owned(), sources));
        }
    }
    plugins.sort();
    Ok(plugins)
}

/// Builds the pass-through example plugin in release mode and returns its library's path, for
/// the bench's measure of the plugin boundary.
pub fn passthrough_library() -> Result<String> {
    crate::cargo(&["build", "--release", "--quiet", "-p", "passthrough"])?;
    Ok(library_path("release", "passthrough").display().to_string())
}

/// Where cargo puts the dynamic library of package `name`.
fn library_path(profile: &str, name: &str) -> PathBuf {
    crate::target_dir().join(profile).join(format!(
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
