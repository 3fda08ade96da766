//! Writes the extract stage's mentions on the seed articles in the format of
//! `shared/tools/score_seeds.py` (one JSON object per line, Unicode code-point offsets into
//! the original file), so the scorer can grade them:
//!
//! ```sh
//! cargo run -p newspipe-extract --example seed_predictions -- seeds /tmp/preds.jsonl
//! python3 ../shared/tools/score_seeds.py --seeds seeds --pred /tmp/preds.jsonl
//! ```

use std::io::Write;

use newspipe_core::{Document, EntityKind, Source, StageInstance};
use newspipe_extract::{ExtractConfig, ExtractStage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seeds = args.next().unwrap_or_else(|| "seeds".into());
    let out = args.next().unwrap_or_else(|| "/tmp/preds.jsonl".into());
    let mut paths: Vec<_> = std::fs::read_dir(&seeds)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let docs: Vec<Document> = paths
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let text = std::fs::read_to_string(p).unwrap_or_default();
            Document::new(name, Source::default(), text)
        })
        .collect();
    let docs = newspipe_runner::run_in_memory(
        vec![(
            "extract".into(),
            StageInstance::corpus(ExtractStage::new(ExtractConfig::default())),
        )],
        docs,
        &newspipe_runner::MemoryRunOptions::default(),
    )?
    .docs;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    for doc in &docs {
        let chars = |byte: usize| doc.text[..byte].chars().count();
        let mut line = |value: serde_json::Value| writeln!(file, "{value}");
        for e in &doc.entities {
            let kind = match e.kind {
                EntityKind::Person => "PER",
                EntityKind::Organization => "ORG",
                EntityKind::Place => "LOC",
            };
            line(
                serde_json::json!({"file": doc.id, "type": kind, "start": chars(e.start), "end": chars(e.end)}),
            )?;
        }
        for d in &doc.dates {
            line(
                serde_json::json!({"file": doc.id, "type": "DATE", "start": chars(d.start), "end": chars(d.end), "value": d.value}),
            )?;
        }
        for q in &doc.quantities {
            let value = match q.value {
                newspipe_core::QuantityValue::Number(v) => v,
                newspipe_core::QuantityValue::Range([low, _]) => low,
            };
            line(
                serde_json::json!({"file": doc.id, "type": "QUANTITY", "start": chars(q.start), "end": chars(q.end), "value": value}),
            )?;
        }
        // the gold covers direct quotes only
        for q in doc.quotes.iter().filter(|q| q.direct) {
            line(
                serde_json::json!({"file": doc.id, "type": "QUOTE", "start": chars(q.start), "end": chars(q.end), "speaker": q.speaker}),
            )?;
        }
    }
    eprintln!("wrote {out}");
    Ok(())
}
