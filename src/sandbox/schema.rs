//! OpenAPI schemas as JSON Schema, and validators for them.
//!
//! OpenAPI 3.1 schemas are JSON Schema 2020-12 already. OpenAPI 3.0 and Swagger 2.0
//! schemas are converted: `nullable: true` (and `x-nullable`) becomes a type that
//! also allows `null`; a boolean `exclusiveMinimum`/`exclusiveMaximum` becomes the
//! numeric form. The whole document is registered once as a resource, so a `$ref`
//! to `#/components/schemas/X` (or `#/definitions/X`) resolves inside it; nothing is
//! ever fetched (remote references fail to compile, they are not followed).
//!
//! Which way a schema is read matters: a `readOnly` property is not required of a
//! request, nor a `writeOnly` one of a response.

use serde_json::{Map, Value, json};

use crate::spec::Dialect;

/// The URI the converted document is registered under.
pub const DOC_URI: &str = "urn:apiwatch:spec";

/// The URI of the document as read one way.
fn doc_uri(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => "urn:apiwatch:spec:request",
        Direction::Response => "urn:apiwatch:spec:response",
    }
}

/// Which way a schema is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// `schema` (anywhere in an OpenAPI document) as JSON Schema 2020-12.
pub fn convert(schema: &Value, dialect: Dialect, direction: Option<Direction>) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                let v = match k.as_str() {
                    // Maps of schemas: a property may be called `default` or `enum`.
                    "properties" | "patternProperties" | "$defs" | "definitions"
                    | "dependentSchemas" | "schemas" => match v {
                        Value::Object(named) => Value::Object(
                            named
                                .iter()
                                .map(|(name, s)| (name.clone(), convert(s, dialect, direction)))
                                .collect(),
                        ),
                        other => convert(other, dialect, direction),
                    },
                    // Examples and vendor extensions are data, not schemas.
                    "example" | "examples" | "default" | "enum" | "const" => v.clone(),
                    _ if k.starts_with("x-") => v.clone(),
                    _ => convert(v, dialect, direction),
                };
                out.insert(k.clone(), v);
            }
            if dialect != Dialect::OpenApi31 {
                legacy_keywords(&mut out);
            }
            if let Some(direction) = direction {
                drop_one_way_required(&mut out, direction);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| convert(v, dialect, direction))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// OpenAPI 3.0 / Swagger 2.0 keywords in their JSON Schema form.
fn legacy_keywords(out: &mut Map<String, Value>) {
    let nullable = out.remove("nullable").and_then(|v| v.as_bool()) == Some(true)
        || out.get("x-nullable").and_then(Value::as_bool) == Some(true);
    if nullable {
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(mut ts)) if !ts.contains(&json!("null")) => {
                ts.push(json!("null"));
                out.insert("type".into(), Value::Array(ts));
            }
            _ => {}
        }
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(b) = out.remove(bound) {
                    out.insert(exclusive.into(), b);
                } else {
                    out.remove(exclusive);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(exclusive);
            }
            _ => {}
        }
    }
    // `$ref` with siblings: in 3.0 the siblings are ignored; keep the reference only.
    if out.contains_key("$ref") {
        out.retain(|k, _| k == "$ref" || k.starts_with("x-"));
    }
}

/// A `readOnly` property is not sent, a `writeOnly` one not returned: neither is
/// required the other way.
fn drop_one_way_required(out: &mut Map<String, Value>, direction: Direction) {
    let flag = match direction {
        Direction::Request => "readOnly",
        Direction::Response => "writeOnly",
    };
    let Some(Value::Object(props)) = out.get("properties") else {
        return;
    };
    let one_way: Vec<String> = props
        .iter()
        .filter(|(_, p)| p.get(flag).and_then(Value::as_bool) == Some(true))
        .map(|(k, _)| k.clone())
        .collect();
    if one_way.is_empty() {
        return;
    }
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|r| !r.as_str().is_some_and(|r| one_way.iter().any(|w| w == r)));
    }
}

/// The validators of one document.
pub struct Validators {
    registry: jsonschema::Registry<'static>,
}

/// A violation of a schema: where in the instance, where in the schema, what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer into what was validated (with the part's prefix: `/body/name`,
    /// `/query/limit`).
    pub pointer: String,
    pub message: String,
}

impl Validators {
    /// Registers the converted document. Fails on a document `referencing` cannot
    /// index (its message names the problem).
    pub fn new(root: &Value, dialect: Dialect) -> Result<Validators, String> {
        // One copy per direction: a `readOnly` property of a referenced schema is
        // not required of a request, nor a `writeOnly` one of a response.
        let registry = jsonschema::Registry::new()
            .retriever(NoRetrieval)
            .add(
                doc_uri(Direction::Request),
                convert(root, dialect, Some(Direction::Request)),
            )
            .map_err(|e| e.to_string())?
            .add(
                doc_uri(Direction::Response),
                convert(root, dialect, Some(Direction::Response)),
            )
            .map_err(|e| e.to_string())?
            .prepare()
            .map_err(|e| e.to_string())?;
        Ok(Validators { registry })
    }

    /// A validator for `schema`, a schema node of the document.
    pub fn compile(
        &self,
        schema: &Value,
        dialect: Dialect,
        direction: Direction,
    ) -> Result<jsonschema::Validator, String> {
        let mut converted = convert(schema, dialect, Some(direction));
        // The schema's own `#/...` references point into the document, not into
        // the schema being compiled.
        absolute_refs(&mut converted, doc_uri(direction));
        if let Value::Object(map) = &mut converted {
            map.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
        }
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_registry(&self.registry)
            .with_base_uri("urn:apiwatch:schema")
            .with_retriever(NoRetrieval)
            .should_validate_formats(true)
            .build(&converted)
            .map_err(|e| e.to_string())
    }
}

/// `#/components/schemas/X` as `urn:apiwatch:spec#/components/schemas/X`.
fn absolute_refs(v: &mut Value, uri: &str) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match (k.as_str(), child) {
                    ("$ref", Value::String(r)) if r.starts_with('#') => {
                        *r = format!("{uri}{r}");
                    }
                    (
                        "properties" | "patternProperties" | "$defs" | "definitions"
                        | "dependentSchemas",
                        Value::Object(named),
                    ) => named.values_mut().for_each(|s| absolute_refs(s, uri)),
                    ("enum" | "const" | "example" | "examples" | "default", _) => {}
                    (_, child) => absolute_refs(child, uri),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| absolute_refs(i, uri)),
        _ => {}
    }
}

/// The most violations reported for one part of a request: a body of 200,000 bad
/// items is said to be bad without 200,000 lines (the rest are counted).
pub const MAX_VIOLATIONS: usize = 100;

pub fn violations(
    validator: &jsonschema::Validator,
    instance: &Value,
    prefix: &str,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut more = 0usize;
    for e in validator.iter_errors(instance) {
        if out.len() < MAX_VIOLATIONS {
            out.push(Violation {
                pointer: format!("{prefix}{}", e.instance_path().as_str()),
                message: e.masked().to_string(),
            });
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push(Violation {
            pointer: prefix.to_owned(),
            message: format!("and {more} more violations"),
        });
    }
    out
}

/// Remote references are never fetched.
struct NoRetrieval;

impl jsonschema::Retrieve for NoRetrieval {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("remote references are not followed: {}", uri.as_str()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_30_keywords_become_json_schema() {
        let s = json!({
            "type": "object",
            "required": ["id", "name", "secret"],
            "properties": {
                "id": {"type": "integer", "readOnly": true, "minimum": 0, "exclusiveMinimum": true},
                "name": {"type": "string", "nullable": true, "enum": ["a", "b"]},
                "secret": {"type": "string", "writeOnly": true},
                "ref": {"$ref": "#/components/schemas/X", "description": "ignored sibling"}
            }
        });
        let req = convert(&s, Dialect::OpenApi30, Some(Direction::Request));
        assert_eq!(req["required"], json!(["name", "secret"]));
        assert_eq!(req["properties"]["id"]["exclusiveMinimum"], json!(0));
        assert!(req["properties"]["id"].get("minimum").is_none());
        assert_eq!(req["properties"]["name"]["type"], json!(["string", "null"]));
        assert_eq!(req["properties"]["name"]["enum"], json!(["a", "b", null]));
        assert_eq!(
            req["properties"]["ref"],
            json!({"$ref": "#/components/schemas/X"})
        );
        let resp = convert(&s, Dialect::OpenApi30, Some(Direction::Response));
        assert_eq!(resp["required"], json!(["id", "name"]));
    }

    #[test]
    fn references_resolve_inside_the_document_and_nowhere_else() {
        let doc = json!({
            "openapi": "3.0.3",
            "components": {"schemas": {"Pet": {"type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}, "age": {"type": "integer", "nullable": true}}}}}
        });
        let v = Validators::new(&doc, Dialect::OpenApi30).unwrap();
        let pet = v
            .compile(
                &json!({"$ref": "#/components/schemas/Pet"}),
                Dialect::OpenApi30,
                Direction::Request,
            )
            .unwrap();
        assert!(pet.is_valid(&json!({"name": "Rex", "age": null})));
        let errs = violations(&pet, &json!({"age": "old"}), "/body");
        let pointers: Vec<&str> = errs.iter().map(|e| e.pointer.as_str()).collect();
        assert!(
            pointers.contains(&"/body") && pointers.contains(&"/body/age"),
            "{errs:?}"
        );
        assert!(
            v.compile(
                &json!({"$ref": "https://elsewhere.example/schema.json"}),
                Dialect::OpenApi30,
                Direction::Request
            )
            .is_err()
        );
    }
}
