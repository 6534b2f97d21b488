//! PROBE: the operations a contract uses, called on its embedded sandbox.
//!
//! For a contract whose `[sandbox]` is `embedded = true`, `apiwatch run` starts the
//! sandbox in-process on a loopback port, serving what the contract says (`serve =
//! "upstream"`: the vendor's current spec, so the integration meets tomorrow's
//! behaviour; else the pinned snapshot). Each operation in `[[uses]]` is then called
//! once, as the **pinned** spec describes it: path parameters, the required query
//! parameters and headers, and a JSON body with the required fields, generated from
//! the pinned schemas. What comes back is judged against the pinned spec:
//!
//! - a `4xx`/`5xx` is `probe-request-rejected` (with the sandbox's violations);
//! - a success status the pinned operation does not document is
//!   `probe-status-undocumented`;
//! - a body that breaks the pinned response schema is `probe-response-invalid`, each
//!   violation with its instance pointer.
//!
//! Credentials: the sandbox checks those the contract names; a variable that is not
//! set gets a stand-in value on both sides (the sandbox is in this process), so the
//! auth flow itself (an OAuth token fetched and sent) is exercised offline.

use std::net::SocketAddr;

use base64::Engine as _;
use serde_json::Value;

use crate::finding::catalog::Probe;
use crate::finding::{Draft, Finding, Identity, InUse, OperationRef};
use crate::map::Contract;
use crate::sandbox::auth::Emulation;
use crate::sandbox::generate::{Generator, Rng};
use crate::sandbox::request::is_json;
use crate::sandbox::schema::{Direction, Validators, convert, violations};
use crate::sandbox::{Sandbox, contract as sandbox_contract};
use crate::spec::Document;
use crate::spec::model::{ApiModel, Operation};

/// What stands in for a credential whose variable is not set.
fn stand_in(var: &str) -> String {
    format!("apiwatch-stand-in-{}", var.to_ascii_lowercase())
}

/// The most violations quoted in one finding.
const QUOTED: usize = 8;

/// Probes the operations `contract` uses: `served` is what the sandbox serves,
/// `pinned` what the answers are judged against.
pub async fn probe(contract: &Contract, pinned: &Document, served: &Document) -> Vec<Finding> {
    let Some(config) = contract.sandbox.as_ref().filter(|s| s.embedded) else {
        return Vec::new();
    };
    let env = |v: &str| std::env::var(v).ok().or_else(|| Some(stand_in(v)));
    let unavailable = |why: String| {
        finding(
            contract,
            Probe::SandboxUnavailable,
            None,
            format!("embedded sandbox: {why}"),
            None,
        )
        .into_iter()
        .collect::<Vec<_>>()
    };
    let options = match sandbox_contract::options(config, &env) {
        Ok(o) => o,
        Err(e) => return unavailable(e),
    };
    let auth = options.auth.clone();
    let sandbox = match Sandbox::new(served, options) {
        Ok(s) => s,
        Err(e) => return unavailable(e.to_string()),
    };
    let running = match sandbox.start(SocketAddr::from(([127, 0, 0, 1], 0))).await {
        Ok(r) => r,
        Err(e) => return unavailable(format!("cannot listen on loopback: {e}")),
    };
    let http = reqwest::Client::new();
    let authorization = match credentials(&http, &auth, running.addr).await {
        Ok(a) => a,
        Err(why) => {
            let _ = running.stop().await;
            return unavailable(why);
        }
    };
    let model = ApiModel::build(pinned);
    let validators = Validators::new(&pinned.root, pinned.dialect).ok();
    let converted = convert(&pinned.root, pinned.dialect, None);
    let mut out = Vec::new();
    for used in &contract.uses {
        let Some(op) = model.find(&used.operation) else {
            continue;
        };
        let request = build(op, &converted, pinned, &running.url);
        let mut call = http.request(
            reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET),
            request.url_with_query(),
        );
        for (k, v) in request.headers.iter().chain(&authorization) {
            call = call.header(k.as_str(), v.as_str());
        }
        if let Some(v) = &config.version_header {
            call = call.header(v.name.as_str(), v.value.as_str());
        }
        match &request.body {
            Some(Body::Json(body)) => {
                call = call
                    .header("content-type", "application/json")
                    .body(serde_json::to_vec(body).unwrap_or_default());
            }
            Some(Body::Form(pairs)) => {
                let encoded: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
                    .collect();
                call = call
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(encoded.join("&"));
            }
            None => {}
        }
        let in_use = InUse {
            in_use: true,
            compliance_kind: used.compliance.clone(),
        };
        let response = match call.send().await {
            Ok(r) => r,
            Err(e) => {
                out.extend(finding(
                    contract,
                    Probe::SandboxUnavailable,
                    Some((op, in_use)),
                    format!("the call failed: {e}"),
                    None,
                ));
                continue;
            }
        };
        let answered = Answered {
            status: response.status().as_u16(),
            media: response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            text: response.text().await.unwrap_or_default(),
        };
        out.extend(judge(
            contract,
            (op, in_use),
            &answered,
            validators.as_ref(),
            pinned,
        ));
    }
    let _ = running.stop().await;
    out
}

/// The `Authorization` (or API-key) header the contract's auth asks for; OAuth 2.0
/// fetches a token from the sandbox's token endpoint first.
async fn credentials(
    http: &reqwest::Client,
    auth: &Emulation,
    addr: SocketAddr,
) -> Result<Vec<(String, String)>, String> {
    Ok(match auth {
        Emulation::None => Vec::new(),
        Emulation::ApiKey { header, value } => vec![(header.clone(), value.clone())],
        Emulation::Bearer { token } => vec![("Authorization".into(), format!("Bearer {token}"))],
        Emulation::Basic { user, password } => {
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            vec![("Authorization".into(), format!("Basic {pair}"))]
        }
        Emulation::OAuth2(o) => {
            let reply = http
                .post(format!("http://{addr}{}", o.token_path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}",
                    form_escape(&o.client_id),
                    form_escape(&o.client_secret)
                ))
                .send()
                .await
                .map_err(|e| format!("the token endpoint failed: {e}"))?;
            let status = reply.status();
            let body: Value = serde_json::from_slice(&reply.bytes().await.unwrap_or_default())
                .unwrap_or(Value::Null);
            let token = body
                .get("access_token")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("the token endpoint answered {status}: {body}"))?;
            vec![("Authorization".into(), format!("Bearer {token}"))]
        }
    })
}

fn form_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A request as the pinned operation describes it.
struct Request {
    url: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Body>,
}

enum Body {
    Json(Value),
    /// `name=value` pairs, nested objects as `a[b]` and arrays as repeated keys.
    Form(Vec<(String, String)>),
}

/// A generated object as form fields, the way the sandbox (and Stripe) read them.
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

impl Request {
    fn url_with_query(&self) -> String {
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

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Path parameters, required query parameters and headers, and a JSON body with
/// the required fields, generated from the pinned schemas.
fn build(op: &Operation<'_>, converted: &Value, pinned: &Document, base: &str) -> Request {
    let mut generator = Generator {
        root: converted,
        rng: Rng::seeded(&[op.method.as_bytes(), op.path.as_bytes()]),
        dynamic: false,
        check: None,
        minimal: true,
        property: None,
    };
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in &op.parameters {
        let schema = p
            .schema
            .as_ref()
            .map(|s| convert(&s.value, pinned.dialect, Some(Direction::Request)))
            .unwrap_or(Value::Null);
        let mut value = || text_of(&generator.value(&schema));
        match p.location.as_str() {
            "path" => {
                let v = value();
                let encoded: String = form_escape(&v);
                // The template's own name (`{contactId}`), whatever the key says.
                let name = format!("{{{}}}", p.name);
                if path.contains(&name) {
                    path = path.replacen(&name, &encoded, 1);
                } else if let Some(start) = path.find('{')
                    && let Some(end) = path[start..].find('}')
                {
                    path.replace_range(start..start + end + 1, &encoded);
                }
            }
            "query" if p.required => query.push((p.name.clone(), value())),
            "header"
                if p.required
                    && !["accept", "content-type", "authorization"].contains(&p.name.as_str()) =>
            {
                headers.push((p.name.clone(), value()));
            }
            _ => {}
        }
    }
    // JSON when the operation takes it, else a form (Twilio, Stripe, Mandrill).
    let body = op.request_body.as_ref().and_then(|b| {
        let (media_type, media) = b.content.iter().find(|(m, _)| is_json(m)).or_else(|| {
            b.content
                .iter()
                .find(|(m, _)| m.starts_with("application/x-www-form-urlencoded"))
        })?;
        let schema = convert(
            &media.schema.as_ref()?.value,
            pinned.dialect,
            Some(Direction::Request),
        );
        let value = generator.value(&schema);
        Some(if is_json(media_type) {
            Body::Json(value)
        } else {
            Body::Form(form_pairs(&value))
        })
    });
    Request {
        url: format!("{}{}", base.trim_end_matches('/'), path),
        query,
        headers,
        body,
    }
}

/// What the sandbox answered.
struct Answered {
    status: u16,
    media: String,
    text: String,
}

/// The answer judged against the pinned operation.
fn judge(
    contract: &Contract,
    (op, in_use): (&Operation<'_>, InUse),
    answered: &Answered,
    validators: Option<&Validators>,
    pinned: &Document,
) -> Option<Finding> {
    let (status, media, text) = (
        answered.status,
        answered.media.as_str(),
        answered.text.as_str(),
    );
    let body: Option<Value> = serde_json::from_str(text).ok();
    if !(200..300).contains(&status) {
        let detail = body
            .as_ref()
            .and_then(|b| b.get("violations"))
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .take(QUOTED)
                    .map(|x| format!("{}: {}", text_of(&x["pointer"]), text_of(&x["message"])))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .filter(|d| !d.is_empty())
            .or_else(|| {
                let b = body.as_ref()?;
                // The sandbox names its spec file; the finding says what it means.
                if b.get("type").and_then(Value::as_str)
                    == Some("urn:apiwatch:sandbox:no-such-operation")
                {
                    Some("the vendor serves no such operation".to_owned())
                } else {
                    b.get("detail").map(text_of)
                }
            })
            .unwrap_or_default();
        return finding(
            contract,
            Probe::RequestRejected,
            Some((op, in_use)),
            format!("answered {status} to a request the pinned spec allows: {detail}"),
            Some(text.chars().take(2000).collect()),
        );
    }
    let class = format!("{}XX", status / 100);
    let documented = op
        .responses
        .iter()
        .find(|(s, _)| s.as_str() == status.to_string() || s.eq_ignore_ascii_case(&class))
        .or_else(|| op.responses.iter().find(|(s, _)| s.as_str() == "default"));
    let Some((_, response)) = documented else {
        let listed: Vec<&str> = op.responses.keys().map(String::as_str).collect();
        return finding(
            contract,
            Probe::StatusUndocumented,
            Some((op, in_use)),
            format!(
                "answered {status}; the pinned spec documents {}",
                listed.join(", ")
            ),
            None,
        );
    };
    let (body, validators) = (body?, validators?);
    if !is_json(media) {
        return None;
    }
    let schema = response
        .content
        .iter()
        .find(|(m, _)| is_json(m))
        .and_then(|(_, m)| m.schema.as_ref())?;
    let validator = validators
        .compile(&schema.value, pinned.dialect, Direction::Response)
        .ok()?;
    let found = violations(&validator, &body, "");
    if found.is_empty() {
        return None;
    }
    let listed: Vec<String> = found
        .iter()
        .take(QUOTED)
        .map(|v| {
            format!(
                "{}: {}",
                if v.pointer.is_empty() {
                    "/"
                } else {
                    &v.pointer
                },
                v.message
            )
        })
        .collect();
    finding(
        contract,
        Probe::ResponseInvalid,
        Some((op, in_use)),
        format!(
            "{status} response breaks the pinned schema: {}",
            listed.join("; ")
        ),
        Some(text.chars().take(2000).collect()),
    )
}

fn finding(
    contract: &Contract,
    rule: Probe,
    op: Option<(&Operation<'_>, InUse)>,
    message: String,
    excerpt: Option<String>,
) -> Option<Finding> {
    let (operation, in_use, op_key, method) = match op {
        Some((o, in_use)) => (
            Some(OperationRef {
                method: o.method.clone(),
                path: o.path.clone(),
                operation_id: o.operation_id.clone(),
            }),
            in_use,
            o.key.clone(),
            o.method.clone(),
        ),
        None => (
            None,
            InUse {
                in_use: true,
                compliance_kind: None,
            },
            format!("~sandbox {}", contract.name),
            String::new(),
        ),
    };
    let label = operation.as_ref().map_or_else(
        || "embedded sandbox".to_owned(),
        |o| match &o.operation_id {
            Some(id) => format!("{} {} ({id})", o.method, o.path),
            None => format!("{} {}", o.method, o.path),
        },
    );
    let draft = Draft {
        rule: rule.into(),
        operation,
        location: format!("sandbox probe of {label}"),
        subject: label.clone(),
        message,
        before: None,
        after: None,
        base_pointer: None,
        revision_pointer: None,
        in_use,
        sunset: None,
        contract: Some(contract.name.clone()),
        excerpt,
        op_key: format!("{op_key} {method}"),
        identity: Identity::Change {
            method: &method,
            op_key: &op_key,
            scope: "Probe",
            path: "",
            detail: "",
        },
    };
    Finding::new(draft, &contract.policy.severity)
}
