//! The Markdown rendering: a table per operation and the spec-fragment diffs.

use std::fmt::Write;

use super::{Report, escape, root};
use crate::finding::catalog::Changelog;
use crate::finding::{Finding, RuleId};

/// Text on one line, for list items: backtick-quoted parts as code, the rest
/// escaped ([`escape::text`]).
pub fn inline(s: &str) -> String {
    escape::text(s)
}

/// Text for a Markdown table cell: [`inline`], with pipes escaped inside code too
/// (GitHub splits table cells on any unescaped pipe).
pub fn cell(s: &str) -> String {
    let text = escape::text(s);
    let mut out = String::with_capacity(text.len());
    let mut escaped = false;
    for c in text.chars() {
        if c == '|' && !escaped {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

/// Renders the whole report.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# apiwatch report\n");
    if let (Some(b), Some(r)) = (&report.base, &report.revision) {
        let _ = writeln!(
            out,
            "Comparing {} → {}.\n",
            escape::code(b),
            escape::code(r)
        );
    }
    if !report.contracts.is_empty() {
        let _ = writeln!(
            out,
            "| contract | vendor | pinned | team | status | findings (in use) |\n|---|---|---|---|---|---|"
        );
        for c in &report.contracts {
            let _ = writeln!(
                out,
                "| {} | {} — {} | {} | {} | {} | {} ({}) |",
                cell(&format!("`{}`", c.name)),
                cell(&c.vendor),
                cell(&c.api),
                cell(&c.pinned_version),
                cell(&c.team),
                status_badge(&c.status),
                c.findings,
                c.in_use_findings
            );
            for e in &c.errors {
                let _ = writeln!(out, "| | ⚠ {} | | | | |", cell(e));
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "**{}**\n",
        super::text::summary_line(report).trim_end()
    );
    let shared = root::shared(&report.findings);
    let shared_keys = root::keys(&shared);
    if !shared.is_empty() {
        let _ = writeln!(
            out,
            "## Shared changes\n\nEach made once in the spec and reached by several operations; listed here once.\n"
        );
        for rc in &shared {
            let f = rc.first();
            let ctx = f
                .contract
                .as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- **{}** `{}` — {}{}: {}{} — {}",
                f.severity,
                f.rule,
                inline(&ctx),
                escape::code(&rc.place()),
                inline(&f.rule.meta().title),
                inline(&super::text::before_after(f)),
                inline(&rc.reach())
            );
            if let Some(ex) = &f.excerpt {
                let _ = writeln!(out, "\n{}", escape::fenced(ex, "diff", "  "));
            }
        }
        out.push('\n');
    }
    let mut last: Option<(Option<String>, String)> = None;
    for f in &report.findings {
        if shared_keys.contains(&(&f.contract, f.root_cause.as_str())) {
            continue;
        }
        let group = (f.contract.clone(), f.op_key.clone());
        if last.as_ref() != Some(&group) {
            let ctx = f
                .contract
                .as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default();
            let tag = match (f.in_use, &f.compliance_kind) {
                (true, Some(k)) => format!(" — in use, **compliance-critical ({k})**"),
                (true, None) => " — in use".to_owned(),
                (false, _) => " — not used".to_owned(),
            };
            let _ = writeln!(
                out,
                "## {}{}{tag}\n",
                inline(&ctx),
                escape::code(&super::group_title(f))
            );
            if let Some(note) = &f.note {
                let _ = writeln!(out, "_Why it matters:_ {}\n", inline(note));
            }
            last = Some(group);
        }
        finding(&mut out, f);
    }
    out
}

/// One finding: a line, a before → after, and the fragment diff.
pub fn finding(out: &mut String, f: &Finding) {
    let _ = writeln!(
        out,
        "- **{}** `{}` — {}",
        f.severity,
        f.rule,
        inline(&f.message)
    );
    let _ = writeln!(out, "  - location: {}", escape::code(&f.location));
    if f.before.is_some() || f.after.is_some() {
        let _ = writeln!(
            out,
            "  - before → after: {} → {}",
            escape::code(f.before.as_deref().unwrap_or("—")),
            escape::code(f.after.as_deref().unwrap_or("—"))
        );
    }
    if let Some(s) = &f.sunset {
        let _ = writeln!(out, "  - sunset: **{s}**");
    }
    match &f.excerpt {
        // Vendor prose is quoted; spec fragments and text edits are diffs.
        Some(ex)
            if matches!(f.rule, RuleId::Changelog(_))
                && f.rule != RuleId::Changelog(Changelog::EntryEdited) =>
        {
            let quoted: String = ex
                .lines()
                .map(|l| format!("  > {}\n", escape::text(l)))
                .collect();
            let _ = writeln!(out, "\n{quoted}");
        }
        Some(ex) => {
            let _ = writeln!(out, "\n{}", escape::fenced(ex, "diff", "  "));
        }
        None => {}
    }
}

fn status_badge(status: &str) -> &str {
    match status {
        "ok" => "✅ ok",
        "findings" => "❌ findings",
        "failed" => "⚠️ failed",
        other => other,
    }
}
