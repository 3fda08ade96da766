//! Real news for the benchmark, assembled from the development data in `../shared/devdata`:
//! short wire copy (the newswire reprint set's Reuters-21578 and BBC reposts, and the CoNLL-2003
//! Reuters articles) and mid-sized web articles (the WCXB dev article bodies, the PolNeAR and the
//! reliability dev texts). Generated text has few names and numbers per kilobyte and long
//! documents; these rows show the per-document and per-annotation costs real news has.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

/// One document of a real corpus, as the runner's JSON Lines reader takes it.
#[derive(Debug, Clone, Serialize)]
pub struct RealDoc {
    /// Unique within the corpus: the set it came from and its id there.
    pub id: String,
    /// The article text.
    pub text: String,
}

/// A real corpus: its short name in the tables, what it is made of, and its documents.
pub struct RealCorpus {
    /// Short name for the tables (`wire`, `web`).
    pub name: &'static str,
    /// What it is made of, for the report.
    pub label: &'static str,
    /// The documents, in a fixed order.
    pub docs: Vec<RealDoc>,
}

/// The development data folder (`$NEWSPIPE_DEVDATA` or `../shared/devdata`).
pub fn devdata_dir() -> PathBuf {
    let wcxb = newspipe_corpusgen::devdata_file();
    wcxb.parent().map_or_else(PathBuf::new, Path::to_path_buf)
}

/// Both real corpora, or `None` when the development data is not there.
pub fn corpora() -> Result<Option<Vec<RealCorpus>>> {
    let dir = devdata_dir();
    if !dir.join("newsdup").exists() {
        return Ok(None);
    }
    Ok(Some(vec![wire(&dir)?, web(&dir)?]))
}

/// Short wire copy: newswire reposts (≈ 0.95 KB each) and CoNLL-2003's Reuters articles.
fn wire(dir: &Path) -> Result<RealCorpus> {
    let mut docs = read_jsonl_texts(&dir.join("newsdup/newsdup-clean-dev.jsonl.gz"), "newsdup")?;
    for split in ["eng.train", "eng.testa"] {
        docs.extend(conll_articles(&dir.join("conll2003").join(split), split)?);
    }
    Ok(RealCorpus {
        name: "wire",
        label: "real wire copy: newsdup clean dev reposts of Reuters-21578 and BBC articles, \
                CoNLL-2003 train and testa Reuters articles",
        docs,
    })
}

/// Web articles: WCXB dev article bodies, PolNeAR train and dev, the reliability dev texts.
pub fn web(dir: &Path) -> Result<RealCorpus> {
    let mut docs: Vec<RealDoc> =
        newspipe_corpusgen::load_article_bodies(&dir.join("wcxb-dev-articles.jsonl.gz"), 50)?
            .into_iter()
            .map(|a| RealDoc {
                id: format!("wcxb:{}", a.id),
                text: a.body,
            })
            .collect();
    for file in [
        "polnear/train.jsonl",
        "polnear/dev.jsonl",
        "reliability/fakenewsnet_v1-dev.jsonl",
        "reliability/horne2017-dev.jsonl",
    ] {
        docs.extend(read_jsonl_texts(&dir.join(file), file)?);
    }
    Ok(RealCorpus {
        name: "web",
        label: "real web articles: WCXB dev article bodies, PolNeAR train and dev, \
                FakeNewsNet and Horne 2017 dev texts",
        docs,
    })
}

/// The `id` and `text` of each line of a JSON Lines file (gzip when it ends in `.gz`).
fn read_jsonl_texts(path: &Path, set: &str) -> Result<Vec<RealDoc>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader: Box<dyn BufRead> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut docs = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let record: serde_json::Value = serde_json::from_str(&line?)
            .with_context(|| format!("{}:{}", path.display(), number + 1))?;
        let Some(text) = record["text"].as_str() else {
            continue;
        };
        let id = match &record["id"] {
            serde_json::Value::String(id) => id.clone(),
            serde_json::Value::Null => number.to_string(),
            other => other.to_string(),
        };
        docs.push(RealDoc {
            id: format!("{set}:{id}"),
            text: text.to_owned(),
        });
    }
    Ok(docs)
}

/// CoNLL-2003's articles as text: one token a line, `-DOCSTART-` between articles, a blank
/// line between sentences. Tokens are joined with spaces except before closing punctuation
/// and after opening brackets; each sentence is a line.
fn conll_articles(path: &Path, set: &str) -> Result<Vec<RealDoc>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut line_start = true;
    let mut after_open = false;
    let flush = |text: &mut String, docs: &mut Vec<RealDoc>| {
        let article = text.trim();
        if !article.is_empty() {
            docs.push(RealDoc {
                id: format!("{set}:{}", docs.len()),
                text: article.to_owned(),
            });
        }
        text.clear();
    };
    for line in BufReader::new(file).lines() {
        let line = line?;
        let Some(token) = line.split(' ').next().filter(|t| !t.is_empty()) else {
            if !line_start {
                text.push('\n');
                line_start = true;
            }
            continue;
        };
        if token == "-DOCSTART-" {
            flush(&mut text, &mut docs);
            line_start = true;
            continue;
        }
        let closes = matches!(
            token,
            "," | "." | ":" | ";" | ")" | "]" | "?" | "!" | "%" | "'s" | "n't" | "'"
        );
        if !line_start && !closes && !after_open {
            text.push(' ');
        }
        text.push_str(token);
        after_open = matches!(token, "(" | "[");
        line_start = false;
    }
    flush(&mut text, &mut docs);
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conll_tokens_become_readable_sentences_and_articles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample");
        std::fs::write(
            &path,
            "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n( ( O O\n\
             German JJ I-NP I-MISC\n) ) O O\ncall NN I-NP O\n. . O O\n\nIt PRP I-NP O\n\
             's VBZ I-VP O\nlate JJ I-NP O\n, , O O\nsaid VBD I-VP O\n\
             Smith NNP I-NP I-PER\n. . O O\n\n-DOCSTART- -X- O O\n\n\
             Second JJ I-NP O\nstory NN I-NP O\n",
        )
        .unwrap();
        let docs = conll_articles(&path, "t").unwrap();
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "EU rejects (German) call.\nIt's late, said Smith.",
                "Second story"
            ]
        );
        assert_eq!(docs[1].id, "t:1");
    }
}
