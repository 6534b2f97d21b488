//! Real vendor specs, from the directory named by `APIWATCH_CORPUS` (set by
//! `.github/workflows/corpus.yml`, which fills it with `ci/fetch-corpus`), else from
//! `../shared/corpus` (beside the checkout). These tests skip, saying so, when neither
//! is there (a user's fresh clone has none); they fail when `APIWATCH_CORPUS` is set
//! but holds no corpus, so a misconfigured CI cannot pass by skipping.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use apiwatch::diff::diff;
use apiwatch::finding::Finding;
use apiwatch::spec::{load::load_file, model::ApiModel};

fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("APIWATCH_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("MANIFEST.json").is_file(),
            "APIWATCH_CORPUS is set to {:?}, but {:?} does not exist: \
             fill it with `ci/fetch-corpus {}` or unset APIWATCH_CORPUS",
            dir,
            dir.join("MANIFEST.json"),
            dir.display()
        );
        return Some(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("MANIFEST.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: no spec corpus: APIWATCH_CORPUS is not set and ../shared/corpus \
             (beside the checkout) is not present; `ci/fetch-corpus DIR` then \
             `APIWATCH_CORPUS=DIR cargo test --test corpus` runs these tests"
        );
        None
    }
}

fn compare(base: &str, rev: &str) -> Option<Vec<Finding>> {
    let dir = corpus()?;
    let b = load_file(&dir.join(base)).unwrap();
    let r = load_file(&dir.join(rev)).unwrap();
    Some(apiwatch::compare(
        &b,
        &r,
        &apiwatch::CompareOptions {
            today: "2026-11-26".into(),
            ..Default::default()
        },
    ))
}

fn removed_ops(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule.as_str().starts_with("endpoint-removed"))
        .map(|f| {
            format!(
                "{} {}",
                f.method.as_deref().unwrap_or(""),
                f.path.as_deref().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn klaviyo_trailing_slashes_are_not_removals() {
    let Some(f) = compare(
        "klaviyo/stable/2024-07-15.json",
        "klaviyo/stable/2024-10-15.json",
    ) else {
        return;
    };
    assert_eq!(removed_ops(&f), Vec::<String>::new());
    let added = f.iter().filter(|f| f.rule == "endpoint-added").count();
    assert_eq!(
        added, 29,
        "corpus.md: 0 removed, 29 added after stripping trailing slashes"
    );
}

#[test]
fn twilio_call_feedback_removal_is_reported() {
    let Some(f) = compare(
        "twilio/api-v2010/1.54.0.json",
        "twilio/api-v2010/1.55.0.json",
    ) else {
        return;
    };
    let removed = removed_ops(&f);
    assert_eq!(removed.len(), 5, "{removed:#?}");
    assert!(
        removed.iter().all(|r| r.contains("Feedback")),
        "{removed:#?}"
    );
}

#[test]
fn stripe_account_logout_removal_is_reported() {
    let Some(f) = compare(
        "stripe/spec3/2021-05-19.json",
        "stripe/spec3/2022-04-12.json",
    ) else {
        return;
    };
    let removed = removed_ops(&f);
    assert!(
        removed.contains(&"PUT /v1/account/logout".to_owned()),
        "{removed:#?}"
    );
    assert!(
        removed.contains(&"PUT /v1/accounts/{account}/logout".to_owned()),
        "{removed:#?}"
    );
    assert!(f.iter().any(|f| f.rule == "request-parameter-removed"
        && f.path.as_deref() == Some("/v1/balance_transactions")
        && f.message.contains("available_on")));
}

#[test]
fn path_parameter_renames_are_not_changes() {
    let Some(f) = compare(
        "sendgrid/lmc-contactdb-v3/2024-05-01.json",
        "sendgrid/lmc-contactdb-v3/2024-06-28.json",
    ) else {
        return;
    };
    assert_eq!(removed_ops(&f), Vec::<String>::new());
    assert!(!f.iter().any(|f| f.rule == "endpoint-added"));
}

#[test]
fn intercom_sections_removal_is_reported_and_renames_are_not() {
    let Some(f) = compare("intercom/api/2.10.yaml", "intercom/api/2.11.yaml") else {
        return;
    };
    assert_eq!(
        removed_ops(&f),
        Vec::<String>::new(),
        "2.10 → 2.11 only renames path parameters"
    );
    let Some(f) = compare("intercom/api/2.9.yaml", "intercom/api/2.10.yaml") else {
        return;
    };
    let removed = removed_ops(&f);
    assert_eq!(removed.len(), 5, "{removed:#?}");
    assert!(removed.iter().all(|r| r.contains("/help_center/sections")));
}

#[test]
fn mailchimp_json_suffix_change_is_a_real_removal() {
    let Some(f) = compare(
        "mailchimp/transactional-oas31/1.1.0.json",
        "mailchimp/transactional-oas31/1.2.0.json",
    ) else {
        return;
    };
    let removed = removed_ops(&f);
    assert!(
        removed.contains(&"POST /messages/send.json".to_owned()),
        "{removed:#?}"
    );
    assert!(
        removed.contains(&"POST /users/test503".to_owned())
            || removed.iter().any(|r| r.contains("test503")),
        "{removed:#?}"
    );
}

#[test]
fn every_corpus_spec_parses_and_equals_itself() {
    let Some(dir) = corpus() else { return };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("MANIFEST.json")).unwrap()).unwrap();
    let mut checked = 0;
    for spec in manifest["specs"].as_array().unwrap() {
        let file = spec["file"].as_str().unwrap();
        let path = dir.join(file);
        if !path.is_file() {
            continue;
        }
        let doc = load_file(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let model = ApiModel::build(&doc);
        assert_eq!(
            model.operations.len() as u64,
            spec["operations"].as_u64().unwrap(),
            "{file}: operation count"
        );
        let changes = diff(&model, &model, &doc.root, &doc.root);
        assert!(
            changes.changes.is_empty(),
            "{file}: diff with itself: {:?}",
            changes.changes.first()
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} corpus specs found");
}
