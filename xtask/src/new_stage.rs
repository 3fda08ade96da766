//! `cargo xtask new-stage NAME`: a new stage crate that builds, is registered and is checked
//! by the conformance test, in one command. It writes `crates/NAME/` (`Cargo.toml`,
//! `src/lib.rs` with the factory, `src/config.rs`, `src/stage.rs`, `tests/stage.rs`) and makes
//! the edits every stage needs: the workspace member, the workspace dependency and the root
//! package's dependency in `Cargo.toml`, the registry entry in `crates/cli/src/lib.rs` (before
//! `export`, which must stay last), and the stage's config in `tests/it/conformance.rs`.
//! CONTRIBUTING.md ("Add a stage") says what to do next.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Table};

/// The line of `crates/cli/src/lib.rs` before which a new stage is registered.
const REGISTER_BEFORE: &str = "registry.register(newspipe_export::factory());";

/// The line of `tests/it/conformance.rs` after which a new stage's config goes.
const CONFIGS_START: &str = "fn configs(dir: &Path) -> Vec<(&'static str, Value)> {";

/// A stage's names in the forms its files need.
struct Names {
    /// The YAML name and crate folder: `word-floor`.
    stage: String,
    /// The package: `newspipe-word-floor`.
    package: String,
    /// The Rust crate: `newspipe_word_floor`.
    krate: String,
    /// The type prefix: `WordFloor`.
    camel: String,
}

impl Names {
    fn new(stage: &str) -> Result<Self> {
        let valid = stage.starts_with(|c: char| c.is_ascii_lowercase())
            && !stage.ends_with('-')
            && !stage.contains("--")
            && stage
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            bail!(
                "`{stage}` is not a stage name: use lower-case letters, digits and single \
                 hyphens, starting with a letter (`word-floor`)"
            );
        }
        let camel = stage
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        Ok(Self {
            stage: stage.to_owned(),
            package: format!("newspipe-{stage}"),
            krate: format!("newspipe_{}", stage.replace('-', "_")),
            camel,
        })
    }

    /// Fills a template's `{stage}`, `{package}`, `{crate}` and `{Camel}` placeholders.
    fn fill(&self, template: &str) -> String {
        template
            .replace("{stage}", &self.stage)
            .replace("{package}", &self.package)
            .replace("{crate}", &self.krate)
            .replace("{Camel}", &self.camel)
    }
}

/// Whether `conformance` (the text of `tests/it/conformance.rs`) has a config entry
/// `("STAGE", json!(...))` for `stage`: every registered stage has one, whatever its crate is
/// called.
fn has_conformance_config(conformance: &str, stage: &str) -> bool {
    let quoted = format!("\"{stage}\",");
    conformance.match_indices(&quoted).any(|(at, _)| {
        conformance[..at].trim_end().ends_with('(')
            && conformance[at + quoted.len()..]
                .trim_start()
                .starts_with("json!(")
    })
}

/// The new crate's files, relative to its folder, with their templates.
const FILES: [(&str, &str); 5] = [
    ("Cargo.toml", include_str!("new_stage/Cargo.toml.tmpl")),
    ("src/lib.rs", include_str!("new_stage/lib.rs.tmpl")),
    ("src/config.rs", include_str!("new_stage/config.rs.tmpl")),
    ("src/stage.rs", include_str!("new_stage/stage.rs.tmpl")),
    ("tests/stage.rs", include_str!("new_stage/test.rs.tmpl")),
];

/// Writes the stage crate `crates/NAME` under the workspace at `root` and wires it in.
/// Checks everything before writing anything, so a refused name leaves the tree as it was.
pub fn new_stage(root: &Path, stage: &str) -> Result<PathBuf> {
    let names = Names::new(stage)?;
    let dir = root.join("crates").join(&names.stage);
    if dir.exists() {
        bail!("{} exists already", dir.display());
    }
    let manifest_path = root.join("Cargo.toml");
    let registry_path = root.join("crates/cli/src/lib.rs");
    let conformance_path = root.join("tests/it/conformance.rs");
    let manifest = wire_manifest(&read(&manifest_path)?, &names)?;
    let registry = insert_line(
        &read(&registry_path)?,
        REGISTER_BEFORE,
        &format!("registry.register({}::factory());", names.krate),
        Place::Before,
    )
    .with_context(|| format!("in {}", registry_path.display()))?;
    let conformance_text = read(&conformance_path)?;
    if has_conformance_config(&conformance_text, &names.stage) {
        bail!(
            "a stage named `{}` is registered already (see {}): stage names are what \
             pipelines say, so each must be unique",
            names.stage,
            conformance_path.display()
        );
    }
    let conformance = insert_line(
        &conformance_text,
        CONFIGS_START,
        &format!("    vec![\n        (\"{}\", json!({{}})),", names.stage),
        Place::ReplacingNext("    vec!["),
    )
    .with_context(|| format!("in {}", conformance_path.display()))?;

    for (file, template) in FILES {
        let path = dir.join(file);
        fs::create_dir_all(path.parent().expect("a file in the crate"))?;
        fs::write(&path, names.fill(template))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    fs::write(&manifest_path, manifest)?;
    fs::write(&registry_path, registry)?;
    fs::write(&conformance_path, conformance)?;
    // The templates' line breaks depend on the name's length: let rustfmt lay them out.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let formatted = Command::new(&cargo)
        .args(["fmt", "-p", &names.package])
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot start {cargo} fmt"))?;
    if !formatted.success() {
        bail!("`cargo fmt -p {}` failed ({formatted})", names.package);
    }
    Ok(dir)
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The root `Cargo.toml` with the new crate as a workspace member, a workspace dependency and
/// a dependency of the `newspipe` package (the binary that registers it).
fn wire_manifest(text: &str, names: &Names) -> Result<String> {
    let mut manifest: DocumentMut = text.parse().context("the root Cargo.toml")?;
    let member = format!("crates/{}", names.stage);
    let members = manifest["workspace"]["members"]
        .as_array_mut()
        .context("no `workspace.members` array in the root Cargo.toml")?;
    members.push(member.as_str());
    let mut entry = InlineTable::new();
    entry.insert("path", member.as_str().into());
    manifest["workspace"]["dependencies"][names.package.as_str()] = value(entry);
    // `newspipe-NAME.workspace = true`, as the other path crates are written.
    let mut workspace = Table::new();
    workspace.set_dotted(true);
    workspace.insert("workspace", value(true));
    let dependencies = manifest["dependencies"]
        .as_table_mut()
        .context("no `[dependencies]` in the root Cargo.toml")?;
    dependencies.insert(&names.package, Item::Table(workspace));
    // One member a line, as the file is laid out.
    if let Some(members) = manifest["workspace"]["members"].as_array_mut() {
        format_one_a_line(members);
    }
    Ok(manifest.to_string())
}

fn format_one_a_line(array: &mut Array) {
    for item in array.iter_mut() {
        item.decor_mut().set_prefix("\n    ");
        item.decor_mut().set_suffix("");
    }
    array.set_trailing("\n");
    array.set_trailing_comma(true);
}

/// Where [`insert_line`] puts its text relative to the anchor.
enum Place {
    /// On its own line before the anchor's line, with the anchor's indentation.
    Before,
    /// In place of the line after the anchor, which must be the given line.
    ReplacingNext(&'static str),
}

/// `text` with `insert` placed at the line holding `anchor`; an error naming the anchor when
/// it is not found (the file changed shape: update the scaffold with it).
fn insert_line(text: &str, anchor: &str, insert: &str, place: Place) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|line| line.trim() == anchor.trim()) else {
        bail!("the line `{anchor}` is gone: update xtask/src/new_stage.rs to the file's new shape");
    };
    let mut out: Vec<String> = lines.iter().map(|line| (*line).to_owned()).collect();
    match place {
        Place::Before => {
            let indent = &lines[at][..lines[at].len() - lines[at].trim_start().len()];
            out.insert(at, format!("{indent}{insert}"));
        }
        Place::ReplacingNext(expected) => {
            if lines.get(at + 1) != Some(&expected) {
                bail!("`{expected}` no longer follows `{anchor}`: update xtask/src/new_stage.rs");
            }
            out[at + 1] = insert.to_owned();
        }
    }
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_spelled_for_each_file() {
        let names = Names::new("word-floor").unwrap();
        assert_eq!(
            (
                names.package.as_str(),
                names.krate.as_str(),
                names.camel.as_str()
            ),
            ("newspipe-word-floor", "newspipe_word_floor", "WordFloor")
        );
        for bad in ["Word", "-x", "x-", "a--b", "a_b", "", "9x"] {
            assert!(Names::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registered_stages_are_found_by_their_conformance_config() {
        let conformance = "vec![\n    (\"dedupe\", json!({})),\n    (\n        \"plugin\",\n        json!({\"stage\": \"pass\"}),\n    ),\n]";
        assert!(has_conformance_config(conformance, "dedupe"));
        assert!(has_conformance_config(conformance, "plugin"));
        // A name that only appears as a value is not a registered stage.
        assert!(!has_conformance_config(conformance, "pass"));
        assert!(!has_conformance_config(conformance, "word-floor"));
    }

    /// Copies the workspace's sources (no `target/`, no `.git`) to `to`.
    fn copy_tree(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            let (source, dest) = (entry.path(), to.join(&name));
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&source, &dest);
            } else if entry.file_type().unwrap().is_file() {
                fs::copy(&source, &dest).unwrap();
            }
        }
    }

    /// The scaffold, run into a copy of this workspace, gives a crate that builds with its
    /// test, is a member and a dependency, is registered before `export`, and has a
    /// conformance config. The check reuses this workspace's target folder for the registry
    /// dependencies, so only the copied path crates compile.
    #[test]
    fn the_scaffold_builds_in_a_copy_of_the_workspace() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let copy = tempfile::tempdir().unwrap();
        copy_tree(root, copy.path());
        // A name registered by another crate (`plugin` is the `plugin-host` crate) is refused.
        let refused = new_stage(copy.path(), "plugin").unwrap_err().to_string();
        assert!(refused.contains("registered already"), "{refused}");
        assert!(!copy.path().join("crates/plugin").exists());
        let crate_dir = new_stage(copy.path(), "word-floor").unwrap();
        assert!(crate_dir.join("src/config.rs").is_file());

        let registry = read(&copy.path().join("crates/cli/src/lib.rs")).unwrap();
        let ours = registry.find("newspipe_word_floor::factory()").unwrap();
        let export = registry.find("newspipe_export::factory()").unwrap();
        assert!(ours < export, "{registry}");
        let conformance = read(&copy.path().join("tests/it/conformance.rs")).unwrap();
        assert!(conformance.contains("(\"word-floor\", json!({})),"));
        let manifest: DocumentMut = read(&copy.path().join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            manifest["workspace"]["dependencies"]["newspipe-word-floor"]["path"].as_str(),
            Some("crates/word-floor")
        );
        assert_eq!(
            manifest["dependencies"]["newspipe-word-floor"]["workspace"].as_bool(),
            Some(true)
        );

        // A second run refuses, and changes nothing.
        assert!(new_stage(copy.path(), "word-floor").is_err());

        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let formatted = Command::new(&cargo)
            .args(["fmt", "--check", "-p", "newspipe-word-floor"])
            .current_dir(copy.path())
            .output()
            .unwrap();
        assert!(
            formatted.status.success(),
            "the scaffold is not formatted:\n{}",
            String::from_utf8_lossy(&formatted.stdout)
        );
        let output = Command::new(cargo)
            .args(["check", "--offline", "--quiet", "--tests", "-p"])
            .arg("newspipe-word-floor")
            .env("CARGO_TARGET_DIR", root.join("target"))
            .current_dir(copy.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "the scaffold does not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
