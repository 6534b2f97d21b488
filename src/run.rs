//! RUN: the nightly pipeline over the whole integration map.
//!
//! For every contract, concurrently (bounded by the [`Fetcher`]'s global and
//! per-host limits): fetch each upstream spec, parse it, compare it with the pinned
//! snapshot, judge the changes against the operations in use; then collect
//! everything into one [`Report`]. One contract failing never hides the others: its
//! failure becomes a finding (`source-unreachable`, `source-invalid`,
//! `snapshot-missing`) and the run goes on. A source that fails is reported at once
//! but only becomes an issue (and fails the run) after failing several runs in a
//! row (`policy.escalate_after_failures`): vendors have bad nights.
//! Snapshots are never written here; only `apiwatch pin` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fetch::{FetchConfig, Fetcher};
use crate::finding::catalog::{Changelog, Source};
use crate::finding::{Draft, Finding, Identity, InUse, RuleId, Severity, sort_findings};
use crate::map::{Contract, FailOn, IntegrationMap, Location};
use crate::report::{ContractStatus, Report, Summary, excerpt};
use crate::snapshot;
use crate::spec::{Document, load};

/// Settings of one run.
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
}

/// What one contract produced.
#[derive(Debug)]
pub struct ContractOutcome {
    pub status: ContractStatus,
    pub findings: Vec<Finding>,
    pub failing: bool,
    /// Source key → whether it failed tonight (for the failure streaks).
    pub sources: Vec<(String, bool)>,
}

/// Told about progress; the CLI shows a bar on terminals and plain lines elsewhere.
pub trait Progress: Send + Sync {
    fn start(&self, contracts: usize);
    fn done(&self, status: &ContractStatus);
    fn finish(&self);
}

/// No progress output (tests, library use).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn done(&self, _: &ContractStatus) {}
    fn finish(&self) {}
}

/// Runs every selected contract and builds the report.
pub async fn run(
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
            eprintln!("apiwatch: cannot set up HTTP: {e}");
            return (Report::new(Vec::new()), Vec::new());
        }
    };
    let streaks = Arc::new(read_streaks(&settings.state_dir));
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
            Err(e) => eprintln!("apiwatch: a contract check crashed: {e}"),
        }
    }
    progress.finish();
    let outcomes: Vec<ContractOutcome> = outcomes.into_iter().flatten().collect();
    write_streaks(&settings.state_dir, &streaks, &outcomes);
    let mut findings: Vec<Finding> = outcomes
        .iter()
        .flat_map(|o| o.findings.iter().cloned())
        .collect();
    sort_findings(&mut findings);
    findings.sort_by(|a, b| a.contract.cmp(&b.contract));
    let summary = Summary::of(&findings);
    let report = Report {
        base: None,
        revision: None,
        contracts: outcomes.iter().map(|o| o.status.clone()).collect(),
        findings,
        summary,
    };
    (report, outcomes)
}

/// Checks one contract: every spec source against its snapshot.
pub async fn check_contract(
    contract: &Contract,
    settings: &RunSettings,
    fetcher: &Fetcher,
    streaks: &BTreeMap<String, u32>,
) -> ContractOutcome {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let mut sources = Vec::new();
    let mut pinned_docs = Vec::new();
    for spec in &contract.specs {
        let source_key = format!("{}/{}", contract.name, spec.name);
        let snap_path = contract.snapshot_path(&settings.root, &spec.name);
        let upstream = match load_upstream(
            &spec.location,
            &settings.root,
            fetcher,
            spec.credential.as_ref(),
        )
        .await
        {
            Ok(doc) => {
                sources.push((source_key, false));
                doc
            }
            Err(problem) => {
                let (message, finding) = problem.escalated(contract, streaks, &source_key);
                errors.push(message);
                findings.extend(finding);
                sources.push((source_key, true));
                continue;
            }
        };
        let pinned = match snapshot::read(&snap_path) {
            Ok(doc) => doc,
            Err(e) => {
                let shown = snap_path
                    .strip_prefix(&settings.root)
                    .unwrap_or(&snap_path)
                    .display()
                    .to_string();
                let message = format!(
                    "{shown}: no pinned snapshot to compare with ({e}); run `apiwatch pin {}`",
                    contract.name
                );
                errors.push(message.clone());
                let problem = Problem::new(Source::SnapshotMissing.into(), message, &shown);
                findings.extend(problem.into_finding(contract, true));
                continue;
            }
        };
        findings.extend(compare(contract, &pinned, &upstream, &settings.today));
        pinned_docs.push(pinned);
    }
    if !contract.changelogs.is_empty() {
        let (mut found, mut errs, mut read) =
            check_changelogs(contract, &settings.root, fetcher, &pinned_docs, streaks).await;
        findings.append(&mut found);
        errors.append(&mut errs);
        sources.append(&mut read);
    }
    sort_findings(&mut findings);
    let fail_on = settings.fail_on.unwrap_or(contract.policy.fail_on);
    let level = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    let failing = crate::report::fails(&findings, level, false);
    let in_use = findings.iter().filter(|f| f.in_use).count();
    let status = ContractStatus {
        name: contract.name.clone(),
        vendor: contract.vendor.clone(),
        api: contract.api.clone(),
        pinned_version: contract.pin.version.clone(),
        team: contract.owners.team.clone(),
        status: if !errors.is_empty() {
            "failed"
        } else if failing {
            "findings"
        } else {
            "ok"
        }
        .to_owned(),
        errors,
        findings: findings.len(),
        in_use_findings: in_use,
    };
    ContractOutcome {
        status,
        findings,
        failing,
        sources,
    }
}

/// Diffs a pinned document against an upstream one for a contract.
pub fn compare(
    contract: &Contract,
    pinned: &Document,
    upstream: &Document,
    today: &str,
) -> Vec<Finding> {
    let mut findings = crate::compare(pinned, upstream, &contract.compare_options(today));
    excerpt::attach(&mut findings, &pinned.root, &upstream.root);
    for f in &mut findings {
        f.contract = Some(contract.name.clone());
    }
    findings
}

/// Reads every changelog source of a contract and reports what is new since the
/// changelog snapshot. Returns findings and source errors.
/// Returns findings, source errors, and (source key, failed) for the failure streaks.
pub async fn check_changelogs(
    contract: &Contract,
    root: &Path,
    fetcher: &Fetcher,
    pinned: &[Document],
    streaks: &BTreeMap<String, u32>,
) -> (Vec<Finding>, Vec<String>, Vec<(String, bool)>) {
    use crate::changelog::compare::{ChangelogSnapshot, compare};
    let models: Vec<crate::spec::model::ApiModel<'_>> = pinned
        .iter()
        .map(|d| {
            crate::spec::model::ApiModel::build_with(d, &contract.policy.deprecation_extensions)
        })
        .collect();
    let model_refs: Vec<&crate::spec::model::ApiModel<'_>> = models.iter().collect();
    let relevance = crate::rules::Relevance::new(&contract.uses(), &model_refs);
    let snapshot_path = contract.changelog_snapshot_path(root);
    let snapshot = ChangelogSnapshot::read(&snapshot_path);
    let mut sources = Vec::new();
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for source in &contract.changelogs {
        let key = source.location.to_string();
        let entries = match read_changelog(source, root, fetcher, &models).await {
            Ok(e) => e,
            Err(problem) => {
                let streak_key = format!("{}/changelog:{key}", contract.name);
                let (message, finding) = problem.escalated(contract, streaks, &streak_key);
                errors.push(message);
                findings.extend(finding);
                sources.push((streak_key, true));
                continue;
            }
        };
        sources.push((format!("{}/changelog:{key}", contract.name), false));
        let before = snapshot.as_ref().and_then(|s| s.sources.get(&key));
        if entries.is_empty() {
            let message = format!(
                "{key}: no changelog entries found{} — did the page change its layout?",
                if before.is_some_and(|b| !b.is_empty()) {
                    " (the snapshot has some)"
                } else {
                    ""
                }
            );
            errors.push(message.clone());
            let problem = Problem::new(Changelog::SourceUnparseable.into(), message, &key);
            findings.extend(problem.into_finding(contract, true));
            continue;
        }
        let Some(before) = before else {
            let message = format!(
                "{key}: {} entries read, none snapshotted yet; run `apiwatch changelog {} --update` to start watching",
                entries.len(),
                contract.name
            );
            let problem = Problem::new(Changelog::SnapshotMissing.into(), message, &key);
            // Information for whoever sets the contract up, not an issue.
            findings.extend(problem.into_finding(contract, false));
            continue;
        };
        let changes = compare(before, &entries);
        findings.extend(crate::changelog::findings::findings(
            &contract.name,
            &key,
            &changes,
            &models,
            &relevance,
            &contract.policy.severity,
        ));
    }
    (findings, errors, sources)
}

/// Fetches and parses one changelog source.
pub async fn read_changelog(
    source: &crate::map::ChangelogSource,
    root: &Path,
    fetcher: &Fetcher,
    models: &[crate::spec::model::ApiModel<'_>],
) -> Result<Vec<crate::changelog::Entry>, Problem> {
    let shown = source.location.to_string();
    let fetched = fetcher
        .fetch(&source.location, root, source.credential.as_ref())
        .await
        // A changelog that cannot be read costs the lead time, not the integration:
        // its own rule, a warning by default.
        .map_err(|e| Problem::new(Changelog::SourceUnreachable.into(), e.to_string(), &shown))?;
    let base_url = match &source.location {
        Location::Url(u) => Some(u.as_str()),
        Location::File(_) => None,
    };
    let ids: Vec<String> = models
        .iter()
        .flat_map(|m| m.operations.iter().filter_map(|o| o.operation_id.clone()))
        .collect();
    let entries = crate::changelog::parse(
        &fetched.bytes,
        &crate::changelog::Source {
            name: &shown,
            kind: source.kind,
            selectors: source.selectors.as_ref(),
            base_url,
            content_type: fetched.content_type.as_deref(),
        },
        &ids,
        &source.keywords,
    )
    .map_err(|e| Problem::new(Changelog::SourceUnparseable.into(), e.to_string(), &shown))?;
    if !entries.is_empty() {
        fetcher.remember(&fetched);
    }
    Ok(entries)
}

/// A source-level failure, before it becomes a finding.
pub struct Problem {
    pub rule: RuleId,
    pub message: String,
    pub location: String,
}

impl Problem {
    fn new(rule: RuleId, message: String, location: &str) -> Problem {
        Problem {
            rule,
            message,
            location: location.to_owned(),
        }
    }

    /// A source that fails is reported at once, but becomes an issue (in use) only
    /// after failing `escalate_after_failures` runs in a row: vendors have bad nights.
    fn escalated(
        self,
        contract: &Contract,
        streaks: &BTreeMap<String, u32>,
        source_key: &str,
    ) -> (String, Option<Finding>) {
        let nights = streaks.get(source_key).copied().unwrap_or(0) + 1;
        let threshold = contract.policy.escalate_after_failures.max(1);
        let in_use = nights >= threshold;
        let message = if in_use {
            format!("{} — failing {nights} runs in a row", self.message)
        } else {
            format!(
                "{} — failing {nights} run{} in a row; an issue is filed after {threshold}",
                self.message,
                if nights == 1 { "" } else { "s" }
            )
        };
        let finding = Problem {
            message: message.clone(),
            ..self
        }
        .into_finding(contract, in_use);
        (message, finding)
    }

    /// `in_use`: whether it is an issue for the owners tonight (every operation in
    /// use depends on the source being readable).
    fn into_finding(self, contract: &Contract, in_use: bool) -> Option<Finding> {
        let draft = Draft {
            rule: self.rule,
            operation: None,
            location: self.location.clone(),
            subject: self.location.clone(),
            message: self.message,
            before: None,
            after: None,
            base_pointer: None,
            revision_pointer: None,
            in_use: InUse {
                in_use,
                compliance_kind: None,
            },
            sunset: None,
            contract: Some(contract.name.clone()),
            excerpt: None,
            op_key: format!("source {}", self.location),
            identity: Identity::Source {
                contract: &contract.name,
                location: &self.location,
            },
        };
        Finding::new(draft, &contract.policy.severity)
    }
}

/// Fetches and parses an upstream spec; the HTTP cache learns about it only once it
/// parsed. Failures are named problems.
pub async fn load_upstream(
    location: &Location,
    root: &Path,
    fetcher: &Fetcher,
    credential: Option<&crate::map::SourceCredential>,
) -> Result<Document, Problem> {
    let shown = location.to_string();
    match location {
        // Local files may use relative `$ref`s to sibling files.
        Location::File(p) => {
            let path = location.file_path(root).unwrap_or_else(|| p.clone());
            load::load_file(&path).map_err(|e| {
                let rule = if matches!(e, crate::spec::SpecError::Io { .. }) {
                    Source::Unreachable
                } else {
                    Source::Invalid
                };
                let message = e.to_string().replace(&path.display().to_string(), &shown);
                Problem::new(rule.into(), message, &shown)
            })
        }
        Location::Url(_) => {
            let fetched = fetcher
                .fetch(location, root, credential)
                .await
                .map_err(|e| {
                    let rule = match e {
                        crate::fetch::FetchError::ContentType { .. }
                        | crate::fetch::FetchError::TooLarge { .. } => Source::Invalid,
                        _ => Source::Unreachable,
                    };
                    Problem::new(rule.into(), e.to_string(), &shown)
                })?;
            let doc = load::parse_document(&fetched.bytes, &fetched.source)
                .map_err(|e| Problem::new(Source::Invalid.into(), e.to_string(), &shown))?;
            fetcher.remember(&fetched);
            Ok(doc)
        }
    }
}

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

fn write_streaks(state_dir: &Path, before: &BTreeMap<String, u32>, outcomes: &[ContractOutcome]) {
    let mut after = before.clone();
    for (key, failed) in outcomes.iter().flat_map(|o| o.sources.iter()) {
        if *failed {
            *after.entry(key.clone()).or_insert(0) += 1;
        } else {
            after.remove(key);
        }
    }
    if let Ok(bytes) = serde_json::to_vec_pretty(&after)
        && let Err(e) = snapshot::write_atomic(&streaks_path(state_dir), &bytes)
    {
        eprintln!(
            "apiwatch: warning: cannot record source failures in {}: {e}",
            state_dir.display()
        );
    }
}
