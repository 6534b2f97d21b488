//! Every rule over every fixture pair, reviewed as insta snapshots.
//!
//! `tests/fixtures/rules/<rule-id>/{base,revision}.yaml` are minimal specs written
//! for one rule family, with near-misses that rule must not flag. All rules run on
//! all fixtures, so a new rule's false positives show up in review as snapshot
//! changes. Besides the snapshot, each folder named after a rule must trigger it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use std::collections::{BTreeMap, BTreeSet};

use apiwatch::finding::catalog::{
    BoundKind, BoundMove, PropertyRule, PropertySubject, SchemaRule, Subject,
};
use apiwatch::finding::{Finding, RuleId};
use apiwatch::spec::load::load_file;

fn compare(base: &Path, revision: &Path) -> Vec<Finding> {
    let base = load_file(base).unwrap();
    let rev = load_file(revision).unwrap();
    apiwatch::compare(
        &base,
        &rev,
        &apiwatch::CompareOptions {
            today: "2026-11-26".into(),
            ..Default::default()
        },
    )
}

fn findings(dir: &Path) -> Vec<Finding> {
    compare(&dir.join("base.yaml"), &dir.join("revision.yaml"))
}

fn fixture_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir("tests/fixtures/rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("base.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_rule_over_every_fixture() {
    insta::glob!("fixtures/rules/*/base.yaml", |base| {
        let dir = base.parent().unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let found = findings(dir);
        let lines: Vec<String> = found
            .iter()
            .map(|f| {
                format!(
                    "{:<7} {} {} {} | {}",
                    f.severity.as_str(),
                    f.rule,
                    f.method.as_deref().unwrap_or("-"),
                    f.path.as_deref().unwrap_or("-"),
                    f.message
                )
            })
            .collect();
        if name.starts_with("no-change-") {
            assert!(
                lines.is_empty(),
                "refactors reported as changes: {lines:#?}"
            );
        } else if RuleId::parse(&name).is_some() {
            assert!(
                found.iter().any(|f| f.rule == name.as_str()),
                "{name}: the fixture does not trigger its rule: {lines:#?}"
            );
        }
        insta::assert_snapshot!(lines.join("\n"));
    });
}

/// `apiwatch::compare` judges on a second thread while the diff goes on, and merges
/// sorted batches; the result must be exactly what the stages give one after the
/// other on one thread.
#[test]
fn the_two_thread_pipeline_equals_the_stages_run_in_turn() {
    use apiwatch::config::Uses;
    use apiwatch::diff::diff;
    use apiwatch::rules::{JudgeContext, Relevance, judge};
    use apiwatch::spec::model::ApiModel;

    let mut checked = 0;
    for entry in std::fs::read_dir("tests/fixtures/rules").unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("base.yaml").is_file() {
            continue;
        }
        let base = load_file(&dir.join("base.yaml")).unwrap();
        let rev = load_file(&dir.join("revision.yaml")).unwrap();
        // Both documents as base and as revision: removals and additions alike.
        for (b, r) in [(&base, &rev), (&rev, &base)] {
            let (bm, rm) = (ApiModel::build(b), ApiModel::build(r));
            let changes = diff(&bm, &rm, &b.root, &r.root);
            let relevance = Relevance::new(&Uses::default(), &[&bm, &rm]);
            let overrides = Default::default();
            let serial = judge(
                &changes,
                &JudgeContext {
                    relevance: &relevance,
                    overrides: &overrides,
                    today: "2026-11-26".into(),
                },
            );
            let piped = apiwatch::compare(
                b,
                r,
                &apiwatch::CompareOptions {
                    today: "2026-11-26".into(),
                    ..Default::default()
                },
            );
            let json = |f: &[apiwatch::finding::Finding]| serde_json::to_string(f).unwrap();
            assert_eq!(json(&piped), json(&serial), "{}", dir.display());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} comparisons");
}

/// Rules no spec fixture fires, each with the reason. Reviewed: a rule that loses
/// its fixture, or gains one, fails the test below until this list says so.
const NOT_FIRED_BY_SPEC_FIXTURES: &[(&str, &str)] = &[
    (
        "changelog-breaking-announced",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-deprecation-announced",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-sunset-announced",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-removal-announced",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-entry-new",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-entry-edited",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-entry-removed",
        "made from changelog entries: tests/changelog.rs",
    ),
    (
        "changelog-source-unparseable",
        "made by `apiwatch run` for a changelog source: tests/cli.rs",
    ),
    (
        "changelog-source-unreachable",
        "made by `apiwatch run` for a changelog source: tests/cli.rs",
    ),
    (
        "changelog-snapshot-missing",
        "made by `apiwatch run` for a changelog source: tests/cli.rs",
    ),
    (
        "source-unreachable",
        "made by `apiwatch run` when a spec cannot be fetched: tests/cli.rs",
    ),
    (
        "source-invalid",
        "made by `apiwatch run` when a spec does not parse: tests/cli.rs",
    ),
    (
        "snapshot-missing",
        "made by `apiwatch run` when nothing is pinned: tests/cli.rs",
    ),
    (
        "contract-invalid",
        "made by `apiwatch run` for a contract that fails validation: tests/cli.rs",
    ),
    (
        "sandbox-status-undocumented",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-status-unexpected",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-schema-violation",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-field-missing",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-content-type",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-header-missing",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-sunset-header",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-deprecation-header",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-auth-failed",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-credentials-expired",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-credentials-rotated",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-rate-limited",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-budget-exhausted",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-unreachable",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-slow",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-production-refused",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "sandbox-cases-invalid",
        "made by the contract tests against a fake vendor sandbox: tests/contract_tests.rs",
    ),
    (
        "webhook-forgery-accepted",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-replay-accepted",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-valid-rejected",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-duplicate-rejected",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-receiver-unreachable",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-signature-invalid",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-payload-invalid",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
    (
        "webhook-deliveries-missing",
        "made by `apiwatch webhook replay` / `receive` on loopback: tests/webhooks.rs",
    ),
];

/// Keyword rules no subject fires, with the reason.
const KEYWORDS_NEVER_FIRED: &[(&str, &str)] = &[
    (
        "min-length-set",
        "an absent minLength reads as 0: setting one is `min-length-increased`",
    ),
    (
        "min-length-removed",
        "an absent minLength reads as 0: removing one is `min-length-decreased`",
    ),
    (
        "min-items-set",
        "an absent minItems reads as 0: setting one is `min-items-increased`",
    ),
    (
        "min-items-removed",
        "an absent minItems reads as 0: removing one is `min-items-decreased`",
    ),
    (
        "min-properties-set",
        "an absent minProperties reads as 0: see `min-properties-increased`",
    ),
    (
        "min-properties-removed",
        "an absent minProperties reads as 0: see `min-properties-decreased`",
    ),
];

/// Every declared rule is fired by a fixture (in one direction or the other) or
/// listed above with the reason it is not. Schema rules are the product of a
/// subject and a keyword, which the classifier picks independently (the subject
/// from where the change sits, the keyword from what changed; every pairing is
/// classified in `rules::tests`): every subject and every keyword must fire.
#[test]
fn every_declared_rule_is_fired_by_a_fixture_or_explained() {
    let mut fired: BTreeSet<RuleId> = BTreeSet::new();
    for dir in fixture_dirs() {
        let (b, r) = (dir.join("base.yaml"), dir.join("revision.yaml"));
        fired.extend(compare(&b, &r).iter().map(|f| f.rule));
        fired.extend(compare(&r, &b).iter().map(|f| f.rule));
    }
    let explained: BTreeMap<&str, &str> = NOT_FIRED_BY_SPEC_FIXTURES.iter().copied().collect();
    let keyword_explained: BTreeMap<&str, &str> = KEYWORDS_NEVER_FIRED.iter().copied().collect();
    let mut subjects: BTreeSet<Subject> = BTreeSet::new();
    let mut keywords: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    for rule in RuleId::all() {
        let keyword = match rule {
            RuleId::Schema(s, k) => Some((s, k.row().suffix.into_owned())),
            RuleId::Bound(s, k, m) => Some((s, bound_suffix(k, m))),
            RuleId::Property(s, k) => Some((s.subject(), k.row().suffix.into_owned())),
            _ => None,
        };
        match keyword {
            Some((subject, suffix)) => {
                if fired.contains(&rule) {
                    subjects.insert(subject);
                    keywords.insert(suffix);
                }
            }
            None => match (fired.contains(&rule), explained.get(rule.as_str())) {
                (true, Some(_)) => {
                    problems.push(format!("{rule} is fired now: drop it from the list"))
                }
                (false, None) => {
                    problems.push(format!("{rule} is fired by no fixture and not explained"))
                }
                _ => {}
            },
        }
    }
    for &subject in Subject::ALL {
        if !subjects.contains(&subject) {
            problems.push(format!("subject {subject:?} fires no rule in any fixture"));
        }
    }
    let all_keywords: BTreeSet<String> = SchemaRule::ALL
        .iter()
        .map(|k| k.row().suffix.into_owned())
        .chain(
            PropertyRule::ALL
                .iter()
                .map(|k| k.row().suffix.into_owned()),
        )
        .chain(
            BoundKind::ALL
                .iter()
                .flat_map(|&k| BoundMove::ALL.iter().map(move |&m| bound_suffix(k, m))),
        )
        .collect();
    for k in &all_keywords {
        match (
            keywords.contains(k),
            keyword_explained.contains_key(k.as_str()),
        ) {
            (true, true) => {
                problems.push(format!("keyword {k} is fired now: drop it from the list"))
            }
            (false, false) => problems.push(format!(
                "keyword {k} is fired by no fixture and not explained"
            )),
            _ => {}
        }
    }
    assert!(PropertySubject::ALL.len() < Subject::ALL.len());
    assert!(problems.is_empty(), "{problems:#?}");
}

fn bound_suffix(kind: BoundKind, moved: BoundMove) -> String {
    RuleId::Bound(Subject::RequestBody, kind, moved)
        .as_str()
        .trim_start_matches("request-body-")
        .to_owned()
}
