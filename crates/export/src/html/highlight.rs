//! Cuts a text into segments at every annotation boundary, so overlapping annotations can be
//! shown without nesting tags: each segment carries every mark that covers it.

/// What an annotation is, which decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkKind {
    /// A person's name.
    Person,
    /// An organization's name.
    Organization,
    /// A place name.
    Place,
    /// A temporal expression.
    Date,
    /// A number with its unit.
    Quantity,
    /// A quote.
    Quote,
    /// The claim with this index in the document.
    Claim(usize),
}

impl MarkKind {
    /// The CSS class that draws it.
    pub fn class(self) -> &'static str {
        match self {
            Self::Person => "m-person",
            Self::Organization => "m-org",
            Self::Place => "m-place",
            Self::Date => "m-date",
            Self::Quantity => "m-qty",
            Self::Quote => "m-quote",
            Self::Claim(_) => "m-claim",
        }
    }
}

/// An annotation to draw over `[start, end)` bytes of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: MarkKind,
    /// Shown on hover.
    pub label: String,
}

/// A run of text covered by the same marks.
#[derive(Debug, PartialEq)]
pub struct Segment<'a> {
    /// The text of the run.
    pub text: &'a str,
    /// Indexes into the marks that cover it, in mark order.
    pub marks: Vec<usize>,
    /// Indexes of the marks that begin here.
    pub opens: Vec<usize>,
}

/// Splits `text` at every mark boundary. Offsets beyond the text are clamped and offsets inside
/// a character are widened to the whole character, so no input can make this panic.
pub fn segments<'a>(text: &'a str, marks: &[Mark]) -> Vec<Segment<'a>> {
    let bounds: Vec<(usize, usize)> = marks
        .iter()
        .map(|mark| {
            let start = floor_boundary(text, mark.start.min(text.len()));
            let end = ceil_boundary(text, mark.end.min(text.len()));
            (start, end)
        })
        .collect();
    let mut cuts: Vec<usize> = bounds
        .iter()
        .filter(|(start, end)| start < end)
        .flat_map(|&(start, end)| [start, end])
        .chain([0, text.len()])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut by_start: Vec<usize> = (0..marks.len())
        .filter(|&i| bounds[i].0 < bounds[i].1)
        .collect();
    by_start.sort_by_key(|&i| (bounds[i].0, i));
    let mut next_open = 0;
    let mut active: Vec<usize> = Vec::new();
    let mut out = Vec::with_capacity(cuts.len());
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        active.retain(|&i| bounds[i].1 > from);
        let mut opens = Vec::new();
        while next_open < by_start.len() && bounds[by_start[next_open]].0 == from {
            opens.push(by_start[next_open]);
            active.push(by_start[next_open]);
            next_open += 1;
        }
        let mut covering = active.clone();
        covering.sort_unstable();
        out.push(Segment {
            text: &text[from..to],
            marks: covering,
            opens,
        });
    }
    out
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: usize, end: usize, kind: MarkKind) -> Mark {
        Mark {
            start,
            end,
            kind,
            label: String::new(),
        }
    }

    fn show(segments: &[Segment<'_>]) -> Vec<(String, Vec<usize>)> {
        segments
            .iter()
            .map(|s| (s.text.to_owned(), s.marks.clone()))
            .collect()
    }

    #[test]
    fn overlapping_marks_split_into_flat_runs() {
        let text = "Mr Carney said troops will go.";
        // claim over everything, person over "Carney", quote over "troops will go"
        let marks = [
            mark(0, 30, MarkKind::Claim(0)),
            mark(3, 9, MarkKind::Person),
            mark(15, 29, MarkKind::Quote),
        ];
        let segments = segments(text, &marks);
        assert_eq!(
            show(&segments),
            [
                ("Mr ".into(), vec![0]),
                ("Carney".into(), vec![0, 1]),
                (" said ".into(), vec![0]),
                ("troops will go".into(), vec![0, 2]),
                (".".into(), vec![0]),
            ]
        );
        assert_eq!(segments[0].opens, [0]);
        assert_eq!(segments[1].opens, [1]);
        assert!(segments[2].opens.is_empty());
        let joined: String = segments.iter().map(|s| s.text).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn bad_offsets_are_clamped_and_widened_never_panic() {
        let text = "né à Kyiv";
        // 2 is inside "é"; 99 is past the end; 5..3 is reversed; 4..4 is empty.
        let marks = [
            mark(2, 99, MarkKind::Place),
            mark(5, 3, MarkKind::Person),
            mark(4, 4, MarkKind::Date),
        ];
        let segments = segments(text, &marks);
        assert_eq!(
            show(&segments),
            [("n".into(), vec![]), ("é à Kyiv".into(), vec![0])]
        );
    }

    #[test]
    fn empty_text_gives_no_segments() {
        assert!(segments("", &[mark(0, 3, MarkKind::Quote)]).is_empty());
    }
}
