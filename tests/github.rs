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
use axum::routing::{get, patch, post, put};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct FakeIssue {
    author: String,
    /// `User` or `Bot`, as GitHub reports the author's account type.
    author_type: String,
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
    /// The next comment is posted, then answers 502 (the reply was lost).
    CommentPostedThenFails,
    /// The next body update answers 502.
    UpdateFails,
    /// The next `GET /user` answers 502.
    UserFails,
    /// The next create answers 302 to the issue list, creating nothing.
    CreateRedirects,
    /// Closing as `duplicate` is refused with 422 (an older GitHub Enterprise).
    NoDuplicateReason,
    /// The next write opens a one-second secondary rate-limit window: every write
    /// inside it is refused with `retry-after` (GitHub's secondary limits are about
    /// creating content; reads go through).
    RateLimitWindow,
}

/// How `GET /user` answers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum UserMode {
    /// A personal or machine-user token: its login.
    #[default]
    Login,
    /// An installation token (GitHub App, Actions' `GITHUB_TOKEN`): 403.
    Installation,
    /// 502, every time.
    Down,
}

#[derive(Default)]
struct Fake {
    issues: Mutex<Vec<FakeIssue>>,
    faults: Mutex<VecDeque<Fault>>,
    writes: Mutex<usize>,
    user: Mutex<UserMode>,
    /// Inside a secondary rate-limit window until then.
    blocked_until: Mutex<Option<std::time::Instant>>,
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
    /// A refusal when inside (or opening) a secondary rate-limit window.
    fn rate_window(&self) -> Option<Response> {
        if self.take(&[Fault::RateLimitWindow]).is_some() {
            *self.blocked_until.lock().unwrap() =
                Some(std::time::Instant::now() + Duration::from_secs(1));
        }
        let until = (*self.blocked_until.lock().unwrap())?;
        (std::time::Instant::now() < until).then(rate_limited)
    }
    /// The account issues are created as: the token's login, or the App's bot.
    fn creator(&self) -> (String, String) {
        match *self.user.lock().unwrap() {
            UserMode::Installation => ("github-actions[bot]".into(), "Bot".into()),
            _ => ("apiwatch-bot".into(), "User".into()),
        }
    }
    fn json(i: &FakeIssue) -> Value {
        json!({
            "user": {"login": i.author, "type": i.author_type},
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
        Fault::CreateRedirects,
    ]) {
        Some(Fault::CreateFails) => return StatusCode::BAD_GATEWAY.into_response(),
        Some(Fault::CreateRedirects) => {
            return (
                StatusCode::FOUND,
                [(header::LOCATION, "/repos/acme/integrations/issues")],
            )
                .into_response();
        }
        Some(Fault::SecondaryRateLimit) => return rate_limited(),
        _ => {}
    }
    if let Some(refused) = f.rate_window() {
        return refused;
    }
    let (author, author_type) = f.creator();
    let issue = {
        let mut issues = f.issues.lock().unwrap();
        let issue = FakeIssue {
            author,
            author_type,
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
    if let Some(refused) = f.rate_window() {
        return refused;
    }
    if v["state_reason"] == "duplicate" && f.take(&[Fault::NoDuplicateReason]).is_some() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Validation Failed"})),
        )
            .into_response();
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
    let fault = f.take(&[Fault::CommentFails, Fault::CommentPostedThenFails]);
    if fault == Some(Fault::CommentFails) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if let Some(refused) = f.rate_window() {
        return refused;
    }
    if v["state_reason"] == "duplicate" && f.take(&[Fault::NoDuplicateReason]).is_some() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Validation Failed"})),
        )
            .into_response();
    }
    let mut issues = f.issues.lock().unwrap();
    let Some(i) = issues.iter_mut().find(|i| i.number == n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    i.comments.push(v["body"].as_str().unwrap().to_owned());
    *f.writes.lock().unwrap() += 1;
    if fault == Some(Fault::CommentPostedThenFails) {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    (StatusCode::CREATED, Json(json!({"id": 1}))).into_response()
}

async fn comments(
    State(f): State<Arc<Fake>>,
    Path((_o, _r, n)): Path<(String, String, u64)>,
) -> Response {
    let issues = f.issues.lock().unwrap();
    let Some(i) = issues.iter().find(|i| i.number == n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Json(
        i.comments
            .iter()
            .map(|c| json!({"body": c}))
            .collect::<Vec<_>>(),
    )
    .into_response()
}

/// `PUT .../labels`: replaces the issue's labels.
async fn labels(
    State(f): State<Arc<Fake>>,
    Path((_o, _r, n)): Path<(String, String, u64)>,
    Json(v): Json<Value>,
) -> Response {
    let mut issues = f.issues.lock().unwrap();
    let Some(i) = issues.iter_mut().find(|i| i.number == n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    i.labels.clear();
    i.labels.extend(
        v["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned()),
    );
    Json(json!([])).into_response()
}

async fn user(State(f): State<Arc<Fake>>) -> Response {
    if f.take(&[Fault::UserFails]).is_some() {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    match *f.user.lock().unwrap() {
        UserMode::Login => Json(json!({"login": "apiwatch-bot"})).into_response(),
        UserMode::Installation => (
            StatusCode::FORBIDDEN,
            Json(json!({"message": "Resource not accessible by integration"})),
        )
            .into_response(),
        UserMode::Down => StatusCode::BAD_GATEWAY.into_response(),
    }
}

async fn start() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route("/user", get(user))
        .route(
            "/repos/{o}/{r}/issues",
            get(list).post(create_maybe_hanging),
        )
        .route("/repos/{o}/{r}/issues/{n}", patch(update))
        .route(
            "/repos/{o}/{r}/issues/{n}/comments",
            post(comment).get(comments),
        )
        .route("/repos/{o}/{r}/issues/{n}/labels", put(labels))
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

impl<'a> Night<'a> {
    /// The first night: no state, every contract checked, operations applied.
    fn new(gh: &'a GitHub) -> Night<'a> {
        Night {
            gh,
            state: IssueState::default(),
            scope: all(),
        }
    }

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
    let mut night = Night::new(&gh);
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
    let mut night = Night::new(&gh);
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
    let mut night = Night::new(&gh);
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
    let mut night = Night::new(&gh);
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
async fn a_failed_body_update_never_repeats_the_worse_comment() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night::new(&gh);
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
        1,
        "one worsening, one comment, though the update after it failed: {:?}",
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
        author_type: "User".into(),
        number: 1,
        title: "my notes about a".into(),
        body: a.body.clone(),
        open: true,
        state_reason: None,
        labels: vec!["apiwatch".into()],
        comments: vec![],
    });
    let mut night = Night::new(&gh);
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

/// A person's issue carrying a copy of apiwatch's marker, for problem `a`.
fn persons_copy(fake: &Fake, a: &PlannedIssue, number: u64) {
    fake.issues.lock().unwrap().push(FakeIssue {
        author: "maya".into(),
        author_type: "User".into(),
        number,
        title: "my notes about a".into(),
        body: a.body.clone(),
        open: true,
        state_reason: None,
        labels: vec!["apiwatch".into()],
        comments: vec![],
    });
}

/// `GET /user` failing once used to drop the creator filter for the night, and a
/// person's issue with a copied marker was adopted (its body replaced).
#[tokio::test]
async fn a_failed_user_lookup_is_retried_and_a_persons_issue_is_not_adopted() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1", "f2"], Severity::Error, false, 1);
    persons_copy(
        &fake,
        &problem("a", &["f1"], Severity::Warning, false, 1),
        1,
    );
    fake.faults.lock().unwrap().push_back(Fault::UserFails);
    let mut night = Night::new(&gh);
    night.run(std::slice::from_ref(&a)).await;
    let issues = fake.issues.lock().unwrap();
    assert_eq!(issues.len(), 2, "apiwatch filed its own issue");
    assert_eq!(
        issues[0].title, "my notes about a",
        "the person's issue is untouched"
    );
    assert!(issues[0].comments.is_empty() && issues[0].labels == ["apiwatch"]);
}

/// An installation token (Actions' `GITHUB_TOKEN`, a GitHub App) cannot ask
/// `/user`: apiwatch's issues are the ones a bot filed, and a person's is not.
#[tokio::test]
async fn an_installation_token_knows_its_issues_by_their_bot_author() {
    let (base, fake) = start().await;
    *fake.user.lock().unwrap() = UserMode::Installation;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Warning, false, 1);
    persons_copy(&fake, &a, 1);
    let mut night = Night::new(&gh);
    night.run(std::slice::from_ref(&a)).await;
    let worse = problem("a", &["f1", "f2"], Severity::Error, false, 1);
    night.run(std::slice::from_ref(&worse)).await;
    let issues = fake.issues.lock().unwrap();
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_eq!(issues[0].body, a.body, "the person's issue is untouched");
    assert!(issues[0].comments.is_empty());
    assert_eq!(issues[1].author, "github-actions[bot]");
    assert_eq!(
        issues[1].body, worse.body,
        "apiwatch's own issue is kept up to date"
    );
    assert_eq!(issues[1].comments.len(), 1);
}

/// When apiwatch cannot learn which account it is, it cannot tell its issues from
/// a person's copy: it edits none, files nothing over them, and says so.
#[tokio::test]
async fn when_ownership_cannot_be_established_nothing_is_edited() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Warning, false, 1);
    let mut night = Night::new(&gh);
    night.run(std::slice::from_ref(&a)).await;
    *fake.user.lock().unwrap() = UserMode::Down;
    let gh = client(&base);
    night.gh = &gh;
    let worse = problem("a", &["f1", "f2"], Severity::Error, false, 1);
    let outcome = night.run(std::slice::from_ref(&worse)).await;
    let issues = fake.issues.lock().unwrap();
    assert_eq!(issues.len(), 1, "nothing filed over it");
    assert_eq!(issues[0].body, a.body, "not edited");
    assert!(issues[0].comments.is_empty());
    let lines = outcome.lines(false);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("held: ") && l.contains("cannot verify")),
        "{lines:#?}"
    );
}

/// A secondary rate limit refuses every request until it lifts: a create used to
/// back off 20 ms, 40 ms inside the window and give up.
#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out_on_create() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night::new(&gh);
    fake.faults
        .lock()
        .unwrap()
        .push_back(Fault::RateLimitWindow);
    let a = problem("a", &["f1"], Severity::Error, true, 1);
    let started = std::time::Instant::now();
    let outcome = night.run(std::slice::from_ref(&a)).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(fake.issues.lock().unwrap().len(), 1, "created once");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the wait was honoured"
    );
}

/// The close went through and the closing comment failed: it used to be lost, and
/// the issue stayed closed without a word. It is replayed the next night, once.
#[tokio::test]
async fn a_closing_comment_that_failed_is_replayed_once() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night::new(&gh);
    night
        .run(&[problem("a", &["f1"], Severity::Error, true, 1)])
        .await;
    night.run(&[]).await;
    // Comments are not retried on a 5xx (GitHub may have posted them): one fault.
    fake.faults.lock().unwrap().push_back(Fault::CommentFails);
    let outcome = night.run(&[]).await;
    assert_eq!(outcome.failed.len(), 1, "{:?}", outcome.failed);
    {
        let issues = fake.issues.lock().unwrap();
        assert!(!issues[0].open && issues[0].comments.is_empty());
    }
    let outcome = night.run(&[]).await;
    assert!(
        outcome.lines(false).iter().any(|l| l.contains("replay")),
        "{:?}",
        outcome.lines(false)
    );
    night.run(&[]).await;
    let issues = fake.issues.lock().unwrap();
    assert_eq!(issues[0].comments.len(), 1, "{:?}", issues[0].comments);
    assert!(issues[0].comments[0].contains("closing"));
    assert!(night.state.pending.is_empty());
}

/// A problem that escalated from warning to error used to keep `severity:warning`
/// beside `severity:error`. apiwatch's labels are replaced; a person's stay.
#[tokio::test]
async fn an_escalation_replaces_the_severity_label_and_keeps_peoples_labels() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night::new(&gh);
    night
        .run(&[problem("a", &["f1"], Severity::Warning, true, 1)])
        .await;
    fake.issues.lock().unwrap()[0]
        .labels
        .push("team:growth".into());
    night
        .run(&[problem("a", &["f1"], Severity::Error, true, 1)])
        .await;
    let mut labels = fake.issues.lock().unwrap()[0].labels.clone();
    labels.sort();
    assert_eq!(labels, ["apiwatch", "severity:error", "team:growth"]);
}

/// A comment GitHub posted but whose answer was lost (a 502) used to be retried at
/// once, and posted twice. Comments are repeated only after a rate limit.
#[tokio::test]
async fn a_comment_whose_answer_was_lost_is_not_posted_twice() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night::new(&gh);
    night
        .run(&[problem("a", &["f1"], Severity::Error, true, 1)])
        .await;
    fake.faults
        .lock()
        .unwrap()
        .push_back(Fault::CommentPostedThenFails);
    let worse = problem("a", &["f1", "f2"], Severity::Error, true, 1);
    night.run(std::slice::from_ref(&worse)).await;
    night.run(std::slice::from_ref(&worse)).await;
    let issue = fake.issues.lock().unwrap()[0].clone();
    assert_eq!(issue.comments.len(), 1, "{:?}", issue.comments);
    assert_eq!(issue.body, worse.body);
}

/// A closing comment kept for replay is dropped when a person reopened the issue
/// in between (tonight's plan speaks for it), and never posted on an issue
/// apiwatch cannot verify.
#[tokio::test]
async fn a_kept_closing_comment_is_not_replayed_once_it_is_stale() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let mut night = Night::new(&gh);
    night
        .run(&[problem("a", &["f1"], Severity::Error, true, 1)])
        .await;
    night.run(&[]).await;
    fake.faults.lock().unwrap().push_back(Fault::CommentFails);
    night.run(&[]).await;
    assert_eq!(night.state.pending.len(), 1);
    // A person reopens the issue before the next night.
    fake.issues.lock().unwrap()[0].open = true;
    night.run(&[]).await;
    let issue = fake.issues.lock().unwrap()[0].clone();
    assert!(
        issue
            .comments
            .iter()
            .all(|c| !c.contains("closing") || issue.comments.len() == 1),
        "{:?}",
        issue.comments
    );
    assert!(night.state.pending.is_empty());
}

/// With an installation token any bot looked like apiwatch: another workflow's or
/// App's bot issue carrying a copied marker was adopted. The bot account apiwatch
/// files as is learned from the issue it creates and kept in the state; only that
/// bot's issues are apiwatch's from then on.
#[tokio::test]
async fn an_installation_token_owns_only_its_own_bots_issues() {
    let (base, fake) = start().await;
    *fake.user.lock().unwrap() = UserMode::Installation;
    let gh = client(&base);
    let mut night = Night::new(&gh);
    let a = problem("a", &["f1"], Severity::Error, true, 1);
    night.run(std::slice::from_ref(&a)).await;
    assert_eq!(
        night.state.bot_login.as_deref(),
        Some("github-actions[bot]")
    );
    let c = problem("c", &["f9"], Severity::Error, true, 1);
    fake.issues.lock().unwrap().push(FakeIssue {
        author: "issue-ops[bot]".into(),
        author_type: "Bot".into(),
        number: 2,
        title: "filed by another workflow".into(),
        body: problem("c", &["f0"], Severity::Warning, true, 1).body,
        open: true,
        state_reason: None,
        labels: vec!["apiwatch".into()],
        comments: vec![],
    });
    // A later run, with a fresh client: the state says which bot is apiwatch.
    let gh = client(&base);
    night.gh = &gh;
    night.run(&[a, c.clone()]).await;
    let issues = fake.issues.lock().unwrap();
    let other = issues.iter().find(|i| i.number == 2).unwrap();
    assert_eq!(other.title, "filed by another workflow", "not adopted");
    assert!(other.comments.is_empty());
    assert!(
        issues
            .iter()
            .any(|i| i.author == "github-actions[bot]" && i.body == c.body),
        "apiwatch filed its own issue for c"
    );
}

/// Two runs at once (the nightly job and a person's local run) both saw no issue and
/// both created one. The next run keeps the oldest and closes the other as its
/// duplicate, with a link; the night after that does nothing more.
#[tokio::test]
async fn duplicates_filed_by_two_runs_at_once_are_reconciled_oldest_kept() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Error, false, 1);
    let (mut first, mut second) = (Night::new(&gh), Night::new(&gh));
    tokio::join!(
        first.run(std::slice::from_ref(&a)),
        second.run(std::slice::from_ref(&a))
    );
    assert_eq!(per_key(&fake)["a"].len(), 2, "the race this test is about");
    let outcome = first.run(std::slice::from_ref(&a)).await;
    assert!(
        outcome
            .lines(false)
            .iter()
            .any(|l| l == "close acme/integrations#2 as a duplicate of #1"),
        "{:?}",
        outcome.lines(false)
    );
    let issues = per_key(&fake)["a"].clone();
    assert!(issues[0].open, "the oldest is kept");
    assert!(!issues[1].open);
    assert_eq!(issues[1].state_reason.as_deref(), Some("duplicate"));
    assert_eq!(issues[1].comments.len(), 1);
    assert!(issues[1].comments[0].contains("It is tracked in #1"));
    let writes = *fake.writes.lock().unwrap();
    first.run(std::slice::from_ref(&a)).await;
    assert_eq!(
        *fake.writes.lock().unwrap(),
        writes,
        "settled: nothing more to do"
    );
    assert_eq!(per_key(&fake)["a"][1].comments.len(), 1);
}

/// A person's open issue with a copy of the marker is never closed as a duplicate.
#[tokio::test]
async fn a_persons_issue_is_never_closed_as_a_duplicate() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Error, false, 1);
    let mut night = Night::new(&gh);
    night.run(std::slice::from_ref(&a)).await;
    persons_copy(&fake, &a, 2);
    night.run(std::slice::from_ref(&a)).await;
    let issues = per_key(&fake)["a"].clone();
    assert!(issues.iter().all(|i| i.open), "{issues:?}");
}

/// A 302 on `POST /issues` used to be followed as a `GET` of the list, whose 200
/// counted as the issue being created: the problem was never filed.
#[tokio::test]
async fn a_redirected_issue_creation_is_a_failure_kept_for_the_next_run() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Error, false, 1);
    fake.faults
        .lock()
        .unwrap()
        .push_back(Fault::CreateRedirects);
    let mut night = Night::new(&gh);
    let outcome = night.run(std::slice::from_ref(&a)).await;
    assert_eq!(outcome.failed.len(), 1, "{:?}", outcome.lines(false));
    assert!(
        outcome.failed[0].1.contains("HTTP 302") || outcome.failed[0].1.contains("302"),
        "{}",
        outcome.failed[0].1
    );
    assert!(outcome.failed[0].1.contains("does not follow redirects"));
    assert!(fake.issues.lock().unwrap().is_empty());
    night.run(std::slice::from_ref(&a)).await;
    assert_eq!(per_key(&fake)["a"].len(), 1, "filed on the next run");
}

/// A server without the `duplicate` close reason (422) still gets the duplicate
/// closed, as `not_planned`, with its link comment.
#[tokio::test]
async fn a_server_without_the_duplicate_reason_closes_as_not_planned() {
    let (base, fake) = start().await;
    let gh = client(&base);
    let a = problem("a", &["f1"], Severity::Error, false, 1);
    let (mut first, mut second) = (Night::new(&gh), Night::new(&gh));
    tokio::join!(
        first.run(std::slice::from_ref(&a)),
        second.run(std::slice::from_ref(&a))
    );
    fake.faults
        .lock()
        .unwrap()
        .push_back(Fault::NoDuplicateReason);
    let outcome = first.run(std::slice::from_ref(&a)).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.lines(false));
    let issues = per_key(&fake)["a"].clone();
    assert!(issues[0].open && !issues[1].open);
    assert_eq!(issues[1].state_reason.as_deref(), Some("not_planned"));
    assert!(issues[1].comments[0].contains("It is tracked in #1"));
}

/// Three real nights (`run::night`) against the fake GitHub over a map whose
/// vendor changes and then reverts: the audit log is the true history.
#[tokio::test]
async fn the_audit_log_tells_the_history_of_several_nights() {
    let (base, fake) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("contracts/acme")).unwrap();
    std::fs::write(
        root.join("contracts/acme/contract.toml"),
        "[contract]\nvendor = \"Acme\"\napi = \"Things\"\n\n[owners]\nteam = \"platform\"\nrepo = \"acme/integrations\"\n\n[pin]\nversion = \"1\"\n\n[[spec]]\nfile = \"upstream.yaml\"\n\n[[uses]]\noperation = \"GET /things\"\n\n[policy]\ndebounce_runs = 1\n",
    )
    .unwrap();
    let same = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /things:\n    get:\n      operationId: listThings\n      responses:\n        '200': {description: ok}\n";
    let broken = same.replace("'200'", "'201'");
    std::fs::write(root.join("upstream.yaml"), same).unwrap();
    let doc = apiwatch::spec::load::load_file(&root.join("upstream.yaml")).unwrap();
    std::fs::create_dir_all(root.join("snapshots/acme")).unwrap();
    apiwatch::snapshot::pin(&doc, &root.join("snapshots/acme/openapi.json")).unwrap();
    let state = root.join("state");
    let settings = apiwatch::run::NightSettings {
        check: apiwatch::run::RunSettings {
            root: root.to_path_buf(),
            only: Vec::new(),
            fail_on: None,
            today: "2026-11-30".into(),
            fetch: apiwatch::fetch::FetchConfig::default(),
            state_dir: state.clone(),
            tests: None,
        },
        out: root.join("out"),
        dry_run: false,
        close_after: 1,
        github: Some(GitHubConfig {
            api_url: base.clone(),
            token: "ghs_test_token".into(),
            max_attempts: 3,
            max_wait: Duration::from_secs(5),
            min_delay: Duration::from_millis(20),
            timeout: Duration::from_millis(800),
        }),
        default_repo: None,
        step_summary: None,
        all: false,
    };
    let map = apiwatch::run::load_map(root).unwrap();
    for upstream in [same, broken.as_str(), same] {
        std::fs::write(root.join("upstream.yaml"), upstream).unwrap();
        apiwatch::run::night(&map, &settings, Arc::new(apiwatch::run::Silent))
            .await
            .unwrap();
    }
    let log: Vec<Value> = std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<String> = log
        .iter()
        .map(|e| {
            let what = e["event"].as_str().unwrap().to_owned();
            match what.as_str() {
                "contract" => format!("contract {}", e["status"].as_str().unwrap()),
                "finding-appeared" => format!("appeared {}", e["rule"].as_str().unwrap()),
                "issue" => format!(
                    "issue {}",
                    e["operation"].as_str().unwrap().split(':').next().unwrap()
                ),
                _ => what,
            }
        })
        .collect();
    let created = fake.issues.lock().unwrap().len();
    assert_eq!(created, 1, "one issue filed");
    assert_eq!(
        events.iter().filter(|e| *e == "run-start").count(),
        3,
        "{events:#?}"
    );
    // Night 1: clean. Night 2: the change appears and its issue is created. Night 3:
    // it is gone and the issue closed.
    let nights: Vec<&[String]> = events.split(|e| e == "run-end").collect();
    assert_eq!(
        nights[0],
        &["run-start".to_owned(), "contract ok".to_owned()]
    );
    assert!(
        nights[1].contains(&"appeared response-success-status-removed".to_owned()),
        "{:#?}",
        nights[1]
    );
    assert!(
        nights[1]
            .iter()
            .any(|e| e.starts_with("issue create in acme/integrations")),
        "{:#?}",
        nights[1]
    );
    assert!(
        nights[2].iter().filter(|e| *e == "finding-gone").count() >= 1,
        "{:#?}",
        nights[2]
    );
    assert!(
        nights[2].iter().any(|e| e.starts_with("issue close")),
        "{:#?}",
        nights[2]
    );
    let results: Vec<&str> = log
        .iter()
        .filter(|e| e["event"] == "issue")
        .map(|e| e["result"].as_str().unwrap())
        .collect();
    assert!(results.iter().all(|r| *r == "applied"), "{results:?}");
    // Lines are only appended: the first night's lines are still the first lines.
    assert!(
        log.iter()
            .all(|e| e["time"].is_string() && e["actor"].is_string())
    );
    let night_out = std::fs::read_to_string(root.join("out/audit.jsonl")).unwrap();
    assert_eq!(
        night_out.lines().next().map(|l| l.contains("run-start")),
        Some(true)
    );
    assert!(
        night_out.lines().count() < log.len(),
        "out/ has the last night only"
    );
}
