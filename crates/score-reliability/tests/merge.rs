//! A cluster run's merge task (`finish_merge`, fed each shard's records in turn) builds the
//! very state `prepare` builds from every record in one process, for any shard count. The
//! observe tasks' files are kept in memory here; `tests/it/cluster.rs` runs the same through
//! the binary.

mod support;

use newspipe_core::{
    BuildContext, Document, DynCorpusStage, Erased, MergeFiles, MergeSource, Source, StageError,
    StageInstance,
};
use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use serde_json::json;

/// Each shard's records as its observe task writes them.
struct Shards<'a> {
    stage: &'a dyn DynCorpusStage,
    encoded: Vec<Vec<u8>>,
    sizes: Vec<usize>,
    /// Shards whose records were decoded, in order.
    decoded: Vec<usize>,
}

impl MergeFiles for Shards<'_> {
    fn ranks(&self, source: MergeSource) -> usize {
        assert_eq!(source, MergeSource::Observe, "the merge is not split");
        self.encoded.len()
    }

    fn first_position(&mut self, shard: usize) -> Result<usize, StageError> {
        Ok(self.sizes[..shard].iter().sum())
    }

    fn read(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<Vec<u8>, StageError> {
        Err(StageError::new(format!(
            "no file {name} of {source:?} rank {rank}"
        )))
    }

    fn records(&mut self, shard: usize) -> Result<Vec<Erased>, StageError> {
        self.decoded.push(shard);
        self.stage.decode_records(&self.encoded[shard])
    }

    fn corrupt(&self, source: MergeSource, rank: usize, name: &str, why: &str) -> StageError {
        StageError::new(format!("{name} of {source:?} rank {rank}: {why}"))
    }
}

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

/// Every document once `state` is applied to it, as JSON.
fn applied(stage: &dyn DynCorpusStage, state: &Erased, docs: &[Document]) -> Vec<String> {
    docs.iter()
        .enumerate()
        .map(|(position, doc)| {
            let mut doc = doc.clone();
            stage.apply(state, position, &mut doc).unwrap();
            serde_json::to_string(&doc).unwrap()
        })
        .collect()
}

#[test]
fn the_merge_task_builds_the_state_prepare_builds_for_any_shard_count() {
    let stage = stage();
    let mut docs = documents();
    let records: Vec<Erased> = docs
        .iter_mut()
        .map(|doc| stage.observe(doc).unwrap())
        .collect();
    let encoded = stage.encode_records(&records).unwrap();
    let one_process = stage.prepare(records).unwrap();
    // The state's bytes follow its hash maps' order; what it gives every document is compared.
    let expected = applied(&*stage, &one_process, &docs);
    assert!(
        expected.iter().any(|doc| doc.contains("corroboration")),
        "documents worth comparing"
    );
    for shards in [1, 3, 7] {
        let records = stage.decode_records(&encoded).unwrap();
        let size = records.len().div_ceil(shards);
        let mut files = Shards {
            stage: &*stage,
            encoded: Vec::new(),
            sizes: Vec::new(),
            decoded: Vec::new(),
        };
        for shard in records.chunks(size) {
            files.encoded.push(stage.encode_records(shard).unwrap());
            files.sizes.push(shard.len());
        }
        let merged = stage.finish_merge(&mut files).unwrap();
        assert_eq!(
            files.decoded,
            (0..files.encoded.len()).collect::<Vec<_>>(),
            "each shard's records are read once, in shard order"
        );
        assert!(
            applied(&*stage, &merged, &docs) == expected,
            "the merged state scores otherwise than prepare's with {shards} shards"
        );
    }
}
