//! Metamorphic tests: corrupt one document of a real corpus in one way and check that its
//! score drops and that the signal that moved most is the one the corruption targets; add ten
//! copies and check that nobody's corroboration changes.
//!
//! The corpus is the seeds (always) and, when the dev data is present, real article bodies
//! from it (skipped with a message otherwise).

mod support;

use std::sync::LazyLock;

use newspipe_core::{Document, Source};
use regex::Regex;
use serde_json::json;
use support::{chain, devdata_articles, losses, seeds};

/// One corruption: its name, the signal it targets, and what it does to a raw text.
struct Operator {
    name: &'static str,
    target: &'static str,
    apply: fn(&str) -> String,
}

/// Splits one word of 6+ letters in every 40 words the way broken machine translation does
/// ("peacekeeping" → "peace -keeping").
fn mt_noise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut count = 0;
    for piece in text.split_inclusive(' ') {
        let word = piece.trim_end();
        count += 1;
        let letters = word.chars().all(char::is_alphabetic) && word.chars().count() >= 6;
        if count >= 40 && letters && word.is_ascii() {
            let mid = word.len() / 2;
            out.push_str(&format!("{} -{}", &word[..mid], &piece[mid..]));
            count = 0;
        } else {
            out.push_str(piece);
        }
    }
    out
}

static SAID_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:,\s*)?\b(?:said|says|told|added|stated|wrote|explained|noted|stressed)\s+(?:\p{Lu}[\p{L}.’'-]+\s?){1,3}|(?:\p{Lu}[\p{L}.’'-]+\s){1,3}(?:has\s+(?:\p{Ll}+ly\s+)?)?(?:said|says|told|added|stated|wrote|explained|noted|stressed|mentioned|emphasized|maintained)\b(?:\s+that)?|\baccording to (?:\p{Lu}[\p{L}.’'-]+[\s,]*){1,4}").unwrap()
});

/// Deletes speakers and attribution verbs: quotes and statements become unattributed.
fn strip_attribution(text: &str) -> String {
    SAID_NAME.replace_all(text, "").into_owned()
}

/// Adds page furniture: navigation, share and subscribe lines, and a photo credit after each
/// paragraph, where extraction leaves them.
fn add_boilerplate(text: &str) -> String {
    let junk = "\nSkip to content\nSubscribe\nShare this article\nRead more: Top stories of the week\nAdvertisement\nSign up for our newsletter\nEnter your email to subscribe\n* indicates required\nAll rights reserved.\n";
    let credited: Vec<String> = text
        .split('\n')
        .map(|line| {
            if line.split_whitespace().count() > 20 {
                format!("{line}\nPictures of Getty Images, Reuters and the Canadian Press.")
            } else {
                line.to_owned()
            }
        })
        .collect();
    format!("{}\n{junk}", credited.join("\n"))
}

/// Puts a display header date far from the report's own date on top.
fn break_date(text: &str) -> String {
    format!("Tuesday, 02 January 2024 12:17 GMT\n\n{text}")
}

/// Wraps the report in an aggregator's syndication notice and disclaimer.
fn wrap_syndication(text: &str) -> String {
    format!(
        "(MENAFN- The Daily Courier) {}\n\nLegal Disclaimer:\nMENAFN provides the information “as is” without warranty of any kind. We do not accept any responsibility or liability for the accuracy, content, images, videos, licenses, completeness, legality, or reliability of the information contained in this article.\n",
        text.trim_start()
    )
}

const OPERATORS: [Operator; 5] = [
    Operator {
        name: "mt_noise",
        target: "mt_artifacts",
        apply: mt_noise,
    },
    Operator {
        name: "strip_attribution",
        target: "attribution",
        apply: strip_attribution,
    },
    Operator {
        name: "add_boilerplate",
        target: "boilerplate",
        apply: add_boilerplate,
    },
    Operator {
        name: "break_date",
        target: "date_consistency",
        apply: break_date,
    },
    Operator {
        name: "wrap_syndication",
        target: "originality",
        apply: wrap_syndication,
    },
];

fn document(id: &str, text: &str, published: Option<&str>) -> Document {
    let mut doc = Document::new(id, Source::default(), text.to_owned());
    if let Some(date) = published {
        doc.meta.published = Some(date.to_owned());
        doc.meta.published_basis = Some("input".to_owned());
    }
    doc
}

fn scored<'a>(docs: &'a [Document], id: &str) -> &'a Document {
    docs.iter().find(|d| d.id == id).expect("document kept")
}

/// The signal whose lost points grew most from `before` to `after`.
fn moved_most(before: &Document, after: &Document) -> (String, f64) {
    let old = losses(before);
    losses(after)
        .into_iter()
        .map(|(name, lost)| {
            let was = old
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0.0, |(_, l)| *l);
            (name, lost - was)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("some signal")
}

/// Applies every operator to `target` in `corpus`; returns failures as messages.
fn check_operators(corpus: &[Document], target: &str, skip: &[&str]) -> Vec<String> {
    let baseline = chain(corpus.to_vec(), json!({}));
    let before = scored(&baseline, target);
    let mut failures = Vec::new();
    for op in OPERATORS.iter().filter(|op| !skip.contains(&op.name)) {
        let room = before
            .reliability
            .as_ref()
            .unwrap()
            .signals
            .iter()
            .find(|s| s.name == op.target)
            .is_some_and(|s| s.applicable && s.score >= 0.3);
        if !room {
            println!(
                "{target} {:<18} skipped: {} is already low",
                op.name, op.target
            );
            continue;
        }
        let corrupted: Vec<Document> = corpus
            .iter()
            .map(|d| {
                if d.id == target {
                    let mut d = d.clone();
                    d.raw = (op.apply)(&d.raw);
                    d.text = d.raw.clone();
                    d
                } else {
                    d.clone()
                }
            })
            .collect();
        let after_docs = chain(corrupted, json!({}));
        let after = scored(&after_docs, target);
        let (old, new) = (
            before.reliability.as_ref().unwrap().score,
            after.reliability.as_ref().unwrap().score,
        );
        let (signal, by) = moved_most(before, after);
        println!(
            "{target} {:<18} {old:>5} -> {new:>5}  moved most: {signal} (+{by:.1} lost)",
            op.name
        );
        if new >= old {
            failures.push(format!(
                "{target} {}: score did not drop ({old} -> {new})",
                op.name
            ));
        }
        if signal != op.target {
            failures.push(format!(
                "{target} {}: {signal} moved most, not {}",
                op.name, op.target
            ));
        }
    }
    failures.extend(check_name_swap(corpus, target));
    failures.extend(check_copies(corpus, target, &baseline));
    failures
}

/// Misspells a person's surname in `target` while two independent witnesses spell it right.
fn check_name_swap(corpus: &[Document], target: &str) -> Vec<String> {
    let baseline = chain(corpus.to_vec(), json!({}));
    let Some(person) = scored(&baseline, target)
        .entities
        .iter()
        .find(|e| {
            e.kind == newspipe_core::EntityKind::Person
                && e.text == e.canonical
                && e.text.split(' ').count() == 2
                && e.text.is_ascii()
        })
        .map(|e| e.text.clone())
    else {
        println!("{target} name_swap: no two-word person name to misspell; skipped");
        return Vec::new();
    };
    let surname = person.split(' ').nth(1).unwrap().to_owned();
    let misspelt = {
        let mut chars: Vec<char> = surname.chars().collect();
        let i = chars
            .iter()
            .rposition(|c| "aeiou".contains(*c))
            .unwrap_or(chars.len() - 1);
        chars[i] = if chars[i] == 'a' { 'o' } else { 'a' };
        chars.into_iter().collect::<String>()
    };
    let witnesses = [
        format!("{person} spoke to reporters in the capital on Monday. The talks lasted two hours and ended without a joint statement, aides said.\n"),
        format!("A new poll published on Friday shows support for {person} rising among younger voters, while the opposition lost ground in three regions of the country.\n"),
    ];
    let with_witnesses = |swap: bool| -> Vec<Document> {
        let mut docs: Vec<Document> = corpus
            .iter()
            .map(|d| {
                let mut d = d.clone();
                if swap && d.id == target {
                    d.raw = d.raw.replace(&surname, &misspelt);
                    d.text = d.raw.clone();
                }
                d
            })
            .collect();
        docs.extend(
            witnesses
                .iter()
                .enumerate()
                .map(|(i, w)| document(&format!("zz-witness-{i}"), w, None)),
        );
        chain(docs, json!({}))
    };
    let (before_docs, after_docs) = (with_witnesses(false), with_witnesses(true));
    let (before, after) = (scored(&before_docs, target), scored(&after_docs, target));
    let (old, new) = (
        before.reliability.as_ref().unwrap().score,
        after.reliability.as_ref().unwrap().score,
    );
    let (signal, by) = moved_most(before, after);
    println!("{target} {:<18} {old:>5} -> {new:>5}  moved most: {signal} (+{by:.1} lost) ({surname} -> {misspelt})", "name_swap");
    let mut failures = Vec::new();
    if new >= old {
        failures.push(format!(
            "{target} name_swap: score did not drop ({old} -> {new})"
        ));
    }
    if signal != "name_consistency" {
        failures.push(format!("{target} name_swap: {signal} moved most"));
    }
    failures
}

/// Adds ten verbatim copies of `target`: no document's corroboration and no claim's support
/// may change.
fn check_copies(corpus: &[Document], target: &str, baseline: &[Document]) -> Vec<String> {
    let mut docs = corpus.to_vec();
    let original = corpus.iter().find(|d| d.id == target).unwrap();
    for i in 0..10 {
        docs.push(document(
            &format!("{target}-copy-{i}"),
            &original.raw,
            original.meta.published.as_deref(),
        ));
    }
    let after = chain(docs, json!({}));
    let mut failures = Vec::new();
    for before in baseline {
        let now = scored(&after, &before.id);
        let corroboration = |d: &Document| {
            d.reliability
                .as_ref()
                .unwrap()
                .signals
                .iter()
                .find(|s| s.name == "corroboration")
                .map(|s| (s.score, s.applicable))
        };
        if corroboration(before) != corroboration(now) {
            failures.push(format!(
                "ten copies of {target} changed the corroboration of {}: {:?} -> {:?}",
                before.id,
                corroboration(before),
                corroboration(now)
            ));
        }
        let support = |d: &Document| -> Vec<usize> {
            d.claims
                .iter()
                .map(|c| c.reliability.as_ref().unwrap().supported_by.len())
                .collect()
        };
        if support(before) != support(now) {
            failures.push(format!(
                "ten copies of {target} changed the claim support of {}",
                before.id
            ));
        }
    }
    println!(
        "{target} {:<18} corroboration unchanged everywhere: {}",
        "ten_copies",
        failures.is_empty()
    );
    failures
}

#[test]
fn corruptions_lower_the_score_through_their_signal_on_the_seeds() {
    let failures = check_operators(&seeds(), "002_17018d9ce10ced11", &[]);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn corruptions_lower_the_score_through_their_signal_on_dev_articles() {
    let Some(articles) = devdata_articles(10) else {
        return;
    };
    let corpus: Vec<Document> = articles
        .iter()
        .map(|(id, body, date)| {
            document(
                &format!("dev-{id}"),
                body,
                Some(date.as_deref().unwrap_or("2025-06-02")),
            )
        })
        .collect();
    // The three articles with the most named sourcing, so every operator has room to act.
    let baseline = chain(corpus.clone(), json!({}));
    let mut targets: Vec<(f64, String)> = baseline
        .iter()
        .map(|d| {
            let attribution = d
                .reliability
                .as_ref()
                .unwrap()
                .signals
                .iter()
                .find(|s| s.name == "attribution")
                .map_or(0.0, |s| s.score);
            (attribution, d.id.clone())
        })
        .collect();
    targets.sort_by(|a, b| b.0.total_cmp(&a.0));
    // normalize prefers a header date to the input's date and keeps only the header, so a
    // broken header is invisible here: break_date runs on the seeds, whose dates are in the text.
    let mut failures = Vec::new();
    for (_, target) in targets.iter().take(3) {
        failures.extend(check_operators(&corpus, target, &["break_date"]));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
