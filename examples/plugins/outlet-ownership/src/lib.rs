//! # outlet-ownership
//!
//! The reference newspipe plugin. Stage `ownership` tags each document with who owns the outlet
//! that published it, from a list you give: an analyst comparing coverage wants to know that two
//! "different" outlets belong to one group, or that one is state-owned.
//!
//! A document matches an outlet when its `meta.outlet` equals the outlet's name or one of its
//! aliases (ignoring case and spacing), or else when the host of its `source.url` is one of the
//! outlet's domains or a subdomain of one. A match fills `meta.outlet` if it was empty and writes
//! `extra.ownership`:
//!
//! ```json
//! {"outlet": "The Kyiv Independent", "owner": "Kyiv Independent LLC", "kind": "independent",
//!  "country": "UA", "matched_by": "url"}
//! ```
//!
//! ```yaml
//! - plugin:
//!     library: ../target/release/liboutlet_ownership.so
//!     stage: ownership
//!     config:
//!       unmatched: keep          # keep | drop documents from no listed outlet
//!       outlets:
//!         - name: Reuters
//!           domains: [reuters.com]
//!           owner: Thomson Reuters
//!           kind: private
//!         - name: RT
//!           aliases: [Russia Today]
//!           domains: [rt.com]
//!           owner: ANO TV-Novosti
//!           kind: state
//!           country: RU
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use newspipe_plugin_sdk::{
    export_plugin, Disposition, Document, DocumentStage, PluginStage, StageError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The `ownership` stage's config.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OwnershipConfig {
    /// The outlets to recognize, with their owners.
    pub outlets: Vec<Outlet>,
    /// What to do with a document from no listed outlet.
    pub unmatched: Unmatched,
}

/// One outlet and who owns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outlet {
    /// Its usual name, written to `meta.outlet` when that is empty.
    pub name: String,
    /// Other names it appears under in `meta.outlet`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Web domains it publishes on (`reuters.com` also matches `www.reuters.com`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Who owns it.
    pub owner: String,
    /// What kind of owner: `public`, `private`, `state`, `independent`, ... as you choose.
    #[serde(default)]
    pub kind: Option<String>,
    /// The owner's country (ISO 3166 code).
    #[serde(default)]
    pub country: Option<String>,
}

/// What happens to a document from no listed outlet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmatched {
    /// It goes on untagged.
    #[default]
    Keep,
    /// It is dropped (recorded in the dropped file).
    Drop,
}

/// The stage: outlets indexed by normalized name and by domain.
pub struct Ownership {
    outlets: Vec<Outlet>,
    by_name: HashMap<String, usize>,
    by_domain: HashMap<String, usize>,
    unmatched: Unmatched,
    tagged: AtomicU64,
    untagged: AtomicU64,
}

/// How a document was matched to its outlet.
#[derive(Debug, Clone, Copy)]
enum MatchedBy {
    Outlet,
    Url,
}

impl Ownership {
    /// The outlet `doc` came from, if it is listed.
    fn find(&self, doc: &Document) -> Option<(&Outlet, MatchedBy)> {
        let by_name = doc
            .meta
            .outlet
            .as_deref()
            .and_then(|outlet| self.by_name.get(&normalize_name(outlet)))
            .map(|&index| (index, MatchedBy::Outlet));
        let by_url = || {
            let host = url_host(doc.source.url.as_deref()?)?;
            // `news.bbc.co.uk` → try `news.bbc.co.uk`, `bbc.co.uk`, `co.uk`, `uk`.
            let mut rest = host.as_str();
            loop {
                if let Some(&index) = self.by_domain.get(rest) {
                    return Some((index, MatchedBy::Url));
                }
                rest = rest.split_once('.')?.1;
            }
        };
        by_name
            .or_else(by_url)
            .map(|(index, by)| (&self.outlets[index], by))
    }
}

impl DocumentStage for Ownership {
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
        let Some((outlet, by)) = self.find(doc) else {
            self.untagged.fetch_add(1, Ordering::Relaxed);
            return Ok(match self.unmatched {
                Unmatched::Keep => Disposition::Keep,
                Unmatched::Drop => Disposition::Drop {
                    reason: "outlet not in the ownership list".into(),
                    duplicate_of: None,
                },
            });
        };
        self.tagged.fetch_add(1, Ordering::Relaxed);
        let tag = json!({
            "outlet": outlet.name,
            "owner": outlet.owner,
            "kind": outlet.kind,
            "country": outlet.country,
            "matched_by": match by {
                MatchedBy::Outlet => "outlet",
                MatchedBy::Url => "url",
            },
        });
        doc.meta.outlet.get_or_insert_with(|| outlet.name.clone());
        doc.extra.insert("ownership".into(), tag);
        Ok(Disposition::Keep)
    }
}

impl PluginStage for Ownership {
    const NAME: &'static str = "ownership";
    const SUMMARY: &'static str =
        "Tags each document with who owns its outlet (extra.ownership), from a list of outlets.";
    type Config = OwnershipConfig;
    const WRITES: &'static [&'static str] = &["meta.outlet", "extra.ownership"];

    fn new(config: OwnershipConfig) -> Result<Self, StageError> {
        if config.outlets.is_empty() {
            return Err(StageError::new(
                "`outlets` is empty: list the outlets to recognize, each with `name` and `owner`",
            ));
        }
        let mut by_name = HashMap::new();
        let mut by_domain = HashMap::new();
        for (index, outlet) in config.outlets.iter().enumerate() {
            for name in std::iter::once(&outlet.name).chain(&outlet.aliases) {
                if let Some(previous) = by_name.insert(normalize_name(name), index) {
                    if previous != index {
                        return Err(StageError::new(format!(
                            "outlets `{}` and `{}` both use the name `{name}`",
                            config.outlets[previous].name, outlet.name
                        )));
                    }
                }
            }
            for domain in &outlet.domains {
                let domain = domain.trim().trim_start_matches("www.").to_lowercase();
                if let Some(previous) = by_domain.insert(domain.clone(), index) {
                    if previous != index {
                        return Err(StageError::new(format!(
                            "outlets `{}` and `{}` both use the domain `{domain}`",
                            config.outlets[previous].name, outlet.name
                        )));
                    }
                }
            }
        }
        newspipe_plugin_sdk::tracing::debug!(
            outlets = config.outlets.len(),
            names = by_name.len(),
            domains = by_domain.len(),
            "Ownership list ready."
        );
        Ok(Self {
            outlets: config.outlets,
            by_name,
            by_domain,
            unmatched: config.unmatched,
            tagged: AtomicU64::new(0),
            untagged: AtomicU64::new(0),
        })
    }

    fn metrics(&self) -> serde_json::Value {
        json!({
            "tagged": self.tagged.load(Ordering::Relaxed),
            "untagged": self.untagged.load(Ordering::Relaxed),
        })
    }
}

export_plugin!(Ownership);

/// A name compared without case or extra spacing: `The  GUARDIAN` = `the guardian`.
fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lower-cased host of a URL, without `www.`, port or credentials.
fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    let host = host.trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_plugin_sdk::envelope::Outcome;
    use newspipe_plugin_sdk::testing::{doc, run_stage};
    use serde_json::Value;

    fn config() -> Value {
        json!({
            "outlets": [
                {"name": "The Kyiv Independent", "aliases": ["Kyiv Independent"],
                 "domains": ["kyivindependent.com"], "owner": "Kyiv Independent LLC",
                 "kind": "independent", "country": "UA"},
                {"name": "BBC", "domains": ["bbc.co.uk", "bbc.com"], "owner": "BBC",
                 "kind": "public", "country": "GB"},
            ]
        })
    }

    fn with(id: &str, outlet: Option<&str>, url: Option<&str>) -> Document {
        let mut d = doc(id, "text");
        d.meta.outlet = outlet.map(Into::into);
        d.source.url = url.map(Into::into);
        d
    }

    fn kept(outcome: &Outcome<Document>) -> &Document {
        match outcome {
            Outcome::Keep(d) => d,
            other => panic!("expected a kept document, got {other:?}"),
        }
    }

    #[test]
    fn tags_by_outlet_name_then_by_url() {
        let outcomes = run_stage::<Ownership>(
            config(),
            vec![
                with("a", Some("  kyiv   INDEPENDENT "), None),
                with(
                    "b",
                    None,
                    Some("https://www.News.BBC.co.uk:443/world/123?x=1"),
                ),
                with("c", Some("Unknown Gazette"), Some("https://example.org/a")),
                with("d", None, Some("https://notbbc.com/a")),
            ],
        )
        .unwrap();
        let a = kept(&outcomes[0]);
        assert_eq!(a.extra["ownership"]["owner"], "Kyiv Independent LLC");
        assert_eq!(a.extra["ownership"]["matched_by"], "outlet");
        assert_eq!(a.meta.outlet.as_deref(), Some("  kyiv   INDEPENDENT "));
        let b = kept(&outcomes[1]);
        assert_eq!(b.extra["ownership"]["outlet"], "BBC");
        assert_eq!(b.extra["ownership"]["matched_by"], "url");
        assert_eq!(b.meta.outlet.as_deref(), Some("BBC"));
        assert!(!kept(&outcomes[2]).extra.contains_key("ownership"));
        assert!(!kept(&outcomes[3]).extra.contains_key("ownership"));
    }

    #[test]
    fn unmatched_documents_can_be_dropped() {
        let mut cfg = config();
        cfg["unmatched"] = json!("drop");
        let outcomes = run_stage::<Ownership>(
            cfg,
            vec![with("a", Some("BBC"), None), with("b", None, None)],
        )
        .unwrap();
        assert!(matches!(outcomes[0], Outcome::Keep(_)));
        assert!(
            matches!(&outcomes[1], Outcome::Drop(d) if d.id == "b" && d.reason.contains("not in the ownership list"))
        );
    }

    #[test]
    fn bad_configs_are_refused() {
        let err = run_stage::<Ownership>(json!({}), vec![]).unwrap_err();
        assert!(err.contains("`outlets` is empty"), "{err}");
        let err = run_stage::<Ownership>(json!({"unmached": "keep"}), vec![]).unwrap_err();
        assert!(err.contains("unknown key `unmached`"), "{err}");
        let err = run_stage::<Ownership>(json!({"outlets": [{"name": "X"}]}), vec![]).unwrap_err();
        assert!(err.contains("missing field `owner`"), "{err}");
        let err = run_stage::<Ownership>(
            json!({"outlets": [{"name": "X", "owner": "A"}, {"name": "x", "owner": "B"}]}),
            vec![],
        )
        .unwrap_err();
        assert!(err.contains("both use the name `x`"), "{err}");
    }

    #[test]
    fn url_hosts_are_extracted_without_noise() {
        assert_eq!(
            url_host("https://user@WWW.Example.com:8080/p").as_deref(),
            Some("example.com")
        );
        assert_eq!(url_host("example.com/path").as_deref(), Some("example.com"));
        assert_eq!(url_host("https://"), None);
        assert_eq!(url_host(""), None);
    }
}
