//! The HTML report in a real headless Chromium: no sideways scrolling on a phone or a desktop,
//! section links land below the sticky header, the long lists page and filter, and the details
//! of a highlight open from the keyboard, a click and a tap. Skipped where Chromium is missing,
//! except under CI.

mod browser;
mod fixtures;

use std::path::{Path, PathBuf};

use browser::{chromium_or_skip, Browser};
use newspipe_core::{BuildContext, Document, RunInfo, Sink};
use newspipe_export::{Export, ExportConfig};

/// Writes the report of `batches` to `dir/name` and returns its path.
fn report(dir: &Path, name: &str, batches: Vec<Vec<Document>>) -> PathBuf {
    let cx = BuildContext {
        base_dir: dir.to_path_buf(),
        pipeline: "browser".into(),
    };
    let config = ExportConfig {
        html: Some(name.into()),
        ..ExportConfig::default()
    };
    let mut export = Export::new(config, &cx).unwrap();
    let mut written = 0;
    for mut batch in batches {
        written += batch.len() as u64;
        export.write(&mut batch).unwrap();
    }
    let run = RunInfo {
        pipeline: "browser".into(),
        read: written,
        ..RunInfo::default()
    };
    export.finish(&run).unwrap();
    dir.join(name)
}

/// The hand-made corpus, and 1,200 documents built from it: clusters, long lists, many
/// entities and the timeline's full set of rows.
fn reports(dir: &Path) -> [PathBuf; 2] {
    let base = fixtures::corpus();
    let large = (0..3)
        .map(|b| fixtures::scaled(&base, b * 400..(b + 1) * 400))
        .collect();
    [
        report(dir, "fixture.html", vec![fixtures::corpus()]),
        report(dir, "large.html", large),
    ]
}

#[test]
fn the_report_fits_a_phone_and_a_desktop_and_links_land_below_the_header() {
    let Some(binary) = chromium_or_skip("report layout") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch(&binary);
    for page in reports(dir.path()) {
        for (width, height) in [(360, 740), (390, 844), (1400, 900)] {
            browser.viewport(width, height);
            browser.open(&page);
            let name = page.file_name().unwrap().to_string_lossy();
            let overflow = |browser: &mut Browser| {
                browser
                    .eval("document.documentElement.scrollWidth")
                    .as_u64()
                    .unwrap()
            };
            let scroll_width = overflow(&mut browser);
            assert!(
                scroll_width <= u64::from(width),
                "{name} at {width} px is {scroll_width} px wide"
            );
            browser.eval("document.querySelectorAll('details').forEach(d => { d.open = true; })");
            let opened = overflow(&mut browser);
            assert!(
                opened <= u64::from(width),
                "{name} at {width} px with its evidence open is {opened} px wide"
            );
            for target in ["claims", "documents", "doc-1"] {
                let gap = browser.eval(&format!(
                    "location.hash = '#{target}'; \
                     document.getElementById('{target}').getBoundingClientRect().top \
                     - document.querySelector('header.top').getBoundingClientRect().bottom"
                ));
                let gap = gap.as_f64().unwrap();
                assert!(
                    gap >= 0.0,
                    "{name} at {width} px: the header hides #{target} ({gap} px)"
                );
                assert!(
                    gap < 40.0,
                    "{name} at {width} px: #{target} is {gap} px below the header; the link did not jump"
                );
            }
        }
    }
}

#[test]
fn long_lists_page_sort_and_filter() {
    let Some(binary) = chromium_or_skip("report lists") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let [_, large] = reports(dir.path());
    let mut browser = Browser::launch(&binary);
    browser.viewport(1400, 900);
    browser.open(&large);
    let docs = "document.querySelector('[data-list=docs]')";
    let rows = format!("{docs}.querySelectorAll('tbody tr').length");
    let status = format!("{docs}.querySelector('.pager .sub').textContent");
    assert_eq!(browser.eval(&rows), 50, "one page of 50 rows");
    assert_eq!(browser.eval(&status), "1–50 of 1200");
    browser.eval(&format!(
        "{docs}.querySelectorAll('.pager button')[1].click()"
    ));
    assert_eq!(browser.eval(&status), "51–100 of 1200");
    let first_cell = format!("{docs}.querySelector('tbody td').textContent");
    assert_eq!(browser.eval(&first_cell), "51");
    // Sorting by reliability, descending on the second press, puts a top score first.
    let reliability =
        format!("[...{docs}.querySelectorAll('th')].find(t => t.textContent === 'Reliability')");
    browser.eval(&format!("{reliability}.click(); {reliability}.click()"));
    let top = browser.eval(&format!("{docs}.querySelector('tbody .value').textContent"));
    assert_eq!(top, "100", "highest score first after sorting descending");
    browser.eval(&format!(
        "const f = {docs}.querySelector('input'); f.value = 'wire-001-0'; \
         f.dispatchEvent(new Event('input'))"
    ));
    assert_eq!(browser.eval(&status), "1–1 of 1");
    assert!(browser
        .eval("document.documentElement.classList.contains('js')")
        .as_bool()
        .unwrap());
}

/// The highlight that has focus, and what its details bar shows.
fn focused_highlight(browser: &mut Browser) -> (String, String) {
    let shown = browser.eval(
        "(() => { const e = document.activeElement; \
         return [e.getAttribute('data-label') || '', getComputedStyle(e, '::after').content]; })()",
    );
    (
        shown[0].as_str().unwrap().to_owned(),
        shown[1].as_str().unwrap().to_owned(),
    )
}

/// Scrolls the `n`th highlight of the texts into view and returns its centre.
fn highlight_centre(browser: &mut Browser, n: usize) -> (f64, f64) {
    let centre = browser.eval(&format!(
        "(() => {{ const e = document.querySelectorAll('.doc-text [data-label]')[{n}]; \
         e.scrollIntoView({{ block: 'center' }}); const r = e.getBoundingClientRect(); \
         return [r.left + Math.min(r.width, 20) / 2, r.top + r.height / 2]; }})()"
    ));
    (centre[0].as_f64().unwrap(), centre[1].as_f64().unwrap())
}

#[test]
fn highlight_details_open_from_the_keyboard_a_click_and_a_tap() {
    let Some(binary) = chromium_or_skip("report highlights") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let [fixture, _] = reports(dir.path());
    let mut browser = Browser::launch(&binary);
    browser.viewport(1400, 900);
    browser.open(&fixture);
    let (before, _) = focused_highlight(&mut browser);
    assert_eq!(before, "", "nothing is focused at first");
    let mut presses = 0;
    while focused_highlight(&mut browser).0.is_empty() {
        browser.press("Tab", 9);
        presses += 1;
        assert!(presses < 500, "Tab never reached a highlight");
    }
    let (label, shown) = focused_highlight(&mut browser);
    assert!(
        shown.contains(&label),
        "the details bar shows {shown:?}, not {label:?}"
    );

    let (x, y) = highlight_centre(&mut browser, 5);
    browser.click(x, y);
    let (clicked, shown) = focused_highlight(&mut browser);
    assert!(
        !clicked.is_empty() && shown.contains(&clicked),
        "a click opens the details: {clicked:?} / {shown:?}"
    );

    browser.viewport(390, 844);
    browser.open(&fixture);
    let (x, y) = highlight_centre(&mut browser, 7);
    browser.tap(x, y);
    let (tapped, shown) = focused_highlight(&mut browser);
    assert!(
        !tapped.is_empty() && shown.contains(&tapped),
        "a tap opens the details: {tapped:?} / {shown:?}"
    );
}

#[test]
fn print_drops_the_navigation_and_opens_the_evidence() {
    let Some(binary) = chromium_or_skip("report print") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let [fixture, _] = reports(dir.path());
    let mut browser = Browser::launch(&binary);
    browser.viewport(1000, 900);
    browser.open(&fixture);
    let closed = "document.querySelectorAll('details:not([open])').length";
    assert!(
        browser.eval(closed).as_u64().unwrap() > 0,
        "evidence folded on screen"
    );
    browser.call(
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "media": "print" }),
    );
    let styles = browser.eval(
        "[getComputedStyle(document.querySelector('header.top')).position, \
          getComputedStyle(document.querySelector('nav')).display]",
    );
    assert_eq!(styles, serde_json::json!(["static", "none"]));
    browser.eval("window.dispatchEvent(new Event('beforeprint'))");
    assert_eq!(browser.eval(closed), 0, "printing opens every <details>");
}

#[test]
fn sort_arrows_show_only_when_the_script_runs() {
    let Some(binary) = chromium_or_skip("report sort arrows") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let [fixture, _] = reports(dir.path());
    let arrow = "getComputedStyle(document.querySelector('table.sortable th'), '::after').content";
    let mut browser = Browser::launch(&binary);
    browser.open(&fixture);
    assert_eq!(browser.eval(arrow), "\" ↕\"", "an arrow with the script");
    let mut browser = Browser::launch(&binary);
    browser.open_without_script(&fixture);
    assert_eq!(browser.eval(arrow), "none", "no arrow without it");
    assert_eq!(
        browser.eval("document.documentElement.hasAttribute('data-ready')"),
        false,
        "the script did not run"
    );
}
