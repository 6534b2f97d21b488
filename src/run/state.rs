//! What a run leaves for the next one: the last run's status per contract (for
//! `apiwatch map`) and how many runs in a row each source has failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::contract::ContractOutcome;
use crate::files::write_atomic;

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

/// Consecutive failed runs per source (`contract/spec`).
pub fn read_streaks(state_dir: &Path) -> BTreeMap<String, u32> {
    std::fs::read(streaks_path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Records tonight's failures: a streak grows for each source that failed and ends
/// for each that was read. Dry runs do not call this: debugging locally must not
/// bring an issue closer.
pub fn record_streaks(state_dir: &Path, outcomes: &[ContractOutcome]) -> std::io::Result<()> {
    let mut after = read_streaks(state_dir);
    for (key, failed) in outcomes.iter().flat_map(|o| o.sources.iter()) {
        if *failed {
            *after.entry(key.clone()).or_insert(0) += 1;
        } else {
            after.remove(key);
        }
    }
    let bytes = serde_json::to_vec_pretty(&after).map_err(std::io::Error::other)?;
    write_atomic(&streaks_path(state_dir), &bytes)
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
