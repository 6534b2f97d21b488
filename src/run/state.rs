//! What a run leaves for the next one: the last run's status per contract (for
//! `apiwatch map`) and how many runs in a row each source has failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::contract::ContractOutcome;
use crate::files::{Corrupt, read_kept, write_atomic, write_kept};

/// The state a run leaves for the next one and for `apiwatch map`.
#[derive(Debug, serde::Serialize, serde::Deserialize, Default)]
pub struct LastRun {
    pub finished_at: String,
    pub contracts: BTreeMap<String, String>,
}

pub fn last_run_path(state_dir: &Path) -> PathBuf {
    state_dir.join("last-run.json")
}

/// Reads the last run's per-contract status, if there was one.
pub fn read_last_run(state_dir: &Path) -> BTreeMap<String, String> {
    std::fs::read(last_run_path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice::<LastRun>(&b).ok())
        .map(|l| l.contracts)
        .unwrap_or_default()
}

fn streaks_path(state_dir: &Path) -> PathBuf {
    state_dir.join("source-failures.json")
}

/// Consecutive failed runs per source (`contract/spec`). An unreadable file is an
/// error: read as empty, it would reset every escalation.
pub fn read_streaks(state_dir: &Path) -> Result<BTreeMap<String, u32>, Corrupt> {
    Ok(read_kept(&streaks_path(state_dir))?.unwrap_or_default())
}

/// The state files a real run depends on, checked before it starts: a corrupt one
/// stops the run with what it held and how to restore the last good copy.
pub fn check_kept(state_dir: &Path) -> Result<(), super::RunError> {
    let explain = |c: Corrupt, holds: &str| {
        let path = std::path::PathBuf::from(&c.path);
        let backup = crate::files::backup_path(&path);
        let offer = if backup.is_file() {
            format!(
                "restore the last good copy with `cp {} {}`, or delete it to start over",
                backup.display(),
                path.display()
            )
        } else {
            "there is no backup (`.bak`) of it: delete it to start over".to_owned()
        };
        super::RunError::Corrupt {
            what: c.to_string(),
            holds: holds.to_owned(),
            offer,
        }
    };
    crate::issues::sync::IssueState::load(state_dir).map_err(|c| {
        explain(
            c,
            "the debounce counters and the GitHub operations not applied yet",
        )
    })?;
    read_streaks(state_dir).map_err(|c| {
        explain(
            c,
            "how many runs in a row each source has failed (when to escalate)",
        )
    })?;
    Ok(())
}

/// Records tonight's failures: a streak grows for each source that failed and ends
/// for each that was read. Dry runs do not call this: debugging locally must not
/// bring an issue closer.
pub fn record_streaks(state_dir: &Path, outcomes: &[ContractOutcome]) -> std::io::Result<()> {
    let mut after = read_streaks(state_dir).map_err(std::io::Error::other)?;
    for (key, failed) in outcomes.iter().flat_map(|o| o.sources.iter()) {
        if *failed {
            *after.entry(key.clone()).or_insert(0) += 1;
        } else {
            after.remove(key);
        }
    }
    write_kept(&streaks_path(state_dir), &after)
}

/// Records which contracts were checked tonight and how they ended.
pub fn write_last_run(state_dir: &Path, outcomes: &[ContractOutcome]) -> std::io::Result<()> {
    let last = LastRun {
        finished_at: jiff::Timestamp::now().to_string(),
        contracts: outcomes
            .iter()
            .map(|o| (o.status.name.clone(), o.status.status.clone()))
            .collect(),
    };
    let bytes = serde_json::to_vec_pretty(&last).map_err(std::io::Error::other)?;
    write_atomic(&last_run_path(state_dir), &bytes)
}
