//! The terminal rendering: findings grouped by contract and operation.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::Report;
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

/// Renders findings grouped by operation; `color` adds ANSI styles.
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut current: Option<(Option<String>, String)> = None;
    for f in &report.findings {
        let group = (f.contract.clone(), f.op_key.clone());
        if current.as_ref() != Some(&group) {
            if current.is_some() {
                out.push('\n');
            }
            if f.contract.is_some() && current.as_ref().map(|c| &c.0) != Some(&f.contract) {
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
            let _ = writeln!(
                out,
                "{}{}",
                paint(color, bold, &op_title(f)),
                relevance(f, color)
            );
            current = Some(group);
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
    if !report.findings.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out
}

fn op_title(f: &Finding) -> String {
    // Source-level and changelog findings have no operation: name their group instead.
    if f.method.is_none() {
        return match f.op_key.strip_prefix("~changelog ") {
            Some(source) => format!("changelog {source}"),
            None => f.op_key.clone(),
        };
    }
    let op = format!(
        "{} {}",
        f.method.as_deref().unwrap_or(""),
        f.path.as_deref().unwrap_or("")
    );
    match &f.operation_id {
        Some(id) => format!("{op} ({id})"),
        None => op,
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
