//! RUN: the nightly pipeline over the whole integration map.
//!
//! For every contract, concurrently: fetch each upstream spec, parse it, compare it
//! with the pinned snapshot, judge the changes against the operations in use, then
//! collect everything into one [`Report`], render it, plan the issues and record the
//! run. One contract failing never hides the others: its failure becomes a finding
//! (`source-unreachable`, `source-invalid`, `snapshot-missing`) and the run goes on.
//! Snapshots are never written here; only `apiwatch pin` (and later `upgrade`) do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::fetch;
use crate::map::{Contract, FailOn, IntegrationMap, Location};
use crate::report::{ContractStatus, Report, Summary, excerpt};
use crate::rules::{Finding, Severity, sort_findings};
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
}

/// What one contract produced.
#[derive(Debug)]
pub struct ContractOutcome {
    pub status: ContractStatus,
    pub findings: Vec<Finding>,
    pub failing: bool,
}

/// Runs every selected contract and builds the report.
pub async fn run(map: &IntegrationMap, settings: &RunSettings) -> (Report, Vec<ContractOutcome>) {
    let selected: Vec<&Contract> = map
        .contracts
        .iter()
        .filter(|c| settings.only.is_empty() || settings.only.contains(&c.name))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, c) in selected.iter().enumerate() {
        let contract = (*c).clone();
        let s = settings.clone();
        tasks.spawn(async move { (i, check_contract(&contract, &s).await) });
    }
    let mut outcomes: Vec<Option<ContractOutcome>> = (0..selected.len()).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, outcome)) => outcomes[i] = Some(outcome),
            Err(e) => eprintln!("apiwatch: a contract check crashed: {e}"),
        }
    }
    let outcomes: Vec<ContractOutcome> = outcomes.into_iter().flatten().collect();
    let mut findings: Vec<Finding> = outcomes
        .iter()
        .flat_map(|o| o.findings.iter().cloned())
        .collect();
    sort_findings_by_contract(&mut findings);
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

fn sort_findings_by_contract(findings: &mut [Finding]) {
    sort_findings(findings);
    findings.sort_by(|a, b| a.contract.cmp(&b.contract));
}

/// Checks one contract: every spec source against its snapshot.
pub async fn check_contract(contract: &Contract, settings: &RunSettings) -> ContractOutcome {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for spec in &contract.specs {
        let snap_path = contract.snapshot_path(&settings.root, &spec.name);
        let upstream = match load_upstream(&spec.location, &settings.root).await {
            Ok(doc) => doc,
            Err(problem) => {
                errors.push(problem.message.clone());
                findings.push(problem.into_finding(contract));
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
                findings.push(
                    Problem {
                        rule: "snapshot-missing",
                        message,
                        location: shown,
                    }
                    .into_finding(contract),
                );
                continue;
            }
        };
        findings.extend(compare(contract, &pinned, &upstream, &settings.today));
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

/// A source-level failure, before it becomes a finding.
pub struct Problem {
    pub rule: &'static str,
    pub message: String,
    pub location: String,
}

impl Problem {
    fn into_finding(self, contract: &Contract) -> Finding {
        let meta_severity = crate::rules::rule(self.rule)
            .map(|r| r.severity)
            .unwrap_or(Severity::Error);
        let fingerprint =
            crate::issues::issue_key(&contract.name, &format!("{}:{}", self.rule, self.location));
        Finding {
            rule: self.rule.to_owned(),
            severity: meta_severity,
            method: None,
            path: None,
            operation_id: None,
            location: self.location.clone(),
            subject: self.location,
            message: self.message,
            before: None,
            after: None,
            base_pointer: None,
            revision_pointer: None,
            // Every operation in use depends on the source being readable.
            in_use: true,
            compliance: false,
            compliance_kind: None,
            sunset: None,
            fingerprint,
            contract: Some(contract.name.clone()),
            excerpt: None,
            op_key: String::new(),
        }
    }
}

/// Fetches and parses an upstream spec; failures are named problems.
pub async fn load_upstream(location: &Location, root: &Path) -> Result<Document, Problem> {
    let shown = location.to_string();
    match location {
        // Local files may use relative `$ref`s to sibling files.
        Location::File(p) => {
            let path = if p.is_absolute() {
                p.clone()
            } else {
                root.join(p)
            };
            load::load_file(&path).map_err(|e| {
                let rule = if matches!(e, crate::spec::SpecError::Io { .. }) {
                    "source-unreachable"
                } else {
                    "source-invalid"
                };
                Problem {
                    rule,
                    message: e.to_string().replace(&path.display().to_string(), &shown),
                    location: shown.clone(),
                }
            })
        }
        Location::Url(_) => {
            let fetched = fetch::fetch(location, root).await.map_err(|e| Problem {
                rule: "source-unreachable",
                message: e.to_string(),
                location: shown.clone(),
            })?;
            load::parse_document(&fetched.bytes, &fetched.source).map_err(|e| Problem {
                rule: "source-invalid",
                message: e.to_string(),
                location: shown.clone(),
            })
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
