//! Issue filing against a stateful fake GitHub REST API on 127.0.0.1, driven over
//! many consecutive runs: one issue per problem, updated in place, commented only
//! when worse, closed when gone, reopened on regression, "not planned" respected,
//! flapping never filed, compliance filed at once — and under injected faults
//! (5xx on create, secondary rate limits, a timeout after the server created the
//! issue), zero duplicates with deferred operations applied later.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiwatch::finding::Severity;
use apiwatch::issues::PlannedIssue;
use apiwatch::issues::github::{GitHub, GitHubConfig};
use apiwatch::issues::plan::{PlanSettings, marker, state_marker};
use apiwatch::issues::sync::{IssueState, Scope, sync};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct FakeIssue {
    author: String,
    number: u64,
    title: String,
    body: String,
    open: bool,
    state_reason: Option<String>,
    labels: Vec<String>,
    comments: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// The next create answers 502 without creating.
    CreateFails,
    /// The next request of any kind gets a secondary rate limit (403, retry-after: 1).
    SecondaryRateLimit,
    /// The next create creates the issue, then answers too late for the client.
    CreateThenHang,
    /// The next comment answers 500.
    CommentFails,
    /// The next body update answers 502.
    UpdateFails,
}

#[derive(Default)]
struct Fake {
    issues: Mutex<Vec<FakeIssue>>,
    faults: Mutex<VecDeque<Fault>>,
    writes: Mutex<usize>,
}

impl Fake {
    fn take(&self, want: &[Fault]) -> Option<Fault> {
        let mut f = self.faults.lock().unwrap();
        if f.front().is_some_and(|x| want.contains(x)) {
            f.pop_front()
        } else {
            None
        }
    }
    fn json(i: &FakeIssue) -> Value {
        json!({
            "number": i.number, "title": i.title, "body": i.body,
            "state": if i.open { "open" } else { "closed" }, "state_reason": i.state_reason,
            "labels": i.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
            "pull_request": null,
        })
    }
}

fn rate_limited() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::RETRY_AFTER, "1")],
        Json(json!({"message": "You have exceeded a secondary rate limit."})),
    )
        .into_response()
}

async fn list(
    State(f): State<Arc<Fake>>,
    Path((_o, _r)): Path<(String, String)>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if f.take(&[Fault::SecondaryRateLimit]).is_some() {
        return rate_limited();
    }
    let issues = f.issues.lock().unwrap();
    Json(
        issues
            .iter()
            .filter(|i| i.labels.iter().any(|l| l == "apiwatch"))
            .filter(|i| q.get("creator").is_none_or(|c| *c == i.author))
            .map(Fake::json)
            .collect::<Vec<_>>(),
    )
    .into_response()
}

async fn create(
    State(f): State<Arc<Fake>>,
    Path((_o, _r)): Path<(String, String)>,
    Json(v): Json<Value>,
) -> Response {
    match f.take(&[
        Fault::CreateFails,
        Fault::CreateThenHang,
        Fault::SecondaryRateLimit,
    ]) {
        Some(Fault::CreateFails) => return StatusCode::BAD_GATEWAY.into_response(),
        Some(Fault::SecondaryRateLimit) => return rate_limited(),
        _ => {}
    }
    let issue = {
        let mut issues = f.issues.lock().unwrap();
        let issue = FakeIssue {
            author: "apiwatch-bot".into(),
            number: issues.len() as u64 + 1,
            title: v["title"].as_str().unwrap().to_owned(),
            body: v["body"].as_str().unwrap().to_owned(),
            open: true,
            state_reason: None,
            labels: v["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_owned())
                .collect(),
            comments: vec![],
        };
        issues.push(issue.clone());
        *f.writes.lock().unwrap() += 1;
        issue
    };
    (StatusCode::CREATED, Json(Fake::json(&issue))).into_response()
}

async fn create_maybe_hanging(
    state: State<Arc<Fake>>,
    path: Path<(String, String)>,
    body: Json<Value>,
) -> Response {
    let hang = state.take(&[Fault::CreateThenHang]).is_some();
    let resp = create(state, path, body).await;
    if hang {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    resp
}

async fn update(
    State(f): State<Arc<Fake>>,
    Path((_o, _r, n)): Path<(String, String, u64)>,
    Json(v): Json<Value>,
) -> Response {
    match f.take(&[Fault::SecondaryRateLimit, Fault::UpdateFails]) {
        Some(Fault::SecondaryRateLimit) => return rate_limited(),
        Some(_) => return StatusCode::BAD_GATEWAY.into_response(),
        None => {}
    }
    let mut issues = f.issues.lock().unwrap();
    let Some(i) = issues.iter_mut().find(|i| i.number == n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(b) = v["body"].as_str() {
        i.body = b.to_owned();
    }
    if let Some(t) = v["title"].as_str() {
        i.title = t.to_owned();
    }
    match v["state"].as_str() {
        Some("closed") => {
            i.open = false;
            i.state_reason = v["state_reason"].as_str().map(str::to_owned);
        }
        Some("open") => {
            i.open = true;
            i.state_reason = None;
        }
        _ => {}
    }
    *f.writes.lock().unwrap() += 1;
    Json(Fake::json(i)).into_response()
}

async fn comment(
    State(f): State<Arc<Fake>>,
    Path((_o, _r, n)): Path<(String, String, u64)>,
    Json(v): Json<Value>,
) -> Response {
    if f.take(&[Fault::CommentFails]).is_some() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut issues = f.issues.lock().unwrap();
    let Some(i) = issues.iter_mut().find(|i| i.number == n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    i.comments.push(v["body"].as_str().unwrap().to_owned());
    *f.writes.lock().unwrap() += 1;
    (StatusCode::CREATED, Json(json!({"id": 1}))).into_response()
}

async fn labels(
    State(f): State<Arc<Fake>>,
    Path((_o, _r, n)): Path<(String, String, u64)>,
    Json(v): Json<Value>,
) -> Response {
    let mut issues = f.issues.lock().unwrap();
    let Some(i) = issues.iter_mut().find(|i| i.number == n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    i.labels.extend(
        v["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned()),
    );
    Json(json!([])).into_response()
}

async fn start() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route(
            "/user",
            get(|| async { Json(json!({"login": "apiwatch-bot"})) }),
        )
        .route(
            "/repos/{o}/{r}/issues",
            get(list).post(create_maybe_hanging),
        )
        .route("/repos/{o}/{r}/issues/{n}", patch(update))
        .route("/repos/{o}/{r}/issues/{n}/comments", post(comment))
        .route("/repos/{o}/{r}/issues/{n}/labels", post(labels))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn client(base: &str) -> GitHub {
    GitHub::new(GitHubConfig {
        api_url: base.to_owned(),
        token: "ghs_test_token".into(),
        max_attempts: 3,
        max_wait: Duration::from_secs(5),
        min_delay: Duration::from_millis(20),
        timeout: Duration::from_millis(800),
    })
    .unwrap()
}

fn problem(
    key: &str,
    fps: &[&str],
    severity: Severity,
    compliance: bool,
    debounce: u32,
) -> PlannedIssue {
    PlannedIssue {
        key: key.into(),
        contract: "crm".into(),
        repo: Some("acme/integrations".into()),
        title: format!("[apiwatch] crm: {key}"),
        labels: vec!["apiwatch".into(), format!("severity:{severity}")],
        assignees: vec![],
        body: format!(
            "{}\nfindings: {}\n{}",
            marker(key, "crm"),
            fps.join(", "),
            state_marker(fps, severity)
        ),
        severity,
        compliance,
        fingerprints: fps.iter().map(|s| s.to_string()).collect(),
        debounce_runs: debounce,
    }
}

struct Night<'a> {
    gh: &'a GitHub,
    state: IssueState,
    scope: Scope,
}

fn all() -> Scope {
    Scope {
        repos: Default::default(),
        checked: None,
        apply: true,
    }
}

impl Night<'_> {
    async fn run(&mut self, desired: &[PlannedIssue]) -> apiwatch::issues::sync::SyncOutcome {
        sync(
            Some(self.gh),
            desired,
            &mut self.state,
            "acme/integrations",
            PlanSettings {
                close_after_runs: 2,
            },
            &self.scope,
        )
        .await
    }
}

fn per_key(fake: &Fake) -> BTreeMap<String, Vec<FakeIssue>> {
    let mut m: BTreeMap<String, Vec<FakeIssue>> = BTreeMap::new();
    for i in fake.issues.lock().unwrap().iter() {
        m.entry(apiwatch::issues::plan::key_of(&i.body).unwrap())
            .or_default()
            .push(i.clone());
    }
    m
}

#[tokio::test]
async fn one_issue_per_problem_over_many_nights() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: all(),
    };
    let a = problem("a", &["f1"], Severity::Error, false, 2);
    let a2 = problem("a", &["f1", "f2"], Severity::Error, false, 2);
    let c = problem("c", &["f9"], Severity::Error, true, 2);

    night.run(&[a.clone(), c.clone()]).await;
    assert_eq!(
        per_key(&fake).keys().collect::<Vec<_>>(),
        ["c"],
        "compliance at once, the rest debounced"
    );
    night.run(&[a.clone(), c.clone()]).await;
    assert_eq!(per_key(&fake).keys().collect::<Vec<_>>(), ["a", "c"]);

    night.run(&[a2.clone(), c.clone()]).await;
    let issues = per_key(&fake);
    assert_eq!(issues["a"][0].body, a2.body, "body updated in place");
    assert_eq!(
        issues["a"][0].comments.len(),
        1,
        "one comment: it got worse"
    );

    let writes = *fake.writes.lock().unwrap();
    night.run(&[a2.clone(), c.clone()]).await;
    assert_eq!(
        *fake.writes.lock().unwrap(),
        writes,
        "nothing changed: no write at all"
    );

    night.run(std::slice::from_ref(&c)).await;
    assert!(
        per_key(&fake)["a"][0].open,
        "gone one night: not closed yet"
    );
    night.run(std::slice::from_ref(&c)).await;
    let a_issue = per_key(&fake)["a"][0].clone();
    assert!(!a_issue.open);
    assert_eq!(a_issue.state_reason.as_deref(), Some("completed"));
    assert_eq!(a_issue.comments.len(), 2, "closed with a comment");

    night.run(&[a2.clone(), c.clone()]).await;
    assert!(
        !per_key(&fake)["a"][0].open,
        "a regression is debounced too"
    );
    night.run(&[a2.clone(), c.clone()]).await;
    let a_issue = per_key(&fake)["a"][0].clone();
    assert!(a_issue.open, "reopened on regression");
    assert_eq!(a_issue.comments.len(), 3);

    // A person closes the compliance issue as not planned: apiwatch respects it.
    {
        let mut issues = fake.issues.lock().unwrap();
        let c_issue = issues
            .iter_mut()
            .find(|i| i.body.contains(&marker("c", "crm")))
            .unwrap();
        c_issue.open = false;
        c_issue.state_reason = Some("not_planned".into());
    }
    for _ in 0..3 {
        night.run(&[a2.clone(), c.clone()]).await;
    }
    let issues = per_key(&fake);
    assert!(!issues["c"][0].open);
    assert!(
        issues.values().all(|v| v.len() == 1),
        "never a duplicate: {issues:#?}"
    );
}

#[tokio::test]
async fn a_flapping_problem_is_never_filed() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: all(),
    };
    let a = problem("flappy", &["f1"], Severity::Error, false, 2);
    for n in 0..10 {
        let tonight = if n % 2 == 0 { vec![a.clone()] } else { vec![] };
        night.run(&tonight).await;
    }
    assert!(fake.issues.lock().unwrap().is_empty());
}

#[tokio::test]
async fn faults_never_cause_duplicates_and_deferred_operations_are_applied_later() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: all(),
    };
    let mut desired: Vec<PlannedIssue> = Vec::new();
    let schedule: [&[Fault]; 10] = [
        &[Fault::CreateFails],
        &[Fault::SecondaryRateLimit],
        &[Fault::CreateThenHang],
        &[Fault::CreateFails, Fault::CreateFails],
        &[
            Fault::CommentFails,
            Fault::CommentFails,
            Fault::CommentFails,
        ],
        &[],
        &[Fault::SecondaryRateLimit, Fault::CreateFails],
        &[Fault::CreateThenHang],
        &[],
        &[],
    ];
    let mut comment_failed_night = None;
    for (n, faults) in schedule.iter().enumerate() {
        fake.faults.lock().unwrap().extend(faults.iter().copied());
        // A new compliance problem every night; on night 4 an existing one gets worse.
        desired.push(problem(
            &format!("p{n}"),
            &[&format!("f{n}")],
            Severity::Error,
            true,
            1,
        ));
        if n == 4 {
            desired[0] = problem("p0", &["f0", "extra"], Severity::Error, true, 1);
        }
        let outcome = night.run(&desired).await;
        if !outcome.failed.is_empty() {
            comment_failed_night.get_or_insert(n);
        }
    }
    let issues = per_key(&fake);
    assert_eq!(
        issues.len(),
        10,
        "every problem filed: {:?}",
        issues.keys().collect::<Vec<_>>()
    );
    assert!(
        issues.values().all(|v| v.len() == 1),
        "zero duplicates: {issues:#?}"
    );
    assert_eq!(comment_failed_night, Some(4), "the failed comment was kept");
    assert_eq!(
        issues["p0"][0].comments.len(),
        1,
        "and applied on a later night"
    );
    assert!(night.state.pending.is_empty());
    assert!(
        fake.faults.lock().unwrap().is_empty(),
        "every injected fault was hit"
    );
}

#[tokio::test]
async fn github_down_keeps_everything_for_the_next_run() {
    let gh = client("http://127.0.0.1:9"); // nothing listens on the discard port
    let mut state = IssueState::default();
    let a = problem("a", &["f1"], Severity::Error, true, 1);
    let outcome = sync(
        Some(&gh),
        std::slice::from_ref(&a),
        &mut state,
        "acme/integrations",
        PlanSettings::default(),
        &all(),
    )
    .await;
    assert_eq!(outcome.unreachable.len(), 1);
    assert!(outcome.plan.ops.is_empty(), "nothing planned blind");
    assert!(
        !outcome.unreachable[0].1.contains("ghs_test_token"),
        "no token in errors"
    );
    // GitHub is back: the problem is filed.
    let (base, fake) = start().await;
    let gh = client(&base);
    sync(
        Some(&gh),
        &[a],
        &mut state,
        "acme/integrations",
        PlanSettings::default(),
        &all(),
    )
    .await;
    assert_eq!(fake.issues.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn only_checked_contracts_can_close_and_every_known_repo_is_listed() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Error, false, 1);
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: all(),
    };
    night.run(std::slice::from_ref(&a)).await;
    assert_eq!(fake.issues.lock().unwrap().len(), 1);
    // A `--contract other` run, or a night where crm's source failed: crm is not checked.
    night.scope = Scope {
        repos: Default::default(),
        checked: Some(["other".to_owned()].into()),
        apply: true,
    };
    for _ in 0..3 {
        night.run(&[]).await;
    }
    assert!(
        fake.issues.lock().unwrap()[0].open,
        "not closed by a run that did not check it"
    );
    // Filed in a repository no desired issue targets tonight: still listed, so it closes.
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: Scope {
            repos: ["acme/integrations".to_owned()].into(),
            checked: None,
            apply: true,
        },
    };
    for _ in 0..2 {
        sync(
            Some(night.gh),
            &[],
            &mut night.state,
            "",
            PlanSettings {
                close_after_runs: 2,
            },
            &night.scope,
        )
        .await;
    }
    assert!(
        !fake.issues.lock().unwrap()[0].open,
        "closed once gone, though tonight nothing targets its repo"
    );
}

#[tokio::test]
async fn a_failed_body_update_posts_no_comment_and_nothing_twice() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: all(),
    };
    night
        .run(&[problem("a", &["f1"], Severity::Error, false, 1)])
        .await;
    let worse = problem("a", &["f1", "f2"], Severity::Error, false, 1);
    fake.faults.lock().unwrap().extend([
        Fault::UpdateFails,
        Fault::UpdateFails,
        Fault::UpdateFails,
    ]);
    let outcome = night.run(std::slice::from_ref(&worse)).await;
    assert_eq!(
        outcome.failed.len(),
        1,
        "the update failed after the comment: {:?}",
        outcome.failed
    );
    night.run(std::slice::from_ref(&worse)).await;
    night.run(std::slice::from_ref(&worse)).await;
    let issue = fake.issues.lock().unwrap()[0].clone();
    assert_eq!(
        issue.comments.len(),
        2,
        "the comment is repeated once the update lands, never every night: {:?}",
        issue.comments
    );
    assert_eq!(issue.body, worse.body);
}

#[tokio::test]
async fn an_issue_a_person_wrote_with_a_copied_marker_is_not_adopted() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Error, false, 1);
    fake.issues.lock().unwrap().push(FakeIssue {
        author: "maya".into(),
        number: 1,
        title: "my notes about a".into(),
        body: a.body.clone(),
        open: true,
        state_reason: None,
        labels: vec!["apiwatch".into()],
        comments: vec![],
    });
    let mut night = Night {
        gh: &gh,
        state: IssueState::default(),
        scope: all(),
    };
    night.run(std::slice::from_ref(&a)).await;
    night.run(&[]).await;
    night.run(&[]).await;
    let issues = fake.issues.lock().unwrap();
    assert_eq!(issues.len(), 2, "apiwatch filed its own issue");
    assert!(
        issues[0].open && issues[0].body == a.body,
        "the person's issue is untouched"
    );
}
