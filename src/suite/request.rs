//! A step as an HTTP request: its values (with `${name}` filled in from earlier
//! captures) where it gives them, and values generated from the pinned schemas
//! where a required input is not given, so a case names only what matters to it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::cases::Step;
use crate::sandbox::generate::Generator;
use crate::sandbox::request::is_json;
use crate::sandbox::schema::{Direction, convert};
use crate::spec::Document;
use crate::spec::model::Operation;

/// A request ready to send (and to send again).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: reqwest::Method,
    /// Base URL and path, parameters filled in.
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// (content type, bytes).
    pub body: Option<(String, Vec<u8>)>,
}

impl Prepared {
    pub fn full_url(&self) -> String {
        if self.query.is_empty() {
            return self.url.clone();
        }
        let q: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
            .collect();
        format!("{}?{}", self.url, q.join("&"))
    }
}

/// A value `${name}` could not be filled in (an earlier step did not capture it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled(pub String);

/// Fills `${name}` in a value: a string that is only a reference becomes the
/// captured value itself (a number stays a number); others get its text.
pub fn fill(v: &Value, vars: &BTreeMap<String, Value>) -> Result<Value, Unfilled> {
    Ok(match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && !name.contains(['{', '}', '$'])
            {
                return vars
                    .get(name)
                    .cloned()
                    .ok_or_else(|| Unfilled(name.to_owned()));
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let name = &after[..end];
                let value = vars.get(name).ok_or_else(|| Unfilled(name.to_owned()))?;
                out.push_str(&text_of(value));
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, vars)).collect::<Result<_, _>>()?),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), fill(x, vars)?)))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Builds the request for `step` of `op` against `base`. `generate` asks for
/// values the step does not give (required parameters and a body).
pub fn prepare(
    op: &Operation<'_>,
    step: &Step,
    vars: &BTreeMap<String, Value>,
    pinned: &Document,
    converted: &Value,
    base: &str,
) -> Result<Prepared, Unfilled> {
    let mut generator = Generator::for_request(converted, &op.method, &op.path);
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in &op.parameters {
        let given = match p.location.as_str() {
            "path" => step.path.get(&p.name),
            "query" => step.query.get(&p.name),
            "header" => None,
            _ => continue,
        };
        let value = match given {
            Some(v) => fill(v, vars)?,
            None if p.required || p.location == "path" => {
                let schema = p
                    .schema
                    .as_ref()
                    .map(|s| convert(&s.value, pinned.dialect, Some(Direction::Request)))
                    .unwrap_or(Value::Null);
                generator.value(&schema)
            }
            None => continue,
        };
        match p.location.as_str() {
            "path" => {
                // `simple` style: array items and object members joined by commas.
                let encoded = serialize(&value)
                    .iter()
                    .map(|(k, v)| match k {
                        Some(k) => format!("{},{}", form_escape(k), form_escape(v)),
                        None => form_escape(v),
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                let name = format!("{{{}}}", p.name);
                if path.contains(&name) {
                    path = path.replacen(&name, &encoded, 1);
                } else if let Some(start) = path.find('{')
                    && let Some(end) = path[start..].find('}')
                {
                    path.replace_range(start..start + end + 1, &encoded);
                }
            }
            "query" => query.extend(query_pairs(&p.name, &value, p.explode, p.style.as_deref())),
            _ if !["accept", "content-type", "authorization"].contains(&p.name.as_str())
                && !step.headers.keys().any(|h| h.eq_ignore_ascii_case(&p.name)) =>
            {
                headers.push((p.name.clone(), text_of(&value)));
            }
            _ => {}
        }
    }
    // Query parameters the spec does not list are sent as given.
    for (k, v) in &step.query {
        if !query.iter().any(|(q, _)| q == k) {
            query.extend(query_pairs(k, &fill(v, vars)?, None, None));
        }
    }
    for (k, v) in &step.headers {
        headers.push((k.clone(), text_of(&fill(&Value::String(v.clone()), vars)?)));
    }
    let body = match &step.body {
        Some(b) => Some(fill(b, vars)?),
        None => op.request_body.as_ref().and_then(|b| {
            let media = b
                .content
                .iter()
                .find(|(m, _)| is_json(m) || is_form(m))
                .map(|(_, m)| m)?;
            let schema = convert(
                &media.schema.as_ref()?.value,
                pinned.dialect,
                Some(Direction::Request),
            );
            Some(generator.value(&schema))
        }),
    };
    // JSON when the operation takes it, else a form (Twilio, Stripe, Mandrill).
    let takes_json = op
        .request_body
        .as_ref()
        .is_none_or(|b| b.content.is_empty() || b.content.keys().any(|m| is_json(m)));
    let body = body.map(|value| {
        if takes_json {
            (
                "application/json".to_owned(),
                serde_json::to_vec(&value).unwrap_or_default(),
            )
        } else {
            let encoded: Vec<String> = form_pairs(&value)
                .iter()
                .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
                .collect();
            (
                "application/x-www-form-urlencoded".to_owned(),
                encoded.join("&").into_bytes(),
            )
        }
    });
    Ok(Prepared {
        method: reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET),
        url: format!("{}{}", base.trim_end_matches('/'), path),
        query,
        headers,
        body,
    })
}

/// A query parameter's pairs, as OpenAPI's default (`form`, exploded) sends them:
/// `ids=1&ids=2` for an array, `a=1&b=2` for an object; `explode: false` joins
/// with commas, `deepObject` writes `name[key]=value`.
fn query_pairs(
    name: &str,
    value: &Value,
    explode: Option<bool>,
    style: Option<&str>,
) -> Vec<(String, String)> {
    let explode = explode.unwrap_or(true);
    let parts = serialize(value);
    match (value, style, explode) {
        (Value::Object(_), Some("deepObject"), _) => parts
            .into_iter()
            .map(|(k, v)| (format!("{name}[{}]", k.unwrap_or_default()), v))
            .collect(),
        (Value::Object(_), _, true) => parts
            .into_iter()
            .map(|(k, v)| (k.unwrap_or_else(|| name.to_owned()), v))
            .collect(),
        (Value::Array(_), _, true) => parts
            .into_iter()
            .map(|(_, v)| (name.to_owned(), v))
            .collect(),
        (Value::Array(_) | Value::Object(_), _, false) => vec![(
            name.to_owned(),
            parts
                .into_iter()
                .map(|(k, v)| k.map_or_else(|| v.clone(), |k| format!("{k},{v}")))
                .collect::<Vec<_>>()
                .join(","),
        )],
        _ => vec![(name.to_owned(), text_of(value))],
    }
}

/// A value's parts: array items (no key) or object members (key), as text;
/// a scalar is one part.
fn serialize(value: &Value) -> Vec<(Option<String>, String)> {
    match value {
        Value::Array(items) => items.iter().map(|v| (None, text_of(v))).collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (Some(k.clone()), text_of(v)))
            .collect(),
        other => vec![(None, text_of(other))],
    }
}

fn is_form(media: &str) -> bool {
    media.starts_with("application/x-www-form-urlencoded")
}

/// Percent-encoding for form values, query strings and path segments.
pub fn form_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A value as form fields, the way the sandbox (and Stripe) read them: nested
/// objects as `a[b]`, arrays as repeated keys.
fn form_pairs(value: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}[{k}]")
                    };
                    walk(&key, child, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(prefix, item, out);
                }
            }
            Value::Null => {}
            other => out.push((prefix.to_owned(), text_of(other))),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// A JSON value as the text a URL or header carries.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_references_keeping_types() {
        let vars: BTreeMap<String, Value> = [
            ("id".to_owned(), json!(42)),
            ("run_id".to_owned(), json!("r1")),
        ]
        .into();
        assert_eq!(fill(&json!("${id}"), &vars), Ok(json!(42)));
        assert_eq!(
            fill(
                &json!({"email": "ci+${run_id}@example.com", "n": ["${id}"]}),
                &vars
            ),
            Ok(json!({"email": "ci+r1@example.com", "n": [42]}))
        );
        assert_eq!(fill(&json!("${gone}"), &vars), Err(Unfilled("gone".into())));
        assert_eq!(
            query_pairs("ids", &json!([1, 2]), None, None),
            vec![
                ("ids".to_owned(), "1".to_owned()),
                ("ids".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(
            query_pairs("ids", &json!([1, 2]), Some(false), None),
            vec![("ids".to_owned(), "1,2".to_owned())]
        );
        assert_eq!(
            query_pairs("filter", &json!({"a": 1}), None, Some("deepObject")),
            vec![("filter[a]".to_owned(), "1".to_owned())]
        );
        // Two references, not one named `id}-{run_id`.
        assert_eq!(fill(&json!("${id}-${run_id}"), &vars), Ok(json!("42-r1")));
    }
}
