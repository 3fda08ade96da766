//! A cluster run's split merge (exact groups and band buckets by key, sketches and
//! verification per shard, the clustering over positions, then each shard's state resolved
//! per shard) must give every document what `prepare`'s state gives it in one process, for
//! any shard and bucket count, without any task reading records (a cluster run ships none for
//! dedupe). The tasks' files are kept in memory here; `tests/it/cluster.rs` runs the same
//! through the binary.

mod common;

use std::collections::HashMap;

use common::{plain, with_facts, FACTS};
use newspipe_core::{
    applied, applied_whole, Document, DynCorpusStage, Erased, FileKey, MemoryFiles, MergeLayout,
    MergeSource, Source, StageError, StageInstance,
};
use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use newspipe_dedupe::{Dedupe, DedupeConfig};

/// The shards whose observe task's file `file` these reads read, in order.
fn observe_reads(reads: &[FileKey], file: &str) -> Vec<usize> {
    reads
        .iter()
        .filter(|(step, _, name)| step.is_none() && name == file)
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

/// A rare fact that more component heads hold than the derived pass counts (`MAX_FACT_DF`,
/// 50): it finds no candidates, yet it weighs (little) in every overlap it is part of.
const FREQUENT: &str = "Maria Kowalski";

/// The facts of a second story and its rewrite, whose representative comes last.
const FACTS_LATE: &[&str] = &[
    "Ilse Varga",
    "Quentin Marlowe",
    "Saint Odran",
    "Bexley Fold",
    "Corin Tait",
    "Marek Sobol",
    "38,400",
    "Halden Reach",
];

/// A document `id` of `body` without its own facts, with `facts` inserted.
fn fact_document(id: &str, body: &str, facts: &[&str], offset: usize, step: usize) -> Document {
    Document::new(
        id,
        Source::default(),
        with_facts(&plain(body), facts, offset, step),
    )
}

/// Generated copies (exact, near, rewritten) with copies of the first documents at the end,
/// so that pairs cross shards; a story and its rewrite sharing rare facts (derived) in the
/// first and the last shard, with an exact copy of the rewrite, sharing most but not all of
/// their facts (so that the facts' weights set their similarity), one of them [`FREQUENT`],
/// which 60 other stories in the middle hold too; a second story, dated so that it is the
/// representative, last, and its undated rewrite second; a wire-credited repost. The facts of
/// a pair fall in several fact tasks' buckets at every bucket count the tests use.
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
    let bodies: Vec<String> = synthetic_articles(4, 99)
        .into_iter()
        .map(|a| a.body)
        .collect();
    let story_facts: Vec<&str> = FACTS
        .iter()
        .copied()
        .chain([FREQUENT, "Anselm Vry"])
        .collect();
    let story = fact_document("fact-story", &bodies[0], &story_facts, 5, 9);
    let rewrite_facts: Vec<&str> = FACTS[..10]
        .iter()
        .copied()
        .chain([FREQUENT, "Odile Marchetti", "Tove Brannock"])
        .collect();
    let rewrite = fact_document("fact-rewrite", &bodies[1], &rewrite_facts, 11, 7);
    let mut copy = rewrite.clone();
    copy.id = "fact-rewrite-copy".into();
    let mut late_story = fact_document("fact-late-story", &bodies[2], FACTS_LATE, 4, 8);
    late_story.meta.published = Some("2020-01-02".into());
    let early_rewrite = fact_document("fact-early-rewrite", &bodies[3], FACTS_LATE, 9, 6);
    let mut repost = docs[4].clone();
    repost.id = "wire-repost".into();
    repost.text = format!("WASHINGTON (AP) \u{2014} {}", repost.text);
    let holders: Vec<Document> = synthetic_articles(60, 21)
        .into_iter()
        .enumerate()
        .map(|(n, a)| {
            let text = with_facts(&a.body, &[FREQUENT], 3 + n % 7, 1);
            Document::new(format!("frequent-{n}"), Source::default(), text)
        })
        .collect();
    let middle = docs.len() / 2;
    docs.splice(middle..middle, holders);
    docs.insert(1, early_rewrite);
    docs.insert(2, story);
    docs.extend([rewrite, repost, copy, late_story]);
    docs
}

/// What the split merge over `shards` shards with `buckets` bucket tasks does to every
/// document, each shard applying its own state.
fn applied_split(stage: &dyn DynCorpusStage, shards: usize, buckets: usize) -> Vec<String> {
    split_applied_after(stage, shards, buckets, |_| {}, |_| {}).unwrap()
}

/// The files of the tasks, by (task, rank, name).
type Written = HashMap<FileKey, Vec<u8>>;

/// What the split merge does to every document, after `tamper` changed the observe tasks'
/// files and `tamper_steps` the merge steps' before the clustering; the first error of a task.
fn split_applied_after(
    stage: &dyn DynCorpusStage,
    shards: usize,
    buckets: usize,
    tamper: impl Fn(&mut Written),
    tamper_steps: impl Fn(&mut Written),
) -> Result<Vec<String>, StageError> {
    let mut docs = documents();
    let steps = stage.merge_steps(&MergeLayout { shards, buckets });
    assert_eq!(
        steps.iter().map(|s| s.name).collect::<Vec<_>>(),
        [
            "exact", "bucket", "sketch", "verify", "facts", "derived", "cluster", "publish",
            "resolve"
        ]
    );
    let ranks: Vec<usize> = steps.iter().map(|s| s.ranks).collect();
    let mut files = MemoryFiles::new(Vec::new(), ranks.clone());
    let size = docs.len().div_ceil(shards);
    let mut parts: Vec<(usize, Vec<Document>)> = Vec::new();
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
        parts.push((files.shard_sizes.iter().sum(), part.to_vec()));
        files.shard_sizes.push(records.len());
    }
    assert_eq!(files.shard_sizes.len(), shards);
    tamper(&mut files.files);
    for (step, &count) in ranks.iter().enumerate() {
        if steps[step].name == "cluster" {
            tamper_steps(&mut files.files);
        }
        for rank in 0..count {
            let reads_before = files.reads.len();
            let written = stage.run_merge_step(step, rank, &mut files)?;
            files.write(MergeSource::Step(step), rank, written);
            let reads = &files.reads[reads_before..];
            let documents = observe_reads(reads, "docs.jsonl");
            match steps[step].name {
                "sketch" => assert_eq!(documents, [rank], "sketch task {rank}"),
                name => assert!(documents.is_empty(), "{name} read documents"),
            }
            // A shard's publish and resolve tasks read that shard's summaries only.
            if ["publish", "resolve"].contains(&steps[step].name) {
                let summaries = observe_reads(reads, "summary.bin");
                assert!(
                    summaries.iter().all(|&shard| shard == rank),
                    "{summaries:?}"
                );
            }
        }
    }
    let whole = stage.finish_merge(&mut files)?;
    assert!(stage.state_per_shard());
    assert!(files.records_asked.is_empty(), "a task read records");
    let mut applied_docs = Vec::new();
    for (shard, (first, part)) in parts.iter().enumerate() {
        let reads_before = files.reads.len();
        let state = stage.shard_state(&whole, shard, &mut files)?;
        assert!(
            observe_reads(&files.reads[reads_before..], "summary.bin").is_empty(),
            "a shard's state is its resolve task's"
        );
        applied_docs.extend(applied(stage, &state, part, *first));
    }
    Ok(applied_docs)
}

#[test]
fn the_split_merge_gives_the_state_prepare_gives() {
    let stage = stage();
    let whole = applied_whole(&*stage, documents());
    for (shards, buckets) in [(1, 1), (3, 3), (4, 2), (7, 5), (2, 1000)] {
        assert!(
            applied_split(&*stage, shards, buckets) == whole,
            "the split merge differs with {shards} shards and {buckets} bucket tasks"
        );
    }
}

#[test]
fn the_corpus_has_every_relation_across_shards() {
    // The test above means little unless each relation is there, and some across shards.
    let whole = applied_whole(&*stage(), documents()).join("\n");
    for relation in [
        "\"exact\"",
        "\"near_duplicate\"",
        "\"derived\"",
        "\"syndicated\"",
    ] {
        assert!(whole.contains(relation), "no {relation} document");
    }
    assert!(whole.contains("late-"), "no copies at the end");
}

#[test]
fn the_derived_copies_stress_the_fact_tasks() {
    // The split's derived pass differs from one process's where facts are split by hash,
    // frequent and held by heads in other shards: the corpus must have each.
    let docs = documents();
    let holding = docs
        .iter()
        .filter(|doc| doc.text.contains(FREQUENT))
        .count();
    assert!(holding > 50, "{FREQUENT} is in {holding} documents only");
    let whole = applied_whole(&*stage(), documents());
    let annotation = |id: &str| -> serde_json::Value {
        let json = format!("\"id\":\"{id}\"");
        let line = whole.iter().find(|line| line.contains(&json)).unwrap();
        let mut values = serde_json::Deserializer::from_str(line).into_iter();
        let doc: serde_json::Value = values.next().unwrap().unwrap();
        doc["dedupe"].clone()
    };
    // Each derived copy's representative is in the last shard, the copy in the first.
    for (copy, rep) in [
        ("fact-story", "fact-rewrite"),
        ("fact-early-rewrite", "fact-late-story"),
    ] {
        let verdict = annotation(copy);
        assert_eq!(verdict["relation"], "derived", "{copy}: {verdict}");
        assert_eq!(verdict["duplicate_of"], rep, "{copy}: {verdict}");
    }
    // The facts the story and its rewrite do not share, the frequent one among the shared,
    // weigh in their similarity.
    let similarity = annotation("fact-story")["similarity"].as_f64().unwrap();
    assert!(similarity > 0.55 && similarity < 1.0, "{similarity}");
}

#[test]
fn a_corrupt_step_file_names_the_task_that_wrote_it() {
    let stage = stage();
    // One exact task's groups lose a member: the first step to read them refuses them.
    let err = split_applied_after(
        &*stage,
        3,
        2,
        |_| {},
        |written: &mut Written| {
            let groups = written.get_mut(&(Some(0), 0, "groups.bin".into())).unwrap();
            groups.truncate(groups.len() - 1);
        },
    )
    .unwrap_err();
    assert!(
        err.message.contains("groups.bin") && err.message.contains("Step(0) rank 0"),
        "{}",
        err.message
    );
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
    let err = split_applied_after(&*stage, 3, 2, cut_last_line, |_| {}).unwrap_err();
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
    let err = split_applied_after(&*stage, 3, 2, garble, |_| {}).unwrap_err();
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
