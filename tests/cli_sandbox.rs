//! `apiwatch sandbox` end to end: the process starts, says where it serves, answers
//! as the contract's `[sandbox]` says, and stops cleanly on Ctrl-C (SIGINT).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `apiwatch sandbox ARGS… --port 0` and returns it with the URL it printed.
fn serve(
    root: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Child, String, Vec<String>) {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("apiwatch"));
    cmd.arg("--root")
        .arg(root)
        .arg("sandbox")
        .args(args)
        .args(["--port", "0"]);
    cmd.env_remove("ACME_KEY").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    let mut url = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(u) = line.trim().strip_prefix("at ") {
            url = Some(u.to_owned());
        }
        let done = line.starts_with("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, url.expect("the URL it serves at"), lines)
}

fn interrupt(mut child: Child) -> (Option<i32>, String) {
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status.code(), stderr)
}

#[tokio::test]
async fn a_contracts_sandbox_serves_its_pinned_spec_with_its_auth() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[sandbox]\nembedded = true\nauth = \"api-key\"\napi_key_header = \"X-Api-Key\"\ncredentials = {{ api_key = \"ACME_KEY\" }}\nrate_limit = {{ requests = 100, per_seconds = 10 }}\n"
    );
    let dir = map_with(&contract, true);
    let (child, url, banner) = serve(dir.path(), &["acme"], &[("ACME_KEY", "s3cret")]);
    let banner = banner.join("\n");
    assert!(
        banner.contains("serving 1 operations of snapshots/acme/"),
        "{banner}"
    );
    assert!(banner.contains("GET /things (listThings)"), "{banner}");
    assert!(banner.contains("auth: API key in `X-Api-Key`"), "{banner}");
    assert!(!banner.contains("s3cret"), "the key is never printed");
    let http = reqwest::Client::new();
    let r = http.get(format!("{url}/things")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{url}/things"))
        .header("X-Api-Key", "s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ratelimit-limit"], "100");
    let (code, stderr) = interrupt(child);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}

#[test]
fn a_missing_credential_is_named_and_nothing_is_served() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[sandbox]\nembedded = true\nauth = \"api-key\"\ncredentials = {{ api_key = \"ACME_KEY\" }}\n"
    );
    let dir = map_with(&contract, true);
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .args(["sandbox", "acme", "--port", "0"])
        .env_remove("ACME_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ACME_KEY is not set"), "{stderr}");
}

#[test]
fn sandbox_settings_are_checked_where_they_are_written() {
    let err = map_error(
        &format!("{GOOD_CONTRACT}\n[sandbox]\nauth = \"none\"\n"),
        false,
    );
    assert!(
        err.contains("needs `base_url`") && err.contains("embedded = true"),
        "{err}"
    );
    let err = map_error(
        &format!(
            "{GOOD_CONTRACT}\n[sandbox]\nembedded = true\nlatency_ms = \"fast\"\nerror_rate = 2.0\n"
        ),
        false,
    );
    assert!(
        err.contains("`latency_ms` must be milliseconds")
            && err.contains("`error_rate` must be between 0 and 1"),
        "{err}"
    );
}

#[tokio::test]
async fn any_spec_serves_with_flags() {
    let dir = map_with(GOOD_CONTRACT, false);
    let spec = dir.path().join("upstream.yaml");
    let (child, url, _) = serve(
        dir.path(),
        &[
            "--spec",
            spec.to_str().unwrap(),
            "--sunset",
            "listThings=2027-03-01",
            "--error-rate",
            "0",
        ],
        &[],
    );
    let r = reqwest::get(format!("{url}/things")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["sunset"], "Mon, 01 Mar 2027 00:00:00 GMT");
    let (code, _) = interrupt(child);
    assert_eq!(code, Some(0));
}
