//! The HTTP layer under faults, against a scripted server on 127.0.0.1 started here:
//! exact attempt counts, honoured waits (from the server's own timestamps), error
//! texts, and caches and snapshots byte-identical after every failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apiwatch::fetch::{FetchConfig, FetchError, Fetcher};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const SPEC: &str = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;

#[derive(Default)]
struct Server {
    /// Path → arrival times of its requests.
    hits: Mutex<HashMap<String, Vec<Instant>>>,
    /// Path → what to do; a path can be switched between modes by tests.
    modes: Mutex<HashMap<String, String>>,
    not_modified: Mutex<usize>,
    /// Where the `away` mode redirects to.
    away: Mutex<String>,
    /// Credentials this server saw (any header that could carry one).
    seen_credentials: Mutex<Vec<String>>,
}

impl Server {
    fn hits(&self, path: &str) -> Vec<Instant> {
        self.hits
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
    fn set(&self, path: &str, mode: &str) {
        self.modes
            .lock()
            .unwrap()
            .insert(path.to_owned(), mode.to_owned());
    }
}

async fn handler(
    State(s): State<Arc<Server>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let n = {
        let mut hits = s.hits.lock().unwrap();
        let list = hits.entry(path.clone()).or_default();
        list.push(Instant::now());
        list.len()
    };
    for h in ["authorization", "x-api-key"] {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok()) {
            s.seen_credentials.lock().unwrap().push(v.to_owned());
        }
    }
    let mode = s
        .modes
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or_else(|| path.clone());
    let ok = || ([(header::CONTENT_TYPE, "application/json")], SPEC).into_response();
    match mode.as_str() {
        "ok" => ok(),
        "flaky" if n == 1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "flaky" => ok(),
        "busy" if n == 1 => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
        )
            .into_response(),
        "busy" => ok(),
        "ratelimited" if n == 1 => {
            let when = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(2))
                .unwrap();
            let date = jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_rfc9110_string(&when)
                .unwrap();
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, date)]).into_response()
        }
        "ratelimited" => ok(),
        "down" => StatusCode::BAD_GATEWAY.into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            ok()
        }
        "truncated" => {
            // Promise 4 KB, send 40 bytes, then fail the stream: the connection drops.
            let chunks: Vec<Result<&'static [u8], std::io::Error>> = vec![
                Ok(&SPEC.as_bytes()[..40]),
                Err(std::io::Error::other("cut")),
            ];
            Response::builder()
                .header(header::CONTENT_LENGTH, "4096")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .unwrap()
        }
        "html" => (
            [(header::CONTENT_TYPE, "text/html")],
            "<!DOCTYPE html><html><body>We'll be right back</body></html>",
        )
            .into_response(),
        "image" => ([(header::CONTENT_TYPE, "image/png")], "\u{89}PNG").into_response(),
        "huge" => (
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"pad\": \"{}\"}}", "x".repeat(20_000)),
        )
            .into_response(),
        "loop" => (StatusCode::FOUND, [(header::LOCATION, "/loop")]).into_response(),
        "private" => {
            if headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                == Some("Bearer s3cret-token")
            {
                ok()
            } else {
                StatusCode::UNAUTHORIZED.into_response()
            }
        }
        "away" => (
            StatusCode::FOUND,
            [(header::LOCATION, s.away.lock().unwrap().clone())],
        )
            .into_response(),
        "etag" => {
            if headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some("\"v1\"")
            {
                *s.not_modified.lock().unwrap() += 1;
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v1\"")]).into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::ETAG, "\"v1\""),
                ],
                SPEC,
            )
                .into_response()
        }
        // Answers 304 to everything, validators or not (a broken CDN).
        "always304" => (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v1\"")]).into_response(),
        // Serves the spec with a validator once, then answers 304 to everything.
        "once-then-304" if n == 1 => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::ETAG, "\"v1\""),
            ],
            SPEC,
        )
            .into_response(),
        "once-then-304" => (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v1\"")]).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start() -> (String, Arc<Server>) {
    start_on("127.0.0.1").await
}

async fn start_on(ip: &str) -> (String, Arc<Server>) {
    let state = Arc::new(Server::default());
    let app = Router::new()
        .route("/{*path}", get(handler))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), state)
}

fn fast() -> FetchConfig {
    FetchConfig {
        timeout: Duration::from_millis(500),
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_attempts: 3,
        retry_after_cap: Duration::from_secs(5),
        max_body_bytes: 10_000,
        per_host_rate: 1000,
        ..FetchConfig::default()
    }
}

#[tokio::test]
async fn a_500_then_200_takes_two_attempts() {
    let (base, server) = start().await;
    let f = Fetcher::new(fast(), None).unwrap();
    let doc = f
        .get(&format!("{base}/flaky"), &Default::default())
        .await
        .unwrap();
    assert_eq!(doc.attempts, 2);
    assert_eq!(server.hits("flaky").len(), 2);
    assert_eq!(doc.bytes, SPEC.as_bytes());
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let (base, server) = start().await;
    let f = Fetcher::new(fast(), None).unwrap();
    f.get(&format!("{base}/busy"), &Default::default())
        .await
        .unwrap();
    let hits = server.hits("busy");
    assert_eq!(hits.len(), 2);
    let waited = hits[1] - hits[0];
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_millis(2500),
        "{waited:?}"
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let (base, server) = start().await;
    let f = Fetcher::new(fast(), None).unwrap();
    f.get(&format!("{base}/ratelimited"), &Default::default())
        .await
        .unwrap();
    let hits = server.hits("ratelimited");
    assert_eq!(hits.len(), 2);
    // The date has one-second resolution: "now + 2 s" means a wait of 1 to 2 s.
    let waited = hits[1] - hits[0];
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_millis(3000),
        "{waited:?}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_fails_at_once() {
    let (base, server) = start().await;
    let config = FetchConfig {
        retry_after_cap: Duration::from_millis(500),
        ..fast()
    };
    let f = Fetcher::new(config, None).unwrap();
    let err = f
        .get(&format!("{base}/busy"), &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RetryAfterTooLong { .. }), "{err}");
    assert_eq!(server.hits("busy").len(), 1);
}

#[tokio::test]
async fn persistent_5xx_stops_after_the_attempt_limit() {
    let (base, server) = start().await;
    let f = Fetcher::new(fast(), None).unwrap();
    let err = f
        .get(&format!("{base}/down"), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.hits("down").len(), 3);
    assert_eq!(
        err.to_string(),
        format!("{base}/down: HTTP 502 (after 3 attempts)")
    );
}

#[tokio::test]
async fn a_slow_response_times_out_each_attempt() {
    let (base, server) = start().await;
    let f = Fetcher::new(
        FetchConfig {
            max_attempts: 2,
            ..fast()
        },
        None,
    )
    .unwrap();
    let started = Instant::now();
    let err = f
        .get(&format!("{base}/slow"), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.hits("slow").len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout, not the server, ended it"
    );
    assert!(
        err.to_string().contains("timed out") || err.to_string().contains("timeout"),
        "{err}"
    );
}

#[tokio::test]
async fn a_body_cut_mid_stream_is_retried_then_reported() {
    let (base, server) = start().await;
    let f = Fetcher::new(fast(), None).unwrap();
    let err = f
        .get(&format!("{base}/truncated"), &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.hits("truncated").len(), 3);
    assert!(err.to_string().contains("(after 3 attempts)"), "{err}");
}

#[tokio::test]
async fn oversized_bodies_redirect_loops_and_wrong_types_fail_without_retry() {
    let (base, server) = start().await;
    let f = Fetcher::new(fast(), None).unwrap();
    let err = f
        .get(&format!("{base}/huge"), &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 10_000, .. }),
        "{err}"
    );
    let err = f
        .get(&format!("{base}/loop"), &Default::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("too many redirects"), "{err}");
    let err = f
        .get(&format!("{base}/image"), &Default::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("image/png"), "{err}");
    assert_eq!(server.hits("huge").len(), 1);
    assert_eq!(server.hits("image").len(), 1);
    assert_eq!(
        server.hits("loop").len(),
        6,
        "the first request and 5 redirects"
    );
}

#[tokio::test]
async fn an_unchanged_upstream_costs_a_304_and_reuses_the_cached_body() {
    let (base, server) = start().await;
    let state = tempfile::tempdir().unwrap();
    let f = Fetcher::new(fast(), Some(state.path())).unwrap();
    let url = format!("{base}/etag");
    let first = f.get(&url, &Default::default()).await.unwrap();
    assert!(!first.not_modified);
    f.remember(&first);
    let second = f.get(&url, &Default::default()).await.unwrap();
    assert!(second.not_modified);
    assert_eq!(second.bytes, first.bytes);
    assert_eq!(*server.not_modified.lock().unwrap(), 1);
}

#[tokio::test]
async fn an_unsolicited_304_fails_after_one_request_instead_of_recursing() {
    let (base, server) = start().await;
    let url = format!("{base}/always304");
    for cache in [None, Some(tempfile::tempdir().unwrap())] {
        let before = server.hits("always304").len();
        let f = Fetcher::new(fast(), cache.as_ref().map(|d| d.path())).unwrap();
        let err = tokio::time::timeout(Duration::from_secs(10), f.get(&url, &Default::default()))
            .await
            .expect("a 304 loop must not hang")
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("304 Not Modified to a request without validators"),
            "{err}"
        );
        assert_eq!(
            server.hits("always304").len() - before,
            1,
            "nothing cached: one request"
        );
    }
}

#[tokio::test]
async fn a_304_whose_cached_body_is_gone_earns_one_unconditional_request() {
    let (base, server) = start().await;
    let state = tempfile::tempdir().unwrap();
    let f = Fetcher::new(fast(), Some(state.path())).unwrap();
    let url = format!("{base}/once-then-304");
    let first = f.get(&url, &Default::default()).await.unwrap();
    f.remember(&first);
    // The cached body disappears (a cleaned cache directory); the validators stay.
    let mut removed = 0;
    for file in walk(state.path()) {
        if std::fs::read(&file).unwrap() == first.bytes {
            std::fs::remove_file(&file).unwrap();
            removed += 1;
        }
    }
    assert_eq!(removed, 1, "the cache keeps the body in one file");
    let err = tokio::time::timeout(Duration::from_secs(10), f.get(&url, &Default::default()))
        .await
        .expect("a 304 loop must not hang")
        .unwrap_err();
    assert!(err.to_string().contains("(after 2 attempts)"), "{err}");
    assert_eq!(
        server.hits("once-then-304").len(),
        3,
        "first fetch, conditional, unconditional"
    );
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push((
            e.strip_prefix(dir).unwrap().display().to_string(),
            std::fs::read(&e).unwrap(),
        ));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p))
            } else {
                out.push(p)
            }
        }
    }
    out
}

/// A map of `n` contracts whose specs are served at `{base}/c{i}`.
fn map_of(root: &Path, base: &str, n: usize) {
    for i in 0..n {
        let dir = root.join(format!("contracts/c{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("contract.toml"),
            format!("[contract]\nvendor = \"V{i}\"\napi = \"A\"\n[owners]\nteam = \"t\"\n[pin]\nversion = \"1\"\n[[spec]]\nurl = \"{base}/c{i}\"\n[[uses]]\noperation = \"GET /a\"\n[policy]\nescalate_after_failures = 2\n"),
        )
        .unwrap();
        let snap = root.join(format!("snapshots/c{i}"));
        std::fs::create_dir_all(&snap).unwrap();
        // The pin has a second operation that upstream lacks: one finding per healthy contract.
        std::fs::write(snap.join("openapi.json"), r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}},"/b":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#).unwrap();
    }
}

async fn run_once(
    root: &Path,
    state: &Path,
) -> (
    apiwatch::report::Report,
    Vec<apiwatch::run::ContractOutcome>,
) {
    let map = apiwatch::map::load(root).unwrap();
    let settings = apiwatch::run::RunSettings {
        root: root.to_path_buf(),
        only: Vec::new(),
        fail_on: None,
        today: "2026-11-26".into(),
        fetch: fast(),
        state_dir: state.to_path_buf(),
        tests: None,
    };
    let (report, outcomes) =
        apiwatch::run::check_all(&map, &settings, Arc::new(apiwatch::run::Silent)).await;
    apiwatch::run::record_streaks(state, &outcomes).unwrap();
    (report, outcomes)
}

#[tokio::test]
async fn failing_sources_never_hide_healthy_ones_nor_touch_snapshots_or_caches() {
    let (base, server) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    map_of(dir.path(), &base, 6);
    for i in 0..6 {
        server.set(&format!("c{i}"), "etag");
    }
    let (report, _) = run_once(dir.path(), &state).await;
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.rule == "endpoint-removed")
            .count(),
        6
    );
    let snapshots = tree(&dir.path().join("snapshots"));
    let cache = tree(&state.join("http"));
    assert_eq!(cache.len(), 12, "validators and body for each source");

    // Tonight two vendors misbehave: an HTML error page and a cut body.
    server.set("c1", "html");
    server.set("c4", "truncated");
    let (report, outcomes) = run_once(dir.path(), &state).await;
    let healthy: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "endpoint-removed")
        .filter_map(|f| f.contract.clone())
        .collect();
    assert_eq!(healthy, ["c0", "c2", "c3", "c5"]);
    let c1 = report
        .findings
        .iter()
        .find(|f| f.contract.as_deref() == Some("c1"))
        .unwrap();
    assert_eq!(c1.rule, "source-invalid");
    assert!(c1.message.contains("HTML"), "{}", c1.message);
    let c4 = report
        .findings
        .iter()
        .find(|f| f.contract.as_deref() == Some("c4"))
        .unwrap();
    assert_eq!(c4.rule, "source-unreachable");
    assert!(
        !c1.in_use && !c4.in_use,
        "one bad night is reported, not filed"
    );
    assert!(
        outcomes
            .iter()
            .filter(|o| o.status.status == "failed")
            .count()
            == 2
    );
    assert_eq!(
        tree(&dir.path().join("snapshots")),
        snapshots,
        "snapshots untouched"
    );
    assert_eq!(tree(&state.join("http")), cache, "cache untouched");

    // A second bad night in a row escalates to an issue.
    let (report, outcomes) = run_once(dir.path(), &state).await;
    let c1 = report
        .findings
        .iter()
        .find(|f| f.contract.as_deref() == Some("c1"))
        .unwrap();
    assert!(c1.in_use, "{}", c1.message);
    assert!(c1.message.contains("2 runs in a row"), "{}", c1.message);
    assert!(outcomes.iter().any(|o| o.status.name == "c1" && o.failing));

    // Recovery resets the streak.
    server.set("c1", "etag");
    run_once(dir.path(), &state).await;
    server.set("c1", "html");
    let (report, _) = run_once(dir.path(), &state).await;
    let c1 = report
        .findings
        .iter()
        .find(|f| f.contract.as_deref() == Some("c1"))
        .unwrap();
    assert!(!c1.in_use, "{}", c1.message);
}

#[tokio::test]
async fn private_sources_get_their_credential_from_the_environment_and_never_show_it() {
    let (base, server) = start().await;
    let dir = tempfile::tempdir().unwrap();
    map_of(dir.path(), &base, 1);
    server.set("c0", "private");
    let contract = dir.path().join("contracts/c0/contract.toml");
    let text = std::fs::read_to_string(&contract).unwrap().replace(
        "[[uses]]",
        "token_env = \"APIWATCH_TEST_DOCS_TOKEN\"\n[[uses]]",
    );
    std::fs::write(&contract, text).unwrap();
    let root = dir.path().to_path_buf();
    let run = move |token: Option<&'static str>| {
        let root = root.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_apiwatch"));
            cmd.env_remove("GITHUB_TOKEN")
                .env_remove("APIWATCH_GITHUB_TOKEN")
                .env_remove("APIWATCH_TEST_DOCS_TOKEN");
            if let Some(t) = token {
                cmd.env("APIWATCH_TEST_DOCS_TOKEN", t);
            }
            let out = cmd
                .arg("--root")
                .arg(&root)
                .args(["run", "--out"])
                .arg(root.join("out"))
                .arg("--state-dir")
                .arg(root.join("state"))
                .arg("--format")
                .arg("json")
                .output()
                .unwrap();
            let report = std::fs::read_to_string(root.join("out/report.json")).unwrap();
            (
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr)
                    + &report,
                report,
            )
        })
    };
    let (all, report) = run(Some("s3cret-token")).await.unwrap();
    assert!(
        report.contains("\"endpoint-removed\""),
        "the private spec was read: {report}"
    );
    assert!(!all.contains("s3cret-token"));

    let (all, report) = run(Some("wrong-token")).await.unwrap();
    assert!(report.contains("HTTP 401"), "{report}");
    assert!(!all.contains("wrong-token"));

    let (_, report) = run(None).await.unwrap();
    assert!(
        report.contains("the credential environment variable APIWATCH_TEST_DOCS_TOKEN is not set"),
        "{report}"
    );
}

#[tokio::test]
async fn a_credential_never_follows_a_redirect_to_another_host() {
    let (base, server) = start().await;
    let (other, elsewhere) = start_on("127.0.0.2").await;
    server.set("spec", "away");
    *server.away.lock().unwrap() = format!("{other}/spec");
    let f = Fetcher::new(fast(), None).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", "sk_live_not_for_you".parse().unwrap());
    let err = f.get(&format!("{base}/spec"), &headers).await.unwrap_err();
    assert!(
        err.to_string().contains("not followed with a credential"),
        "{err}"
    );
    assert!(elsewhere.seen_credentials.lock().unwrap().is_empty());
    assert!(elsewhere.hits("spec").is_empty());
    // Without a credential, the same redirect is followed.
    elsewhere.set("spec", "ok");
    f.get(&format!("{base}/spec"), &Default::default())
        .await
        .unwrap();
    assert_eq!(elsewhere.hits("spec").len(), 1);
}

/// A slowloris vendor used to cost every attempt's full timeout, with nothing to
/// stop the night before the workflow's limit killed it with no report. With a
/// deadline, what is not fetched by then is unreachable "(deadline)" and every other
/// contract is checked and reported as usual.
#[tokio::test]
async fn sources_unfinished_at_the_deadline_are_unreachable_and_the_rest_reported() {
    let (base, server) = start().await;
    let root = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    map_of(root.path(), &base, 3);
    server.set("c0", "ok");
    server.set("c1", "slow");
    server.set("c2", "ok");
    let map = apiwatch::map::load(root.path()).unwrap();
    let settings = apiwatch::run::RunSettings {
        root: root.path().to_path_buf(),
        only: Vec::new(),
        fail_on: None,
        today: "2026-11-26".into(),
        fetch: FetchConfig {
            // Each attempt would wait out the 3 s answer; the deadline comes first.
            timeout: Duration::from_secs(5),
            deadline: Some(tokio::time::Instant::now() + Duration::from_millis(600)),
            ..fast()
        },
        state_dir: state.path().to_path_buf(),
        tests: None,
    };
    let started = Instant::now();
    let (report, outcomes) =
        apiwatch::run::check_all(&map, &settings, Arc::new(apiwatch::run::Silent)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let status: Vec<(&str, &str)> = outcomes
        .iter()
        .map(|o| (o.status.name.as_str(), o.status.status.as_str()))
        .collect();
    assert_eq!(status, [("c0", "ok"), ("c1", "failed"), ("c2", "ok")]);
    let slow = report
        .findings
        .iter()
        .find(|f| f.contract.as_deref() == Some("c1"))
        .unwrap();
    assert_eq!(slow.rule.as_str(), "source-unreachable");
    assert!(
        slow.message
            .contains("not done by the run's deadline (--deadline)"),
        "{}",
        slow.message
    );
}
