//! A request checked against its operation: required parameters, parameter values
//! (read in their style, then validated against their schema), the content type,
//! and the body against its schema.
//!
//! Each violation names where it is (`/query/limit`, `/header/x-api-key`,
//! `/path/id`, `/body/email`) and what is wrong. Missing or malformed parameters
//! and bodies are a `400`; a content type the operation does not take is a `415`; a
//! well-formed body that breaks its schema is a `422`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::routes::{Media, Param, Route, percent_decode};
use super::schema::{Direction, Validators, Violation, violations};
use crate::spec::Dialect;

/// What is wrong with a request, by the status it earns.
#[derive(Debug, Default)]
pub struct Problems {
    /// Missing or malformed parameters or body: `400`.
    pub bad: Vec<Violation>,
    /// A content type the operation does not take: `415`.
    pub media: Vec<Violation>,
    /// A body that breaks its schema: `422`.
    pub invalid: Vec<Violation>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.bad.is_empty() && self.media.is_empty() && self.invalid.is_empty()
    }

    /// The status for the worst kind present.
    pub fn status(&self) -> u16 {
        if !self.media.is_empty() {
            415
        } else if !self.bad.is_empty() {
            400
        } else {
            422
        }
    }

    pub fn all(&self) -> Vec<Violation> {
        self.media
            .iter()
            .chain(&self.bad)
            .chain(&self.invalid)
            .cloned()
            .collect()
    }
}

/// The parts of a request the checks read.
pub struct Incoming<'r> {
    pub path_params: &'r BTreeMap<String, String>,
    pub query: &'r str,
    /// Header names lower-cased.
    pub headers: &'r BTreeMap<String, String>,
    pub body: &'r [u8],
}

fn violation(pointer: String, message: impl Into<String>) -> Violation {
    Violation {
        pointer,
        message: message.into(),
    }
}

/// `a=1&b=2&b=3` as name → values, decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// A parameter's text as the JSON value its schema describes (`"5"` as `5` for an
/// integer); text that does not read as that type stays text, for the schema to
/// reject with a message that says so.
pub fn coerce(text: &str, schema: &Value) -> Value {
    match schema_type(schema) {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(text)),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| json!(text)),
        Some("boolean") => match text {
            "true" => json!(true),
            "false" => json!(false),
            _ => json!(text),
        },
        Some("null") if text.is_empty() || text == "null" => Value::Null,
        _ => json!(text),
    }
}

/// The value of a parameter from its occurrences, read in its style: arrays as
/// repeated keys (`form`, exploded), comma-, space- or pipe-separated lists, and
/// `deepObject` (`filter[status]=open`).
fn read_param(param: &Param, values: &[String], deep: &Map<String, Value>) -> Value {
    let schema = param
        .schema
        .as_ref()
        .map(|s| &s.schema)
        .unwrap_or(&Value::Null);
    let item_schema = schema.get("items").unwrap_or(&Value::Null);
    match schema_type(schema) {
        Some("array") => {
            let explode = param
                .explode
                .unwrap_or(param.style.as_deref().unwrap_or("form") == "form");
            let sep = match param.style.as_deref() {
                Some("spaceDelimited") => ' ',
                Some("pipeDelimited") => '|',
                _ => ',',
            };
            let items: Vec<&str> = if explode && param.location == "query" {
                values.iter().map(String::as_str).collect()
            } else {
                values.iter().flat_map(|v| v.split(sep)).collect()
            };
            Value::Array(items.into_iter().map(|i| coerce(i, item_schema)).collect())
        }
        Some("object") if param.style.as_deref() == Some("deepObject") => {
            Value::Object(deep.clone())
        }
        _ => values
            .last()
            .map(|v| coerce(v, schema))
            .unwrap_or(Value::Null),
    }
}

/// Whether `offered` (a request's content type) is one `declared` takes.
pub fn media_matches(declared: &str, offered: &str) -> bool {
    let base = |m: &str| {
        m.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let (d, o) = (base(declared), base(offered));
    if d == o || d == "*/*" {
        return true;
    }
    match (d.split_once('/'), o.split_once('/')) {
        (Some((dt, "*")), Some((ot, _))) => dt == ot,
        _ => false,
    }
}

/// Whether a media type carries JSON (`application/json`, `application/vnd.x+json`).
pub fn is_json(media: &str) -> bool {
    let m = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json") || m == "*/*"
}

/// Checks a request against its route.
pub fn check(
    route: &Route,
    req: &Incoming<'_>,
    validators: &Validators,
    dialect: Dialect,
) -> Problems {
    let mut p = Problems::default();
    let pairs = query_pairs(req.query);
    let cookies: Vec<(String, String)> = req
        .headers
        .get("cookie")
        .map(|c| {
            c.split(';')
                .filter_map(|kv| kv.trim().split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    for param in &route.params {
        // The spec's own `Accept`, `Content-Type` and `Authorization` headers are
        // what HTTP and auth handle, as OpenAPI says.
        if param.location == "header"
            && ["accept", "content-type", "authorization"].contains(&param.name.as_str())
        {
            continue;
        }
        let mut deep = Map::new();
        let values: Vec<String> = match param.location.as_str() {
            "path" => req
                .path_params
                .get(&param.name)
                .cloned()
                .into_iter()
                .collect(),
            "query" => {
                let prefix = format!("{}[", param.name);
                for (k, v) in &pairs {
                    if let Some(key) = k.strip_prefix(&prefix).and_then(|r| r.strip_suffix(']')) {
                        deep.insert(key.to_owned(), json!(v));
                    }
                }
                pairs
                    .iter()
                    .filter(|(k, _)| k == &param.name)
                    .map(|(_, v)| v.clone())
                    .collect()
            }
            "header" => req
                .headers
                .get(&param.name.to_ascii_lowercase())
                .cloned()
                .into_iter()
                .collect(),
            "cookie" => cookies
                .iter()
                .filter(|(k, _)| k == &param.name)
                .map(|(_, v)| v.clone())
                .collect(),
            _ => continue,
        };
        let pointer = format!("/{}/{}", param.location, param.name);
        if values.is_empty() && deep.is_empty() {
            if param.required {
                p.bad.push(violation(
                    pointer,
                    format!(
                        "required {} parameter `{}` is missing",
                        param.location, param.name
                    ),
                ));
            }
            continue;
        }
        let Some(schema) = &param.schema else {
            continue;
        };
        let value = read_param(param, &values, &deep);
        if let Some(v) = schema.validator(validators, dialect, Direction::Request) {
            p.bad.extend(violations(v, &value, &pointer));
        }
    }
    check_body(route, req, validators, dialect, &mut p);
    p
}

fn check_body(
    route: &Route,
    req: &Incoming<'_>,
    validators: &Validators,
    dialect: Dialect,
    p: &mut Problems,
) {
    let Some(body) = &route.body else { return };
    let empty = req.body.iter().all(u8::is_ascii_whitespace);
    if empty {
        if body.required {
            p.bad
                .push(violation("/body".into(), "a request body is required"));
        }
        return;
    }
    let offered = req
        .headers
        .get("content-type")
        .map(String::as_str)
        .unwrap_or("");
    if offered.is_empty() {
        p.media.push(violation(
            "/header/content-type".into(),
            format!(
                "no Content-Type; this operation takes {}",
                body.content
                    .iter()
                    .map(|m| m.media_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        return;
    }
    let Some(media) = body
        .content
        .iter()
        .find(|m| media_matches(&m.media_type, offered))
    else {
        p.media.push(violation(
            "/header/content-type".into(),
            format!(
                "Content-Type `{offered}` is not one this operation takes ({})",
                body.content
                    .iter()
                    .map(|m| m.media_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        return;
    };
    let Some(instance) = parse_body(media, offered, req.body, p) else {
        return;
    };
    if let Some(schema) = &media.schema
        && let Some(v) = schema.validator(validators, dialect, Direction::Request)
    {
        p.invalid.extend(violations(v, &instance, "/body"));
    }
}

/// The body as a JSON value (JSON, or a form read by its schema's property types);
/// `None` (with a violation) when it does not parse, or when it is of a kind whose
/// schema is not checked here (multipart, text).
fn parse_body(media: &Media, offered: &str, bytes: &[u8], p: &mut Problems) -> Option<Value> {
    if is_json(offered) || is_json(&media.media_type) {
        return match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                p.bad.push(violation(
                    "/body".into(),
                    format!("the body is not valid JSON: {e}"),
                ));
                None
            }
        };
    }
    if offered.starts_with("application/x-www-form-urlencoded") {
        let props = media
            .schema
            .as_ref()
            .and_then(|s| s.schema.get("properties"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut form = Map::new();
        for (k, v) in query_pairs(&String::from_utf8_lossy(bytes)) {
            let schema = props.get(&k).unwrap_or(&Value::Null);
            form.insert(k, coerce(&v, schema));
        }
        return Some(Value::Object(form));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_match_with_parameters_and_wildcards() {
        assert!(media_matches(
            "application/json",
            "application/json; charset=utf-8"
        ));
        assert!(media_matches("application/*", "application/xml"));
        assert!(media_matches("*/*", "text/plain"));
        assert!(!media_matches("application/json", "text/plain"));
        assert!(is_json("application/vnd.api+json"));
    }

    #[test]
    fn parameter_text_becomes_the_schema_type() {
        assert_eq!(coerce("5", &json!({"type": "integer"})), json!(5));
        assert_eq!(coerce("five", &json!({"type": "integer"})), json!("five"));
        assert_eq!(
            coerce("true", &json!({"type": ["boolean", "null"]})),
            json!(true)
        );
        assert_eq!(
            query_pairs("a=1&b=x%20y&b=z+w"),
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("b".into(), "z w".into())
            ]
        );
    }
}
