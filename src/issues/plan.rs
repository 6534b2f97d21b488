//! The pure issue planner: what tonight's report wants, what GitHub already has, and
//! what the previous runs saw, in; the operations to apply, out. No I/O, so every
//! lifecycle rule below is unit-tested on plain values.
//!
//! - **Debounce**: a problem is filed once it has been seen `debounce_runs` runs in a
//!   row (vendor specs flap for minutes to days); compliance-critical ones at once.
//! - **One issue per problem**: existing issues are matched by the hidden key marker.
//! - **Update in place**: the body is replaced only when it changed; a comment is
//!   added only when the problem got worse (new findings or a higher severity), once
//!   per worsening even when the update after it fails.
//! - **Labels apiwatch owns** (`apiwatch`, `vendor:*`, `severity:*`, `priority:*`,
//!   `compliance`) are replaced, never only added; labels people added are kept.
//! - **Close** with a comment when the problem has been gone `close_after_runs` runs.
//! - **Reopen** an issue apiwatch (or a person) closed as completed when the problem
//!   returns; never one a person closed as "not planned".
//! - **Never a person's issue**: an issue whose author apiwatch cannot verify as
//!   itself is left alone, and nothing is filed over it; the plan says so.
//! - **Debounce per contract**: only contracts checked in full tonight move their
//!   problems' counters.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::PlannedIssue;
use crate::finding::Severity;

const KEY_MARKER: &str = "<!-- apiwatch:issue=";
const STATE_MARKER: &str = "<!-- apiwatch:state ";
const COMMENT_MARKER: &str = "<!-- apiwatch:comment=";

/// The hidden marker that identifies a problem's issue.
pub fn marker(key: &str, contract: &str) -> String {
    format!("{KEY_MARKER}{key} contract={contract} -->")
}

/// A comment's body with the hidden marker that identifies it (issue key, kind,
/// and what it says), so that a comment GitHub posted but did not confirm is
/// recognised instead of posted again.
pub fn marked_comment(key: &str, kind: &CommentKind, text: &str) -> String {
    let what = match kind {
        CommentKind::Worse { signature } => format!("worse:{signature}"),
        CommentKind::Back => "back".to_owned(),
        CommentKind::Closing => "closing".to_owned(),
        CommentKind::Duplicate { of } => format!("duplicate:{of}"),
    };
    let id = crate::finding::issue_key(key, &format!("{what}\0{text}"));
    format!("{text}\n\n{COMMENT_MARKER}{id} -->")
}

/// The marker in a comment body, if apiwatch wrote it.
pub fn comment_marker(body: &str) -> Option<&str> {
    let start = body.find(COMMENT_MARKER)? + COMMENT_MARKER.len();
    let rest = &body[start..];
    Some(&rest[..rest.find(" -->")?])
}

/// The hidden marker recording what the body reported (for "got worse").
pub fn state_marker(fingerprints: &[&str], severity: Severity) -> String {
    format!(
        "{STATE_MARKER}severity={severity} fingerprints={} -->",
        fingerprints.join(",")
    )
}

/// The key in an issue body, if apiwatch wrote it.
pub fn key_of(body: &str) -> Option<String> {
    marker_fields(body).map(|(key, _)| key)
}

/// The contract an issue belongs to, from its marker.
pub fn contract_of(body: &str) -> Option<String> {
    marker_fields(body).and_then(|(_, contract)| contract)
}

fn marker_fields(body: &str) -> Option<(String, Option<String>)> {
    let start = body.find(KEY_MARKER)? + KEY_MARKER.len();
    let rest = &body[start..];
    let end = rest.find(" -->")?;
    let mut parts = rest[..end].split_whitespace();
    let key = parts.next()?.to_owned();
    let contract = parts
        .find_map(|p| p.strip_prefix("contract="))
        .map(str::to_owned);
    Some((key, contract))
}

fn recorded(body: &str) -> (Option<Severity>, BTreeSet<String>) {
    let Some(start) = body.find(STATE_MARKER).map(|i| i + STATE_MARKER.len()) else {
        return (None, BTreeSet::new());
    };
    let rest = &body[start..];
    let rest = &rest[..rest.find(" -->").unwrap_or(rest.len())];
    let mut severity = None;
    let mut fps = BTreeSet::new();
    for part in rest.split_whitespace() {
        if let Some(v) = part.strip_prefix("severity=") {
            severity = match v {
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "info" => Some(Severity::Info),
                _ => None,
            };
        } else if let Some(v) = part.strip_prefix("fingerprints=") {
            fps.extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_owned));
        }
    }
    (severity, fps)
}

/// An issue as GitHub has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingIssue {
    pub repo: String,
    pub number: u64,
    pub key: String,
    /// The contract it was filed for (from the marker).
    pub contract: Option<String>,
    pub title: String,
    pub body: String,
    pub open: bool,
    /// Closed with `state_reason: not_planned` (a person's "won't fix").
    pub not_planned: bool,
    pub labels: BTreeSet<String>,
    /// Whether apiwatch could verify that it filed the issue.
    #[serde(default)]
    pub owner: Owner,
}

/// Who filed an issue that carries apiwatch's marker, as far as apiwatch can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "owner", rename_all = "kebab-case")]
pub enum Owner {
    /// Filed by the token's own login (or, for an installation token, by a bot).
    #[default]
    Apiwatch,
    /// apiwatch cannot tell (its login could not be learned): hands off.
    Unverified { reason: String },
}

/// Labels apiwatch sets and may therefore take away.
/// GitHub matches labels without regard to case and reports them in the
/// repository's own casing (`Severity:Warning`).
pub fn is_owned_label(label: &str) -> bool {
    let label = label.to_ascii_lowercase();
    label == "apiwatch"
        || label == "compliance"
        || ["vendor:", "severity:", "priority:"]
            .iter()
            .any(|p| label.starts_with(p))
}

/// What the runs so far saw of one problem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Consecutive runs the problem was present.
    pub seen: u32,
    /// Consecutive runs it was absent.
    pub missing: u32,
    /// The contract it belongs to: a night that did not check that contract in
    /// full leaves the counters alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// The worsening last announced in a comment, until the body records it: the
    /// same worsening is never announced twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<String>,
}

/// Why a comment is posted; closing and "back" comments follow an operation that
/// changed the issue's state and are replayed if they fail after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CommentKind {
    /// New findings or a higher severity; `signature` identifies the worsening.
    Worse { signature: String },
    /// A closed issue was reopened: the problem is back.
    Back,
    /// The issue was closed: why.
    Closing,
    /// The issue repeats issue `of` (two runs filed at once): posted before the
    /// close, so a failed close simply plans both again (the marker stops a second
    /// comment).
    Duplicate { of: u64 },
}

impl Default for CommentKind {
    fn default() -> Self {
        CommentKind::Worse {
            signature: String::new(),
        }
    }
}

/// One change to make on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum IssueOp {
    Create {
        repo: String,
        key: String,
        title: String,
        body: String,
        labels: Vec<String>,
        assignees: Vec<String>,
    },
    UpdateBody {
        repo: String,
        number: u64,
        key: String,
        title: String,
        body: String,
    },
    Comment {
        repo: String,
        number: u64,
        key: String,
        body: String,
        #[serde(default)]
        kind: CommentKind,
    },
    /// Closed as completed (or as a duplicate of another issue); the closing
    /// comment is a separate operation after it.
    Close {
        repo: String,
        number: u64,
        key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duplicate_of: Option<u64>,
    },
    Reopen {
        repo: String,
        number: u64,
        key: String,
    },
    /// The issue's whole label set: apiwatch's labels as planned, people's kept.
    #[serde(alias = "add-labels")]
    SetLabels {
        repo: String,
        number: u64,
        key: String,
        labels: Vec<String>,
    },
}

impl IssueOp {
    pub fn key(&self) -> &str {
        match self {
            IssueOp::Create { key, .. }
            | IssueOp::UpdateBody { key, .. }
            | IssueOp::Comment { key, .. }
            | IssueOp::Close { key, .. }
            | IssueOp::Reopen { key, .. }
            | IssueOp::SetLabels { key, .. } => key,
        }
    }

    /// One line for the run log and the dry-run plan.
    pub fn describe(&self) -> String {
        match self {
            IssueOp::Create {
                repo,
                title,
                labels,
                ..
            } => format!("create in {repo}: {title} [{}]", labels.join(", ")),
            IssueOp::UpdateBody { repo, number, .. } => {
                format!("update {repo}#{number}: findings changed")
            }
            IssueOp::Comment {
                repo, number, kind, ..
            } => match kind {
                CommentKind::Worse { .. } => format!("comment on {repo}#{number}: it got worse"),
                CommentKind::Back => format!("comment on {repo}#{number}: the problem is back"),
                CommentKind::Closing => {
                    format!("comment on {repo}#{number}: why it was closed")
                }
                CommentKind::Duplicate { of } => {
                    format!("comment on {repo}#{number}: a duplicate of #{of}")
                }
            },
            IssueOp::Close {
                repo,
                number,
                duplicate_of: Some(of),
                ..
            } => format!("close {repo}#{number} as a duplicate of #{of}"),
            IssueOp::Close { repo, number, .. } => {
                format!("close {repo}#{number}: the problem is gone")
            }
            IssueOp::Reopen { repo, number, .. } => {
                format!("reopen {repo}#{number}: the problem is back")
            }
            IssueOp::SetLabels {
                repo,
                number,
                labels,
                ..
            } => format!("labels of {repo}#{number}: {}", labels.join(", ")),
        }
    }
}

/// Planner settings.
#[derive(Debug, Clone, Copy)]
pub struct PlanSettings {
    /// Runs a problem must be gone before its issue is closed.
    pub close_after_runs: u32,
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            close_after_runs: 2,
        }
    }
}

/// The outcome of planning: operations, and problems still waiting out their debounce.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub ops: Vec<IssueOp>,
    /// (key, title, seen, needed): not filed yet.
    pub waiting: Vec<(String, String, u32, u32)>,
    /// (title, `repo#number`, why): an issue with this problem's marker that
    /// apiwatch cannot verify it filed; left alone, nothing filed over it.
    pub held: Vec<(String, String, String)>,
}

/// Plans tonight's operations. `tracking` is updated in place for the next run.
/// `default_repo` is used for desired issues without a repository of their own.
pub fn plan(
    desired: &[PlannedIssue],
    existing: &[ExistingIssue],
    tracking: &mut BTreeMap<String, Tracking>,
    default_repo: &str,
    settings: PlanSettings,
) -> Plan {
    plan_in(desired, existing, tracking, default_repo, settings, None)
}

/// [`plan`], where `checked` (when given) names the contracts whose problems were
/// all evaluated tonight: only their issues can be "gone". A `--contract` run, or a
/// vendor outage, proves nothing about the others.
pub fn plan_in(
    desired: &[PlannedIssue],
    existing: &[ExistingIssue],
    tracking: &mut BTreeMap<String, Tracking>,
    default_repo: &str,
    settings: PlanSettings,
    checked: Option<&BTreeSet<String>>,
) -> Plan {
    let mut out = Plan::default();
    let by_key = issues_by_key(existing);
    close_duplicates(&mut out.ops, existing, &by_key);
    let desired_keys: BTreeSet<&str> = desired.iter().map(|d| d.key.as_str()).collect();
    for d in desired {
        let t = tracking.entry(d.key.clone()).or_default();
        t.seen += 1;
        t.missing = 0;
        t.contract = Some(d.contract.clone());
        let ready = d.compliance || t.seen >= d.debounce_runs.max(1);
        match by_key.get(d.key.as_str()) {
            Some(e) if e.owner != Owner::Apiwatch => {
                let Owner::Unverified { reason } = &e.owner else {
                    continue;
                };
                out.held.push((
                    d.title.clone(),
                    format!("{}#{}", e.repo, e.number),
                    reason.clone(),
                ));
            }
            None if ready => out.ops.push(IssueOp::Create {
                repo: d.repo.clone().unwrap_or_else(|| default_repo.to_owned()),
                key: d.key.clone(),
                title: d.title.clone(),
                body: d.body.clone(),
                labels: d.labels.clone(),
                assignees: d.assignees.clone(),
            }),
            None => out
                .waiting
                .push((d.key.clone(), d.title.clone(), t.seen, d.debounce_runs)),
            Some(e) if !e.open && e.not_planned => {}
            Some(e) if !e.open && !ready => {
                out.waiting
                    .push((d.key.clone(), d.title.clone(), t.seen, d.debounce_runs))
            }
            Some(e) => update_existing(&mut out.ops, d, e, t.announced.as_deref()),
        }
    }
    close_gone(
        &mut out.ops,
        &by_key,
        &desired_keys,
        tracking,
        settings,
        checked,
    );
    // Problems that vanished before ever being filed start over — if their contract
    // was checked in full tonight; a partial night proves nothing about the others.
    // An entry that does not say its contract (state from before it was recorded)
    // is left alone by a partial night too.
    let was_checked = |t: &Tracking| {
        checked.is_none_or(|set| t.contract.as_ref().is_some_and(|c| set.contains(c)))
    };
    for (key, t) in tracking.iter_mut() {
        if !desired_keys.contains(key.as_str())
            && !by_key.contains_key(key.as_str())
            && was_checked(t)
        {
            t.seen = 0;
            t.missing += 1;
        }
    }
    tracking.retain(|_, t| t.missing < 30);
    out
}

/// The issue each key is filed as. Prefer one apiwatch verified as its own, then
/// an open issue, then the oldest (the one people have been following), if two
/// runs at once filed several.
fn issues_by_key(existing: &[ExistingIssue]) -> BTreeMap<&str, &ExistingIssue> {
    let mut m: BTreeMap<&str, &ExistingIssue> = BTreeMap::new();
    let rank = |e: &ExistingIssue| {
        (
            e.owner == Owner::Apiwatch,
            e.open,
            std::cmp::Reverse(e.number),
        )
    };
    for e in existing {
        let better = match m.get(e.key.as_str()) {
            None => true,
            Some(cur) => rank(e) > rank(cur),
        };
        if better {
            m.insert(&e.key, e);
        }
    }
    m
}

/// Open issues apiwatch filed for a problem that already has its issue (two runs
/// at once each created one): each is closed as a duplicate, with a link to the
/// issue kept. People's issues are never touched.
fn close_duplicates(
    ops: &mut Vec<IssueOp>,
    existing: &[ExistingIssue],
    by_key: &BTreeMap<&str, &ExistingIssue>,
) {
    for e in existing {
        let Some(kept) = by_key.get(e.key.as_str()) else {
            continue;
        };
        if !e.open || e.owner != Owner::Apiwatch || kept.number == e.number || kept.repo != e.repo {
            continue;
        }
        let text = format!(
            "apiwatch filed this problem twice (two runs at once). It is tracked in #{}: closing this one as a duplicate.",
            kept.number
        );
        let kind = CommentKind::Duplicate { of: kept.number };
        ops.push(IssueOp::Comment {
            repo: e.repo.clone(),
            number: e.number,
            key: e.key.clone(),
            body: marked_comment(&e.key, &kind, &text),
            kind,
        });
        ops.push(IssueOp::Close {
            repo: e.repo.clone(),
            number: e.number,
            key: e.key.clone(),
            duplicate_of: Some(kept.number),
        });
    }
}

/// A problem still detected that has an issue: reopen it if closed, say what
/// changed (unless that worsening was `announced` already), and bring its text and
/// labels up to date.
fn update_existing(
    ops: &mut Vec<IssueOp>,
    d: &PlannedIssue,
    e: &ExistingIssue,
    announced: Option<&str>,
) {
    let number = e.number;
    if !e.open {
        ops.push(IssueOp::Reopen {
            repo: e.repo.clone(),
            number,
            key: d.key.clone(),
        });
    }
    if let Some((text, kind)) = followup_comment(d, e)
        && !matches!(&kind, CommentKind::Worse { signature } if Some(signature.as_str()) == announced)
    {
        ops.push(IssueOp::Comment {
            repo: e.repo.clone(),
            number,
            key: d.key.clone(),
            body: marked_comment(&d.key, &kind, &text),
            kind,
        });
    }
    // The comment goes first: if it fails, the update is skipped and tomorrow's
    // plan asks for both again. If the update fails after it, the worsening is
    // recorded as announced, so tomorrow says nothing twice.
    if e.body != d.body || e.title != d.title {
        ops.push(IssueOp::UpdateBody {
            repo: e.repo.clone(),
            number,
            key: d.key.clone(),
            title: d.title.clone(),
            body: d.body.clone(),
        });
    }
    // apiwatch's own labels as planned tonight (a warning that became an error
    // loses `severity:warning`), people's labels as they are.
    let wanted: BTreeSet<String> = e
        .labels
        .iter()
        .filter(|l| !is_owned_label(l))
        .filter(|l| !d.labels.iter().any(|w| w.eq_ignore_ascii_case(l)))
        .chain(d.labels.iter())
        .cloned()
        .collect();
    let lower = |set: &BTreeSet<String>| -> BTreeSet<String> {
        set.iter().map(|l| l.to_ascii_lowercase()).collect()
    };
    if lower(&wanted) != lower(&e.labels) {
        ops.push(IssueOp::SetLabels {
            repo: e.repo.clone(),
            number,
            key: d.key.clone(),
            labels: wanted.into_iter().collect(),
        });
    }
}

/// What to tell an issue's readers tonight, if anything: the problem is back, or
/// it got worse (new findings, a higher severity) than the issue records.
fn followup_comment(d: &PlannedIssue, e: &ExistingIssue) -> Option<(String, CommentKind)> {
    if !e.open {
        return Some((
            "The problem is back: apiwatch detects it again (details above).".into(),
            CommentKind::Back,
        ));
    }
    let (before_severity, before) = recorded(&e.body);
    // The marker holds at most the first fingerprints (sorted); only those can be told new.
    let last_marked = before.iter().next_back().cloned();
    let new: Vec<&String> = d
        .fingerprints
        .iter()
        .filter(|f| {
            !before.contains(*f)
                && last_marked
                    .as_ref()
                    .is_none_or(|l| *f <= l || before.len() < 500)
        })
        .collect();
    let escalated = before_severity.is_some_and(|s| d.severity > s);
    if new.is_empty() && !escalated {
        return None;
    }
    let what = if escalated {
        format!("severity is now **{}**", d.severity)
    } else {
        format!(
            "{} new finding{}",
            new.len(),
            if new.len() == 1 { "" } else { "s" }
        )
    };
    let new_list: Vec<&str> = new.iter().map(|f| f.as_str()).collect();
    let signature = format!("{}:{}", d.severity, new_list.join(","));
    Some((
        format!("This got worse tonight: {what}. The description above is up to date."),
        CommentKind::Worse { signature },
    ))
}

/// Issues whose problem was not detected tonight (among the contracts checked)
/// count a missed run; an open one missed long enough is closed.
fn close_gone(
    ops: &mut Vec<IssueOp>,
    by_key: &BTreeMap<&str, &ExistingIssue>,
    desired_keys: &BTreeSet<&str>,
    tracking: &mut BTreeMap<String, Tracking>,
    settings: PlanSettings,
    checked: Option<&BTreeSet<String>>,
) {
    for e in by_key
        .values()
        .filter(|e| !desired_keys.contains(e.key.as_str()))
        .filter(|e| checked.is_none_or(|set| e.contract.as_ref().is_some_and(|c| set.contains(c))))
    {
        let t = tracking.entry(e.key.clone()).or_default();
        t.seen = 0;
        t.missing += 1;
        if e.open && t.missing >= settings.close_after_runs.max(1) && e.owner == Owner::Apiwatch {
            ops.push(IssueOp::Close {
                repo: e.repo.clone(),
                number: e.number,
                key: e.key.clone(),
                duplicate_of: None,
            });
            let text = format!(
                "apiwatch has not detected this problem for {} runs in a row: closing. It will reopen this issue if the problem returns.",
                t.missing
            );
            ops.push(IssueOp::Comment {
                repo: e.repo.clone(),
                number: e.number,
                key: e.key.clone(),
                body: marked_comment(&e.key, &CommentKind::Closing, &text),
                kind: CommentKind::Closing,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(
        key: &str,
        fps: &[&str],
        severity: Severity,
        compliance: bool,
        debounce: u32,
    ) -> PlannedIssue {
        let body = format!(
            "{}\nbody {}\n{}",
            marker(key, "c"),
            fps.join(" "),
            state_marker(fps, severity)
        );
        PlannedIssue {
            key: key.into(),
            contract: "c".into(),
            repo: None,
            title: format!("[apiwatch] {key}"),
            labels: vec!["apiwatch".into()],
            assignees: vec![],
            body,
            severity,
            compliance,
            fingerprints: fps.iter().map(|s| s.to_string()).collect(),
            debounce_runs: debounce,
        }
    }

    fn existing_from(d: &PlannedIssue, number: u64) -> ExistingIssue {
        ExistingIssue {
            repo: "o/r".into(),
            number,
            key: d.key.clone(),
            contract: Some(d.contract.clone()),
            title: d.title.clone(),
            body: d.body.clone(),
            open: true,
            not_planned: false,
            labels: d.labels.iter().cloned().collect(),
            owner: Owner::Apiwatch,
        }
    }

    fn kinds(p: &Plan) -> Vec<&'static str> {
        p.ops
            .iter()
            .map(|o| match o {
                IssueOp::Create { .. } => "create",
                IssueOp::UpdateBody { .. } => "update",
                IssueOp::Comment { .. } => "comment",
                IssueOp::Close { .. } => "close",
                IssueOp::Reopen { .. } => "reopen",
                IssueOp::SetLabels { .. } => "labels",
            })
            .collect()
    }

    #[test]
    fn markers_round_trip() {
        let d = desired("abc123", &["f1", "f2"], Severity::Error, false, 1);
        assert_eq!(key_of(&d.body).as_deref(), Some("abc123"));
        assert_eq!(
            recorded(&d.body),
            (
                Some(Severity::Error),
                BTreeSet::from(["f1".to_owned(), "f2".to_owned()])
            )
        );
    }

    #[test]
    fn debounce_then_create_then_quiet() {
        let mut t = BTreeMap::new();
        let d = desired("k", &["f1"], Severity::Error, false, 2);
        let p = plan(
            std::slice::from_ref(&d),
            &[],
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        assert_eq!(kinds(&p), Vec::<&str>::new());
        assert_eq!(p.waiting.len(), 1);
        let p = plan(
            std::slice::from_ref(&d),
            &[],
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        assert_eq!(kinds(&p), ["create"]);
        let e = existing_from(&d, 7);
        let p = plan(
            std::slice::from_ref(&d),
            &[e],
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        assert!(p.ops.is_empty(), "nothing changed: {p:?}");
    }

    #[test]
    fn compliance_is_filed_on_the_first_run() {
        let mut t = BTreeMap::new();
        let p = plan(
            &[desired("k", &["f1"], Severity::Error, true, 5)],
            &[],
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        assert_eq!(kinds(&p), ["create"]);
    }

    #[test]
    fn worse_means_update_and_comment_same_set_means_update_only() {
        let mut t = BTreeMap::new();
        let before = desired("k", &["f1"], Severity::Warning, false, 1);
        let e = existing_from(&before, 3);
        let worse = desired("k", &["f1", "f2"], Severity::Warning, false, 1);
        assert_eq!(
            kinds(&plan(
                &[worse],
                std::slice::from_ref(&e),
                &mut t,
                "o/r",
                PlanSettings::default()
            )),
            ["comment", "update"]
        );
        let escalated = desired("k", &["f1"], Severity::Error, false, 1);
        assert_eq!(
            kinds(&plan(
                &[escalated],
                std::slice::from_ref(&e),
                &mut t,
                "o/r",
                PlanSettings::default()
            )),
            ["comment", "update"]
        );
        let better = desired("k", &[], Severity::Warning, false, 1);
        assert_eq!(
            kinds(&plan(
                &[better],
                &[e],
                &mut t,
                "o/r",
                PlanSettings::default()
            )),
            ["update"]
        );
    }

    #[test]
    fn closed_after_n_missing_runs_and_reopened_on_regression() {
        let mut t = BTreeMap::new();
        let d = desired("k", &["f1"], Severity::Error, false, 1);
        let mut e = existing_from(&d, 9);
        let s = PlanSettings {
            close_after_runs: 2,
        };
        assert!(
            plan(&[], std::slice::from_ref(&e), &mut t, "o/r", s)
                .ops
                .is_empty()
        );
        assert_eq!(
            kinds(&plan(&[], std::slice::from_ref(&e), &mut t, "o/r", s)),
            ["close", "comment"]
        );
        e.open = false;
        let p = plan(
            std::slice::from_ref(&d),
            std::slice::from_ref(&e),
            &mut t,
            "o/r",
            s,
        );
        assert_eq!(kinds(&p), ["reopen", "comment"]);
        // plan.txt used to call this "it got worse".
        assert_eq!(p.ops[1].describe(), "comment on o/r#9: the problem is back");
        e.not_planned = true;
        assert!(
            plan(&[d], &[e], &mut t, "o/r", s).ops.is_empty(),
            "a person's not-planned is respected"
        );
    }

    #[test]
    fn a_flapping_problem_is_never_filed() {
        let mut t = BTreeMap::new();
        let d = desired("k", &["f1"], Severity::Error, false, 2);
        for night in 0..10 {
            let tonight: Vec<PlannedIssue> = if night % 2 == 0 {
                vec![d.clone()]
            } else {
                vec![]
            };
            assert!(
                plan(&tonight, &[], &mut t, "o/r", PlanSettings::default())
                    .ops
                    .is_empty(),
                "night {night}"
            );
        }
    }

    /// A problem that escalated from warning to error used to end up with both
    /// severity labels: apiwatch's own labels are replaced, a person's are kept.
    #[test]
    fn owned_labels_are_replaced_and_peoples_kept() {
        let mut t = BTreeMap::new();
        let mut d = desired("k", &["f1"], Severity::Error, false, 1);
        d.labels = vec![
            "apiwatch".into(),
            "severity:error".into(),
            "compliance".into(),
        ];
        let mut e = existing_from(&d, 4);
        e.labels = BTreeSet::from([
            "apiwatch".to_owned(),
            "severity:warning".to_owned(),
            "team:growth".to_owned(),
        ]);
        let p = plan(&[d], &[e], &mut t, "o/r", PlanSettings::default());
        assert_eq!(
            p.ops.last(),
            Some(&IssueOp::SetLabels {
                repo: "o/r".into(),
                number: 4,
                key: "k".into(),
                labels: vec![
                    "apiwatch".into(),
                    "compliance".into(),
                    "severity:error".into(),
                    "team:growth".into()
                ]
            })
        );
    }

    /// A worsening whose comment was posted while the body update after it failed
    /// is not announced again the next night.
    #[test]
    fn a_worsening_is_announced_once() {
        let mut t = BTreeMap::new();
        let before = desired("k", &["f1"], Severity::Warning, false, 1);
        let e = existing_from(&before, 3);
        let worse = desired("k", &["f1", "f2"], Severity::Warning, false, 1);
        let p = plan(
            std::slice::from_ref(&worse),
            std::slice::from_ref(&e),
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        let Some(IssueOp::Comment {
            kind: CommentKind::Worse { signature },
            ..
        }) = p.ops.first()
        else {
            panic!("{p:?}")
        };
        // The executor records the posted comment; the update failed, so the
        // issue still shows the old body.
        t.get_mut("k").unwrap().announced = Some(signature.clone());
        let p = plan(
            std::slice::from_ref(&worse),
            &[e],
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        assert_eq!(kinds(&p), ["update"]);
    }

    /// A `--contract` run (or a night when one vendor failed) must not restart the
    /// debounce of problems of contracts it did not check.
    #[test]
    fn a_partial_night_leaves_other_contracts_counters_alone() {
        let mut t = BTreeMap::new();
        let mut other = desired("k2", &["f1"], Severity::Error, false, 3);
        other.contract = "other".into();
        let s = PlanSettings::default();
        plan(std::slice::from_ref(&other), &[], &mut t, "o/r", s);
        plan(std::slice::from_ref(&other), &[], &mut t, "o/r", s);
        // Tonight only contract `c` is checked.
        let only_c = BTreeSet::from(["c".to_owned()]);
        plan_in(&[], &[], &mut t, "o/r", s, Some(&only_c));
        assert_eq!(t["k2"].seen, 2, "{t:?}");
        let p = plan(std::slice::from_ref(&other), &[], &mut t, "o/r", s);
        assert_eq!(kinds(&p), ["create"], "filed on its third night, not late");
    }

    /// An issue apiwatch cannot verify it filed is left alone and nothing is filed
    /// over it; the plan says so.
    #[test]
    fn an_unverified_issue_is_held_not_edited() {
        let mut t = BTreeMap::new();
        let d = desired("k", &["f1", "f2"], Severity::Error, false, 1);
        let mut e = existing_from(&desired("k", &["f1"], Severity::Warning, false, 1), 5);
        e.owner = Owner::Unverified {
            reason: "GET /user: 502".into(),
        };
        let p = plan(
            &[d],
            std::slice::from_ref(&e),
            &mut t,
            "o/r",
            PlanSettings::default(),
        );
        assert!(p.ops.is_empty(), "{p:?}");
        assert_eq!(p.held.len(), 1);
        // Nor is it closed when the problem goes away.
        let s = PlanSettings {
            close_after_runs: 1,
        };
        assert!(plan(&[], &[e], &mut t, "o/r", s).ops.is_empty());
    }

    #[test]
    fn missing_labels_are_added() {
        let mut t = BTreeMap::new();
        let mut d = desired("k", &["f1"], Severity::Error, false, 1);
        let e = existing_from(&d, 4);
        d.labels.push("compliance".into());
        let p = plan(&[d], &[e], &mut t, "o/r", PlanSettings::default());
        assert_eq!(
            p.ops.last(),
            Some(&IssueOp::SetLabels {
                repo: "o/r".into(),
                number: 4,
                key: "k".into(),
                labels: vec!["apiwatch".into(), "compliance".into()]
            })
        );
    }
}
