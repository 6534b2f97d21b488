//! What a run shows people by default. A real vendor upgrade gives thousands of
//! findings, most about operations nobody here calls: the terminal and Markdown
//! reports show the findings on operations in use in full, and the rest as a count
//! per rule with a few examples. `report.json` and SARIF always hold everything,
//! and `apiwatch run --all` shows everything everywhere.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Report;
use crate::finding::Finding;

/// Examples named per rule among the findings set aside.
const EXAMPLES: usize = 3;

/// Findings set aside, per rule: how many, and a few places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    pub rule: String,
    pub count: usize,
    pub examples: Vec<String>,
}

/// The report as shown to people: only in-use findings (its summary still counts
/// them all) unless `all`, the others counted per rule; within an operation,
/// errors first.
pub fn focus(report: &Report, all: bool) -> (Report, Vec<Elsewhere>) {
    let (mut shown, rest): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| all || f.in_use);
    // Findings arrive grouped by operation; keep the groups in order.
    let mut group_of: BTreeMap<(Option<&str>, &str), usize> = BTreeMap::new();
    for f in &shown {
        let next = group_of.len();
        group_of
            .entry((f.contract.as_deref(), f.op_key.as_str()))
            .or_insert(next);
    }
    shown.sort_by_key(|f| {
        (
            group_of
                .get(&(f.contract.as_deref(), f.op_key.as_str()))
                .copied(),
            std::cmp::Reverse(f.severity),
        )
    });
    let mut by_rule: BTreeMap<&str, Elsewhere> = BTreeMap::new();
    for f in rest {
        let e = by_rule.entry(f.rule.as_str()).or_insert_with(|| Elsewhere {
            rule: f.rule.as_str().to_owned(),
            count: 0,
            examples: Vec::new(),
        });
        e.count += 1;
        let place = super::group_title(f);
        if e.examples.len() < EXAMPLES && !e.examples.contains(&place) {
            e.examples.push(place);
        }
    }
    let mut elsewhere: Vec<Elsewhere> = by_rule.into_values().collect();
    elsewhere.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
    let focused = Report {
        findings: shown.into_iter().cloned().collect(),
        ..report.clone()
    };
    (focused, elsewhere)
}

fn total(elsewhere: &[Elsewhere]) -> usize {
    elsewhere.iter().map(|e| e.count).sum()
}

/// The set-aside findings as text lines.
pub fn text(elsewhere: &[Elsewhere]) -> String {
    if elsewhere.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nNot used by this integration: {} finding{} (all in report.json; `apiwatch run --all` lists them)\n",
        total(elsewhere),
        if total(elsewhere) == 1 { "" } else { "s" }
    );
    for e in elsewhere {
        let more = if e.count > e.examples.len() {
            ", …"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:>5} × {}  e.g. {}{more}",
            e.count,
            e.rule,
            e.examples.join(", ")
        );
    }
    out
}

/// The set-aside findings as a Markdown section.
pub fn markdown(elsewhere: &[Elsewhere]) -> String {
    if elsewhere.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "## Not used by this integration\n\n{} finding{} on operations the contracts do not list, counted per rule; `report.json` has them all, `apiwatch run --all` lists them here.\n\n| findings | rule | for example |\n|---:|---|---|\n",
        total(elsewhere),
        if total(elsewhere) == 1 { "" } else { "s" }
    );
    for e in elsewhere {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            e.count,
            e.rule,
            e.examples
                .iter()
                .map(|x| super::markdown::cell(&format!("`{x}`")))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}
