//! One parse of a page for both extractors. `dom_smoothie` reads a `dom_query` tree and the
//! `trafilatura` crate a `scraper` one; on a page that declares a news article `auto` runs both,
//! and parsing was a third of their work. The page is parsed once, by `dom_query` (as
//! `dom_smoothie` always did), and the finished tree is copied into a `scraper` tree through
//! `scraper`'s own tree sink: a tenth of the cost of parsing again.
//!
//! `dom_query` parses with scripting disabled (a `<noscript>`'s content is markup, as Python
//! trafilatura's lxml reads it too), so the trafilatura crate gets the same kind of tree whether
//! the page was parsed once for both or for it alone ([`parse_for_scraper`]).

use html5ever::tendril::TendrilSink;
use html5ever::tree_builder::{ElementFlags, NodeOrText, TreeBuilderOpts, TreeSink};
use html5ever::{Attribute, LocalName, Namespace, ParseOpts, Prefix, QualName};
use scraper::{Html, HtmlTreeSink};

/// Parses a page into a `scraper` tree with the options `dom_query` uses (scripting disabled),
/// for the trafilatura crate when no tree is handed over.
pub fn parse_for_scraper(html: &str) -> Html {
    let options = ParseOpts {
        tree_builder: TreeBuilderOpts {
            scripting_enabled: false,
            ..Default::default()
        },
        ..Default::default()
    };
    html5ever::driver::parse_document(HtmlTreeSink::new(Html::new_document()), options).one(html)
}

/// A copy of a parsed `dom_query` document as a `scraper` tree: the same nodes in the same
/// order, names and attributes re-interned (the two parsers are different versions of
/// html5ever). Iterative, so a deep page needs no deep stack.
pub fn scraper_copy(doc: &dom_query::Document) -> Html {
    // The quirks mode is not copied: `scraper` matches selectors in no-quirks mode whatever the
    // page's, and the trafilatura crate keeps only the tree.
    let sink = HtmlTreeSink::new(Html::new_document());
    // (node in `doc` whose children are still to copy, the copy it goes under)
    let mut pending = vec![(doc.root(), sink.get_document())];
    while let Some((source, target)) = pending.pop() {
        for child in source.children_it(false) {
            let copied = child.query(|node| match &node.data {
                dom_query::NodeData::Element(element) => {
                    let attrs = element
                        .attrs
                        .iter()
                        .map(|attr| Attribute {
                            name: qual_name(
                                attr.name.prefix.as_deref(),
                                &attr.name.ns,
                                &attr.name.local,
                            ),
                            value: attr.value.clone(),
                        })
                        .collect();
                    let name = qual_name(
                        element.name.prefix.as_deref(),
                        &element.name.ns,
                        &element.name.local,
                    );
                    let mut flags = ElementFlags::default();
                    flags.template = element.template_contents.is_some();
                    let id = sink.create_element(name, attrs, flags);
                    sink.append(&target, NodeOrText::AppendNode(id));
                    let contents = element.template_contents.map(|fragment| {
                        (
                            doc.tree.get_unchecked(&fragment),
                            sink.get_template_contents(&id),
                        )
                    });
                    Some((id, contents))
                }
                dom_query::NodeData::Text { contents } => {
                    sink.append(&target, NodeOrText::AppendText(contents.clone()));
                    None
                }
                dom_query::NodeData::Comment { contents } => {
                    let id = sink.create_comment(contents.clone());
                    sink.append(&target, NodeOrText::AppendNode(id));
                    None
                }
                dom_query::NodeData::ProcessingInstruction {
                    target: pi,
                    contents,
                } => {
                    let id = sink.create_pi(pi.clone(), contents.clone());
                    sink.append(&target, NodeOrText::AppendNode(id));
                    None
                }
                dom_query::NodeData::Doctype {
                    name,
                    public_id,
                    system_id,
                } => {
                    sink.append_doctype_to_document(
                        name.clone(),
                        public_id.clone(),
                        system_id.clone(),
                    );
                    None
                }
                dom_query::NodeData::Document | dom_query::NodeData::Fragment => None,
            });
            if let Some(Some((id, template))) = copied {
                pending.push((child, id));
                if let Some((fragment, contents)) = template {
                    pending.push((fragment, contents));
                }
            }
        }
    }
    sink.finish()
}

/// A name from `dom_query`'s html5ever as `scraper`'s html5ever spells it.
fn qual_name(prefix: Option<&str>, ns: &str, local: &str) -> QualName {
    QualName::new(
        prefix.map(Prefix::from),
        Namespace::from(ns),
        LocalName::from(local),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the parsers disagree on if anything: `<noscript>` in the head (with scripting
    /// disabled its content is markup, and an `<iframe>` there ends the head), templates, SVG and
    /// MathML with namespaced attributes, comments, the doctype, a table's misplaced text,
    /// entities, attributes in any order.
    const PAGE: &str = concat!(
        "<!DOCTYPE html><html lang=en><head><title>T &amp; more</title>",
        r#"<noscript><iframe src="https://t.example/ns"></iframe></noscript>"#,
        r#"<meta name="description" content="d"></head><body class="b a" id=main>"#,
        "<!-- a comment --><template><p>inside</p></template>",
        r##"<svg viewBox="0 0 2 2"><use xlink:href="#i"></use><title>Icon</title></svg>"##,
        "<math><mi>x</mi></math><table><tr>stray<td>cell</td></tr></table>",
        "<p>One &nbsp;two<br>three<noscript><img src=x.png></noscript></p><p>Unclosed",
    );

    #[test]
    fn the_copy_is_the_tree_scraper_would_have_parsed() {
        let parsed = parse_for_scraper(PAGE);
        let copied = scraper_copy(&dom_query::Document::from(PAGE));
        assert_eq!(copied.html(), parsed.html());
        // The serialization leaves out template contents: compare those too.
        let template = scraper::Selector::parse("template").unwrap();
        let inner = |html: &Html| {
            html.select(&template)
                .map(|t| t.inner_html())
                .collect::<Vec<_>>()
        };
        assert_eq!(inner(&copied), inner(&parsed));
        assert!(parsed.html().contains("<noscript></noscript></head><body "));
    }
}
