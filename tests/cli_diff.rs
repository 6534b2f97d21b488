//! `apiwatch diff` end to end: the documented JSON, formats, relevance with a
//! contract, exit codes, errors that name their source, severity overrides, and
//! shared changes reported once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn diff_json_has_the_documented_fields_and_fail_on_sets_the_exit_code() {
    let base = repo().join("snapshots/crm-contacts/contacts.json");
    let rev = repo().join("demo/upstream/crm-contacts/contacts.yaml");
    let out = apiwatch()
        .arg("diff")
        .arg(&base)
        .arg(&rev)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --fail-on, findings do not fail"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "method",
        "path",
        "location",
        "message",
        "in_use",
        "compliance",
        "fingerprint",
    ] {
        assert!(f.get(key).is_some(), "missing {key}: {f}");
    }
    assert!(v["summary"]["total"].as_u64().unwrap() > 0);
    apiwatch()
        .arg("diff")
        .arg(&base)
        .arg(&rev)
        .args(["--fail-on", "error"])
        .assert()
        .code(1);
    apiwatch()
        .arg("diff")
        .arg(&base)
        .arg(&base)
        .args(["--fail-on", "error"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no changes found"));
}

#[test]
fn diff_with_contract_marks_relevance_and_fail_on_counts_only_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a.yaml");
    let rev = dir.path().join("b.yaml");
    std::fs::write(&base, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n  /b: {get: {responses: {'200': {description: ok}}}}\n").unwrap();
    std::fs::write(&rev, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n").unwrap();
    let uses = dir.path().join("uses.txt");
    std::fs::write(&uses, "# what we call\nGET /a\n").unwrap();
    apiwatch()
        .arg("diff")
        .arg(&base)
        .arg(&rev)
        .arg("--uses")
        .arg(&uses)
        .args(["--fail-on", "error"])
        .assert()
        .code(0);
    apiwatch()
        .arg("diff")
        .arg(&base)
        .arg(&rev)
        .arg("--uses")
        .arg(&uses)
        .args(["--fail-on", "error", "--all"])
        .assert()
        .code(1);
    std::fs::write(&uses, "GET /b [opt-out]\n").unwrap();
    let out = apiwatch()
        .arg("diff")
        .arg(&base)
        .arg(&rev)
        .arg("--uses")
        .arg(&uses)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["in_use"], true);
    assert_eq!(v["findings"][0]["compliance"], true);
}

/// `apiwatch diff BASE REV ARGS...`.
fn diff_cmd(base: &Path, rev: &Path, args: &[&str]) -> Command {
    let mut cmd = apiwatch();
    cmd.arg("diff").arg(base).arg(rev).args(args);
    cmd
}

#[test]
fn diff_formats_render() {
    let base = repo().join("snapshots/transactional-email/transactional.json");
    let rev = repo().join("demo/upstream/transactional-email/transactional.yaml");
    let sarif = diff_cmd(&base, &rev, &["--format", "sarif"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["runs"][0]["results"][0]["partialFingerprints"]["apiwatch/v1"].is_string());
    let contains = predicate::str::contains;
    diff_cmd(&base, &rev, &["--format", "markdown"])
        .assert()
        .success()
        .stdout(contains("```diff"));
    diff_cmd(&base, &rev, &["--color", "always"])
        .assert()
        .success()
        .stdout(contains("\u{1b}["));
    diff_cmd(&base, &rev, &[])
        .assert()
        .success()
        .stdout(contains("\u{1b}[").not());
    diff_cmd(&base, &rev, &["--color", "auto"])
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(contains("\u{1b}[").not());
}

#[test]
fn diff_errors_name_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,\n}").unwrap();
    apiwatch()
        .arg("diff")
        .arg(&bad)
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.json:3:"));
    let html = dir.path().join("page.json");
    std::fs::write(&html, "<!DOCTYPE html><html>502 Bad Gateway</html>").unwrap();
    apiwatch()
        .arg("diff")
        .arg(&html)
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("HTML"));
}

#[test]
fn relative_file_refs_are_followed_but_never_outside_the_spec_folder() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir_all(api.join("schemas")).unwrap();
    let spec = |schema_ref: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /c:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '{schema_ref}'}}\n"
        )
    };
    std::fs::write(api.join("base.yaml"), spec("schemas/contact.yaml#/Contact")).unwrap();
    std::fs::write(api.join("rev.yaml"), spec("schemas/contact2.yaml#/Contact")).unwrap();
    std::fs::write(api.join("schemas/contact.yaml"), "Contact:\n  type: object\n  required: [phone]\n  properties:\n    email: {type: string}\n    phone: {type: string}\n").unwrap();
    std::fs::write(
        api.join("schemas/contact2.yaml"),
        "Contact:\n  type: object\n  properties:\n    email: {type: string}\n",
    )
    .unwrap();
    let out = diff_cmd(
        &api.join("base.yaml"),
        &api.join("rev.yaml"),
        &["--format", "json"],
    )
    .output()
    .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "response-property-removed", "{v}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("phone")
    );

    std::fs::write(dir.path().join("secret.yaml"), "Contact: {type: object}\n").unwrap();
    std::fs::write(api.join("evil.yaml"), spec("../secret.yaml#/Contact")).unwrap();
    diff_cmd(&api.join("evil.yaml"), &api.join("rev.yaml"), &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("outside the spec's folder"));
}

#[test]
fn severity_overrides_and_vendor_deprecation_markers() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a.yaml");
    let rev = dir.path().join("b.yaml");
    std::fs::write(&base, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n  /b: {get: {responses: {'200': {description: ok}}}}\n").unwrap();
    std::fs::write(&rev, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {x-acme-retiring: true, responses: {'200': {description: ok}}}}\n").unwrap();
    let json = |args: &[&str]| -> Value {
        serde_json::from_slice(&diff_cmd(&base, &rev, args).output().unwrap().stdout).unwrap()
    };
    let v = json(&["--format", "json"]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["findings"][0]["severity"], "error");
    let v = json(&[
        "--format",
        "json",
        "--severity",
        "endpoint-removed=warning",
        "--deprecation-extension",
        "x-acme-retiring",
    ]);
    let rules: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("endpoint-deprecated", "warning"),
            ("endpoint-removed", "warning")
        ]
    );
    diff_cmd(&base, &rev, &["--severity", "no-such-rule=error"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule"));
}

/// A webhook payload going from optional to required used to produce a rule id the
/// catalog did not declare, and `apiwatch diff` printed "no changes found".
#[test]
fn webhook_payload_became_required_is_reported_not_dropped() {
    let dir = repo().join("tests/fixtures/rules/webhook-payload-became-required");
    let out = diff_cmd(&dir.join("base.yaml"), &dir.join("revision.yaml"), &[])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("webhook-payload-became-required"), "{text}");
    assert!(text.contains("webhook-payload-became-optional"), "{text}");
    assert!(!text.contains("no changes found"), "{text}");
}

/// One change to a shared component (`Contact.lifecycle_stage`, reached by four
/// operations) is said once, with its reach; the JSON keeps one finding per
/// operation, tied by `root_cause`; SARIF has one result for it.
#[test]
fn a_shared_change_is_reported_once_with_its_reach() {
    let base = repo().join("snapshots/crm-contacts/contacts.json");
    let rev = repo().join("demo/upstream/crm-contacts/contacts.yaml");
    let text = String::from_utf8(diff_cmd(&base, &rev, &[]).output().unwrap().stdout).unwrap();
    let shared: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Contact.lifecycle_stage"))
        .collect();
    assert_eq!(shared.len(), 1, "{text}");
    assert!(
        shared[0].contains("affects 4 operations (4 in use)"),
        "{text}"
    );
    assert_eq!(
        text.matches("+ 1 shared change (above)").count(),
        4,
        "{text}"
    );
    let json: Value = serde_json::from_slice(
        &diff_cmd(&base, &rev, &["--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let causes: std::collections::BTreeSet<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "response-property-removed")
        .map(|f| f["root_cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes.len(), 1, "four findings, one root cause");
    let sarif: Value = serde_json::from_slice(
        &diff_cmd(&base, &rev, &["--format", "sarif"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let removed: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "response-property-removed")
        .collect();
    assert_eq!(removed.len(), 1, "{removed:#?}");
    assert!(
        removed[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("affects 4 operations")
    );
}
