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
