//! Every rule over every fixture pair, reviewed as insta snapshots.
//!
//! `tests/fixtures/rules/<rule-id>/{base,revision}.yaml` are minimal specs written
//! for one rule family, with near-misses that rule must not flag. All rules run on
//! all fixtures, so a new rule's false positives show up in review as snapshot
//! changes. Besides the snapshot, each folder named after a rule must trigger it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use apiwatch::rules::rule;
use apiwatch::spec::load::load_file;

fn findings(dir: &Path) -> Vec<apiwatch::rules::Finding> {
    let base = load_file(&dir.join("base.yaml")).unwrap();
    let rev = load_file(&dir.join("revision.yaml")).unwrap();
    apiwatch::compare(
        &base,
        &rev,
        &apiwatch::CompareOptions {
            today: "2026-11-26".into(),
            ..Default::default()
        },
    )
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
        } else if rule(&name).is_some() {
            assert!(
                found.iter().any(|f| f.rule == name),
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
    use apiwatch::diff::diff;
    use apiwatch::rules::{JudgeContext, Relevance, Uses, judge};
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
            let json = |f: &[apiwatch::rules::Finding]| serde_json::to_string(f).unwrap();
            assert_eq!(json(&piped), json(&serial), "{}", dir.display());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} comparisons");
}
