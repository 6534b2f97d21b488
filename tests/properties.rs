//! Properties of the diff engine: comparing a document with itself finds nothing,
//! and diffing is deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use apiwatch::spec::load::parse_document;
use proptest::prelude::*;
use serde_json::{Value, json};

fn run(a: &Value, b: &Value) -> Vec<String> {
    let da = parse_document(a.to_string().as_bytes(), "a").unwrap();
    let db = parse_document(b.to_string().as_bytes(), "b").unwrap();
    apiwatch::compare(
        &da,
        &db,
        &apiwatch::CompareOptions {
            today: "2026-11-26".into(),
            ..Default::default()
        },
    )
    .into_iter()
    .map(|f| format!("{} {} {}", f.rule, f.location, f.fingerprint))
    .collect()
}

fn schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!({"type": "string"})),
        Just(json!({"type": "integer", "minimum": 0})),
        Just(json!({"type": "string", "enum": ["a", "b"]})),
        Just(json!({"type": ["string", "null"]})),
        Just(json!({"$ref": "#/components/schemas/Node"})),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::btree_map("[a-z]{1,6}", inner.clone(), 0..4).prop_map(|props| {
                let required: Vec<&String> = props.keys().take(1).collect();
                json!({"type": "object", "properties": props, "required": required})
            }),
            inner
                .clone()
                .prop_map(|i| json!({"type": "array", "items": i})),
            prop::collection::vec(inner, 2..3).prop_map(|v| json!({"oneOf": v})),
        ]
    })
}

fn spec() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("/[a-z]{1,5}(/\\{id\\})?", (schema(), schema(), any::<bool>()), 1..5).prop_map(|paths| {
        let mut p = serde_json::Map::new();
        for (path, (req, resp, required)) in paths {
            p.insert(
                path,
                json!({"post": {
                    "parameters": [{"in": "query", "name": "q", "required": required, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": req}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": resp}}}}
                }}),
            );
        }
        json!({
            "openapi": "3.1.0",
            "paths": p,
            "components": {"schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}, "v": {"type": "string"}}}}}
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_document_compared_with_itself_has_no_findings(s in spec()) {
        prop_assert!(run(&s, &s).is_empty());
    }

    #[test]
    fn diffing_is_deterministic(a in spec(), b in spec()) {
        prop_assert_eq!(run(&a, &b), run(&a, &b));
    }
}
