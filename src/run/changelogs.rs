//! A contract's changelogs: each source read and compared with the changelog
//! snapshot; what is new, edited or gone becomes findings, and a source that
//! cannot be read is a finding for its owners, never silence.

use std::collections::BTreeMap;
use std::path::Path;

use super::sources::{Problem, read_changelog};
use crate::fetch::Fetcher;
use crate::finding::Finding;
use crate::finding::catalog::Changelog;
use crate::map::Contract;
use crate::spec::Document;

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
    let mut sources = Vec::new();
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let snapshot = match ChangelogSnapshot::read(&snapshot_path) {
        Ok(s) => s,
        Err(corrupt) => {
            let shown = snapshot_path
                .strip_prefix(root)
                .unwrap_or(&snapshot_path)
                .display()
                .to_string();
            let message = format!(
                "{}: its entries cannot be compared until it is restored (`git checkout -- {shown}`); nothing is treated as new",
                corrupt
                    .to_string()
                    .replace(&snapshot_path.display().to_string(), &shown)
            );
            errors.push(message.clone());
            let problem = Problem::new(Changelog::SourceUnparseable.into(), message, &shown);
            findings.extend(problem.into_finding(contract, true));
            return (findings, errors, sources);
        }
    };
    for source in &contract.changelogs {
        let key = source.location.to_string();
        let before = snapshot.as_ref().and_then(|s| s.sources.get(&key));
        let entries = match read_changelog(source, root, fetcher, &models).await {
            Ok(e) => e,
            // Read, but not in the layout the contract describes: a redesign is not a
            // bad night, and the owners hear of it at once.
            Err(problem) if problem.layout => {
                let message = format!(
                    "{}{}",
                    problem.message,
                    if before.is_some_and(|b| !b.is_empty()) {
                        " (the snapshot has entries)"
                    } else {
                        ""
                    }
                );
                errors.push(message.clone());
                sources.push((format!("{}/changelog:{key}", contract.name), false));
                findings.extend(Problem { message, ..problem }.into_finding(contract, true));
                continue;
            }
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
