//! Limits on a pipeline file, checked on the YAML event stream before anything builds a value
//! from it, so a hand-edited or hostile file gets a clear error instead of a hang, a stack
//! overflow or an out-of-memory kill.
//!
//! - size: at most [`MAX_PIPELINE_BYTES`] (checked while reading, see [`crate::load`]);
//! - nesting: at most [`MAX_NESTING`] levels of mappings and sequences;
//! - aliases: the file, with every `*alias` expanded, holds at most [`MAX_EXPANDED_NODES`]
//!   nodes (this stops "billion laughs" alias bombs).

use saphyr_parser::{Event, Marker, Parser};

/// Largest pipeline file read: a real pipeline is a few kilobytes.
pub const MAX_PIPELINE_BYTES: u64 = 1 << 20;

/// Deepest nesting of mappings and sequences: a real pipeline nests about six levels.
pub const MAX_NESTING: usize = 64;

/// Most nodes (scalars, mappings, sequences) once every alias is expanded: well above what a
/// 1 MiB file holds without aliases, far below what would exhaust memory.
pub const MAX_EXPANDED_NODES: usize = 1_000_000;

/// A limit the file exceeds, and where.
#[derive(Debug, Clone)]
pub struct Exceeded {
    /// Where the offending node starts.
    pub at: Marker,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Checks nesting depth and alias expansion. Syntax errors are left to the real parser, which
/// reports them with better messages.
pub fn check(source: &str) -> Result<(), Exceeded> {
    // For each open container: the anchor it defines (0 for none) and the node count when it
    // opened.
    let mut open: Vec<(usize, usize)> = Vec::new();
    // Nodes each anchor expands to, by anchor id.
    let mut anchor_sizes: Vec<usize> = Vec::new();
    let mut expanded = 0usize;
    for event in Parser::new_from_str(source) {
        let (event, span) = match event {
            Ok(event) => event,
            // The scanner has its own, higher limit on `[`/`{` nesting.
            Err(err) if err.info().contains("recursion limit") => {
                return Err(too_deep(*err.marker()))
            }
            Err(_) => break,
        };
        let (anchor, opens) = match event {
            Event::Scalar(_, _, anchor, _) => (anchor, false),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => (anchor, true),
            Event::Alias(id) => {
                expanded = expanded.saturating_add(anchor_sizes.get(id).copied().unwrap_or(1));
                check_expanded(expanded, span.start)?;
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop() {
                    record(&mut anchor_sizes, anchor, expanded - start);
                }
                continue;
            }
            _ => continue,
        };
        expanded += 1;
        check_expanded(expanded, span.start)?;
        if opens {
            open.push((anchor, expanded - 1));
            if open.len() > MAX_NESTING {
                return Err(too_deep(span.start));
            }
        } else {
            record(&mut anchor_sizes, anchor, 1);
        }
    }
    Ok(())
}

fn too_deep(at: Marker) -> Exceeded {
    Exceeded {
        at,
        message: format!("the pipeline nests more than {MAX_NESTING} levels of mappings and lists"),
        help: "a pipeline needs only a few levels; look for an unclosed `[` or `{`".into(),
    }
}

fn record(anchor_sizes: &mut Vec<usize>, anchor: usize, size: usize) {
    if anchor == 0 {
        return;
    }
    if anchor_sizes.len() <= anchor {
        anchor_sizes.resize(anchor + 1, 1);
    }
    anchor_sizes[anchor] = size;
}

fn check_expanded(expanded: usize, at: Marker) -> Result<(), Exceeded> {
    if expanded <= MAX_EXPANDED_NODES {
        return Ok(());
    }
    Err(Exceeded {
        at,
        message: format!(
            "with its aliases expanded, the pipeline holds more than {MAX_EXPANDED_NODES} values"
        ),
        help: "an alias (`*name`) repeats its anchor (`&name`) in full; use fewer or smaller ones"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_anchors_and_aliases_pass() {
        let source = "defaults: &d {preset: clean}\nstages:\n  - dedupe: *d\n  - dedupe: *d\n";
        assert!(check(source).is_ok());
    }

    #[test]
    fn an_alias_bomb_is_stopped_at_the_alias_that_crosses_the_limit() {
        let mut source = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h"])
        {
            let items = vec![format!("*{prev}"); 10].join(", ");
            source.push_str(&format!("{name}: &{name} [{items}]\n"));
        }
        let err = check(&source).unwrap_err();
        assert!(err.message.contains("aliases expanded"), "{}", err.message);
        assert_eq!(err.at.line(), 6, "the `f` line crosses a million");
    }

    #[test]
    fn deep_nesting_is_stopped_in_flow_and_block_style() {
        let flow = format!("input: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let block = format!("input:\n{}x\n", "- ".repeat(10_000));
        for source in [flow, block] {
            let err = check(&source).unwrap_err();
            assert!(err.message.contains("64 levels"), "{}", err.message);
        }
        let shallow = format!("input:\n{}x\n", "- ".repeat(MAX_NESTING - 1));
        assert!(check(&shallow).is_ok());
    }
}
