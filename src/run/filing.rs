//! The filing stage: tonight's issues planned against what is open on GitHub,
//! applied (or, in a dry run, only shown), the plan and the job summary written.

use std::collections::BTreeSet;

use super::{NightSettings, RunError, summary};
use crate::files::write_atomic;
use crate::issues::PlannedIssue;
use crate::issues::github::GitHub;
use crate::issues::plan::PlanSettings;
use crate::issues::sync::{self, IssueState, Scope};
use crate::map::IntegrationMap;
use crate::report::Report;

/// What filing did.
pub struct Filed {
    /// One line per issue.
    pub plan: Vec<String>,
    /// Every operation was applied (or none was due).
    pub complete: bool,
}

/// Files (or, in a dry run, plans) tonight's issues; writes plan.txt and summary.md
/// (and appends the summary to `$GITHUB_STEP_SUMMARY`). `checked`: contracts checked
/// in full tonight, the only ones whose issues may close.
pub async fn file(
    settings: &NightSettings,
    map: &IntegrationMap,
    rep: &Report,
    desired: &[PlannedIssue],
    checked: BTreeSet<String>,
) -> Result<Filed, RunError> {
    let dry_run = settings.dry_run;
    // With a token, even a dry run lists the existing issues (read-only) so that its
    // plan says what a real run would do.
    let github = match &settings.github {
        Some(config) => Some(GitHub::new(config.clone())?),
        None if dry_run => None,
        None => return Err(RunError::NoToken),
    };
    let default_repo = settings.default_repo.as_deref().unwrap_or("");
    if !dry_run
        && let Some(d) = desired
            .iter()
            .find(|d| d.repo.is_none() && default_repo.is_empty())
    {
        return Err(RunError::NoRepository(d.contract.clone()));
    }
    let state_dir = &settings.check.state_dir;
    let mut state = match IssueState::load(state_dir) {
        Ok(state) => state,
        // Checked before a real run; a dry run plans from scratch and saves nothing.
        Err(_) if dry_run => IssueState::default(),
        Err(c) => {
            return Err(RunError::State {
                path: c.path,
                source: std::io::Error::other(c.message),
            });
        }
    };
    let scope = Scope {
        repos: map
            .contracts
            .iter()
            .filter_map(|c| c.owners.repo.clone())
            .collect(),
        checked: Some(checked),
        apply: !dry_run,
    };
    let shown_repo = if default_repo.is_empty() {
        "$GITHUB_REPOSITORY"
    } else {
        default_repo
    };
    let plan_settings = PlanSettings {
        close_after_runs: settings.close_after,
    };
    let outcome = sync::sync(
        github.as_ref(),
        desired,
        &mut state,
        shown_repo,
        plan_settings,
        &scope,
    )
    .await;
    let state_error = |source| RunError::State {
        path: state_dir.display().to_string(),
        source,
    };
    // A dry run only shows what would happen: debounce counters move on real runs.
    if !dry_run {
        state.save(state_dir).map_err(state_error)?;
    }
    let lines = outcome.lines(dry_run);
    let outputs_error = |source| RunError::Outputs {
        path: settings.out.display().to_string(),
        source,
    };
    let plan: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write_atomic(&settings.out.join("plan.txt"), plan.as_bytes()).map_err(outputs_error)?;
    let summary = summary::job_summary(map, rep, &lines);
    write_atomic(&settings.out.join("summary.md"), summary.as_bytes()).map_err(outputs_error)?;
    if let Some(path) = &settings.step_summary {
        append(path, &summary).map_err(|source| RunError::Outputs {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(Filed {
        plan: lines,
        complete: outcome.failed.is_empty() && outcome.unreachable.is_empty(),
    })
}

fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(text.as_bytes())
}
