//! Rendered issue bodies, reviewed as insta snapshots: what an owner sees, with
//! vendor text sanitised and long bodies truncated under GitHub's limit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use apiwatch::finding::{Finding, RuleId, Severity};
use apiwatch::issues::{MAX_BODY_CHARS, desired};
use apiwatch::map::parse_contract;

const CONTRACT: &str = r#"
[contract]
vendor = "Corvid CRM"
api = "Contacts API"
[owners]
team = "growth-engineering"
repo = "juniper-pine/marketing-integrations"
assignees = ["maya"]
mentions = ["@juniper-pine/growth-eng"]
[pin]
version = "2026-03"
[[spec]]
name = "contacts"
url = "https://api.corvid.example/openapi.json"
[[uses]]
operation = "unsubscribeContact"
compliance = "opt-out"
"#;

fn finding(i: usize, message: &str) -> Finding {
    Finding {
        rule: RuleId::parse("request-property-added-required").unwrap(),
        severity: Severity::Error,
        method: Some("POST".into()),
        path: Some("/contacts/{id}/unsubscribe".into()),
        operation_id: Some("unsubscribeContact".into()),
        location: format!("/components/schemas/Unsubscribe/properties/p{i}"),
        subject: format!("request body (application/json) property `p{i}`"),
        message: message.into(),
        before: None,
        after: Some("required".into()),
        base_pointer: None,
        revision_pointer: Some(format!("/components/schemas/Unsubscribe/properties/p{i}")),
        in_use: true,
        compliance: true,
        compliance_kind: Some("opt-out".into()),
        sunset: Some("2027-03-01".into()),
        fingerprint: format!("{i:016x}"),
        root_cause: format!("{i:016x}"),
        contract: Some("crm-contacts".into()),
        excerpt: Some("--- base\n+++ revision\n@@ -1 +1,2 @@\n {\n+  \"reason\": {}\n".into()),
        op_key: "/contacts/{}/unsubscribe POST".into(),
    }
}

#[test]
fn an_issue_body_an_owner_can_act_on() {
    let contract = parse_contract(
        "crm-contacts",
        Path::new("contracts/crm-contacts/contract.toml"),
        CONTRACT,
    )
    .unwrap();
    let findings = vec![finding(
        1,
        "request body property `reason` added (required); ask @vendor-dev, see vendor/sdk#12",
    )];
    let issues = desired(&contract, &findings, "report.md");
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    assert!(
        issue.labels.contains(&"compliance".to_owned())
            && issue.labels.contains(&"priority:critical".to_owned())
    );
    assert!(
        !issue.body.contains("@vendor-dev"),
        "vendor mentions are defused"
    );
    insta::assert_snapshot!(format!("# {}\n\n{}", issue.title, issue.body));
}

#[test]
fn a_huge_issue_is_truncated_under_the_limit_and_points_to_the_report() {
    let contract = parse_contract(
        "crm-contacts",
        Path::new("contracts/crm-contacts/contract.toml"),
        CONTRACT,
    )
    .unwrap();
    // Long values (a vendor's 400-character pattern) in every row, and 3,000 rows.
    let findings: Vec<Finding> = (0..3000)
        .map(|i| {
            let mut f = finding(i, &format!("request body property `p{i}` added (required)"));
            f.before = Some("^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+)".repeat(12));
            // Long fenced excerpts: wherever the cut falls, it is likely inside one.
            f.excerpt = Some(format!(
                "--- base\n+++ revision\n{}",
                "+  \"line\": {}\n".repeat(40)
            ));
            f
        })
        .collect();
    let issue = &desired(&contract, &findings, "report.md")[0];
    assert!(
        issue.body.chars().count() < MAX_BODY_CHARS,
        "{}",
        issue.body.len()
    );
    assert!(
        issue
            .body
            .contains("truncated; the full list is in the run's report (report.md)")
    );
    assert!(
        issue.body.contains("### Next steps"),
        "the footer survives truncation"
    );
    assert!(
        issue.body.contains("<!-- apiwatch:state "),
        "so does the state marker"
    );
    // Every excerpt is a fenced diff: the cut must not leave one open, or the next
    // steps and the marker render as code; the marker stays last.
    let fences = issue
        .body
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    assert_eq!(fences % 2, 0, "an open code fence");
    assert!(
        issue
            .body
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("<!-- apiwatch:state "),
        "the marker is last"
    );
}
