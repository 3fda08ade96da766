//! Which listed files a run reads, and the id of each: a run never reads its own outputs or
//! its pipeline file, skips what is plainly not an article in `format: auto`, and names each
//! file by its path relative to the input root, so ids are unique within a run and the same in
//! every run.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use newspipe_config::InputFormat;

use crate::input::{display, file_format, is_gzip, not_an_article_by_content, FileFormat};

/// The extensions of files that never hold an article, with what such a file is.
const NOT_ARTICLES: &str = include_str!("../data/not_articles.tsv");

/// A file the run reads, with its document id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// Its path relative to the input root, without its extension (`siteA/article`).
    pub id: String,
    /// Why it is rejected unread: a file the user named on its own that is not an article.
    pub refused: Option<String>,
}

/// The files to read and the counts of those skipped, by reason.
#[derive(Debug, Default)]
pub struct Selection {
    /// The files to read, in listing order.
    pub files: Vec<InputFile>,
    /// Files left out, counted by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// Chooses the files to read among `listed` (from [`crate::discover`] on `input`): the files
/// and folders in `never_read` (the run's outputs and pipeline file) are left out, and so, in
/// `auto` format, are files whose extension says they are not articles (a stylesheet, a
/// script, an image), and files whose extension says nothing (`.txt`, none) but whose content
/// is a stylesheet, a script, JSON or binary; such a file named as the whole input is kept, to
/// be rejected with the reason instead of vanishing.
pub fn select(
    input: &Path,
    listed: Vec<PathBuf>,
    format: InputFormat,
    never_read: &[PathBuf],
) -> Selection {
    let root = input_root(input);
    let never_read: Vec<PathBuf> = never_read
        .iter()
        .filter_map(|path| path.canonicalize().ok())
        .collect();
    let named_alone = input.is_file();
    let mut selection = Selection::default();
    for path in listed {
        let canonical = path.canonicalize().ok();
        if canonical
            .as_ref()
            .is_some_and(|file| never_read.iter().any(|own| file.starts_with(own)))
        {
            *selection
                .skipped
                .entry("an output or the pipeline file of this run".into())
                .or_default() += 1;
            continue;
        }
        let not_article = (format == InputFormat::Auto)
            .then(|| {
                not_an_article(&path)
                    .map(|kind| (kind, "extension"))
                    .or_else(|| {
                        extension_says_nothing(&path)
                            .then(|| not_an_article_by_content(&path))
                            .flatten()
                            .map(|kind| (kind, "content"))
                    })
            })
            .flatten();
        let refused = match not_article {
            Some((kind, by)) if named_alone => Some(format!(
                "not an article: {kind} (by its {by}); name a text, HTML or JSON Lines file, or set `input.format`"
            )),
            Some((kind, _)) => {
                *selection
                    .skipped
                    .entry(format!("not an article: {kind}"))
                    .or_default() += 1;
                continue;
            }
            None => None,
        };
        let id = relative_id(&root, &path);
        selection.files.push(InputFile { path, id, refused });
    }
    selection
}

/// What a run of `pipeline` reads: its input listed and chosen by [`select`] with `own` (the
/// run's [`own_files`]) left out, and the chosen files' bytes. One listing for a run on one
/// machine and for a cluster plan, so both read exactly the same files.
pub fn list_input(
    pipeline: &newspipe_config::Pipeline,
    own: &[PathBuf],
) -> std::io::Result<(Selection, u64)> {
    let listed = crate::input::discover(&pipeline.input.path)?;
    let selection = select(&pipeline.input.path, listed, pipeline.input.format, own);
    let bytes = selection
        .files
        .iter()
        .filter_map(|file| std::fs::metadata(&file.path).ok())
        .map(|meta| meta.len())
        .sum();
    Ok((selection, bytes))
}

/// The files a run of `pipeline` writes or is configured by, which it never reads: its
/// pipeline file, its rejects, dropped and stats files, and every stage's outputs.
pub fn own_files(
    pipeline: &newspipe_config::Pipeline,
    registry: &newspipe_core::Registry,
) -> Vec<PathBuf> {
    let cx = newspipe_core::BuildContext {
        base_dir: pipeline.base_dir.clone(),
        pipeline: pipeline.name.clone(),
    };
    let mut files = vec![
        pipeline.file.clone(),
        pipeline.rejects.clone(),
        pipeline.dropped.clone(),
        pipeline.stats.clone(),
    ];
    for stage in &pipeline.stages {
        if let Some(factory) = registry.get(&stage.name) {
            files.extend(factory.output_paths(&stage.config, &cx));
        }
    }
    files
}

/// The folders a run writes temporary files into: each output's folder, and a folder output
/// (CSV tables) itself.
pub fn output_folders(own_files: &[PathBuf]) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = Vec::new();
    for path in own_files {
        let parent = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        for folder in [parent, path.clone()] {
            if folder.is_dir() && !folders.contains(&folder) {
                folders.push(folder);
            }
        }
    }
    folders
}

/// The folder ids are relative to: the input folder, a named file's folder, or a glob's
/// leading folders before its first pattern character.
fn input_root(input: &Path) -> PathBuf {
    if input.is_dir() {
        return input.to_path_buf();
    }
    let text = input.to_string_lossy();
    if !input.is_file() && text.contains(['*', '?', '[']) {
        return input
            .components()
            .take_while(|part| !part.as_os_str().to_string_lossy().contains(['*', '?', '[']))
            .collect();
    }
    input.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `root/siteA/article.html.gz` → `siteA/article`: the folders below the root and the file
/// name without its extension (and without `.gz`).
pub(crate) fn relative_id(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = relative
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|part| match part {
            Component::Normal(name) => Some(display(name)),
            _ => None,
        })
        .collect();
    let stem = Path::new(path.file_stem().unwrap_or(path.as_os_str()));
    let stem = if is_gzip(path) {
        stem.file_stem().unwrap_or(stem.as_os_str())
    } else {
        stem.as_os_str()
    };
    parts.push(display(stem));
    parts.join("/")
}

/// Whether the extension leaves the content open: not HTML or JSON Lines by name (`.txt`,
/// no extension, an unknown one), so the content decides whether the file is an article.
fn extension_says_nothing(path: &Path) -> bool {
    let by_name_only = file_format(path, InputFormat::Auto, b"");
    by_name_only == FileFormat::Text
}

/// What a file is when its extension (under any `.gz`) says it is not an article.
fn not_an_article(path: &Path) -> Option<&'static str> {
    static TABLE: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        NOT_ARTICLES
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| line.split_once('\t'))
            .collect()
    });
    let inner = if is_gzip(path) {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let ext = inner.extension()?.to_string_lossy().to_ascii_lowercase();
    table
        .iter()
        .find(|(known, _)| *known == ext)
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_paths_below_the_root_without_extensions() {
        let root = Path::new("in");
        assert_eq!(relative_id(root, Path::new("in/001_ab.txt")), "001_ab");
        assert_eq!(relative_id(root, Path::new("in/a/page.html.gz")), "a/page");
        assert_ne!(
            relative_id(root, Path::new("in/siteA/article.txt")),
            relative_id(root, Path::new("in/siteB/article.txt"))
        );
    }

    #[test]
    fn own_outputs_and_folders_of_outputs_are_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path();
        for file in [
            "a.txt",
            "out/documents.jsonl",
            "out/tables/entities.csv",
            "p.yaml",
        ] {
            std::fs::create_dir_all(input.join(file).parent().unwrap()).unwrap();
            std::fs::write(input.join(file), "x").unwrap();
        }
        let listed = crate::discover(input).unwrap();
        let own = [
            input.join("out/documents.jsonl"),
            input.join("out/tables"),
            input.join("p.yaml"),
        ];
        let selection = select(input, listed, InputFormat::Auto, &own);
        let ids: Vec<&str> = selection.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a"]);
        assert_eq!(
            selection.skipped["an output or the pipeline file of this run"],
            3
        );
    }

    #[test]
    fn a_glob_root_is_its_folders_before_the_pattern() {
        assert_eq!(input_root(Path::new("x/y/*/a.txt")), PathBuf::from("x/y"));
    }

    #[test]
    fn stylesheets_scripts_and_images_are_not_articles() {
        assert_eq!(
            not_an_article(Path::new("s/site.css")),
            Some("a stylesheet")
        );
        assert_eq!(not_an_article(Path::new("s/app.JS")), Some("a script"));
        assert_eq!(not_an_article(Path::new("s/logo.png.gz")), Some("an image"));
        assert_eq!(not_an_article(Path::new("s/story.html")), None);
        assert_eq!(not_an_article(Path::new("s/docs.jsonl")), None);
        assert_eq!(not_an_article(Path::new("s/README")), None);
    }
}
