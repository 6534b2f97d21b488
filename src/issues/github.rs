//! The GitHub executor: lists the issues apiwatch filed and applies planned
//! operations, through octocrab's REST transport (so authentication, the API base URL
//! of GitHub Enterprise, and TLS are octocrab's), with retry handling of our own:
//! 5xx, 429 and secondary rate limits (403 with `retry-after`, or `x-ratelimit-
//! remaining: 0` with `x-ratelimit-reset`) wait and retry, bounded. Creating an issue
//! is never retried blindly: after a failed or timed-out attempt the repository is
//! listed again, and an issue carrying the problem's key counts as created — GitHub
//! may have created it before the connection dropped.
//!
//! The token comes from `APIWATCH_GITHUB_TOKEN` or `GITHUB_TOKEN` and is never
//! printed; errors carry the method, path and status only.

use std::collections::BTreeSet;
use std::time::Duration;

use http::Method;
use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::{Value, json};

use super::plan::{ExistingIssue, IssueOp, Owner, comment_marker, contract_of, key_of};
use crate::retry::{Again, RetryPolicy, Verdict};

/// How to reach GitHub.
#[derive(Clone)]
pub struct GitHubConfig {
    /// `https://api.github.com`, or a GitHub Enterprise `https://host/api/v3`.
    pub api_url: String,
    pub token: String,
    pub max_attempts: usize,
    /// The longest wait honoured for a rate limit.
    pub max_wait: Duration,
    pub min_delay: Duration,
    pub timeout: Duration,
}

impl std::fmt::Debug for GitHubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubConfig")
            .field("api_url", &self.api_url)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl GitHubConfig {
    /// From the environment: `APIWATCH_GITHUB_TOKEN` or `GITHUB_TOKEN`, and
    /// `GITHUB_API_URL` (set by Actions and Enterprise runners). None without a token.
    pub fn from_env() -> Option<GitHubConfig> {
        let token = ["APIWATCH_GITHUB_TOKEN", "GITHUB_TOKEN"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|t| !t.is_empty()))?;
        let api_url = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "https://api.github.com".to_owned());
        Some(GitHubConfig {
            api_url,
            token,
            max_attempts: 4,
            max_wait: Duration::from_secs(90),
            min_delay: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
        })
    }
}

impl GitHubConfig {
    /// Retries as configured: backoff from `min_delay` up to `max_wait`, which also
    /// caps how long a rate limit may make apiwatch wait.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts.max(1),
            min_delay: self.min_delay,
            max_delay: self.max_wait,
            max_wait: self.max_wait,
        }
    }
}

/// A failed request, and whether it is worth repeating.
struct Failed {
    error: GitHubError,
    again: Again,
    /// Refused before it was handled (429, a rate-limit 403): repeating it cannot
    /// do it twice.
    rate_limited: bool,
}

/// Which failures a call is repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retries {
    /// Reads and idempotent writes (PATCH, PUT): 5xx, transport errors, rate limits.
    All,
    /// Writes that are not idempotent (a comment): only refusals that prove
    /// nothing was done. A 502 or a timeout may come after GitHub posted it.
    RateLimitsOnly,
    Never,
}

impl Failed {
    fn stop(error: GitHubError) -> Failed {
        Failed {
            error,
            again: Again::No,
            rate_limited: false,
        }
    }

    fn backoff(error: GitHubError) -> Failed {
        Failed {
            error,
            again: Again::AfterBackoff,
            rate_limited: false,
        }
    }
}

impl Verdict for Failed {
    fn again(&self) -> Again {
        self.again
    }
}

/// Why GitHub could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GitHubError {
    #[error("GitHub: {0}")]
    Setup(String),
    #[error("GitHub {method} {path}: {message}")]
    Request {
        method: String,
        path: String,
        message: String,
    },
    #[error("GitHub {method} {path}: HTTP {status}: {message}")]
    Status {
        method: String,
        path: String,
        status: u16,
        message: String,
    },
}

pub struct GitHub {
    octo: Octocrab,
    config: GitHubConfig,
    /// Which account the token acts as, asked once per run.
    identity: tokio::sync::OnceCell<Identity>,
    /// The bot account an installation token files as, once known (from the run
    /// state, or from an issue this run created): only its issues are apiwatch's.
    bot_login: std::sync::Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct GhIssue {
    number: u64,
    state: String,
    state_reason: Option<String>,
    title: String,
    body: Option<String>,
    #[serde(default)]
    labels: Vec<GhLabel>,
    pull_request: Option<Value>,
    /// The author, as GitHub records it: a person cannot forge this by copying text.
    user: Option<GhUser>,
}

#[derive(Deserialize)]
struct GhUser {
    login: String,
    #[serde(rename = "type", default)]
    kind: String,
}

/// Which account the token acts as, as far as GitHub says.
#[derive(Debug, Clone)]
enum Identity {
    /// A person's or a machine user's token (classic or fine-grained): its issues
    /// are the ones this login filed.
    Login(String),
    /// A GitHub App or Actions installation token (`/user` answers 403): its issues
    /// are filed by a bot account, which no person's issue is.
    Installation,
    /// `/user` failed otherwise: nothing can be verified tonight.
    Unknown(String),
}

#[derive(Deserialize)]
struct GhLabel {
    name: String,
}

impl GitHub {
    pub fn new(config: GitHubConfig) -> Result<GitHub, GitHubError> {
        let octo = Octocrab::builder()
            .base_uri(config.api_url.as_str())
            .map_err(|e| GitHubError::Setup(format!("bad API URL `{}`: {e}", config.api_url)))?
            .personal_token(config.token.clone())
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(config.timeout))
            .set_read_timeout(Some(config.timeout))
            .build()
            .map_err(|e| GitHubError::Setup(e.to_string()))?;
        Ok(GitHub {
            octo,
            config,
            identity: tokio::sync::OnceCell::new(),
            bot_login: std::sync::Mutex::new(None),
        })
    }

    /// One REST call with retries on 5xx and rate limits. Returns the body text.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retries: Retries,
    ) -> Result<String, GitHubError> {
        let policy = RetryPolicy {
            max_attempts: if retries == Retries::Never {
                1
            } else {
                self.config.max_attempts.max(1)
            },
            ..self.config.retry_policy()
        };
        policy
            .run(|| async {
                self.once(&method, path, body).await.map_err(|failed| {
                    if retries == Retries::RateLimitsOnly && !failed.rate_limited {
                        Failed {
                            again: Again::No,
                            ..failed
                        }
                    } else {
                        failed
                    }
                })
            })
            .await
            .map_err(|failed| failed.error)
    }

    /// One request. On failure: the error and, when worth retrying, `Some(wait)`
    /// (`Some(None)` = use the backoff delay).
    async fn once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<String, Failed> {
        let req_err = |message: String| GitHubError::Request {
            method: method.to_string(),
            path: path.to_owned(),
            message,
        };
        let sent = match *method {
            Method::GET => self.octo._get(path).await,
            Method::POST => self.octo._post(path, body).await,
            Method::PATCH => self.octo._patch(path, body).await,
            Method::PUT => self.octo._put(path, body).await,
            _ => return Err(Failed::stop(req_err("unsupported method".into()))),
        };
        let resp = match sent {
            Ok(r) => r,
            // Transport errors (refused, reset, timed out) are worth another try.
            Err(e) => return Err(Failed::backoff(req_err(transport_message(&e)))),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = self
            .octo
            .body_to_string(resp)
            .await
            .map_err(|e| Failed::backoff(req_err(transport_message(&e))))?;
        if status.is_success() {
            return Ok(text);
        }
        if status.is_redirection() {
            // Never followed: a redirected POST would come back as a GET and read as
            // success, and a token must not travel to wherever it points.
            let to = headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nowhere");
            return Err(Failed::stop(GitHubError::Status {
                method: method.to_string(),
                path: path.to_owned(),
                status: status.as_u16(),
                message: format!(
                    "redirected to {}; apiwatch does not follow redirects from the GitHub API (was the repository renamed or moved?)",
                    to.chars().take(200).collect::<String>()
                ),
            }));
        }
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        let err = GitHubError::Status {
            method: method.to_string(),
            path: path.to_owned(),
            status: status.as_u16(),
            message: message.clone(),
        };
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after").and_then(|v| crate::fetch::parse_retry_after(&v));
        let reset_wait = (header("x-ratelimit-remaining").as_deref() == Some("0"))
            .then(|| header("x-ratelimit-reset").and_then(|r| r.parse::<i64>().ok()))
            .flatten()
            .map(|reset| {
                Duration::from_secs(
                    u64::try_from(reset - jiff::Timestamp::now().as_second()).unwrap_or(0) + 1,
                )
            });
        let rate_limited = status.as_u16() == 429
            || (status.as_u16() == 403
                && (retry_after.is_some()
                    || reset_wait.is_some()
                    || message.contains("rate limit")));
        let again = if rate_limited {
            Again::After(
                retry_after
                    .or(reset_wait)
                    .unwrap_or(Duration::from_secs(60)),
            )
        } else if status.is_server_error() {
            retry_after.map_or(Again::AfterBackoff, Again::After)
        } else {
            Again::No
        };
        Err(Failed {
            error: err,
            again,
            rate_limited,
        })
    }

    /// The bot account an installation token files as, as far as known.
    pub fn bot_login(&self) -> Option<String> {
        self.bot_login
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Tells the client the bot account apiwatch filed as on an earlier run.
    pub fn remember_bot_login(&self, login: Option<String>) {
        if let Some(login) = login {
            *self
                .bot_login
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(login);
        }
    }

    /// Learns the author of an issue this run created, when it is a bot.
    fn learn_bot_login(&self, created: &str) {
        let author = serde_json::from_str::<Value>(created)
            .ok()
            .and_then(|v| v.get("user").cloned())
            .and_then(|u| serde_json::from_value::<GhUser>(u).ok());
        if let Some(author) = author.filter(|a| a.kind == "Bot") {
            self.remember_bot_login(Some(author.login));
        }
    }

    /// Which account the token acts as. `/user` is retried like every read; an
    /// installation token is refused it (403), which says what kind of token it is.
    async fn identity(&self) -> Identity {
        self.identity
            .get_or_init(|| async {
                match self.call(Method::GET, "/user", None, Retries::All).await {
                    Ok(text) => serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v.get("login")?.as_str().map(str::to_owned))
                        .map_or_else(
                            || Identity::Unknown("GET /user gave no login".into()),
                            Identity::Login,
                        ),
                    // A rate limit that outlasted the retries is no statement about
                    // the token: only a plain refusal says "installation token".
                    Err(GitHubError::Status {
                        status: 403,
                        ref message,
                        ..
                    }) if !message.to_ascii_lowercase().contains("rate limit") => {
                        Identity::Installation
                    }
                    Err(e) => Identity::Unknown(e.to_string()),
                }
            })
            .await
            .clone()
    }

    /// Every issue in `repo` that carries apiwatch's label and key marker and that
    /// apiwatch filed: with a personal or machine-user token, the issues its login
    /// created; with an installation token, those a bot created. A person's issue
    /// with a copied marker is never among them. When the token's account cannot
    /// be learned, the issues are listed as unverified and left alone.
    pub async fn list(&self, repo: &str) -> Result<Vec<ExistingIssue>, GitHubError> {
        let identity = self.identity().await;
        let creator = match &identity {
            Identity::Login(l) => format!("&creator={l}"),
            _ => String::new(),
        };
        let mut out = Vec::new();
        for page in 1..=50 {
            let path = format!(
                "/repos/{repo}/issues?labels=apiwatch&state=all&per_page=100&page={page}{creator}"
            );
            let text = self.call(Method::GET, &path, None, Retries::All).await?;
            let issues: Vec<GhIssue> =
                serde_json::from_str(&text).map_err(|e| GitHubError::Request {
                    method: "GET".into(),
                    path: path.clone(),
                    message: format!("unexpected response: {e}"),
                })?;
            let n = issues.len();
            for i in issues.into_iter().filter(|i| i.pull_request.is_none()) {
                let body = i.body.unwrap_or_default();
                let Some(key) = key_of(&body) else { continue };
                let bot = self.bot_login();
                let Some(owner) = owner(&identity, i.user.as_ref(), bot.as_deref()) else {
                    continue;
                };
                out.push(ExistingIssue {
                    contract: contract_of(&body),
                    repo: repo.to_owned(),
                    number: i.number,
                    key,
                    title: i.title,
                    open: i.state == "open",
                    not_planned: i.state_reason.as_deref() == Some("not_planned"),
                    labels: i
                        .labels
                        .into_iter()
                        .map(|l| l.name)
                        .collect::<BTreeSet<_>>(),
                    body,
                    owner,
                });
            }
            if n < 100 {
                break;
            }
        }
        Ok(out)
    }

    /// Creates an issue. Never retried blindly: after a failed or timed-out
    /// attempt the repository is listed again, and an issue carrying the key counts
    /// as created. A rate limit's wait is honoured like on every other request.
    async fn create(&self, repo: &str, key: &str, payload: &Value) -> Result<(), GitHubError> {
        let path = format!("/repos/{repo}/issues");
        let policy = self.config.retry_policy();
        let mut delays = policy.delays();
        let mut last = None;
        for attempt in 0..policy.max_attempts {
            if attempt > 0 && self.list(repo).await?.iter().any(|e| e.key == key) {
                // The failed attempt created it after all.
                return Ok(());
            }
            let failed = match self.once(&Method::POST, &path, Some(payload)).await {
                Ok(text) => {
                    self.learn_bot_login(&text);
                    return Ok(());
                }
                Err(failed) => failed,
            };
            let wait = match failed.again {
                Again::No => return Err(failed.error),
                Again::After(wait) if wait > policy.max_wait => return Err(failed.error),
                Again::After(wait) => wait,
                Again::AfterBackoff => delays.next().unwrap_or(policy.min_delay),
            };
            last = Some(failed.error);
            tokio::time::sleep(wait).await;
        }
        if self.list(repo).await?.iter().any(|e| e.key == key) {
            return Ok(());
        }
        Err(last.unwrap_or_else(|| GitHubError::Setup("create failed".into())))
    }

    /// The bodies of an issue's comments (the first 100, where apiwatch's are).
    async fn comments(&self, path: &str) -> Result<Vec<String>, GitHubError> {
        let listing = format!("{path}?per_page=100");
        let text = self.call(Method::GET, &listing, None, Retries::All).await?;
        let comments: Vec<Value> =
            serde_json::from_str(&text).map_err(|e| GitHubError::Request {
                method: "GET".into(),
                path: listing.clone(),
                message: format!("unexpected response: {e}"),
            })?;
        Ok(comments
            .iter()
            .filter_map(|c| c.get("body").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }

    /// Applies one operation.
    pub async fn apply(&self, op: &IssueOp) -> Result<(), GitHubError> {
        match op {
            IssueOp::Create {
                repo,
                key,
                title,
                body,
                labels,
                assignees,
            } => {
                let payload = json!({ "title": title, "body": body, "labels": labels, "assignees": assignees });
                self.create(repo, key, &payload).await
            }
            IssueOp::UpdateBody {
                repo,
                number,
                title,
                body,
                ..
            } => self
                .call(
                    Method::PATCH,
                    &format!("/repos/{repo}/issues/{number}"),
                    Some(&json!({ "title": title, "body": body })),
                    Retries::All,
                )
                .await
                .map(drop),
            IssueOp::Comment {
                repo, number, body, ..
            } => {
                let path = format!("/repos/{repo}/issues/{number}/comments");
                // Posted already, by an attempt whose answer was lost?
                if let Some(marker) = comment_marker(body)
                    && self
                        .comments(&path)
                        .await?
                        .iter()
                        .any(|c| comment_marker(c) == Some(marker))
                {
                    return Ok(());
                }
                self.call(
                    Method::POST,
                    &path,
                    Some(&json!({ "body": body })),
                    Retries::RateLimitsOnly,
                )
                .await
                .map(drop)
            }
            IssueOp::Close {
                repo,
                number,
                duplicate_of,
                ..
            } => {
                let path = format!("/repos/{repo}/issues/{number}");
                let close = |reason: &str| json!({ "state": "closed", "state_reason": reason });
                match duplicate_of {
                    None => self
                        .call(
                            Method::PATCH,
                            &path,
                            Some(&close("completed")),
                            Retries::All,
                        )
                        .await
                        .map(drop),
                    // `duplicate` is recent: a server that refuses it (422, older
                    // GitHub Enterprise) gets `not_planned`; the comment has the link.
                    Some(_) => match self
                        .call(
                            Method::PATCH,
                            &path,
                            Some(&close("duplicate")),
                            Retries::All,
                        )
                        .await
                    {
                        Err(GitHubError::Status { status: 422, .. }) => self
                            .call(
                                Method::PATCH,
                                &path,
                                Some(&close("not_planned")),
                                Retries::All,
                            )
                            .await
                            .map(drop),
                        other => other.map(drop),
                    },
                }
            }
            IssueOp::Reopen { repo, number, .. } => self
                .call(
                    Method::PATCH,
                    &format!("/repos/{repo}/issues/{number}"),
                    Some(&json!({ "state": "open" })),
                    Retries::All,
                )
                .await
                .map(drop),
            IssueOp::SetLabels {
                repo,
                number,
                labels,
                ..
            } => self
                .call(
                    Method::PUT,
                    &format!("/repos/{repo}/issues/{number}/labels"),
                    Some(&json!({ "labels": labels })),
                    Retries::All,
                )
                .await
                .map(drop),
        }
    }
}

/// Whether an issue apiwatch listed is its own, given who the token is and who
/// wrote the issue; `None`: a person's (or another account's) issue, skipped.
/// With an installation token, a bot's issue is apiwatch's; once the bot account
/// apiwatch files as is known, only that bot's (another workflow's or App's bot
/// carrying a copied marker is not).
fn owner(identity: &Identity, author: Option<&GhUser>, bot: Option<&str>) -> Option<Owner> {
    match identity {
        Identity::Login(login) => author
            .is_some_and(|a| &a.login == login)
            .then_some(Owner::Apiwatch),
        Identity::Installation => author
            .is_some_and(|a| a.kind == "Bot" && bot.is_none_or(|b| a.login == b))
            .then_some(Owner::Apiwatch),
        Identity::Unknown(why) => Some(Owner::Unverified {
            reason: format!("cannot learn which account the token is ({why})"),
        }),
    }
}

fn transport_message(e: &octocrab::Error) -> String {
    // octocrab's Display can be terse ("Service Error"); the source chain says what happened.
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !msg.contains(&t) {
            msg.push_str(": ");
            msg.push_str(&t);
        }
        source = s.source();
    }
    msg
}
