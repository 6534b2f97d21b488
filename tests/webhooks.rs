//! Webhooks end to end on loopback: `replay` against a receiver that checks
//! signatures and one that accepts anything (which must be reported), `receive`
//! with a valid, a forged and a schema-breaking delivery, and the CLI's exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use apiwatch::webhook::replay::{self, Config};
use apiwatch::webhook::schemes::{self, Delivery, Generic, Key, Scheme, Signing, Verifying};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

const SECRET: &str = "corvid-client-secret-0001";

/// An OpenAPI 3.1 spec with one webhook whose payload needs an integer `objectId`.
const SPEC: &str = r#"{
  "openapi": "3.1.0",
  "info": {"title": "Crm", "version": "7"},
  "paths": {"/subscriptions": {"post": {"operationId": "subscribe", "responses": {"201": {"description": "ok"}},
    "callbacks": {"onContactChange": {"{$request.body#/url}": {"post": {
      "requestBody": {"content": {"application/json": {
        "schema": {"type": "object", "required": ["objectId", "propertyName"],
          "properties": {"objectId": {"type": "integer"}, "propertyName": {"type": "string"}}},
        "example": {"objectId": 8, "propertyName": "email"}}}},
      "responses": {"200": {"description": "ok"}}}}}}}}},
  "webhooks": {
    "contactCreated": {
      "post": {
        "requestBody": {"content": {"application/json": {
          "schema": {"type": "object", "required": ["objectId", "subscriptionType"],
            "properties": {"objectId": {"type": "integer"}, "portalId": {"type": "integer"},
              "subscriptionType": {"type": "string", "const": "contact.creation"}}},
          "example": {"objectId": 7, "subscriptionType": "contact.creation"}
        }}},
        "responses": {"200": {"description": "ok"}}
      }
    }
  }
}"#;

/// A map with contract `crm`, its `[webhook]` for `scheme`, and sample events.
fn map(scheme: &str, samples: &[(&str, &str)]) -> tempfile::TempDir {
    let files: Vec<(String, &str)> = samples
        .iter()
        .map(|(name, body)| (format!("webhooks/{name}"), *body))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    common::crm_map(
        SPEC,
        &format!(
            r#"[webhook]
scheme = "{scheme}"
secret_env = "CRM_WEBHOOK_SECRET"
url = "https://hooks.example.test/crm?src=crm%3Aprod"
"#
        ),
        &files,
    )
}

fn contract(root: &Path) -> apiwatch::map::Contract {
    apiwatch::run::load_contracts(root)
        .unwrap()
        .get("crm")
        .unwrap()
        .clone()
}

fn config(contract: &apiwatch::map::Contract) -> Config {
    Config::of(contract, &|v| {
        (v == "CRM_WEBHOOK_SECRET").then(|| SECRET.to_owned())
    })
    .unwrap()
}

/// A receiver: `strict` checks the signature (as the vendor's docs say), else
/// it takes anything. Each answer is recorded.
async fn receiver(strict: bool, scheme: Scheme) -> (String, Arc<Mutex<Vec<u16>>>) {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let seen = answers.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let seen = seen.clone();
        async move {
            let delivery = Delivery {
                method: "POST".into(),
                // Behind a proxy: the URL as the vendor called it, not as seen here.
                url: "https://hooks.example.test/crm?src=crm%3Aprod".into(),
                body: body.to_vec(),
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                    .collect(),
            };
            let ok = !strict
                || schemes::verify(
                    &Verifying {
                        scheme,
                        key: &Key(SECRET.into()),
                        generic: &Generic::default(),
                        signature: None,
                        timestamp: None,
                        now: 1_790_000_000,
                        tolerance: None,
                    },
                    &delivery,
                )
                .is_ok();
            let status = if ok {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::UNAUTHORIZED
            };
            seen.lock().unwrap().push(status.as_u16());
            status
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks/crm"), answers)
}

type Received = tokio::task::JoinHandle<
    Result<
        (
            apiwatch::report::tests::TestRun,
            Vec<apiwatch::finding::Finding>,
        ),
        String,
    >,
>;

/// `receive` started on a loopback port for `count` deliveries: its address, and
/// the task that ends with the results.
async fn receiving(
    c: &apiwatch::map::Contract,
    cfg: Config,
    pinned: Option<apiwatch::spec::Document>,
    count: usize,
) -> (SocketAddr, Received) {
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let c = c.clone();
    let task = tokio::spawn(async move {
        apiwatch::webhook::receive::receive(
            &c,
            cfg,
            pinned.as_ref(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
            count,
            std::time::Duration::from_secs(20),
            |addr| {
                let _ = addr_tx.send(addr);
            },
        )
        .await
    });
    (addr_rx.await.unwrap(), task)
}

const SAMPLES: [(&str, &str); 2] = [
    (
        "a-created.json",
        r#"{"objectId":1,"subscriptionType":"contact.creation"}"#,
    ),
    (
        "b-changed.json",
        r#"{"objectId":1,"subscriptionType":"contact.propertyChange"}"#,
    ),
];

#[tokio::test]
async fn replay_passes_a_receiver_that_checks_and_reports_one_that_does_not() {
    for scheme in ["hubspot-v3", "stripe", "github"] {
        let dir = map(scheme, &SAMPLES);
        let c = contract(dir.path());
        let cfg = config(&c);
        let samples = replay::samples(&c, dir.path(), None).unwrap();
        let http = reqwest::Client::new();

        let (good, answers) = receiver(true, cfg.scheme).await;
        let (run, findings) = replay::replay(&c, &cfg, &samples, &good, 1_790_000_000, &http)
            .await
            .unwrap();
        assert!(findings.is_empty(), "{scheme}: {findings:#?}");
        assert_eq!(run.status, "passed");
        // Per sample: valid, tampered, wrong secret, (stale, future), unsigned; then 2
        // duplicates and the out-of-order pair.
        let per = if cfg.scheme.timed() { 6 } else { 4 };
        assert_eq!(run.cases.len(), 2 * per + 4, "{scheme}");
        assert_eq!(answers.lock().unwrap().len(), 2 * per + 4);

        let (broken, _) = receiver(false, cfg.scheme).await;
        let (run, findings) = replay::replay(&c, &cfg, &samples, &broken, 1_790_000_000, &http)
            .await
            .unwrap();
        assert_eq!(run.status, "failed");
        let rules: Vec<String> = findings.iter().map(|f| f.rule.to_string()).collect();
        assert!(
            rules.contains(&"webhook-forgery-accepted".to_owned()),
            "{scheme}: {rules:?}"
        );
        assert_eq!(
            rules.contains(&"webhook-replay-accepted".to_owned()),
            cfg.scheme.timed(),
            "{scheme}: {rules:?}"
        );
        let forged = findings
            .iter()
            .find(|f| f.rule == "webhook-forgery-accepted")
            .unwrap();
        assert_eq!(forged.severity, apiwatch::finding::Severity::Error);
        assert!(
            forged
                .message
                .contains("accepted it with 204; a receiver must refuse it")
        );
        let xml = apiwatch::report::tests::junit(std::slice::from_ref(&run));
        assert!(
            xml.contains("tampered body (a-created.json)") && xml.contains("<failure"),
            "{xml}"
        );
    }
}

#[tokio::test]
async fn samples_come_from_the_pinned_specs_webhook_examples_when_there_are_no_files() {
    let dir = map("shopify", &[]);
    let c = contract(dir.path());
    let pinned = apiwatch::snapshot::read(&dir.path().join("snapshots/crm/openapi.json")).unwrap();
    let samples = replay::samples(&c, dir.path(), Some(&pinned)).unwrap();
    let names: Vec<&str> = samples.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "contactCreated (spec example 1)",
            "onContactChange (spec example 1)"
        ]
    );
    let body: Value = serde_json::from_slice(&samples[0].body).unwrap();
    assert_eq!(body["objectId"], 7);
    let callback: Value = serde_json::from_slice(&samples[1].body).unwrap();
    assert_eq!(callback["propertyName"], "email");
    let err = replay::samples(&c, dir.path(), None).unwrap_err();
    assert!(err.contains("contracts/crm/webhooks"), "{err}");
}

#[tokio::test]
async fn receive_verifies_each_delivery_and_checks_it_against_the_pinned_schema() {
    let dir = map("hubspot-v3", &[]);
    let c = contract(dir.path());
    let cfg = config(&c);
    let pinned = apiwatch::snapshot::read(&dir.path().join("snapshots/crm/openapi.json")).unwrap();
    let (addr, receiving) = receiving(&c, cfg, Some(pinned), 4).await;
    let now = jiff::Timestamp::now().as_second();
    let send = |body: &'static str, key: &'static str| {
        let d = Delivery {
            method: "POST".into(),
            url: "https://hooks.example.test/crm?src=crm%3Aprod".into(),
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        };
        let headers = schemes::sign(
            &Signing {
                scheme: Scheme::HubspotV3,
                key: &Key(key.into()),
                generic: &Generic::default(),
                timestamp: None,
                now,
            },
            &d,
        )
        .unwrap();
        async move {
            let mut call = reqwest::Client::new()
                .post(format!("http://{addr}/crm?src=crm%3Aprod"))
                .header("content-type", "application/json")
                .body(body);
            for (k, v) in headers {
                call = call.header(k, v);
            }
            call.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(
        send(
            r#"{"objectId":5,"subscriptionType":"contact.creation"}"#,
            SECRET
        )
        .await,
        200
    );
    assert_eq!(
        send(
            r#"{"objectId":5,"subscriptionType":"contact.creation"}"#,
            "forged"
        )
        .await,
        401
    );
    assert_eq!(
        send(
            r#"{"objectId":"5","subscriptionType":"contact.creation"}"#,
            SECRET
        )
        .await,
        200
    );
    // The callback's shape is a documented payload too.
    assert_eq!(
        send(r#"{"objectId":9,"propertyName":"email"}"#, SECRET).await,
        200
    );
    let (run, findings) = receiving.await.unwrap().unwrap();
    assert_eq!(run.cases.len(), 4);
    assert_eq!(
        run.cases
            .iter()
            .map(|c| c.status.as_str())
            .collect::<Vec<_>>(),
        vec!["passed", "failed", "failed", "passed"]
    );
    let rules: Vec<String> = findings.iter().map(|f| f.rule.to_string()).collect();
    assert_eq!(
        rules,
        vec!["webhook-signature-invalid", "webhook-payload-invalid"]
    );
    assert!(
        findings[1].message.contains("/objectId"),
        "{}",
        findings[1].message
    );
}

#[test]
fn the_cli_verifies_signs_and_says_why_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("event.json");
    std::fs::write(&body, br#"{"id":"evt_1"}"#).unwrap();
    let signed = apiwatch()
        .env("STRIPE_SECRET", "whsec_cli")
        .args([
            "webhook",
            "sign",
            "--scheme",
            "stripe",
            "--secret-env",
            "STRIPE_SECRET",
            "--now",
            "1790000000",
            "--body",
        ])
        .arg(&body)
        .output()
        .unwrap();
    assert!(signed.status.success());
    let line = String::from_utf8(signed.stdout).unwrap();
    let signature = line
        .trim()
        .strip_prefix("Stripe-Signature: ")
        .unwrap()
        .to_owned();
    let verify = |sig: &str, now: &str| {
        apiwatch()
            .env("STRIPE_SECRET", "whsec_cli")
            .args([
                "webhook",
                "verify",
                "--scheme",
                "stripe",
                "--secret-env",
                "STRIPE_SECRET",
                "--now",
                now,
                "--signature",
                sig,
                "--body",
                "-",
            ])
            .write_stdin(r#"{"id":"evt_1"}"#)
            .output()
            .unwrap()
    };
    let ok = verify(&signature, "1790000100");
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "valid: stripe signature\n"
    );
    let stale = verify(&signature, "1790000400");
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stdout).contains("invalid: the timestamp is 400 s old"));
    let wrong = verify(&signature.replace("v1=", "v1=0"), "1790000100");
    assert_eq!(wrong.status.code(), Some(1));
    // Usage errors: exit 2.
    apiwatch()
        .args([
            "webhook",
            "verify",
            "--secret",
            "x",
            "--signature",
            "y",
            "--body",
            "-",
        ])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("give --scheme"));
    apiwatch()
        .args([
            "webhook",
            "verify",
            "--scheme",
            "hubspot-v2",
            "--secret",
            "x",
            "--signature",
            "y",
            "--body",
            "-",
        ])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("give --url"));
    // A missing header is said as such.
    let missing = apiwatch()
        .args([
            "webhook",
            "verify",
            "--scheme",
            "slack",
            "--secret",
            "x",
            "--signature",
            "v0=00",
            "--body",
            "-",
        ])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&missing.stdout),
        "invalid: missing header X-Slack-Request-Timestamp\n"
    );
    // JSON headers from a contract's [webhook].
    let map_dir = map("github", &SAMPLES);
    let json = apiwatch()
        .env("CRM_WEBHOOK_SECRET", SECRET)
        .arg("--root")
        .arg(map_dir.path())
        .args([
            "webhook",
            "sign",
            "--contract",
            "crm",
            "--format",
            "json",
            "--body",
        ])
        .arg(map_dir.path().join("contracts/crm/webhooks/a-created.json"))
        .output()
        .unwrap();
    let headers: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        headers["X-Hub-Signature-256"]
            .as_str()
            .unwrap()
            .starts_with("sha256=")
    );
}

#[test]
fn replay_from_the_command_line_exits_1_on_a_receiver_that_accepts_forgeries() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (to, _) = rt.block_on(receiver(false, Scheme::Shopify));
    let dir = map("shopify", &SAMPLES);
    let junit = dir.path().join("webhooks.xml");
    let out = apiwatch()
        .env("CRM_WEBHOOK_SECRET", SECRET)
        .arg("--root")
        .arg(dir.path())
        .args(["webhook", "replay", "crm", "--to", &to, "--junit"])
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[webhook-forgery-accepted]"), "{stdout}");
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<failure")
    );
    drop(rt);
}

#[tokio::test]
async fn replay_against_apiwatchs_own_receiver_passes_for_every_scheme() {
    // apiwatch receive is a receiver that checks: everything replay sends must be
    // judged right by it, for each scheme (Twilio JSON signs its body hash in the URL).
    use base64::Engine as _;
    use p256::pkcs8::EncodePrivateKey;
    let signing = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let private = base64::engine::general_purpose::STANDARD
        .encode(signing.to_pkcs8_der().unwrap().as_bytes());
    let public = schemes::sendgrid_public_key(&private).unwrap();
    for scheme in [
        Scheme::Twilio,
        Scheme::Slack,
        Scheme::Sendgrid,
        Scheme::HubspotV2,
    ] {
        let dir = map(scheme.name(), &SAMPLES);
        let c = contract(dir.path());
        let mut cfg = config(&c);
        cfg.url = None;
        if scheme == Scheme::Sendgrid {
            cfg.key = Key(public.clone());
            cfg.signing_key = Some(Key(private.clone()));
        }
        let per = if scheme.timed() { 6 } else { 4 };
        let expected = 2 * per + 4;
        let (addr, receiving) = receiving(&c, cfg.clone(), None, expected).await;
        let to = format!("http://{addr}/hooks/crm");
        let samples = replay::samples(&c, dir.path(), None).unwrap();
        let now = jiff::Timestamp::now().as_second();
        let (run, findings) = replay::replay(&c, &cfg, &samples, &to, now, &reqwest::Client::new())
            .await
            .unwrap();
        assert!(findings.is_empty(), "{}: {findings:#?}", scheme.name());
        assert_eq!(run.cases.len(), expected, "{}", scheme.name());
        let (received, _) = receiving.await.unwrap().unwrap();
        assert_eq!(received.cases.len(), expected, "{}", scheme.name());
    }
}

#[tokio::test]
async fn a_receiver_that_is_down_fails_the_replay() {
    let dir = map("stripe", &SAMPLES);
    let c = contract(dir.path());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let samples = replay::samples(&c, dir.path(), None).unwrap();
    let (run, findings) = replay::replay(
        &c,
        &config(&c),
        &samples,
        &format!("http://127.0.0.1:{port}/hooks?token=hunter2secretvalue"),
        1_790_000_000,
        &reqwest::Client::new(),
    )
    .await
    .unwrap();
    assert_eq!(run.status, "failed");
    assert!(run.cases.iter().all(|c| c.status == "failed"));
    assert_eq!(findings[0].rule, "webhook-receiver-unreachable");
    assert!(!run.sandbox.contains("hunter2"), "{}", run.sandbox);
}

#[tokio::test]
async fn receive_ignores_probes_takes_forms_and_holds_a_delivery_to_the_schema_it_claims() {
    let dir = map("hubspot-v3", &[]);
    let c = contract(dir.path());
    let cfg = config(&c);
    let pinned = apiwatch::snapshot::read(&dir.path().join("snapshots/crm/openapi.json")).unwrap();
    let (addr, receiving) = receiving(&c, cfg, Some(pinned), 2).await;
    let http = reqwest::Client::new();
    // A health probe: answered, not counted.
    let probe = http
        .get(format!("http://{addr}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status().as_u16(), 200);
    let now = jiff::Timestamp::now().as_second();
    for body in [
        // Claims contactCreated (its const) without the integer objectId it needs,
        // though the callback's schema would take it.
        r#"{"objectId":"1","propertyName":"x","subscriptionType":"contact.creation"}"#,
        // A form: no JSON schema applies.
        "objectId=1&propertyName=x",
    ] {
        let d = Delivery {
            method: "POST".into(),
            url: "https://hooks.example.test/crm?src=crm%3Aprod".into(),
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        };
        let headers = schemes::sign(
            &Signing {
                scheme: Scheme::HubspotV3,
                key: &Key(SECRET.into()),
                generic: &Generic::default(),
                timestamp: None,
                now,
            },
            &d,
        )
        .unwrap();
        let mut call = http
            .post(format!("http://{addr}/crm?src=crm%3Aprod"))
            .body(body);
        for (k, v) in headers {
            call = call.header(k, v);
        }
        assert_eq!(call.send().await.unwrap().status().as_u16(), 200);
    }
    let (run, findings) = receiving.await.unwrap().unwrap();
    assert_eq!(
        run.cases
            .iter()
            .map(|c| c.status.as_str())
            .collect::<Vec<_>>(),
        vec!["failed", "passed"]
    );
    assert!(
        findings[0]
            .message
            .contains("against webhook `contactCreated`"),
        "{}",
        findings[0].message
    );
}

#[test]
fn the_cli_refuses_empty_or_misplaced_secrets_and_odd_tolerances_with_exit_2() {
    for (args, env, said) in [
        (
            vec!["--secret-env", "EMPTY_SECRET"],
            Some(("EMPTY_SECRET", "")),
            "the secret is empty",
        ),
        (
            vec!["--secret-env", "whsec_live_abcdef123"],
            None,
            "takes the name of an environment variable",
        ),
        (
            vec!["--secret", "x", "--tolerance", "0"],
            None,
            "--tolerance is seconds",
        ),
    ] {
        let mut cmd = apiwatch();
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd
            .args([
                "webhook",
                "verify",
                "--scheme",
                "stripe",
                "--signature",
                "t=1,v1=00",
                "--body",
                "-",
            ])
            .args(&args)
            .write_stdin("{}")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert!(!stderr.contains("whsec_live_abcdef123"), "{stderr}");
    }
    // Hostile timestamps are invalid, not a crash; a forgery is called one, whatever its age.
    let out = apiwatch()
        .args([
            "webhook",
            "verify",
            "--scheme",
            "stripe",
            "--secret",
            "x",
            "--now",
            "1790000000",
            "--body",
            "-",
        ])
        .args(["--signature", "t=-9223372036854775808,v1=00"])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = apiwatch()
        .args([
            "webhook",
            "verify",
            "--scheme",
            "slack",
            "--secret",
            "wrong",
            "--now",
            "1790009100",
            "--body",
            "-",
        ])
        .args([
            "--header",
            "X-Slack-Request-Timestamp: 1790000000",
            "--signature",
            "v0=00ff",
        ])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "invalid: the signature does not match\n"
    );
}
