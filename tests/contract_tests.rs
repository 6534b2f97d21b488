//! Contract tests against a fake vendor sandbox on 127.0.0.1 (real HTTP): what
//! breaks marketing integrations — a relied-on field gone, a type changed, an
//! undocumented status, `Sunset`/`Deprecation` headers, a 429 storm, an access
//! token expiring mid-run, a rotated and a revoked refresh token, slow answers, a
//! production URL — each met and reported as its `sandbox-*` finding.
//!
//! The vendor and apiwatch share a hand-moved clock: token lifetimes, waits for
//! `Retry-After` and latencies take no real time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiwatch::finding::Finding;
use apiwatch::report::tests::TestRun;
use apiwatch::sandbox::{Clock, ManualClock};
use apiwatch::suite::{self, Settings};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

// ---- the pinned spec -------------------------------------------------------

const SPEC: &str = r##"{
  "openapi": "3.0.3",
  "info": {"title": "Crm", "version": "7"},
  "servers": [{"url": "https://api.crm.test/v1"}],
  "paths": {
    "/contacts": {
      "post": {
        "operationId": "createContact",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}}}},
        "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}}}
      }
    },
    "/contacts/{id}": {
      "get": {
        "operationId": "getContact",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "ok",
            "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}},
          "404": {"description": "gone"}
        }
      },
      "delete": {
        "operationId": "deleteContact",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "archived"}, "404": {"description": "gone"}}
      }
    },
    "/contacts/{id}/unsubscribe": {
      "post": {
        "operationId": "unsubscribeContact",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
          "type": "object", "required": ["unsubscribed"], "properties": {"unsubscribed": {"type": "boolean"}}}}}}}
      }
    },
    "/lists": {
      "get": {
        "operationId": "listLists",
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
          "type": "object", "properties": {"results": {"type": "array", "items": {
            "type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string", "nullable": true}}}}}}}}}}
      }
    },
    "/echo": {
      "get": {
        "operationId": "echo",
        "parameters": [
          {"name": "X-Api-Key", "in": "header", "required": true, "schema": {"type": "string"}},
          {"name": "Crm-Version", "in": "header", "required": true, "schema": {"type": "string", "example": "2024-01"}},
          {"name": "code", "in": "query", "required": true, "schema": {"type": "string"}}
        ],
        "responses": {"default": {"description": "anything", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    },
    "/report": {
      "get": {
        "operationId": "getReport",
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    }
  },
  "components": {"schemas": {"Contact": {
    "type": "object", "required": ["id", "email"],
    "properties": {"id": {"type": "string"}, "email": {"type": "string"}, "lifecycle_stage": {"type": "string"}}
  }}}
}"##;

// ---- the fake vendor -------------------------------------------------------

/// How the fake vendor misbehaves.
#[derive(Default, Clone)]
struct Quirks {
    /// `GET /contacts/{id}` without `lifecycle_stage` and with a numeric `id`.
    drift: bool,
    /// `POST /contacts` answers 202 (undocumented).
    accepted: bool,
    /// `GET /lists` sends `Sunset`, `Deprecation` and `Link` headers.
    sunset: bool,
    /// `GET /lists` answers 429 this many times first.
    busy: u32,
    /// `GET /report` takes this long (of the shared clock).
    slow: Option<Duration>,
    /// `GET /report` answers HTML.
    html: bool,
    /// Access tokens live this long; API calls move the clock by `tick`.
    token_life: u64,
    tick: Duration,
    /// Refreshes hand out a new refresh token and retire the old one.
    rotate: bool,
    /// Refresh tokens are refused (`invalid_grant`).
    revoked: bool,
    /// A 401 echoes the Authorization header it was sent (a leaky vendor).
    echo_auth: bool,
    /// After this many answers the vendor forgets every token it issued (a key
    /// rotation on its side).
    forget_after: Option<usize>,
}

#[derive(Default)]
struct Vendor {
    quirks: Quirks,
    /// Access token → when it expires (seconds of the shared clock).
    tokens: BTreeMap<String, i64>,
    refresh: String,
    minted: u32,
    /// What the API answered, per request: (method path, status).
    served: Vec<(String, u16)>,
    refreshes_with: Vec<String>,
    busy_left: u32,
    contacts: BTreeMap<String, Value>,
}

#[derive(Clone)]
struct Fake {
    vendor: Arc<Mutex<Vendor>>,
    clock: ManualClock,
}

impl Fake {
    fn log(&self, what: &str, status: StatusCode) {
        self.vendor
            .lock()
            .unwrap()
            .served
            .push((what.to_owned(), status.as_u16()));
    }

    /// Checks the bearer token against the shared clock; `Err` is the 401.
    fn authorized(&self, headers: &HeaderMap, what: &str) -> Result<(), Box<Response>> {
        self.clock.advance(self.vendor.lock().unwrap().quirks.tick);
        let now = self.clock.now().as_second();
        let mut v = self.vendor.lock().unwrap();
        if v.quirks.forget_after == Some(v.served.len()) {
            v.tokens.clear();
            v.quirks.forget_after = None;
        }
        let sent = headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let token = sent.strip_prefix("Bearer ").unwrap_or("");
        let fine = v.tokens.get(token).is_some_and(|exp| now < *exp) || token == "static-token";
        let echo = v.quirks.echo_auth;
        drop(v);
        if fine {
            return Ok(());
        }
        self.log(what, StatusCode::UNAUTHORIZED);
        let body = if echo {
            json!({"error": "unauthorized", "you_sent": sent})
        } else {
            json!({"error": "unauthorized"})
        };
        Err(Box::new(
            (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response(),
        ))
    }
}

async fn token(State(f): State<Fake>, body: String) -> Response {
    let form: BTreeMap<String, String> = body
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%2D", "-").replace("%5F", "_")))
        .collect();
    let mut v = f.vendor.lock().unwrap();
    if form.get("client_secret").map(String::as_str) != Some("csecret") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
        let given = form.get("refresh_token").cloned().unwrap_or_default();
        v.refreshes_with.push(given.clone());
        if v.quirks.revoked || given != v.refresh {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
                ),
            )
                .into_response();
        }
    }
    v.minted += 1;
    let access = format!("acc-{}", v.minted);
    let life = v.quirks.token_life.max(1);
    let exp = f.clock.now().as_second() + i64::try_from(life).unwrap();
    v.tokens.insert(access.clone(), exp);
    let mut answer = json!({"access_token": access, "token_type": "bearer", "expires_in": life});
    if v.quirks.rotate {
        v.refresh = format!("refresh-{}", v.minted);
        answer["refresh_token"] = json!(v.refresh);
    }
    axum::Json(answer).into_response()
}

async fn create(State(f): State<Fake>, headers: HeaderMap, body: String) -> Response {
    if let Err(r) = f.authorized(&headers, "POST /contacts") {
        return *r;
    }
    let sent: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut v = f.vendor.lock().unwrap();
    let id = format!("ct_{}", v.contacts.len() + 1);
    let record = json!({"id": id, "email": sent["email"], "lifecycle_stage": "lead"});
    v.contacts.insert(id, record.clone());
    let status = if v.quirks.accepted {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    drop(v);
    f.log("POST /contacts", status);
    (status, axum::Json(record)).into_response()
}

async fn read(State(f): State<Fake>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    if let Err(r) = f.authorized(&headers, "GET /contacts/{id}") {
        return *r;
    }
    let v = f.vendor.lock().unwrap();
    let Some(mut record) = v.contacts.get(&id).cloned() else {
        drop(v);
        f.log("GET /contacts/{id}", StatusCode::NOT_FOUND);
        return StatusCode::NOT_FOUND.into_response();
    };
    let drift = v.quirks.drift;
    drop(v);
    if drift {
        record.as_object_mut().unwrap().remove("lifecycle_stage");
        record["id"] = json!(42);
    }
    f.log("GET /contacts/{id}", StatusCode::OK);
    let mut response = axum::Json(record).into_response();
    if !drift {
        response
            .headers_mut()
            .insert("x-request-id", "req-1".parse().unwrap());
    }
    response
}

async fn remove(
    State(f): State<Fake>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    if let Err(r) = f.authorized(&headers, "DELETE /contacts/{id}") {
        return *r;
    }
    let gone = f.vendor.lock().unwrap().contacts.remove(&id).is_none();
    let status = if gone {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::NO_CONTENT
    };
    f.log("DELETE /contacts/{id}", status);
    status.into_response()
}

async fn unsubscribe(State(f): State<Fake>, headers: HeaderMap) -> Response {
    if let Err(r) = f.authorized(&headers, "POST /contacts/{id}/unsubscribe") {
        return *r;
    }
    f.log("POST /contacts/{id}/unsubscribe", StatusCode::OK);
    axum::Json(json!({"unsubscribed": true})).into_response()
}

async fn lists(State(f): State<Fake>, headers: HeaderMap) -> Response {
    if let Err(r) = f.authorized(&headers, "GET /lists") {
        return *r;
    }
    let mut v = f.vendor.lock().unwrap();
    if v.busy_left > 0 {
        v.busy_left -= 1;
        drop(v);
        f.log("GET /lists", StatusCode::TOO_MANY_REQUESTS);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("retry-after", "30"),
                ("x-ratelimit-remaining", "0"),
                ("ratelimit-policy", "100;w=60"),
            ],
            "slow down",
        )
            .into_response();
    }
    let sunset = v.quirks.sunset;
    drop(v);
    f.log("GET /lists", StatusCode::OK);
    let mut response = (
        [("x-ratelimit-remaining", "97")],
        axum::Json(json!({"results": [{"id": 1, "name": "Newsletter"}, {"id": 2, "name": null}]})),
    )
        .into_response();
    if sunset {
        let h = response.headers_mut();
        h.insert("sunset", "Sun, 31 Jan 2027 23:59:59 GMT".parse().unwrap());
        h.insert("deprecation", "@1790812800".parse().unwrap());
        h.insert(
            "link",
            "<https://api.crm.test/v2/lists>; rel=\"successor-version\""
                .parse()
                .unwrap(),
        );
    }
    response
}

async fn report(State(f): State<Fake>, headers: HeaderMap) -> Response {
    if let Err(r) = f.authorized(&headers, "GET /report") {
        return *r;
    }
    let q = f.vendor.lock().unwrap().quirks.clone();
    if let Some(d) = q.slow {
        f.clock.advance(d);
    }
    f.log("GET /report", StatusCode::OK);
    if q.html {
        return ([("content-type", "text/html")], "<html>maintenance</html>").into_response();
    }
    axum::Json(json!({"rows": 3})).into_response()
}

/// Starts the fake vendor; its base URL.
async fn vendor(quirks: Quirks, clock: ManualClock) -> (String, Fake) {
    let fake = Fake {
        vendor: Arc::new(Mutex::new(Vendor {
            busy_left: quirks.busy,
            refresh: "refresh-0".into(),
            quirks,
            ..Vendor::default()
        })),
        clock,
    };
    let app = axum::Router::new()
        .route("/oauth/token", post(token))
        .route("/v1/contacts", post(create))
        .route("/v1/contacts/{id}", get(read))
        .route("/v1/contacts/{id}", delete(remove))
        .route("/v1/contacts/{id}/unsubscribe", post(unsubscribe))
        .route("/v1/lists", get(lists))
        .route("/v1/report", get(report))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), fake)
}

// ---- the map under test ----------------------------------------------------

const OAUTH: &str = r#"auth = "oauth2"
credentials = { client_id = "CRM_CLIENT_ID", client_secret = "CRM_CLIENT_SECRET", refresh_token = "CRM_REFRESH_TOKEN" }"#;

const BEARER: &str = r#"auth = "bearer"
credentials = { token = "CRM_TOKEN" }"#;

/// A map with contract `crm`: its `[sandbox]` gets `sandbox` (base_url and auth
/// lines), its folder `tests.toml` = `cases`.
fn map(sandbox: &str, cases: &str) -> tempfile::TempDir {
    common::crm_map(
        SPEC,
        &format!(
            r#"[[uses]]
operation = "getContact"

[[uses]]
operation = "unsubscribeContact"
compliance = "opt-out"

[[uses]]
operation = "listLists"

[[uses]]
operation = "getReport"

[sandbox]
{sandbox}
"#
        ),
        &[("tests.toml", cases)],
    )
}

fn env(var: &str) -> Option<String> {
    match var {
        "CRM_CLIENT_ID" => Some("cid".into()),
        "CRM_CLIENT_SECRET" => Some("csecret".into()),
        "CRM_REFRESH_TOKEN" => Some("refresh-0".into()),
        "CRM_TOKEN" => Some("static-token".into()),
        _ => None,
    }
}

fn settings(root: &Path, clock: &ManualClock) -> Settings {
    let mut s = Settings::new(root);
    s.clock = Arc::new(clock.clone());
    s.env = Arc::new(env);
    s.run_id = "r1".into();
    s
}

/// Runs the contract's tests.
async fn tests_of(root: &Path, settings: &Settings) -> (TestRun, Vec<Finding>) {
    let map = apiwatch::run::load_contracts(root).unwrap();
    let contract = map.get("crm").unwrap();
    let pinned = apiwatch::snapshot::read(&root.join("snapshots/crm/openapi.json")).unwrap();
    let outcome =
        suite::test_contract(contract, suite::Specs::pinned(&pinned, &pinned), settings).await;
    (outcome.run, outcome.findings)
}

fn rules(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.rule.to_string()).collect()
}

fn finding<'f>(findings: &'f [Finding], rule: &str) -> &'f Finding {
    findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:#?}", rules(findings)))
}

const CREATE_READ_DELETE: &str = r#"
[[case]]
name = "create, read, delete"

[[case.step]]
operation = "createContact"
body = { email = "ci+${run_id}@example.com" }
expect_status = 201
capture = { id = "/id" }

[[case.step]]
name = "read back"
operation = "GET /contacts/{id}"
path = { id = "${id}" }
fields = ["/email", "/lifecycle_stage"]

[[case.cleanup]]
operation = "deleteContact"
path = { id = "${id}" }
expect_status = [204, 404]
"#;

fn base(url: &str, auth: &str, extra: &str) -> String {
    format!("base_url = \"{url}/v1\"\ntoken_url = \"{url}/oauth/token\"\n{auth}\n{extra}")
}

// ---- the tests ---------------------------------------------------------------

#[tokio::test]
async fn a_clean_vendor_passes_create_read_delete_with_captures() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let (url, fake) = vendor(Quirks::default(), clock.clone()).await;
    let dir = map(&base(&url, BEARER, ""), CREATE_READ_DELETE);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    assert_eq!(run.status, "passed");
    let steps = &run.cases[0].steps;
    assert_eq!(
        steps.iter().map(|s| s.status).collect::<Vec<_>>(),
        vec![Some(201), Some(200), Some(204)]
    );
    // The captured id was used by the read and the cleanup.
    let served = fake.vendor.lock().unwrap().served.clone();
    assert_eq!(served.len(), 3, "{served:?}");
    assert!(
        fake.vendor.lock().unwrap().contacts.is_empty(),
        "cleaned up"
    );
}

#[tokio::test]
async fn drift_is_reported_field_by_field_and_cleanup_still_runs() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        drift: true,
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    let dir = map(&base(&url, BEARER, ""), CREATE_READ_DELETE);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(run.status, "failed");
    let missing = finding(&findings, "sandbox-field-missing");
    assert!(
        missing.message.contains("`/lifecycle_stage` is missing"),
        "{}",
        missing.message
    );
    assert!(
        missing
            .message
            .contains("case `create, read, delete`, step `read back`")
    );
    let schema = finding(&findings, "sandbox-schema-violation");
    // The instance pointer and the schema pointer in the spec.
    assert!(
        schema.message.contains("/id: ")
            && schema
                .message
                .contains("#/components/schemas/Contact/properties/id/type"),
        "{}",
        schema.message
    );
    assert!(
        finding(&findings, "sandbox-header-missing")
            .message
            .contains("x-request-id")
    );
    // Same operation as the spec findings would name: the issue is shared.
    assert_eq!(missing.method.as_deref(), Some("GET"));
    assert_eq!(missing.path.as_deref(), Some("/contacts/{id}"));
    assert!(missing.in_use);
    // A body that breaks the schema still lets the case go on; cleanup ran.
    assert_eq!(run.cases[0].steps[2].status, Some(204));
    assert!(fake.vendor.lock().unwrap().contacts.is_empty());
}

#[tokio::test]
async fn an_undocumented_status_stops_the_case_but_not_its_cleanup() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        accepted: true,
        ..Quirks::default()
    };
    let (url, _fake) = vendor(quirks, clock.clone()).await;
    let dir = map(&base(&url, BEARER, ""), CREATE_READ_DELETE);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    let f = finding(&findings, "sandbox-status-undocumented");
    assert!(
        f.message
            .contains("answered 202; the pinned spec documents 201"),
        "{}",
        f.message
    );
    let steps = &run.cases[0].steps;
    assert_eq!(steps[1].outcome, "skipped");
    assert_eq!(steps[2].phase, "cleanup");
    assert_eq!(
        steps[2].status,
        Some(204),
        "the cleanup ran after the failure"
    );
}

#[tokio::test]
async fn sunset_and_deprecation_headers_become_dated_findings() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        sunset: true,
        ..Quirks::default()
    };
    let (url, _fake) = vendor(quirks, clock.clone()).await;
    let cases = "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\nfields = [\"/results/*/id\"]\n";
    let dir = map(&base(&url, BEARER, ""), cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    let sunset = finding(&findings, "sandbox-sunset-header");
    assert_eq!(sunset.sunset.as_deref(), Some("2027-01-31"));
    assert!(
        sunset
            .message
            .contains("successor: https://api.crm.test/v2/lists")
    );
    let deprecation = finding(&findings, "sandbox-deprecation-header");
    assert_eq!(deprecation.sunset.as_deref(), Some("2026-10-01"));
    // Warnings do not fail the case; a null name is no relied-on field.
    assert_eq!(run.cases[0].status, "passed");
    assert_eq!(run.cases[0].steps[0].outcome, "warned");
    assert_eq!(run.rate_limit_headers["x-ratelimit-remaining"], "97");
}

#[tokio::test]
async fn a_429_storm_is_waited_out_on_the_clock_and_a_longer_one_reported() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        busy: 2,
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    let cases = "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n";
    let dir = map(&base(&url, BEARER, ""), cases);
    let started = std::time::Instant::now();
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    let step = &run.cases[0].steps[0];
    assert_eq!((step.status, step.attempts), (Some(200), 3));
    // Retry-After: 30, twice, on the shared clock; no real time.
    assert_eq!(clock.now().as_second(), 60);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(run.rate_limit_headers["ratelimit-policy"], "100;w=60");
    assert_eq!(run.budget.used, 3);

    // A storm longer than the retries is a finding, not a hang.
    fake.vendor.lock().unwrap().busy_left = 100;
    let (run, findings) = run_again(dir.path(), &clock).await;
    let f = finding(&findings, "sandbox-rate-limited");
    assert!(
        f.message
            .contains("still 429 after 4 attempt(s); it asked to wait 30 s"),
        "{}",
        f.message
    );
    assert_eq!(run.cases[0].status, "failed");
}

async fn run_again(root: &Path, clock: &ManualClock) -> (TestRun, Vec<Finding>) {
    tests_of(root, &settings(root, clock)).await
}

#[tokio::test]
async fn an_access_token_expiring_mid_run_is_renewed_before_any_401() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        token_life: 60,
        tick: Duration::from_secs(10),
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    let mut cases = String::new();
    for i in 0..12 {
        cases.push_str(&format!(
            "[[case]]\nname = \"read lists {i}\"\n[[case.step]]\noperation = \"listLists\"\n"
        ));
    }
    let dir = map(&base(&url, OAUTH, ""), &cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    let v = fake.vendor.lock().unwrap();
    let unauthorized = v.served.iter().filter(|(_, s)| *s == 401).count();
    assert_eq!(
        unauthorized, 0,
        "no 401 reached a test step: {:?}",
        v.served
    );
    assert_eq!(run.unauthorized, 0);
    // 12 calls, 10 s each, tokens of 60 s renewed with 12 s left: several tokens.
    assert!(v.minted >= 3, "minted {}", v.minted);
    assert_eq!(
        run.cases.iter().filter(|c| c.status == "passed").count(),
        12
    );
}

#[tokio::test]
async fn a_401_gets_one_renewal_and_one_retry() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        forget_after: Some(1),
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    let cases = "[[case]]\nname = \"a\"\n[[case.step]]\noperation = \"listLists\"\n[[case]]\nname = \"b\"\n[[case.step]]\noperation = \"listLists\"\n";
    let dir = map(&base(&url, OAUTH, ""), cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    let v = fake.vendor.lock().unwrap();
    assert_eq!(v.minted, 2, "{:?}", v.served);
    assert_eq!(run.unauthorized, 1);
    assert_eq!(run.cases[1].steps[0].attempts, 2);
    assert_eq!(run.status, "passed");
}

#[tokio::test]
async fn a_rotated_refresh_token_is_used_and_reported_a_revoked_one_is_expired_credentials() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        token_life: 30,
        tick: Duration::from_secs(20),
        rotate: true,
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    let cases = "[[case]]\nname = \"a\"\n[[case.step]]\noperation = \"listLists\"\n[[case]]\nname = \"b\"\n[[case.step]]\noperation = \"listLists\"\n[[case]]\nname = \"c\"\n[[case.step]]\noperation = \"listLists\"\n";
    let dir = map(&base(&url, OAUTH, ""), cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(run.status, "passed");
    let f = finding(&findings, "sandbox-credentials-rotated");
    assert!(
        f.message.contains("refresh token in CRM_REFRESH_TOKEN"),
        "{}",
        f.message
    );
    assert!(run.notes[0].contains("CRM_REFRESH_TOKEN"));
    // The second refresh used the token the first one returned.
    let used = fake.vendor.lock().unwrap().refreshes_with.clone();
    assert!(used.len() >= 2, "{used:?}");
    assert_eq!(used[0], "refresh-0");
    assert_eq!(used[1], "refresh-1");
    // No token appears anywhere in what is reported.
    let text = serde_json::to_string(&(&run, &findings)).unwrap();
    assert!(
        !text.contains("refresh-1") && !text.contains("acc-1"),
        "{text}"
    );

    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        revoked: true,
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    let dir = map(&base(&url, OAUTH, ""), cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(rules(&findings), vec!["sandbox-credentials-expired"]);
    let f = &findings[0];
    assert!(
        f.message
            .contains("CRM_REFRESH_TOKEN is expired or revoked (invalid_grant)"),
        "{}",
        f.message
    );
    assert_eq!(f.op_key, suite::SANDBOX_KEY);
    assert_eq!(run.status, "failed");
    assert!(run.cases[1..].iter().all(|c| c.status == "skipped"));
    assert!(
        fake.vendor.lock().unwrap().served.is_empty(),
        "no API call without a token"
    );
}

#[tokio::test]
async fn slow_answers_and_html_where_json_is_documented() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        slow: Some(Duration::from_secs(3)),
        html: true,
        ..Quirks::default()
    };
    let (url, _fake) = vendor(quirks, clock.clone()).await;
    let cases = "[[case]]\nname = \"report\"\n[[case.step]]\noperation = \"getReport\"\n";
    let dir = map(&base(&url, BEARER, "slow_ms = 1000"), cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    let slow = finding(&findings, "sandbox-slow");
    assert!(
        slow.message
            .contains("answered in 3000 ms, over the contract's 1000 ms"),
        "{}",
        slow.message
    );
    let ct = finding(&findings, "sandbox-content-type");
    assert!(ct.message.contains("`text/html`"), "{}", ct.message);
    assert_eq!(run.cases[0].steps[0].latency_ms, 3000);
    assert_eq!(slow.severity, apiwatch::finding::Severity::Warning);
    // Per-contract overrides apply as to every rule: slowness made an error, the
    // content type turned off.
    let dir = map(
        &base(
            &url,
            BEARER,
            "slow_ms = 1000\n\n[policy]\nseverity = { \"sandbox-slow\" = \"error\", \"sandbox-content-type\" = \"off\" }",
        ),
        cases,
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(rules(&findings), vec!["sandbox-slow"]);
    assert_eq!(findings[0].severity, apiwatch::finding::Severity::Error);
    assert_eq!(run.cases[0].status, "failed");
}

#[tokio::test]
async fn a_production_server_is_refused_unless_allowed() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let (url, fake) = vendor(Quirks::default(), clock.clone()).await;
    let cases = "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n";
    // The spec's production server, with a trailing slash and other case.
    let dir = map(
        &format!("base_url = \"https://API.crm.test/v1/\"\n{BEARER}"),
        cases,
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(rules(&findings), vec!["sandbox-production-refused"]);
    assert!(findings[0].message.contains("allow_production = true"));
    assert!(findings[0].message.contains("contracts/crm/contract.toml"));
    assert!(run.cases.is_empty());
    // Allowed explicitly: it runs (here against the fake, via --sandbox).
    let dir = map(
        &format!("base_url = \"https://api.crm.test/v1\"\nallow_production = true\n{BEARER}"),
        cases,
    );
    let mut s = settings(dir.path(), &clock);
    s.sandbox_url = Some(format!("{url}/v1"));
    let (run, findings) = tests_of(dir.path(), &s).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    assert_eq!(run.status, "passed");
    assert_eq!(fake.vendor.lock().unwrap().served.len(), 1);
}

#[tokio::test]
async fn a_tight_budget_runs_compliance_cases_first_and_reports_the_rest() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let (url, fake) = vendor(Quirks::default(), clock.clone()).await;
    let cases = r#"
[[case]]
name = "lists"
[[case.step]]
operation = "listLists"

[[case]]
name = "report"
[[case.step]]
operation = "getReport"

[[case]]
name = "opt-out"
keeps_data = true
[[case.step]]
operation = "unsubscribeContact"
path = { id = "ct_1" }
"#;
    let dir = map(
        &base(&url, BEARER, "budget = { requests = 2, per_second = 4 }"),
        cases,
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(run.cases[0].name, "opt-out");
    assert_eq!(run.cases[0].compliance.as_deref(), Some("opt-out"));
    assert_eq!(run.cases[0].status, "passed");
    assert_eq!(run.cases[2].status, "skipped");
    let f = finding(&findings, "sandbox-budget-exhausted");
    assert!(f.message.contains("not run: `report`"), "{}", f.message);
    assert_eq!((run.budget.used, run.budget.limit), (2, Some(2)));
    // Four a second: the second request waited a quarter of a second.
    assert_eq!(clock.now().as_millisecond(), 250);
    assert_eq!(fake.vendor.lock().unwrap().served.len(), 2);
}

#[tokio::test]
async fn an_unreachable_sandbox_and_refused_credentials_are_findings_about_the_sandbox() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let cases = "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n";
    let dir = map(
        &format!("base_url = \"http://127.0.0.1:{port}/v1\"\n{BEARER}"),
        cases,
    );
    let (_, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    let f = finding(&findings, "sandbox-unreachable");
    assert_eq!(f.op_key, suite::SANDBOX_KEY);
    assert!(
        f.message.contains("no answer after 4 attempt(s)"),
        "{}",
        f.message
    );

    // A leaky vendor echoes the credential in its 401: it is not repeated.
    let quirks = Quirks {
        echo_auth: true,
        ..Quirks::default()
    };
    let (url, _fake) = vendor(quirks, clock.clone()).await;
    let dir = map(
        &format!(
            "base_url = \"{url}/v1\"\nauth = \"bearer\"\ncredentials = {{ token = \"CRM_WRONG\" }}"
        ),
        cases,
    );
    let mut s = settings(dir.path(), &clock);
    s.env = Arc::new(|v: &str| (v == "CRM_WRONG").then(|| "wrong-but-secret-value".to_owned()));
    let (run, findings) = tests_of(dir.path(), &s).await;
    let f = finding(&findings, "sandbox-auth-failed");
    assert!(f.message.contains("answered 401"), "{}", f.message);
    let text = serde_json::to_string(&(&run, &findings)).unwrap();
    assert!(!text.contains("wrong-but-secret-value"), "{text}");
}

#[tokio::test]
async fn missing_credentials_skip_the_contract_and_say_which() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let dir = map(
        "base_url = \"https://sandbox.crm.test/v1\"\nauth = \"bearer\"\ncredentials = { token = \"CRM_UNSET\" }",
        "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n",
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(findings.is_empty());
    assert_eq!(run.status, "skipped");
    assert_eq!(
        run.reason.as_deref(),
        Some("credentials not set: CRM_UNSET")
    );
}

#[tokio::test]
async fn bad_case_files_are_errors_with_file_line_and_column() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let cases = r#"[[case]]
name = "writes without cleanup"

[[case.step]]
operation = "createContact"
body = { email = "x@example.com" }

[[case.step]]
operation = "GET /contacts/{id}"
path = { id = "${never}" }
fields = ["email"]

[[case]]
name = "unknown"
[[case.step]]
operation = "deleteEverything"
"#;
    let dir = map("base_url = \"https://sandbox.crm.test/v1\"", cases);
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert_eq!(rules(&findings), vec!["sandbox-cases-invalid"]);
    let m = &findings[0].message;
    for expected in [
        "contracts/crm/tests.toml:1:1: case `writes without cleanup` changes data",
        "contracts/crm/tests.toml:8:1: `${never}` is used before any earlier step captures it",
        "contracts/crm/tests.toml:11:11: `email` is not a JSON pointer",
        "contracts/crm/tests.toml:16:13: `deleteEverything` is not an operation of the pinned spec",
    ] {
        assert!(m.contains(expected), "{expected}\n in\n{m}");
    }
    assert_eq!(run.status, "failed");
}

#[tokio::test]
async fn an_api_key_in_the_query_and_a_version_header_are_sent() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    // A vendor that wants `?hapikey=` and a version header.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/v1/lists",
            get(move |headers: HeaderMap, uri: axum::http::Uri| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push((
                        uri.query().unwrap_or("").to_owned(),
                        headers
                            .get("crm-version")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned(),
                    ));
                    axum::Json(json!({"results": []}))
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = map(
        &format!(
            "base_url = \"http://{addr}/v1\"\nauth = \"api-key\"\napi_key_query = \"hapikey\"\ncredentials = {{ api_key = \"CRM_TOKEN\" }}\nversion_header = {{ name = \"Crm-Version\", value = \"2026-03\" }}"
        ),
        "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\nquery = { limit = 5 }\n",
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    assert_eq!(run.status, "passed");
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![(
            "limit=5&hapikey=static-token".to_owned(),
            "2026-03".to_owned()
        )]
    );
}

// ---- regressions found in review -------------------------------------------

/// Serves `app` on a loopback port; its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

const ECHO: &str = "[[case]]\nname = \"echo\"\n[[case.step]]\noperation = \"echo\"\n";

#[tokio::test]
async fn one_credential_and_one_version_header_replace_what_the_spec_would_generate() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/v1/echo",
            get(move |headers: HeaderMap, uri: axum::http::Uri| {
                let seen = seen.clone();
                async move {
                    let all = |n: &str| {
                        headers
                            .get_all(n)
                            .iter()
                            .map(|v| v.to_str().unwrap().to_owned())
                            .collect::<Vec<_>>()
                    };
                    seen.lock().unwrap().push((
                        all("x-api-key"),
                        all("crm-version"),
                        uri.query().unwrap_or("").to_owned(),
                    ));
                    // A 204 only `default` documents.
                    StatusCode::NO_CONTENT
                }
            }),
        )
    };
    let url = serve(app).await;
    let dir = map(
        &format!(
            "base_url = \"{url}/v1\"\nauth = \"api-key\"\napi_key_header = \"X-Api-Key\"\ncredentials = {{ api_key = \"CRM_TOKEN\" }}\nversion_header = {{ name = \"Crm-Version\", value = \"2026-03\" }}"
        ),
        ECHO,
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    assert!(
        findings.is_empty(),
        "a status `default` documents is documented: {:#?}",
        rules(&findings)
    );
    assert_eq!(run.status, "passed");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0].0, vec!["static-token".to_owned()]);
    assert_eq!(seen[0].1, vec!["2026-03".to_owned()]);

    // A key in the query replaces the parameter of the same name, and its
    // percent-encoded form is redacted where a vendor echoes the URL.
    let app = axum::Router::new().route(
        "/v1/echo",
        get(|uri: axum::http::Uri| async move {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": format!("bad request to {uri}")})),
            )
        }),
    );
    let url = serve(app).await;
    let dir = map(
        &format!(
            "base_url = \"{url}/v1\"\nauth = \"api-key\"\napi_key_query = \"code\"\ncredentials = {{ api_key = \"CRM_ODD_KEY\" }}"
        ),
        ECHO,
    );
    let mut s = settings(dir.path(), &clock);
    s.env = Arc::new(|v: &str| (v == "CRM_ODD_KEY").then(|| "k3y+with/slash=long".to_owned()));
    let (run, findings) = tests_of(dir.path(), &s).await;
    let text = serde_json::to_string(&(&run, &findings)).unwrap();
    assert!(
        text.contains("bad request to /v1/echo?code=[redacted]"),
        "{text}"
    );
    assert!(!text.contains("k3y") && !text.contains("%2Bwith"), "{text}");
}

#[tokio::test]
async fn a_secret_echoed_by_the_token_endpoint_stays_out_of_every_case() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let app = axum::Router::new().route(
        "/oauth/token",
        post(|body: String| async move {
            let secret = body
                .split('&')
                .find_map(|p| p.strip_prefix("client_secret="))
                .unwrap_or("")
                .to_owned();
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_client", "error_description": format!("client secret {secret} does not match")})),
            )
        }),
    );
    let url = serve(app).await;
    let dir = map(
        &format!(
            "base_url = \"{url}/v1\"\ntoken_url = \"{url}/oauth/token\"\nauth = \"oauth2\"\ncredentials = {{ client_id = \"CRM_CID\", client_secret = \"CRM_CS\" }}"
        ),
        "[[case]]\nname = \"a\"\n[[case.step]]\noperation = \"listLists\"\n[[case]]\nname = \"b\"\n[[case.step]]\noperation = \"listLists\"\n",
    );
    let mut s = settings(dir.path(), &clock);
    s.env = Arc::new(|v: &str| match v {
        "CRM_CID" => Some("client-7".to_owned()),
        "CRM_CS" => Some("Sup3rS3cretValue".to_owned()),
        _ => None,
    });
    let (run, findings) = tests_of(dir.path(), &s).await;
    assert_eq!(run.cases[1].status, "skipped");
    let text = serde_json::to_string(&(&run, &findings)).unwrap()
        + &apiwatch::report::tests::junit(std::slice::from_ref(&run))
        + &apiwatch::report::tests::text(std::slice::from_ref(&run))
        + &apiwatch::report::tests::markdown(std::slice::from_ref(&run));
    assert!(!text.contains("Sup3rS3cretValue"), "{text}");
    assert!(
        text.contains("client secret [redacted] does not match"),
        "{text}"
    );
}

#[tokio::test]
async fn a_token_endpoint_hiccup_is_retried_and_a_retry_storm_stays_in_the_budget() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let quirks = Quirks {
        busy: 100,
        ..Quirks::default()
    };
    let (url, fake) = vendor(quirks, clock.clone()).await;
    // The token endpoint answers 503 once, then works.
    let hiccup = Arc::new(Mutex::new(true));
    let front = {
        let hiccup = hiccup.clone();
        let upstream = url.clone();
        axum::Router::new().route(
            "/oauth/token",
            post(move |body: String| {
                let hiccup = hiccup.clone();
                let upstream = upstream.clone();
                async move {
                    if std::mem::take(&mut *hiccup.lock().unwrap()) {
                        return (
                            StatusCode::SERVICE_UNAVAILABLE,
                            [("retry-after", "2")],
                            String::new(),
                        )
                            .into_response();
                    }
                    let reply = reqwest::Client::new()
                        .post(format!("{upstream}/oauth/token"))
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    (StatusCode::OK, reply.text().await.unwrap()).into_response()
                }
            }),
        )
    };
    let token_front = serve(front).await;
    let cases = "[[case]]\nname = \"busy lists\"\n[[case.step]]\noperation = \"listLists\"\n[[case]]\nname = \"later\"\n[[case.step]]\noperation = \"getReport\"\n";
    let dir = map(
        &format!(
            "base_url = \"{url}/v1\"\ntoken_url = \"{token_front}/oauth/token\"\n{OAUTH}\nbudget = {{ requests = 3 }}"
        ),
        cases,
    );
    let (run, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    // The token came on the second try; the storm ate the budget, not more.
    assert!(
        !rules(&findings).contains(&"sandbox-auth-failed".to_owned()),
        "{:#?}",
        rules(&findings)
    );
    assert!(
        rules(&findings).contains(&"sandbox-budget-exhausted".to_owned()),
        "{:#?}",
        rules(&findings)
    );
    let api_calls = fake.vendor.lock().unwrap().served.len();
    assert!(
        run.budget.used <= 3 + 2,
        "{:?} (3, plus the two token requests)",
        run.budget
    );
    assert!(api_calls <= 3, "{api_calls}");
    assert_eq!(run.cases[1].status, "skipped");
}

#[tokio::test]
async fn a_post_that_timed_out_is_not_sent_again_and_redirects_are_not_followed() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let posts = Arc::new(Mutex::new(0u32));
    let elsewhere = Arc::new(Mutex::new(0u32));
    let other = {
        let elsewhere = elsewhere.clone();
        serve(axum::Router::new().route(
            "/v1/lists",
            get(move || {
                let elsewhere = elsewhere.clone();
                async move {
                    *elsewhere.lock().unwrap() += 1;
                    axum::Json(json!({"results": []}))
                }
            }),
        ))
        .await
    };
    let app = {
        let posts = posts.clone();
        let other = other.clone();
        axum::Router::new()
            .route(
                "/v1/contacts",
                post(move || {
                    let posts = posts.clone();
                    async move {
                        *posts.lock().unwrap() += 1;
                        tokio::time::sleep(Duration::from_millis(400)).await;
                        StatusCode::CREATED
                    }
                }),
            )
            .route(
                "/v1/lists",
                get(move || {
                    let other = other.clone();
                    async move {
                        (
                            StatusCode::FOUND,
                            [("location", format!("{other}/v1/lists"))],
                        )
                    }
                }),
            )
    };
    let url = serve(app).await;
    let cases = "[[case]]\nname = \"create\"\nkeeps_data = true\n[[case.step]]\noperation = \"createContact\"\nbody = { email = \"a@example.com\" }\n[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n";
    let dir = map(&base(&url, BEARER, ""), cases);
    let mut s = settings(dir.path(), &clock);
    s.timeout = Duration::from_millis(100);
    let (run, findings) = tests_of(dir.path(), &s).await;
    assert_eq!(
        *posts.lock().unwrap(),
        1,
        "a create that may have happened is not repeated"
    );
    assert_eq!(run.cases[0].steps[0].attempts, 1);
    assert!(rules(&findings).contains(&"sandbox-unreachable".to_owned()));
    assert_eq!(
        *elsewhere.lock().unwrap(),
        0,
        "the redirect was not followed"
    );
    assert_eq!(run.cases[1].steps[0].status, Some(302));
    assert!(rules(&findings).contains(&"sandbox-status-undocumented".to_owned()));
}

#[tokio::test]
async fn production_is_told_by_host_and_sandbox_servers_are_not_production() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let spec = SPEC.replace(
        r#""servers": [{"url": "https://api.crm.test/v1"}]"#,
        r#""servers": [
          {"url": "https://{region}.api.crm.test/v1", "variables": {"region": {"default": "us", "enum": ["us", "eu"]}}},
          {"url": "http://127.0.0.1:1/v1", "description": "Sandbox"}
        ]"#,
    );
    assert_ne!(spec, SPEC);
    let cases = "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n";
    for (base_url, refused) in [
        ("https://eu.api.crm.test/v2", true),
        ("https://us.api.crm.test:443/v1", true),
        // Loopback, described as the sandbox: allowed (and nothing listens there).
        ("http://127.0.0.1:1/v1", false),
    ] {
        let dir = map(&format!("base_url = \"{base_url}\""), cases);
        let doc = apiwatch::spec::load::parse_document(spec.as_bytes(), "spec.json").unwrap();
        apiwatch::snapshot::pin(&doc, &dir.path().join("snapshots/crm/openapi.json")).unwrap();
        let mut s = settings(dir.path(), &clock);
        s.retry.max_attempts = 1;
        s.timeout = Duration::from_millis(200);
        let (_, findings) = tests_of(dir.path(), &s).await;
        assert_eq!(
            rules(&findings).contains(&"sandbox-production-refused".to_owned()),
            refused,
            "{base_url}: {:#?}",
            rules(&findings)
        );
    }
}

#[tokio::test]
async fn unreadable_and_link_only_sunsets_are_still_reported() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let app = axum::Router::new().route(
        "/v1/lists",
        get(|| async {
            (
                [
                    ("sunset", "end of next quarter"),
                    ("link", "<https://docs.crm.test/sunsets>; rel=\"sunset\""),
                ],
                axum::Json(json!({"results": []})),
            )
        }),
    );
    let url = serve(app).await;
    let dir = map(
        &format!("base_url = \"{url}/v1\""),
        "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n",
    );
    let (_, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    let f = finding(&findings, "sandbox-sunset-header");
    assert!(
        f.message
            .contains("`Sunset: end of next quarter` (not a date apiwatch can read)"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("https://docs.crm.test/sunsets"),
        "{}",
        f.message
    );
    assert_eq!(f.sunset, None);
}

#[tokio::test]
async fn path_keys_and_statuses_are_checked_when_the_file_is_read() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let cases = "[[case]]\nname = \"x\"\n[[case.step]]\noperation = \"getContact\"\npath = { contactID = \"1\" }\nexpect_status = \"2XX\"\n";
    let dir = map("base_url = \"https://sandbox.crm.test/v1\"", cases);
    let (_, findings) = tests_of(dir.path(), &settings(dir.path(), &clock)).await;
    let m = &finding(&findings, "sandbox-cases-invalid").message;
    assert!(
        m.contains("`contactID` is not a path parameter of `GET /contacts/{id}` (it has id)"),
        "{m}"
    );
    assert!(
        m.contains(
            "tests.toml:6:17: `expect_status` must be an HTTP status (201) or a list of them"
        ),
        "{m}"
    );
}

#[tokio::test]
async fn a_local_sandbox_given_on_the_command_line_serves_the_tokens_too() {
    let clock = ManualClock::new(jiff::Timestamp::UNIX_EPOCH);
    let (url, fake) = vendor(Quirks::default(), clock.clone()).await;
    // The contract names the vendor's hosts; `--sandbox` points at this machine.
    let dir = map(
        &format!(
            "base_url = \"https://sandbox.crm.test/v1\"\ntoken_url = \"https://auth.crm.test/oauth/token\"\n{OAUTH}"
        ),
        "[[case]]\nname = \"lists\"\n[[case.step]]\noperation = \"listLists\"\n",
    );
    let mut s = settings(dir.path(), &clock);
    s.sandbox_url = Some(format!("{url}/v1"));
    let (run, findings) = tests_of(dir.path(), &s).await;
    assert!(findings.is_empty(), "{:#?}", rules(&findings));
    assert_eq!(run.status, "passed");
    assert_eq!(
        fake.vendor.lock().unwrap().minted,
        1,
        "the token came from the local sandbox"
    );
}
