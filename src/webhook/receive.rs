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

struct Shared {
    config: Config,
    /// The URL the vendor calls, for schemes that sign it; else taken from the request.
    public_url: Option<String>,
    validators: Vec<(String, jsonschema::Validator)>,
    now: Arc<dyn Fn() -> i64 + Send + Sync>,
    tx: mpsc::UnboundedSender<Received>,
}

/// The pinned spec's webhook payload schemas, compiled: (webhook name, validator).
fn payload_validators(pinned: &Document) -> Vec<(String, jsonschema::Validator)> {
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
            Some((name, v))
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
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = shared
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{host}{uri}"));
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
    let mut found = Vec::new();
    if !shared.validators.is_empty() {
        match serde_json::from_slice::<Value>(&body) {
            Err(e) => found.push(format!("the payload is not JSON: {e}")),
            Ok(payload) => {
                // Valid when one webhook's schema takes it; else the closest one's violations.
                let mut best: Option<(String, Vec<String>)> = None;
                for (name, v) in &shared.validators {
                    let list: Vec<String> = violations(v, &payload, "")
                        .into_iter()
                        .map(|x| {
                            format!(
                                "{}: {}",
                                if x.pointer.is_empty() {
                                    "/"
                                } else {
                                    &x.pointer
                                },
                                x.message
                            )
                        })
                        .collect();
                    if list.is_empty() {
                        best = None;
                        break;
                    }
                    if best.as_ref().is_none_or(|(_, b)| list.len() < b.len()) {
                        best = Some((name.clone(), list));
                    }
                }
                if let Some((name, list)) = best {
                    found.push(format!("against webhook `{name}`: {}", list.join("; ")));
                }
            }
        }
    }
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
    let deadline = tokio::time::Instant::now() + timeout;
    while got.len() < count {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(r)) => got.push(r),
            Ok(None) | Err(_) => break,
        }
    }
    let _ = stop_tx.send(());
    let _ = server.await;
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
