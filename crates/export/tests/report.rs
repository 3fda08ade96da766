//! The HTML report over the hand-made corpus: every section is there with the right content,
//! and no text from the corpus can become markup.

mod fixtures;

use std::path::Path;

use newspipe_core::{BuildContext, RunInfo, Sink};
use newspipe_export::{Export, ExportConfig};

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
        1,
        "only the report's own script"
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

    // Overview: counts and the band of each document.
    assert!(html
        .contains("<span class=\"count\">5</span><span class=\"label\">documents written</span>"));
    let wire = row_with(
        &html,
        "<div class=\"sub\">Canada to send 1,500 troops to Ukraine</div>",
    );
    assert!(wire.contains("width:79%"), "{wire}");
    assert!(wire.contains("band band-high"), "{wire}");

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

    // Claims: supporters and contradictors link to their documents; an absent one is marked.
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
        "<span class=\"m-person\" title=\"person: Steve Boivin (Lt.-Gen.)\">Steve Boivin</span>"
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
    assert!(html.contains("The first 2 of 5 documents are shown in full"));
    // The tables still cover every document.
    assert!(html.contains("<code>inject-005</code>"));
    assert!(
        !html.contains("href=\"#doc-4\""),
        "no link to a document not shown"
    );
}
