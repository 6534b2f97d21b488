//! `apiwatch run` over 200 spec sources served on loopback with 200 ms of injected
//! latency each, against the same run made serial (one request at a time), in one
//! process. The 200 sources are spread over 50 loopback hosts (127.0.0.1–127.0.0.50),
//! four per host, as a night over many vendors would be: per-host politeness limits
//! stay on. Run: `cargo bench --bench fetch`. Results are in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apiwatch::fetch::FetchConfig;
use apiwatch::run::{RunSettings, Silent, check_all};
use axum::Router;
use axum::routing::get;

const SOURCES: usize = 200;
const HOSTS: usize = 50;
const LATENCY: Duration = Duration::from_millis(200);

fn spec(ops: usize) -> String {
    let paths: Vec<String> = (0..ops)
        .map(|i| format!(r#""/things{i}/{{id}}":{{"get":{{"operationId":"get{i}","parameters":[{{"in":"path","name":"id","required":true,"schema":{{"type":"string"}}}}],"responses":{{"200":{{"description":"ok","content":{{"application/json":{{"schema":{{"type":"object","properties":{{"id":{{"type":"string"}},"n":{{"type":"integer"}}}}}}}}}}}}}}}}}}"#))
        .collect();
    format!(
        r#"{{"openapi":"3.0.3","info":{{"title":"t","version":"1"}},"paths":{{{}}}}}"#,
        paths.join(",")
    )
}

async fn serve(host: usize, body: Arc<String>) {
    let app = Router::new().route(
        "/{*path}",
        get(move || {
            let body = body.clone();
            async move {
                tokio::time::sleep(LATENCY).await;
                (
                    [("content-type", "application/json")],
                    body.as_str().to_owned(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.{host}:0"))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    PORTS.lock().unwrap().push((host, port));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

static PORTS: std::sync::Mutex<Vec<(usize, u16)>> = std::sync::Mutex::new(Vec::new());

fn write_map(root: &Path, pinned: &str) {
    let ports = PORTS.lock().unwrap().clone();
    for i in 0..SOURCES {
        let (host, port) = ports[i % ports.len()];
        let dir = root.join(format!("contracts/c{i:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("contract.toml"),
            format!("[contract]\nvendor = \"V{i}\"\napi = \"A\"\n[owners]\nteam = \"t\"\n[pin]\nversion = \"1\"\n[[spec]]\nurl = \"http://127.0.0.{host}:{port}/c{i}/openapi.json\"\n[[uses]]\noperation = \"get1\"\n"),
        )
        .unwrap();
        std::fs::create_dir_all(root.join(format!("snapshots/c{i:03}"))).unwrap();
        std::fs::write(root.join(format!("snapshots/c{i:03}/openapi.json")), pinned).unwrap();
    }
}

async fn timed(root: &Path, state: &Path, fetch: FetchConfig) -> (Duration, usize, usize) {
    let map = apiwatch::map::load(root).unwrap();
    let settings = RunSettings {
        root: root.to_path_buf(),
        only: Vec::new(),
        fail_on: None,
        today: "2026-11-26".into(),
        fetch,
        state_dir: state.to_path_buf(),
        tests: None,
    };
    let t = Instant::now();
    let (report, outcomes) = check_all(&map, &settings, Arc::new(Silent)).await;
    let failed = outcomes
        .iter()
        .filter(|o| o.status.status == "failed")
        .count();
    (t.elapsed(), report.findings.len(), failed)
}

#[tokio::main]
async fn main() {
    let upstream = Arc::new(spec(40));
    for host in 1..=HOSTS {
        serve(host, upstream.clone()).await;
    }
    let dir = tempfile::tempdir().unwrap();
    write_map(dir.path(), &spec(41));
    // Fresh state each time: no 304 shortcuts.
    let concurrent = timed(
        dir.path(),
        &dir.path().join("state-a"),
        FetchConfig::default(),
    )
    .await;
    let serial = timed(
        dir.path(),
        &dir.path().join("state-b"),
        FetchConfig {
            global_concurrency: 1,
            ..FetchConfig::default()
        },
    )
    .await;
    println!(
        "{SOURCES} sources, {HOSTS} hosts, {} ms latency each",
        LATENCY.as_millis()
    );
    println!(
        "concurrent (default limits): {:>8.2} s  ({} findings, {} failed)",
        concurrent.0.as_secs_f64(),
        concurrent.1,
        concurrent.2
    );
    println!(
        "serial (1 request at a time): {:>7.2} s  ({} findings, {} failed)",
        serial.0.as_secs_f64(),
        serial.1,
        serial.2
    );
    println!(
        "speed-up: {:.1}x",
        serial.0.as_secs_f64() / concurrent.0.as_secs_f64()
    );
}
