//! Prints the annotations the extract stage finds in a text file (or stdin), one per line:
//!
//! ```sh
//! cargo run -p newspipe-extract --example annotate -- article.txt
//! ```

use std::io::Read;

use newspipe_core::Meta;
use newspipe_extract::extract;

fn main() -> std::io::Result<()> {
    let mut text = String::new();
    match std::env::args().nth(1) {
        Some(path) => text = std::fs::read_to_string(path)?,
        None => {
            std::io::stdin().read_to_string(&mut text)?;
        }
    }
    let meta = Meta {
        published: std::env::args().nth(2),
        ..Meta::default()
    };
    let found = extract(&text, &meta, true);
    for m in &found.mentions {
        let role = m
            .role
            .map(|(s, e)| format!(" [{}]", &text[s..e]))
            .unwrap_or_default();
        println!(
            "{:?}\t{}{}\t→ {}",
            m.kind,
            &text[m.start..m.end],
            role,
            m.local_canonical
        );
    }
    for d in &found.dates {
        println!("DATE\t{}\t{:?}", &text[d.start..d.end], d.value);
    }
    for q in &found.quantities {
        println!(
            "QTY\t{}\t{:?} {:?} {:?}",
            &text[q.start..q.end],
            q.value,
            q.unit,
            q.qualifier
        );
    }
    for q in &found.quotes {
        let speaker = q
            .speaker
            .map(|s| found.mentions[s].local_canonical.as_str());
        let source = q.source.map(|(s, e)| &text[s..e]);
        let words: String = text[q.start..q.end].chars().take(70).collect();
        println!(
            "QUOTE{}\t{}\t← {:?} = {:?}",
            if q.direct { "" } else { "(ind)" },
            words,
            source,
            speaker
        );
    }
    println!(
        "CLAIMS\t{} (hedged {})",
        found.claims.len(),
        found.claims.iter().filter(|c| c.hedged).count()
    );
    Ok(())
}
