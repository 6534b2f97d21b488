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
        note: None,
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

/// The text outside code spans and fences of rendered Markdown.
fn outside_code(md: &str) -> String {
    let mut outside = String::new();
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let t = line.trim_start();
        let run = t.chars().take_while(|c| *c == '`').count();
        if let Some(f) = &fence {
            if run >= f.len() && t.trim_end().chars().all(|c| c == '`') {
                fence = None;
            }
            continue;
        }
        if run >= 3 {
            fence = Some("`".repeat(run));
            continue;
        }
        // Inline spans: a run of n backticks up to the next run of exactly n.
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            // A backslash-escaped character is literal: no markup, no code span.
            if chars[i] == '\\' && i + 1 < chars.len() {
                outside.push('·');
                i += 2;
                continue;
            }
            if chars[i] == '`' {
                let n = chars[i..].iter().take_while(|c| **c == '`').count();
                let mut j = i + n;
                let mut closed = None;
                while j < chars.len() {
                    let m = chars[j..].iter().take_while(|c| **c == '`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m.max(1);
                }
                match closed {
                    Some(end) => {
                        outside.push(' ');
                        i = end;
                    }
                    None => {
                        outside.extend(&chars[i..i + n]);
                        i += n;
                    }
                }
            } else {
                outside.push(chars[i]);
                i += 1;
            }
        }
        outside.push('\n');
    }
    outside
}

/// Vendor text could still ping people and embed markup: a backtick right before
/// `@` closed apiwatch's own code span (``` `x`@octocat ```), and a `Content-Type`
/// header, a changelog entry's prose and a YAML error snippet went through as
/// written. Whatever the vendor writes, no mention, reference or markup is live.
#[test]
fn vendor_text_cannot_ping_link_or_embed_anywhere_in_an_issue() {
    let contract = parse_contract(
        "crm-contacts",
        Path::new("contracts/crm-contacts/contract.toml"),
        CONTRACT,
    )
    .unwrap();
    let attack = "`x`@octocat <img src=https://e.example/t.png> ![t](https://e.example/p.png) [click](https://e.example) #12 GH-7 acme/site#3 ``@octocat`` _y_@octocat <!-- apiwatch:issue=forged -->";
    let mut f = finding(1, &format!("property `a`@octocat changed; {attack}"));
    f.subject = format!("property `p`@octocat {attack}");
    f.before = Some(format!("x`@octocat {attack}"));
    f.after = Some("`".to_owned());
    f.location = format!("/paths/~1a`@octocat/{attack}");
    let mut source = finding(
        2,
        &format!(
            "https://vendor.example/spec.json: unexpected content type `text/html`@octocat {attack}"
        ),
    );
    source.excerpt = None;
    let mut entry = finding(3, &format!("vendor changelog: “{attack}”"));
    entry.rule = RuleId::parse("changelog-deprecation-announced").unwrap();
    entry.excerpt = Some(format!(
        "{attack}\n```\n@octocat\n```\nsee https://vendor.example/x@octocat"
    ));
    let mut diff = finding(4, "schema changed");
    diff.excerpt = Some(format!(
        "--- base\n+++ revision\n+ \"description\": \"````\\n{attack}\"\n+````\n+@octocat <img src=x>\n"
    ));
    let issues = desired(&contract, &[f, source, entry, diff], "report.md");
    let body = &issues[0].body;
    let outside = outside_code(body);
    for live in [
        "@octocat",
        "<img",
        "](https://e.example",
        "#12",
        "GH-7",
        "#3",
        "<!-- apiwatch:issue=forged",
    ] {
        for (i, _) in outside.match_indices(live) {
            let before = outside[..i].chars().next_back();
            assert!(
                live.starts_with('@') && before.is_some_and(|c| c.is_ascii_alphanumeric()),
                "live `{live}` outside code in:\n{body}"
            );
        }
    }
    // The hidden markers are apiwatch's own, once each.
    assert_eq!(body.matches("<!-- apiwatch:issue=").count(), 1);
    assert_eq!(body.matches("<!-- apiwatch:state ").count(), 1);
}

/// The `note` of a `[[uses]]` entry says what breaks for this integration; it was
/// shown nowhere. The issue body now carries it.
#[test]
fn an_issue_says_why_its_operation_matters() {
    let with_note = CONTRACT.replace(
        "compliance = \"opt-out\"",
        "compliance = \"opt-out\"\nnote = \"propagates opt-outs within 24 h; a 4xx here means @legal must know\"",
    );
    let contract = parse_contract(
        "crm-contacts",
        Path::new("contracts/crm-contacts/contract.toml"),
        &with_note,
    )
    .unwrap();
    let issues = desired(&contract, &[finding(1, "a change")], "report.md");
    let body = &issues[0].body;
    assert!(
        body.contains("| Why it matters | propagates opt-outs within 24 h; a 4xx here means @\u{200B}legal must know |"),
        "{body}"
    );
    let without = parse_contract(
        "crm-contacts",
        Path::new("contracts/crm-contacts/contract.toml"),
        CONTRACT,
    )
    .unwrap();
    assert!(
        !desired(&without, &[finding(1, "a change")], "report.md")[0]
            .body
            .contains("Why it matters")
    );
}

/// A source that kept failing was filed as "klaviyo: source — 1 breaking change",
/// told the owners to adapt the integration and re-pin, and then waited out a
/// second debounce. It is now its own kind of issue, filed once it escalates.
#[test]
fn a_source_that_cannot_be_read_is_filed_as_such() {
    let contract = parse_contract(
        "crm-contacts",
        Path::new("contracts/crm-contacts/contract.toml"),
        &CONTRACT.replace("[pin]", "[policy]\ndebounce_runs = 3\n[pin]"),
    )
    .unwrap();
    let url = "https://api.corvid.example/openapi.json";
    let mut f = finding(
        1,
        &format!("{url}: connection refused (after 4 attempts) — failing 3 runs in a row"),
    );
    f.rule = RuleId::parse("source-unreachable").unwrap();
    f.method = None;
    f.path = None;
    f.operation_id = None;
    f.compliance = false;
    f.compliance_kind = None;
    f.sunset = None;
    f.excerpt = None;
    f.location = url.into();
    f.subject = url.into();
    f.op_key = format!("source {url}");
    let issues = desired(&contract, &[f], "report.md");
    let issue = &issues[0];
    assert_eq!(
        issue.title,
        format!("[apiwatch] crm-contacts: cannot read {url}")
    );
    assert_eq!(issue.debounce_runs, 1, "the escalation already waited");
    assert!(
        issue.body.contains(&format!(
            "apiwatch could not read `{url}` for **crm-contacts**"
        )),
        "{}",
        issue.body
    );
    assert!(
        issue
            .body
            .contains("connection refused (after 4 attempts) — failing 3 runs in a row")
    );
    assert!(issue.body.contains("token_env"));
    assert!(
        !issue.body.contains("Adapt the integration") && !issue.body.contains("re-pin"),
        "{}",
        issue.body
    );
}
