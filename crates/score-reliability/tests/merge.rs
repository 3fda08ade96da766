//! A cluster run's split merge (each shard's observe files, the bucket tasks that match claims
//! by entity hash, the tables tasks by cluster and name, the merge task's dates, then one state
//! per shard cut from that shard's files) gives every document what
//! `prepare`'s state gives it in one process, for any shard and bucket count. The tasks' files
//! are kept in memory here; `tests/it/cluster.rs` runs the same through the binary.

mod support;

use newspipe_core::{
    BuildContext, Document, DynCorpusStage, Erased, MemoryFiles, MergeLayout, MergeSource, Source,
    StageInstance,
};
use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use serde_json::json;

fn stage() -> Box<dyn DynCorpusStage> {
    let built = newspipe_score_reliability::factory()
        .build(&json!({}), &BuildContext::default())
        .expect("the stage builds");
    match built {
        StageInstance::Corpus(stage) => stage,
        _ => unreachable!("score-reliability is a corpus stage"),
    }
}

/// The seeds and generated reposts (copies, rewrites, shared names and claims) through
/// normalize, dedupe and extract.
fn documents() -> Vec<Document> {
    let mut docs = support::seeds();
    docs.extend(
        generate(&synthetic_articles(30, 5), &CorpusSpec::clean(17))
            .into_iter()
            .map(|d| {
                let mut doc = Document::new(d.id, Source::default(), d.text);
                doc.meta.published = d.published;
                doc.meta.outlet = d.outlet;
                doc
            }),
    );
    support::upstream(&mut docs);
    docs
}

/// The documents at `positions` once `state` is applied to them, as JSON.
fn applied(
    stage: &dyn DynCorpusStage,
    state: &Erased,
    docs: &[Document],
    positions: std::ops::Range<usize>,
) -> Vec<String> {
    docs.iter()
        .enumerate()
        .take(positions.end)
        .skip(positions.start)
        .map(|(position, doc)| {
            let mut doc = doc.clone();
            stage.apply(state, position, &mut doc).unwrap();
            serde_json::to_string(&doc).unwrap()
        })
        .collect()
}

#[test]
fn the_split_merge_gives_every_document_what_prepare_gives_for_any_shard_count() {
    let stage = stage();
    let mut docs = documents();
    let records: Vec<Erased> = docs
        .iter_mut()
        .map(|doc| stage.observe(doc).unwrap())
        .collect();
    let encoded = stage.encode_records(&records).unwrap();
    let one_process = stage.prepare(records).unwrap();
    // The state's bytes follow its hash maps' order; what it gives every document is compared.
    let expected = applied(&*stage, &one_process, &docs, 0..docs.len());
    assert!(
        expected.iter().any(|doc| doc.contains("supported by")),
        "documents worth comparing"
    );
    for (shards, buckets) in [(1, 1), (3, 2), (7, 5)] {
        let records = stage.decode_records(&encoded).unwrap();
        let size = records.len().div_ceil(shards);
        let steps = stage.merge_steps(&MergeLayout { shards, buckets });
        assert_eq!(steps.len(), 2, "two steps: matching, then the tables");
        let ranks: Vec<usize> = steps.iter().map(|step| step.ranks).collect();
        let mut files = MemoryFiles::new(Vec::new(), ranks.clone());
        for (rank, shard) in records.chunks(size).enumerate() {
            let written = stage.shard_files(shard, &ranks).unwrap();
            files.write(MergeSource::Observe, rank, written);
            files.shard_sizes.push(shard.len());
        }
        for (step, &ranks) in ranks.iter().enumerate() {
            for rank in 0..ranks {
                let written = stage.run_merge_step(step, rank, &mut files).unwrap();
                files.write(MergeSource::Step(step), rank, written);
            }
        }
        let read = |files: &MemoryFiles, step: Option<usize>, name: &str| {
            files
                .reads
                .iter()
                .any(|(s, _, n)| *s == step && n.starts_with(name))
        };
        assert!(
            files.reads.iter().all(|(source, _, name)| match source {
                None => ["keys.bin", "claims.bin"].contains(&name.as_str())
                    || name.starts_with("keyed-"),
                Some(0) => name.starts_with("wanted-"),
                Some(_) => false,
            }),
            "the merge steps read only the observe tasks' files for them and the wanted clusters: {:?}",
            files.reads
        );
        assert!(read(&files, None, "keyed-") && read(&files, Some(0), "wanted-"));
        files.reads.clear();
        let merged = stage.finish_merge(&mut files).unwrap();
        assert!(
            files
                .reads
                .iter()
                .all(|(source, _, name)| source.is_none() && name == "dates.bin"),
            "the merge task reads only the shards' dates: {:?}",
            files.reads
        );
        let mut split = Vec::new();
        for shard in 0..files.shard_sizes.len() {
            files.reads.clear();
            let part = stage.shard_state(&merged, shard, &mut files).unwrap();
            assert!(
                files.reads.iter().all(|(source, rank, name)| match source {
                    None => *rank == shard && name == "keys.bin",
                    Some(0) => *name == format!("candidates-{shard}.bin"),
                    Some(_) => *name == format!("tables-{shard}.bin"),
                }),
                "a shard's state is cut from its own files only: {:?}",
                files.reads
            );
            let part = stage
                .decode_state(&stage.encode_state(&part).unwrap())
                .unwrap();
            let first: usize = files.shard_sizes[..shard].iter().sum();
            split.extend(applied(
                &*stage,
                &part,
                &docs,
                first..first + files.shard_sizes[shard],
            ));
        }
        assert!(
            split == expected,
            "the shards' states score otherwise than prepare's with {shards} shards and {buckets} buckets"
        );
    }
}
