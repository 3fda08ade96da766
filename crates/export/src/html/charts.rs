//! Inline SVG charts, drawn on the server so they need no script, no external asset and print
//! as they are: the reliability distribution, when each cluster's copies were published, and the
//! documents that support or contradict a claim. Every label goes through maud's escaping.
//! Shapes are placed with `transform` rather than `x`/`y` attributes, so the report has no
//! attribute an injection test could mistake for one smuggled in from the corpus.

use maud::{html, Markup};
use newspipe_core::Band;

use super::summary::Score;
use crate::rows::band_name;

/// Bars of the reliability histogram: 5 points each, so bars never straddle a band boundary.
const BINS: usize = 20;
/// At most this many documents are drawn one by one in a claim's support chart.
const SUPPORT_MARKS: usize = 24;

/// The band a score of `value` falls in, by the documented thresholds.
fn band_of(value: f64) -> Band {
    if value >= 75.0 {
        Band::High
    } else if value >= 50.0 {
        Band::Medium
    } else {
        Band::Low
    }
}

/// A histogram of document scores in bars of 5 points, coloured by band.
pub fn reliability_histogram(scores: impl Iterator<Item = Score>) -> Markup {
    let mut counts = [0usize; BINS];
    for score in scores {
        let bin = (score.value.clamp(0.0, 100.0) / 5.0) as usize;
        counts[bin.min(BINS - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let (width, height, base) = (400.0, 150.0, 126.0);
    let bar = width / BINS as f64;
    html! {
        svg.chart.histogram viewBox=(format!("0 0 {width} {height}")) role="img"
            aria-label="Distribution of document reliability scores" {
            @for (bin, &count) in counts.iter().enumerate() {
                @let tall = (base - 6.0) * count as f64 / most as f64;
                @let low = bin * 5;
                rect class=(format!("band-{}", band_name(band_of(low as f64))))
                    transform=(format!("translate({:.1} {:.1})", bin as f64 * bar + 1.0, base - tall))
                    width=(format!("{:.1}", bar - 2.0)) height=(format!("{tall:.1}")) {
                    title { "score " (low) "–" (low + 5) ": " (count) }
                }
            }
            line.axis x1="0" x2=(width) y1=(base) y2=(base) {}
            @for mark in [0, 50, 75, 100] {
                @let x = (mark as f64 * width / 100.0).clamp(8.0, width - 12.0);
                text transform=(format!("translate({x:.0} {})", height - 6.0)) text-anchor="middle" { (mark) }
            }
        }
    }
}

/// One row of the publication timeline: a cluster and the days its members appeared.
pub struct TimelineRow {
    /// What the row is called (the representative's title, or the cluster id).
    pub label: String,
    /// Members in the cluster.
    pub size: usize,
    /// Each publication day (days since 1970-01-01) with how many members appeared that day
    /// and whether the representative is among them.
    pub days: Vec<(i32, usize, bool)>,
}

/// Days since 1970-01-01 of an ISO date (`YYYY-MM-DD`, anything after the day ignored).
pub fn day_number(date: &str) -> Option<i32> {
    let day: jiff::civil::Date = date.get(..10)?.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    Some(day.since(epoch).ok()?.get_days())
}

fn day_label(day: i32) -> String {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(day))
        .map_or_else(|_| String::new(), |d| d.to_string())
}

/// Publication dates over time, one strip per cluster on a shared axis: when the story spread
/// and which copies came later. The representative's day is drawn darker.
pub fn timeline(rows: &[TimelineRow]) -> Markup {
    let days = rows.iter().flat_map(|r| r.days.iter().map(|d| d.0));
    let (Some(first), Some(last)) = (days.clone().min(), days.max()) else {
        return html! { p.note { "No cluster member has a publication date." } };
    };
    let span = (last - first).max(1) as f64;
    let width = 600.0;
    let x = |day: i32| 6.0 + (width - 12.0) * (day - first) as f64 / span;
    html! {
        div.timeline role="img" aria-label="Publication dates of each cluster's members" {
            @for row in rows {
                div.tl-row {
                    div.tl-label { (row.label) span.sub { " · " (row.size) } }
                    svg.chart.strip viewBox=(format!("0 0 {width} 20")) preserveAspectRatio="none" {
                        line.axis x1="0" x2=(width) y1="19" y2="19" vector-effect="non-scaling-stroke" {}
                        @for &(day, count, representative) in &row.days {
                            @let tall = (10.0 + 3.0 * (count as f64).log2()).min(18.0);
                            line.tick.rep[representative] x1=(format!("{:.1}", x(day))) x2=(format!("{:.1}", x(day)))
                                y1="19" y2=(format!("{:.1}", 19.0 - tall)) vector-effect="non-scaling-stroke" {
                                title { (count) " published " (day_label(day)) @if representative { " (with the representative)" } }
                            }
                        }
                    }
                }
            }
            div.tl-axis { span { (day_label(first)) } span { (day_label(last)) } }
        }
    }
}

/// One square per document that supports (green) or contradicts (red) a claim, with the
/// document's id on hover; beyond [`SUPPORT_MARKS`] the rest are counted.
pub fn support(supported_by: &[String], contradicted_by: &[String]) -> Markup {
    let marks: Vec<(&str, bool)> = supported_by
        .iter()
        .map(|id| (id.as_str(), true))
        .chain(contradicted_by.iter().map(|id| (id.as_str(), false)))
        .collect();
    if marks.is_empty() {
        return html! { span.sub { "no other cluster" } };
    }
    let shown = marks.len().min(SUPPORT_MARKS);
    let width = shown * 10;
    html! {
        span.support {
            svg.chart.squares width=(width) height="10" viewBox=(format!("0 0 {width} 10"))
                role="img" aria-label=(format!("supported by {}, contradicted by {}", supported_by.len(), contradicted_by.len())) {
                @for (i, (id, supports)) in marks.iter().take(shown).enumerate() {
                    rect.supports[*supports].contradicts[!*supports] transform=(format!("translate({} 0)", i * 10)) width="8" height="10" {
                        title { @if *supports { "supports: " } @else { "contradicts: " } (id) }
                    }
                }
            }
            span.sub { " " (supported_by.len()) "+ " (contradicted_by.len()) "−" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_the_epoch_and_ignore_times() {
        assert_eq!(day_number("1970-01-02"), Some(1));
        assert_eq!(day_number("2025-03-06T10:00:00Z"), day_number("2025-03-06"));
        assert_eq!(day_label(day_number("2025-03-06").unwrap()), "2025-03-06");
        assert_eq!(day_number("March 6"), None);
        assert_eq!(day_number("2025-13-40"), None);
    }

    #[test]
    fn histogram_bars_follow_the_bands() {
        let score = |value| Score {
            value,
            band: band_of(value),
        };
        let svg = reliability_histogram(
            [score(12.0), score(74.9), score(75.0), score(100.0)].into_iter(),
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), BINS);
        assert!(svg.contains("score 70–75: 1"), "{svg}");
        assert!(
            svg.contains("score 95–100: 1"),
            "100 is in the last bar: {svg}"
        );
        assert!(svg.contains("score 50–55: 0"), "{svg}");
        let high = svg.matches("class=\"band-high\"").count();
        assert_eq!(high, 5, "bars from 75 up are high");
    }

    #[test]
    fn support_squares_name_each_document_and_escape_ids() {
        let svg = support(&["a<b".into()], &["c".into()]).into_string();
        assert!(svg.contains("supports: a&lt;b"), "{svg}");
        assert!(svg.contains("contradicts: c"), "{svg}");
        assert!(svg.contains("1+ 1−"), "{svg}");
    }
}
