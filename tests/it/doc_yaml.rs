//! Every YAML block in the documentation goes through `newspipe validate`: README.md,
//! ARCHITECTURE.md, CONTRIBUTING.md, `docs/*.md`, and the crate docs (`crates/*/src/lib.rs`,
//! `crates/*/README.md`). A block that shows part of a pipeline (a list of stages, a `tests:`
//! section) is completed with an `input` and a stage so it validates as written; a block that
//! cannot stand even then is marked in its fence as ```` ```yaml fragment ```` and skipped,
//! visibly. A failing block fails the test with its file and line.

use std::fs;
use std::path::{Path, PathBuf};

use super::support::{newspipe, root};

/// The fence word that marks a block as a fragment not to validate.
const FRAGMENT: &str = "fragment";

/// One YAML block of a documentation file.
struct Block {
    /// The file, relative to the repository root.
    file: String,
    /// The line of its opening fence, from 1.
    line: usize,
    /// Whether the fence marks it as a fragment.
    fragment: bool,
    /// Its lines, as written (without a doc comment's `//!`).
    text: String,
}

/// The documentation files whose YAML blocks are checked.
fn documentation_files() -> Vec<PathBuf> {
    let root = root();
    let mut files: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md", "CONTRIBUTING.md"]
        .iter()
        .map(|name| root.join(name))
        .filter(|path| path.is_file())
        .collect();
    let listed = |dir: &Path| -> Vec<PathBuf> {
        fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut docs: Vec<PathBuf> = listed(&root.join("docs"))
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    let mut crates = Vec::new();
    for krate in listed(&root.join("crates")) {
        crates.extend(
            [krate.join("src/lib.rs"), krate.join("README.md")]
                .into_iter()
                .filter(|path| path.is_file()),
        );
    }
    docs.sort();
    crates.sort();
    files.extend(docs);
    files.extend(crates);
    files
}

/// The YAML blocks of one file's `text`, named `file`: Markdown fences, or (`rust`) fences
/// inside `//!` doc comments.
fn yaml_blocks(text: &str, file: &str, rust: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = if rust {
            match raw.trim_start().strip_prefix("//!") {
                Some(doc) => doc.strip_prefix(' ').unwrap_or(doc),
                None => continue,
            }
        } else {
            raw
        };
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some(block), None) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, Some(info)) => {
                let mut words = info.split([' ', ',']).filter(|word| !word.is_empty());
                if words.next() == Some("yaml") {
                    open = Some(Block {
                        file: file.to_owned(),
                        line: index + 1,
                        fragment: words.any(|word| word == FRAGMENT),
                        text: String::new(),
                    });
                } else {
                    // Another language's block: skip to its closing fence.
                    open = Some(Block {
                        file: String::new(),
                        line: 0,
                        fragment: true,
                        text: String::new(),
                    });
                }
            }
            (None, None) => {}
        }
    }
    blocks.retain(|block| !block.file.is_empty());
    blocks
}

/// The top-level keys a block sets.
fn top_level_keys(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with([' ', '#', '-']))
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.trim()))
        .collect()
}

/// The stages of the default pipeline, for a block that shows only other sections.
const DEFAULT_STAGES: &str = "stages:\n  - normalize: {}\n  - dedupe: {}\n  - extract: {}\n  - score-reliability: {}\n  - export: { jsonl: ../out/documents.jsonl }\n";

/// The block as a whole pipeline: a list of stages goes under `stages:`, and a missing `input`
/// or `stages` gets the default pipeline's. Paths in the docs are relative to a
/// pipeline in `pipelines/`, as the shipped ones are, so `../seeds` is the input.
fn as_pipeline(block: &str) -> String {
    let first = block
        .lines()
        .find(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .unwrap_or_default();
    if first.starts_with("- ") {
        let stages: String = block.lines().map(|line| format!("  {line}\n")).collect();
        return format!("input: {{ path: ../seeds }}\nstages:\n{stages}");
    }
    let keys = top_level_keys(block);
    let mut pipeline = String::new();
    if !keys.contains(&"input") {
        pipeline.push_str("input: { path: ../seeds }\n");
    }
    pipeline.push_str(block);
    if !keys.contains(&"stages") {
        pipeline.push_str(DEFAULT_STAGES);
    }
    pipeline
}

/// Whether `validate`'s only complaints are plugin libraries that are not there: the docs'
/// plugin examples name libraries a checkout has not built. Everything else in such a block
/// (its keys, the plugin's place in the order) is still checked before the library is loaded.
fn only_unbuilt_plugins(stderr: &str) -> bool {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error"))
        .collect();
    !errors.is_empty()
        && errors
            .iter()
            .all(|line| line.contains("plugin library `") && line.ends_with("` does not exist"))
}

#[test]
fn every_yaml_block_in_the_docs_validates() {
    let blocks: Vec<Block> = documentation_files()
        .iter()
        .flat_map(|path| {
            let text = fs::read_to_string(path).unwrap();
            let file = path.strip_prefix(root()).unwrap().to_string_lossy();
            yaml_blocks(
                &text,
                &file,
                path.extension().is_some_and(|ext| ext == "rs"),
            )
        })
        .collect();
    assert!(
        blocks.len() >= 15,
        "found only {} YAML blocks: is the fence parser broken?",
        blocks.len()
    );
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("pipelines")).unwrap();
    fs::create_dir_all(dir.path().join("seeds")).unwrap();
    fs::write(dir.path().join("seeds/a.txt"), "Ottawa said on Monday.\n").unwrap();

    let mut failures = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        if block.fragment {
            eprintln!(
                "skipped: {}:{} is marked `yaml {FRAGMENT}`",
                block.file, block.line
            );
            continue;
        }
        let pipeline = as_pipeline(&block.text);
        let name = format!("pipelines/block{index}.yaml");
        fs::write(dir.path().join(&name), &pipeline).unwrap();
        let output = newspipe(dir.path(), &["validate", &name]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() && !only_unbuilt_plugins(&stderr) {
            failures.push(format!(
                "{}:{}: the YAML block fails `newspipe validate`\n{}--- validated as:\n{pipeline}",
                block.file, block.line, stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_broken_block_is_caught_and_a_marked_fragment_is_not_read() {
    let markdown =
        "# Doc\n\n```yaml\n- extract: { colour: red }\n```\n\n```yaml fragment\nnot: [valid\n```\n";
    let blocks = yaml_blocks(markdown, "doc.md", false);
    assert_eq!(blocks.len(), 2);
    assert_eq!((blocks[0].line, blocks[0].fragment), (3, false));
    assert_eq!((blocks[1].line, blocks[1].fragment), (7, true));
    let rust = "//! Docs.\n//! ```yaml\n//! stages:\n//!   - extract: {}\n//! ```\nfn f() {}\n";
    let blocks = yaml_blocks(rust, "lib.rs", true);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].text, "stages:\n  - extract: {}\n");

    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("pipelines")).unwrap();
    fs::create_dir_all(dir.path().join("seeds")).unwrap();
    fs::write(dir.path().join("seeds/a.txt"), "Ottawa said.\n").unwrap();
    let broken = yaml_blocks(markdown, "doc.md", false).remove(0);
    fs::write(
        dir.path().join("pipelines/p.yaml"),
        as_pipeline(&broken.text),
    )
    .unwrap();
    let output = newspipe(dir.path(), &["validate", "pipelines/p.yaml"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown key `colour`"));
}
