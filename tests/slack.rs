//! Slack against a loopback fake: one message per change of a compliance-critical
//! problem (new, worse, resolved), none while it stays the same, none for what need
//! not wake anyone, and none twice because of a retry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiwatch::finding::Severity;
use apiwatch::issues::PlannedIssue;
use apiwatch::retry::RetryPolicy;
use apiwatch::run::slack;
use axum::http::StatusCode;

fn issue(key: &str, compliance: bool, fingerprints: &[&str]) -> PlannedIssue {
    PlannedIssue {
        key: key.into(),
        contract: "acme".into(),
        repo: Some("acme/integrations".into()),
        title: format!("[apiwatch] acme: {key} — 1 breaking change"),
        labels: Vec::new(),
        assignees: Vec::new(),
        body: String::new(),
        severity: Severity::Error,
        compliance,
        fingerprints: fingerprints.iter().map(|f| (*f).to_owned()).collect(),
        debounce_runs: 1,
    }
}

#[tokio::test]
async fn one_message_per_change_and_none_twice() {
    // The fake refuses the very first request with a 503, then takes everything.
    let got = Arc::new(Mutex::new(Vec::<String>::new()));
    let refused = Arc::new(Mutex::new(false));
    let app = {
        let (got, refused) = (got.clone(), refused.clone());
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: String| {
                let (got, refused) = (got.clone(), refused.clone());
                async move {
                    let mut r = refused.lock().unwrap();
                    if !*r {
                        *r = true;
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    got.lock().unwrap().push(body);
                    StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let hook = format!("http://{addr}/hook");

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("contracts/acme")).unwrap();
    std::fs::write(
        root.join("upstream.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("contracts/acme/contract.toml"),
        "[contract]\nvendor = \"Acme\"\napi = \"Things\"\n\n[owners]\nteam = \"platform\"\nrepo = \"acme/integrations\"\nslack_webhook_env = \"ACME_SLACK_HOOK\"\n\n[pin]\nversion = \"1\"\n\n[[spec]]\nfile = \"upstream.yaml\"\n",
    )
    .unwrap();
    let map = apiwatch::run::load_map(root).unwrap();
    let checked: BTreeSet<String> = ["acme".to_owned()].into();
    let state = root.join("state");
    let retry = RetryPolicy {
        max_attempts: 3,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_wait: Duration::from_secs(1),
    };
    let env = move |v: &str| (v == "ACME_SLACK_HOOK").then(|| hook.clone());
    let opt_out = |fps: &[&str]| vec![issue("opt-out", true, fps), issue("listing", false, &["x"])];
    let nights: [Vec<PlannedIssue>; 5] = [
        opt_out(&["a"]),                       // new (after one refused attempt)
        opt_out(&["a"]),                       // the same: nothing
        opt_out(&["a", "b"]),                  // worse
        vec![issue("listing", false, &["x"])], // resolved
        Vec::new(),                            // nothing left to say
    ];
    let mut said = Vec::new();
    for desired in &nights {
        let lines = slack::notify_with(&map, desired, &checked, &state, false, retry, &env)
            .await
            .unwrap();
        said.push(lines.len());
    }
    assert_eq!(said, vec![1, 0, 1, 1, 0]);
    // A night that did not check the contract (`--contract other`) resolves nothing.
    slack::notify_with(&map, &opt_out(&["a"]), &checked, &state, false, retry, &env)
        .await
        .unwrap();
    let quiet = slack::notify_with(&map, &[], &BTreeSet::new(), &state, false, retry, &env)
        .await
        .unwrap();
    assert!(quiet.is_empty(), "{quiet:?}");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got[0].contains("*new*: [apiwatch] acme: opt-out"),
        "{}",
        got[0]
    );
    assert!(
        got[0].contains("https://github.com/acme/integrations/issues?q="),
        "{}",
        got[0]
    );
    assert!(got[1].contains("*worse*"));
    assert!(got[2].contains("*resolved*"));
    assert!(
        got.iter().all(|m| !m.contains("listing")),
        "not compliance-critical"
    );
    // A dry run says what it would send and changes nothing.
    let dry = slack::notify_with(
        &map,
        &opt_out(&["a", "c"]),
        &checked,
        &state,
        true,
        retry,
        &env,
    )
    .await
    .unwrap();
    assert_eq!(dry.len(), 1);
    assert!(dry[0].starts_with("would tell Slack: *worse*"), "{dry:?}");
    let ledger =
        serde_json::from_slice::<slack::Ledger>(&std::fs::read(slack::path(&state)).unwrap())
            .unwrap();
    let told: Vec<&String> = ledger["opt-out"].fingerprints.iter().collect();
    assert_eq!(told, vec!["a"], "the dry run changed nothing");
}

#[tokio::test]
async fn a_message_slack_did_not_take_is_said_again_next_night() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("contracts/acme")).unwrap();
    std::fs::write(
        root.join("upstream.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("contracts/acme/contract.toml"),
        "[contract]\nvendor = \"Acme\"\napi = \"Things\"\n\n[owners]\nteam = \"platform\"\nslack_webhook_env = \"ACME_SLACK_HOOK\"\n\n[pin]\nversion = \"1\"\n\n[[spec]]\nfile = \"upstream.yaml\"\n",
    )
    .unwrap();
    let map = apiwatch::run::load_map(root).unwrap();
    let checked: BTreeSet<String> = ["acme".to_owned()].into();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let env =
        move |v: &str| (v == "ACME_SLACK_HOOK").then(|| format!("http://127.0.0.1:{port}/hook"));
    let retry = RetryPolicy {
        max_attempts: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(10),
        max_wait: Duration::from_secs(1),
    };
    let desired = vec![issue("opt-out", true, &["a"])];
    let state = root.join("state");
    let lines = slack::notify_with(&map, &desired, &checked, &state, false, retry, &env)
        .await
        .unwrap();
    assert!(lines[0].starts_with("FAILED to tell Slack"), "{lines:?}");
    assert!(
        !lines[0].contains(&port.to_string()),
        "the webhook URL is a secret: {lines:?}"
    );
    let again = slack::notify_with(&map, &desired, &checked, &state, false, retry, &env)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "still to be said");
}
