//! One answer judged against the pinned operation: the status is documented (and
//! the one the step expects), the media type is documented, the body validates
//! against the documented schema, the fields the integration relies on are there
//! and not null, the required headers are present, the answer came in time, and
//! what the answer says about the operation's end (see [`super::signals`]).

use serde_json::Value;

use super::cases::Step;
use super::signals::Signals;
use crate::finding::catalog::Live;
use crate::sandbox::request::is_json;
use crate::sandbox::schema::{Direction, Validators};
use crate::spec::Document;
use crate::spec::model::{Operation, Response};

/// The most violations quoted in one finding.
const QUOTED: usize = 8;

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    pub latency_ms: u64,
}

impl Answer {
    pub fn media(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text, cut for an excerpt.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let cut: String = text.chars().take(2000).collect();
        if cut.len() < text.len() {
            format!("{cut}\n…")
        } else {
            cut
        }
    }
}

/// One thing wrong with an answer.
#[derive(Debug, Clone)]
pub struct Problem {
    pub rule: Live,
    /// What makes it the same problem night after night (a pointer, a status).
    pub detail: String,
    pub message: String,
    pub excerpt: Option<String>,
    /// A date the finding is due by (a sunset or deprecation date).
    pub due: Option<String>,
}

impl Problem {
    pub fn new(rule: Live, detail: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            rule,
            detail: detail.into(),
            message: message.into(),
            excerpt: None,
            due: None,
        }
    }
}

/// What the judge needs besides the answer.
pub struct Pinned<'a> {
    pub doc: &'a Document,
    pub validators: Option<&'a Validators>,
    /// A response slower than this is `sandbox-slow`.
    pub slow_ms: Option<u64>,
}

/// The documented response for `status`: exact, then its class (`2XX`), then `default`.
pub fn documented<'o, 'a>(op: &'o Operation<'a>, status: u16) -> Option<&'o Response<'a>> {
    let class = format!("{}XX", status / 100);
    op.responses
        .iter()
        .find(|(s, _)| s.as_str() == status.to_string())
        .or_else(|| {
            op.responses
                .iter()
                .find(|(s, _)| s.eq_ignore_ascii_case(&class))
        })
        .or_else(|| {
            op.responses
                .iter()
                .find(|(s, _)| s.eq_ignore_ascii_case("default"))
        })
        .map(|(_, r)| r)
}

/// Whether `status` passes the step: one it lists, else a 2xx the operation documents.
pub fn expected(step_expect: &[u16], op: &Operation<'_>, status: u16) -> bool {
    if step_expect.is_empty() {
        (200..300).contains(&status) && documented(op, status).is_some()
    } else {
        step_expect.contains(&status)
    }
}

/// Every problem with `answer` to `step` of `op`.
pub fn judge(
    pinned: &Pinned<'_>,
    op: &Operation<'_>,
    step: &Step,
    answer: &Answer,
) -> Vec<Problem> {
    let mut out = Vec::new();
    signals(&super::signals::read(&answer.headers), &mut out);
    if let Some(limit) = pinned.slow_ms
        && answer.latency_ms > limit
    {
        out.push(Problem::new(
            Live::Slow,
            "",
            format!(
                "answered in {} ms, over the contract's {limit} ms (`slow_ms`)",
                answer.latency_ms
            ),
        ));
    }
    let status = answer.status;
    let response = documented(op, status);
    let listed = step.expect.contains(&status);
    if response.is_none() && !listed {
        let documented: Vec<&str> = op.responses.keys().map(String::as_str).collect();
        let mut p = Problem::new(
            Live::StatusUndocumented,
            status.to_string(),
            format!(
                "answered {status}; the pinned spec documents {}{}",
                documented.join(", "),
                rejection(answer)
            ),
        );
        p.excerpt = Some(answer.excerpt());
        out.push(p);
        return out;
    }
    if !expected(&step.expect, op, status) {
        let wanted = if step.expect.is_empty() {
            "a documented 2xx".to_owned()
        } else {
            step.expect
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let mut p = Problem::new(
            Live::StatusUnexpected,
            status.to_string(),
            format!("answered {status}, expected {wanted}{}", rejection(answer)),
        );
        p.excerpt = Some(answer.excerpt());
        out.push(p);
        return out;
    }
    let Some(response) = response else {
        return out;
    };
    for (name, header) in &response.headers {
        if header.required && !answer.headers.contains_key(name.as_str()) {
            out.push(Problem::new(
                Live::HeaderMissing,
                name.clone(),
                format!(
                    "the {status} answer has no `{name}` header; the pinned spec marks it required"
                ),
            ));
        }
    }
    let media = answer
        .media()
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !answer.body.is_empty() && !response.content.is_empty() {
        let known = response.content.keys().any(|m| media_matches(m, &media));
        if !known {
            let listed: Vec<&str> = response.content.keys().map(String::as_str).collect();
            let mut p = Problem::new(
                Live::ContentType,
                media.clone(),
                format!(
                    "the {status} answer is `{}`; the pinned spec documents {}",
                    if media.is_empty() {
                        "(no content-type)"
                    } else {
                        &media
                    },
                    listed.join(", ")
                ),
            );
            p.excerpt = Some(answer.excerpt());
            out.push(p);
            return out;
        }
    }
    let body = if is_json(&media) { answer.json() } else { None };
    if let (Some(body), Some(validators)) = (&body, pinned.validators)
        && let Some((_, m)) = response.content.iter().find(|(m, _)| is_json(m))
        && let Some(schema) = &m.schema
        && let Ok(validator) =
            validators.compile(&schema.value, pinned.doc.dialect, Direction::Response)
    {
        let found: Vec<String> = validator
            .iter_errors(body)
            .take(QUOTED)
            .map(|e| {
                let at = e.instance_path().as_str();
                // A keyword reached through `$ref` is located in the document itself.
                let keyword = e.schema_path().as_str();
                let in_document = ["/components/", "/definitions/", "/paths/", "/$defs/"]
                    .iter()
                    .any(|p| keyword.starts_with(p));
                let spec_pointer = if in_document {
                    keyword.to_owned()
                } else {
                    format!("{}{keyword}", schema.pointer)
                };
                format!(
                    "{}: {} (schema #{spec_pointer})",
                    if at.is_empty() { "/" } else { at },
                    e.masked(),
                )
            })
            .collect();
        if !found.is_empty() {
            let mut p = Problem::new(
                Live::SchemaViolation,
                status.to_string(),
                format!(
                    "the {status} body breaks the pinned schema: {}",
                    found.join("; ")
                ),
            );
            p.excerpt = Some(answer.excerpt());
            out.push(p);
        }
    }
    let empty = Value::Null;
    for field in &step.fields {
        for (at, value) in resolve(body.as_ref().unwrap_or(&empty), field) {
            let why = match value {
                None => "missing",
                Some(Value::Null) => "null",
                Some(_) => continue,
            };
            out.push(Problem::new(
                Live::FieldMissing,
                field.clone(),
                format!(
                    "`{at}` is {why} in the {status} answer; the integration relies on `{field}`"
                ),
            ));
            break;
        }
    }
    out
}

/// What a `4xx` said about the request, for the message.
fn rejection(answer: &Answer) -> String {
    let Some(body) = answer.json() else {
        return String::new();
    };
    let violations = body
        .get("violations")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .take(QUOTED)
                .map(|x| format!("{}: {}", text(&x["pointer"]), text(&x["message"])))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|d| !d.is_empty());
    let detail = violations.or_else(|| {
        if body.get("type").and_then(Value::as_str)
            == Some("urn:apiwatch:sandbox:no-such-operation")
        {
            Some("the sandbox serves no such operation".to_owned())
        } else {
            ["detail", "message", "error"]
                .iter()
                .find_map(|k| body.get(*k))
                .map(text)
        }
    });
    detail.map(|d| format!(" ({d})")).unwrap_or_default()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a documented media type (`application/json`, `application/*`,
/// `*/*`, `application/vnd.x+json`) covers the answer's.
fn media_matches(documented: &str, got: &str) -> bool {
    let documented = documented
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if documented == got || documented == "*/*" {
        return true;
    }
    if let Some(prefix) = documented.strip_suffix("/*") {
        return got.split('/').next() == Some(prefix);
    }
    // A JSON body of any JSON flavour is read the same way.
    is_json(&documented)
        && is_json(got)
        && (documented == "application/json" || got == "application/json")
}

/// The values at `pointer` (`*` stands for every item of an array, or every
/// value of an object), each with its concrete pointer; `None` where missing.
pub fn resolve<'v>(root: &'v Value, pointer: &str) -> Vec<(String, Option<&'v Value>)> {
    let mut found: Vec<(String, Option<&Value>)> = vec![(String::new(), Some(root))];
    if pointer.is_empty() {
        return found;
    }
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for (at, value) in found {
            let Some(value) = value else {
                next.push((format!("{at}/{raw}"), None));
                continue;
            };
            if token == "*" {
                match value {
                    Value::Array(items) => next.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (format!("{at}/{i}"), Some(v))),
                    ),
                    Value::Object(m) => next.extend(m.iter().map(|(k, v)| {
                        (
                            format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                            Some(v),
                        )
                    })),
                    _ => next.push((format!("{at}/*"), None)),
                }
                continue;
            }
            let child = match value {
                Value::Object(m) => m.get(&token),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            next.push((format!("{at}/{raw}"), child));
        }
        found = next;
    }
    found
}

/// Findings for what the response headers say about the operation's end.
fn signals(s: &Signals, out: &mut Vec<Problem>) {
    let links = || {
        let mut parts = Vec::new();
        if let Some(l) = &s.successor {
            parts.push(format!("successor: {l}"));
        }
        if let Some(l) = s.sunset_link.as_ref().or(s.deprecation_link.as_ref()) {
            parts.push(format!("details: {l}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join("; "))
        }
    };
    if s.sunset.is_none()
        && (s.sunset_link.is_some() || s.unreadable.iter().any(|u| u.starts_with("Sunset")))
    {
        let what = s
            .unreadable
            .iter()
            .find(|u| u.starts_with("Sunset"))
            .map_or_else(
                || "a `Link` with rel=\"sunset\"".to_owned(),
                |u| format!("`{u}` (not a date apiwatch can read)"),
            );
        out.push(Problem::new(
            Live::SunsetHeader,
            "",
            format!(
                "the sandbox announces the operation's end with {what}{}",
                links()
            ),
        ));
    }
    if let Some(date) = &s.sunset {
        out.push(Problem {
            rule: Live::SunsetHeader,
            detail: String::new(),
            message: format!(
                "the sandbox says the operation ends on {date} (`Sunset`){}",
                links()
            ),
            excerpt: None,
            due: Some(date.clone()),
        });
    }
    if s.deprecated {
        let unreadable = s.unreadable.iter().find(|u| u.starts_with("Deprecation"));
        let since = match (&s.deprecated_on, &s.warning) {
            (Some(d), _) => format!("deprecated as of {d} (`Deprecation`)"),
            (None, _) if unreadable.is_some() => format!(
                "deprecated (`{}`, a date apiwatch cannot read)",
                unreadable.map_or("", String::as_str)
            ),
            (None, Some(w)) => format!("deprecated (`Warning: 299 {w}`)"),
            (None, None) => "deprecated (`Deprecation`)".to_owned(),
        };
        out.push(Problem {
            rule: Live::DeprecationHeader,
            detail: String::new(),
            message: format!("the sandbox marks the operation {since}{}", links()),
            excerpt: None,
            due: s.deprecated_on.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcard_pointers_reach_every_item_and_name_the_missing_one() {
        let body = json!({"results": [{"id": 1}, {"id": null}, {}]});
        let got: Vec<(String, Option<Value>)> = resolve(&body, "/results/*/id")
            .into_iter()
            .map(|(p, v)| (p, v.cloned()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/results/0/id".to_owned(), Some(json!(1))),
                ("/results/1/id".to_owned(), Some(Value::Null)),
                ("/results/2/id".to_owned(), None),
            ]
        );
        assert_eq!(resolve(&body, "/nope/x")[0].1, None);
        assert!(media_matches("application/json", "application/json"));
        assert!(media_matches("application/*", "application/hal+json"));
        assert!(media_matches(
            "application/vnd.api+json",
            "application/json"
        ));
        assert!(!media_matches("application/json", "text/html"));
    }
}
