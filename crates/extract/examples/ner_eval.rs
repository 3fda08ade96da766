//! Scores the extract stage's entities (model, lists and rules together) on a CoNLL-2003
//! file, exact span and type, PER/ORG/LOC:
//!
//! ```sh
//! cargo run --release -p newspipe-extract --example ner_eval [-- ../shared/devdata/conll2003/eng.testa]
//! ```
//!
//! `python3 ../shared/tools/dev_eval.py ner` gives the same figure through the binary.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/devdata/conll2003/eng.testa".into());
    let data = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    println!(
        "{path}: {}",
        newspipe_extract::score_entities(&data).summary()
    );
    Ok(())
}
