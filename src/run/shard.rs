//! Scale-out on the engine users already have, a GitHub Actions matrix: `run
//! --shard I/N` checks a deterministic share of the contracts (by a hash of their
//! names) and writes its report and `shard.json`, touching neither GitHub nor the
//! state; `merge` combines the shards' outcomes into the night's report, then files
//! the issues once (so shards never race on deduplication), records the state,
//! the audit trail and Slack — exactly as an unsharded night would.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    ContractOutcome, NightSettings, Progress, RunError, RunOutcome, assemble, check_all, finish,
    outputs, prepare,
};
use crate::map::IntegrationMap;
use crate::report::Report;

/// What a shard writes beside its report.
pub const FILE: &str = "shard.json";

/// Shard `index` (1-based) of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub of: usize,
}

impl Shard {
    /// `2/4`.
    pub fn parse(text: &str) -> Option<Shard> {
        let (i, n) = text.split_once('/')?;
        let (index, of) = (i.trim().parse().ok()?, n.trim().parse().ok()?);
        (of >= 1 && (1..=of).contains(&index)).then_some(Shard { index, of })
    }

    /// Whether a contract is this shard's: by a hash of its name, so adding a
    /// contract moves no other.
    pub fn owns(self, name: &str) -> bool {
        let h = Sha256::digest(name.as_bytes());
        let n = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
        usize::try_from(n % self.of as u64).unwrap_or(0) == self.index - 1
    }
}

#[derive(Serialize, Deserialize)]
struct ShardFile {
    shard: String,
    contracts: Vec<ShardContract>,
}

/// A contract's outcome, with the grouping keys reports do not carry.
#[derive(Serialize, Deserialize)]
struct ShardContract {
    outcome: ContractOutcome,
    op_keys: Vec<String>,
}

/// Checks this shard's contracts (within `settings.check.only`) and writes the
/// report and `shard.json` to the output folder; nothing on GitHub, no state.
pub async fn run_shard(
    map: &IntegrationMap,
    settings: &NightSettings,
    shard: Shard,
    progress: Arc<dyn Progress>,
) -> Result<Report, RunError> {
    let mut check = settings.check.clone();
    let mine: Vec<String> = map
        .contracts
        .iter()
        .map(|c| c.name.clone())
        .filter(|n| shard.owns(n) && (check.only.is_empty() || check.only.contains(n)))
        .collect();
    let (report, outcomes) = if mine.is_empty() {
        // No contract is this shard's (an empty `only` would mean all of them).
        assemble(
            map,
            &["\u{0}none".to_owned()],
            Vec::new(),
            progress.as_ref(),
        )
    } else {
        check.only = mine;
        check_all(map, &check, progress).await
    };
    let io = |source: std::io::Error| RunError::Outputs {
        path: settings.out.display().to_string(),
        source,
    };
    outputs::write(&settings.out, map, &report, settings.all).map_err(io)?;
    let file = ShardFile {
        shard: format!("{}/{}", shard.index, shard.of),
        contracts: outcomes
            .into_iter()
            .map(|o| ShardContract {
                op_keys: o.findings.iter().map(|f| f.op_key.clone()).collect(),
                outcome: o,
            })
            .collect(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| io(std::io::Error::other(e)))?;
    crate::files::write_atomic(&settings.out.join(FILE), &bytes).map_err(io)?;
    Ok(report)
}

/// The outcomes in shard files (or folders holding one).
pub fn read(inputs: &[PathBuf]) -> Result<Vec<ContractOutcome>, String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    // Every shard of one split, once: a missing shard would drop its contracts
    // from the night without a word.
    let mut split: Option<usize> = None;
    let mut shards = std::collections::BTreeSet::new();
    for input in inputs {
        let path = if input.is_dir() {
            input.join(FILE)
        } else {
            input.clone()
        };
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: ShardFile = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a shard report: {e}", path.display()))?;
        let shard = Shard::parse(&file.shard)
            .ok_or_else(|| format!("{}: shard `{}` is not I/N", path.display(), file.shard))?;
        if split.is_some_and(|n| n != shard.of) {
            return Err(format!(
                "{}: shard {} belongs to another split than the others (of {})",
                path.display(),
                file.shard,
                split.unwrap_or(0)
            ));
        }
        split = Some(shard.of);
        if !shards.insert(shard.index) {
            return Err(format!(
                "{}: shard {} is given twice",
                path.display(),
                file.shard
            ));
        }
        for c in file.contracts {
            let mut outcome = c.outcome;
            if !seen.insert(outcome.status.name.clone()) {
                return Err(format!(
                    "{}: contract `{}` is in two shard reports",
                    path.display(),
                    outcome.status.name
                ));
            }
            for (f, key) in outcome.findings.iter_mut().zip(c.op_keys) {
                f.op_key = key;
            }
            out.push(outcome);
        }
    }
    if let Some(n) = split {
        let missing: Vec<String> = (1..=n)
            .filter(|i| !shards.contains(i))
            .map(|i| format!("{i}/{n}"))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "shard report{} {} missing: merge needs every shard of the night",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
    }
    Ok(out)
}

/// Combines the shards' outcomes and finishes the night once: report, issues,
/// state, audit trail, Slack.
pub async fn merge(
    map: &IntegrationMap,
    settings: &NightSettings,
    outcomes: Vec<ContractOutcome>,
    progress: Arc<dyn Progress>,
) -> Result<RunOutcome, RunError> {
    let _lock = prepare(settings, progress.as_ref())?;
    let started = jiff::Timestamp::now();
    let (report, contracts) = assemble(map, &settings.check.only, outcomes, progress.as_ref());
    finish(map, settings, report, contracts, started, progress).await
}
