//! Recall of the breaking-change engine on its own cases, at every depth.
//!
//! `tests/data/recall/cases.yaml` holds schema pairs written from the JSON Schema
//! 2020-12 and OpenAPI 3.1 specifications, each with what it should raise in a
//! request, in a response and in a query parameter. Every case is placed at every
//! depth a schema can sit at, and each placement is one check: `error` needs an
//! error-level finding on the operation, `quiet` needs none. The figures are printed
//! (`cargo test --test recall -- --nocapture`) and every check must hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use apiwatch::finding::{Finding, Severity};
use apiwatch::spec::load::{parse_document, parse_value};
use serde_json::{Value, json};

/// Where a case's schema is put inside a body.
const PLACEMENTS: [&str; 6] = ["body", "property", "ref", "nested-ref", "all-of", "items"];

fn place(schema: &Value, placement: &str) -> (Value, Option<Value>) {
    match placement {
        "body" => (schema.clone(), None),
        "property" => (
            json!({"type": "object", "properties": {"field": schema}}),
            None,
        ),
        "ref" => (
            json!({"$ref": "#/components/schemas/Thing"}),
            Some(schema.clone()),
        ),
        "nested-ref" => (
            json!({"type": "object", "properties": {"field": {"$ref": "#/components/schemas/Thing"}}}),
            Some(schema.clone()),
        ),
        "all-of" => (
            json!({"allOf": [
                {"type": "object", "properties": {"field": schema}},
                {"type": "object", "properties": {"other": {"type": "string"}}},
            ]}),
            None,
        ),
        "items" => (json!({"type": "array", "items": schema}), None),
        other => panic!("unknown placement {other}"),
    }
}

/// An OpenAPI 3.1 document with the schema in the request body, the 200 response or
/// a query parameter of `POST /things`.
fn document(schema: &Value, direction: &str, placement: &str) -> Value {
    let (placed, component) = place(schema, placement);
    let plain = json!({"type": "object", "properties": {"id": {"type": "string"}}});
    let body = |s: &Value| json!({"content": {"application/json": {"schema": s}}});
    let mut op = json!({"operationId": "createThing", "responses": {"200": {"description": "ok"}}});
    match direction {
        "request" => {
            op["requestBody"] = body(&placed);
            op["requestBody"]["required"] = json!(true);
            op["responses"]["200"]["content"] = body(&plain)["content"].clone();
        }
        "response" => {
            op["responses"]["200"]["content"] = body(&placed)["content"].clone();
        }
        "parameter" => {
            op["parameters"] = json!([{"in": "query", "name": "q", "schema": placed}]);
        }
        other => panic!("unknown direction {other}"),
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "recall", "version": "1"},
        "paths": {"/things": {"post": op}},
    });
    if let Some(c) = component {
        doc["components"] = json!({"schemas": {"Thing": c}});
    }
    doc
}

fn compare(base: &Value, revision: &Value) -> Vec<Finding> {
    let load = |v: &Value| parse_document(v.to_string().as_bytes(), "case.json").unwrap();
    apiwatch::compare(
        &load(base),
        &load(revision),
        &apiwatch::CompareOptions {
            today: "2026-12-01".into(),
            ..Default::default()
        },
    )
}

#[test]
fn every_case_at_every_depth() {
    let text = std::fs::read("tests/data/recall/cases.yaml").unwrap();
    let cases = parse_value(&text, "cases.yaml").unwrap();
    let cases = cases.as_array().expect("a list of cases");
    let (mut errors_expected, mut errors_found) = (0, 0);
    let (mut quiet_expected, mut quiet_kept) = (0, 0);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        for direction in ["request", "response", "parameter"] {
            let Some(expect) = case.get(direction).and_then(Value::as_str) else {
                continue;
            };
            let placements: &[&str] = if direction == "parameter" {
                &["body", "ref"]
            } else {
                &PLACEMENTS
            };
            for placement in placements {
                let base = document(&case["base"], direction, placement);
                let rev = document(&case["revision"], direction, placement);
                let found = compare(&base, &rev);
                let errors: Vec<String> = found
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| format!("{} ({})", f.rule, f.message))
                    .collect();
                let ok = match expect {
                    "error" => {
                        errors_expected += 1;
                        errors_found += usize::from(!errors.is_empty());
                        !errors.is_empty()
                    }
                    "quiet" => {
                        quiet_expected += 1;
                        quiet_kept += usize::from(errors.is_empty());
                        errors.is_empty()
                    }
                    other => panic!("{name}: unknown expectation {other}"),
                };
                if !ok {
                    let all: Vec<String> = found
                        .iter()
                        .map(|f| format!("{} {}", f.severity.as_str(), f.rule))
                        .collect();
                    failures.push(format!(
                        "{name} [{direction}, {placement}]: expected {expect}, found {all:?} {errors:?}"
                    ));
                }
            }
        }
    }
    println!(
        "recall: {errors_found}/{errors_expected} breaking placements raise an error; \
         controls: {quiet_kept}/{quiet_expected} placements stay without error"
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(failures.is_empty(), "{} checks failed", failures.len());
    assert!(errors_expected > 300 && quiet_expected > 100);
}
