//! New changelog announcements as findings.
//!
//! A new entry that announces a breaking change, deprecation, sunset or removal and
//! mentions an operation in use becomes a finding on that operation, so it lands in
//! the same issue as the spec changes of that operation, with its due date. Every
//! other new entry is listed as information; edited and vanished entries too.

use super::compare::EntryChanges;
use super::{Entry, Kind};
use crate::finding::catalog::Changelog;
use crate::finding::{Draft, Finding, Identity, InUse, OperationRef, Overrides, RuleId};
use crate::rules::Relevance;
use crate::spec::model::{ApiModel, Operation};
use crate::spec::path::match_key;

/// The rule an entry's announcement falls under, if it announces anything.
fn announcement(e: &Entry) -> Option<Changelog> {
    let has = |k: Kind| e.kinds.contains(&k);
    if has(Kind::Sunset)
        || (e.sunset_date.is_some() && (has(Kind::Deprecation) || has(Kind::Removal)))
    {
        Some(Changelog::SunsetAnnounced)
    } else if has(Kind::Removal) {
        Some(Changelog::RemovalAnnounced)
    } else if has(Kind::Breaking) {
        Some(Changelog::BreakingAnnounced)
    } else if has(Kind::Deprecation) {
        Some(Changelog::DeprecationAnnounced)
    } else {
        None
    }
}

/// The operations of the pinned spec(s) an entry mentions.
pub fn resolve<'m, 'a>(e: &Entry, models: &'m [ApiModel<'a>]) -> Vec<&'m Operation<'a>> {
    let mut out: Vec<&Operation<'a>> = Vec::new();
    for m in &e.mentions {
        for model in models {
            match (&m.method, &m.path, &m.operation_id) {
                (_, _, Some(id)) => out.extend(model.find(id)),
                // `/v1/invoices/*`: every operation under the prefix.
                (method, Some(path), None) if path.contains('*') => {
                    let prefix = match_key("", path.split('*').next().unwrap_or(""));
                    let prefix = prefix.trim_end_matches('/');
                    let based = format!(
                        "{}{prefix}",
                        match_key("", &model.base_path).trim_end_matches('/')
                    );
                    let under = |key: &str, p: &str| {
                        key.strip_prefix(p)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                    };
                    out.extend(model.operations.iter().filter(|o| {
                        method
                            .as_ref()
                            .is_none_or(|m| m.eq_ignore_ascii_case(&o.method))
                            && (under(&o.key, prefix)
                                || under(&o.key, &based)
                                || under(&match_key("", &o.path), prefix))
                    }));
                }
                (Some(method), Some(path), None) => {
                    out.extend(model.find(&format!("{method} {path}")))
                }
                (None, Some(path), None) => {
                    let keys = [match_key(&model.base_path, path), match_key("", path)];
                    out.extend(model.operations.iter().filter(|o| {
                        keys.contains(&o.key) || keys.contains(&match_key("", &o.path))
                    }));
                }
                (_, None, None) => {}
            }
        }
    }
    out.sort_by(|a, b| (&a.key, &a.method).cmp(&(&b.key, &b.method)));
    out.dedup_by(|a, b| a.key == b.key && a.method == b.method);
    out
}

/// Where a changelog finding is about and what it says; the rest is the entry's.
struct About<'e> {
    rule: Changelog,
    entry: &'e Entry,
    message: String,
    /// The operation in use it announces a change to, with its relevance.
    operation: Option<(&'e Operation<'e>, InUse)>,
    excerpt: Option<String>,
}

/// What one source's changelog findings share.
struct Context<'c> {
    contract: &'c str,
    source: &'c str,
    overrides: &'c Overrides,
}

fn finding(ctx: &Context<'_>, about: About<'_>) -> Option<Finding> {
    let e = about.entry;
    let when = e
        .date
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let (operation, in_use, op_key, op_identity) = match about.operation {
        Some((op, in_use)) => (
            Some(OperationRef {
                method: op.method.clone(),
                path: op.path.clone(),
                operation_id: op.operation_id.clone(),
            }),
            in_use,
            format!("{} {}", op.key, op.method),
            Some((op.key.as_str(), op.method.as_str())),
        ),
        None => (None, InUse::NO, format!("~changelog {}", ctx.source), None),
    };
    let draft = Draft {
        rule: RuleId::Changelog(about.rule),
        operation,
        location: e
            .link
            .clone()
            .unwrap_or_else(|| format!("{}#{}", ctx.source, e.id)),
        subject: format!("changelog entry “{}”{when}", e.title),
        message: about.message,
        before: None,
        after: None,
        base_pointer: None,
        revision_pointer: None,
        in_use,
        sunset: e.sunset_date.clone(),
        contract: Some(ctx.contract.to_owned()),
        excerpt: Some(about.excerpt.unwrap_or_else(|| {
            let text = if ctx.source.starts_with("http://") || ctx.source.starts_with("https://") {
                super::absolute_links(&e.text, ctx.source)
            } else {
                e.text.clone()
            };
            // The vendor's own tags are part of what it said.
            if e.labels.is_empty() {
                text
            } else {
                format!("{text}\n\nTagged: {}", e.labels.join(", "))
            }
        })),
        op_key,
        identity: Identity::Entry {
            contract: ctx.contract,
            entry: &e.id,
            operation: op_identity,
        },
    };
    Finding::new(draft, ctx.overrides)
}

/// Findings for tonight's changelog changes of one source.
pub fn findings(
    contract: &str,
    source: &str,
    changes: &EntryChanges,
    models: &[ApiModel<'_>],
    relevance: &Relevance,
    overrides: &Overrides,
) -> Vec<Finding> {
    let ctx = Context {
        contract,
        source,
        overrides,
    };
    let mut out = Vec::new();
    for e in &changes.new {
        let kinds: Vec<&str> = e
            .kinds
            .iter()
            .filter(|k| **k != Kind::Other)
            .map(|k| kind_word(*k))
            .collect();
        let what = if kinds.is_empty() {
            String::new()
        } else {
            format!(" — {}", kinds.join(", "))
        };
        let due = e
            .sunset_date
            .as_deref()
            .map(|d| format!("; sunset {d}"))
            .unwrap_or_default();
        // A title that carries its date ("2.4.0 - 2026-10-02") says it once.
        let date = e
            .date
            .as_deref()
            .filter(|d| !e.title.contains(d))
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        let ops = resolve(e, models);
        let in_use: Vec<(&Operation<'_>, InUse)> = ops
            .iter()
            .filter_map(|o| {
                relevance
                    .lookup_operation(o)
                    .map(|c| (*o, InUse::from_lookup(Some(c))))
            })
            .collect();
        match announcement(e) {
            Some(rule) if !in_use.is_empty() => {
                for (op, relevance) in in_use {
                    out.extend(finding(
                        &ctx,
                        About {
                            rule,
                            entry: e,
                            message: format!("vendor changelog{date}: “{}”{what}{due}", e.title),
                            operation: Some((op, relevance)),
                            excerpt: None,
                        },
                    ));
                }
            }
            _ => {
                let about = if ops.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (mentions {})",
                        ops.iter().map(|o| o.label()).collect::<Vec<_>>().join(", ")
                    )
                };
                out.extend(finding(
                    &ctx,
                    About {
                        rule: Changelog::EntryNew,
                        entry: e,
                        message: format!(
                            "new changelog entry{date}: “{}”{what}{due}{about}",
                            e.title
                        ),
                        operation: None,
                        excerpt: None,
                    },
                ));
            }
        }
    }
    for (_, now, diff) in &changes.edited {
        out.extend(finding(
            &ctx,
            About {
                rule: Changelog::EntryEdited,
                entry: now,
                message: format!("changelog entry edited: “{}”", now.title),
                operation: None,
                excerpt: Some(diff.clone()),
            },
        ));
    }
    for e in &changes.vanished {
        out.extend(finding(
            &ctx,
            About {
                rule: Changelog::EntryRemoved,
                entry: e,
                message: format!("changelog entry no longer published: “{}”", e.title),
                operation: None,
                excerpt: None,
            },
        ));
    }
    out
}

pub fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Breaking => "breaking",
        Kind::Deprecation => "deprecation",
        Kind::Sunset => "sunset",
        Kind::Removal => "removal",
        Kind::New => "new",
        Kind::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changelog::{RawEntry, classify::classify};
    use crate::config::{UseEntry, Uses};
    use crate::spec::load::parse_document;

    /// "vendor changelog 2026-10-02: “2.4.0 - 2026-10-02”" said its date twice.
    #[test]
    fn a_title_that_carries_its_date_says_it_once() {
        let doc = parse_document(
            br#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/contacts":{"get":{"operationId":"listContacts","responses":{"200":{"description":"ok"}}}}}}"#,
            "spec.json",
        )
        .unwrap();
        let models = vec![ApiModel::build(&doc)];
        let uses = Uses {
            entries: vec![UseEntry {
                reference: "listContacts".into(),
                compliance: None,
            }],
        };
        let relevance = Relevance::new(&uses, &models.iter().collect::<Vec<_>>());
        let entry = |title: &str| {
            classify(
                RawEntry {
                    id: None,
                    title: title.into(),
                    date: Some("2026-10-02".into()),
                    link: None,
                    text: "GET /contacts is deprecated; see [the guide](/docs/migrate).".into(),
                    labels: Vec::new(),
                },
                &Default::default(),
                &Default::default(),
                Default::default(),
            )
        };
        let changes = EntryChanges {
            new: vec![entry("2.4.0 - 2026-10-02"), entry("Contacts listing")],
            ..Default::default()
        };
        let out = findings(
            "crm",
            "https://vendor.example/changelog/CHANGELOG.md",
            &changes,
            &models,
            &relevance,
            &Overrides::new(),
        );
        // Quoted with its links made absolute against the page.
        assert!(out.iter().all(|f| {
            f.excerpt
                .as_deref()
                .is_some_and(|x| x.contains("[the guide](https://vendor.example/docs/migrate)"))
        }));
        let messages: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("vendor changelog: “2.4.0 - 2026-10-02”")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("vendor changelog 2026-10-02: “Contacts listing”")),
            "{messages:?}"
        );
    }
}
