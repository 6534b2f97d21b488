//! The embedded sandbox over real HTTP on loopback: validation (one case per kind of
//! violation), examples and generated bodies, `Prefer`, stateful CRUD, auth (API
//! key, bearer, basic, OAuth 2.0 expiry, refresh, rotation and revocation), the rate
//! limit and its headers, sunset headers, faults, drift and the request log; and,
//! over the corpus specs, generated bodies that validate against their own schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use apiwatch::sandbox::auth::{Emulation, OAuth2};
use apiwatch::sandbox::faults::{Faults, RateLimit, SunsetRule};
use apiwatch::sandbox::{ManualClock, Options, Running, Sandbox};
use apiwatch::spec::load::load_file;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sandbox")
        .join(name)
}

async fn start(spec: &str, options: Options) -> Running {
    let doc = load_file(&fixture(spec)).unwrap();
    Sandbox::new(&doc, options)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new("2026-11-30T12:00:00Z".parse().unwrap())
}

async fn json_of(r: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|v| v["pointer"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn bad_requests_get_problem_details_naming_each_violation() {
    let s = start("crm.yaml", Options::default()).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", s.url);
    assert!(
        s.url.ends_with("/crm/v3"),
        "served under the base path: {}",
        s.url
    );

    // A required query parameter missing, and one of the wrong type: 400.
    let (status, headers, body) =
        json_of(http.get(url("/contacts?limit=abc")).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(
        pointers(&body),
        ["/query/archived", "/query/limit"],
        "{body}"
    );
    // A list parameter item outside its enum.
    let (status, _, body) = json_of(
        http.get(url("/contacts?archived=false&tags=lead,vip"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(pointers(&body), ["/query/tags/1"], "{body}");
    // A path parameter of the wrong type.
    let (status, _, body) = json_of(http.get(url("/contacts/abc")).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(pointers(&body), ["/path/contactId"]);
    // A required header missing.
    let (status, _, body) = json_of(
        http.put(url("/contacts/7/consent"))
            .json(&json!({"subscribed": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        pointers(&body),
        ["/header/x-source"],
        "header names are case-insensitive"
    );
    // Not JSON at all: 400.
    let (status, _, body) = json_of(
        http.post(url("/contacts"))
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    // A content type the operation does not take: 415.
    let (status, _, body) = json_of(
        http.post(url("/contacts"))
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(pointers(&body), ["/header/content-type"]);
    // Well-formed, but against the schema: 422, each violation with its pointer.
    let (status, _, body) = json_of(
        http.post(url("/contacts"))
            .json(&json!({"email": "not-an-email", "name": 5}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    let mut p = pointers(&body);
    p.sort();
    assert_eq!(p, ["/body/email", "/body/name"], "{body}");
    // A read-only `id` is not required of a request; a good one passes.
    let (status, _, body) = json_of(
        http.post(url("/contacts"))
            .json(&json!({"email": "ada@example.com"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // No operation there: 404; a method the path does not take: 405 with Allow.
    let r = http.get(url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = http.put(url("/contacts")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn examples_generated_bodies_and_prefer() {
    let s = start(
        "crm.yaml",
        Options {
            seed: 7,
            ..Options::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", s.url);
    // The first documented example by default; another by name.
    let (_, _, body) = json_of(http.get(url("/contacts/7")).send().await.unwrap()).await;
    assert_eq!(body["name"], "Ada");
    let (_, _, body) = json_of(
        http.get(url("/contacts/7"))
            .header("Prefer", "example=archived")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["status"], "archived");
    let (status, _, body) = json_of(
        http.get(url("/contacts/7"))
            .header("Prefer", "example=nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("active, archived"),
        "{body}"
    );
    // A documented status by code, with its own example.
    let (status, _, body) = json_of(
        http.get(url("/contacts/7"))
            .header("Prefer", "code=404")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"error": "not_found"}));
    // Generated from the schema: pattern, bounds, formats; the same for the same seed.
    let stats = url("/campaigns/cmp_0a1b2c3d/stats");
    let (_, _, first) = json_of(http.get(&stats).send().await.unwrap()).await;
    let (_, _, again) = json_of(http.get(&stats).send().await.unwrap()).await;
    assert_eq!(first, again);
    assert!(
        regex::Regex::new("^cmp_[0-9a-f]{8}$")
            .unwrap()
            .is_match(first["campaign"].as_str().unwrap()),
        "{first}"
    );
    let rate = first["rate"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&rate));
    // `dynamic=true` generates a body instead of the example, valid all the same.
    let (_, _, body) = json_of(
        http.get(url("/contacts/7"))
            .header("Prefer", "dynamic=true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(body["email"].as_str().unwrap().contains('@'), "{body}");
    assert!(
        body.get("password").is_none(),
        "write-only properties are not returned"
    );
    // A 204 has no body; a list without an example is generated with its items.
    let r = http.delete(url("/contacts/7")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    let (_, _, list) = json_of(
        http.get(url("/contacts?archived=false"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        list["results"].as_array().is_some() && list["total"].as_i64().is_some(),
        "{list}"
    );
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_stateful_sandbox_keeps_what_it_is_given() {
    let s = start(
        "crm.yaml",
        Options {
            stateful: true,
            ..Options::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", s.url);
    let (status, _, created) = json_of(
        http.post(url("/contacts"))
            .json(&json!({"email": "ada@example.com", "name": "Ada"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["email"], "ada@example.com");
    let id = created["id"].as_i64().unwrap();
    let (status, _, read) = json_of(
        http.get(url(&format!("/contacts/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(read, created);
    let (_, _, updated) = json_of(
        http.patch(url(&format!("/contacts/{id}")))
            .json(&json!({"status": "archived"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(updated["status"], "archived");
    assert_eq!(updated["email"], "ada@example.com");
    let (_, _, list) = json_of(
        http.get(url("/contacts?archived=true"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["results"], json!([updated]));
    assert_eq!(
        http.delete(url(&format!("/contacts/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (status, _, body) = json_of(
        http.get(url(&format!("/contacts/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["detail"].as_str().unwrap().contains("create it first"));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn keys_bearer_and_basic_credentials_are_checked() {
    let http = reqwest::Client::new();
    for (auth, good, bad) in [
        (
            Emulation::ApiKey {
                header: "X-Api-Key".into(),
                value: "k-123".into(),
            },
            ("x-api-key", "k-123".to_owned()),
            ("x-api-key", "k-999".to_owned()),
        ),
        (
            Emulation::Bearer {
                token: "t-123".into(),
            },
            ("authorization", "Bearer t-123".to_owned()),
            ("authorization", "Bearer t-999".to_owned()),
        ),
        (
            Emulation::Basic {
                user: "ada".into(),
                password: "pw".into(),
            },
            ("authorization", "Basic YWRhOnB3".to_owned()),
            ("authorization", "Basic YWRhOng=".to_owned()),
        ),
    ] {
        let s = start(
            "crm.yaml",
            Options {
                auth,
                ..Options::default()
            },
        )
        .await;
        let url = format!("{}/contacts/7", s.url);
        let none = http.get(&url).send().await.unwrap();
        assert_eq!(none.status(), 401);
        assert!(none.headers().contains_key("www-authenticate"));
        assert_eq!(
            http.get(&url)
                .header(bad.0, bad.1)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(
            http.get(&url)
                .header(good.0, good.1)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        s.stop().await.unwrap();
    }
}

#[tokio::test]
async fn oauth_tokens_expire_refresh_rotate_and_can_be_revoked() {
    let clock = clock();
    let options = Options {
        auth: Emulation::OAuth2(OAuth2 {
            client_id: "cid".into(),
            client_secret: "secret".into(),
            refresh_token: None,
            token_path: "/oauth/token".into(),
            expires_in: 60,
            rotate: true,
            revoked: false,
        }),
        clock: Arc::new(clock.clone()),
        ..Options::default()
    };
    let s = start("crm.yaml", options).await;
    let http = reqwest::Client::new();
    let token_url = format!("http://{}/oauth/token", s.addr);
    let api = format!("{}/contacts/7", s.url);
    let token = |form: Vec<(&'static str, String)>| {
        let http = http.clone();
        let token_url = token_url.clone();
        async move { json_of(http.post(&token_url).form(&form).send().await.unwrap()).await }
    };
    // A wrong secret is `invalid_client`.
    let (status, _, body) = token(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", "cid".into()),
        ("client_secret", "nope".into()),
    ])
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, _, grant) = token(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", "cid".into()),
        ("client_secret", "secret".into()),
    ])
    .await;
    assert_eq!(status, 200);
    assert_eq!(grant["expires_in"], 60);
    assert!(
        grant.get("refresh_token").is_none(),
        "RFC 6749 4.4.3: none for client credentials"
    );
    // The app's authorization code gives a refresh token as well.
    let (status, _, grant) = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", "from-the-redirect".into()),
        ("client_id", "cid".into()),
        ("client_secret", "secret".into()),
    ])
    .await;
    assert_eq!(status, 200);
    let access = grant["access_token"].as_str().unwrap().to_owned();
    let refresh = grant["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        http.get(&api)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Past `expires_in` on the sandbox's clock: 401 invalid_token.
    clock.advance(Duration::from_secs(61));
    let r = http.get(&api).bearer_auth(&access).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    // Refresh: a new access token, and (rotation) a new refresh token.
    let refresh_with = |rt: String| {
        token(vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", rt),
            ("client_id", "cid".into()),
            ("client_secret", "secret".into()),
        ])
    };
    let (status, _, renewed) = refresh_with(refresh.clone()).await;
    assert_eq!(status, 200);
    let new_refresh = renewed["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh);
    assert_eq!(
        http.get(&api)
            .bearer_auth(renewed["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The used refresh token is retired.
    let (status, _, body) = refresh_with(refresh).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Revoked (the user disconnected the app): every refresh is invalid_grant.
    assert!(
        http.post(format!(
            "http://{}/__apiwatch/revoke-refresh-tokens",
            s.addr
        ))
        .send()
        .await
        .unwrap()
        .status()
        .is_success()
    );
    let (status, _, body) = refresh_with(new_refresh).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    s.stop().await.unwrap();
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_its_headers() {
    let clock = clock();
    let mut limit = RateLimit::new(2, 10);
    limit.limit_header = "X-HubSpot-RateLimit-Max".into();
    limit.remaining_header = "X-HubSpot-RateLimit-Remaining".into();
    limit.reset_header = "X-HubSpot-RateLimit-Interval-Seconds".into();
    let options = Options {
        faults: Faults {
            rate_limit: Some(limit),
            ..Faults::default()
        },
        clock: Arc::new(clock.clone()),
        ..Options::default()
    };
    let s = start("crm.yaml", options).await;
    let http = reqwest::Client::new();
    let url = format!("{}/contacts/7", s.url);
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.headers()["x-hubspot-ratelimit-max"], "2");
    assert_eq!(first.headers()["x-hubspot-ratelimit-remaining"], "1");
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    let third = http.get(&url).send().await.unwrap();
    assert_eq!(third.status(), 429);
    assert_eq!(third.headers()["x-hubspot-ratelimit-remaining"], "0");
    let retry: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry));
    clock.advance(Duration::from_secs(retry));
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        200,
        "a new window"
    );
    s.stop().await.unwrap();
}

#[tokio::test]
async fn sunset_headers_faults_and_the_request_log() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let options = Options {
        faults: Faults {
            sunsets: vec![SunsetRule {
                operation: "getCampaignStats".into(),
                sunset: "2027-03-01".into(),
                deprecated: Some("2026-11-19".into()),
                link: Some("https://developers.corvid.test/changelog/stats".into()),
            }],
            ..Faults::default()
        },
        log_file: Some(log.path().to_owned()),
        ..Options::default()
    };
    let s = start("crm.yaml", options).await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/campaigns/cmp_0a1b2c3d/stats", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["sunset"], "Mon, 01 Mar 2027 00:00:00 GMT");
    assert_eq!(r.headers()["deprecation"], "@1795046400");
    assert_eq!(
        r.headers()["link"],
        "<https://developers.corvid.test/changelog/stats>; rel=\"sunset\""
    );
    let _ = http
        .get(format!("{}/contacts", s.url))
        .send()
        .await
        .unwrap();
    let records = s.log();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].operation.as_deref(),
        Some("GET /campaigns/{campaignId}/stats (getCampaignStats)")
    );
    assert_eq!(records[1].status, 400);
    assert_eq!(records[1].violations[0].pointer, "/query/archived");
    s.stop().await.unwrap();
    let lines: Vec<Value> = std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["path"], "/crm/v3/contacts");
    assert!(lines[1]["latency_ms"].as_f64().is_some());

    // Every request failing: a 5xx problem, drawn from the seed.
    let s = start(
        "crm.yaml",
        Options {
            faults: Faults {
                error_rate: 1.0,
                ..Faults::default()
            },
            ..Options::default()
        },
    )
    .await;
    let r = http
        .get(format!("{}/contacts/7", s.url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error());
    s.stop().await.unwrap();
}

#[tokio::test]
async fn drift_serves_the_vendors_newer_behaviour() {
    // The contract is pinned to crm.yaml; the vendor now serves crm-2026-09.yaml.
    let s = start("crm-2026-09.yaml", Options::default()).await;
    let (_, _, body) = json_of(
        reqwest::Client::new()
            .get(format!("{}/contacts/7", s.url))
            .header("Prefer", "dynamic=true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        body.get("full_name").is_some() && body.get("name").is_none(),
        "{body}"
    );
    s.stop().await.unwrap();
}

/// Generated bodies validate against their own schema, for every documented JSON
/// response of the newest spec of every API in the corpus, as served by default and
/// varied (`Prefer: dynamic=true`).
#[test]
fn generated_bodies_validate_across_the_corpus() {
    let dir = std::env::var_os("APIWATCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.json")) else {
        eprintln!(
            "SKIPPED: no vendor corpus (../shared/corpus or APIWATCH_CORPUS); generated bodies were not checked against real specs"
        );
        return;
    };
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    let mut checked = 0;
    let mut failed = Vec::new();
    // A `oneOf` whose members accept the same values (Klaviyo's
    // `EmailSendOptionsSubObject` and `SMSSendOptionsSubObject` are identical) has
    // no valid instance at all: the vendor's own responses fail it. Counted apart.
    let mut contradictory = 0;
    // The newest spec of each API the corpus holds (older versions add time, not
    // kinds of schema).
    let mut newest: std::collections::BTreeMap<(String, String), (String, String)> =
        Default::default();
    for spec in manifest["specs"].as_array().unwrap() {
        let key = (spec["vendor"].to_string(), spec["api"].to_string());
        let entry = (
            spec["commit_date"].to_string(),
            spec["file"].as_str().unwrap().to_owned(),
        );
        if newest.get(&key).is_none_or(|old| *old < entry) {
            newest.insert(key, entry);
        }
    }
    for (_, file) in newest.values() {
        let file = file.as_str();
        let doc = load_file(&dir.join(file)).unwrap();
        let sandbox = Sandbox::new(
            &doc,
            Options {
                seed: 7,
                ..Options::default()
            },
        )
        .unwrap();
        let (n, failures) = sandbox.self_check(1);
        checked += n;
        for (op, status, v) in failures {
            if v.iter().all(|v| {
                v.message
                    .contains("valid under more than one of the schemas listed in the 'oneOf'")
            }) {
                contradictory += 1;
            } else {
                failed.push(format!("{file} {op} {status}: {v:?}"));
            }
        }
    }
    eprintln!(
        "{checked} generated bodies checked: {} invalid, {contradictory} under a oneOf whose members cannot be told apart",
        failed.len()
    );
    assert!(checked > 1000, "{checked}");
    assert!(
        failed.is_empty(),
        "{} of {checked} invalid:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// What a review found against real vendors' shapes: Stripe's nested forms and
/// deep-object queries, Twilio's repeated form fields and `.json` collections,
/// schemas reached through `$ref` and `anyOf`, a property named `default`, `*/*`
/// bodies, a declared `HEAD`, and capped violation lists.
#[tokio::test]
async fn vendor_shapes_a_review_checked() {
    let s = start(
        "forms.yaml",
        Options {
            stateful: true,
            ..Options::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", s.url);
    let form = |path: &str, body: &str| {
        http.post(url(path))
            .header("content-type", "Application/x-www-form-urlencoded")
            .body(body.to_owned())
    };
    // Nested keys, arrays with `[]` and `[0]`, a `$ref`'d object: all valid.
    let (status, _, created) = json_of(
        form("/v1/customers", "email=a%40b.com&metadata[order_id]=6735&address[city]=Paris&payment_method_types[]=card&balance=5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created["metadata"],
        json!({"order_id": "6735"}),
        "form fields are kept"
    );
    let (status, _, body) = json_of(
        form("/v1/customers", "email=x&payment_method_types[0]=cash")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(pointers(&body), ["/body/payment_method_types/0"]);
    // A mixed-case content type is still checked.
    let (status, _, _) =
        json_of(form("/v1/customers", "metadata[x]=1").send().await.unwrap()).await;
    assert_eq!(status, 422, "email is required");
    // Stripe updates with POST on the item.
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, _, updated) = json_of(
        form(&format!("/v1/customers/{id}"), "email=new%40b.com")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(updated["email"], "new@b.com");
    // The list holds what was created, with its count.
    let (_, _, list) = json_of(
        http.get(url("/v1/customers?created[gte]=1700000000&limit=5"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["total_count"], 1, "{list}");
    assert_eq!(list["data"][0]["email"], "new@b.com");
    let r = http
        .get(url("/v1/customers?created=1700000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "an integer member of anyOf");
    let (status, _, body) = json_of(
        http.get(url("/v1/customers?limit=500"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        pointers(&body),
        ["/query/limit"],
        "a $ref'd parameter is checked"
    );
    // Twilio: repeated fields are an array; `/Messages.json` and its items pair.
    let (status, _, message) = json_of(
        form(
            "/Accounts/AC1/Messages.json",
            "To=%2B15555550123&Body=Hi&MediaUrl=https://e.x/a.png&MediaUrl=https://e.x/b.png",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(
        message["Body"],
        json!("Hi"),
        "the request's fields are kept"
    );
    let sid = message["sid"].as_str().unwrap();
    let r = http
        .get(url(&format!("/Accounts/AC1/Messages/{sid}.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the item of a .json collection");
    // A property named `default` is a schema like any other.
    let (status, _, _) = json_of(
        http.post(url("/settings"))
            .json(&json!({"other": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = json_of(
        http.post(url("/settings"))
            .json(&json!({"default": 0}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "exclusiveMinimum");
    // `*/*` takes any body, not only JSON.
    let r = http
        .post(url("/uploads"))
        .header("content-type", "image/png")
        .body(vec![0x89u8, 0x50])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    // Multipart parts are read by name and checked like any body.
    let part = |name: &str, value: &str| {
        format!("--Bnd7\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let multipart = |body: String| {
        http.post(url("/photos"))
            .header("content-type", "multipart/form-data; boundary=Bnd7")
            .body(body)
    };
    let r = multipart(format!(
        "{}{}--Bnd7--\r\n",
        part("file", "PNG"),
        part("title", "Tent")
    ))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let (status, _, body) = json_of(
        multipart(format!("{}--Bnd7--\r\n", part("file", "PNG")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("title")
    );
    // A declared HEAD, deprecated: reached, with a Deprecation header.
    let r = http.head(url("/ping")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        r.headers()["deprecation"]
            .to_str()
            .unwrap()
            .starts_with('@')
    );
    // 5,000 bad items are said in at most 100 lines and a count.
    let many: Vec<String> = (0..5000)
        .map(|i| format!("payment_method_types[]=bad{i}"))
        .collect();
    let (status, _, body) = json_of(
        form("/v1/customers", &format!("email=x&{}", many.join("&")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    let v = body["violations"].as_array().unwrap();
    assert_eq!(v.len(), 101);
    assert_eq!(v[100]["message"], "and 4900 more violations");
    s.stop().await.unwrap();
}

/// Auth schemes in any case, preferences in any case, and a named example that is
/// not there said even in stateful mode.
#[tokio::test]
async fn case_insensitive_schemes_and_preferences() {
    let s = start(
        "crm.yaml",
        Options {
            stateful: true,
            auth: Emulation::Bearer {
                token: "t-1".into(),
            },
            ..Options::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/contacts/7", s.url);
    let r = http
        .get(&url)
        .header("authorization", "bearer t-1")
        .header("prefer", "Code=404")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(&url)
        .header("authorization", "BEARER t-1")
        .header("Prefer", "example=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    s.stop().await.unwrap();
}

/// A schema that cannot be compiled (a `$ref` to nothing, as in Intercom 2.9) is
/// named, with why, rather than silently left unchecked.
#[test]
fn schemas_that_cannot_be_checked_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("dangling.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: makeX\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Missing'}\n      responses:\n        '204': {description: ok}\n",
    )
    .unwrap();
    let sandbox = Sandbox::new(&load_file(&spec).unwrap(), Options::default()).unwrap();
    let unchecked = sandbox.warm();
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert!(
        unchecked[0].starts_with("POST /x (makeX): application/json body (")
            && unchecked[0].contains("/components/schemas/Missing"),
        "{}",
        unchecked[0]
    );
}
