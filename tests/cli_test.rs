//! `apiwatch test` from the command line: the demo's contract tests, a starter
//! case file that runs as written, the map's coverage, and case files that are
//! refused with the place to fix them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use serde_json::Value;

const EMBEDDED: &str = "\n[sandbox]\nembedded = true\n";

#[test]
fn the_demo_tests_fail_where_the_vendor_drifted_with_json_and_junit() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("junit.xml");
    let out = apiwatch()
        .env("APIWATCH_RUN_ID", "cli")
        .arg("--root")
        .arg(repo())
        .args(["test", "crm-contacts", "--format", "json", "--junit"])
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &report["tests"][0];
    assert_eq!(run["contract"], "crm-contacts");
    assert_eq!(run["sandbox"], "embedded");
    assert_eq!(run["against"], "pinned 2026-03");
    let cases = run["cases"].as_array().unwrap();
    assert_eq!(cases[0]["name"], "a storefront opt-out reaches Corvid");
    let read = cases
        .iter()
        .find(|c| c["name"] == "the sync re-reads a contact before pushing store edits")
        .unwrap();
    assert_eq!(read["status"], "failed");
    assert!(
        read["steps"][1]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p
                .as_str()
                .unwrap()
                .contains("`/lifecycle_stage` is missing")),
        "{read:#}"
    );
    let f = finding_of(&report, "sandbox-field-missing");
    assert_eq!(f["in_use"], true);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="crm-contacts" tests="5""#),
        "{xml}"
    );
    assert!(
        xml.contains("&quot;lifecycle_stage&quot; is a required property"),
        "{xml}"
    );
}

#[test]
fn a_scaffolded_case_file_runs_as_written_and_covers_the_gets() {
    let dir = map_with(&format!("{GOOD_CONTRACT}{EMBEDDED}"), true);
    let root = dir.path();
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["test", "acme", "--scaffold"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "wrote contracts/acme/tests.toml (1 case(s))",
        ));
    let text = std::fs::read_to_string(root.join("contracts/acme/tests.toml")).unwrap();
    assert!(
        text.contains("[[case]]\nname = \"read GET /things\""),
        "{text}"
    );
    assert!(text.contains("operation = \"GET /things\""), "{text}");
    // It is not overwritten by accident.
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["test", "acme", "--scaffold"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    let out = apiwatch()
        .arg("--root")
        .arg(root)
        .args(["test", "acme"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("acme: 1 passed, 0 failed (embedded, pinned 1, 1 request)"),
        "{stdout}"
    );
}

#[test]
fn the_map_names_operations_no_case_calls() {
    let contract =
        format!("{GOOD_CONTRACT}\n[sandbox]\nbase_url = \"https://sandbox.acme.test\"\n");
    let dir = map_with(&contract, true);
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .arg("map")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("acme: no contract test calls GET /things (`apiwatch test acme --scaffold` writes a starter)"),
        "{stdout}"
    );
    std::fs::write(
        dir.path().join("contracts/acme/tests.toml"),
        "[[case]]\nname = \"list\"\n[[case.step]]\noperation = \"listThings\"\n",
    )
    .unwrap();
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .args(["map", "--format", "json"])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows[0].get("untested").is_none(), "{rows:#}");
}

#[test]
fn a_bad_case_file_exits_2_naming_file_line_and_column() {
    let dir = map_with(&format!("{GOOD_CONTRACT}{EMBEDDED}"), true);
    std::fs::write(
        dir.path().join("contracts/acme/tests.toml"),
        "[[case]]\nname = \"x\"\n\n[[case.step]]\noperation = \"GET /thngs\"\nexpect = 200\n",
    )
    .unwrap();
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .args(["test", "acme"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("contracts/acme/tests.toml:6:1: unknown field `expect`"),
        "{stderr}"
    );
}

#[test]
fn missing_credentials_skip_a_contract_with_its_reason() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[sandbox]\nbase_url = \"https://sandbox.acme.test\"\nauth = \"bearer\"\ncredentials = {{ token = \"ACME_UNSET_TOKEN\" }}\n"
    );
    let dir = map_with(&contract, true);
    std::fs::write(
        dir.path().join("contracts/acme/tests.toml"),
        "[[case]]\nname = \"list\"\n[[case.step]]\noperation = \"listThings\"\n",
    )
    .unwrap();
    let out = apiwatch()
        .env_remove("ACME_UNSET_TOKEN")
        .arg("--root")
        .arg(dir.path())
        .args(["test"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("acme: skipped — credentials not set: ACME_UNSET_TOKEN"),
        "{stdout}"
    );
}

#[test]
fn the_night_lists_contracts_whose_tests_are_skipped_and_why() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[sandbox]\nbase_url = \"https://sandbox.acme.test\"\nauth = \"bearer\"\ncredentials = {{ token = \"ACME_UNSET_TOKEN\" }}\n"
    );
    let dir = map_with(&contract, true);
    std::fs::write(
        dir.path().join("contracts/acme/tests.toml"),
        "[[case]]\nname = \"list\"\n[[case.step]]\noperation = \"listThings\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let report = run_report(dir.path(), &out, 0);
    assert_eq!(report["tests"][0]["status"], "skipped", "{report:#}");
    assert_eq!(
        report["tests"][0]["reason"],
        "credentials not set: ACME_UNSET_TOKEN"
    );
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains(r#"<skipped message="credentials not set: ACME_UNSET_TOKEN"/>"#)
            || junit.contains(r#"<skipped message="credentials not set: ACME_UNSET_TOKEN">"#),
        "{junit}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("skipped: credentials not set: ACME_UNSET_TOKEN"),
        "{summary}"
    );
}

#[test]
fn against_a_candidate_the_cases_still_read_as_pinned_and_only_real_breaks_remain() {
    let out = apiwatch()
        .env("APIWATCH_RUN_ID", "cli")
        .arg("--root")
        .arg(repo())
        .args([
            "test",
            "crm-contacts",
            "--format",
            "json",
            "--against",
            "demo/upstream/crm-contacts/contacts.yaml",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["tests"][0]["against"],
        "demo/upstream/crm-contacts/contacts.yaml"
    );
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // The candidate documents the body without lifecycle_stage: no schema violation,
    // but the field the integration relies on is still missing; the renamed path
    // parameter ({contactId} → {id}) is the same operation; the notes are gone.
    assert!(!rules.contains(&"sandbox-schema-violation"), "{rules:?}");
    assert!(rules.contains(&"sandbox-field-missing"), "{rules:?}");
    assert!(rules.contains(&"sandbox-status-undocumented"), "{rules:?}");
    assert_eq!(
        report["tests"][0]["cases"][0]["status"], "passed",
        "the opt-out case"
    );
}

#[test]
fn usage_errors_exit_2_before_anything_runs() {
    for (args, said) in [
        (
            vec!["test", "crm-contacts", "--sandbox", "localhost:4010"],
            "--sandbox `localhost:4010` is not an http(s) URL",
        ),
        (
            vec!["test", "email-marketing"],
            "contract `email-marketing` has no `[sandbox]`",
        ),
    ] {
        apiwatch()
            .arg("--root")
            .arg(repo())
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(said));
    }
}

#[test]
fn a_scaffold_keeps_multi_line_notes_as_comments_and_existing_files() {
    let contract = GOOD_CONTRACT.replace(
        "operation = \"GET /things\"\n",
        "operation = \"GET /things\"\nnote = \"\"\"lists things\npath = 3\"\"\"\n",
    );
    let dir = map_with(&format!("{contract}{EMBEDDED}"), true);
    let root = dir.path();
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["test", "--scaffold"])
        .assert()
        .success();
    let text = std::fs::read_to_string(root.join("contracts/acme/tests.toml")).unwrap();
    assert!(text.contains("# lists things\n# path = 3\n"), "{text}");
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["test", "acme"])
        .assert()
        .success();
    // Without names, a contract that has its cases keeps them.
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["test", "--scaffold"])
        .assert()
        .success()
        .stderr(predicates::str::contains("kept contracts/acme/tests.toml"));
}

#[test]
fn in_github_actions_the_night_annotates_the_uses_lines_and_charts_the_sunsets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = apiwatch()
        .env("GITHUB_ACTIONS", "true")
        .env("APIWATCH_RUN_ID", "cli")
        .arg("--root")
        .arg(repo())
        .args(["run", "--out"])
        .arg(tmp.path())
        .arg("--state-dir")
        .arg(tmp.path().join("state"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "::error file=contracts/crm-contacts/contract.toml,line=30,col=13,title=apiwatch%3A listContacts — 3 errors::"
        ),
        "{stdout}"
    );
    // The report runs with workflow commands suspended, then they resume for the
    // annotations: a vendor's text cannot start a command of its own.
    let lines: Vec<&str> = stdout.lines().collect();
    let stop = lines
        .iter()
        .position(|l| l.starts_with("::stop-commands::"))
        .unwrap();
    let token = lines[stop].trim_start_matches("::stop-commands::");
    let resume = lines
        .iter()
        .position(|l| *l == format!("::{token}::"))
        .unwrap();
    assert!(stop < resume);
    assert!(
        lines[resume + 1..]
            .iter()
            .filter(|l| l.starts_with("::"))
            .all(|l| l.starts_with("::error file=contracts/")),
        "{stdout}"
    );
    assert!(lines[..stop].iter().all(|l| !l.starts_with("::")));
    let summary = std::fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(summary.contains("```mermaid\ngantt"), "{summary}");
    assert!(
        summary.contains("GET /campaigns/{campaign_id}/stats : milestone, 2027-03-01, 0d"),
        "{summary}"
    );
    assert!(
        summary.contains("GET /companies : milestone, 2027-01-31, 0d"),
        "{summary}"
    );
    assert!(
        !summary.contains("2026-10-01, 0d"),
        "a deprecation date is no sunset"
    );
    // Outside Actions: no workflow commands on stdout.
    let plain = apiwatch()
        .env_remove("GITHUB_ACTIONS")
        .arg("--root")
        .arg(repo())
        .args(["run", "--out"])
        .arg(tmp.path().join("again"))
        .arg("--state-dir")
        .arg(tmp.path().join("state2"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("::error"));
}
