//! The operations a sandbox serves, prepared once: path templates to match, the
//! parameters, request bodies and responses with their schemas (converted) and
//! examples, and validators compiled on first use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::schema::{Direction, Validators, convert};
use crate::spec::Dialect;
use crate::spec::Document;
use crate::spec::model::ApiModel;
use crate::spec::schema::SchemaNode;

/// A path template segment.
#[derive(Debug)]
enum Segment {
    Literal(String),
    /// `{id}`: the parameter's name.
    Param(String),
    /// `{id}.json`, `v{version}`: a segment with parameters inside, as a pattern
    /// and the names of its groups in order.
    Mixed(Regex, Vec<String>),
}

/// A schema and the validator made from it on first use.
pub struct Checked {
    pub schema: Value,
    /// The schema as written in the spec, for generation (examples stay put).
    pub source: Value,
    validator: OnceLock<Result<jsonschema::Validator, String>>,
}

impl Checked {
    fn new(node: &SchemaNode<'_>, dialect: Dialect, direction: Direction) -> Checked {
        Checked {
            schema: convert(&node.value, dialect, Some(direction)),
            source: node.value.clone().into_owned(),
            validator: OnceLock::new(),
        }
    }

    /// The validator, compiled the first time it is needed (`None` when the schema
    /// cannot be compiled: see [`Checked::compiled`] for why).
    pub fn validator(
        &self,
        validators: &Validators,
        dialect: Dialect,
        direction: Direction,
    ) -> Option<&jsonschema::Validator> {
        self.compiled(validators, dialect, direction).ok()
    }

    /// The validator, or why the schema cannot be compiled (a `$ref` to nothing, a
    /// remote reference, a pattern the validator refuses).
    pub fn compiled(
        &self,
        validators: &Validators,
        dialect: Dialect,
        direction: Direction,
    ) -> Result<&jsonschema::Validator, &str> {
        self.validator
            .get_or_init(|| validators.compile(&self.source, dialect, direction))
            .as_ref()
            .map_err(String::as_str)
    }
}

pub struct Param {
    pub name: String,
    /// `path`, `query`, `header` (lower-cased name) or `cookie`.
    pub location: String,
    pub required: bool,
    pub style: Option<String>,
    pub explode: Option<bool>,
    pub schema: Option<Checked>,
}

pub struct Media {
    pub media_type: String,
    pub schema: Option<Checked>,
    /// `example` of the media type.
    pub example: Option<Value>,
    /// `examples` by name (their `value`).
    pub examples: Vec<(String, Value)>,
}

pub struct Body {
    pub required: bool,
    pub content: Vec<Media>,
}

pub struct Reply {
    /// `200`, `4XX`, `default`.
    pub status: String,
    pub content: Vec<Media>,
    /// Header name → (required, schema).
    pub headers: Vec<(String, bool, Option<Checked>)>,
}

pub struct Route {
    pub method: String,
    /// The path as written in the spec.
    pub path: String,
    pub operation_id: Option<String>,
    pub deprecated: bool,
    pub sunset: Option<String>,
    segments: Vec<Segment>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub replies: Vec<Reply>,
}

impl Route {
    /// `GET /contacts/{id} (getContact)`.
    pub fn label(&self) -> String {
        match &self.operation_id {
            Some(id) => format!("{} {} ({id})", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

    /// The path parameters when `segments` (of a request path, base path removed)
    /// match this route's template.
    pub fn matches(&self, segments: &[&str]) -> Option<BTreeMap<String, String>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (seg, template) in segments.iter().zip(&self.segments) {
            match template {
                Segment::Literal(l) => {
                    if l != seg {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    if seg.is_empty() {
                        return None;
                    }
                    params.insert(name.clone(), percent_decode(seg));
                }
                Segment::Mixed(re, names) => {
                    let c = re.captures(seg)?;
                    for (i, name) in names.iter().enumerate() {
                        params.insert(name.clone(), percent_decode(c.get(i + 1)?.as_str()));
                    }
                }
            }
        }
        Some(params)
    }

    /// How specific the template is: literal segments first (`/contacts/search`
    /// before `/contacts/{id}`).
    fn specificity(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }
}

/// `%20` and friends decoded (invalid sequences kept as written).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(&String::from_utf8_lossy(h), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') && seg.matches('{').count() == 1 {
                return Segment::Param(seg[1..seg.len() - 1].to_owned());
            }
            if !seg.contains('{') {
                return Segment::Literal(seg.to_owned());
            }
            let mut pattern = String::from("^");
            let mut names = Vec::new();
            let mut rest = seg;
            while let Some(open) = rest.find('{') {
                pattern.push_str(&regex::escape(&rest[..open]));
                let Some(close) = rest[open..].find('}') else {
                    break;
                };
                names.push(rest[open + 1..open + close].to_owned());
                pattern.push_str("([^/]+?)");
                rest = &rest[open + close + 1..];
            }
            pattern.push_str(&regex::escape(rest));
            pattern.push('$');
            match Regex::new(&pattern) {
                Ok(re) => Segment::Mixed(re, names),
                Err(_) => Segment::Literal(seg.to_owned()),
            }
        })
        .collect()
}

/// Examples of a media type object (or, in Swagger 2.0, of a response).
fn examples_at(
    root: &Value,
    pointer: &str,
    media_type: &str,
) -> (Option<Value>, Vec<(String, Value)>) {
    let Some(node) = root.pointer(pointer) else {
        return (None, Vec::new());
    };
    let mut example = node.get("example").cloned();
    let mut named = Vec::new();
    if let Some(Value::Object(examples)) = node.get("examples") {
        for (name, ex) in examples {
            // OpenAPI 3: `{value: ...}` (a `$ref` to components/examples resolved);
            // Swagger 2.0 responses: keyed by media type, the value itself.
            let ex = match ex.get("$ref").and_then(Value::as_str) {
                Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(ex),
                None => ex,
            };
            if let Some(v) = ex.get("value") {
                named.push((name.clone(), v.clone()));
            } else if name == media_type && example.is_none() {
                example = Some(ex.clone());
            }
        }
    }
    (example, named)
}

/// The routes of a document, most specific first.
pub fn routes(doc: &Document) -> (String, Vec<Route>) {
    let model = ApiModel::build(doc);
    let dialect = doc.dialect;
    let mut out: Vec<Route> = model
        .operations
        .iter()
        .filter(|o| o.method != "WEBHOOK" && o.method != "CALLBACK")
        .map(|o| {
            let params = o
                .parameters
                .iter()
                .map(|p| Param {
                    name: p.name.clone(),
                    location: p.location.clone(),
                    required: p.required || p.location == "path",
                    style: p.style.clone(),
                    explode: p.explode,
                    schema: p
                        .schema
                        .as_ref()
                        .map(|s| Checked::new(s, dialect, Direction::Request)),
                })
                .collect();
            let media =
                |m: (&String, &crate::spec::model::MediaType<'_>), pointer: &str, direction| {
                    let (example, examples) = examples_at(&doc.root, pointer, m.0);
                    Media {
                        media_type: m.0.clone(),
                        schema: m
                            .1
                            .schema
                            .as_ref()
                            .map(|s| Checked::new(s, dialect, direction)),
                        example,
                        examples,
                    }
                };
            let body = o.request_body.as_ref().map(|b| Body {
                required: b.required,
                content: b
                    .content
                    .iter()
                    .map(|m| media(m, &m.1.pointer, Direction::Request))
                    .collect(),
            });
            let replies = o
                .responses
                .values()
                .map(|r| Reply {
                    status: r.status.clone(),
                    content: r
                        .content
                        .iter()
                        .map(|m| {
                            // Swagger 2.0 keeps examples on the response, by media type.
                            let at = if dialect == Dialect::Swagger2 {
                                &r.pointer
                            } else {
                                &m.1.pointer
                            };
                            media(m, at, Direction::Response)
                        })
                        .collect(),
                    headers: r
                        .headers
                        .iter()
                        .map(|(name, h)| {
                            (
                                name.clone(),
                                h.required,
                                h.schema
                                    .as_ref()
                                    .map(|s| Checked::new(s, dialect, Direction::Response)),
                            )
                        })
                        .collect(),
                })
                .collect();
            Route {
                method: o.method.clone(),
                path: o.path.clone(),
                operation_id: o.operation_id.clone(),
                deprecated: o.deprecated,
                sunset: o.sunset.clone(),
                segments: segments(&o.path),
                params,
                body,
                replies,
            }
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.specificity()));
    (model.base_path.clone(), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_with_parameters_inside_segments() {
        let r = |p: &str| segments(p);
        let route = Route {
            method: "GET".into(),
            path: "/Accounts/{Sid}/Calls/{CallSid}.json".into(),
            operation_id: None,
            deprecated: false,
            sunset: None,
            segments: r("/Accounts/{Sid}/Calls/{CallSid}.json"),
            params: vec![],
            body: None,
            replies: vec![],
        };
        let m = route
            .matches(&["Accounts", "AC1", "Calls", "CA%202.json"])
            .unwrap();
        assert_eq!(m["Sid"], "AC1");
        assert_eq!(m["CallSid"], "CA 2");
        assert!(route.matches(&["Accounts", "AC1", "Calls"]).is_none());
        assert!(
            route
                .matches(&["Accounts", "AC1", "Calls", "CA2.xml"])
                .is_none()
        );
    }
}
