//! The night in the audit log (`crate::audit`): when it started and ended, each
//! contract's status, the findings that appeared or went away since the last real
//! run, and every issue operation with its result. The night's lines are written
//! to the output folder as `audit.jsonl`; a real run also appends them to the
//! state folder's log, which is never rewritten.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;

use super::ContractOutcome;
use crate::audit;
use crate::finding::Finding;

/// Fingerprints per contract as of the last real run (`audit-seen.json`).
type Seen = BTreeMap<String, BTreeSet<String>>;

fn seen_path(state_dir: &Path) -> std::path::PathBuf {
    state_dir.join("audit-seen.json")
}

/// The night's lines: start, statuses, appeared and gone findings, issue
/// operations, end.
pub fn lines(
    state_dir: &Path,
    started: jiff::Timestamp,
    contracts: &[ContractOutcome],
    findings: &[Finding],
    plan: &[String],
    dry_run: bool,
) -> (Vec<String>, Seen) {
    let before: Seen = std::fs::read(seen_path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let now = jiff::Timestamp::now();
    let mut out = vec![audit::line(
        "run-start",
        json!({ "dry_run": dry_run, "contracts": contracts.len() }),
        started,
    )];
    // Contracts not run tonight (`--contract`, another shard's) keep what was seen.
    let mut after: Seen = before.clone();
    for c in contracts {
        let name = &c.status.name;
        out.push(audit::line(
            "contract",
            json!({
                "contract": name,
                "status": c.status.status,
                "pinned_version": c.status.pinned_version,
                "findings": c.status.findings,
                "in_use_findings": c.status.in_use_findings,
                "errors": c.status.errors,
            }),
            now,
        ));
        // A contract that failed tonight was not checked in full: nothing appeared or
        // went away that anyone can tell; what was seen is kept.
        if c.status.status == "failed" {
            continue;
        }
        let own: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.contract.as_deref() == Some(name.as_str()))
            .collect();
        let current: BTreeSet<String> = own.iter().map(|f| f.fingerprint.clone()).collect();
        let previous = before.get(name).cloned().unwrap_or_default();
        for f in own.iter().filter(|f| !previous.contains(&f.fingerprint)) {
            out.push(audit::line(
                "finding-appeared",
                json!({
                    "contract": name,
                    "fingerprint": f.fingerprint,
                    "rule": f.rule,
                    "severity": f.severity,
                    "operation": crate::report::group_title(f),
                    "in_use": f.in_use,
                    "compliance": f.compliance_kind,
                    "message": f.message,
                }),
                now,
            ));
        }
        for gone in previous.difference(&current) {
            out.push(audit::line(
                "finding-gone",
                json!({ "contract": name, "fingerprint": gone }),
                now,
            ));
        }
        after.insert(name.clone(), current);
    }
    for p in plan.iter().filter(|p| !p.starts_with("no issue changes")) {
        if p.contains("tell Slack") || p.contains("told Slack") {
            out.push(audit::line("slack", json!({ "message": p }), now));
            continue;
        }
        let result = if p.starts_with("FAILED") {
            "failed: kept and retried on the next run"
        } else if p.starts_with("waiting:") {
            "waiting for the debounce"
        } else if p.starts_with("held:") {
            "held: not apiwatch's to edit"
        } else if dry_run {
            "planned (dry run)"
        } else {
            "applied"
        };
        out.push(audit::line(
            "issue",
            json!({ "operation": p, "result": result }),
            now,
        ));
    }
    out.push(audit::line("run-end", json!({ "dry_run": dry_run }), now));
    (out, after)
}

/// Writes the night's lines to `out/audit.jsonl`, and for a real run appends them
/// to the state folder's log and records what was seen.
pub fn record(
    out_dir: &Path,
    state_dir: &Path,
    lines: &[String],
    seen: &Seen,
    dry_run: bool,
) -> std::io::Result<()> {
    crate::files::write_atomic(&out_dir.join("audit.jsonl"), lines.concat().as_bytes())?;
    if dry_run {
        return Ok(());
    }
    audit::append(&audit::path(state_dir), lines)?;
    let bytes = serde_json::to_vec_pretty(seen).unwrap_or_default();
    crate::files::write_atomic(&seen_path(state_dir), &bytes)
}
