//! One night's issue filing: list what exists, plan, apply, remember.
//!
//! The run-to-run state (`.apiwatch/issues.json`) holds the debounce tracking and the
//! operations GitHub did not accept. Creates, updates, closes and reopens need no
//! replay — tomorrow's plan, made from a fresh listing, asks for them again — but
//! comments do: they record a moment ("this got worse"), so they are replayed first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PlannedIssue;
use super::github::GitHub;
use super::plan::{ExistingIssue, IssueOp, Plan, PlanSettings, Tracking, plan};
use crate::snapshot::write_atomic;

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

/// Plans and (with a GitHub client) applies tonight's issue operations.
pub async fn sync(
    github: Option<&GitHub>,
    desired: &[PlannedIssue],
    state: &mut IssueState,
    default_repo: &str,
    settings: PlanSettings,
) -> SyncOutcome {
    let mut outcome = SyncOutcome::default();
    let repos: BTreeSet<String> = desired
        .iter()
        .map(|d| d.repo.clone().unwrap_or_else(|| default_repo.to_owned()))
        .chain(state.pending.iter().map(op_repo))
        .chain(std::iter::once(default_repo.to_owned()))
        .filter(|r| !r.is_empty())
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
        // Replay comments GitHub refused last time, on issues that still exist.
        for op in std::mem::take(&mut state.pending) {
            if let IssueOp::Comment { repo, number, .. } = &op {
                if existing
                    .iter()
                    .any(|e| &e.repo == repo && e.number == *number)
                {
                    match gh.apply(&op).await {
                        Ok(()) => outcome.applied.push(op),
                        Err(e) => outcome.failed.push((op, e.to_string())),
                    }
                } else if unreachable.contains(repo) {
                    state.pending.push(op);
                }
            }
        }
    }
    // Problems in unreachable repositories are tracked but not planned tonight.
    let reachable: Vec<PlannedIssue> = desired
        .iter()
        .filter(|d| {
            !unreachable.contains(&d.repo.clone().unwrap_or_else(|| default_repo.to_owned()))
        })
        .cloned()
        .collect();
    for d in desired.iter().filter(|d| {
        unreachable.contains(&d.repo.clone().unwrap_or_else(|| default_repo.to_owned()))
    }) {
        let t = state.tracking.entry(d.key.clone()).or_default();
        t.seen += 1;
        t.missing = 0;
    }
    let tonight = plan(
        &reachable,
        &existing,
        &mut state.tracking,
        default_repo,
        settings,
    );
    if let Some(gh) = github {
        for op in &tonight.ops {
            match gh.apply(op).await {
                Ok(()) => outcome.applied.push(op.clone()),
                Err(e) => outcome.failed.push((op.clone(), e.to_string())),
            }
        }
    }
    state
        .pending
        .extend(outcome.failed.iter().map(|(op, _)| op.clone()));
    outcome.plan = tonight;
    outcome
}

fn op_repo(op: &IssueOp) -> String {
    match op {
        IssueOp::Create { repo, .. }
        | IssueOp::UpdateBody { repo, .. }
        | IssueOp::Comment { repo, .. }
        | IssueOp::Close { repo, .. }
        | IssueOp::Reopen { repo, .. }
        | IssueOp::AddLabels { repo, .. } => repo.clone(),
    }
}
