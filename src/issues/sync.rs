//! One night's issue filing: list what exists, plan, apply, remember.
//!
//! The run-to-run state (`.apiwatch/issues.json`) holds the debounce tracking and, for
//! the record, the operations GitHub did not accept. Nothing is replayed blindly:
//! tomorrow's plan, made from a fresh listing, asks again for whatever is still
//! missing. Operations on one issue depend on each other — when the body update
//! fails, the "got worse" comment is not posted (tomorrow's plan will post both), so a
//! bad night never produces duplicate comments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PlannedIssue;
use super::github::GitHub;
use super::plan::{ExistingIssue, IssueOp, Plan, PlanSettings, Tracking, plan_in};
use crate::files::write_atomic;

/// What survives from one run to the next.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IssueState {
    pub tracking: BTreeMap<String, Tracking>,
    /// Operations GitHub did not accept last time.
    pub pending: Vec<IssueOp>,
}

impl IssueState {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("issues.json")
    }

    pub fn load(state_dir: &Path) -> IssueState {
        std::fs::read(Self::path(state_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(&Self::path(state_dir), &bytes)
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
}

impl SyncOutcome {
    /// The one-line-per-issue plan for logs and `out/plan.txt`.
    pub fn lines(&self, dry_run: bool) -> Vec<String> {
        let verb = if dry_run { "would " } else { "" };
        let mut lines: Vec<String> = self
            .plan
            .ops
            .iter()
            .map(|o| format!("{verb}{}", o.describe()))
            .collect();
        for (_, title, seen, needed) in &self.plan.waiting {
            lines.push(format!(
                "waiting: {title} (seen {seen} of {needed} runs before it is filed)"
            ));
        }
        for (op, err) in &self.failed {
            lines.push(format!(
                "FAILED, kept for the next run: {} ({err})",
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
    state.pending.clear();
    if let Some(gh) = github.filter(|_| scope.apply) {
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
                Ok(()) => outcome.applied.push(op.clone()),
                Err(e) => {
                    if let Some(t) = target {
                        broken.insert(t);
                    }
                    outcome.failed.push((op.clone(), e.to_string()));
                }
            }
        }
    }
    state
        .pending
        .extend(outcome.failed.iter().map(|(op, _)| op.clone()));
    outcome.plan = tonight;
    outcome
}

fn op_issue(op: &IssueOp) -> Option<(String, u64)> {
    match op {
        IssueOp::Create { .. } => None,
        IssueOp::UpdateBody { repo, number, .. }
        | IssueOp::Comment { repo, number, .. }
        | IssueOp::Close { repo, number, .. }
        | IssueOp::Reopen { repo, number, .. }
        | IssueOp::AddLabels { repo, number, .. } => Some((repo.clone(), *number)),
    }
}
