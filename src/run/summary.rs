//! The job summary: the night at a glance, for `$GITHUB_STEP_SUMMARY` — the
//! contracts, what happened to their issues, and the integration map.

use crate::map::IntegrationMap;
use crate::report::{self, Report};

/// The night at a glance, for `$GITHUB_STEP_SUMMARY`.
pub fn job_summary(map: &IntegrationMap, rep: &Report, plan: &[String]) -> String {
    use std::fmt::Write;
    let mut out = String::from("## apiwatch nightly\n\n");
    let _ = writeln!(out, "{}", report::text::summary_line(rep));
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
