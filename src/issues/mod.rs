//! ISSUES: findings in, one GitHub issue per problem out.
//!
//! A "problem" is one operation of one contract with in-use findings at warning or
//! above; it is identified by a stable key (contract + operation) written into the
//! body as a hidden marker, so a later run finds and updates the same issue instead
//! of filing another — by listing the issues apiwatch filed through the REST API, not
//! by the search API, which lags.
//!
//! - this module renders the issue each problem calls for ([`desired`]);
//! - [`plan`] is the pure planner: desired issues + existing issues + run-to-run
//!   tracking in, operations out (create, update, comment, close, reopen, label),
//!   with debounce, close-after-N-runs and respect for a person's "not planned";
//! - [`github`] is the thin executor over octocrab, with retries, rate limits and
//!   no duplicate on retry; what it could not apply is kept for the next run;
//! - vendor text is rendered with [`crate::report::escape`]: it can neither ping
//!   anyone nor link, embed markup, or break out of the code apiwatch quotes it in.

use std::collections::BTreeMap;
use std::fmt::Write;

pub mod github;
pub mod plan;
pub mod sync;

use crate::finding::{Finding, Severity};
use crate::map::Contract;
use crate::report::markdown::{cell, finding};

/// GitHub refuses issue bodies longer than this.
pub const MAX_BODY_CHARS: usize = 65_536;
/// Findings listed in an issue's table; the report has them all.
const MAX_TABLE_ROWS: usize = 100;
/// Fingerprints recorded in the hidden state marker.
const MAX_MARKED_FINGERPRINTS: usize = 500;
/// Characters of a table cell (a long pattern or enum would crowd out the rest).
const MAX_CELL_CHARS: usize = 120;

/// Shortens text for a table cell.
fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX_CELL_CHARS).collect();
        format!("{cut}…")
    }
}

/// An issue apiwatch wants to exist.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlannedIssue {
    pub key: String,
    pub contract: String,
    pub repo: Option<String>,
    pub title: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub body: String,
    pub severity: Severity,
    pub compliance: bool,
    /// Fingerprints of the findings in it (to tell "worse" from "same").
    pub fingerprints: Vec<String>,
    /// Runs the problem must persist before it is filed (compliance: filed at once).
    pub debounce_runs: u32,
}

/// Groups a contract's findings into the issues they call for.
pub fn desired(contract: &Contract, findings: &[Finding], report_hint: &str) -> Vec<PlannedIssue> {
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.contract.as_deref() == Some(&contract.name))
    {
        // Compliance-critical operations are always in use.
        let relevant = f.in_use && f.severity >= Severity::Warning;
        if relevant {
            groups.entry(f.op_key.as_str()).or_default().push(f);
        }
    }
    // A change to a shared component reaches other operations too: the issue says
    // how far, so owners fix the root cause once.
    let own = findings
        .iter()
        .filter(|f| f.contract.as_deref() == Some(&contract.name));
    let reach: BTreeMap<String, String> = crate::report::root::shared(own)
        .iter()
        .map(|rc| (rc.first().root_cause.clone(), rc.reach()))
        .collect();
    let ctx = IssueContext {
        contract,
        reach: &reach,
        report_hint,
    };
    groups
        .into_iter()
        .map(|(op_key, fs)| issue(&ctx, op_key, &fs))
        .collect()
}

/// What every issue of one contract is rendered with.
struct IssueContext<'c> {
    contract: &'c Contract,
    /// Root cause → how far it reaches, for changes shared by several operations.
    reach: &'c BTreeMap<String, String>,
    report_hint: &'c str,
}

fn issue(ctx: &IssueContext<'_>, op_key: &str, fs: &[&Finding]) -> PlannedIssue {
    let contract = ctx.contract;
    let key = issue_key(&contract.name, op_key);
    let first = fs[0];
    let op = crate::report::group_title(first);
    let severity = max_severity(fs);
    let compliance = fs.iter().any(|f| f.compliance);
    let errors = fs.iter().filter(|f| f.severity == Severity::Error).count();
    let what = if errors > 0 {
        format!(
            "{errors} breaking change{}",
            if errors == 1 { "" } else { "s" }
        )
    } else if fs.iter().any(|f| f.sunset.is_some()) {
        "deprecated, sunset announced".to_owned()
    } else {
        format!(
            "{} change{} to review",
            fs.len(),
            if fs.len() == 1 { "" } else { "s" }
        )
    };
    let source = source_of(fs);
    let title = match source {
        Some(_) if invalid(fs) => format!(
            "[apiwatch] {}: the contract no longer holds — not checked",
            contract.name
        ),
        Some(location) => format!("[apiwatch] {}: cannot read {location}", contract.name),
        None => format!("[apiwatch] {}: {op} — {what}", contract.name),
    };
    let mut labels = vec![
        "apiwatch".to_owned(),
        format!("vendor:{}", slug(&contract.vendor)),
        format!("severity:{severity}"),
    ];
    if compliance {
        labels.push("compliance".to_owned());
        labels.push("priority:critical".to_owned());
    }
    labels.extend(contract.owners.labels.iter().cloned());
    labels.sort();
    labels.dedup();
    let body = body(ctx, &key, &op, fs);
    let mut fingerprints: Vec<String> = fs.iter().map(|f| f.fingerprint.clone()).collect();
    fingerprints.sort();
    PlannedIssue {
        fingerprints,
        // A source problem is filed once it has escalated: no second wait.
        debounce_runs: if source.is_some() {
            1
        } else {
            contract.policy.debounce_runs
        },
        key,
        contract: contract.name.clone(),
        repo: contract.owners.repo.clone(),
        title,
        labels,
        assignees: contract.owners.assignees.clone(),
        body,
        severity,
        compliance,
    }
}

pub use crate::finding::issue_key;

/// The spec or changelog source a group of findings is about, when apiwatch could
/// not read it: a problem of the night, not a change of the API.
fn source_of<'f>(fs: &[&'f Finding]) -> Option<&'f str> {
    let first = fs.first()?.op_key.strip_prefix("source ")?;
    fs.iter()
        .all(|f| f.op_key.strip_prefix("source ") == Some(first))
        .then_some(first)
}

/// The highest severity among findings.
fn max_severity(fs: &[&Finding]) -> Severity {
    fs.iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Info)
}

/// The hidden state marker that ends every body: what the issue reported, so the
/// planner can tell "worse" from "same". It is capped like the table.
fn state_line(fs: &[&Finding]) -> String {
    let mut fingerprints: Vec<&str> = fs.iter().map(|f| f.fingerprint.as_str()).collect();
    fingerprints.sort_unstable();
    fingerprints.truncate(MAX_MARKED_FINGERPRINTS);
    plan::state_marker(&fingerprints, max_severity(fs))
}

/// Whether the findings say the contract itself failed validation.
fn invalid(fs: &[&Finding]) -> bool {
    fs.iter().any(|f| {
        f.rule == crate::finding::RuleId::from(crate::finding::catalog::Source::ContractInvalid)
    })
}

/// The body of an issue about a contract that no longer holds: which lines, and
/// how a re-pin that renamed an operation is mended.
fn invalid_body(ctx: &IssueContext<'_>, key: &str, fs: &[&Finding]) -> String {
    let contract = ctx.contract;
    let file = contract.file.display().to_string();
    let mut out = String::new();
    let _ = writeln!(out, "{}", plan::marker(key, &contract.name));
    let _ = writeln!(
        out,
        "{} fails validation, so apiwatch does not check **{}** ({} — {}) at all until it is fixed.\n",
        crate::report::escape::code(&file),
        cell(&contract.name),
        cell(&contract.vendor),
        cell(&contract.api)
    );
    for f in fs {
        let _ = writeln!(out, "- {}", cell(&f.message));
    }
    let _ = writeln!(out, "\n### Next steps\n");
    let _ = writeln!(
        out,
        "1. `apiwatch map` shows each problem with its line. `apiwatch ops {}` lists the operations of the pinned spec.",
        contract.name
    );
    let _ = writeln!(
        out,
        "2. After a re-pin that renamed an operation, `apiwatch pin {} --update-uses` rewrites the `[[uses]]` entries.",
        contract.name
    );
    let _ = writeln!(
        out,
        "\n_Filed by apiwatch; this issue is closed once the contract holds again._"
    );
    let _ = writeln!(out, "{}", state_line(fs));
    out
}

/// The body of an issue about a source that cannot be read: what failed, since
/// when, and what to check — nothing about adapting the integration.
fn source_body(ctx: &IssueContext<'_>, key: &str, location: &str, fs: &[&Finding]) -> String {
    let contract = ctx.contract;
    let mut out = String::new();
    let _ = writeln!(out, "{}", plan::marker(key, &contract.name));
    let _ = writeln!(
        out,
        "apiwatch could not read {} for **{}** ({} — {}), night after night.\n",
        crate::report::escape::code(location),
        cell(&contract.name),
        cell(&contract.vendor),
        cell(&contract.api)
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Owning team | {} |", cell(&contract.owners.team));
    for f in fs {
        let _ = writeln!(out, "| `{}` | {} |", f.rule, cell(&f.message));
    }
    let _ = writeln!(out, "\n### Next steps\n");
    let _ = writeln!(
        out,
        "1. Check that {} is still where the vendor publishes it (open it, or `apiwatch changelog parse` / `apiwatch diff` it).",
        crate::report::escape::code(location)
    );
    let _ = writeln!(
        out,
        "2. For a private source, check the credential its `token_env` names in {}.",
        crate::report::escape::code(&contract.file.display().to_string())
    );
    let _ = writeln!(
        out,
        "3. If the address moved, change it in the contract. Until the source reads again, its changes go unseen."
    );
    let _ = writeln!(
        out,
        "\n_Filed by apiwatch; this issue is updated in place on every run and closed once the source reads again._"
    );
    let _ = writeln!(out, "{}", state_line(fs));
    out
}

fn body(ctx: &IssueContext<'_>, key: &str, op: &str, fs: &[&Finding]) -> String {
    if let Some(location) = source_of(fs) {
        if invalid(fs) {
            return invalid_body(ctx, key, fs);
        }
        return source_body(ctx, key, location, fs);
    }
    let (contract, report_hint) = (ctx.contract, ctx.report_hint);
    let mut out = String::new();
    let _ = writeln!(out, "{}", plan::marker(key, &contract.name));
    let _ = writeln!(
        out,
        "**{}** ({} — {}) changed {}, which this integration uses.\n",
        cell(&contract.name),
        cell(&contract.vendor),
        cell(&contract.api),
        crate::report::escape::code(op)
    );
    if let Some(kind) = fs.iter().find_map(|f| f.compliance_kind.as_deref()) {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> {} is **compliance-critical ({})**. If it breaks, opt-outs or consent stop syncing.\n",
            crate::report::escape::code(op),
            cell(kind)
        );
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Contract | `{}` |", contract.name);
    let _ = writeln!(
        out,
        "| Vendor | {} — {} |",
        cell(&contract.vendor),
        cell(&contract.api)
    );
    let _ = writeln!(
        out,
        "| Pinned version | `{}` |",
        cell(&contract.pin.version)
    );
    let _ = writeln!(out, "| Owning team | {} |", cell(&contract.owners.team));
    if let Some(note) = note_for(contract, fs[0]) {
        let _ = writeln!(out, "| Why it matters | {} |", cell(note));
    }
    if let Some(s) = fs.iter().filter_map(|f| f.sunset.as_deref()).min() {
        let _ = writeln!(out, "| Sunset (due date) | **{s}** |");
    }
    if !contract.owners.mentions.is_empty() {
        let _ = writeln!(out, "| Notify | {} |", contract.owners.mentions.join(" "));
    }
    let _ = writeln!(
        out,
        "\n### Findings\n\n| severity | rule | where | before → after |\n|---|---|---|---|"
    );
    for f in fs.iter().take(MAX_TABLE_ROWS) {
        let shared = ctx
            .reach
            .get(&f.root_cause)
            .map(|r| format!(" (shared change: {r})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | `{}` | {}{shared} | {} → {} |",
            f.severity,
            f.rule,
            cell(&clip(&f.subject)),
            cell(&clip(f.before.as_deref().unwrap_or("—"))),
            cell(&clip(f.after.as_deref().unwrap_or("—")))
        );
    }
    if fs.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            out,
            "| | | … and {} more, in the run's report ({report_hint}) | |",
            fs.len() - MAX_TABLE_ROWS
        );
    }
    let _ = writeln!(out, "\n### Details\n");
    let mut details = String::new();
    for f in fs {
        finding(&mut details, f);
    }
    let _ = writeln!(out, "### Next steps\n");
    let _ = writeln!(
        out,
        "1. Check whether the integration relies on what changed (the table above)."
    );
    for spec in &contract.specs {
        let _ = writeln!(
            out,
            "2. Reproduce locally: `apiwatch diff {}/{}.json {} --contract {}`.",
            contract.pin.snapshots.display(),
            spec.name,
            spec.location,
            contract.name
        );
    }
    let _ = writeln!(
        out,
        "3. Adapt the integration, then re-pin: `apiwatch pin {}` and review the snapshot diff in a pull request.",
        contract.name
    );
    let _ = writeln!(
        out,
        "\n_Filed by apiwatch; this issue is updated in place on every run and closed when the problem is gone._"
    );
    let _ = writeln!(out, "{}", state_line(fs));
    let footer = out.split_off(out.find("### Next steps").unwrap_or(out.len()));
    let room = MAX_BODY_CHARS.saturating_sub(out.len() + footer.len() + 200);
    if details.len() > room {
        cut_at_block(&mut details, room);
        let _ = writeln!(
            details,
            "\n_… truncated; the full list is in the run's report ({report_hint})._\n"
        );
    }
    out.push_str(&details);
    out.push_str(&footer);
    out
}

/// The `note` of the `[[uses]]` entry a finding's operation matches: what breaks
/// for this integration, in its owners' words.
fn note_for<'c>(contract: &'c Contract, f: &Finding) -> Option<&'c str> {
    contract.note_for(
        f.method.as_deref(),
        f.path.as_deref(),
        f.operation_id.as_deref(),
    )
}

/// Shortens Markdown to at most `room` bytes at a block boundary (a blank line),
/// closing a code fence left open, so that what follows (the next steps and the
/// hidden state marker) never renders as code.
fn cut_at_block(text: &mut String, room: usize) {
    let mut cut = room.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = text[..cut].rfind("\n\n").map_or(cut, |i| i + 1);
    text.truncate(cut);
    if let Some(fence) = open_fence(text) {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&fence);
        text.push('\n');
    }
}

/// The fence of a code block left open at the end of `text`, as CommonMark reads
/// fences: one opens on three or more backticks or tildes (an info string may
/// follow) and closes only on a line of the same character, at least as long,
/// with nothing after it. A diff's context line "```bash" opens nothing inside one.
fn open_fence(text: &str) -> Option<String> {
    let mut open: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_start();
        let run = |c: char| line.chars().take_while(|x| *x == c).count();
        match &open {
            None => {
                for c in ['`', '~'] {
                    if run(c) >= 3 {
                        open = Some(c.to_string().repeat(run(c)));
                        break;
                    }
                }
            }
            Some(fence) => {
                let c = fence.chars().next().unwrap_or('`');
                if run(c) >= fence.len() && line.trim_end().chars().all(|x| x == c) {
                    open = None;
                }
            }
        }
    }
    open
}

fn slug(s: &str) -> String {
    s.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A file name for a rendered issue.
pub fn file_name(issue: &PlannedIssue) -> String {
    format!("{}--{}.md", issue.contract, issue.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body cut to fit GitHub's limit inside a fenced excerpt used to leave the
    /// fence open: the next steps and the state marker rendered as code.
    #[test]
    fn a_cut_body_closes_its_fences_and_keeps_the_marker_last() {
        let mut details = String::new();
        for i in 0..2_000 {
            let _ = write!(
                details,
                "#### finding {i}\n\n```diff\n- old line {i}\n+ new line {i}\n+ more\n```\n\n"
            );
        }
        for room in [1_000, 1_013, 1_020, 1_031, 5_000, 65_000] {
            let mut text = details.clone();
            cut_at_block(&mut text, room);
            assert!(text.len() <= room + 4, "{room}: {}", text.len());
            let fences = text.lines().filter(|l| l.starts_with("```")).count();
            assert_eq!(fences % 2, 0, "{room}: open fence in {text:?}");
        }
        // A context line that opens a fence in the quoted text is not a closing
        // fence inside a diff: the block stays open and is closed with its own fence.
        let mut quoted = "````diff\n  ```bash\n  echo hi\n".to_owned();
        quoted.push_str(&"+ x\n".repeat(100));
        cut_at_block(&mut quoted, 60);
        assert!(quoted.ends_with("````\n"), "{quoted}");
        assert_eq!(open_fence(&quoted), None);
        // A single block longer than the room: cut inside it, fence closed.
        let mut one = format!("```diff\n{}\n", "+ x\n".repeat(1000));
        cut_at_block(&mut one, 100);
        assert!(one.ends_with("```\n"), "{one}");
    }
}
