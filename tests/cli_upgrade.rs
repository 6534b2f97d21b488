//! `apiwatch upgrade` on a copy of the demo: the verdict, `--accept` rewriting only
//! the pinned version (comments kept) and the snapshot, a compliance break refused
//! without `--force --reason`, and the forced move in the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use std::path::Path;

use serde_json::Value;

/// The demo's map, copied: contracts, snapshots and the upstream specs.
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["contracts", "snapshots", "demo"] {
        copy_dir(&repo().join(folder), &dir.path().join(folder));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn audit(root: &Path) -> Vec<Value> {
    std::fs::read_to_string(root.join(".apiwatch/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn accepting_an_upgrade_rewrites_the_version_and_the_snapshot_only() {
    let dir = demo_copy();
    let root = dir.path();
    let before =
        std::fs::read_to_string(root.join("contracts/crm-contacts/contract.toml")).unwrap();
    // The verdict first: operations in use break, nothing compliance-critical.
    let out = apiwatch()
        .env("APIWATCH_RUN_ID", "up")
        .arg("--root")
        .arg(root)
        .args([
            "upgrade",
            "crm-contacts",
            "--to",
            "demo/upstream/crm-contacts/contacts.yaml",
            "--format",
            "markdown",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{md}");
    assert!(md.contains("**Verdict: needs work**"), "{md}");
    assert!(md.contains("- [ ] GET /contacts/{contactId}/notes"), "{md}");
    assert!(
        md.contains("Listing contacts now requires the archived parameter"),
        "{md}"
    );
    assert!(
        md.contains("### Contract tests against the candidate"),
        "{md}"
    );

    let accept = || {
        apiwatch()
            .env("APIWATCH_RUN_ID", "up")
            .arg("--root")
            .arg(root)
            .args([
                "upgrade",
                "crm-contacts",
                "--to",
                "demo/upstream/crm-contacts/contacts.yaml",
                "--accept",
            ])
            .current_dir(root)
            .output()
            .unwrap()
    };
    // The candidate drops an operation in use: as `pin`, the move is refused until
    // the contract stops using it, and nothing is written.
    let refused = accept();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("`GET /contacts/{contactId}/notes` is not an operation of the new spec"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("contracts/crm-contacts/contract.toml")).unwrap(),
        before
    );
    let without_notes = before.replace(
        "[[uses]]\noperation = \"GET /contacts/{contactId}/notes\"\nnote = \"copies store-support notes into the help-desk sidebar\"\n\n",
        "",
    );
    assert_ne!(without_notes, before);
    std::fs::write(
        root.join("contracts/crm-contacts/contract.toml"),
        &without_notes,
    )
    .unwrap();
    let before = without_notes;
    let out = accept();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(root.join("contracts/crm-contacts/contract.toml")).unwrap();
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        vec![("version = \"2026-03\"", "version = \"2026-11\"")]
    );
    assert_eq!(
        before.lines().count(),
        after.lines().count(),
        "comments and layout kept"
    );
    let snapshot: Value = serde_json::from_slice(
        &std::fs::read(root.join("snapshots/crm-contacts/contacts.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(snapshot["info"]["version"], "2026-11");
    let changelog =
        std::fs::read_to_string(root.join("snapshots/crm-contacts/changelog.json")).unwrap();
    assert!(
        changelog.contains("Contact notes endpoint removed in 2026-11"),
        "tonight's entries accepted with the pin"
    );
    let log = audit(root);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["event"], "pin-change");
    assert_eq!(log[0]["from"], "2026-03");
    assert_eq!(log[0]["to"], "2026-11");
    assert_eq!(log[0]["forced"], false);
    // The next night compares with the new pin: what broke is now the baseline.
    apiwatch()
        .arg("--root")
        .arg(root)
        .args([
            "diff",
            "snapshots/crm-contacts/contacts.json",
            "demo/upstream/crm-contacts/contacts.yaml",
            "--fail-on",
            "error",
        ])
        .current_dir(root)
        .assert()
        .success();
}

#[test]
fn a_compliance_break_is_refused_unless_forced_with_a_reason_on_the_record() {
    let dir = demo_copy();
    let root = dir.path();
    let contract = root.join("contracts/email-marketing/contract.toml");
    let before = std::fs::read_to_string(&contract).unwrap();
    let out = apiwatch()
        .arg("--root")
        .arg(root)
        .args([
            "upgrade",
            "email-marketing",
            "--to",
            "demo/upstream/email-marketing/marketing.json",
            "--accept",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not accepted: a compliance-critical operation breaks"),
        "{stderr}"
    );
    assert!(
        stderr.contains("PUT /lists/{list_id}/members/{member_id}/consent (consent)"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&contract).unwrap(),
        before,
        "nothing written"
    );
    assert!(audit(root).is_empty());
    // --force needs --reason (and the other way round).
    apiwatch()
        .arg("--root")
        .arg(root)
        .args([
            "upgrade",
            "email-marketing",
            "--to",
            "demo/upstream/email-marketing/marketing.json",
            "--accept",
            "--force",
        ])
        .current_dir(root)
        .assert()
        .code(2);
    apiwatch()
        .env("GITHUB_ACTOR", "maya-lindqvist")
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .arg("--root")
        .arg(root)
        .args([
            "upgrade",
            "email-marketing",
            "--to",
            "demo/upstream/email-marketing/marketing.json",
            "--accept",
            "--force",
            "--reason",
            "the preference centre sends `source` since release 412",
        ])
        .current_dir(root)
        .assert()
        .success();
    assert_ne!(std::fs::read_to_string(&contract).unwrap(), before);
    let log = audit(root);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["forced"], true);
    assert_eq!(log[0]["verdict"], "blocked");
    assert_eq!(
        log[0]["reason"],
        "the preference centre sends `source` since release 412"
    );
    assert_eq!(log[0]["actor"], "maya-lindqvist");
    assert_eq!(log[0]["trigger"], "workflow_dispatch");
}

#[test]
fn a_version_without_a_template_or_file_is_a_usage_error() {
    let dir = demo_copy();
    apiwatch()
        .arg("--root")
        .arg(dir.path())
        .args(["upgrade", "crm-contacts", "--to", "2027-01"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("has no `{version}` in its url"));
}
