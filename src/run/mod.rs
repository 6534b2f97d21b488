//! RUN: the nightly pipeline over the whole integration map, as stages.
//!
//! 1. **check** ([`check_all`]): for every contract, concurrently (bounded by the
//!    [`Fetcher`]'s global and per-host limits), fetch each upstream spec, parse
//!    it, compare it with the pinned snapshot, judge the changes against the
//!    operations in use, read the changelogs; everything goes into one [`Report`].
//!    One contract failing never hides the others: its failure becomes a finding
//!    (`source-unreachable`, `source-invalid`, `snapshot-missing`) and the run goes
//!    on. A source that fails is reported at once but only becomes an issue (and
//!    fails the run) after failing several runs in a row
//!    (`policy.escalate_after_failures`): vendors have bad nights.
//! 2. **outputs**: the report in every format and one rendered issue per problem.
//! 3. **filing**: tonight's issue plan, applied on GitHub (or only shown).
//! 4. **state**: the last run's status and the source failure streaks.
//!
//! [`night`] runs them in turn and returns a [`RunOutcome`]; the CLI only maps it
//! to output and an exit code. Contract tests and probes slot in as further stages
//! feeding the same findings. Nothing here prints: progress and warnings go to the
//! [`Progress`] sink. Snapshots are never written here; only `apiwatch pin` does.

mod annotations;
mod changelogs;
mod check;
mod contract;
mod filing;
mod lock;
mod outputs;
pub mod shard;
pub mod slack;
mod sources;
mod state;
mod summary;
mod trail;

use std::path::PathBuf;
use std::sync::Arc;

use crate::fetch::{FetchConfig, Fetcher};
use crate::finding::{Finding, sort_findings};
use crate::issues::github::{GitHubConfig, GitHubError};
use crate::map::{Contract, FailOn, IntegrationMap};
use crate::report::{ContractStatus, Report, Summary};

pub use annotations::lines as annotations;
pub use check::{check_map, did_you_mean, hint, load_contracts, load_map, load_map_lenient};
pub use contract::{ContractOutcome, check_contract, compare, compare_options};
pub use lock::{LockError, StateLock, lock_path};
pub use sources::{Problem, load_upstream, read_changelog};
pub use state::{LastRun, last_run_path, read_last_run, read_streaks, record_streaks};
pub use summary::job_summary;

/// Settings of the check stage.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub root: PathBuf,
    /// Only these contracts (all when empty).
    pub only: Vec<String>,
    /// Overrides every contract's `policy.fail_on`.
    pub fail_on: Option<FailOn>,
    /// `YYYY-MM-DD`, for sunset comparisons.
    pub today: String,
    pub fetch: FetchConfig,
    /// Where the HTTP cache and run-to-run state live.
    pub state_dir: PathBuf,
    /// How contract tests run, after each contract's spec check (`None`: not run).
    pub tests: Option<crate::suite::Settings>,
}

/// Settings of the whole night: the check, then where the outputs go and how
/// issues are filed.
#[derive(Debug, Clone)]
pub struct NightSettings {
    pub check: RunSettings,
    /// Folder for the report, the plan, the summary and the rendered issues.
    pub out: PathBuf,
    /// Plan and render issues, write nothing on GitHub.
    pub dry_run: bool,
    /// Close an issue once its problem has been gone this many runs in a row.
    pub close_after: u32,
    /// GitHub, when a token is set (a dry run with one still lists, to plan).
    pub github: Option<GitHubConfig>,
    /// Where issues of contracts without `owners.repo` go (`$GITHUB_REPOSITORY`).
    pub default_repo: Option<String>,
    /// A file the job summary is appended to (`$GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<PathBuf>,
    /// Every finding in the Markdown and text reports, not only those in use.
    pub all: bool,
}

/// What a night produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: Report,
    pub contracts: Vec<ContractOutcome>,
    /// One line per issue: what was (or would be) done.
    pub plan: Vec<String>,
    /// What Slack was told (or, in a dry run, would be).
    pub notices: Vec<String>,
    /// Some issue operations could not be applied on GitHub; they are kept in the
    /// state folder and retried on the next run.
    pub filing_incomplete: bool,
}

impl RunOutcome {
    /// Whether any contract fails at its `fail_on` level.
    pub fn failing(&self) -> bool {
        self.contracts.iter().any(|o| o.failing)
    }
}

/// Why a night could not be completed (the report may still have been written).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{path}: cannot write the run's outputs: {source}")]
    Outputs {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: cannot record the run: {source}")]
    State {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("{what}. It holds {holds}; {offer}")]
    Corrupt {
        what: String,
        holds: String,
        offer: String,
    },
    #[error("no GitHub token (set APIWATCH_GITHUB_TOKEN or GITHUB_TOKEN), or pass --dry-run")]
    NoToken,
    #[error(
        "contract `{0}` has no owners.repo and GITHUB_REPOSITORY is not set: nowhere to file its issues"
    )]
    NoRepository(String),
    #[error(transparent)]
    GitHub(#[from] GitHubError),
}

/// Told about progress and warnings; the CLI shows a bar on terminals and plain
/// lines elsewhere. The library reports through this, never by printing.
pub trait Progress: Send + Sync {
    fn start(&self, contracts: usize);
    fn done(&self, status: &ContractStatus);
    /// The check stage is over: every contract's status.
    fn finish(&self, statuses: &[ContractStatus]);
    /// Something went wrong that does not stop the run (a cache or state file
    /// that cannot be written, a contract check that crashed).
    fn warn(&self, message: &str);
}

/// No progress output (tests, library use).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn done(&self, _: &ContractStatus) {}
    fn finish(&self, _: &[ContractStatus]) {}
    fn warn(&self, _: &str) {}
}

/// The whole night: check, write outputs, file issues, record the run.
///
/// A real run holds the state folder's lock throughout ([`StateLock`]); a dry run
/// changes no state (failure streaks, the issue ledger), so it needs none.
pub async fn night(
    map: &IntegrationMap,
    settings: &NightSettings,
    progress: Arc<dyn Progress>,
) -> Result<RunOutcome, RunError> {
    let _lock = prepare(settings, progress.as_ref())?;
    let started = jiff::Timestamp::now();
    let (report, contracts) = check_all(map, &settings.check, progress.clone()).await;
    finish(map, settings, report, contracts, started, progress).await
}

/// Takes the state folder's lock (a real run) and clears temp files an interrupted
/// run left; the lock is held until the returned value is dropped.
pub fn prepare(
    settings: &NightSettings,
    progress: &dyn Progress,
) -> Result<Option<StateLock>, RunError> {
    let state_dir = &settings.check.state_dir;
    let lock = if settings.dry_run {
        None
    } else {
        let lock = StateLock::acquire(state_dir)?;
        if let Some(holder) = &lock.taken_over {
            progress.warn(&format!(
                "{}: the last run holding it ({holder}) did not finish; its lock is taken over",
                lock_path(state_dir).display()
            ));
        }
        state::check_kept(state_dir)?;
        Some(lock)
    };
    // Temp files of a run killed mid-write (`kill -9`): they can be a whole spec each.
    // Only a real run, holding the lock, clears them.
    let clean: &[PathBuf] = if settings.dry_run {
        &[]
    } else {
        &[settings.check.root.join("snapshots"), state_dir.clone()]
    };
    for dir in clean {
        let removed = crate::files::remove_stale_temp_files(dir);
        if removed > 0 {
            progress.warn(&format!(
                "{}: removed {removed} temp file{} left by an interrupted run",
                dir.display(),
                if removed == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(lock)
}

/// Everything after the check: outputs, filing, state, the audit trail and Slack.
/// A night runs it after checking; `merge` after combining the shards' checks.
pub async fn finish(
    map: &IntegrationMap,
    settings: &NightSettings,
    report: Report,
    contracts: Vec<ContractOutcome>,
    started: jiff::Timestamp,
    progress: Arc<dyn Progress>,
) -> Result<RunOutcome, RunError> {
    let state_dir = &settings.check.state_dir;
    let desired = outputs::write(&settings.out, map, &report, settings.all).map_err(|source| {
        RunError::Outputs {
            path: settings.out.display().to_string(),
            source,
        }
    })?;
    let checked: std::collections::BTreeSet<String> = contracts
        .iter()
        .filter(|o| o.status.status != "failed")
        .map(|o| o.status.name.clone())
        .collect();
    let filed = filing::file(settings, map, &report, &desired, checked.clone()).await?;
    if !settings.dry_run
        && let Err(e) = record_streaks(state_dir, &contracts)
    {
        progress.warn(&format!(
            "cannot record source failures in {}: {e}",
            state_dir.display()
        ));
    }
    state::write_last_run(state_dir, &contracts).map_err(|source| RunError::State {
        path: state_dir.display().to_string(),
        source,
    })?;
    let policy = settings
        .github
        .as_ref()
        .map(crate::issues::github::GitHubConfig::retry_policy)
        .unwrap_or(crate::retry::RetryPolicy {
            max_attempts: 4,
            min_delay: std::time::Duration::from_secs(1),
            max_delay: std::time::Duration::from_secs(8),
            max_wait: std::time::Duration::from_secs(60),
        });
    let notices =
        match slack::notify(map, &desired, &checked, state_dir, settings.dry_run, policy).await {
            Ok(lines) => lines,
            Err(e) => {
                progress.warn(&format!("cannot keep what Slack was told: {e}"));
                Vec::new()
            }
        };
    let mut said = filed.plan.clone();
    said.extend(notices.iter().cloned());
    let (lines, seen) = trail::lines(
        state_dir,
        started,
        &contracts,
        &report.findings,
        &said,
        settings.dry_run,
    );
    if let Err(e) = trail::record(&settings.out, state_dir, &lines, &seen, settings.dry_run) {
        progress.warn(&format!("cannot write the audit log: {e}"));
    }
    Ok(RunOutcome {
        report,
        contracts,
        notices,
        plan: filed.plan,
        filing_incomplete: !filed.complete,
    })
}

/// A finding that says a spec source could not be read tonight (so its contract
/// was not checked). A changelog that cannot be read costs lead time, not the
/// check, and has its own warning.
pub fn spec_unread(f: &Finding) -> bool {
    use crate::finding::RuleId;
    use crate::finding::catalog::Source;
    matches!(
        f.rule,
        RuleId::Source(Source::Unreachable | Source::Invalid)
    )
}

/// The check stage: every selected contract, and the report. It reads the failure
/// streaks but records nothing: [`record_streaks`] does, after a real run.
pub async fn check_all(
    map: &IntegrationMap,
    settings: &RunSettings,
    progress: Arc<dyn Progress>,
) -> (Report, Vec<ContractOutcome>) {
    let selected: Vec<&Contract> = map
        .contracts
        .iter()
        .filter(|c| settings.only.is_empty() || settings.only.contains(&c.name))
        .collect();
    progress.start(selected.len());
    let fetcher = match Fetcher::new(settings.fetch.clone(), Some(&settings.state_dir)) {
        Ok(f) => Arc::new(f),
        Err(e) => {
            progress.warn(&format!("cannot set up HTTP: {e}"));
            return (Report::new(Vec::new()), Vec::new());
        }
    };
    // A real run checked the file first; a dry run with a corrupt one says so and
    // counts from zero (it records nothing).
    let streaks = Arc::new(read_streaks(&settings.state_dir).unwrap_or_else(|c| {
        progress.warn(&c.to_string());
        Default::default()
    }));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, c) in selected.iter().enumerate() {
        let (contract, s, f, st, p) = (
            (*c).clone(),
            settings.clone(),
            fetcher.clone(),
            streaks.clone(),
            progress.clone(),
        );
        tasks.spawn(async move {
            let outcome = check_contract(&contract, &s, &f, &st).await;
            p.done(&outcome.status);
            (i, outcome)
        });
    }
    let mut outcomes: Vec<Option<ContractOutcome>> = (0..selected.len()).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, outcome)) => outcomes[i] = Some(outcome),
            Err(e) => progress.warn(&format!("a contract check crashed: {e}")),
        }
    }
    let outcomes: Vec<ContractOutcome> = outcomes.into_iter().flatten().collect();
    for warning in fetcher.take_warnings() {
        progress.warn(&warning);
    }
    assemble(map, &settings.only, outcomes, progress.as_ref())
}

/// The night's report from the contracts' outcomes (and the map's invalid
/// contracts, within `only`): statuses, findings in order, tests. A whole night and
/// a merge of shards assemble it the same way.
pub fn assemble(
    map: &IntegrationMap,
    only: &[String],
    mut outcomes: Vec<ContractOutcome>,
    progress: &dyn Progress,
) -> (Report, Vec<ContractOutcome>) {
    outcomes.sort_by(|a, b| a.status.name.cmp(&b.status.name));
    let selected = |name: &String| only.is_empty() || only.contains(name);
    let mut statuses: Vec<ContractStatus> = outcomes.iter().map(|o| o.status.clone()).collect();
    // Contracts that failed validation: not checked, and said so in the report.
    statuses.extend(
        map.invalid
            .iter()
            .filter(|i| selected(&i.name))
            .map(|i| ContractStatus {
                name: i.name.clone(),
                vendor: String::new(),
                api: String::new(),
                pinned_version: String::new(),
                team: String::new(),
                status: "invalid".to_owned(),
                errors: i.errors.clone(),
                findings: 0,
                in_use_findings: 0,
            }),
    );
    statuses.sort_by(|a, b| a.name.cmp(&b.name));
    progress.finish(&statuses);
    let mut findings: Vec<Finding> = outcomes
        .iter()
        .flat_map(|o| o.findings.iter().cloned())
        .collect();
    // An invalid contract whose file parsed is a problem for its owners.
    for i in map.invalid.iter().filter(|i| selected(&i.name)) {
        if let Some(contract) = &i.contract {
            let file = contract.file.display().to_string();
            let message = format!(
                "{file} no longer holds, so this contract is not checked: {}",
                i.errors.join("; ")
            );
            findings.extend(
                Problem::new(
                    crate::finding::catalog::Source::ContractInvalid.into(),
                    message,
                    &file,
                )
                .into_finding(contract, true),
            );
        }
    }
    sort_findings(&mut findings);
    findings.sort_by(|a, b| a.contract.cmp(&b.contract));
    let summary = Summary::of(&findings);
    let report = Report {
        base: None,
        revision: None,
        contracts: statuses,
        findings,
        summary,
        tests: outcomes.iter().filter_map(|o| o.tests.clone()).collect(),
    };
    (report, outcomes)
}
