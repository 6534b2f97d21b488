//! The terminal rendering: findings grouped by contract and operation.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{Report, root};
use crate::finding::{Finding, Severity};

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
        Severity::Info => AnsiColor::Cyan.on_default(),
    }
}

/// Renders findings grouped by operation, changes shared by several operations
/// first and once; `color` adds ANSI styles.
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let shared = root::shared(&report.findings);
    let shared_keys = root::keys(&shared);
    if !shared.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint(
                color,
                bold,
                "Shared changes (each made once in the spec, reached by several operations)"
            )
        );
        for rc in &shared {
            let f = rc.first();
            let _ = writeln!(
                out,
                "  {} {}: {}{} — {} {}",
                paint(
                    color,
                    severity_style(f.severity),
                    &format!("{:<7}", f.severity.as_str())
                ),
                contract_prefix(f) + &rc.place(),
                f.rule.meta().title,
                before_after(f),
                rc.reach(),
                paint(color, dim, &format!("[{}]", f.rule))
            );
        }
        out.push('\n');
    }
    let mut current_contract: Option<&Option<String>> = None;
    for group in report
        .findings
        .chunk_by(|a, b| (&a.contract, &a.op_key) == (&b.contract, &b.op_key))
    {
        let f = &group[0];
        if f.contract.is_some() && current_contract != Some(&f.contract) {
            let _ = writeln!(
                out,
                "{}",
                paint(
                    color,
                    bold.underline(),
                    &format!("contract {}", f.contract.as_deref().unwrap_or(""))
                )
            );
        }
        current_contract = Some(&f.contract);
        let _ = writeln!(
            out,
            "{}{}",
            paint(color, bold, &op_title(f)),
            relevance(f, color)
        );
        if let Some(note) = group.iter().find_map(|g| g.note.as_deref()) {
            let _ = writeln!(
                out,
                "  {}",
                paint(color, dim, &format!("why it matters: {note}"))
            );
        }
        let mut shared_here = 0;
        for f in group {
            if shared_keys.contains(&(&f.contract, f.root_cause.as_str())) {
                shared_here += 1;
                continue;
            }
            let _ = writeln!(
                out,
                "  {} {} {}",
                paint(
                    color,
                    severity_style(f.severity),
                    &format!("{:<7}", f.severity.as_str())
                ),
                f.message,
                paint(color, dim, &format!("[{}]", f.rule))
            );
        }
        if shared_here > 0 {
            let _ = writeln!(
                out,
                "  {}",
                paint(
                    color,
                    dim,
                    &format!(
                        "+ {shared_here} shared change{} (above)",
                        plural(shared_here)
                    )
                )
            );
        }
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out
}

/// ` (optional → required)`, when the finding has a before or an after.
pub fn before_after(f: &Finding) -> String {
    match (&f.before, &f.after) {
        (None, None) => String::new(),
        (b, a) => format!(
            " ({} → {})",
            b.as_deref().unwrap_or("—"),
            a.as_deref().unwrap_or("—")
        ),
    }
}

fn contract_prefix(f: &Finding) -> String {
    f.contract
        .as_deref()
        .map(|c| format!("{c}: "))
        .unwrap_or_default()
}

fn op_title(f: &Finding) -> String {
    let title = super::group_title(f);
    match (&f.method, &f.operation_id) {
        (Some(_), Some(id)) => format!("{title} ({id})"),
        _ => title,
    }
}

fn relevance(f: &Finding, color: bool) -> String {
    match (f.in_use, &f.compliance_kind) {
        (true, Some(kind)) => format!(
            "  {}",
            paint(
                color,
                AnsiColor::Magenta.on_default().bold(),
                &format!("in use · compliance-critical: {kind}")
            )
        ),
        (true, None) => format!(
            "  {}",
            paint(color, AnsiColor::Green.on_default(), "in use")
        ),
        (false, _) => format!("  {}", paint(color, Style::new().dimmed(), "not used")),
    }
}

/// `3 errors, 1 warning, 4 info (2 in use: 2 errors); 1 compliance-critical`.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    if s.total == 0 {
        return "no changes found\n".to_owned();
    }
    let mut line = format!(
        "{} finding{}: {} error{}, {} warning{}, {} info",
        s.total,
        plural(s.total),
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.info
    );
    let _ = write!(
        line,
        "; {} in use ({} error{}, {} warning{})",
        s.in_use,
        s.in_use_error,
        plural(s.in_use_error),
        s.in_use_warning,
        plural(s.in_use_warning)
    );
    if s.compliance > 0 {
        let _ = write!(line, "; {} on compliance-critical operations", s.compliance);
    }
    line.push('\n');
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
