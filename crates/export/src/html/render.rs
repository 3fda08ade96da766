//! The report's HTML. Every piece of text from the corpus goes through maud's escaping; only the
//! report's own CSS, script and escaped JSON data are inserted as they are.

use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped, DOCTYPE};
use newspipe_core::{Band, EntityKind, Evidence, Relation, Signal};

use super::charts::{self, TimelineRow};
use super::data;
use super::highlight::{segments, Mark, MarkKind, Segment};
use super::summary::{ClaimSummary, DocSummary, FullDoc, Reason, ReportData, Score};
use super::Output;
use crate::rows::{band_name, kind_name, page_kind_name, relation_name};
use crate::run_record::RunRecord;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Characters of another document's text quoted as evidence before it is cut.
const SNIPPET_CHARS: usize = 240;
/// Clusters in the clusters table and strips in the timeline.
const TOP_CLUSTERS: usize = 20;
/// Members named in a cluster's row; the others are counted.
const CLUSTER_MEMBERS: usize = 8;
/// Entities in the most-cited table.
const TOP_ENTITIES: usize = 100;
/// Spellings and roles named in an entity's row.
const ENTITY_VARIANTS: usize = 8;

/// Renders the whole report. `nonce` allows the report's own script and nothing else;
/// `outputs` are the run's other outputs, which hold the full detail.
pub fn render(data: &ReportData, run: &RunRecord, nonce: &str, outputs: &[Output]) -> Markup {
    let title = format!("newspipe report: {}", run.pipeline);
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; \
         base-uri 'none'; form-action 'none'"
    );
    let full = data.docs.iter().filter(|d| d.full.is_some()).count();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(csp);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    h1 { (title) }
                    nav {
                        a href="#overview" { "Overview" }
                        a href="#clusters" { "Clusters" }
                        a href="#entities" { "Entities" }
                        a href="#claims" { "Claims" }
                        a href="#documents" { "Documents" }
                        a href="#texts" { "Texts" }
                    }
                }
                main {
                    p.run {
                        @if run.started_at.is_empty() { "Written " }
                        @else { "Run started " (run.started_at) ", written " }
                        (run.finished_at) " by newspipe " (run.version) "."
                        @if !run.config_hash.is_empty() { " Pipeline hash " code { (run.config_hash) } "." }
                    }
                    (overview(data, run, outputs))
                    (clusters(data))
                    (entities(data))
                    (claims(data))
                    (documents_list(data, outputs))
                    section #texts {
                        h2 { "Texts" }
                        @if full < data.docs.len() {
                            p.note {
                                (full) " of " (data.docs.len())
                                " documents are shown in full (the first, up to html_max_documents and about "
                                (super::summary::FULL_TEXT_BUDGET / 1000) " kB of text); the tables above cover all."
                            }
                        }
                        (legend())
                        @for (position, doc) in data.docs.iter().enumerate() {
                            @if let Some(full) = &doc.full {
                                (document_section(data, position, doc, full))
                            }
                        }
                    }
                }
                script #report-data type="application/json" { (PreEscaped(data::payload(data))) }
                script nonce=(nonce) { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// Where the full detail is: the run's CSV and SQLite outputs, linked by relative path.
fn outputs_note(outputs: &[Output]) -> Markup {
    html! {
        @if !outputs.is_empty() {
            p.note.outputs {
                "Full detail, every document and annotation: "
                @for (i, output) in outputs.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href=(output.href) { code { (output.href) } } " (" (output.kind) ")"
                }
                "."
            }
        }
    }
}

fn overview(data: &ReportData, run: &RunRecord, outputs: &[Output]) -> Markup {
    let clusters = cluster_members(data);
    let multi = clusters.values().filter(|m| m.len() > 1).count();
    let mut bands = [0usize; 4];
    for doc in &data.docs {
        bands[match doc.reliability.map(|s| s.band) {
            Some(Band::High) => 0,
            Some(Band::Medium) => 1,
            Some(Band::Low) => 2,
            None => 3,
        }] += 1;
    }
    let scored = bands[0] + bands[1] + bands[2];
    html! {
        section #overview {
            h2 { "Overview" }
            div.cards {
                (card(run.written, "documents written"))
                (card(run.read, "read"))
                (card(run.rejected, "rejected"))
                (card(run.dropped, "dropped"))
                (card(clusters.len(), "clusters"))
                (card(multi, "with copies"))
                (card(data.entities.len(), "canonical entities"))
                (card(data.mentions_total, "entity mentions"))
                (card(data.quotes_total, "quotes"))
                (card(data.claims_total, "claims"))
            }
            (outputs_note(outputs))
            div.charts {
                @if scored > 0 {
                    figure {
                        figcaption { "Reliability of " (scored) " documents" }
                        (charts::reliability_histogram(data.docs.iter().filter_map(|d| d.reliability)))
                        div.bands {
                            span.band.band-high { (bands[0]) " high" }
                            span.band.band-medium { (bands[1]) " medium" }
                            span.band.band-low { (bands[2]) " low" }
                            @if bands[3] > 0 { span.band.band-none { (bands[3]) " not scored" } }
                        }
                    }
                }
                @let rows = timeline_rows(data, &clusters);
                @if !rows.is_empty() {
                    figure.wide {
                        figcaption { "When the largest clusters were published (darker: the representative)" }
                        (charts::timeline(&rows))
                    }
                }
            }
        }
    }
}

fn card(count: impl std::fmt::Display, label: &str) -> Markup {
    html! { div.card { span.count { (count) } span.label { (label) } } }
}

/// Cluster id → member positions, in input order.
fn cluster_members(data: &ReportData) -> BTreeMap<&str, Vec<usize>> {
    let mut clusters: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (position, doc) in data.docs.iter().enumerate() {
        if let Some(dedupe) = &doc.dedupe {
            clusters.entry(&dedupe.cluster).or_default().push(position);
        }
    }
    clusters
}

/// The clusters with copies, largest first (ties by id), at most [`TOP_CLUSTERS`].
fn top_clusters<'a>(clusters: &'a BTreeMap<&'a str, Vec<usize>>) -> Vec<(&'a str, &'a [usize])> {
    let mut multi: Vec<(&str, &[usize])> = clusters
        .iter()
        .filter(|(_, members)| members.len() > 1)
        .map(|(id, members)| (*id, members.as_slice()))
        .collect();
    multi.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    multi.truncate(TOP_CLUSTERS);
    multi
}

/// The representative of a cluster (else its first member).
fn representative(data: &ReportData, members: &[usize]) -> usize {
    members
        .iter()
        .copied()
        .find(|&p| {
            data.docs[p]
                .dedupe
                .as_ref()
                .is_some_and(|d| d.representative)
        })
        .unwrap_or(members[0])
}

/// The largest clusters, singletons included, with the days their members were published.
fn timeline_rows(data: &ReportData, clusters: &BTreeMap<&str, Vec<usize>>) -> Vec<TimelineRow> {
    let mut largest: Vec<(&str, &[usize])> = clusters
        .iter()
        .map(|(id, members)| (*id, members.as_slice()))
        .collect();
    largest.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.1[0].cmp(&b.1[0])));
    largest
        .into_iter()
        .filter_map(|(id, members)| {
            let lead = representative(data, members);
            let mut days: BTreeMap<i32, (usize, bool)> = BTreeMap::new();
            for &position in members {
                let doc = &data.docs[position];
                if let Some(day) = doc.published.as_deref().and_then(charts::day_number) {
                    let entry = days.entry(day).or_default();
                    entry.0 += 1;
                    entry.1 |= position == lead;
                }
            }
            (!days.is_empty()).then(|| TimelineRow {
                label: data.docs[lead]
                    .title
                    .clone()
                    .unwrap_or_else(|| id.to_owned()),
                size: members.len(),
                days: days
                    .into_iter()
                    .map(|(day, (n, rep))| (day, n, rep))
                    .collect(),
            })
        })
        .take(TOP_CLUSTERS)
        .collect()
}

fn clusters(data: &ReportData) -> Markup {
    let clusters = cluster_members(data);
    let multi_total = clusters.values().filter(|m| m.len() > 1).count();
    let top = top_clusters(&clusters);
    let alone = clusters.len() - multi_total;
    html! {
        section #clusters {
            h2 { "Clusters" }
            @if clusters.is_empty() {
                p.note { "No duplicate clusters: the pipeline ran no dedupe stage." }
            } @else {
                p.note {
                    (count_of(multi_total, "cluster holds", "clusters hold")) " copies; "
                    (count_of(alone, "document stands", "documents stand")) " alone."
                    @if top.len() < multi_total { " The " (top.len()) " largest:" }
                }
            }
            @if !top.is_empty() {
                div.table-wrap { table.sortable {
                    thead { tr { th { "Cluster" } th { "Size" } th { "Members" } } }
                    tbody {
                        @for (id, members) in &top {
                            tr {
                                td { code { (id) } }
                                td.num { (members.len()) }
                                td.wide { ul.members {
                                    @for &position in members.iter().take(CLUSTER_MEMBERS) {
                                        @let doc = &data.docs[position];
                                        @if let Some(d) = &doc.dedupe {
                                            li {
                                                (doc_link(data, &doc.id))
                                                @if d.relation != Relation::None { " " span.tag { (relation_name(d.relation)) } }
                                                @if d.representative { " " span.tag.rep { "representative" } }
                                                @if !d.representative {
                                                    " similarity " (format!("{:.2}", d.similarity))
                                                }
                                                @if let Some(of) = &d.duplicate_of { " of " (doc_link(data, of)) }
                                                @if let Some(origin) = &d.origin { " (origin: " (origin) ")" }
                                                @if let Some(published) = &doc.published { " " span.sub { (published) } }
                                            }
                                        }
                                    }
                                    @if members.len() > CLUSTER_MEMBERS {
                                        li.sub { "and " (members.len() - CLUSTER_MEMBERS) " more" }
                                    }
                                } }
                            }
                        }
                    }
                } }
            }
        }
    }
}

fn entities(data: &ReportData) -> Markup {
    let mut top: Vec<_> = data.entities.iter().collect();
    top.sort_by(|a, b| {
        (b.1.documents, b.1.mentions)
            .cmp(&(a.1.documents, a.1.mentions))
            .then_with(|| a.0.cmp(b.0))
    });
    top.truncate(TOP_ENTITIES);
    html! {
        section #entities {
            h2 { "Entities" }
            @if data.entities.is_empty() { p.note { "No entities: the pipeline ran no extract stage, or it found none." } }
            @else {
                p.note {
                    @if top.len() < data.entities.len() {
                        "The " (top.len()) " most cited of " (data.entities.len()) " canonical entities, "
                    } @else { "Each canonical entity, " }
                    "with the spellings that were merged into it."
                }
                div.table-wrap { table.sortable {
                    thead { tr {
                        th { "Canonical name" } th { "Kind" } th { "Documents" } th { "Mentions" }
                        th { "Spellings" } th { "Roles" }
                    } }
                    tbody {
                        @for ((name, kind), group) in &top {
                            tr {
                                td { strong { (name) } }
                                td { span class=(format!("kind {}", kind_class(*kind))) { (kind_name(*kind)) } }
                                td.num { (group.documents) }
                                td.num { (group.mentions) }
                                td {
                                    @for (i, (spelling, count)) in group.spellings.iter().take(ENTITY_VARIANTS).enumerate() {
                                        @if i > 0 { ", " }
                                        span.variant.differs[spelling != name] { (spelling) }
                                        " ×" (count)
                                    }
                                    @if group.spellings.len() > ENTITY_VARIANTS { ", …" }
                                }
                                td { (group.roles.iter().take(ENTITY_VARIANTS).cloned().collect::<Vec<_>>().join("; ")) }
                            }
                        }
                    }
                } }
            }
        }
    }
}

fn claims(data: &ReportData) -> Markup {
    html! {
        section #claims {
            h2 { "Claims" }
            @if data.claims_total == 0 { p.note { "No claims: the pipeline ran no extract stage, or it found none." } }
            @else {
                p.note { "Supporting and contradicting documents are representatives of independent clusters." }
                @if !data.most_contested.is_empty() {
                    h3 { "Most contested" }
                    (claims_table(data, &data.most_contested))
                }
                @if !data.most_supported.is_empty() {
                    h3 { "Most supported" }
                    (claims_table(data, &data.most_supported))
                }
                h3 { "All claims" }
                @if data.claims.len() < data.claims_total {
                    p.note {
                        "Listing " (data.claims.len()) " of " (data.claims_total) " claims: those of the documents shown in full, "
                        "and the " (data.max_claims) " most contradicted and best supported of the others (html_max_claims)."
                    }
                }
                (paged_list("claims"))
            }
        }
    }
}

/// A container the report's script fills with a sortable, filterable, paged table of one of
/// the embedded lists; without script it says where the list is.
fn paged_list(list: &str) -> Markup {
    html! {
        div.paged data-list=(list) {
            noscript { p.note { "This list is drawn by the report's script; the tables above and the CSV and SQLite outputs hold it too." } }
        }
    }
}

fn claims_table(data: &ReportData, claims: &[ClaimSummary]) -> Markup {
    html! {
        div.table-wrap { table.sortable.claims-table {
            thead { tr {
                th { "Claim" } th { "Document" } th { "Support" } th { "Reliability" }
            } }
            tbody {
                @for claim in claims { (claim_row(data, claim)) }
            }
        } }
    }
}

fn claim_row(data: &ReportData, claim: &ClaimSummary) -> Markup {
    let doc = &data.docs[claim.doc];
    html! {
        tr {
            td.claim-text.wide {
                @if doc.full.is_some() {
                    a href=(format!("#d{}-c{}", claim.doc, claim.idx)) { (claim.text) }
                } @else { (claim.text) }
                @if let Some(speaker) = &claim.speaker { div.sub { "Said by " (speaker) } }
                @if claim.hedged { " " span.tag { "hedged" } }
            }
            td { (doc_link(data, &doc.id)) }
            td data-sort=(claim.supported_by.len() as i64 - claim.contradicted_by.len() as i64) {
                (charts::support(&claim.supported_by, &claim.contradicted_by))
                @if !claim.supported_by.is_empty() { div.sub { "Supported by " (doc_links(data, &claim.supported_by)) } }
                @if !claim.contradicted_by.is_empty() { div.sub { "Contradicted by " (doc_links(data, &claim.contradicted_by)) } }
            }
            (score_cell(claim.reliability))
        }
    }
}

fn documents_list(data: &ReportData, outputs: &[Output]) -> Markup {
    let listed = data::listed(data);
    html! {
        section #documents {
            h2 { "Documents" }
            @if data.docs.is_empty() { p.note { "No document reached the export." } }
            @else {
                p.note {
                    "Each document's reliability with the signals that moved it most (points above or below a neutral 50)."
                    @if listed < data.docs.len() {
                        " Listing the first " (listed) " of " (data.docs.len()) " documents."
                    }
                }
                @if listed < data.docs.len() { (outputs_note(outputs)) }
                (paged_list("docs"))
            }
        }
    }
}

fn legend() -> Markup {
    html! {
        p.legend {
            "Highlighted: "
            span.m-person { "person" } " "
            span.m-org { "organization" } " "
            span.m-place { "place" } " "
            span.m-date { "date" } " "
            span.m-qty { "quantity" } " "
            span.m-quote { "quote" } " "
            span.m-claim { "claim" }
            " — hover, tap or tab to a highlight for its details."
        }
    }
}

/// The signals that moved a score most, as "+12 corroboration · −6 date_consistency".
fn reasons_line(reasons: &[Reason]) -> Markup {
    html! {
        @if !reasons.is_empty() {
            span.reasons {
                @for (i, reason) in reasons.iter().enumerate() {
                    @if i > 0 { " · " }
                    span.up[reason.points > 0.0].down[reason.points < 0.0] {
                        (format!("{:+.0}", reason.points).replace('-', "−")) " " (reason.signal)
                    }
                }
            }
        }
    }
}

fn document_section(
    data: &ReportData,
    position: usize,
    doc: &DocSummary,
    full: &FullDoc,
) -> Markup {
    let claims = claims_of(data, position);
    html! {
        article.doc id=(format!("doc-{position}")) {
            header.doc-head {
                h3 {
                    span.pos { (position + 1) ". " }
                    (doc.title.as_deref().unwrap_or(&doc.id))
                }
                div.verdict {
                    (score_bar(doc.reliability))
                    (reasons_line(&doc.reasons))
                }
            }
            dl.docmeta {
                dt { "id" } dd { code { (doc.id) } }
                @if let Some(outlet) = &doc.outlet {
                    dt { "outlet" }
                    dd {
                        (outlet)
                        @if let Some(basis) = &full.outlet_basis { " (from " (basis) ")" }
                    }
                }
                @if let Some(byline) = &full.byline { dt { "byline" } dd { (byline) } }
                @if let Some(published) = &doc.published {
                    dt { "published" }
                    dd {
                        (published)
                        @if let Some(basis) = &full.published_basis { " (from " (basis) ")" }
                    }
                }
                @if full.date_candidates.iter().any(|c| Some(&c.value) != doc.published.as_ref()) {
                    dt { "other dates" }
                    dd {
                        @for (i, candidate) in full.date_candidates.iter().filter(|c| Some(&c.value) != doc.published.as_ref()).enumerate() {
                            @if i > 0 { "; " }
                            (candidate.value) " (" (candidate.basis) ")"
                        }
                    }
                }
                @if let Some(language) = &full.language { dt { "language" } dd { (language) } }
                @if let Some(kind) = full.page_kind { dt { "page" } dd { (page_kind_name(kind)) } }
                @if let Some(d) = &doc.dedupe {
                    dt { "cluster" }
                    dd {
                        code { (d.cluster) }
                        @if d.relation != Relation::None { " " (relation_name(d.relation)) }
                        @if d.representative { " (representative)" }
                        @if let Some(of) = &d.duplicate_of { " of " (doc_link(data, of)) }
                    }
                }
                @for (name, value) in &full.extra {
                    dt { "extra: " (name) }
                    dd { code { (value) } }
                }
                dt { "source" }
                dd {
                    code { (full.source_path) }
                    @if let Some(url) = &full.url {
                        " "
                        @if is_web_url(url) { a href=(url) rel="noopener noreferrer" { (url) } }
                        @else { code { (url) } }
                    }
                }
            }
            div.doc-text { (highlighted(position, &full.text, &full.marks)) }
            @if !full.signals.is_empty() {
                details.evidence {
                    summary { "Reliability signals and their evidence (" (full.signals.len()) ")" }
                    (signals_table(data, &doc.id, &full.text, &full.signals))
                }
            }
            @if !claims.is_empty() {
                details.claims {
                    summary { "Claims (" (claims.len()) ")" }
                    ol.claims {
                        @for claim in claims {
                            li {
                                (claim.text)
                                div.sub {
                                    (score_bar(claim.reliability))
                                    @if claim.hedged { span.tag { "hedged" } }
                                    (charts::support(&claim.supported_by, &claim.contradicted_by))
                                    span {
                                        @if let Some(speaker) = &claim.speaker { "Said by " (speaker) ". " }
                                        @if !claim.supported_by.is_empty() { "Supported by " (doc_links(data, &claim.supported_by)) ". " }
                                        @if !claim.contradicted_by.is_empty() { "Contradicted by " (doc_links(data, &claim.contradicted_by)) ". " }
                                    }
                                }
                                @if let Some(signals) = full.claim_signals.get(claim.idx).filter(|s| !s.is_empty()) {
                                    details {
                                        summary { "Its signals" }
                                        (signals_table(data, &doc.id, &full.text, signals))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The claims of the document at `position` (claims are kept in document order).
fn claims_of(data: &ReportData, position: usize) -> &[ClaimSummary] {
    let start = data.claims.partition_point(|c| c.doc < position);
    let end = data.claims.partition_point(|c| c.doc <= position);
    &data.claims[start..end]
}

fn highlighted(position: usize, text: &str, marks: &[Mark]) -> Markup {
    html! {
        @for segment in segments(text, marks) {
            @for &open in &segment.opens {
                @if let MarkKind::Claim(idx) = marks[open].kind {
                    span.anchor id=(format!("d{position}-c{idx}")) {}
                }
            }
            @if segment.marks.is_empty() { (segment.text) }
            @else { (marked_run(&segment, marks)) }
        }
    }
}

/// A run of text under one or more marks: one span with every mark's class and label.
fn marked_run(segment: &Segment<'_>, marks: &[Mark]) -> Markup {
    let mut classes: Vec<&str> = segment
        .marks
        .iter()
        .map(|&m| marks[m].kind.class())
        .collect();
    classes.sort_unstable();
    classes.dedup();
    let title: Vec<&str> = segment
        .marks
        .iter()
        .map(|&m| marks[m].label.as_str())
        .collect();
    html! { span class=(classes.join(" ")) tabindex="0" data-label=(title.join(" · ")) { (segment.text) } }
}

fn signals_table(data: &ReportData, doc_id: &str, text: &str, signals: &[Signal]) -> Markup {
    html! {
        div.table-wrap { table.signals.sortable {
            thead { tr { th { "Signal" } th { "Score" } th { "Weight" } th { "Evidence" } } }
            tbody {
                @for signal in signals {
                    tr.inapplicable[!signal.applicable] {
                        td { (signal.name) @if !signal.applicable { div.sub { "not applicable" } } }
                        td data-sort=(signal.score) { (meter(signal.score)) }
                        td.num { (format!("{:.2}", signal.weight)) }
                        td {
                            @if signal.evidence.is_empty() { span.sub { "—" } }
                            ul.evidence {
                                @for evidence in &signal.evidence { li { (evidence_item(data, doc_id, text, evidence)) } }
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn evidence_item(data: &ReportData, doc_id: &str, text: &str, evidence: &Evidence) -> Markup {
    let own = evidence.doc == doc_id;
    let source = if own {
        Some(text)
    } else {
        data.full_position(&evidence.doc)
            .and_then(|p| data.docs[p].full.as_ref())
            .map(|full| full.text.as_str())
    };
    let span = evidence.start.zip(evidence.end);
    let snippet = source
        .zip(span)
        .and_then(|(text, (start, end))| snippet(text, start, end));
    html! {
        @if let Some(snippet) = snippet { q { (snippet) } " " }
        @if !own { "in " (doc_link(data, &evidence.doc)) " " }
        @if !evidence.note.is_empty() { span.sub { (evidence.note) } }
    }
}

/// The evidence words, cut to a readable length; `None` if the span does not fit the text.
fn snippet(text: &str, start: usize, end: usize) -> Option<String> {
    let words = text.get(start..end)?;
    let mut cut: String = words.chars().take(SNIPPET_CHARS).collect();
    if cut.len() < words.len() {
        cut.push('…');
    }
    Some(cut)
}

fn score_cell(score: Option<Score>) -> Markup {
    html! {
        td data-sort=(score.map_or(-1.0, |s| s.value)) { (score_bar(score)) }
    }
}

fn score_bar(score: Option<Score>) -> Markup {
    match score {
        None => html! { span.sub { "not scored" } },
        Some(score) => {
            let band = band_name(score.band);
            html! {
                span.score {
                    span.bar { span class=(format!("fill band-{band}")) style=(format!("width:{:.0}%", score.value.clamp(0.0, 100.0))) {} }
                    span.value { (format!("{:.0}", score.value)) }
                    span class=(format!("band band-{band}")) { (band) }
                }
            }
        }
    }
}

/// A 0–1 sub-score as a small bar.
fn meter(value: f64) -> Markup {
    let percent = (value * 100.0).clamp(0.0, 100.0);
    html! {
        span.score {
            span.bar.small { span.fill style=(format!("width:{percent:.0}%")) {} }
            span.value { (format!("{value:.2}")) }
        }
    }
}

fn doc_link(data: &ReportData, id: &str) -> Markup {
    match data.full_position(id) {
        Some(position) => html! { a href=(format!("#doc-{position}")) { code { (id) } } },
        None if data.exported(id) => html! { code { (id) } },
        None => html! { code.absent title="not in this export" { (id) } },
    }
}

fn doc_links(data: &ReportData, ids: &[String]) -> Markup {
    html! {
        @for (i, id) in ids.iter().enumerate() {
            @if i > 0 { ", " }
            (doc_link(data, id))
        }
    }
}

/// "1 cluster holds", "3 clusters hold".
fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn kind_class(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "m-person",
        EntityKind::Organization => "m-org",
        EntityKind::Place => "m-place",
    }
}

/// Only plain web links become clickable; anything else (`javascript:`, `data:`) stays text.
fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exported::ExportedIds;

    #[test]
    fn a_document_links_when_shown_in_full_and_is_absent_only_when_not_exported() {
        let mut data = ReportData::new(1, 0);
        let mut exported = ExportedIds::default();
        for id in ["shown", "listed"] {
            data.add(&newspipe_core::Document::new(
                id,
                Default::default(),
                "x".into(),
            ));
            exported.insert(id);
        }
        data.settle(exported);
        let link = |id: &str| doc_link(&data, id).into_string();
        assert_eq!(
            link("shown"),
            r##"<a href="#doc-0"><code>shown</code></a>"##
        );
        assert_eq!(link("listed"), "<code>listed</code>");
        assert_eq!(
            link("ghost"),
            r#"<code class="absent" title="not in this export">ghost</code>"#
        );
    }

    #[test]
    fn only_web_urls_are_links() {
        assert!(is_web_url("https://example.org/a"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url(" JaVaScRiPt:alert(1)"));
    }

    #[test]
    fn snippets_refuse_bad_spans_and_cut_long_ones() {
        assert_eq!(snippet("né", 0, 2), None);
        assert_eq!(snippet("abc", 1, 9), None);
        let long = "x".repeat(SNIPPET_CHARS + 10);
        let cut = snippet(&long, 0, long.len()).unwrap();
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn overlapping_marks_render_as_flat_escaped_spans() {
        let text = "<b>Carney</b> said";
        let marks = [
            Mark {
                start: 0,
                end: 18,
                kind: MarkKind::Claim(0),
                label: "claim \"1\"".into(),
            },
            Mark {
                start: 3,
                end: 9,
                kind: MarkKind::Person,
                label: "person: Carney".into(),
            },
        ];
        let html = highlighted(2, text, &marks).into_string();
        assert_eq!(
            html,
            "<span class=\"anchor\" id=\"d2-c0\"></span>\
             <span class=\"m-claim\" tabindex=\"0\" data-label=\"claim &quot;1&quot;\">&lt;b&gt;</span>\
             <span class=\"m-claim m-person\" tabindex=\"0\" data-label=\"claim &quot;1&quot; · person: Carney\">Carney</span>\
             <span class=\"m-claim\" tabindex=\"0\" data-label=\"claim &quot;1&quot;\">&lt;/b&gt; said</span>"
        );
    }
}
