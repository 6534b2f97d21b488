//! SARIF 2.1.0, for code-scanning tools: one result per finding, the rule catalog
//! as the driver's rules, and the fingerprint as `partialFingerprints` so that
//! alerts stay the same alert from run to run.

use serde_json::{Value, json};

use super::Report;
use crate::finding::{Finding, RuleId, Severity};

pub fn render(report: &Report, artifact: &str) -> String {
    let mut used: Vec<RuleId> = report.findings.iter().map(|f| f.rule).collect();
    used.sort_unstable_by_key(|r| r.as_str());
    used.dedup();
    let rules: Vec<Value> = used
        .iter()
        .map(|id| id.meta())
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.rationale},
                "defaultConfiguration": {"level": level(r.severity)},
                "helpUri": format!("https://github.com/apiwatch/apiwatch/blob/main/docs/rules.md#{}", r.id),
            })
        })
        .collect();
    // A change shared by several operations is one result, at its one place.
    let reach: std::collections::HashMap<(&Option<String>, &str), String> =
        super::root::shared(&report.findings)
            .iter()
            .map(|rc| {
                let f: &Finding = rc.findings[0];
                ((&f.contract, f.root_cause.as_str()), rc.reach())
            })
            .collect();
    let mut seen = std::collections::HashSet::new();
    let results: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| seen.insert((&f.contract, f.root_cause.as_str())))
        .map(|f| {
            let shared = reach
                .get(&(&f.contract, f.root_cause.as_str()))
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            // A removal's pointer is into the base document: point at that file.
            let in_base = f.base_pointer.as_deref() == Some(f.location.as_str()) && f.revision_pointer.as_deref() != Some(f.location.as_str());
            let uri = match (&f.contract, &report.base) {
                (Some(c), _) => format!("snapshots/{c}"),
                (None, Some(base)) if in_base => base.clone(),
                _ => artifact.to_owned(),
            };
            json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{} {}: {}{shared}", f.method.as_deref().unwrap_or(""), f.path.as_deref().unwrap_or(""), f.message)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": uri}},
                    "logicalLocations": [{"name": format!("{} {}", f.method.as_deref().unwrap_or(""), f.path.as_deref().unwrap_or("")), "fullyQualifiedName": f.location, "kind": "member"}],
                }],
                "partialFingerprints": {"apiwatch/v1": f.fingerprint},
                "properties": {"in_use": f.in_use, "compliance": f.compliance},
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "apiwatch", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/apiwatch/apiwatch", "rules": rules}},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
