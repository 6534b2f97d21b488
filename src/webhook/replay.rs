//! Replays a contract's sample events to a receiver the company runs (staging),
//! signed the way the vendor signs them, together with the attacks a receiver must
//! refuse — a tampered body, a wrong secret, a stale timestamp, no signature — and
//! the deliveries it must accept — a duplicate, an out-of-order pair. Each is a
//! case of a [`TestRun`], so it renders as text, Markdown and JUnit like the
//! contract tests; a forged or stale delivery accepted is an error-level finding.

use std::path::Path;

use serde_json::Value;

use super::schemes::{self, Delivery, Generic, Key, Scheme, Signing};
use crate::finding::catalog::Hook;
use crate::finding::{Draft, Finding, Identity, InUse};
use crate::map::Contract;
use crate::report::tests::{CaseResult, StepResult, TestRun};
use crate::spec::Document;

/// The key findings about a contract's webhooks are grouped under.
pub const WEBHOOK_KEY: &str = "~webhook";

/// One sample event: a name and the bytes sent.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub body: Vec<u8>,
}

/// How a contract's webhooks are signed, read from its `[webhook]` and the
/// environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub scheme: Scheme,
    /// The secret (SendGrid: the public key).
    pub key: Key,
    /// SendGrid: the private key test deliveries are signed with.
    pub signing_key: Option<Key>,
    pub generic: Generic,
    /// The receiver's URL as the vendor calls it.
    pub url: Option<String>,
    pub tolerance: i64,
}

impl Config {
    /// From `contract`'s `[webhook]`; `env` reads a variable. Errors name what is missing.
    pub fn of(contract: &Contract, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, String> {
        let w = contract.webhook.as_ref().ok_or_else(|| {
            format!(
                "{}: contract `{}` has no `[webhook]` (docs/contract-format.md)",
                contract.file.display(),
                contract.name
            )
        })?;
        let scheme = Scheme::parse(&w.scheme)
            .ok_or_else(|| format!("`{}` is not a webhook scheme", w.scheme))?;
        let get = |var: &str| {
            env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                format!(
                    "{var} is not set (the webhook secret of `{}`)",
                    contract.name
                )
            })
        };
        Ok(Config {
            scheme,
            key: Key(get(&w.secret_env)?),
            signing_key: match &w.signing_key_env {
                Some(var) => Some(Key(get(var)?)),
                None => None,
            },
            generic: Generic {
                header: w
                    .signature_header
                    .clone()
                    .unwrap_or_else(|| Generic::default().header),
                prefix: w.prefix.clone().unwrap_or_default(),
                base64: w.encoding.as_deref() == Some("base64"),
            },
            url: w.url.clone(),
            tolerance: w.tolerance.unwrap_or(schemes::DEFAULT_TOLERANCE),
        })
    }

    /// The key deliveries are signed with (SendGrid: the private one).
    fn signing(&self) -> Result<&Key, String> {
        if self.scheme == Scheme::Sendgrid {
            self.signing_key.as_ref().ok_or_else(|| {
                "signing as SendGrid needs `signing_key_env` (a P-256 private key whose public key the receiver trusts)".to_owned()
            })
        } else {
            Ok(&self.key)
        }
    }
}

/// The sample events: `contracts/<name>/webhooks/*.json`, else the examples of the
/// pinned spec's webhooks.
pub fn samples(
    contract: &Contract,
    root: &Path,
    pinned: Option<&Document>,
) -> Result<Vec<Sample>, String> {
    let mut out = Vec::new();
    if let Some(w) = &contract.webhook {
        let dir = root.join(&w.events);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut files: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            for f in files {
                let body = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push(Sample { name, body });
            }
        }
    }
    if out.is_empty()
        && let Some(doc) = pinned
    {
        // 3.1 `webhooks`, then the callbacks operations register (3.0 and 3.1).
        let mut events: Vec<(String, &Value)> = doc
            .root
            .get("webhooks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(n, item)| (n.clone(), item))
            .collect();
        let operations = doc
            .root
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.values())
            .filter_map(Value::as_object)
            .flat_map(|item| item.values());
        for op in operations {
            for (name, cb) in op
                .get("callbacks")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                for path_item in cb.as_object().into_iter().flat_map(|c| c.values()) {
                    events.push((name.clone(), path_item));
                }
            }
        }
        for (name, item) in events {
            let media = item
                .as_object()
                .into_iter()
                .flat_map(|ops| ops.values())
                .filter_map(|op| op.pointer("/requestBody/content")?.as_object())
                .flat_map(|c| c.values());
            for m in media {
                let examples = m.get("example").cloned().into_iter().chain(
                    m.get("examples")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flat_map(|e| e.values().filter_map(|x| x.get("value").cloned())),
                );
                for (i, example) in examples.enumerate() {
                    out.push(Sample {
                        name: format!("{name} (spec example {})", i + 1),
                        body: serde_json::to_vec(&example).unwrap_or_default(),
                    });
                }
            }
        }
    }
    if out.is_empty() {
        return Err(format!(
            "no sample events for `{}`: put JSON files in {} or examples in the pinned spec's `webhooks`",
            contract.name,
            contract
                .webhook
                .as_ref()
                .map(|w| w.events.display().to_string())
                .unwrap_or_default()
        ));
    }
    Ok(out)
}

/// One thing sent, and what a receiver should do with it.
struct Check {
    name: String,
    sample: String,
    delivery: Delivery,
    /// Whether a 2xx is right.
    accept: bool,
    /// The finding when the receiver gets it wrong.
    rule: Hook,
    kind: &'static str,
}

/// Replays `samples` to `to` as of `now` (seconds); the results and findings.
pub async fn replay(
    contract: &Contract,
    config: &Config,
    samples: &[Sample],
    to: &str,
    now: i64,
    http: &reqwest::Client,
) -> Result<(TestRun, Vec<Finding>), String> {
    let signing = config.signing()?;
    let public_url = config.url.clone().unwrap_or_else(|| to.to_owned());
    let sign = |body: &[u8], key: &Key, at: i64| -> Result<Delivery, String> {
        let mut d = Delivery {
            method: "POST".into(),
            url: with_body_hash(config.scheme, &public_url, body),
            body: body.to_vec(),
            headers: vec![("Content-Type".into(), content_type(body).into())],
        };
        let headers = schemes::sign(
            &Signing {
                scheme: config.scheme,
                key,
                generic: &config.generic,
                timestamp: None,
                now: at,
            },
            &d,
        )
        .map_err(|e| format!("cannot sign the sample: {e}"))?;
        d.headers.extend(headers);
        Ok(d)
    };
    let wrong = wrong_key(config.scheme, signing);
    let mut checks = Vec::new();
    for s in samples {
        let valid = sign(&s.body, signing, now)?;
        checks.push(Check {
            name: format!("valid delivery ({})", s.name),
            sample: s.name.clone(),
            delivery: valid.clone(),
            accept: true,
            rule: Hook::ValidRejected,
            kind: "valid",
        });
        let mut tampered = valid.clone();
        tamper(&mut tampered.body);
        checks.push(Check {
            name: format!("tampered body ({})", s.name),
            sample: s.name.clone(),
            delivery: tampered,
            accept: false,
            rule: Hook::ForgeryAccepted,
            kind: "tampered body",
        });
        checks.push(Check {
            name: format!("wrong secret ({})", s.name),
            sample: s.name.clone(),
            delivery: sign(&s.body, &wrong, now)?,
            accept: false,
            rule: Hook::ForgeryAccepted,
            kind: "wrong secret",
        });
        if config.scheme.timed() {
            checks.push(Check {
                name: format!("stale timestamp, a replay ({})", s.name),
                sample: s.name.clone(),
                delivery: sign(&s.body, signing, now - config.tolerance - 3600)?,
                accept: false,
                rule: Hook::ReplayAccepted,
                kind: "stale timestamp",
            });
            checks.push(Check {
                name: format!("timestamp in the future ({})", s.name),
                sample: s.name.clone(),
                delivery: sign(&s.body, signing, now + config.tolerance + 3600)?,
                accept: false,
                rule: Hook::ReplayAccepted,
                kind: "future timestamp",
            });
        }
        let header = config.scheme.signature_header(&config.generic);
        let mut unsigned = valid.clone();
        unsigned
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case(&header));
        checks.push(Check {
            name: format!("missing signature ({})", s.name),
            sample: s.name.clone(),
            delivery: unsigned,
            accept: false,
            rule: Hook::ForgeryAccepted,
            kind: "missing signature",
        });
    }
    // At least once, and not in order: both must be taken (without double effects,
    // which only the receiver's own idempotency can promise).
    let first = sign(&samples[0].body, signing, now)?;
    for (i, d) in [first.clone(), first].into_iter().enumerate() {
        checks.push(Check {
            name: format!("duplicate delivery, copy {} ({})", i + 1, samples[0].name),
            sample: samples[0].name.clone(),
            delivery: d,
            accept: true,
            rule: Hook::DuplicateRejected,
            kind: "duplicate",
        });
    }
    // The later event (signed a minute after the earlier one) arrives first.
    if let [a, b, ..] = samples {
        for (s, at) in [(b, now), (a, now - 60)] {
            checks.push(Check {
                name: format!("out of order ({})", s.name),
                sample: s.name.clone(),
                delivery: sign(&s.body, signing, at)?,
                accept: true,
                rule: Hook::DuplicateRejected,
                kind: "out of order",
            });
        }
    }
    let mut run = TestRun::skipped(contract, String::new());
    run.reason = None;
    run.sandbox = crate::secrets::redact(to);
    run.against = format!("webhook scheme {}", config.scheme.name());
    let mut findings = Vec::new();
    let path = reqwest::Url::parse(to)
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    for check in checks {
        let started = std::time::Instant::now();
        let target = with_body_hash(config.scheme, to, &check.delivery.body);
        let mut call = http.post(&target).body(check.delivery.body.clone());
        for (k, v) in &check.delivery.headers {
            call = call.header(k.as_str(), v.as_str());
        }
        let answer = call.send().await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
        let (status, problem) = match answer {
            Err(e) => (
                None,
                Some((
                    Hook::ReceiverUnreachable,
                    format!("{}: no answer: {}", check.name, crate::fetch::describe(&e)),
                )),
            ),
            Ok(r) => {
                let status = r.status().as_u16();
                let accepted = (200..300).contains(&status);
                let problem = (accepted != check.accept).then(|| {
                    let said = if check.accept {
                        format!("refused it with {status}; a receiver must take it")
                    } else {
                        format!("accepted it with {status}; a receiver must refuse it")
                    };
                    (check.rule, format!("{}: the receiver {said}", check.name))
                });
                (Some(status), problem)
            }
        };
        let mut step = StepResult {
            name: check.name.clone(),
            phase: "step".into(),
            operation: check.sample.clone(),
            method: "POST".into(),
            path: path.clone(),
            status,
            latency_ms,
            attempts: 1,
            outcome: "passed".into(),
            problems: Vec::new(),
            findings: Vec::new(),
        };
        if let Some((rule, message)) = problem {
            step.problems.push(message.clone());
            if let Some(f) = finding(contract, rule, check.kind, message) {
                step.outcome = if f.severity == crate::finding::Severity::Error {
                    "failed"
                } else {
                    "warned"
                }
                .into();
                step.findings.push(f.fingerprint.clone());
                findings.push(f);
            }
        }
        // A delivery that got no answer tested nothing: the case fails, whatever
        // the finding's severity.
        let tested = step.status.is_some();
        run.cases.push(CaseResult {
            name: check.name,
            compliance: None,
            status: if tested && (step.outcome == "passed" || step.outcome == "warned") {
                "passed"
            } else {
                "failed"
            }
            .into(),
            reason: None,
            duration_ms: latency_ms,
            steps: vec![step],
        });
    }
    run.status = if run.cases.iter().any(|c| c.status == "failed") {
        "failed"
    } else {
        "passed"
    }
    .into();
    run.budget.used = run.cases.len() as u64;
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.fingerprint.clone()));
    Ok((run, findings))
}

/// The content type a sample is sent with.
fn content_type(body: &[u8]) -> &'static str {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    }
}

/// One byte of content changed, the body still well-formed: the last digit or
/// letter (a digit moves on by one, a letter changes case), so a receiver that
/// re-serialises before checking is caught too; a body without one gets a field.
fn tamper(body: &mut Vec<u8>) {
    match body.iter().rposition(u8::is_ascii_alphanumeric) {
        Some(at) => {
            let b = body[at];
            body[at] = match b {
                b'0'..=b'8' => b + 1,
                b'9' => b'0',
                _ => b ^ 0x20,
            };
        }
        None if content_type(body) == "application/json" => {
            body.splice(0..0, b" ".iter().copied());
        }
        None => body.extend_from_slice(b"&tampered=1"),
    }
}

/// Twilio signs a JSON body through the URL: `bodySHA256=<hex>` in its query.
fn with_body_hash(scheme: Scheme, url: &str, body: &[u8]) -> String {
    use sha2::Digest as _;
    if scheme != Scheme::Twilio || content_type(body) != "application/json" {
        return url.to_owned();
    }
    let hash = schemes::hex(&sha2::Sha256::digest(body));
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}bodySHA256={hash}")
}

/// A key the receiver must not trust.
fn wrong_key(scheme: Scheme, signing: &Key) -> Key {
    if scheme == Scheme::Sendgrid {
        use base64::Engine as _;
        use p256::pkcs8::EncodePrivateKey;
        let other = p256::ecdsa::SigningKey::from_slice(&[0x42; 32])
            .ok()
            .and_then(|k| k.to_pkcs8_der().ok())
            .map(|der| base64::engine::general_purpose::STANDARD.encode(der.as_bytes()))
            .unwrap_or_default();
        return Key(other);
    }
    Key(format!("{}-not-the-secret", signing.0))
}

/// A finding about a contract's webhooks.
pub fn finding(contract: &Contract, rule: Hook, kind: &str, message: String) -> Option<Finding> {
    let draft = Draft {
        rule: rule.into(),
        operation: None,
        location: format!("webhooks of {}", contract.name),
        subject: "the webhook receiver".into(),
        message,
        before: None,
        after: None,
        base_pointer: None,
        revision_pointer: None,
        in_use: InUse {
            in_use: true,
            compliance_kind: None,
        },
        sunset: None,
        contract: Some(contract.name.clone()),
        excerpt: None,
        op_key: WEBHOOK_KEY.into(),
        identity: Identity::Change {
            method: "",
            op_key: WEBHOOK_KEY,
            scope: "Webhook",
            path: kind,
            detail: "",
        },
    };
    Finding::new(draft, &contract.policy.severity)
}
