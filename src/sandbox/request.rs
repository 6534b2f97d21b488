//! A request checked against its operation: required parameters, parameter values
//! (read in their style, then validated against their schema), the content type,
//! and the body against its schema.
//!
//! Each violation names where it is (`/query/limit`, `/header/x-api-key`,
//! `/path/id`, `/body/email`) and what is wrong. Missing or malformed parameters
//! and bodies are a `400`; a content type the operation does not take is a `415`; a
//! well-formed body that breaks its schema is a `422`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::routes::{Media, Param, Route, percent_decode};
use super::schema::{Direction, Validators, Violation, violations};
use super::shapes::Shapes;
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

/// The value of a parameter from its occurrences, read in its style: arrays as
/// repeated keys (`form`, exploded), comma-, space- or pipe-separated lists, and
/// deep objects (`filter[status]=open`, `created[gte]=…`).
fn read_param(
    shapes: Shapes<'_>,
    param: &Param,
    values: &[String],
    deep: &[(String, String)],
) -> Value {
    let schema = param
        .schema
        .as_ref()
        .map(|s| &s.schema)
        .unwrap_or(&Value::Null);
    if !deep.is_empty() {
        let wrapper = json!({"type": "object", "properties": {param.name.clone(): schema}});
        let mut read = shapes.form(deep, &wrapper);
        return read
            .get_mut(&param.name)
            .map(Value::take)
            .unwrap_or(Value::Null);
    }
    if shapes.is_array(schema) {
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
        let wrapper = json!({"type": "array", "items": {}});
        let item_schema = shapes
            .deref(schema)
            .get("items")
            .unwrap_or(&wrapper["items"]);
        return Value::Array(
            items
                .into_iter()
                .map(|i| shapes.coerce(i, item_schema))
                .collect(),
        );
    }
    values
        .last()
        .map(|v| shapes.coerce(v, schema))
        .unwrap_or(Value::Null)
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
    m == "application/json" || m.ends_with("+json")
}

/// Checks a request against its route.
pub fn check(
    route: &Route,
    req: &Incoming<'_>,
    validators: &Validators,
    dialect: Dialect,
    shapes: Shapes<'_>,
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
        let mut deep: Vec<(String, String)> = Vec::new();
        let values: Vec<String> = match param.location.as_str() {
            "path" => req
                .path_params
                .get(&param.name)
                .cloned()
                .into_iter()
                .collect(),
            "query" => {
                let prefix = format!("{}[", param.name);
                deep.extend(
                    pairs
                        .iter()
                        .filter(|(k, _)| k.starts_with(&prefix))
                        .cloned(),
                );
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
        let value = read_param(shapes, param, &values, &deep);
        if let Some(v) = schema.validator(validators, dialect, Direction::Request) {
            p.bad.extend(violations(v, &value, &pointer));
        }
    }
    check_body(route, req, validators, dialect, shapes, &mut p);
    p
}

fn check_body(
    route: &Route,
    req: &Incoming<'_>,
    validators: &Validators,
    dialect: Dialect,
    shapes: Shapes<'_>,
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
    let raw_type = req
        .headers
        .get("content-type")
        .map(String::as_str)
        .unwrap_or("");
    let offered = raw_type.to_ascii_lowercase();
    let offered = offered.as_str();
    let takes = || {
        body.content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if offered.is_empty() {
        p.media.push(violation(
            "/header/content-type".into(),
            format!("no Content-Type; this operation takes {}", takes()),
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
                takes()
            ),
        ));
        return;
    };
    let Some(instance) = parse_body(shapes, media, (offered, raw_type), req.body, p) else {
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
/// `offered` is the request's content type lower-cased, and as sent (a multipart
/// boundary is case-sensitive).
fn parse_body(
    shapes: Shapes<'_>,
    media: &Media,
    (offered, raw_type): (&str, &str),
    bytes: &[u8],
    p: &mut Problems,
) -> Option<Value> {
    if is_json(offered) {
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
        let schema = media
            .schema
            .as_ref()
            .map(|s| &s.schema)
            .unwrap_or(&Value::Null);
        return Some(shapes.form(&query_pairs(&String::from_utf8_lossy(bytes)), schema));
    }
    if offered.starts_with("multipart/form-data") {
        let schema = media
            .schema
            .as_ref()
            .map(|s| &s.schema)
            .unwrap_or(&Value::Null);
        return match multipart_fields(raw_type, bytes) {
            Some(fields) => Some(shapes.form(&fields, schema)),
            None => {
                p.bad.push(violation(
                    "/body".into(),
                    "a multipart body without its boundary, or not split by it",
                ));
                None
            }
        };
    }
    // Other bodies (text, binary) are taken as they are: their content type was
    // checked.
    None
}

/// The named parts of a `multipart/form-data` body, as (name, text) pairs; a file
/// part's value is its content read as text (enough for a schema of `type: string`).
fn multipart_fields(content_type: &str, body: &[u8]) -> Option<Vec<(String, String)>> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut parts = text.split(delimiter.as_str());
    parts.next()?; // the preamble
    let mut out = Vec::new();
    for part in parts {
        if part.starts_with("--") {
            break; // the closing delimiter
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let (head, value) = part.split_once("\r\n\r\n")?;
        let name = head.lines().find_map(|l| {
            let l = l.trim();
            if !l.to_ascii_lowercase().starts_with("content-disposition:") {
                return None;
            }
            let at = l.find("name=\"")? + 6;
            let end = l[at..].find('"')?;
            Some(l[at..at + end].to_owned())
        })?;
        out.push((name, value.strip_suffix("\r\n").unwrap_or(value).to_owned()));
    }
    Some(out)
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
    fn multipart_parts_by_name() {
        let body = "--xyz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--xyz--\r\n";
        assert_eq!(
            multipart_fields("multipart/form-data; boundary=xyz", body.as_bytes()),
            Some(vec![
                ("title".into(), "Hello".into()),
                ("file".into(), "PNGDATA".into())
            ])
        );
        assert_eq!(
            multipart_fields("multipart/form-data", body.as_bytes()),
            None
        );
    }

    #[test]
    fn parameter_text_becomes_the_schema_type() {
        let root = json!({});
        let shapes = Shapes {
            root: &root,
            csv_arrays: false,
        };
        assert_eq!(shapes.coerce("5", &json!({"type": "integer"})), json!(5));
        assert_eq!(
            shapes.coerce("five", &json!({"type": "integer"})),
            json!("five")
        );
        assert_eq!(
            shapes.coerce("true", &json!({"type": ["boolean", "null"]})),
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
