//! A receiver for deliveries from a vendor's sandbox during a test: each delivery's
//! signature is verified and its payload validated against the pinned spec's
//! webhook schemas (OpenAPI 3.1 `webhooks`), then the results are reported, as a
//! [`TestRun`] with one case per delivery.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::Value;
use tokio::sync::mpsc;

use super::replay::{Config, finding};
use super::schemes::{self, Delivery, Verifying};
use crate::finding::Finding;
use crate::finding::catalog::Hook;
use crate::map::Contract;
use crate::report::tests::{CaseResult, StepResult, TestRun};
use crate::sandbox::schema::{Direction, Validators, violations};
use crate::spec::Document;
use crate::spec::model::ApiModel;

/// What was received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Why the signature does not verify.
    pub invalid: Option<String>,
    /// Why the payload breaks the pinned webhook schema (when the spec has one).
    pub violations: Vec<String>,
}

/// One webhook's payload schema, compiled, with the values that identify it.
struct Payload {
    name: String,
    validator: jsonschema::Validator,
    /// Top-level properties fixed by `const` or a one-value `enum`.
    consts: Vec<(String, Value)>,
}

struct Shared {
    config: Config,
    /// The URL the vendor calls, for schemes that sign it; else taken from the request.
    public_url: Option<String>,
    validators: Vec<Payload>,
    now: Arc<dyn Fn() -> i64 + Send + Sync>,
    tx: mpsc::UnboundedSender<Received>,
}

/// The pinned spec's webhook (and callback) payload schemas, compiled.
fn payload_validators(pinned: &Document) -> Vec<Payload> {
    let model = ApiModel::build(pinned);
    let Ok(registry) = Validators::new(&pinned.root, pinned.dialect) else {
        return Vec::new();
    };
    // 3.1 webhooks, and the callbacks operations register.
    model
        .operations
        .iter()
        .filter(|op| op.path.starts_with("webhook:") || op.via.is_some())
        .filter_map(|op| {
            let (_, media) = op
                .request_body
                .as_ref()?
                .content
                .iter()
                .find(|(m, _)| crate::sandbox::request::is_json(m))?;
            let schema = media.schema.as_ref()?;
            let v = registry
                .compile(&schema.value, pinned.dialect, Direction::Request)
                .ok()?;
            let name = op
                .via
                .clone()
                .unwrap_or_else(|| op.path.trim_start_matches("webhook:").to_owned());
            let converted = crate::sandbox::schema::convert(
                &schema.value,
                pinned.dialect,
                Some(Direction::Request),
            );
            let resolved = converted
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|r| pinned.root.pointer(r))
                .unwrap_or(&converted);
            let consts = resolved
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, p)| {
                    let fixed = p.get("const").cloned().or_else(|| match p.get("enum") {
                        Some(Value::Array(one)) if one.len() == 1 => one.first().cloned(),
                        _ => None,
                    })?;
                    Some((k.clone(), fixed))
                })
                .collect();
            Some(Payload {
                name,
                validator: v,
                consts,
            })
        })
        .collect()
}

async fn deliver(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    // A URL check (Mailchimp's GET when a webhook is saved), a health probe, a
    // favicon: answered, not counted as deliveries.
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return StatusCode::OK;
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = match &shared.public_url {
        Some(public) => as_called(public, &uri),
        None => format!("http://{host}{uri}"),
    };
    let delivery = Delivery {
        method: method.to_string(),
        url,
        body: body.to_vec(),
        headers: headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    let c = &shared.config;
    let invalid = schemes::verify(
        &Verifying {
            scheme: c.scheme,
            key: &c.key,
            generic: &c.generic,
            signature: None,
            timestamp: None,
            now: (shared.now)(),
            tolerance: Some(c.tolerance),
        },
        &delivery,
    )
    .err()
    .map(|e| e.to_string());
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::sandbox::request::is_json)
        || body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b'['));
    // Form deliveries (Twilio, Mailchimp) have no JSON schema to meet.
    let found = if json && !shared.validators.is_empty() {
        match serde_json::from_slice::<Value>(&body) {
            Err(e) => vec![format!("the payload is not JSON: {e}")],
            Ok(payload) => check_payload(&shared.validators, &payload, uri.path()),
        }
    } else {
        Vec::new()
    };
    let status = if invalid.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let _ = shared.tx.send(Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        invalid,
        violations: found,
    });
    status
}

/// The URL as the vendor called it: the configured public URL's scheme, host and
/// path (a proxy may rewrite the path), with the request's own query when it has
/// one (Twilio's `bodySHA256`, HubSpot's query parameters).
fn as_called(public: &str, uri: &Uri) -> String {
    match uri.query() {
        Some(q) => {
            let base = public.split('?').next().unwrap_or(public);
            format!("{base}?{q}")
        }
        None => public.to_owned(),
    }
}

/// The payload against the pinned webhook schemas. A schema whose top-level
/// `const` (or one-value `enum`) properties the payload carries, or whose webhook
/// name is in the request path, is the one the delivery claims to be: it must
/// hold. Without such a claim, one schema taking the payload is enough.
fn check_payload(validators: &[Payload], payload: &Value, path: &str) -> Vec<String> {
    let claimed: Vec<&Payload> = validators
        .iter()
        .filter(|p| {
            let by_const = !p.consts.is_empty()
                && p.consts
                    .iter()
                    .all(|(k, v)| payload.get(k.as_str()) == Some(v));
            let by_path = path
                .to_ascii_lowercase()
                .contains(&p.name.to_ascii_lowercase());
            by_const || by_path
        })
        .collect();
    let pool: Vec<&Payload> = if claimed.is_empty() {
        validators.iter().collect()
    } else {
        claimed
    };
    let mut best: Option<(String, Vec<String>)> = None;
    for p in pool {
        let list: Vec<String> = violations(&p.validator, payload, "")
            .into_iter()
            .map(|x| {
                let at = if x.pointer.is_empty() {
                    "/"
                } else {
                    &x.pointer
                };
                format!("{at}: {}", x.message)
            })
            .collect();
        if list.is_empty() {
            return Vec::new();
        }
        if best.as_ref().is_none_or(|(_, b)| list.len() < b.len()) {
            best = Some((p.name.clone(), list));
        }
    }
    best.map(|(name, list)| vec![format!("against webhook `{name}`: {}", list.join("; "))])
        .unwrap_or_default()
}

/// Receives deliveries on `addr` until `count` arrived or `timeout` passed; the
/// results, the findings, and the address actually bound.
pub async fn receive(
    contract: &Contract,
    config: Config,
    pinned: Option<&Document>,
    addr: SocketAddr,
    count: usize,
    timeout: Duration,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(TestRun, Vec<Finding>), String> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let public_url = config.url.clone();
    let shared = Arc::new(Shared {
        config,
        public_url,
        validators: pinned.map(payload_validators).unwrap_or_default(),
        now: Arc::new(|| jiff::Timestamp::now().as_second()),
        tx,
    });
    let app = axum::Router::new().fallback(deliver).with_state(shared);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    on_bound(bound);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await;
    });
    let mut got = Vec::new();
    let started = tokio::time::Instant::now();
    let deadline = started
        .checked_add(timeout)
        .unwrap_or_else(|| started + Duration::from_secs(86_400 * 365));
    while got.len() < count {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(r)) => got.push(r),
            Ok(None) | Err(_) => break,
        }
    }
    // A peer that stalls mid-request must not hold the command past its timeout.
    let _ = stop_tx.send(());
    let abort = server.abort_handle();
    if tokio::time::timeout(Duration::from_secs(1), server)
        .await
        .is_err()
    {
        abort.abort();
    }
    let mut run = TestRun::skipped(contract, String::new());
    run.reason = None;
    run.sandbox = format!("receiver on {bound}");
    run.against = format!(
        "webhook scheme {} and the pinned webhook schemas",
        shared_scheme_name(contract)
    );
    let mut findings = Vec::new();
    for (i, r) in got.iter().enumerate() {
        let mut step = StepResult {
            name: format!("delivery {}", i + 1),
            phase: "step".into(),
            operation: "inbound webhook".into(),
            method: r.method.clone(),
            path: r.path.clone(),
            status: Some(if r.invalid.is_some() { 401 } else { 200 }),
            latency_ms: 0,
            attempts: 1,
            outcome: "passed".into(),
            problems: Vec::new(),
            findings: Vec::new(),
        };
        if let Some(why) = &r.invalid {
            step.problems
                .push(format!("the signature does not verify: {why}"));
            findings.extend(finding(
                contract,
                Hook::SignatureInvalid,
                "inbound signature",
                format!(
                    "delivery {} to {}: the signature does not verify: {why}",
                    i + 1,
                    r.path
                ),
            ));
        }
        if !r.violations.is_empty() {
            let list = r.violations.join("; ");
            step.problems
                .push(format!("the payload breaks the pinned schema {list}"));
            findings.extend(finding(
                contract,
                Hook::PayloadInvalid,
                "inbound payload",
                format!(
                    "delivery {} to {}: the payload breaks the pinned schema {list}",
                    i + 1,
                    r.path
                ),
            ));
        }
        if !step.problems.is_empty() {
            step.outcome = "failed".into();
        }
        run.cases.push(CaseResult {
            name: format!("delivery {} ({} {})", i + 1, r.method, r.path),
            compliance: None,
            status: if step.outcome == "passed" {
                "passed"
            } else {
                "failed"
            }
            .into(),
            reason: None,
            duration_ms: 0,
            steps: vec![step],
        });
    }
    if got.len() < count {
        let message = format!(
            "{} of the {count} expected deliveries arrived within {} s",
            got.len(),
            timeout.as_secs()
        );
        run.reason = Some(message.clone());
        findings.extend(finding(
            contract,
            Hook::DeliveriesMissing,
            "deliveries",
            message,
        ));
    }
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.fingerprint.clone()));
    run.status = if run.cases.iter().any(|c| c.status == "failed") || got.len() < count {
        "failed"
    } else {
        "passed"
    }
    .into();
    run.budget.used = got.len() as u64;
    Ok((run, findings))
}

fn shared_scheme_name(contract: &Contract) -> String {
    contract
        .webhook
        .as_ref()
        .map(|w| w.scheme.clone())
        .unwrap_or_default()
}
