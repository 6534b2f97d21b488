//! The sandbox over HTTP: one handler for every request, served with axum on a
//! listener the caller chooses (the CLI's port, a test's random one).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

use super::auth::{self, Emulation, Tokens};
use super::faults::{self, Window};
use super::generate::{Generator, Rng};
use super::log::{Log, Record};
use super::request::{self, Incoming, is_json, media_matches};
use super::routes::{Media, Reply, Route, routes};
use super::schema::{Direction, Validators, Violation, convert};
use super::shapes::Shapes;
use super::state::{self, Collection, Store};
use super::{Clock, Options};
use crate::spec::{Dialect, Document};

/// The largest request body read.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Where the sandbox's own controls live (health, token revocation, reset).
pub const CONTROL: &str = "/__apiwatch";

/// A spec, ready to serve.
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    source: String,
    dialect: Dialect,
    base_path: String,
    routes: Vec<Route>,
    collections: Vec<Collection>,
    /// The document in JSON Schema form, for `$ref`s while generating.
    converted: Value,
    validators: Validators,
    options: Options,
    clock: Arc<dyn Clock>,
    counter: AtomicU64,
    /// When the sandbox started: the deprecation date of what has no other.
    started: jiff::Timestamp,
    tokens: Mutex<Tokens>,
    window: Mutex<Window>,
    store: Mutex<Store>,
    /// Bodies already generated for (route, status, media, example): static ones
    /// are made once.
    cache: Mutex<HashMap<(usize, String, String), Bytes>>,
    /// Validators of `oneOf` members, by schema, for generating values that match
    /// exactly one of them.
    members: Mutex<HashMap<String, Option<Arc<jsonschema::Validator>>>>,
    log: Log,
}

/// Why a sandbox cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{source_name}: the spec cannot be served: {message}")]
    Spec {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: serves no operations")]
    Empty { source_name: String },
    #[error("request log {path}: {err}")]
    Log { path: String, err: std::io::Error },
}

impl Sandbox {
    pub fn new(doc: &Document, options: Options) -> Result<Sandbox, SandboxError> {
        let (base_path, routes) = routes(doc);
        if routes.is_empty() {
            return Err(SandboxError::Empty {
                source_name: doc.source.clone(),
            });
        }
        let validators =
            Validators::new(&doc.root, doc.dialect).map_err(|message| SandboxError::Spec {
                source_name: doc.source.clone(),
                message,
            })?;
        let collections = if options.stateful {
            state::collections(&routes, &options.collections)
        } else {
            Vec::new()
        };
        let options_started = options.clock.now();
        let log = Log::new(options.log_file.as_ref()).map_err(|err| SandboxError::Log {
            path: options
                .log_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            err,
        })?;
        Ok(Sandbox {
            inner: Arc::new(Inner {
                source: doc.source.clone(),
                dialect: doc.dialect,
                base_path: base_path.trim_end_matches('/').to_owned(),
                converted: convert(&doc.root, doc.dialect, None),
                routes,
                collections,
                validators,
                clock: options.clock.clone(),
                tokens: Mutex::new(Tokens::new(&options.auth)),
                options,
                counter: AtomicU64::new(0),
                started: options_started,
                window: Mutex::new(Window::default()),
                store: Mutex::new(Store::default()),
                cache: Mutex::new(HashMap::new()),
                members: Mutex::new(HashMap::new()),
                log,
            }),
        })
    }

    /// What is served: `GET /contacts (listContacts)`, in path order.
    pub fn operations(&self) -> Vec<String> {
        let mut ops: Vec<(&str, &str, String)> = self
            .inner
            .routes
            .iter()
            .map(|r| (r.path.as_str(), r.method.as_str(), r.label()))
            .collect();
        ops.sort();
        ops.into_iter().map(|(_, _, l)| l).collect()
    }

    /// Generates the body of every documented JSON response (once as served by
    /// default, then `dynamic_rounds` times varied, as `Prefer: dynamic=true`) and
    /// validates it against its own schema: how many were checked, and what failed
    /// as (operation, status, violations).
    pub fn self_check(
        &self,
        dynamic_rounds: u64,
    ) -> (usize, Vec<(String, String, Vec<Violation>)>) {
        let inner = &self.inner;
        let mut checked = 0;
        let mut failures = Vec::new();
        for round in 0..=dynamic_rounds {
            let dynamic = round > 0;
            for (i, route) in inner.routes.iter().enumerate() {
                for reply in &route.replies {
                    let status: u16 = reply.status.parse().unwrap_or(200);
                    for media in reply.content.iter().filter(|m| is_json(&m.media_type)) {
                        let Some(schema) = &media.schema else {
                            continue;
                        };
                        let Some(validator) =
                            schema.validator(&inner.validators, inner.dialect, Direction::Response)
                        else {
                            continue;
                        };
                        checked += 1;
                        let n = (i as u64) << 8 | round;
                        let body = inner.valid_body(media, route, status, n, dynamic);
                        let v = super::schema::violations(validator, &body, "/body");
                        if !v.is_empty() {
                            failures.push((
                                route.label(),
                                format!("{} (round {round})", reply.status),
                                v,
                            ));
                        }
                    }
                }
            }
        }
        (checked, failures)
    }

    /// Compiles every request validator now (the first requests are then as quick
    /// as the rest) and names the schemas that cannot be checked (a remote
    /// `$ref`, a pattern the validator refuses): requests there are not validated.
    pub fn warm(&self) -> Vec<String> {
        let inner = &self.inner;
        let mut unchecked = Vec::new();
        for route in &inner.routes {
            for p in &route.params {
                if let Some(schema) = &p.schema
                    && let Err(why) =
                        schema.compiled(&inner.validators, inner.dialect, Direction::Request)
                {
                    unchecked.push(format!(
                        "{}: {} parameter `{}` ({why})",
                        route.label(),
                        p.location,
                        p.name
                    ));
                }
            }
            for m in route.body.iter().flat_map(|b| &b.content) {
                if let Some(schema) = &m.schema
                    && let Err(why) =
                        schema.compiled(&inner.validators, inner.dialect, Direction::Request)
                {
                    unchecked.push(format!("{}: {} body ({why})", route.label(), m.media_type));
                }
            }
        }
        unchecked
    }

    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The collections kept in `--stateful` mode.
    pub fn collections(&self) -> &[Collection] {
        &self.inner.collections
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let inner = self.inner.clone();
        let app = axum::Router::new().fallback(move |req: Request| {
            let inner = inner.clone();
            async move { inner.handle(req).await }
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Starts serving on `addr` (port 0: any free port) in the background.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<Running> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let inner = self.inner.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.serve(listener, async {
            let _ = rx.await;
        }));
        Ok(Running {
            addr,
            url: format!("http://{addr}{}", inner.base_path),
            stop: Some(tx),
            task,
            inner,
        })
    }
}

/// A sandbox serving in the background.
pub struct Running {
    pub addr: SocketAddr,
    /// Where its operations are: `http://127.0.0.1:PORT` plus the spec's base path.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    inner: Arc<Inner>,
}

impl Running {
    /// The requests served so far.
    pub fn log(&self) -> Vec<Record> {
        self.inner.log.records()
    }

    /// Stops accepting requests and waits for those in flight.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// One request as the handler read it.
#[derive(Clone, Copy)]
struct Call<'r> {
    /// Its number since the sandbox started: the salt of everything drawn for it.
    n: u64,
    method: &'r str,
    path: &'r str,
    query: &'r str,
    /// Names lower-cased.
    headers: &'r HashMap<String, String>,
    body: &'r [u8],
    now: jiff::Timestamp,
}

/// The operation a request matched.
#[derive(Clone, Copy)]
struct Target<'r> {
    /// The route's place, for the body cache.
    index: usize,
    route: &'r Route,
    params: &'r BTreeMap<String, String>,
    /// The request path without the base path.
    relative: &'r str,
}

/// `Prefer: code=404, example=minimal, dynamic=true`.
#[derive(Debug, Default)]
struct Prefer {
    code: Option<String>,
    example: Option<String>,
    dynamic: bool,
}

fn prefer(headers: &HashMap<String, String>) -> Prefer {
    let mut p = Prefer::default();
    if let Some(h) = headers.get("prefer") {
        for part in h.split([',', ';']) {
            let Some((name, v)) = part.trim().split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            // Preference names are case-insensitive (RFC 7240).
            match name.trim().to_ascii_lowercase().as_str() {
                "code" => p.code = Some(v.to_owned()),
                "example" => p.example = Some(v.to_owned()),
                "dynamic" => p.dynamic = v.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
    }
    p
}

/// A response under construction.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    violations: Vec<Violation>,
    note: Option<String>,
}

impl Answer {
    fn json(status: u16, body: &Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
            violations: Vec::new(),
            note: None,
        }
    }

    /// An `application/problem+json` answer (RFC 9457).
    fn problem(
        status: u16,
        kind: &str,
        title: &str,
        detail: String,
        violations: Vec<Violation>,
    ) -> Answer {
        let mut body = json!({
            "type": format!("urn:apiwatch:sandbox:{kind}"),
            "title": title,
            "status": status,
            "detail": detail,
        });
        if !violations.is_empty() {
            body["violations"] = json!(violations);
        }
        Answer {
            violations,
            headers: vec![("content-type".into(), "application/problem+json".into())],
            ..Answer::json(status, &body)
        }
    }
}

impl Inner {
    async fn handle(self: Arc<Self>, req: Request) -> Response<Body> {
        let started = Instant::now();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = req.into_parts();
        let method = parts.method.as_str().to_owned();
        let path = parts.uri.path().to_owned();
        let query = parts.uri.query().unwrap_or("").to_owned();
        let headers: HashMap<String, String> = parts
            .headers
            .iter()
            .filter_map(|(k, v)| {
                Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned()))
            })
            .collect();
        let (answer, operation) = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => self.answer(&Call {
                n,
                method: &method,
                path: &path,
                query: &query,
                headers: &headers,
                body: &bytes,
                now: self.clock.now(),
            }),
            Err(_) => (
                Answer::problem(
                    413,
                    "body-too-large",
                    "Request body too large",
                    format!("the sandbox reads bodies up to {MAX_BODY} bytes"),
                    Vec::new(),
                ),
                None,
            ),
        };
        if let Some(delay) = faults::latency(&self.options.faults, self.options.seed, n) {
            tokio::time::sleep(delay).await;
        }
        self.log.push(Record {
            time: self.clock.now().to_string(),
            method,
            path: if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            },
            operation,
            status: answer.status,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            violations: answer.violations.clone(),
            note: answer.note.clone(),
        });
        let mut response = Response::new(Body::from(answer.body));
        *response.status_mut() =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let map: &mut HeaderMap = response.headers_mut();
        for (k, v) in answer.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                map.append(k, v);
            }
        }
        response
    }

    /// The answer to one request, and the operation it was for.
    fn answer(&self, call: &Call<'_>) -> (Answer, Option<String>) {
        let Call {
            method,
            path,
            headers,
            body,
            now,
            ..
        } = *call;
        if let Some(rest) = path.strip_prefix(CONTROL) {
            return (self.control(method, rest), None);
        }
        if let Emulation::OAuth2(o) = &self.options.auth
            && method == "POST"
            && path.trim_end_matches('/') == o.token_path.trim_end_matches('/')
        {
            let reply = match self.tokens.lock() {
                Ok(mut tokens) => {
                    auth::token_endpoint(o, headers, body, &mut tokens, now, self.options.seed)
                }
                Err(_) => auth::TokenReply {
                    status: 500,
                    body: json!({"error": "server_error"}),
                    www_authenticate: None,
                },
            };
            let mut a = Answer::json(reply.status, &reply.body);
            a.headers.push(("cache-control".into(), "no-store".into()));
            if let Some(w) = reply.www_authenticate {
                a.headers.push(("www-authenticate".into(), w));
            }
            return (a, Some(format!("POST {} (token endpoint)", o.token_path)));
        }
        // The rate limit counts every API request, answered or not.
        let mut limit_headers = Vec::new();
        if let Some(limit) = &self.options.faults.rate_limit
            && let Ok(mut w) = self.window.lock()
        {
            let verdict = w.admit(limit, now);
            limit_headers = verdict.headers;
            if !verdict.allowed {
                let mut a = Answer::problem(
                    429,
                    "rate-limited",
                    "Too Many Requests",
                    format!(
                        "at most {} requests per {} s",
                        limit.requests, limit.per_seconds
                    ),
                    Vec::new(),
                );
                a.headers.extend(limit_headers);
                return (a, None);
            }
        }
        let (mut answer, operation) = self.operation(call);
        answer.headers.extend(limit_headers);
        (answer, operation)
    }

    fn operation(&self, call: &Call<'_>) -> (Answer, Option<String>) {
        let Call {
            n,
            method,
            path,
            query,
            headers,
            body,
            now,
        } = *call;
        let relative = path
            .strip_prefix(&self.base_path)
            .filter(|r| r.is_empty() || r.starts_with('/'))
            .unwrap_or(path);
        let segments: Vec<&str> = relative.split('/').filter(|s| !s.is_empty()).collect();
        let mut allowed: Vec<&str> = Vec::new();
        let mut found = None;
        let mut get_for_head = None;
        for (i, r) in self.routes.iter().enumerate() {
            if let Some(params) = r.matches(&segments) {
                if r.method == method {
                    found = Some((i, r, params));
                    break;
                }
                // HEAD is GET without the body, unless the spec declares it.
                if method == "HEAD" && r.method == "GET" && get_for_head.is_none() {
                    get_for_head = Some((i, r, params));
                    continue;
                }
                allowed.push(&r.method);
            }
        }
        let found = found.or(get_for_head);
        let Some((index, route, params)) = found else {
            if !allowed.is_empty() {
                let mut a = Answer::problem(
                    405,
                    "method-not-allowed",
                    "Method Not Allowed",
                    format!("{path} takes {}", allowed.join(", ")),
                    Vec::new(),
                );
                a.headers.push(("allow".into(), allowed.join(", ")));
                return (a, None);
            }
            return (
                Answer::problem(
                    404,
                    "no-such-operation",
                    "Not Found",
                    format!("no operation of {} serves {method} {path}", self.source),
                    Vec::new(),
                ),
                None,
            );
        };
        let label = route.label();
        let checked = match self.tokens.lock() {
            Ok(tokens) => auth::check(&self.options.auth, headers, &tokens, now),
            Err(_) => Ok(()),
        };
        if let Err(refusal) = checked {
            let mut a = Answer::json(refusal.status, &refusal.body);
            a.headers = vec![("content-type".into(), "application/problem+json".into())];
            if let Some(w) = refusal.www_authenticate {
                a.headers.push(("www-authenticate".into(), w));
            }
            a.note = refusal
                .body
                .get("detail")
                .and_then(Value::as_str)
                .map(str::to_owned);
            return (a, Some(label));
        }
        let lower: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let problems = request::check(
            route,
            &Incoming {
                path_params: &params,
                query,
                headers: &lower,
                body,
            },
            &self.validators,
            self.dialect,
            self.shapes(),
        );
        if !problems.is_empty() {
            let status = problems.status();
            let all = problems.all();
            let (kind, title) = match status {
                415 => ("unsupported-media-type", "Unsupported Media Type"),
                422 => ("invalid-body", "Unprocessable Content"),
                _ => ("invalid-request", "Bad Request"),
            };
            let detail = format!(
                "{} violation{} of {label}",
                all.len(),
                if all.len() == 1 { "" } else { "s" }
            );
            return (
                Answer::problem(status, kind, title, detail, all),
                Some(label),
            );
        }
        if let Some(status) = faults::server_error(&self.options.faults, self.options.seed, n) {
            let mut a = Answer::problem(
                status,
                "injected-fault",
                "Server Error",
                "a fault injected by the sandbox (error rate)".into(),
                Vec::new(),
            );
            a.note = Some("injected server error".into());
            return (a, Some(label));
        }
        let target = Target {
            index,
            route,
            params: &params,
            relative,
        };
        let mut answer = self.respond(call, &target);
        answer.headers.extend(self.sunset_headers(route));
        (answer, Some(label))
    }

    /// How request text is read against this document.
    fn shapes(&self) -> Shapes<'_> {
        Shapes {
            root: &self.converted,
            csv_arrays: self.dialect == Dialect::Swagger2,
        }
    }

    fn control(&self, method: &str, rest: &str) -> Answer {
        match (method, rest.trim_end_matches('/')) {
            ("GET", "/health") => Answer::json(
                200,
                &json!({"status": "ok", "operations": self.routes.len(), "spec": self.source}),
            ),
            ("POST", "/revoke-refresh-tokens") => {
                if let Ok(mut t) = self.tokens.lock() {
                    t.revoked = true;
                }
                Answer::json(200, &json!({"revoked": true}))
            }
            ("POST", "/reset") => {
                if let Ok(mut s) = self.store.lock() {
                    s.clear();
                }
                Answer::json(200, &json!({"reset": true}))
            }
            _ => Answer::problem(
                404,
                "no-such-control",
                "Not Found",
                format!(
                    "{CONTROL}{rest}: the controls are GET /health, POST /revoke-refresh-tokens, POST /reset"
                ),
                Vec::new(),
            ),
        }
    }

    fn sunset_headers(&self, route: &Route) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let rule = self.options.faults.sunsets.iter().find(|s| {
            route.operation_id.as_deref() == Some(s.operation.as_str())
                || crate::spec::path::match_key(
                    "",
                    s.operation.split_once(' ').map_or("", |(_, p)| p),
                ) == crate::spec::path::match_key("", &route.path)
                    && s.operation
                        .split_once(' ')
                        .is_some_and(|(m, _)| m.eq_ignore_ascii_case(&route.method))
        });
        let (sunset, deprecated, link) = match rule {
            Some(r) => (Some(r.sunset.clone()), r.deprecated.clone(), r.link.clone()),
            // The served spec's own dates.
            None => (route.sunset.clone(), None, None),
        };
        if let Some((http, _)) = sunset.as_deref().and_then(faults::http_date) {
            out.push(("sunset".into(), http));
        }
        // RFC 9745: when it was deprecated, as a structured date; the sandbox's start
        // for an operation the spec marks deprecated without saying when.
        if rule.is_some() || route.deprecated {
            let since = deprecated
                .as_deref()
                .and_then(faults::http_date)
                .map(|(_, sf)| sf)
                .unwrap_or_else(|| format!("@{}", self.started.as_second()));
            out.push(("deprecation".into(), since));
        }
        if let Some(link) = link {
            out.push(("link".into(), format!("<{link}>; rel=\"sunset\"")));
        }
        out
    }

    /// The documented response for a valid request.
    fn respond(&self, call: &Call<'_>, target: &Target<'_>) -> Answer {
        let Call { n, headers, .. } = *call;
        let Target { index, route, .. } = *target;
        let pref = prefer(headers);
        let Some((reply, status)) = choose_reply(route, pref.code.as_deref()) else {
            let documented: Vec<&str> = route.replies.iter().map(|r| r.status.as_str()).collect();
            return Answer::problem(
                500,
                "no-such-response",
                "No Such Response",
                format!(
                    "{} documents no response {} (it documents {})",
                    route.label(),
                    pref.code.as_deref().unwrap_or("2xx"),
                    documented.join(", ")
                ),
                Vec::new(),
            );
        };
        let media = choose_media(reply, headers.get("accept").map(String::as_str));
        let mut answer = Answer {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            violations: Vec::new(),
            note: None,
        };
        for (name, required, schema) in &reply.headers {
            if *required && let Some(schema) = schema {
                let v = self.generate(&schema.schema, route, status, n, false);
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                answer.headers.push((name.clone(), text));
            }
        }
        // A named example that is not there is said, whatever else answers.
        let value = match (pref.example.as_deref(), media) {
            (Some(name), Some(media)) => match media.examples.iter().find(|(n, _)| n == name) {
                Some((_, v)) => Some(v.clone()),
                None => {
                    let names: Vec<&str> = media.examples.iter().map(|(n, _)| n.as_str()).collect();
                    return Answer::problem(
                        500,
                        "no-such-example",
                        "No Such Example",
                        format!(
                            "{} {} has no example `{name}` ({})",
                            route.label(),
                            status,
                            if names.is_empty() {
                                "it has none".to_owned()
                            } else {
                                format!("it has {}", names.join(", "))
                            }
                        ),
                        Vec::new(),
                    );
                }
            },
            _ => None,
        };
        // Stateful collections answer from their records (a `204` too: the record
        // is gone all the same).
        if self.options.stateful
            && (200..300).contains(&status)
            && media.is_none_or(|m| is_json(&m.media_type))
            && let Some(v) = self.stateful(call, target, media, status)
        {
            return match v {
                Ok(value) => {
                    if let Some(m) = media {
                        answer
                            .headers
                            .push(("content-type".into(), m.media_type.clone()));
                        answer.body = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
                    }
                    answer
                }
                Err(not_found) => not_found,
            };
        }
        let Some(media) = media else {
            return answer;
        };
        answer
            .headers
            .push(("content-type".into(), media.media_type.clone()));
        if status == 204 || route.method == "HEAD" {
            return answer;
        }
        let key = (
            index,
            status.to_string(),
            format!(
                "{}#{}",
                media.media_type,
                pref.example.as_deref().unwrap_or("")
            ),
        );
        if !pref.dynamic
            && let Some(cached) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned())
        {
            answer.body = cached;
            return answer;
        }
        let value = value
            .or_else(|| (!pref.dynamic).then(|| media.example.clone()).flatten())
            .or_else(|| {
                (!pref.dynamic)
                    .then(|| media.examples.first().map(|(_, v)| v.clone()))
                    .flatten()
            })
            .unwrap_or_else(|| self.valid_body(media, route, status, n, pref.dynamic));
        let bytes = match (&value, is_json(&media.media_type)) {
            (Value::String(s), false) => Bytes::from(s.clone().into_bytes()),
            _ => Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
        };
        if !pref.dynamic
            && let Ok(mut c) = self.cache.lock()
        {
            c.insert(key, bytes.clone());
        }
        answer.body = bytes;
        answer
    }

    fn generate(&self, schema: &Value, route: &Route, status: u16, n: u64, dynamic: bool) -> Value {
        self.generate_with(schema, route, status, n, dynamic, false)
    }

    fn generate_with(
        &self,
        schema: &Value,
        route: &Route,
        status: u16,
        n: u64,
        dynamic: bool,
        minimal: bool,
    ) -> Value {
        let seed = self.options.seed.to_le_bytes();
        let salt = if dynamic { n.to_le_bytes() } else { [0; 8] };
        let check = |member: &Value, value: &Value| self.member_valid(member, value);
        Generator {
            root: &self.converted,
            rng: Rng::seeded(&[
                &seed,
                route.label().as_bytes(),
                &status.to_le_bytes(),
                &salt,
            ]),
            dynamic,
            check: Some(&check),
            minimal,
            property: None,
        }
        .value(schema)
    }

    /// Whether `value` is valid against a `oneOf` member (one that cannot be
    /// compiled counts as matching, so it is never the reason to reject a value).
    fn member_valid(&self, member: &Value, value: &Value) -> bool {
        let key = member.to_string();
        let cached = self.members.lock().ok().and_then(|m| m.get(&key).cloned());
        let validator = match cached {
            Some(v) => v,
            None => {
                let v = self
                    .validators
                    .compile(member, self.dialect, Direction::Response)
                    .ok()
                    .map(Arc::new);
                if let Ok(mut m) = self.members.lock() {
                    m.insert(key, v.clone());
                }
                v
            }
        };
        validator.is_none_or(|v| v.is_valid(value))
    }

    /// A generated body that validates against its schema: a few draws are tried
    /// (a `oneOf` whose members overlap needs one that matches exactly one).
    fn valid_body(
        &self,
        media: &Media,
        route: &Route,
        status: u16,
        n: u64,
        dynamic: bool,
    ) -> Value {
        let Some(schema) = &media.schema else {
            return Value::Null;
        };
        let validator = schema.validator(&self.validators, self.dialect, Direction::Response);
        let mut last = Value::Null;
        for attempt in 0..9u64 {
            let value = if attempt == 0 {
                self.generate(&schema.schema, route, status, n, dynamic)
            } else if attempt == 8 {
                // Last, the smallest value the schema allows.
                self.generate_with(&schema.schema, route, status, n, false, true)
            } else {
                self.generate(
                    &schema.schema,
                    route,
                    status,
                    n.wrapping_mul(31).wrapping_add(attempt),
                    true,
                )
            };
            if validator.is_none_or(|v| v.is_valid(&value)) {
                return value;
            }
            last = value;
        }
        last
    }

    /// The answer of a collection or item operation in stateful mode; `None` when
    /// the route is neither.
    fn stateful(
        &self,
        call: &Call<'_>,
        target: &Target<'_>,
        media: Option<&Media>,
        status: u16,
    ) -> Option<Result<Value, Answer>> {
        let Call { n, body, .. } = *call;
        let Target {
            route,
            params,
            relative,
            ..
        } = *target;
        // Twilio's `/Messages.json` and `/Messages/{Sid}.json` are one collection.
        let concrete = state::collection_key(relative);
        // The request's fields, JSON or form (`name=Ada&metadata[k]=v`).
        let request_fields = || match serde_json::from_slice::<Value>(body) {
            Ok(v) => v,
            Err(_) => {
                let schema = route
                    .body
                    .as_ref()
                    .and_then(|b| b.content.first())
                    .and_then(|m| m.schema.as_ref())
                    .map(|s| s.schema.clone())
                    .unwrap_or(Value::Null);
                self.shapes().form(
                    &request::query_pairs(&String::from_utf8_lossy(body)),
                    &schema,
                )
            }
        };
        let mut store = self.store.lock().ok()?;
        if let Some(c) = self
            .collections
            .iter()
            .find(|c| state::collection_key(&c.collection) == state::collection_key(&route.path))
        {
            return match route.method.as_str() {
                "POST" => {
                    let generated =
                        media.map_or(Value::Null, |m| self.valid_body(m, route, status, n, false));
                    let merged = merge_fields(generated, request_fields());
                    let (_, record) = store.create(&concrete, &c.id_param, merged);
                    Some(Ok(record))
                }
                // A sandbox that keeps state lists what it holds, nothing invented.
                "GET" => {
                    let generated =
                        media.map_or(Value::Null, |m| self.valid_body(m, route, status, n, false));
                    Some(Ok(state::with_records(generated, store.list(&concrete))))
                }
                _ => None,
            };
        }
        let c = self
            .collections
            .iter()
            .find(|c| state::collection_key(&c.item) == state::collection_key(&route.path))?;
        let id = params.get(&c.id_param)?.clone();
        let collection = concrete.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
        let found = match route.method.as_str() {
            "GET" => store.get(&collection, &id),
            // Stripe updates with POST on the item.
            "PATCH" | "POST" => {
                store.update(&collection, &id, &c.id_param, request_fields(), false)
            }
            "PUT" => store.update(&collection, &id, &c.id_param, request_fields(), true),
            "DELETE" => store.delete(&collection, &id),
            _ => return None,
        };
        Some(found.ok_or_else(|| {
            Answer::problem(
                404,
                "no-such-record",
                "Not Found",
                format!(
                    "no record {id} in {collection} (this sandbox keeps state: create it first)"
                ),
                Vec::new(),
            )
        }))
    }
}

/// The request's fields over a generated record (the request's win).
fn merge_fields(generated: Value, request: Value) -> Value {
    match (generated, request) {
        (Value::Object(mut g), Value::Object(r)) => {
            for (k, v) in r {
                g.insert(k, v);
            }
            Value::Object(g)
        }
        (g, _) => g,
    }
}

/// The documented response for a `Prefer: code`, or the first success.
fn choose_reply<'r>(route: &'r Route, code: Option<&str>) -> Option<(&'r Reply, u16)> {
    let find = |s: &str| {
        route
            .replies
            .iter()
            .find(|r| r.status.eq_ignore_ascii_case(s))
    };
    if let Some(code) = code {
        let n: u16 = code.parse().ok()?;
        let class = format!("{}XX", n / 100);
        return find(code)
            .or_else(|| find(&class))
            .or_else(|| find("default"))
            .map(|r| (r, n));
    }
    let mut success: Vec<(u16, &Reply)> = route
        .replies
        .iter()
        .filter_map(|r| {
            r.status
                .parse::<u16>()
                .ok()
                .filter(|s| (200..300).contains(s))
                .map(|s| (s, r))
        })
        .collect();
    success.sort_by_key(|(s, _)| *s);
    if let Some((s, r)) = success.first() {
        return Some((r, *s));
    }
    find("2XX")
        .or_else(|| find("default"))
        .map(|r| (r, 200))
        .or_else(|| {
            route
                .replies
                .first()
                .map(|r| (r, r.status.parse().unwrap_or(200)))
        })
}

/// The media type the client accepts, JSON first, else the first documented.
fn choose_media<'r>(reply: &'r Reply, accept: Option<&str>) -> Option<&'r Media> {
    if let Some(accept) = accept {
        for range in accept.split(',') {
            let range = range.split(';').next().unwrap_or("").trim();
            if range.is_empty() || range == "*/*" {
                continue;
            }
            if let Some(m) = reply
                .content
                .iter()
                .find(|m| media_matches(range, &m.media_type))
            {
                return Some(m);
            }
        }
    }
    reply
        .content
        .iter()
        .find(|m| is_json(&m.media_type))
        .or(reply.content.first())
}
