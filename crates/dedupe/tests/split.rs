//! A cluster run's split merge (heads, band buckets, sketches and verification per shard,
//! clustering) must give the very state `prepare` gives in one process, for any shard and
//! bucket count, without any task reading records (a cluster run ships none for dedupe). The
//! tasks' files are kept in memory here; `tests/it/cluster.rs` runs the same through the binary.

use std::collections::HashMap;

use newspipe_core::{
    Document, DynCorpusStage, Erased, FileKey, MemoryFiles, MergeLayout, MergeSource, Source,
    StageError, StageInstance,
};
use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use newspipe_dedupe::{Dedupe, DedupeConfig};

/// The shards whose documents (`docs.jsonl`) these reads read, in order.
fn documents_read(reads: &[FileKey]) -> Vec<usize> {
    reads
        .iter()
        .filter(|(step, _, name)| step.is_none() && name == "docs.jsonl")
        .map(|(_, rank, _)| *rank)
        .collect()
}

fn stage() -> Box<dyn DynCorpusStage> {
    let params = DedupeConfig::default().resolve().unwrap();
    match StageInstance::corpus(Dedupe::new(params)) {
        StageInstance::Corpus(stage) => stage,
        _ => unreachable!("a corpus stage"),
    }
}

/// Generated copies (exact, near, rewritten) with copies of the first documents at the end,
/// so that pairs cross shards.
fn documents() -> Vec<Document> {
    let mut docs: Vec<Document> = generate(&synthetic_articles(40, 3), &CorpusSpec::clean(11))
        .into_iter()
        .map(|d| {
            let mut doc = Document::new(d.id, Source::default(), d.text);
            doc.meta.published = d.published;
            doc
        })
        .collect();
    let copies: Vec<Document> = docs[..10]
        .iter()
        .map(|doc| {
            let mut copy = doc.clone();
            copy.id = format!("late-{}", doc.id);
            copy
        })
        .collect();
    docs.extend(copies);
    docs
}

/// The state of the split merge over `shards` shards with `buckets` bucket tasks.
fn split_state(
    stage: &dyn DynCorpusStage,
    docs: &mut [Document],
    shards: usize,
    buckets: usize,
) -> Vec<u8> {
    split_state_after(stage, docs, shards, buckets, |_| {}).unwrap()
}

/// The files of the observe tasks, by (task, rank, name).
type Written = HashMap<FileKey, Vec<u8>>;

/// The state of the split merge, after `tamper` changed the observe tasks' files; the first
/// error of a task.
fn split_state_after(
    stage: &dyn DynCorpusStage,
    docs: &mut [Document],
    shards: usize,
    buckets: usize,
    tamper: impl Fn(&mut Written),
) -> Result<Vec<u8>, StageError> {
    let steps = stage.merge_steps(&MergeLayout { shards, buckets });
    assert_eq!(
        steps.iter().map(|s| s.name).collect::<Vec<_>>(),
        ["heads", "bucket", "sketch", "verify"]
    );
    let ranks: Vec<usize> = steps.iter().map(|s| s.ranks).collect();
    let mut files = MemoryFiles::new(Vec::new(), ranks.clone());
    let size = docs.len().div_ceil(shards);
    for (shard, part) in docs.chunks_mut(size).enumerate() {
        let records: Vec<Erased> = part.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
        let written = stage.shard_files(&records, &ranks).unwrap();
        files.write(MergeSource::Observe, shard, written);
        // The documents as the observe task writes them for the next step.
        let lines: Vec<u8> = part
            .iter()
            .flat_map(|doc| {
                let mut line = serde_json::to_vec(doc).unwrap();
                line.push(b'\n');
                line
            })
            .collect();
        files.write(
            MergeSource::Observe,
            shard,
            vec![("docs.jsonl".into(), lines)],
        );
        files.shard_sizes.push(records.len());
    }
    assert_eq!(files.shard_sizes.len(), shards);
    tamper(&mut files.files);
    for (step, &count) in ranks.iter().enumerate() {
        for rank in 0..count {
            let reads_before = files.reads.len();
            let written = stage.run_merge_step(step, rank, &mut files)?;
            files.write(MergeSource::Step(step), rank, written);
            let documents = documents_read(&files.reads[reads_before..]);
            match steps[step].name {
                "sketch" => assert_eq!(documents, [rank], "sketch task {rank}"),
                name => assert!(documents.is_empty(), "{name} read documents"),
            }
        }
    }
    let state = stage.finish_merge(&mut files)?;
    assert!(
        documents_read(&files.reads).len() == shards,
        "the merge read documents"
    );
    assert!(files.records_asked.is_empty(), "a task read records");
    stage.encode_state(&state)
}

#[test]
fn the_split_merge_gives_the_state_prepare_gives() {
    let stage = stage();
    let mut docs = documents();
    let records: Vec<Erased> = docs.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
    let whole = stage
        .encode_state(&stage.prepare(records).unwrap())
        .unwrap();
    for (shards, buckets) in [(1, 1), (3, 3), (4, 2), (7, 5), (2, 1000)] {
        let mut docs = documents();
        assert!(
            split_state(&*stage, &mut docs, shards, buckets) == whole,
            "the split merge differs with {shards} shards and {buckets} bucket tasks"
        );
    }
}

#[test]
fn a_sketch_task_refuses_documents_that_are_not_the_shards() {
    let stage = stage();
    let cut_last_line = |written: &mut Written| {
        let docs = written.get_mut(&(None, 1, "docs.jsonl".into())).unwrap();
        docs.pop();
        let end = docs.iter().rposition(|&byte| byte == b'\n').unwrap();
        docs.truncate(end + 1);
    };
    let err = split_state_after(&*stage, &mut documents(), 3, 2, cut_last_line).unwrap_err();
    assert!(
        err.message.contains("docs.jsonl") && err.message.contains("where the shard observed"),
        "{}",
        err.message
    );
    let garble = |written: &mut Written| {
        let docs = written.get_mut(&(None, 0, "docs.jsonl".into())).unwrap();
        for byte in docs.iter_mut().filter(|byte| **byte == b'{') {
            *byte = b'[';
        }
    };
    let err = split_state_after(&*stage, &mut documents(), 3, 2, garble).unwrap_err();
    assert!(
        err.message.contains("docs.jsonl") && err.message.contains("line "),
        "{}",
        err.message
    );
}

#[test]
fn there_are_no_more_bucket_tasks_than_bands() {
    let stage = stage();
    let bands = stage.merge_steps(&MergeLayout {
        shards: 2,
        buckets: 100_000,
    })[1]
        .ranks;
    assert!((1..=128).contains(&bands), "{bands}");
}
