//! Dating by office holders: "Defence Minister Harjit Sajjan" can only have been written while
//! Sajjan held that office. The intersection of the tenures a document names is its window.

use newspipe_core::{Document, EntityKind, Evidence};

use crate::calendar::parse_iso;

/// The built-in list of office holders (public record), in the file format of
/// [`OfficeHolders::parse`].
pub const BUILTIN: &str = newspipe_knowledge::OFFICE_HOLDERS;

/// One term in office.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    person: String,
    roles: Vec<String>,
    start: i64,
    end: Option<i64>,
}

/// A list of terms in office, matched against titled person mentions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfficeHolders {
    terms: Vec<Term>,
}

/// The days a document can have been written in, from the offices it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// First possible day.
    pub start: i64,
    /// Last possible day; `None` when every office named is still held.
    pub end: Option<i64>,
    /// The titled mentions the window rests on.
    pub evidence: Vec<Evidence>,
}

/// Role words that say the title is not held at the time of writing.
const NOT_IN_OFFICE: [&str; 7] = ["former", "ex-", "then", "late", "elect", "future", "acting"];

impl OfficeHolders {
    /// Parses `person<TAB>role|role<TAB>start<TAB>end` lines; `#` starts a comment. Bad lines
    /// are reported with their number.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let bad = || format!("line {}: expected person, roles, start, end", n + 1);
            if fields.len() < 3 {
                return Err(bad());
            }
            let start = parse_iso(fields[2].trim()).ok_or_else(bad)?;
            let end = match fields.get(3).map(|f| f.trim()) {
                None | Some("") => None,
                Some(end) => Some(parse_iso(end).ok_or_else(bad)?),
            };
            terms.push(Term {
                person: fields[0].trim().to_lowercase(),
                roles: fields[1].split('|').map(|r| r.trim().to_owned()).collect(),
                start,
                end,
            });
        }
        Ok(Self { terms })
    }

    /// The window of a document: the intersection, over its titled person mentions that match
    /// a listed office, of the terms that person held that office. `None` when nothing matches
    /// or the tenures cannot all hold at once.
    pub fn window(&self, doc: &Document) -> Option<Window> {
        let mut allowed: Vec<(i64, i64)> = vec![(i64::MIN, i64::MAX)];
        let mut evidence = Vec::new();
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for entity in doc.entities.iter().filter(|e| e.kind == EntityKind::Person) {
            let Some(role) = entity.role.as_deref() else {
                continue;
            };
            let role = normalize_role(role);
            if NOT_IN_OFFICE.iter().any(|w| role.contains(w)) {
                continue;
            }
            let person = entity.canonical.to_lowercase();
            let terms: Vec<&Term> = self
                .terms
                .iter()
                .filter(|t| t.person == person && t.roles.iter().any(|r| role.contains(r.as_str())))
                .collect();
            let Some(first) = terms.first() else {
                continue;
            };
            let key = (entity.canonical.as_str(), first.roles[0].as_str());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            allowed = intersect(&allowed, &terms);
            evidence.push(Evidence {
                doc: doc.id.clone(),
                start: Some(entity.start),
                end: Some(entity.end),
                note: format!(
                    "{} {} in office {}",
                    entity.role.as_deref().unwrap_or_default(),
                    entity.canonical,
                    describe_terms(&terms)
                ),
            });
        }
        let (first, last) = (allowed.first()?, allowed.last()?);
        if evidence.is_empty() {
            return None;
        }
        Some(Window {
            start: first.0,
            end: (last.1 != i64::MAX).then_some(last.1),
            evidence,
        })
    }
}

/// The days in both `allowed` and one of `terms`, as sorted intervals.
fn intersect(allowed: &[(i64, i64)], terms: &[&Term]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = allowed
        .iter()
        .flat_map(|&(a, b)| {
            terms.iter().filter_map(move |t| {
                let (s, e) = (a.max(t.start), b.min(t.end.unwrap_or(i64::MAX)));
                (s <= e).then_some((s, e))
            })
        })
        .collect();
    out.sort_unstable();
    out
}

fn describe_terms(terms: &[&Term]) -> String {
    terms
        .iter()
        .map(|t| {
            let end = t.end.map_or("now".to_owned(), crate::calendar::format_iso);
            format!("{} to {end}", crate::calendar::format_iso(t.start))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lower case, US spelling folded to the list's ("defense" → "defence").
fn normalize_role(role: &str) -> String {
    role.to_lowercase().replace("defense", "defence")
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::Entity;

    fn person(name: &str, role: &str) -> Entity {
        Entity {
            kind: EntityKind::Person,
            text: name.into(),
            canonical: name.into(),
            role: Some(role.into()),
            start: 0,
            end: name.len(),
        }
    }

    fn doc_with(entities: Vec<Entity>) -> Document {
        Document {
            id: "d".into(),
            entities,
            ..Document::default()
        }
    }

    #[test]
    fn intersects_the_tenures_named() {
        let holders = OfficeHolders::parse(BUILTIN).unwrap();
        let doc = doc_with(vec![
            person("Harjit Sajjan", "Defence Minister"),
            person("Chrystia Freeland", "Foreign Affairs Minister"),
            person("Petro Poroshenko", "President"),
        ]);
        let window = holders.window(&doc).unwrap();
        assert_eq!(window.start, parse_iso("2017-01-10").unwrap());
        assert_eq!(window.end, parse_iso("2019-05-20"));
        assert_eq!(window.evidence.len(), 3);
    }

    #[test]
    fn a_second_term_and_former_titles() {
        let holders = OfficeHolders::parse(BUILTIN).unwrap();
        let trump = doc_with(vec![
            person("Donald Trump", "U.S. President"),
            person("Keir Starmer", "British Prime Minister"),
        ]);
        let window = holders.window(&trump).unwrap();
        assert_eq!(window.start, parse_iso("2025-01-20").unwrap());
        assert_eq!(window.end, None);
        let former = doc_with(vec![person("Justin Trudeau", "former Prime Minister")]);
        assert_eq!(holders.window(&former), None);
    }

    #[test]
    fn bad_lines_are_reported() {
        assert!(OfficeHolders::parse("A\tpresident\tnot-a-date\n").is_err());
        assert_eq!(
            OfficeHolders::parse("# only a comment\n")
                .unwrap()
                .terms
                .len(),
            0
        );
    }
}
