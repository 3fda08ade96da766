//! Where each key and value of a YAML file sits, so a problem found after parsing can still
//! point at its line and column.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span};

/// The position of one node: its key (for a mapping entry) and its value.
#[derive(Debug, Clone, Copy)]
pub struct NodePosition {
    /// Where the key starts and ends, for a mapping entry.
    pub key: Option<Span>,
    /// Where the value starts (and, for scalars, ends).
    pub value: Span,
}

/// Positions of every node, by path (mapping keys and sequence indexes as strings).
#[derive(Debug, Default)]
pub struct PositionIndex {
    nodes: HashMap<Vec<String>, NodePosition>,
}

enum Frame {
    Mapping { pending_key: Option<(String, Span)> },
    Sequence { next_index: usize },
}

impl PositionIndex {
    /// Indexes `source`; a syntax error leaves the index holding what was read before it.
    pub fn build(source: &str) -> Self {
        let mut index = Self::default();
        let mut path: Vec<String> = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(source) {
            let Ok((event, span)) = event else { break };
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Mapping { pending_key }) = frames.last_mut() {
                        if pending_key.is_none() {
                            *pending_key = Some((value.into_owned(), span));
                            continue;
                        }
                    }
                    index.enter(&mut path, &mut frames, span);
                    index.leave(&mut path);
                }
                Event::MappingStart(..) => {
                    index.enter(&mut path, &mut frames, span);
                    frames.push(Frame::Mapping { pending_key: None });
                }
                Event::SequenceStart(..) => {
                    index.enter(&mut path, &mut frames, span);
                    frames.push(Frame::Sequence { next_index: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    frames.pop();
                    index.leave(&mut path);
                }
                Event::Alias(_) => {
                    index.enter(&mut path, &mut frames, span);
                    index.leave(&mut path);
                }
                _ => {}
            }
        }
        index
    }

    /// Pushes the path segment of a new node inside the current container and records it.
    fn enter(&mut self, path: &mut Vec<String>, frames: &mut [Frame], span: Span) {
        let key = match frames.last_mut() {
            Some(Frame::Mapping { pending_key }) => match pending_key.take() {
                Some((name, key_span)) => {
                    path.push(name);
                    Some(key_span)
                }
                // A complex (non-scalar) key: index it under a placeholder.
                None => {
                    path.push(String::from("?"));
                    None
                }
            },
            Some(Frame::Sequence { next_index }) => {
                path.push(next_index.to_string());
                *next_index += 1;
                None
            }
            None => {
                // The document root: it has the empty path.
                self.nodes.insert(
                    Vec::new(),
                    NodePosition {
                        key: None,
                        value: span,
                    },
                );
                return;
            }
        };
        self.nodes
            .insert(path.clone(), NodePosition { key, value: span });
    }

    /// Pops the current node's segment (the root has none).
    fn leave(&mut self, path: &mut Vec<String>) {
        path.pop();
    }

    /// The node at `path`, or its nearest ancestor that exists.
    pub fn find(&self, path: &[String]) -> Option<(usize, NodePosition)> {
        (0..=path.len())
            .rev()
            .find_map(|len| self.nodes.get(&path[..len]).map(|node| (len, *node)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn finds_keys_in_nested_mappings_and_sequences() {
        let source = "name: x\ninput:\n  pathh: a\nstages:\n  - normalize: {}\n  - exprot:\n      jsonl: b\n";
        let index = PositionIndex::build(source);
        let (_, node) = index.find(&path(&["input", "pathh"])).unwrap();
        assert_eq!(node.key.unwrap().start.line(), 3);
        let (depth, node) = index.find(&path(&["stages", "1", "exprot"])).unwrap();
        assert_eq!(depth, 3);
        assert_eq!(node.key.unwrap().start.line(), 6);
        let (_, node) = index
            .find(&path(&["stages", "1", "exprot", "jsonl"]))
            .unwrap();
        assert_eq!(node.key.unwrap().start.line(), 7);
    }

    #[test]
    fn a_missing_path_falls_back_to_its_parent() {
        let index = PositionIndex::build("input:\n  path: a\n");
        let (depth, node) = index.find(&path(&["input", "format"])).unwrap();
        assert_eq!(depth, 1);
        assert_eq!(node.key.unwrap().start.line(), 1);
    }
}
