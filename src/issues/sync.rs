//! One night's issue filing: list what exists, plan, apply, remember.
//!
//! The run-to-run state (`.apiwatch/issues.json`) holds the debounce tracking and the
//! operations GitHub did not accept. Tomorrow's plan, made from a fresh listing, asks
//! again for whatever it can see is missing (an issue not created, a body not
//! updated, an issue still open). What a listing cannot show — the comment that
//! should follow a close or a reopen that did go through — is replayed from the
//! state first. Operations on one issue depend on each other: once one fails, the
//! rest wait for tomorrow's plan. A "got worse" comment that was posted is recorded,
//! so it is not posted again when the update after it failed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PlannedIssue;
use super::github::{GitHub, GitHubError};
use super::plan::{
    CommentKind, ExistingIssue, IssueOp, Owner, Plan, PlanSettings, Tracking, plan_in,
};
use crate::files::{Corrupt, read_kept, write_kept};

/// What survives from one run to the next.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IssueState {
    pub tracking: BTreeMap<String, Tracking>,
    /// Operations GitHub did not accept last time.
    pub pending: Vec<IssueOp>,
    /// The bot account an installation token files issues as (learned from the
    /// first issue it created): later runs own only that bot's issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_login: Option<String>,
}

impl IssueState {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("issues.json")
    }

    /// The state of the last run; none when there was none. A file that is there but
    /// unreadable is an error, never an empty state (that would restart every
    /// debounce and drop the operations GitHub has not taken yet).
    pub fn load(state_dir: &Path) -> Result<IssueState, Corrupt> {
        Ok(read_kept(&Self::path(state_dir))?.unwrap_or_default())
    }

    /// Saves the state, keeping the previous one as `issues.json.bak`.
    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        write_kept(&Self::path(state_dir), self)
    }
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct SyncOutcome {
    pub plan: Plan,
    pub applied: Vec<IssueOp>,
    pub failed: Vec<(IssueOp, String)>,
    /// Repositories that could not be listed (nothing was planned against them).
    pub unreachable: Vec<(String, String)>,
    /// Operations kept from an earlier night and applied (or, in a dry run, due) now.
    pub replayed: Vec<IssueOp>,
}

impl SyncOutcome {
    /// The one-line-per-issue plan for logs and `out/plan.txt`.
    pub fn lines(&self, dry_run: bool) -> Vec<String> {
        let verb = if dry_run { "would " } else { "" };
        let mut lines: Vec<String> = self
            .replayed
            .iter()
            .map(|o| format!("{verb}replay from the last run: {}", o.describe()))
            .collect();
        lines.extend(
            self.plan
                .ops
                .iter()
                .map(|o| format!("{verb}{}", o.describe())),
        );
        for (title, issue, why) in &self.plan.held {
            lines.push(format!(
                "held: {title} — {issue} carries apiwatch's marker but apiwatch cannot verify it filed it ({why}); not edited, nothing filed over it"
            ));
        }
        for (_, title, seen, needed) in &self.plan.waiting {
            lines.push(format!(
                "waiting: {title} (seen {seen} of {needed} runs before it is filed)"
            ));
        }
        for (op, err) in &self.failed {
            lines.push(format!(
                "FAILED, retried on the next run: {} ({err})",
                op.describe()
            ));
        }
        for (repo, err) in &self.unreachable {
            lines.push(format!(
                "FAILED: cannot list issues in {repo}; nothing filed there tonight ({err})"
            ));
        }
        if lines.is_empty() {
            lines.push("no issue changes".into());
        }
        lines
    }
}

/// Which repositories to look in and which contracts were fully checked tonight.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Every repository apiwatch may have filed into (all contracts' `owners.repo`,
    /// and `$GITHUB_REPOSITORY`), so issues of contracts quiet tonight can close.
    pub repos: BTreeSet<String>,
    /// Contracts whose problems were all evaluated tonight (selected, and every
    /// source read): only their issues can be "gone". None: all.
    pub checked: Option<BTreeSet<String>>,
    /// Apply the plan (false: a dry run that still lists, to plan accurately).
    pub apply: bool,
}

/// Plans and (with a GitHub client) applies tonight's issue operations.
pub async fn sync(
    github: Option<&GitHub>,
    desired: &[PlannedIssue],
    state: &mut IssueState,
    default_repo: &str,
    settings: PlanSettings,
    scope: &Scope,
) -> SyncOutcome {
    let mut outcome = SyncOutcome::default();
    let repo_of = |d: &PlannedIssue| d.repo.clone().unwrap_or_else(|| default_repo.to_owned());
    let repos: BTreeSet<String> = desired
        .iter()
        .map(repo_of)
        .chain(scope.repos.iter().cloned())
        .chain(std::iter::once(default_repo.to_owned()))
        .filter(|r| r.contains('/') && !r.starts_with('$'))
        .collect();
    let mut existing: Vec<ExistingIssue> = Vec::new();
    let mut unreachable = BTreeSet::new();
    if let Some(gh) = github {
        gh.remember_bot_login(state.bot_login.clone());
        for repo in &repos {
            match gh.list(repo).await {
                Ok(mut issues) => existing.append(&mut issues),
                Err(e) => {
                    unreachable.insert(repo.clone());
                    outcome.unreachable.push((repo.clone(), e.to_string()));
                }
            }
        }
    }
    // Problems in unreachable repositories are tracked but not planned tonight, and
    // nothing is closed anywhere: a missing listing proves nothing.
    let reachable: Vec<PlannedIssue> = desired
        .iter()
        .filter(|d| !unreachable.contains(&repo_of(d)))
        .cloned()
        .collect();
    for d in desired.iter().filter(|d| unreachable.contains(&repo_of(d))) {
        let t = state.tracking.entry(d.key.clone()).or_default();
        t.seen += 1;
        t.missing = 0;
        t.contract = Some(d.contract.clone());
    }
    let checked = if unreachable.is_empty() {
        scope.checked.clone()
    } else {
        Some(BTreeSet::new())
    };
    let tonight = plan_in(
        &reachable,
        &existing,
        &mut state.tracking,
        default_repo,
        settings,
        checked.as_ref(),
    );
    // Replay only what is still due, on an issue apiwatch can see is its own and in
    // the state the comment speaks of; what cannot be judged tonight waits.
    let mut replay = Vec::new();
    let mut still_pending = Vec::new();
    for op in std::mem::take(&mut state.pending)
        .into_iter()
        .filter(only_replayable)
    {
        match still_due(&op, &existing, &tonight, &unreachable) {
            Due::Now => replay.push(op),
            Due::Later => still_pending.push(op),
            Due::Never => {}
        }
    }
    let Some(gh) = github.filter(|_| scope.apply) else {
        // A dry run changes nothing: what is due stays due.
        outcome.replayed = replay.clone();
        state.pending = replay.into_iter().chain(still_pending).collect();
        outcome.plan = tonight;
        return outcome;
    };
    for op in replay {
        match gh.apply(&op).await {
            Ok(()) => outcome.replayed.push(op),
            // The issue is gone (deleted, transferred): nothing left to say.
            Err(GitHubError::Status {
                status: 404 | 410, ..
            }) => {}
            Err(e) => {
                outcome.failed.push((op.clone(), e.to_string()));
                still_pending.push(op);
            }
        }
    }
    let mut broken: BTreeSet<(String, u64)> = BTreeSet::new();
    for op in &tonight.ops {
        let target = op_issue(op);
        if target.as_ref().is_some_and(|t| broken.contains(t)) {
            outcome.failed.push((
                op.clone(),
                "skipped: an earlier operation on this issue failed".into(),
            ));
            continue;
        }
        match gh.apply(op).await {
            Ok(()) => {
                record_applied(&mut state.tracking, op);
                outcome.applied.push(op.clone());
            }
            Err(e) => {
                if let Some(t) = target {
                    broken.insert(t);
                }
                // A comment after a close or reopen that went through cannot be
                // planned again from the listing: keep it to replay.
                if only_replayable(op) {
                    still_pending.push(op.clone());
                }
                outcome.failed.push((op.clone(), e.to_string()));
            }
        }
    }
    state.pending = still_pending;
    state.bot_login = gh.bot_login().or(state.bot_login.take());
    outcome.plan = tonight;
    outcome
}

/// Whether a kept comment is to be posted tonight.
enum Due {
    Now,
    /// Not judged tonight (the repository could not be listed, or apiwatch cannot
    /// verify the issue is its own): kept.
    Later,
    /// No longer true, or said by tonight's plan anyway: dropped.
    Never,
}

fn still_due(
    op: &IssueOp,
    existing: &[ExistingIssue],
    tonight: &Plan,
    unreachable: &BTreeSet<String>,
) -> Due {
    let IssueOp::Comment {
        repo, number, kind, ..
    } = op
    else {
        return Due::Never;
    };
    if unreachable.contains(repo) {
        return Due::Later;
    }
    let Some(issue) = existing
        .iter()
        .find(|e| &e.repo == repo && e.number == *number)
    else {
        return Due::Never;
    };
    if issue.owner != Owner::Apiwatch {
        return Due::Later;
    }
    let planned_again = tonight.ops.iter().any(|o| {
        matches!(o, IssueOp::Comment { repo: r, number: n, kind: k, .. }
            if r == repo && n == number && k == kind)
    });
    // Tonight's plan changing the issue's state again makes the comment stale.
    let changes_state = |closing: bool| {
        tonight.ops.iter().any(|o| match o {
            IssueOp::Reopen {
                repo: r, number: n, ..
            } => closing && r == repo && n == number,
            IssueOp::Close {
                repo: r, number: n, ..
            } => !closing && r == repo && n == number,
            _ => false,
        })
    };
    let state_fits = match kind {
        CommentKind::Closing => !issue.open && !changes_state(true),
        CommentKind::Back => issue.open && !issue.not_planned && !changes_state(false),
        CommentKind::Worse { .. } | CommentKind::Duplicate { .. } => false,
    };
    if state_fits && !planned_again {
        Due::Now
    } else {
        Due::Never
    }
}

/// Operations tomorrow's plan cannot ask for again: the comment that follows a
/// close or a reopen (the listing shows the new state, not the missing comment).
fn only_replayable(op: &IssueOp) -> bool {
    matches!(
        op,
        IssueOp::Comment {
            kind: CommentKind::Closing | CommentKind::Back,
            ..
        }
    )
}

/// Remembers what an applied operation said, so it is not said twice.
fn record_applied(tracking: &mut BTreeMap<String, Tracking>, op: &IssueOp) {
    match op {
        IssueOp::Comment {
            key,
            kind: CommentKind::Worse { signature },
            ..
        } => {
            tracking.entry(key.clone()).or_default().announced = Some(signature.clone());
        }
        // The body's state marker now records the worsening.
        IssueOp::UpdateBody { key, .. } => {
            if let Some(t) = tracking.get_mut(key) {
                t.announced = None;
            }
        }
        _ => {}
    }
}

fn op_issue(op: &IssueOp) -> Option<(String, u64)> {
    match op {
        IssueOp::Create { .. } => None,
        IssueOp::UpdateBody { repo, number, .. }
        | IssueOp::Comment { repo, number, .. }
        | IssueOp::Close { repo, number, .. }
        | IssueOp::Reopen { repo, number, .. }
        | IssueOp::SetLabels { repo, number, .. } => Some((repo.clone(), *number)),
    }
}
