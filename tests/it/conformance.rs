//! The stage contract, checked on every registered stage through the runner's in-memory driver
//! (the real passes, batches, chunks and spool): unknown config keys are refused; every
//! document comes out, is rejected or is dropped; annotation spans lie on char boundaries; the
//! output is the same for any thread count, batch size and memory budget; and a panic on one
//! document rejects that document only. A stage registered without an entry in [`configs`]
//! fails the test, so a new stage cannot skip it.

use std::path::Path;

use newspipe_core::{
    BuildContext, Disposition, Document, DocumentStage, DynCorpusStage, Erased, Source, StageError,
    StageInstance, WarmUp,
};
use newspipe_runner::{run_in_memory, MemoryRun, MemoryRunOptions};
use serde_json::{json, Value};

use super::plugins::library;
use super::support::root;

/// A minimal valid config for each registered stage; `dir` is a scratch folder for outputs.
fn configs(dir: &Path) -> Vec<(&'static str, Value)> {
    vec![
        ("normalize", json!({})),
        ("dedupe", json!({})),
        ("extract", json!({})),
        ("score-reliability", json!({})),
        (
            "export",
            json!({"jsonl": dir.join("out.jsonl"), "csv": dir.join("tables")}),
        ),
        (
            "plugin",
            json!({"library": library("passthrough"), "stage": "pass"}),
        ),
    ]
}

/// The stages that run before a stage in the default pipeline, so it sees what it would see.
const UPSTREAM: [&str; 4] = ["normalize", "dedupe", "extract", "score-reliability"];

/// The id of the document the faulty wrappers panic on.
const VICTIM: &str = "004_f66a77ac3ae11a33";

/// The seeds, copies of two of them, an HTML page and odd texts.
fn corpus() -> Vec<Document> {
    let mut docs = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(root().join("seeds"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    for path in &paths {
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = Source {
            path: path.display().to_string(),
            ..Source::default()
        };
        docs.push(Document::new(
            id,
            source,
            std::fs::read_to_string(path).unwrap(),
        ));
    }
    for copy in [0, 2] {
        let mut doc = docs[copy].clone();
        doc.id = format!("copy-of-{}", doc.id);
        docs.push(doc);
    }
    let html = "<html><head><title>Port reopens | Daily Example</title></head><body><nav>Home \
                News</nav><article><h1>Port reopens</h1><p>The port of Odesa reopened on \
                Monday, officials said, after a week of repairs costing $4.5 million.</p>\
                <p>“We are open,” said Oleh Kiper, the regional governor.</p></article></body>\
                </html>";
    let source = Source {
        path: "pages/port.html".into(),
        format: newspipe_core::InputFormat::Html,
        url: Some("https://daily.example/2025/03/06/port".into()),
        ..Source::default()
    };
    docs.push(Document::new("port", source, html.into()));
    for (id, text) in [
        ("empty", String::new()),
        (
            "combining",
            "Cafe\u{301} owner Zoë said “ok” — 3 times.\n".repeat(3),
        ),
        (
            "emoji",
            "🇺🇦 Kyiv, 6 March 2025: 👍🏽 more than 1,000 people said no.".into(),
        ),
        ("nul", "text\0with\0nul and a \u{feff}BOM".into()),
    ] {
        docs.push(Document::new(id, Source::default(), text));
    }
    docs
}

fn build(name: &str, config: &Value) -> StageInstance {
    newspipe::registry()
        .get(name)
        .unwrap_or_else(|| panic!("stage `{name}` is registered"))
        .build(config, &BuildContext::default())
        .unwrap_or_else(|err| panic!("`{name}` builds with {config}: {err}"))
}

/// The corpus as the default pipeline hands it to `stage`.
fn input_of(stage: &str, dir: &Path) -> Vec<Document> {
    let configs = configs(dir);
    let before: Vec<(String, StageInstance)> = UPSTREAM
        .iter()
        .take_while(|name| **name != stage)
        .map(|name| {
            let config = &configs.iter().find(|(n, _)| n == name).unwrap().1;
            (name.to_string(), build(name, config))
        })
        .collect();
    run_in_memory(before, corpus(), &MemoryRunOptions::default())
        .unwrap()
        .docs
}

fn run_one(
    name: &str,
    stage: StageInstance,
    docs: Vec<Document>,
    options: &MemoryRunOptions,
) -> MemoryRun {
    run_in_memory(vec![(name.to_string(), stage)], docs, options)
        .unwrap_or_else(|err| panic!("`{name}` runs: {err}"))
}

/// Everything a run produced, as comparable JSON.
fn outcome(run: &MemoryRun) -> Value {
    json!({
        "docs": run.docs,
        "rejected": run.rejected,
        "dropped": run.dropped,
    })
}

fn assert_on_char_boundaries(stage: &str, doc: &Document) {
    let on = |text: &str, start: usize, end: usize, what: &str| {
        assert!(
            start <= end && text.get(start..end).is_some(),
            "{stage}: {what} {start}..{end} of `{}` is not on char boundaries",
            doc.id
        );
    };
    let text = doc.text.as_str();
    for e in &doc.entities {
        on(text, e.start, e.end, "entity");
    }
    for d in &doc.dates {
        on(text, d.start, d.end, "date");
    }
    for q in &doc.quantities {
        on(text, q.start, q.end, "quantity");
    }
    for q in &doc.quotes {
        on(text, q.start, q.end, "quote");
        if let (Some(s), Some(e)) = (q.speaker_start, q.speaker_end) {
            on(text, s, e, "quote speaker");
        }
    }
    for c in &doc.claims {
        on(text, c.start, c.end, "claim");
    }
    for r in &doc.removed {
        on(&doc.raw, r.start, r.end, "removed span");
    }
    if let Some(reliability) = &doc.reliability {
        for signal in &reliability.signals {
            for evidence in signal.evidence.iter().filter(|e| e.doc == doc.id) {
                if let (Some(start), Some(end)) = (evidence.start, evidence.end) {
                    on(text, start, end, "signal evidence");
                }
            }
        }
    }
}

/// A document stage that panics on [`VICTIM`].
struct FaultyDocument(Box<dyn DocumentStage>);

impl DocumentStage for FaultyDocument {
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
        if doc.id == VICTIM {
            panic!("injected fault");
        }
        self.0.process(doc)
    }
}

/// A corpus stage that panics on [`VICTIM`] in `observe` or in `apply`.
struct FaultyCorpus {
    inner: Box<dyn DynCorpusStage>,
    in_observe: bool,
}

impl DynCorpusStage for FaultyCorpus {
    fn needs_full_view(&self) -> bool {
        self.inner.needs_full_view()
    }
    fn warm_up(&self) -> Option<WarmUp> {
        self.inner.warm_up()
    }
    fn observe(&self, doc: &mut Document) -> Result<Erased, StageError> {
        if self.in_observe && doc.id == VICTIM {
            panic!("injected fault");
        }
        self.inner.observe(doc)
    }
    fn prepare(&self, records: Vec<Erased>) -> Result<Erased, StageError> {
        self.inner.prepare(records)
    }
    fn apply(
        &self,
        state: &Erased,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        if !self.in_observe && doc.id == VICTIM {
            panic!("injected fault");
        }
        self.inner.apply(state, position, doc)
    }
    fn encode_records(&self, records: &[Erased]) -> Result<Vec<u8>, StageError> {
        self.inner.encode_records(records)
    }
    fn decode_records(&self, bytes: &[u8]) -> Result<Vec<Erased>, StageError> {
        self.inner.decode_records(bytes)
    }
    fn encode_state(&self, state: &Erased) -> Result<Vec<u8>, StageError> {
        self.inner.encode_state(state)
    }
    fn decode_state(&self, bytes: &[u8]) -> Result<Erased, StageError> {
        self.inner.decode_state(bytes)
    }
}

/// Runs `name` with a fault on [`VICTIM`]: only that document is rejected, with the panic as
/// the reason, and (for a fault in `apply`) every other document comes out as without it.
fn check_fault_isolation(name: &str, config: &Value, input: &[Document], clean: &MemoryRun) {
    let faulty: Vec<(StageInstance, bool)> = match build(name, config) {
        StageInstance::Document(stage) => {
            vec![(
                StageInstance::Document(Box::new(FaultyDocument(stage))),
                false,
            )]
        }
        StageInstance::Corpus(_) => [true, false]
            .into_iter()
            .map(|in_observe| {
                let StageInstance::Corpus(inner) = build(name, config) else {
                    unreachable!()
                };
                let stage = FaultyCorpus { inner, in_observe };
                (StageInstance::Corpus(Box::new(stage)), in_observe)
            })
            .collect(),
        // A sink's failure is an output that cannot be written: the run's, not a document's.
        StageInstance::Sink(_) => return,
    };
    for (stage, in_observe) in faulty {
        let run = run_one(name, stage, input.to_vec(), &MemoryRunOptions::default());
        assert_eq!(
            run.rejected.len(),
            clean.rejected.len() + 1,
            "{name}: one more reject"
        );
        let reject = run
            .rejected
            .iter()
            .find(|r| r.id == VICTIM)
            .expect("the victim is rejected");
        assert_eq!(reject.stage, name);
        assert!(
            reject.reason.contains("injected fault"),
            "{name}: {}",
            reject.reason
        );
        assert_eq!(
            run.docs.len() + run.dropped.len() + 1,
            clean.docs.len() + clean.dropped.len(),
            "{name}: every other document goes on"
        );
        if !in_observe {
            let others: Vec<&Document> = clean.docs.iter().filter(|d| d.id != VICTIM).collect();
            let got: Vec<&Document> = run.docs.iter().collect();
            assert_eq!(
                got, others,
                "{name}: a fault in apply changes no other document"
            );
        }
    }
}

#[test]
fn every_registered_stage_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let configs = configs(dir.path());
    for name in newspipe::registry().names() {
        let config = &configs
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("add a minimal config for stage `{name}` to `configs`"))
            .1;

        // Unknown keys are refused, by name.
        let mut misspelt = config.clone();
        misspelt["no_such_key"] = json!(1);
        let factory = newspipe::registry();
        let issues = factory.get(name).unwrap().check(&misspelt);
        assert!(
            issues
                .iter()
                .any(|i| i.unknown_key.as_deref() == Some("no_such_key")),
            "{name}: an unknown key must be refused: {issues:?}"
        );

        let input = input_of(name, dir.path());
        let count = input.len();
        let runs = [
            MemoryRunOptions::default(),
            MemoryRunOptions {
                threads: 2,
                batch_size: 1,
                ..MemoryRunOptions::default()
            },
            MemoryRunOptions {
                threads: 2,
                batch_size: 3,
                memory_budget: 1,
                ..MemoryRunOptions::default()
            },
        ];
        let mut first: Option<(Value, Option<Vec<u8>>)> = None;
        for options in &runs {
            let run = run_one(name, build(name, config), input.clone(), options);
            assert_eq!(
                run.docs.len() + run.rejected.len() + run.dropped.len(),
                count,
                "{name}: every document comes out, is rejected or is dropped"
            );
            for doc in &run.docs {
                assert_on_char_boundaries(name, doc);
            }
            let written =
                (name == "export").then(|| std::fs::read(dir.path().join("out.jsonl")).unwrap());
            let this = (outcome(&run), written);
            match &first {
                None => first = Some(this),
                Some(first) => assert!(
                    *first == this,
                    "{name}: the output changed with {options:?}"
                ),
            }
        }
        let clean = run_one(
            name,
            build(name, config),
            input.clone(),
            &MemoryRunOptions::default(),
        );
        check_fault_isolation(name, config, &input, &clean);
    }
}

#[test]
fn corpus_records_and_states_survive_their_binary_form() {
    let dir = tempfile::tempdir().unwrap();
    let configs = configs(dir.path());
    for name in newspipe::registry().names() {
        let config = &configs.iter().find(|(n, _)| *n == name).unwrap().1;
        let StageInstance::Corpus(stage) = build(name, config) else {
            continue;
        };
        let mut docs = input_of(name, dir.path());
        let mut direct = docs.clone();
        // Through the bytes a task would write and the next one read...
        let records: Vec<Erased> = docs.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
        let records = stage
            .decode_records(&stage.encode_records(&records).unwrap())
            .unwrap();
        let state = stage.prepare(records).unwrap();
        let bytes = stage.encode_state(&state).unwrap();
        let state = stage.decode_state(&bytes).unwrap();
        for (position, doc) in docs.iter_mut().enumerate() {
            stage.apply(&state, position, doc).unwrap();
        }
        // ...the same as in memory.
        let records: Vec<Erased> = direct
            .iter_mut()
            .map(|d| stage.observe(d).unwrap())
            .collect();
        let state = stage.prepare(records).unwrap();
        for (position, doc) in direct.iter_mut().enumerate() {
            stage.apply(&state, position, doc).unwrap();
        }
        assert_eq!(docs, direct, "{name}: the binary form changes the output");
        // A rerun merge writes the same bytes, so the markers of later tasks stay valid.
        assert_eq!(
            stage.encode_state(&state).unwrap(),
            bytes,
            "{name}: the same records give a state of other bytes"
        );
        let mut corrupt = bytes.clone();
        corrupt.truncate(corrupt.len() / 2);
        assert!(
            stage.decode_state(&corrupt).is_err(),
            "{name}: a cut state is refused"
        );
    }
}
