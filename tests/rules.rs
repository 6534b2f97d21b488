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
