//! SUITE: contract tests. The operations a contract uses are called on its
//! sandbox — the vendor's, or the embedded one apiwatch serves — and every answer
//! is judged against the **pinned** spec (or a candidate, for an upgrade).
//!
//! A contract's cases live in `contracts/<name>/tests.toml` ([`cases`]); a case is
//! steps (create → read → update → delete, values captured on the way) and
//! cleanup steps that always run. Cases of compliance-critical operations run
//! first, so a tight request budget ([`budget`]) never starves an opt-out check.
//! Credentials come from the environment the way production uses them ([`auth`]):
//! OAuth tokens are renewed before they expire. `429`/`503` are retried with the
//! one retry policy apiwatch has ([`crate::retry`]), honouring `Retry-After`.
//! Each problem is a finding with a `sandbox-*` rule ([`judge`]), fingerprinted
//! like every other finding so it reaches the operation's issue. An embedded
//! sandbox without a case file gets one generated call per operation in use.
//!
//! Nothing here prints, and nothing secret leaves: every value the session saw
//! is redacted from messages and excerpts.

pub mod auth;
pub mod budget;
pub mod cases;
pub mod judge;
pub mod request;
pub mod scaffold;
pub mod signals;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::finding::catalog::Live;
use crate::finding::{Draft, Finding, Identity, InUse, OperationRef};
use crate::map::Contract;
use crate::report::tests::{BudgetUse, CaseResult, StepResult, TestRun};
use crate::retry::{Again, RetryPolicy, Verdict};
use crate::rules::relevance::Relevance;
use crate::sandbox::schema::{Validators, convert};
use crate::sandbox::{Clock, Sandbox, SystemClock};
use crate::spec::Document;
use crate::spec::model::{ApiModel, Operation};
use auth::{AuthProblem, Credential, Session};
use budget::Budget;
use cases::{Case, Step};
use judge::{Answer, Problem};
use request::Prepared;

/// The key findings about the sandbox as a whole are grouped under.
pub const SANDBOX_KEY: &str = "~sandbox";

/// The largest response body read; more is cut (and will not validate).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Reads an environment variable (tests give their own).
pub type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// How a contract's tests run.
#[derive(Clone)]
pub struct Settings {
    pub root: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub retry: RetryPolicy,
    /// Per request.
    pub timeout: Duration,
    /// `${run_id}`: unique per run, for test records (`ci+${run_id}@example.com`).
    pub run_id: String,
    /// Reads a credential's environment variable.
    pub env: Env,
    /// Instead of the contract's sandbox (`--sandbox URL`).
    pub sandbox_url: Option<String>,
    /// What answers are judged against, when not the pin (`--against`).
    pub against: Option<String>,
    /// Instead of the contract's `token_url` (`--token-url`).
    pub token_url: Option<String>,
    /// The value of the contract's `version_header` (an upgrade's candidate version).
    pub version: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("root", &self.root)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("run_id", &self.run_id)
            .field("sandbox_url", &self.sandbox_url)
            .field("against", &self.against)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The system clock, the process environment, and patient retries.
    pub fn new(root: &Path) -> Settings {
        let now = jiff::Timestamp::now();
        Settings {
            root: root.to_owned(),
            clock: Arc::new(SystemClock),
            retry: RetryPolicy {
                max_attempts: 4,
                min_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(8),
                max_wait: Duration::from_secs(60),
            },
            timeout: Duration::from_secs(30),
            run_id: run_id(&|v| std::env::var(v).ok(), now),
            env: Arc::new(|v: &str| std::env::var(v).ok()),
            sandbox_url: None,
            against: None,
            token_url: None,
            version: None,
        }
    }
}

/// `${run_id}`: `APIWATCH_RUN_ID` when set (a fixed id makes two runs comparable),
/// else GitHub Actions' run id and attempt, else the time in milliseconds.
pub fn run_id(env: &dyn Fn(&str) -> Option<String>, now: jiff::Timestamp) -> String {
    let set = |v: &str| env(v).filter(|x| !x.trim().is_empty());
    if let Some(id) = set("APIWATCH_RUN_ID") {
        return id;
    }
    if let Some(id) = set("GITHUB_RUN_ID") {
        return format!(
            "{id}-{}",
            set("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".into())
        );
    }
    format!("{}{:03}", now.as_second(), now.subsec_millisecond())
}

/// Where OAuth tokens come from: `--token-url`; else, for a `--sandbox` on this
/// machine (a local `apiwatch sandbox`, which serves the token endpoint at the
/// contract's `token_url` path), that path on it; else the contract's `token_url`.
fn token_url(config: &crate::map::Sandbox, settings: &Settings) -> Option<String> {
    if let Some(t) = &settings.token_url {
        return Some(t.clone());
    }
    let configured = config.token_url.clone();
    let local = settings
        .sandbox_url
        .as_deref()
        .and_then(|u| reqwest::Url::parse(u).ok())
        .filter(|u| matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")));
    match (
        local,
        configured
            .as_deref()
            .and_then(|t| reqwest::Url::parse(t).ok()),
    ) {
        (Some(mut sandbox), Some(token)) => {
            sandbox.set_path(token.path());
            sandbox.set_query(None);
            Some(sandbox.to_string())
        }
        (Some(mut sandbox), None) => {
            sandbox.set_path(crate::sandbox::contract::DEFAULT_TOKEN_PATH);
            Some(sandbox.to_string())
        }
        _ => configured,
    }
}

/// A contract's tests: the results, and the findings they raised.
#[derive(Debug)]
pub struct Outcome {
    pub run: TestRun,
    pub findings: Vec<Finding>,
}

/// Where a contract's case file lives (relative to the map root).
pub fn case_file(contract: &Contract) -> PathBuf {
    contract
        .file
        .parent()
        .unwrap_or(Path::new("."))
        .join(cases::FILE_NAME)
}

/// Credential variables a contract's (vendor) sandbox needs that are not set.
pub fn missing_credentials(contract: &Contract, settings: &Settings) -> Vec<String> {
    let Some(s) = &contract.sandbox else {
        return Vec::new();
    };
    if s.embedded && settings.sandbox_url.is_none() {
        return Vec::new();
    }
    s.credentials
        .values()
        .filter(|v| (settings.env)(v).is_none_or(|x| x.is_empty()))
        .cloned()
        .collect()
}

/// The documents of one contract's tests.
#[derive(Clone, Copy)]
pub struct Specs<'a> {
    /// The pin: the cases are read and the requests made as it describes them.
    pub pinned: &'a Document,
    /// What answers are judged against: the pin, or an upgrade's candidate (where
    /// each operation is found by method and path shape, parameter names aside).
    pub judged: &'a Document,
    /// What an embedded sandbox serves.
    pub served: &'a Document,
}

impl<'a> Specs<'a> {
    /// Everything from the pin; an embedded sandbox serves `served`.
    pub fn pinned(pinned: &'a Document, served: &'a Document) -> Specs<'a> {
        Specs {
            pinned,
            judged: pinned,
            served,
        }
    }
}

/// Runs `contract`'s tests on the documents of `specs`.
pub async fn test_contract(contract: &Contract, specs: Specs<'_>, settings: &Settings) -> Outcome {
    let Specs {
        pinned,
        judged,
        served,
    } = specs;
    let against = settings
        .against
        .clone()
        .unwrap_or_else(|| format!("pinned {}", contract.pin.version));
    let mut run = TestRun::skipped(contract, String::new());
    run.reason = None;
    run.against = against;
    let Some(config) = &contract.sandbox else {
        run.reason = Some("no `[sandbox]` in the contract".into());
        return Outcome {
            run,
            findings: Vec::new(),
        };
    };
    let embedded = config.embedded && settings.sandbox_url.is_none();
    run.sandbox = if embedded {
        "embedded".into()
    } else {
        settings
            .sandbox_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone())
    };
    let model = ApiModel::build(pinned);
    let judged_model = ApiModel::build(judged);
    let rel = case_file(contract);
    let loaded = cases::load(&settings.root, &rel, &model);
    let fail = |mut run: TestRun, rule: Live, message: String| {
        run.status = "failed".into();
        run.reason = Some(message.clone());
        let problem = Problem::new(rule, "", message);
        let findings = sandbox_finding(contract, &problem).into_iter().collect();
        Outcome { run, findings }
    };
    let case_list: Vec<Case> = match loaded {
        Err(errors) => {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return fail(run, Live::CasesInvalid, listed.join("\n"));
        }
        Ok(Some(file)) => file.cases,
        Ok(None) if embedded => generated(contract),
        Ok(None) => {
            run.reason = Some(format!(
                "no {} (`apiwatch test {} --scaffold` writes a starter)",
                rel.display(),
                contract.name
            ));
            return Outcome {
                run,
                findings: Vec::new(),
            };
        }
    };
    if !embedded
        && !config.allow_production
        && let Some(server) = production(&run.sandbox, judged)
    {
        let message = format!(
            "{}: the sandbox URL {} is the spec's production server {server}; tests run against production only with `allow_production = true` in `[sandbox]`",
            contract.file.display(),
            run.sandbox
        );
        return fail(run, Live::ProductionRefused, message);
    }
    let missing = missing_credentials(contract, settings);
    if !missing.is_empty() {
        run.reason = Some(format!("credentials not set: {}", missing.join(", ")));
        return Outcome {
            run,
            findings: Vec::new(),
        };
    }
    // An embedded sandbox runs in this process: stand-ins for unset credentials,
    // on both sides.
    let env: Env = if embedded {
        let real = settings.env.clone();
        Arc::new(move |v: &str| {
            real(v)
                .filter(|x| !x.is_empty())
                .or_else(|| Some(format!("apiwatch-stand-in-{}", v.to_ascii_lowercase())))
        })
    } else {
        settings.env.clone()
    };
    let mut running = None;
    let (base, token_url) = if embedded {
        let mut options = match crate::sandbox::contract::options(config, &|v: &str| env(v)) {
            Ok(o) => o,
            Err(e) => return fail(run, Live::Unreachable, format!("embedded sandbox: {e}")),
        };
        options.clock = settings.clock.clone();
        let token_path = match &options.auth {
            crate::sandbox::auth::Emulation::OAuth2(o) => Some(o.token_path.clone()),
            _ => None,
        };
        let sandbox = match Sandbox::new(served, options) {
            Ok(s) => s,
            Err(e) => return fail(run, Live::Unreachable, format!("embedded sandbox: {e}")),
        };
        match sandbox.start(SocketAddr::from(([127, 0, 0, 1], 0))).await {
            Ok(r) => {
                let base = r.url.clone();
                // The token endpoint sits at the host's root, whatever the base path.
                let token = token_path.map(|p| format!("http://{}{p}", r.addr));
                running = Some(r);
                (base, token)
            }
            Err(e) => {
                return fail(
                    run,
                    Live::Unreachable,
                    format!("embedded sandbox: cannot listen on loopback: {e}"),
                );
            }
        }
    } else {
        (run.sandbox.clone(), token_url(config, settings))
    };
    // A redirect would carry the credentials (and a query key, as Referer) to
    // another host, and test an answer the sandbox did not give: not followed.
    let http = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            return fail(
                run,
                Live::Unreachable,
                format!("cannot make an HTTP client: {e}"),
            );
        }
    };
    let session = match Session::new(
        config,
        token_url,
        &*env,
        settings.clock.clone(),
        http.clone(),
        settings.retry,
    ) {
        Ok(s) => s,
        Err(p) => {
            if let Some(r) = running {
                let _ = r.stop().await;
            }
            return fail(run, Live::AuthFailed, p.message().to_owned());
        }
    };
    let budget = Budget::new(
        config.budget.requests,
        config.budget.per_second,
        settings.clock.clone(),
    );
    let validators = Validators::new(&judged.root, judged.dialect).ok();
    let converted = convert(&pinned.root, pinned.dialect, None);
    let relevance = Relevance::new(&contract.uses(), &[&model]);
    let mut ctx = Ctx {
        contract,
        model: &model,
        judged_model: &judged_model,
        relevance,
        pinned: judge::Pinned {
            doc: judged,
            validators: validators.as_ref(),
            slow_ms: config.slow_ms,
        },
        pinned_doc: pinned,
        converted,
        base,
        wire: Arc::new(Wire {
            http,
            session,
            budget,
            clock: settings.clock.clone(),
            retry: settings.retry,
            version_header: config.version_header.as_ref().map(|v| {
                let value = settings.version.clone().unwrap_or_else(|| v.value.clone());
                (v.name.clone(), value)
            }),
            seen: std::sync::Mutex::new(BTreeMap::new()),
        }),
        settings,
        unauthorized: 0,
        findings: Vec::new(),
        auth_problem: None,
    };
    let ordered = order(case_list, &ctx);
    let mut skipped_for_budget = Vec::new();
    for (case, compliance) in ordered {
        let result = ctx
            .run_case(&case, compliance, &mut skipped_for_budget)
            .await;
        run.cases.push(result);
    }
    if let Some(r) = running {
        let _ = r.stop().await;
    }
    if !skipped_for_budget.is_empty() {
        let problem = Problem::new(
            Live::BudgetExhausted,
            "",
            format!(
                "the budget of {} requests ran out; not run: {}",
                ctx.wire.budget.limit().unwrap_or(0),
                skipped_for_budget.join(", ")
            ),
        );
        ctx.findings.extend(sandbox_finding(contract, &problem));
    }
    if let Some(var) = ctx.wire.session.rotated() {
        let note = format!(
            "the vendor issued a new refresh token (rotation), used for this run only since apiwatch never writes secrets; if the vendor retires the old one, the next run meets invalid_grant: store a freshly authorized refresh token in {var}, or give the tests a client whose refresh tokens do not rotate"
        );
        run.notes.push(note.clone());
        let problem = Problem::new(Live::CredentialsRotated, "", note);
        ctx.findings.extend(sandbox_finding(contract, &problem));
    }
    run.budget = BudgetUse {
        used: ctx.wire.budget.used(),
        limit: ctx.wire.budget.limit(),
        per_second: config.budget.per_second,
    };
    run.rate_limit_headers = ctx.wire.seen.lock().map(|s| s.clone()).unwrap_or_default();
    run.unauthorized = ctx.unauthorized;
    run.status = if run.cases.iter().any(|c| c.status == "failed") || ctx.auth_problem.is_some() {
        "failed"
    } else if run.cases.iter().all(|c| c.status == "skipped") {
        "skipped"
    } else {
        "passed"
    }
    .into();
    if let Some(p) = &ctx.auth_problem {
        run.reason = Some(p.message().to_owned());
    }
    // Secrets out of every word that leaves.
    let secrets = ctx.wire.session.secrets();
    let scrub = |t: &str| redact(t, &secrets);
    let mut findings = dedup(std::mem::take(&mut ctx.findings));
    for f in &mut findings {
        f.message = scrub(&f.message);
        f.excerpt = f.excerpt.as_deref().map(scrub);
    }
    for c in &mut run.cases {
        c.reason = c.reason.as_deref().map(scrub);
        for s in &mut c.steps {
            for p in &mut s.problems {
                *p = scrub(p);
            }
        }
    }
    run.reason = run.reason.as_deref().map(scrub);
    for n in &mut run.notes {
        *n = scrub(n);
    }
    Outcome { run, findings }
}

/// Redacts `secrets` (longest first) and credential shapes from `text`.
fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    // As sent and as a URL or form carries them (`a+b/c` is `a%2Bb%2Fc` there).
    let mut forms: Vec<String> = secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .flat_map(|s| [s.clone(), request::form_escape(s)])
        .collect();
    forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    forms.dedup();
    for s in forms {
        out = out.replace(s.as_str(), crate::secrets::REDACTED);
    }
    crate::secrets::redact(&out)
}

/// One finding per fingerprint (the same field missing in two cases is one problem).
fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    findings
        .into_iter()
        .filter(|f| seen.insert(f.fingerprint.clone()))
        .collect()
}

/// One generated call per operation in use, for an embedded sandbox without cases.
fn generated(contract: &Contract) -> Vec<Case> {
    contract
        .uses
        .iter()
        .map(|u| Case {
            name: format!("call {}", u.operation),
            steps: vec![Step {
                name: None,
                operation: u.operation.clone(),
                line: u.line,
                column: u.column,
                path: BTreeMap::new(),
                query: BTreeMap::new(),
                headers: BTreeMap::new(),
                body: None,
                expect: Vec::new(),
                fields: Vec::new(),
                capture: BTreeMap::new(),
            }],
            cleanup: Vec::new(),
            keeps_data: true,
            line: u.line,
        })
        .collect()
}

/// Cases of compliance-critical operations first, each in file order; each with
/// the compliance kind it touches.
fn order(cases: Vec<Case>, ctx: &Ctx<'_>) -> Vec<(Case, Option<String>)> {
    let mut tagged: Vec<(Case, Option<String>)> = cases
        .into_iter()
        .map(|c| {
            let kind = c.steps.iter().chain(&c.cleanup).find_map(|s| {
                let op = ctx.model.find(&s.operation)?;
                ctx.relevance.lookup_operation(op).flatten()
            });
            (c, kind)
        })
        .collect();
    tagged.sort_by_key(|(_, kind)| kind.is_none());
    tagged
}

/// The spec's production server on the same host as `url`, if any. Servers the
/// spec describes as a sandbox, test, staging, mock, QA or development server are
/// not production; server variables are expanded to each of their `enum` values.
fn production(url: &str, doc: &Document) -> Option<String> {
    let host = |u: &str| {
        reqwest::Url::parse(u)
            .ok()?
            .host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
    };
    let target = host(url)?;
    let mut servers = Vec::new();
    for s in doc
        .root
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(u) = s.get("url").and_then(Value::as_str) else {
            continue;
        };
        let description = s
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let not_production = description
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| {
                [
                    "sandbox",
                    "test",
                    "testing",
                    "staging",
                    "mock",
                    "dev",
                    "development",
                    "qa",
                ]
                .contains(&w)
            });
        if not_production {
            continue;
        }
        let mut expanded = vec![u.to_owned()];
        for (name, v) in s
            .get("variables")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut values: Vec<&str> = v
                .get("enum")
                .and_then(Value::as_array)
                .map(|e| e.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            values.extend(v.get("default").and_then(Value::as_str));
            let slot = format!("{{{name}}}");
            let slot = slot.as_str();
            expanded = expanded
                .iter()
                .flat_map(|u| values.iter().map(move |x| u.replace(slot, x)))
                .take(256)
                .collect();
        }
        servers.extend(expanded);
    }
    if let Some(h) = doc.root.get("host").and_then(Value::as_str) {
        let base = doc
            .root
            .get("basePath")
            .and_then(Value::as_str)
            .unwrap_or("");
        servers.push(format!("https://{h}{base}"));
    }
    servers
        .into_iter()
        .find(|s| host(s).as_deref() == Some(target.as_str()))
}

/// A finding about the sandbox as a whole (auth, budget, reachability).
fn sandbox_finding(contract: &Contract, problem: &Problem) -> Option<Finding> {
    let draft = Draft {
        rule: problem.rule.into(),
        operation: None,
        location: format!("contract tests of {}", contract.name),
        subject: "the sandbox".into(),
        message: problem.message.clone(),
        before: None,
        after: None,
        base_pointer: None,
        revision_pointer: None,
        in_use: InUse {
            in_use: true,
            compliance_kind: None,
        },
        sunset: problem.due.clone(),
        contract: Some(contract.name.clone()),
        excerpt: problem.excerpt.clone(),
        op_key: SANDBOX_KEY.into(),
        identity: Identity::Change {
            method: "",
            op_key: SANDBOX_KEY,
            scope: "Sandbox",
            path: "",
            detail: &problem.detail,
        },
    };
    Finding::new(draft, &contract.policy.severity)
}

/// Why an attempt failed, for the retry policy.
enum Failure {
    /// 429 or 503: the answer, and how long the server asked to wait.
    Busy(Box<Answer>, Option<Duration>),
    /// No answer; `again` when trying again cannot do anything twice.
    Network {
        why: String,
        again: bool,
    },
    Auth(AuthProblem),
    /// The run's request budget is spent.
    Budget,
    /// The request cannot be made (a header value the case gives is not HTTP).
    Invalid(String),
}

impl Verdict for Failure {
    fn again(&self) -> Again {
        match self {
            Failure::Busy(_, Some(wait)) => Again::After(*wait),
            Failure::Busy(_, None) | Failure::Network { again: true, .. } => Again::AfterBackoff,
            Failure::Network { again: false, .. }
            | Failure::Auth(_)
            | Failure::Budget
            | Failure::Invalid(_) => Again::No,
        }
    }
}

/// Rate-limit headers worth showing: `X-RateLimit-*`, IETF `RateLimit` and
/// `RateLimit-Policy`, vendor variants (`X-HubSpot-RateLimit-*`), `Retry-After`.
fn rate_limit_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "retry-after" || n.contains("ratelimit") || n.contains("rate-limit")
}

/// One contract's run in progress.
struct Ctx<'a> {
    contract: &'a Contract,
    /// The pin's model (cases, requests, identities) and the judged document's.
    model: &'a ApiModel<'a>,
    judged_model: &'a ApiModel<'a>,
    relevance: Relevance,
    pinned: judge::Pinned<'a>,
    /// The pin, converted to JSON Schema, for generated values.
    pinned_doc: &'a Document,
    converted: Value,
    base: String,
    wire: Arc<Wire>,
    settings: &'a Settings,
    unauthorized: usize,
    findings: Vec<Finding>,
    /// Credentials that cannot be had end the run: every later call would fail.
    auth_problem: Option<AuthProblem>,
}

/// What one step did.
struct Done {
    result: StepResult,
    /// A problem at error level: the case fails.
    failed: bool,
    /// No usable answer (none, the wrong status, no credentials): the case's later
    /// steps are skipped, as they build on this one. A body that breaks the schema
    /// still lets them run, so one night shows every problem.
    fatal: bool,
}

impl<'a> Ctx<'a> {
    async fn run_case(
        &mut self,
        case: &Case,
        compliance: Option<String>,
        skipped_for_budget: &mut Vec<String>,
    ) -> CaseResult {
        let started = self.settings.clock.now();
        let mut result = CaseResult {
            name: case.name.clone(),
            compliance,
            status: "passed".into(),
            reason: None,
            duration_ms: 0,
            steps: Vec::new(),
        };
        if let Some(p) = &self.auth_problem {
            result.status = "skipped".into();
            result.reason = Some(format!("no credentials: {}", p.message()));
            return result;
        }
        let needed = (case.steps.len() + case.cleanup.len()) as u64;
        if !self.wire.budget.allows(needed) {
            result.status = "skipped".into();
            result.reason = Some(format!(
                "the request budget is spent ({} of {})",
                self.wire.budget.used(),
                self.wire.budget.limit().unwrap_or(0)
            ));
            skipped_for_budget.push(format!("`{}`", case.name));
            return result;
        }
        let mut vars: BTreeMap<String, Value> = BTreeMap::new();
        vars.insert("run_id".into(), Value::String(self.settings.run_id.clone()));
        let (mut failed, mut fatal) = (false, false);
        for step in &case.steps {
            if fatal || self.auth_problem.is_some() {
                result.steps.push(skipped(
                    step,
                    "step",
                    "an earlier step got no usable answer",
                ));
                continue;
            }
            let done = self.run_step(case, step, "step", &mut vars).await;
            failed |= done.failed;
            fatal |= done.fatal;
            result.steps.push(done.result);
        }
        for step in &case.cleanup {
            if self.auth_problem.is_some() {
                result
                    .steps
                    .push(skipped(step, "cleanup", "no credentials"));
                continue;
            }
            let done = self.run_step(case, step, "cleanup", &mut vars).await;
            failed |= done.failed;
            result.steps.push(done.result);
        }
        // A step without a usable answer leaves the case unchecked: failed, whatever
        // the severity of its finding (a rate limit is a warning for the owners).
        if failed || fatal {
            result.status = "failed".into();
        }
        result.duration_ms = u64::try_from(
            self.settings
                .clock
                .now()
                .duration_since(started)
                .as_millis(),
        )
        .unwrap_or(0);
        result
    }

    async fn run_step(
        &mut self,
        case: &Case,
        step: &Step,
        phase: &str,
        vars: &mut BTreeMap<String, Value>,
    ) -> Done {
        let model = self.model;
        let Some(op) = model.find(&step.operation) else {
            // Checked when the cases were read; a generated case may still miss.
            let mut r = skipped(step, phase, "");
            r.outcome = "failed".into();
            r.problems.push(format!(
                "`{}` is not an operation of the spec",
                step.operation
            ));
            return Done {
                result: r,
                failed: true,
                fatal: true,
            };
        };
        let mut result = StepResult {
            name: step.label(),
            phase: phase.into(),
            operation: step.operation.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            status: None,
            latency_ms: 0,
            attempts: 0,
            outcome: "passed".into(),
            problems: Vec::new(),
            findings: Vec::new(),
        };
        let prepared =
            match request::prepare(op, step, vars, self.pinned_doc, &self.converted, &self.base) {
                Ok(p) => p,
                Err(request::Unfilled(name)) => {
                    result.outcome = "skipped".into();
                    result
                        .problems
                        .push(format!("`${{{name}}}` was not captured by an earlier step"));
                    return Done {
                        result,
                        failed: false,
                        fatal: true,
                    };
                }
            };
        let (answer, attempts) = self.send(&prepared, phase == "cleanup").await;
        result.attempts = attempts;
        let problems = match answer {
            Err(Failure::Auth(p)) => {
                let rule = match &p {
                    AuthProblem::Expired(_) => Live::CredentialsExpired,
                    AuthProblem::Failed(_) => Live::AuthFailed,
                };
                let problem = Problem::new(rule, "", p.message().to_owned());
                result.problems.push(problem.message.clone());
                result.outcome = "failed".into();
                self.findings
                    .extend(sandbox_finding(self.contract, &problem));
                self.auth_problem = Some(p);
                return Done {
                    result,
                    failed: true,
                    fatal: true,
                };
            }
            Err(Failure::Network { why, .. }) => {
                vec![Problem::new(
                    Live::Unreachable,
                    "",
                    format!("no answer after {attempts} attempt(s): {why}"),
                )]
            }
            Err(Failure::Budget) => {
                vec![Problem::new(
                    Live::BudgetExhausted,
                    "",
                    format!(
                        "the budget of {} requests ran out during this step (retries count)",
                        self.wire.budget.limit().unwrap_or(0)
                    ),
                )]
            }
            Err(Failure::Invalid(why)) => {
                vec![Problem::new(
                    Live::CasesInvalid,
                    "",
                    format!("the request cannot be made: {why}"),
                )]
            }
            Err(Failure::Busy(a, wait)) => {
                result.status = Some(a.status);
                let asked = wait
                    .map(|w| format!("; it asked to wait {} s", w.as_secs()))
                    .unwrap_or_default();
                vec![Problem::new(
                    Live::RateLimited,
                    "",
                    format!("still {} after {attempts} attempt(s){asked}", a.status),
                )]
            }
            Ok(a) => {
                result.status = Some(a.status);
                result.latency_ms = a.latency_ms;
                if matches!(a.status, 401 | 403) && !step.expect.contains(&a.status) {
                    let problem = Problem::new(
                        Live::AuthFailed,
                        "",
                        format!(
                            "answered {} to the contract's credentials{}",
                            a.status,
                            if self.wire.session.renewable() {
                                " (after a fresh token)"
                            } else {
                                ""
                            }
                        ),
                    );
                    vec![problem]
                } else {
                    let found = match self.judged_op(op) {
                        Some(judged) => judge::judge(&self.pinned, judged, step, &a),
                        None => vec![Problem::new(
                            Live::StatusUndocumented,
                            a.status.to_string(),
                            format!(
                                "answered {}; the spec judged against ({}) has no such operation",
                                a.status, self.pinned.doc.source
                            ),
                        )],
                    };
                    // Any success may have created something: capture from it, so
                    // the cleanup can remove it even when the status was wrong.
                    if (200..300).contains(&a.status) {
                        self.capture(step, &a, vars, &mut result);
                    }
                    found
                }
            }
        };
        let fatal = result.status.is_none_or(|status| {
            !judge::expected(&step.expect, self.judged_op(op).unwrap_or(op), status)
        });
        // In use as the contract says: a helper a case calls (a create for a read
        // test) is reported and fails its case, but files no issue of its own.
        let in_use = InUse::from_lookup(self.relevance.lookup_operation(op));
        let mut failed = false;
        for p in problems {
            let message = format!(
                "case `{}`, {phase} `{}`: {}",
                case.name,
                step.label(),
                p.message
            );
            result.problems.push(p.message.clone());
            let f = if matches!(p.rule, Live::AuthFailed | Live::Unreachable) {
                sandbox_finding(self.contract, &Problem { message, ..p })
            } else {
                op_finding(self.contract, op, in_use.clone(), &Problem { message, ..p })
            };
            if let Some(f) = f {
                failed |= f.severity == crate::finding::Severity::Error;
                result.findings.push(f.fingerprint.clone());
                self.findings.push(f);
            }
        }
        result.outcome = if failed {
            "failed"
        } else if result.problems.is_empty() {
            "passed"
        } else {
            "warned"
        }
        .into();
        Done {
            result,
            failed,
            fatal,
        }
    }

    /// The judged document's operation for a pinned one: the same method and path
    /// shape (parameter names aside), else the same shape with version segments
    /// masked (`/v1/…` → `/v2/…`).
    fn judged_op(&self, op: &Operation<'_>) -> Option<&'a Operation<'a>> {
        let ops = &self.judged_model.operations;
        ops.iter()
            .find(|o| o.method == op.method && o.key == op.key)
            .or_else(|| {
                ops.iter()
                    .find(|o| o.method == op.method && o.loose_key == op.loose_key)
            })
    }

    /// Stores the step's captures; a capture that finds nothing is a missing field.
    fn capture(
        &mut self,
        step: &Step,
        answer: &Answer,
        vars: &mut BTreeMap<String, Value>,
        result: &mut StepResult,
    ) {
        let body = answer.json().unwrap_or(Value::Null);
        for (name, pointer) in &step.capture {
            match body.pointer(pointer).filter(|v| !v.is_null()) {
                Some(v) => {
                    vars.insert(name.clone(), v.clone());
                }
                None => result.problems.push(format!(
                    "nothing at `{pointer}` to capture as `{name}`: later steps that use it are skipped"
                )),
            }
        }
    }

    /// Sends a request: budget and auth per attempt, `429`/`503` retried as the
    /// retry policy says, one renewal and retry after a `401` for OAuth.
    async fn send(&mut self, prepared: &Prepared, cleanup: bool) -> (Result<Answer, Failure>, u32) {
        let mut attempts = 0u32;
        let first = self.wire.attempts(prepared, cleanup, &mut attempts).await;
        let unauthorized = matches!(&first, Ok(a) if a.status == 401);
        if unauthorized {
            self.unauthorized += 1;
        }
        if !(unauthorized && self.wire.session.renewable()) {
            return (first, attempts);
        }
        self.wire.session.invalidate().await;
        let second = self.wire.attempts(prepared, cleanup, &mut attempts).await;
        if matches!(&second, Ok(a) if a.status == 401) {
            self.unauthorized += 1;
        }
        (second, attempts)
    }
}

/// What sends requests, with the one retry policy: its waits on the run's clock.
struct Wire {
    http: reqwest::Client,
    session: Session,
    budget: Budget,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    version_header: Option<(String, String)>,
    /// Rate-limit headers as last seen.
    seen: std::sync::Mutex<BTreeMap<String, String>>,
}

impl Wire {
    /// Sends a request: budget and auth per attempt, `429`/`503` retried as the
    /// retry policy says; `count` is increased by the attempts made.
    async fn attempts(
        &self,
        prepared: &Prepared,
        cleanup: bool,
        count: &mut u32,
    ) -> Result<Answer, Failure> {
        let mut delays = self.retry.delays();
        loop {
            *count += 1;
            let failure = match self.attempt(prepared, cleanup).await {
                Ok(answer) => return Ok(answer),
                Err(f) => f,
            };
            match self.retry.wait(delays.next(), failure.again()) {
                Some(wait) => self.clock.sleep(wait).await,
                None => return Err(failure),
            }
        }
    }

    async fn attempt(&self, prepared: &Prepared, cleanup: bool) -> Result<Answer, Failure> {
        let credential = self
            .session
            .credential(&self.budget)
            .await
            .map_err(Failure::Auth)?;
        // Cleanup always runs (it removes what the case made); it still counts.
        if !self.budget.take(cleanup).await {
            return Err(Failure::Budget);
        }
        let mut target = prepared.clone();
        // One value per name: the credential and the version header replace what
        // the spec's parameters would have generated for them.
        let mut headers = reqwest::header::HeaderMap::new();
        let mut set = |k: &str, v: &str| -> Result<(), Failure> {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Failure::Invalid(format!("`{k}` is not a header name")))?;
            let value = reqwest::header::HeaderValue::from_str(v).map_err(|_| {
                Failure::Invalid(format!("the `{k}` header's value is not valid in HTTP"))
            })?;
            headers.insert(name, value);
            Ok(())
        };
        set("accept", "application/json, */*;q=0.5")?;
        for (k, v) in &prepared.headers {
            set(k, v)?;
        }
        if let Some((k, v)) = &self.version_header {
            set(k, v)?;
        }
        match &credential {
            Some(Credential::Header(k, v)) => set(k, v)?,
            Some(Credential::Query(k, v)) => {
                target.query.retain(|(q, _)| q != k);
                target.query.push((k.clone(), v.clone()));
            }
            None => {}
        }
        if let Some((media, _)) = &prepared.body {
            set("content-type", media)?;
        }
        let mut call = self
            .http
            .request(prepared.method.clone(), target.full_url())
            .headers(headers);
        if let Some((_, bytes)) = &prepared.body {
            call = call.body(bytes.clone());
        }
        // A request that may have reached the vendor is repeated only when doing it
        // twice is harmless: a POST that timed out may have created its record.
        let idempotent = !matches!(prepared.method.as_str(), "POST" | "PATCH");
        let network = |e: reqwest::Error| Failure::Network {
            why: crate::fetch::describe(&e),
            again: e.is_connect() || (idempotent && !e.is_builder()),
        };
        let started = self.clock.now();
        let mut response = call.send().await.map_err(network)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // Read up to the cap, so a sandbox streaming forever costs no memory.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_BODY {
                break;
            }
        }
        let latency_ms =
            u64::try_from(self.clock.now().duration_since(started).as_millis()).unwrap_or(0);
        if let Ok(mut seen) = self.seen.lock() {
            for (name, value) in &headers {
                if rate_limit_header(name.as_str())
                    && let Ok(v) = value.to_str()
                {
                    seen.insert(name.as_str().to_owned(), v.to_owned());
                }
            }
        }
        let answer = Answer {
            status,
            headers,
            body,
            latency_ms,
        };
        if status == 429 || status == 503 {
            let wait = answer
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(crate::fetch::parse_retry_after);
            return Err(Failure::Busy(Box::new(answer), wait));
        }
        Ok(answer)
    }
}

fn skipped(step: &Step, phase: &str, why: &str) -> StepResult {
    StepResult {
        name: step.label(),
        phase: phase.into(),
        operation: step.operation.clone(),
        method: String::new(),
        path: String::new(),
        status: None,
        latency_ms: 0,
        attempts: 0,
        outcome: "skipped".into(),
        problems: if why.is_empty() {
            Vec::new()
        } else {
            vec![why.to_owned()]
        },
        findings: Vec::new(),
    }
}

/// A finding about one operation a case called.
fn op_finding(
    contract: &Contract,
    op: &Operation<'_>,
    in_use: InUse,
    problem: &Problem,
) -> Option<Finding> {
    let label = match &op.operation_id {
        Some(id) => format!("{} {} ({id})", op.method, op.path),
        None => format!("{} {}", op.method, op.path),
    };
    let draft = Draft {
        rule: problem.rule.into(),
        operation: Some(OperationRef {
            method: op.method.clone(),
            path: op.path.clone(),
            operation_id: op.operation_id.clone(),
        }),
        location: format!("contract test of {label}"),
        subject: label,
        message: problem.message.clone(),
        before: None,
        after: None,
        base_pointer: None,
        revision_pointer: None,
        in_use,
        sunset: problem.due.clone(),
        contract: Some(contract.name.clone()),
        excerpt: problem.excerpt.clone(),
        op_key: format!("{} {}", op.key, op.method),
        identity: Identity::Change {
            method: &op.method,
            op_key: &op.key,
            scope: "Sandbox",
            path: "",
            detail: &problem.detail,
        },
    };
    let mut f = Finding::new(draft, &contract.policy.severity)?;
    f.note = contract
        .note_for(Some(&op.method), Some(&op.path), op.operation_id.as_deref())
        .map(str::to_owned);
    Some(f)
}

/// What the map says about a contract's test coverage.
pub enum Coverage {
    /// The operations in use no case calls (an embedded sandbox without a case
    /// file calls each one itself); `has_file` when there is a case file.
    Untested {
        operations: Vec<String>,
        has_file: bool,
    },
    /// The case file does not read.
    Unreadable(String),
}

/// `contract`'s test coverage; `None` when it cannot be told (no sandbox, no
/// snapshot).
pub fn coverage(contract: &Contract, root: &Path) -> Option<Coverage> {
    let config = contract.sandbox.as_ref()?;
    let spec = contract.specs.first()?;
    let pinned = crate::snapshot::read(&contract.snapshot_path(root, &spec.name)).ok()?;
    let model = ApiModel::build(&pinned);
    let rel = case_file(contract);
    let file = match cases::load(root, &rel, &model) {
        Err(errors) => {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            return Some(Coverage::Unreadable(first));
        }
        Ok(f) => f,
    };
    let has_file = file.is_some();
    let called: Vec<(String, String)> = match file {
        None if config.embedded => {
            return Some(Coverage::Untested {
                operations: Vec::new(),
                has_file,
            });
        }
        None => Vec::new(),
        Some(file) => file
            .cases
            .iter()
            .flat_map(|c| c.steps.iter().chain(&c.cleanup))
            .filter_map(|s| model.find(&s.operation))
            .map(|op| (op.method.clone(), op.key.clone()))
            .collect(),
    };
    let operations = contract
        .uses
        .iter()
        .filter(|u| {
            model
                .find(&u.operation)
                .is_none_or(|op| !called.contains(&(op.method.clone(), op.key.clone())))
        })
        .map(|u| u.operation.clone())
        .collect();
    Some(Coverage::Untested {
        operations,
        has_file,
    })
}

/// Marks the map's rows with the operations in use no case covers, as a risk.
pub fn annotate_coverage(
    rows: &mut [crate::report::map::MapRow],
    map: &crate::map::IntegrationMap,
) {
    for row in rows {
        let Some(contract) = map.contracts.iter().find(|c| c.name == row.contract) else {
            continue;
        };
        match coverage(contract, &map.root) {
            None => {}
            Some(Coverage::Unreadable(first)) => row.risks.push(format!(
                "its contract tests do not read, so none run: {first}"
            )),
            Some(Coverage::Untested {
                operations,
                has_file,
            }) => {
                if !operations.is_empty() {
                    let hint = if has_file {
                        format!("add a case to {}", case_file(contract).display())
                    } else {
                        format!(
                            "`apiwatch test {} --scaffold` writes a starter",
                            contract.name
                        )
                    };
                    row.risks.push(format!(
                        "no contract test calls {} ({hint})",
                        operations.join(", ")
                    ));
                }
                row.untested = operations;
            }
        }
    }
}
