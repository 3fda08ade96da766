//! The HTML report over the hand-made corpus: every section is there with the right content,
//! and no text from the corpus can become markup; over 100,000 documents it stays small.

mod fixtures;

use std::path::Path;

use newspipe_core::{BuildContext, RunInfo, Sink};
use newspipe_export::{Export, ExportConfig};
use serde_json::Value;

fn report(max_documents: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let cx = BuildContext {
        base_dir: dir.path().to_path_buf(),
        pipeline: "fixture".into(),
    };
    let config = ExportConfig {
        html: Some("report.html".into()),
        html_max_documents: max_documents,
        ..ExportConfig::default()
    };
    let mut export = Export::new(config, &cx).unwrap();
    export.write(&mut fixtures::corpus()).unwrap();
    let run = RunInfo {
        pipeline: "fixture".into(),
        read: 5,
        ..RunInfo::default()
    };
    export.finish(&run).unwrap();
    read(&dir.path().join("report.html"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The JSON the report embeds for its script, parsed.
fn embedded(html: &str) -> Value {
    let open = "<script id=\"report-data\" type=\"application/json\">";
    let start = html.find(open).expect("the embedded data") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    let json = &html[start..end];
    assert!(!json.contains('<'), "markup in the embedded data");
    serde_json::from_str(json).expect("the embedded data is JSON")
}

/// The text of the table row that contains `needle`.
fn row_with<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the report"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

#[test]
fn corpus_text_never_becomes_markup() {
    let html = report(500);
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the report's own script and its data"
    );
    assert_eq!(
        html.matches("<script id=\"report-data\" type=\"application/json\">")
            .count(),
        1,
        "the data cannot run"
    );
    let data = embedded(&html);
    let injected = data["docs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d[0] == "inject-005")
        .unwrap();
    assert!(
        injected[1].as_str().unwrap().contains("<script>"),
        "the title is data, read back as it was: {injected}"
    );
    assert!(!html.contains("<img"), "no injected image tag");
    assert!(!html.contains("<b onmouseover"), "no injected bold tag");
    assert!(!html.contains("href=\"javascript"), "no script link");
    assert!(!html.contains("onclick=\""), "no injected attribute");
    assert!(html.contains("&lt;script&gt;document.title='PWNED'"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;/div&gt;&lt;/pre&gt;&lt;/body&gt;"));
    // The one script carries a nonce, and the policy allows nothing else to run or load.
    let csp_at = html.find("Content-Security-Policy").unwrap();
    let csp = &html[csp_at..csp_at + html[csp_at..].find('>').unwrap()];
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(nonce.len() >= 32, "{nonce}");
    assert!(html.contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(!html.contains("src=\"http"), "no external asset");
}

#[test]
fn every_section_shows_its_facts() {
    let html = report(500);
    for section in [
        "overview",
        "documents",
        "clusters",
        "entities",
        "claims",
        "texts",
    ] {
        assert!(html.contains(&format!("id=\"{section}\"")), "{section}");
    }
    for doc in fixtures::corpus() {
        assert!(html.contains(&doc.id), "{}", doc.id);
    }
    assert_eq!(html.matches("<article").count(), 5);
    assert!(!html.contains("shown in full"), "no cap note when all fit");

    // Overview: counts, the reliability chart, and where the full detail is.
    assert!(html
        .contains("<span class=\"count\">5</span><span class=\"label\">documents written</span>"));
    assert!(html.contains("<svg class=\"chart histogram\""));
    assert!(
        html.contains("<title>score 75–80: 1</title>"),
        "the wire's 78.6"
    );
    assert!(
        html.contains("<div class=\"timeline\""),
        "publication timeline"
    );

    // Each document's score, band and the signals that moved it most, next to its title.
    let wire = &html[html.find("id=\"doc-0\"").unwrap()..];
    let head = &wire[..wire.find("</header>").unwrap()];
    assert!(
        head.contains("Canada to send 1,500 troops to Ukraine"),
        "{head}"
    );
    assert!(head.contains("width:79%"), "{head}");
    assert!(head.contains("band band-high"), "{head}");
    assert!(head.contains("class=\"reasons\""), "{head}");
    // The document list carries the same, for the script to page through.
    let docs = embedded(&html)["docs"].clone();
    assert_eq!(docs.as_array().unwrap().len(), 5);
    assert_eq!(docs[0][0], "wire-001");
    assert_eq!(docs[0][7], 78.6);
    assert_eq!(docs[0][8], "high");
    // attribution 1.5 × (0.9 − ½), corroboration 2 × (0.7 − ½), direct quotes 1 × (0.8 − ½),
    // each × 100 / 4.5 (machine translation is not applicable).
    assert_eq!(
        docs[0][9],
        serde_json::json!([
            ["attribution", 13.0],
            ["corroboration", 9.0],
            ["direct_quotes", 7.0]
        ])
    );
    assert!(
        head.contains("<span class=\"up\">+13 attribution</span>"),
        "{head}"
    );
    // Evidence stays folded until asked for.
    assert!(html.contains("<details class=\"evidence\"><summary>Reliability signals"));
    assert!(!html.contains("<details open"), "nothing is open at first");

    // Clusters: the syndicated copy beside its original, with its origin.
    let cluster = row_with(&html, "<code>c-wire</code></td><td class=\"num\">2");
    assert!(cluster.contains("syndicated"), "{cluster}");
    assert!(cluster.contains("(origin: Reuters)"), "{cluster}");
    assert!(cluster.contains("representative"), "{cluster}");

    // Entities: the canonical name with its variant spellings.
    let boivin = row_with(&html, "<strong>Steve Boivin</strong>");
    for spelling in ["Boivin", "Steve Boivan", "General", "Lt.-Gen."] {
        assert!(boivin.contains(spelling), "{spelling}: {boivin}");
    }
    assert!(boivin.contains("<span class=\"variant differs\">Steve Boivan</span> ×1"));
    let kyiv = row_with(&html, "<strong>Kyiv</strong>");
    assert!(kyiv.contains("Київ"), "{kyiv}");

    // The outlet with its basis, and the fields a plugin added, in the document's own section.
    assert!(
        html.contains("<dt>outlet</dt><dd>Example Wire (from html_meta)</dd>"),
        "the outlet's basis"
    );
    assert!(
        html.contains(
            "<dt>extra: plugin_note</dt><dd><code>&quot;«ready» — 準備&quot;</code></dd>"
        ),
        "a plugin's text field"
    );
    assert!(
        html.contains(
            "<dt>extra: topic</dt><dd><code>{&quot;label&quot;:&quot;defence&quot;,&quot;p&quot;:0.82,&quot;tags&quot;:[&quot;troops&quot;,1500]}</code></dd>"
        ),
        "a plugin's nested field, as compact JSON"
    );

    // Claims: the most contested and most supported, with links to their documents and an
    // absent one marked.
    assert!(html.contains("<h3>Most contested</h3>"));
    assert!(html.contains("<h3>Most supported</h3>"));
    let claim = row_with(
        &html,
        ">Canada will send about 1,500 troops to Ukraine, Lt.-Gen.",
    );
    assert!(
        claim.contains("href=\"#doc-2\"><code>summary-003</code>"),
        "{claim}"
    );
    assert!(
        claim.contains("href=\"#doc-3\"><code>old-004</code>"),
        "{claim}"
    );
    let old = row_with(&html, ">In 2017, Canada sent 200 trainers");
    assert!(
        old.contains("<code class=\"absent\" title=\"not in this export\">absent-999</code>"),
        "{old}"
    );

    // A supporter listed twice is shown once.
    assert!(html.contains("Supported by <a href=\"#doc-0\"><code>wire-001</code></a>. "));

    // Texts: highlights, claim anchors, signals with their evidence words.
    assert!(html.contains(
        "<span class=\"m-person\" tabindex=\"0\" data-label=\"person: Steve Boivin (Lt.-Gen.)\">Steve Boivin</span>"
    ));
    assert!(html.contains("id=\"d0-c0\""));
    assert!(
        html.contains("<q>Lt.-Gen. Steve Boivin said</q>"),
        "own evidence is quoted"
    );
    assert!(
        html.contains("<q>deploy 1,500 soldiers</q> in <a href=\"#doc-2\">"),
        "evidence in another document is quoted"
    );
    assert!(html.contains("not applicable"));
    assert!(
        html.contains("2025-03-07 (header_line)"),
        "a disagreeing date candidate"
    );
}

#[test]
fn a_large_corpus_shows_the_first_documents_in_full_and_says_so() {
    let html = report(2);
    assert_eq!(html.matches("<article").count(), 2);
    assert!(html.contains("2 of 5 documents are shown in full"));
    // The list still covers every document.
    let docs = embedded(&html)["docs"].clone();
    assert_eq!(docs.as_array().unwrap().len(), 5);
    assert_eq!(docs[4][0], "inject-005");
    assert_eq!(docs[4][10], 0, "not shown in full");
    assert!(
        !html.contains("href=\"#doc-4\""),
        "no link to a document not shown"
    );
}

#[test]
fn a_report_on_100_000_documents_stays_under_5_mb() {
    let n = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let cx = BuildContext {
        base_dir: dir.path().to_path_buf(),
        pipeline: "large".into(),
    };
    let config = ExportConfig {
        html: Some("report.html".into()),
        ..ExportConfig::default()
    };
    let mut export = Export::new(config, &cx).unwrap();
    let base = fixtures::corpus();
    for start in (0..n).step_by(2_000) {
        let mut batch = fixtures::scaled(&base, start..start + 2_000);
        assert!(batch[0].text.len() >= fixtures::SCALED_TEXT_BYTES);
        export.write(&mut batch).unwrap();
    }
    let run = RunInfo {
        pipeline: "large".into(),
        read: n as u64,
        ..RunInfo::default()
    };
    export.finish(&run).unwrap();
    let html = read(&dir.path().join("report.html"));
    println!("report on {n} documents: {} bytes", html.len());
    assert!(html.len() <= 5_000_000, "{} bytes", html.len());
    // Bounded, and says so: the overview counts all, the lists say what they leave out.
    assert!(html.contains(&format!("<span class=\"count\">{n}</span>")));
    assert!(html.contains(&format!("Listing the first 4000 of {n} documents.")));
    assert!(
        html.contains("The 100 most cited of 20"),
        "entities summarized"
    );
    assert!(html.contains("The 20 largest:"), "clusters summarized");
    let data = embedded(&html);
    assert_eq!(data["total"], n);
    assert_eq!(data["docs"].as_array().unwrap().len(), 4000);
    let shown = html.matches("<article").count();
    assert!((100..=500).contains(&shown), "{shown} documents in full");
}
