//! UPGRADE: is it safe to move a contract's pin to a candidate version?
//!
//! The candidate (a version resolved through the contract's spec source, a file or
//! a URL) is diffed against the pinned snapshot with in-use relevance; the vendor's
//! changelog entries between the two versions are listed; the contract's tests run
//! with the answers judged against the candidate (and the version header set to
//! it). The verdict: **blocked** when a compliance-critical operation breaks,
//! **needs work** when an operation in use has an error or warning, else **safe**.

use std::fmt::Write as _;

use serde::Serialize;

use crate::changelog::Entry;
use crate::finding::{Finding, Severity, sort_findings};
use crate::map::Contract;
use crate::report::tests::TestRun;
use crate::spec::Document;

/// What an upgrade would do to the integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Safe,
    NeedsWork,
    Blocked,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::NeedsWork => "needs work",
            Verdict::Blocked => "blocked",
        }
    }
}

/// One changelog entry between the two versions.
#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub date: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub kinds: Vec<String>,
}

/// The assessment of an upgrade.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub contract: String,
    pub from: String,
    pub to: String,
    /// Where the candidate came from.
    pub candidate: String,
    pub verdict: Verdict,
    /// Operations in use with error or warning findings: what to change.
    pub to_change: Vec<String>,
    /// Compliance-critical operations that break.
    pub compliance_breaks: Vec<String>,
    pub findings: Vec<Finding>,
    pub changelog: Vec<Announcement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests: Option<TestRun>,
}

/// The version string a `{version}` placeholder in a spec source resolves to.
pub fn resolve(template: &str, version: &str) -> Option<String> {
    template
        .contains("{version}")
        .then(|| template.replace("{version}", version))
}

/// Changelog entries after `from` and up to `to`, when both versions are dates
/// (`2026-03`, `2026-03-15`); otherwise the entries that name `to`.
pub fn between(entries: &[Entry], from: &str, to: &str) -> Vec<Announcement> {
    let dated = |v: &str| {
        let b = v.as_bytes();
        b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
    };
    entries
        .iter()
        .filter(|e| {
            if dated(from) && dated(to) {
                // Compared at the versions' own precision: with `2026-03` pinned, an
                // entry of 2026-03-10 is the pinned month's, not after it.
                e.date.as_deref().is_some_and(|d| {
                    let at = |v: &str| d.get(..v.len().min(d.len())).unwrap_or(d).to_owned();
                    at(from).as_str() > from && at(to).as_str() <= to
                })
            } else {
                e.title.contains(to) || e.text.contains(to)
            }
        })
        .map(|e| Announcement {
            date: e.date.clone(),
            title: e.title.clone(),
            link: e.link.clone(),
            kinds: e
                .kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect(),
        })
        .collect()
}

/// Judges the findings of the diff and of the tests against the candidate.
pub fn assess(
    contract: &Contract,
    to: &str,
    candidate: &Document,
    mut findings: Vec<Finding>,
    changelog: Vec<Announcement>,
    tests: Option<TestRun>,
) -> Assessment {
    sort_findings(&mut findings);
    let label = |f: &Finding| crate::report::group_title(f);
    // One line per operation (its spec and test findings may name its path two ways).
    let mut seen = std::collections::HashSet::new();
    let to_change: Vec<String> = findings
        .iter()
        .filter(|f| f.in_use && f.severity >= Severity::Warning)
        .filter(|f| seen.insert(f.op_key.clone()))
        .map(label)
        .collect();
    let mut compliance_breaks: Vec<String> = findings
        .iter()
        .filter(|f| f.compliance && f.severity == Severity::Error)
        .map(|f| {
            format!(
                "{} ({})",
                label(f),
                f.compliance_kind.as_deref().unwrap_or("compliance")
            )
        })
        .collect();
    compliance_breaks.dedup();
    let tests_failed = tests.as_ref().is_some_and(|t| t.failed_cases() > 0);
    let verdict = if !compliance_breaks.is_empty() {
        Verdict::Blocked
    } else if !to_change.is_empty() || tests_failed {
        Verdict::NeedsWork
    } else {
        Verdict::Safe
    };
    Assessment {
        contract: contract.name.clone(),
        from: contract.pin.version.clone(),
        to: to.to_owned(),
        candidate: candidate.source.clone(),
        verdict,
        to_change,
        compliance_breaks,
        findings,
        changelog,
        tests,
    }
}

/// The in-use findings at warning or above of the operation `op` names.
fn of<'a>(a: &'a Assessment, op: &str) -> Vec<&'a Finding> {
    let key = a
        .findings
        .iter()
        .find(|f| crate::report::group_title(f) == op)
        .map(|f| f.op_key.clone());
    a.findings
        .iter()
        .filter(|f| f.in_use && f.severity >= Severity::Warning)
        .filter(|f| Some(&f.op_key) == key.as_ref())
        .collect()
}

/// The assessment as a pull-request description.
pub fn markdown(a: &Assessment) -> String {
    let esc = crate::report::escape::text;
    let mut out = format!(
        "## Upgrade `{}`: {} → {}\n\n**Verdict: {}**",
        a.contract,
        esc(&a.from),
        esc(&a.to),
        a.verdict.label()
    );
    match a.verdict {
        Verdict::Blocked => out.push_str(" — a compliance-critical operation breaks; do not merge without a reviewed reason.\n\n"),
        Verdict::NeedsWork => out.push_str(" — operations the integration uses change; the list below is the work.\n\n"),
        Verdict::Safe => out.push_str(" — nothing the integration uses breaks.\n\n"),
    }
    let _ = writeln!(
        out,
        "Candidate: {}\n",
        crate::report::escape::code(&a.candidate)
    );
    if !a.compliance_breaks.is_empty() {
        out.push_str("### Compliance-critical breaks\n\n");
        for c in &a.compliance_breaks {
            let _ = writeln!(out, "- {}", esc(c));
        }
        out.push('\n');
    }
    if !a.to_change.is_empty() {
        out.push_str("### Operations in use to change\n\n");
        for op in &a.to_change {
            let _ = writeln!(out, "- [ ] {}", esc(op));
            for f in of(a, op) {
                let _ = writeln!(
                    out,
                    "  - {} `{}`: {}",
                    f.severity.as_str(),
                    f.rule,
                    esc(&f.message)
                );
            }
        }
        out.push('\n');
    }
    if !a.changelog.is_empty() {
        out.push_str("### Vendor changelog between the versions\n\n");
        for e in &a.changelog {
            let _ = writeln!(
                out,
                "- {} {}{}",
                e.date.as_deref().unwrap_or("(undated)"),
                esc(&e.title),
                if e.kinds.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", e.kinds.join(", "))
                }
            );
        }
        out.push('\n');
    }
    if let Some(t) = &a.tests {
        let _ = writeln!(
            out,
            "### Contract tests against the candidate\n\n{}\n",
            esc(&t.headline())
        );
    }
    let other = a.findings.iter().filter(|f| !f.in_use).count();
    if other > 0 {
        let _ = writeln!(
            out,
            "{other} more change(s) on operations the integration does not use (see `apiwatch upgrade {} --to {} --format json`).",
            a.contract,
            esc(&a.to)
        );
    }
    out
}

/// The assessment as text for a terminal.
pub fn text(a: &Assessment) -> String {
    let mut out = format!(
        "{}: {} → {} ({}): {}\n",
        a.contract,
        a.from,
        a.to,
        a.candidate,
        a.verdict.label().to_uppercase()
    );
    for c in &a.compliance_breaks {
        let _ = writeln!(out, "  compliance-critical break: {c}");
    }
    for op in &a.to_change {
        let _ = writeln!(out, "  to change: {op}");
        for f in of(a, op) {
            let _ = writeln!(
                out,
                "    {} {} [{}]",
                f.severity.as_str(),
                f.message,
                f.rule
            );
        }
    }
    for e in &a.changelog {
        let _ = writeln!(
            out,
            "  changelog {}: {}",
            e.date.as_deref().unwrap_or("(undated)"),
            e.title
        );
    }
    if let Some(t) = &a.tests {
        let _ = writeln!(out, "  tests: {}", t.headline());
    }
    out
}
