//! The job summary: the night at a glance, for `$GITHUB_STEP_SUMMARY` — the
//! contracts, what happened to their issues, and the integration map.

use crate::map::IntegrationMap;
use crate::report::{self, Report};

/// The night at a glance, for `$GITHUB_STEP_SUMMARY`.
pub fn job_summary(map: &IntegrationMap, rep: &Report, plan: &[String]) -> String {
    use std::fmt::Write;
    let mut out = String::from("## apiwatch nightly\n\n");
    let _ = writeln!(out, "{}", report::text::summary_line(rep));
    let mut unread: Vec<&str> = rep
        .findings
        .iter()
        .filter(|f| super::spec_unread(f))
        .filter_map(|f| f.contract.as_deref())
        .collect();
    unread.dedup();
    if !unread.is_empty() {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> Not checked in full tonight (a source could not be read): {}. See `source-unreachable` / `source-invalid` in the report.\n",
            unread
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        out,
        "| contract | vendor | team | status | findings | in use |\n|---|---|---|---|---|---|"
    );
    for c in &rep.contracts {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            c.name, c.vendor, c.team, c.status, c.findings, c.in_use_findings
        );
    }
    out.push_str(&sunsets(rep));
    if !rep.tests.is_empty() {
        let _ = write!(
            out,
            "\n{}",
            report::tests::markdown(&rep.tests).replacen("## ", "### ", 1)
        );
    }
    let _ = writeln!(
        out,
        "
### Issues
"
    );
    for line in plan {
        let _ = writeln!(out, "- {}", crate::report::markdown::cell(line));
    }
    let rows = report::map::rows(
        map,
        &rep.contracts
            .iter()
            .map(|c| (c.name.clone(), c.status.clone()))
            .collect(),
    );
    let _ = writeln!(
        out,
        "\n### Integration map\n\n```mermaid\n{}```",
        report::map::mermaid(&rows)
    );
    out
}

/// Upcoming sunset dates of operations in use, as a Mermaid gantt chart (one
/// milestone per operation and date, a section per contract).
fn sunsets(rep: &Report) -> String {
    use std::collections::BTreeSet;
    use std::fmt::Write;
    let full_date = |d: &str| d.parse::<jiff::civil::Date>().is_ok();
    let mut items: BTreeSet<(String, String, String)> = BTreeSet::new();
    // A `Deprecation` header's date is when the operation was deprecated, not its end.
    let deprecated_on = |f: &&crate::finding::Finding| {
        f.rule == crate::finding::RuleId::Live(crate::finding::catalog::Live::DeprecationHeader)
    };
    for f in rep
        .findings
        .iter()
        .filter(|f| f.in_use && !deprecated_on(f))
    {
        let Some(date) = f.sunset.as_deref().filter(|d| full_date(d)) else {
            continue;
        };
        items.insert((
            f.contract.clone().unwrap_or_default(),
            date.to_owned(),
            crate::report::group_title(f),
        ));
    }
    if items.is_empty() {
        return String::new();
    }
    // Mermaid reads `:` and `#` in a task name as syntax.
    let clean = |t: &str| t.replace([':', '#', ';'], " ");
    let mut out = String::from(
        "\n### Upcoming sunsets\n\n```mermaid\ngantt\n  title Sunset dates of operations in use\n  dateFormat YYYY-MM-DD\n",
    );
    let mut section = None;
    for (contract, date, op) in items {
        if section.as_ref() != Some(&contract) {
            let _ = writeln!(out, "  section {}", clean(&contract));
            section = Some(contract);
        }
        let _ = writeln!(out, "  {} : milestone, {date}, 0d", clean(&op));
    }
    out.push_str("```\n");
    out
}
