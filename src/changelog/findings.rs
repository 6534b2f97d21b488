//! New changelog announcements as findings.
//!
//! A new entry that announces a breaking change, deprecation, sunset or removal and
//! mentions an operation in use becomes a finding on that operation, so it lands in
//! the same issue as the spec changes of that operation, with its due date. Every
//! other new entry is listed as information; edited and vanished entries too.

use sha2::{Digest, Sha256};

use super::compare::EntryChanges;
use super::{Entry, Kind};
use crate::rules::{Finding, Relevance, Severity, rule};
use crate::spec::model::{ApiModel, Operation};
use crate::spec::path::match_key;

/// The rule an entry's announcement falls under, if it announces anything.
fn announcement(e: &Entry) -> Option<&'static str> {
    let has = |k: Kind| e.kinds.contains(&k);
    if has(Kind::Sunset)
        || (e.sunset_date.is_some() && (has(Kind::Deprecation) || has(Kind::Removal)))
    {
        Some("changelog-sunset-announced")
    } else if has(Kind::Removal) {
        Some("changelog-removal-announced")
    } else if has(Kind::Breaking) {
        Some("changelog-breaking-announced")
    } else if has(Kind::Deprecation) {
        Some("changelog-deprecation-announced")
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

fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn base(rule_id: &str, contract: &str, source: &str, e: &Entry) -> Finding {
    let severity = rule(rule_id).map(|r| r.severity).unwrap_or(Severity::Info);
    let when = e
        .date
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    Finding {
        rule: rule_id.to_owned(),
        severity,
        method: None,
        path: None,
        operation_id: None,
        location: e
            .link
            .clone()
            .unwrap_or_else(|| format!("{source}#{}", e.id)),
        subject: format!("changelog entry “{}”{when}", e.title),
        message: String::new(),
        before: None,
        after: None,
        base_pointer: None,
        revision_pointer: None,
        in_use: false,
        compliance: false,
        compliance_kind: None,
        sunset: e.sunset_date.clone(),
        fingerprint: fingerprint(&[rule_id, contract, &e.id]),
        contract: Some(contract.to_owned()),
        excerpt: Some(e.text.clone()),
        op_key: format!("~changelog {source}"),
    }
}

/// Findings for tonight's changelog changes of one source.
pub fn findings(
    contract: &str,
    source: &str,
    changes: &EntryChanges,
    models: &[ApiModel<'_>],
    relevance: &Relevance,
) -> Vec<Finding> {
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
        let ops = resolve(e, models);
        let in_use: Vec<(&Operation<'_>, Option<String>)> = ops
            .iter()
            .filter_map(|o| relevance.lookup_operation(o).map(|c| (*o, c)))
            .collect();
        match announcement(e) {
            Some(rule_id) if !in_use.is_empty() => {
                for (op, compliance) in in_use {
                    let mut f = base(rule_id, contract, source, e);
                    f.message = format!(
                        "vendor changelog{}: “{}”{what}{due}",
                        e.date
                            .as_deref()
                            .map(|d| format!(" {d}"))
                            .unwrap_or_default(),
                        e.title
                    );
                    f.method = Some(op.method.clone());
                    f.path = Some(op.path.clone());
                    f.operation_id = op.operation_id.clone();
                    f.in_use = true;
                    f.compliance = compliance.is_some();
                    f.compliance_kind = compliance;
                    f.op_key = format!("{} {}", op.key, op.method);
                    f.fingerprint = fingerprint(&[rule_id, contract, &e.id, &op.key, &op.method]);
                    out.push(f);
                }
            }
            _ => {
                let mut f = base("changelog-entry-new", contract, source, e);
                let about = if ops.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (mentions {})",
                        ops.iter().map(|o| o.label()).collect::<Vec<_>>().join(", ")
                    )
                };
                f.message = format!(
                    "new changelog entry{}: “{}”{what}{due}{about}",
                    e.date
                        .as_deref()
                        .map(|d| format!(" {d}"))
                        .unwrap_or_default(),
                    e.title
                );
                out.push(f);
            }
        }
    }
    for (_, now, diff) in &changes.edited {
        let mut f = base("changelog-entry-edited", contract, source, now);
        f.message = format!("changelog entry edited: “{}”", now.title);
        f.excerpt = Some(diff.clone());
        out.push(f);
    }
    for e in &changes.vanished {
        let mut f = base("changelog-entry-removed", contract, source, e);
        f.message = format!("changelog entry no longer published: “{}”", e.title);
        out.push(f);
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
