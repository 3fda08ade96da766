//! Copy invariance, as a metamorphic property of the whole default pipeline: adding exact or
//! near copies of documents, under any ids and in any input order, leaves every original's
//! output as it was. Which originals share a cluster, each original's relation to its
//! representative, its claims' corroboration and contradiction and its score all stay; the one
//! documented change is the representative swap: an exact copy that wins the tie on its id
//! stands for the cluster in its original's place, and that original then becomes its exact
//! copy (only its own `dedupe` and `reliability` may change).
//!
//! Each variant runs the real binary over a JSON Lines corpus (originals plus copies,
//! shuffled) and compares every field of every original with the run over the originals
//! alone, after mapping copy ids to their originals' ids and cluster ids to the originals
//! they hold.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::support::{default_pipeline_in, newspipe, read_jsonl, root, transcript};

/// How a variant copies each original.
#[derive(Debug, Clone, Copy)]
struct Variant {
    /// Copies of each original.
    copies: usize,
    /// Whether the copies' ids sort before the originals' (so exact copies win the tie on
    /// the id and swap roles with their originals).
    ids_first: bool,
    /// Seed of the shuffle of the input lines.
    shuffle: u64,
}

/// The variants every corpus is checked under.
const VARIANTS: [Variant; 4] = [
    Variant {
        copies: 1,
        ids_first: false,
        shuffle: 1,
    },
    Variant {
        copies: 3,
        ids_first: true,
        shuffle: 2,
    },
    Variant {
        copies: 50,
        ids_first: false,
        shuffle: 3,
    },
    Variant {
        copies: 50,
        ids_first: true,
        shuffle: 4,
    },
];

/// The seeds as JSON Lines documents (id = file stem), in file-name order.
fn seed_documents() -> Vec<Value> {
    let mut paths: Vec<_> = fs::read_dir(root().join("seeds"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            json!({"id": id, "text": fs::read_to_string(path).unwrap()})
        })
        .collect()
}

/// A small generated corpus of web reposts (with their own near copies, syndicated reposts,
/// templated siblings and singletons), from synthetic articles so that it needs no dev data.
fn generated_documents() -> Vec<Value> {
    let spec = CorpusSpec {
        sources: 12,
        ..CorpusSpec::clean(17)
    };
    generate(&synthetic_articles(12, 5), &spec)
        .iter()
        .map(|doc| serde_json::to_value(doc).unwrap())
        .collect()
}

/// Texts shorter than this get exact copies only: a fifth of a brief is not a copy of it.
const NEAR_COPY_MIN_WORDS: usize = 60;

/// A near copy: the text without its last fifth (cut at a space), so that it is shorter than
/// its original and never its representative.
fn near_copy(text: &str) -> String {
    let mut keep = text.len() * 4 / 5;
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    let cut = text[..keep]
        .rfind(char::is_whitespace)
        .unwrap_or(text.len());
    text[..cut].to_string()
}

/// Originals plus their copies, shuffled; and the map from each copy's id to its original's.
fn with_copies(originals: &[Value], variant: Variant) -> (Vec<Value>, HashMap<String, String>) {
    let mut docs = originals.to_vec();
    let mut copy_of = HashMap::new();
    for original in originals {
        let id = original["id"].as_str().unwrap();
        for n in 0..variant.copies {
            let prefix = if variant.ids_first { "0" } else { "zz" };
            let copy_id = format!("{prefix}-copy{n:02}-{id}");
            let mut copy = original.clone();
            copy["id"] = json!(copy_id);
            let text = copy["text"].as_str().unwrap().to_string();
            if n % 2 == 1 && text.split_whitespace().count() >= NEAR_COPY_MIN_WORDS {
                copy["text"] = json!(near_copy(&text));
            }
            copy_of.insert(copy_id, id.to_string());
            docs.push(copy);
        }
    }
    docs.shuffle(&mut ChaCha8Rng::seed_from_u64(variant.shuffle));
    (docs, copy_of)
}

/// Runs the default pipeline (without its `normalize` stage unless `normalize`) over `docs`
/// in `dir` and returns the output documents by id.
fn run(dir: &Path, docs: &[Value], normalize: bool) -> BTreeMap<String, Value> {
    let lines: String = docs.iter().map(|doc| format!("{doc}\n")).collect();
    fs::write(dir.join("corpus.jsonl"), lines).unwrap();
    let pipeline = default_pipeline_in(dir, "corpus.jsonl");
    if !normalize {
        let text = fs::read_to_string(&pipeline).unwrap();
        let without = text.replace("  - normalize: {}\n", "");
        assert_ne!(without, text, "the default pipeline starts with normalize");
        fs::write(&pipeline, without).unwrap();
    }
    let output = newspipe(dir, &["run", pipeline.to_str().unwrap(), "-q"]);
    assert!(output.status.success(), "{}", transcript(&output));
    read_jsonl(&dir.join("out/documents.jsonl"))
        .into_iter()
        .map(|doc| (doc["id"].as_str().unwrap().to_string(), doc))
        .collect()
}

/// Each cluster id of `docs`, named by the sorted originals it holds (copies mapped).
fn cluster_names(docs: &BTreeMap<String, Value>) -> HashMap<String, String> {
    let mut members: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (id, doc) in docs {
        let cluster = doc["dedupe"]["cluster"].as_str().unwrap().to_string();
        let original = strip_copy_ids(id).0;
        members.entry(cluster).or_default().insert(original);
    }
    members
        .into_iter()
        .map(|(cluster, originals)| {
            let name = originals.into_iter().collect::<Vec<_>>().join("+");
            (cluster, format!("cluster[{name}]"))
        })
        .collect()
}

/// `text` with every copy id replaced by its original's (a copy id is a prefix such as
/// `zz-copy07-` before the original's id), and whether it named a copy.
fn strip_copy_ids(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut named = false;
    while let Some(at) = rest.find("-copy") {
        let (before, after) = rest.split_at(at);
        let prefix = ["zz", "0"].into_iter().find(|p| before.ends_with(p));
        let digits = after
            .get(5..7)
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
        match prefix {
            Some(p) if digits && after.as_bytes().get(7) == Some(&b'-') => {
                out.push_str(&before[..before.len() - p.len()]);
                rest = &after[8..];
                named = true;
            }
            _ => {
                out.push_str(before);
                out.push_str("-copy");
                rest = &after[5..];
            }
        }
    }
    out.push_str(rest);
    (out, named)
}

/// Replaces every copy id by its original's and every cluster id by its name, anywhere. A
/// list that named copies becomes the sorted set of the originals it names, whether a JSON
/// array of ids or the `: a, b, c` list at the end of a note (a spelling used, or a rewrite
/// made, by a document and its copies is one document's).
fn canonical(value: &Value, clusters: &HashMap<String, String>) -> Value {
    match value {
        Value::String(text) => {
            if let Some(name) = clusters.get(text) {
                return json!(name);
            }
            let (text, named) = strip_copy_ids(text);
            match text.rsplit_once(": ") {
                Some((head, list)) if named => {
                    let items: BTreeSet<&str> = list.split(", ").collect();
                    json!(format!(
                        "{head}: {}",
                        items.into_iter().collect::<Vec<_>>().join(", ")
                    ))
                }
                _ => json!(text),
            }
        }
        Value::Array(items) => {
            let names_copies = items
                .iter()
                .any(|item| item.as_str().is_some_and(|id| strip_copy_ids(id).1));
            let mut items: Vec<Value> =
                items.iter().map(|item| canonical(item, clusters)).collect();
            if names_copies && items.iter().all(Value::is_string) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                items.dedup();
            }
            Value::Array(items)
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| (key.clone(), canonical(item, clusters)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The output of one original, canonical, without where its input line was. With
/// `swapped` (the documented representative swap), also without what follows from its own
/// role: its `dedupe` and `reliability`, and the score and `source` term (its own score) of
/// each of its claims.
fn comparable(doc: &Value, clusters: &HashMap<String, String>, swapped: bool) -> Value {
    let mut doc = canonical(doc, clusters);
    let fields = doc.as_object_mut().unwrap();
    if let Some(source) = fields.get_mut("source").and_then(Value::as_object_mut) {
        source.remove("line");
        source.remove("path");
    }
    if swapped {
        fields.remove("dedupe");
        fields.remove("reliability");
        for claim in fields
            .get_mut("claims")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(reliability) = claim["reliability"].as_object_mut() {
                reliability.remove("score");
                reliability.remove("band");
                if let Some(terms) = reliability.get_mut("signals").and_then(Value::as_array_mut) {
                    terms.retain(|term| term["name"] != "source");
                }
            }
        }
    }
    doc
}

/// Whether an original gave its place as representative to one of its own copies.
fn swapped_out(doc: &Value, copy_of: &HashMap<String, String>) -> bool {
    doc["dedupe"]["duplicate_of"]
        .as_str()
        .is_some_and(|rep| copy_of.get(rep).map(String::as_str) == doc["id"].as_str())
}

/// Checks every variant of `originals` against the run over the originals alone.
fn check_copy_invariance(name: &str, originals: &[Value], normalize: bool) {
    let dir = tempfile::tempdir().unwrap();
    let base = run(dir.path(), originals, normalize);
    assert_eq!(base.len(), originals.len());
    let base_clusters = cluster_names(&base);
    let mut failures = Vec::new();
    for variant in VARIANTS {
        let (docs, copy_of) = with_copies(originals, variant);
        let out = run(dir.path(), &docs, normalize);
        assert_eq!(
            out.len(),
            docs.len(),
            "{name} {variant:?}: every document out"
        );
        let clusters = cluster_names(&out);
        let mut swaps = 0;
        for (id, before) in &base {
            let after = &out[id];
            let swapped = swapped_out(after, &copy_of);
            swaps += usize::from(swapped);
            let expected = comparable(before, &base_clusters, swapped);
            let actual = comparable(after, &clusters, swapped);
            if expected != actual {
                failures.push(format!(
                    "{name} {variant:?}, document {id} (without copies -> with copies):\n{}",
                    differences(&expected, &actual),
                ));
            }
        }
        if variant.ids_first {
            assert!(swaps > 0, "{name} {variant:?}: the swap case is exercised");
        }
        // Every copy lands in its original's cluster.
        for (copy, original) in &copy_of {
            assert_eq!(
                out[copy]["dedupe"]["cluster"], out[original]["dedupe"]["cluster"],
                "{name} {variant:?}: copy {copy} of {original}:\n{}\n{}",
                out[copy]["text"], out[original]["text"],
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The first few differing fields of two JSON values, one `path: expected -> actual` a line.
fn differences(expected: &Value, actual: &Value) -> String {
    fn walk(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for key in keys {
                    walk(
                        x.get(key).unwrap_or(&Value::Null),
                        y.get(key).unwrap_or(&Value::Null),
                        format!("{path}.{key}"),
                        out,
                    );
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (n, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(u, v, format!("{path}[{n}]"), out);
                }
            }
            _ if a == b => {}
            _ => out.push(format!("    {path}: {a} -> {b}")),
        }
    }
    let mut out = Vec::new();
    walk(expected, actual, String::new(), &mut out);
    out.truncate(4);
    out.join("\n")
}

#[test]
fn copies_of_the_seeds_change_no_original() {
    check_copy_invariance("seeds", &seed_documents(), true);
}

#[test]
fn copies_of_a_generated_corpus_change_no_original() {
    // Generated texts are plain text already; normalize's reading of synthetic words is not
    // what this checks.
    check_copy_invariance("generated", &generated_documents(), false);
}
