//! `apiwatch run` probing a contract's embedded sandbox: the operations in use are
//! called as the pinned spec describes them on a sandbox serving the vendor's
//! current spec, through its OAuth flow, and what comes back is judged against the
//! pin.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use serde_json::Value;

const PINNED: &str = r#"openapi: 3.0.3
info: {title: Things, version: "1"}
servers: [{url: "https://api.things.test/v2"}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [items], properties: {items: {type: array, items: {type: string}}}}
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id, name], properties: {id: {type: integer}, name: {type: string}}}
  /things/{id}/archive:
    post:
      operationId: archiveThing
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [reason], properties: {reason: {type: string, enum: [spam, duplicate]}}}
      responses:
        "201": {description: archived}
  /notes:
    post:
      operationId: sendNote
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, required: [Body, To], properties: {Body: {type: string}, To: {type: string}, Tags: {type: array, items: {type: string}}}}
      responses:
        "201": {description: sent}
"#;

fn contract(sandbox: &str) -> String {
    // `sendNote` takes a form (as Twilio's operations do): called as one, it is fine.
    let uses = ["listThings", "getThing", "archiveThing", "sendNote"]
        .map(|op| format!("[[uses]]\noperation = \"{op}\"\n"))
        .join("\n");
    format!(
        "{}\n[sandbox]\n{sandbox}\n",
        GOOD_CONTRACT.replace("[[uses]]\noperation = \"GET /things\"\n", &uses)
    )
}

/// A map pinned to PINNED whose vendor now serves `upstream`.
fn night(sandbox: &str, upstream: &str, code: i32) -> Value {
    let dir = map_with_files(&contract(sandbox), false, &[]);
    std::fs::write(dir.path().join("upstream.yaml"), PINNED).unwrap();
    pin(dir.path());
    std::fs::write(dir.path().join("upstream.yaml"), upstream).unwrap();
    // The credentials the contract names are not set: stand-ins on both sides.
    run_report(dir.path(), &dir.path().join("out"), code)
}

fn probes(report: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("probe-"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["operation_id"].as_str().unwrap_or("").to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_vendors_new_behaviour_fails_the_calls_the_pin_describes() {
    let upstream = PINNED
        .replace(
            "      operationId: listThings\n",
            "      operationId: listThings\n      parameters: [{name: since, in: query, required: true, schema: {type: string}}]\n",
        )
        .replace(
            "required: [id, name], properties: {id: {type: integer}, name: {type: string}}",
            "required: [id], properties: {id: {type: integer}}",
        )
        .replace(r#""201": {description: archived}"#, r#""202": {description: queued}"#);
    let sandbox = r#"embedded = true
serve = "upstream"
auth = "oauth2"
credentials = { client_id = "ACME_CLIENT_ID", client_secret = "ACME_CLIENT_SECRET" }"#;
    let report = night(sandbox, &upstream, 1);
    let found = probes(&report);
    let rules: Vec<(&str, &str)> = found
        .iter()
        .map(|(r, o, _)| (r.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("probe-request-rejected", "listThings"),
            ("probe-response-invalid", "getThing"),
            ("probe-status-undocumented", "archiveThing"),
        ],
        "{found:#?}"
    );
    assert!(
        found[0].2.contains("answered 400") && found[0].2.contains("/query/since"),
        "{}",
        found[0].2
    );
    assert!(
        found[1].2.contains("\"name\" is a required property"),
        "{}",
        found[1].2
    );
    assert!(
        found[2]
            .2
            .contains("answered 202; the pinned spec documents 201"),
        "{}",
        found[2].2
    );
    // The same sandbox serving the pin: every call as documented, nothing to say.
    let calm = night(
        &sandbox.replace("serve = \"upstream\"", "serve = \"pinned\""),
        &upstream,
        1,
    );
    assert!(probes(&calm).is_empty(), "{:#?}", probes(&calm));
}

#[test]
fn a_sandbox_that_cannot_run_says_so() {
    let sandbox = r#"embedded = true
auth = "oauth2"
credentials = { client_id = "ACME_CLIENT_ID" }"#;
    let report = night(sandbox, PINNED, 0);
    let found = probes(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "probe-sandbox-unavailable");
    assert!(
        found[0].2.contains("`credentials` has no `client_secret`"),
        "{}",
        found[0].2
    );
}
