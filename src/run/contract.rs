//! One contract's check: every spec source fetched, parsed and compared with its
//! pinned snapshot, its changelogs read, and the contract's status decided. One
//! source failing becomes a finding; it never stops the others.

use std::collections::BTreeMap;

use super::RunSettings;
use super::changelogs::check_changelogs;
use super::sources::{Problem, load_upstream};
use crate::fetch::Fetcher;
use crate::finding::catalog::Source;
use crate::finding::{Finding, Severity, sort_findings};
use crate::map::{Contract, FailOn};
use crate::report::{ContractStatus, excerpt};
use crate::snapshot;
use crate::spec::Document;

/// What one contract produced.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ContractOutcome {
    pub status: ContractStatus,
    pub findings: Vec<Finding>,
    pub failing: bool,
    /// Source key → whether it failed tonight (for the failure streaks).
    pub sources: Vec<(String, bool)>,
    /// The contract tests' results, when they ran (or were skipped for a reason).
    pub tests: Option<crate::report::tests::TestRun>,
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
    // The first spec's upstream document, when it was read (an embedded sandbox
    // serving `upstream` serves it).
    let mut first_upstream: Option<Option<crate::spec::Document>> = None;
    for (i, spec) in contract.specs.iter().enumerate() {
        let source_key = format!("{}/{}", contract.name, spec.name);
        let snap_path = contract.snapshot_path(&settings.root, &spec.name);
        let upstream = match load_upstream(
            &spec.location.with_version(&contract.pin.version),
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
                if i == 0 {
                    first_upstream = Some(None);
                }
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
        if i == 0 {
            first_upstream = Some(Some(upstream));
        }
        pinned_docs.push(pinned);
    }
    let tests = match (&settings.tests, &contract.sandbox) {
        (Some(suite), Some(_)) => {
            let (run, found) =
                contract_tests(contract, settings, suite, first_upstream.flatten()).await;
            findings.extend(found);
            Some(run)
        }
        _ => None,
    };
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
    // A contract test is the team's own statement of what matters: its findings
    // count whether or not the operation is in `[[uses]]` (a helper a case needs).
    let tested: Vec<Finding> = findings
        .iter()
        .filter(|f| matches!(f.rule, crate::finding::RuleId::Live(_)))
        .cloned()
        .collect();
    let failing =
        crate::report::fails(&findings, level, false) || crate::report::fails(&tested, level, true);
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
        tests,
    }
}

/// The contract tests, after the spec check: judged against the first spec's pin
/// (read again: the check may have failed before reading it); an embedded sandbox
/// serving `upstream` needs that spec read tonight, or the tests are skipped.
async fn contract_tests(
    contract: &Contract,
    settings: &RunSettings,
    suite: &crate::suite::Settings,
    upstream: Option<crate::spec::Document>,
) -> (crate::report::tests::TestRun, Vec<Finding>) {
    let skipped = |reason: String| {
        let run = crate::report::tests::TestRun::skipped(contract, reason);
        (run, Vec::new())
    };
    let Some(spec) = contract.specs.first() else {
        return skipped("no [[spec]]".into());
    };
    let Ok(pinned) = snapshot::read(&contract.snapshot_path(&settings.root, &spec.name)) else {
        return skipped(format!("no pinned snapshot of `{}`", spec.name));
    };
    let embedded_upstream = contract
        .sandbox
        .as_ref()
        .is_some_and(|s| s.embedded && s.serve == crate::map::Serve::Upstream);
    let served = match (&upstream, embedded_upstream) {
        (Some(doc), true) => doc,
        (None, true) => {
            return skipped(format!(
                "the embedded sandbox serves the upstream spec `{}`, which could not be read tonight",
                spec.name
            ));
        }
        (_, false) => &pinned,
    };
    let outcome = crate::suite::test_contract(
        contract,
        crate::suite::Specs::pinned(&pinned, served),
        suite,
    )
    .await;
    (outcome.run, outcome.findings)
}

/// How a contract's specs are compared.
pub fn compare_options(contract: &Contract, today: &str) -> crate::CompareOptions {
    crate::CompareOptions {
        uses: contract.uses(),
        overrides: contract.policy.severity.clone(),
        today: today.to_owned(),
        deprecation_extensions: contract.policy.deprecation_extensions.clone(),
    }
}

/// Diffs a pinned document against an upstream one for a contract.
pub fn compare(
    contract: &Contract,
    pinned: &Document,
    upstream: &Document,
    today: &str,
) -> Vec<Finding> {
    let mut findings = crate::compare(pinned, upstream, &compare_options(contract, today));
    excerpt::attach(&mut findings, &pinned.root, &upstream.root);
    for f in &mut findings {
        f.contract = Some(contract.name.clone());
        f.note = contract
            .note_for(
                f.method.as_deref(),
                f.path.as_deref(),
                f.operation_id.as_deref(),
            )
            .map(str::to_owned);
    }
    findings
}
