//! The HTML report escapes every piece of input in every context: document text, ids, titles,
//! outlets, entity names and URLs, in element text and attributes; the only script is the
//! report's own, and a `javascript:` (or any non-web) URL never becomes a live link.

use std::fs;

use scraper::{Html, Selector};
use serde_json::json;

use super::support::{default_pipeline_in, newspipe, read_jsonl, transcript};

/// Markup that must come out as text, never as elements or attributes.
const PAYLOADS: [&str; 8] = [
    "<script>document.title='PWNED'</script>",
    "\"><img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "' onmouseover='alert(3)' x='",
    "\" onfocus=\"alert(4)\" autofocus=\"",
    "<!-- <a href=javascript:alert(5)>x</a> -->",
    "]]><svg onload=alert(6)>",
    "line\u{2028}separator\u{2029}paragraph",
];

/// URLs that must never become links.
const BAD_URLS: [&str; 5] = [
    "javascript:alert(7)",
    " JaVaScRiPt:alert(8)",
    "data:text/html,<script>alert(9)</script>",
    "vbscript:msgbox(10)",
    "java\tscript:alert(11)",
];

fn injected_docs() -> Vec<serde_json::Value> {
    let mut docs = Vec::new();
    let cities = [
        "Ottawa", "Kyiv", "Warsaw", "Berlin", "Paris", "Madrid", "Rome", "Oslo",
    ];
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let city = cities[i % cities.len()];
        docs.push(json!({
            "id": format!("doc{i}{payload}"),
            "title": format!("Title {i} {payload}"),
            "outlet": format!("Outlet {i} {payload}"),
            "url": BAD_URLS.get(i).copied().unwrap_or("https://example.org/a?b=\"><script>alert(12)</script>"),
            "text": format!(
                "{city} officials said on Monday {} that {i} {payload} soldiers would go. \
                 Executives at AT&T said Jean O'Brien would lead the review in {city}.",
                i + 3
            ),
        }));
    }
    docs
}

#[test]
fn every_payload_is_escaped_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = injected_docs().iter().map(|d| format!("{d}\n")).collect();
    fs::write(dir.path().join("in.jsonl"), lines).unwrap();
    let pipeline = default_pipeline_in(dir.path(), "in.jsonl");
    let output = newspipe(dir.path(), &["run", pipeline.to_str().unwrap(), "-q"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let raw = fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let page = Html::parse_document(&raw);
    let all = Selector::parse("*").unwrap();

    // The only script is the report's own, allowed by the CSP nonce; its data is JSON that
    // cannot run and cannot close its element.
    let scripts: Vec<_> = page
        .select(&Selector::parse("script:not([type=\"application/json\"])").unwrap())
        .collect();
    assert_eq!(scripts.len(), 1, "one script, the report's own");
    let data: Vec<_> = page
        .select(&Selector::parse("script[type=\"application/json\"]").unwrap())
        .collect();
    assert_eq!(data.len(), 1, "the report's data, once");
    let json = data[0].text().collect::<String>();
    assert!(
        !json.contains(['<', '>', '\u{2028}']),
        "unescaped data: {json}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("the data is JSON");
    assert_eq!(
        parsed["docs"].as_array().map(Vec::len),
        Some(PAYLOADS.len())
    );
    let nonce = scripts[0]
        .value()
        .attr("nonce")
        .expect("the script has a nonce");
    let csp = page
        .select(&Selector::parse("meta[http-equiv=Content-Security-Policy]").unwrap())
        .next()
        .and_then(|meta| meta.value().attr("content"))
        .expect("a Content-Security-Policy");
    assert!(csp.contains(&format!("'nonce-{nonce}'")), "{csp}");
    let script = scripts[0].text().collect::<String>();
    for marker in ["alert(", "PWNED", "msgbox", "\u{2028}"] {
        assert!(
            !script.contains(marker),
            "input reached the script: {marker}"
        );
    }

    for element in page.select(&all) {
        let name = element.value().name();
        assert!(
            !["img", "iframe", "object", "embed", "base", "form"].contains(&name),
            "an injected <{name}> element"
        );
        assert!(
            name != "svg"
                || element
                    .value()
                    .has_class("chart", scraper::CaseSensitivity::CaseSensitive),
            "an <svg> that is not one of the report's charts"
        );
        for (attr, value) in element.value().attrs() {
            assert!(
                !attr.starts_with("on"),
                "event handler {attr}={value:?} on <{name}>"
            );
            assert!(
                !["autofocus", "x", "src"].contains(&attr),
                "injected attribute {attr} on <{name}>"
            );
            if attr == "href" {
                // In-page anchors, web links, and the run's own outputs by relative path.
                assert!(
                    value.starts_with('#')
                        || value.starts_with("https://")
                        || value.starts_with("http://")
                        || ["news.db", "tables"].contains(&value),
                    "a live non-web link: {value:?}"
                );
            }
        }
    }

    // Each payload did reach the report, as text.
    let text: String = page.root_element().text().collect();
    for payload in PAYLOADS {
        let marker = payload.trim_start_matches(['"', '\'']);
        assert!(
            text.contains(marker),
            "payload missing from the report text: {payload:?}"
        );
    }
    for url in BAD_URLS {
        assert!(text.contains(url.trim()), "URL shown as text: {url:?}");
    }
    // Entity names with markup characters are escaped where they are listed.
    let entities: Vec<String> = read_jsonl(&dir.path().join("out/documents.jsonl"))
        .iter()
        .flat_map(|d| d["entities"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| {
            e["canonical"]
                .as_str()
                .or(e["text"].as_str())
                .map(str::to_owned)
        })
        .collect();
    let marked: Vec<&String> = entities
        .iter()
        .filter(|e| e.contains(['&', '\'', '<']))
        .collect();
    println!("entities with markup characters: {marked:?}");
    assert!(
        !marked.is_empty(),
        "no entity with markup characters was found: {entities:?}"
    );
    for entity in marked {
        assert!(
            text.contains(entity.as_str()),
            "entity {entity:?} is not in the report"
        );
        if entity.contains('&') {
            assert!(
                !raw.contains(&format!(">{entity}<")),
                "unescaped & in {entity:?}"
            );
        }
    }
}
