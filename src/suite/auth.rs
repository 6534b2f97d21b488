//! Credentials the way the integration uses them in production.
//!
//! API keys (header or query), bearer tokens and basic credentials come from the
//! environment variables the contract names. OAuth 2.0 gets an access token from
//! `token_url` — the refresh-token grant when the contract names a refresh token,
//! else client credentials — and renews it *before* it expires: once less than a
//! margin of its lifetime (a fifth, at most a minute) is left, the next request
//! fetches a new one first, so a sync never meets a `401` for an expired token. A
//! `401` all the same gets one renewal and one retry. A refresh token the vendor
//! rotates is used for the rest of the run and reported (apiwatch never writes
//! secrets); `invalid_grant` means the stored credentials need renewing by a
//! person. Tokens live in memory only; every value is registered for redaction.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::budget::Budget;
use crate::map::{AuthKind, Sandbox};
use crate::retry::{Again, RetryPolicy};
use crate::sandbox::Clock;

/// The longest margin before expiry at which a token is renewed.
const MAX_MARGIN: Duration = Duration::from_secs(60);

/// Why no credentials could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthProblem {
    /// The refresh token (or client) is expired or revoked: `invalid_grant`.
    Expired(String),
    /// Anything else: a variable not set, the token endpoint failing.
    Failed(String),
}

impl AuthProblem {
    pub fn message(&self) -> &str {
        match self {
            AuthProblem::Expired(m) | AuthProblem::Failed(m) => m,
        }
    }
}

/// Where a credential goes on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Header(String, String),
    Query(String, String),
}

#[derive(Debug, Clone)]
enum Scheme {
    None,
    Fixed(Credential),
    OAuth {
        token_url: String,
        client_id: String,
        client_secret: String,
        /// The variable the refresh token came from, to name in the rotation notice.
        refresh_var: Option<String>,
    },
}

#[derive(Debug, Default)]
struct Tokens {
    access: Option<(String, jiff::Timestamp)>,
    refresh: Option<String>,
}

/// The credentials of one run against one sandbox.
pub struct Session {
    scheme: Scheme,
    tokens: tokio::sync::Mutex<Tokens>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    retry: RetryPolicy,
    /// Every secret seen, for redaction.
    secrets: Arc<Mutex<Vec<String>>>,
    /// Set when the vendor rotated the refresh token: the variable to update.
    rotated: Mutex<Option<String>>,
    /// Access tokens fetched.
    pub fetched: std::sync::atomic::AtomicUsize,
}

impl Session {
    /// The session for `sandbox`'s auth; `token_url` is where tokens come from
    /// (the embedded sandbox's own endpoint, or the contract's `token_url`).
    pub fn new(
        sandbox: &Sandbox,
        token_url: Option<String>,
        env: &dyn Fn(&str) -> Option<String>,
        clock: Arc<dyn Clock>,
        http: reqwest::Client,
        retry: RetryPolicy,
    ) -> Result<Session, AuthProblem> {
        let secrets = Arc::new(Mutex::new(Vec::new()));
        let get = |role: &str| -> Result<String, AuthProblem> {
            let var = sandbox
                .credentials
                .get(role)
                .ok_or_else(|| AuthProblem::Failed(format!("`credentials` has no `{role}`")))?;
            let value = env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                AuthProblem::Failed(format!("{var} is not set (the sandbox's `{role}`)"))
            })?;
            if let Ok(mut s) = secrets.lock() {
                s.push(value.clone());
            }
            Ok(value)
        };
        let mut tokens = Tokens::default();
        let scheme = match sandbox.auth {
            AuthKind::None => Scheme::None,
            AuthKind::ApiKey => {
                let key = get("api_key")?;
                Scheme::Fixed(match (&sandbox.api_key_query, &sandbox.api_key_header) {
                    (Some(q), _) => Credential::Query(q.clone(), key),
                    (None, Some(h)) => Credential::Header(h.clone(), key),
                    (None, None) => Credential::Header("Authorization".into(), key),
                })
            }
            AuthKind::Bearer => Scheme::Fixed(Credential::Header(
                "Authorization".into(),
                format!("Bearer {}", get("token")?),
            )),
            AuthKind::Basic => {
                let pair = format!("{}:{}", get("username")?, get("password")?);
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                Scheme::Fixed(Credential::Header(
                    "Authorization".into(),
                    format!("Basic {encoded}"),
                ))
            }
            AuthKind::Oauth2 => {
                let token_url = token_url.ok_or_else(|| {
                    AuthProblem::Failed("`auth = \"oauth2\"` needs `token_url`".into())
                })?;
                let refresh_var = sandbox.credentials.get("refresh_token").cloned();
                tokens.refresh = match &refresh_var {
                    Some(_) => Some(get("refresh_token")?),
                    None => None,
                };
                Scheme::OAuth {
                    token_url,
                    client_id: get("client_id")?,
                    client_secret: get("client_secret")?,
                    refresh_var,
                }
            }
        };
        Ok(Session {
            scheme,
            tokens: tokio::sync::Mutex::new(tokens),
            clock,
            http,
            retry,
            secrets,
            rotated: Mutex::new(None),
            fetched: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Every secret value this session has seen (credentials and tokens).
    pub fn secrets(&self) -> Vec<String> {
        self.secrets.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The variable to update when the vendor rotated the refresh token.
    pub fn rotated(&self) -> Option<String> {
        self.rotated.lock().ok().and_then(|r| r.clone())
    }

    /// Whether a `401` is worth one renewal and retry.
    pub fn renewable(&self) -> bool {
        matches!(self.scheme, Scheme::OAuth { .. })
    }

    /// The credential for the next request, renewing an OAuth token that is
    /// about to expire first.
    pub async fn credential(&self, budget: &Budget) -> Result<Option<Credential>, AuthProblem> {
        match &self.scheme {
            Scheme::None => Ok(None),
            Scheme::Fixed(c) => Ok(Some(c.clone())),
            Scheme::OAuth { .. } => {
                let mut tokens = self.tokens.lock().await;
                let now = self.clock.now();
                let fresh = tokens
                    .access
                    .as_ref()
                    .filter(|(_, renew_at)| now < *renew_at)
                    .map(|(t, _)| t.clone());
                let token = match fresh {
                    Some(t) => t,
                    None => self.fetch(&mut tokens, budget).await?,
                };
                Ok(Some(Credential::Header(
                    "Authorization".into(),
                    format!("Bearer {token}"),
                )))
            }
        }
    }

    /// Forgets the access token (after a `401`), so the next request fetches one.
    pub async fn invalidate(&self) {
        self.tokens.lock().await.access = None;
    }

    async fn fetch(&self, tokens: &mut Tokens, budget: &Budget) -> Result<String, AuthProblem> {
        let Scheme::OAuth {
            token_url,
            client_id,
            client_secret,
            refresh_var,
        } = &self.scheme
        else {
            return Err(AuthProblem::Failed("not an OAuth session".into()));
        };
        let mut form: Vec<(&str, &str)> =
            vec![("client_id", client_id), ("client_secret", client_secret)];
        match &tokens.refresh {
            Some(r) => form.extend([("grant_type", "refresh_token"), ("refresh_token", r)]),
            None => form.push(("grant_type", "client_credentials")),
        }
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", super::request::form_escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        // A token endpoint's bad moment (5xx, 429, no connection) is retried with
        // the one retry policy; asking for a token twice does no harm.
        let mut delays = self.retry.delays();
        let (asked, status, answer) = loop {
            budget.take(true).await;
            let asked = self.clock.now();
            let sent = self
                .http
                .post(token_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .body(body.clone())
                .send()
                .await;
            let (again, failure) = match sent {
                Err(e) => (
                    (!e.is_builder()).then_some(Again::AfterBackoff),
                    format!("the token endpoint failed: {}", crate::fetch::describe(&e)),
                ),
                Ok(reply) => {
                    let status = reply.status();
                    if status.as_u16() == 429 || status.is_server_error() {
                        let wait = reply
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(crate::fetch::parse_retry_after);
                        (
                            Some(wait.map_or(Again::AfterBackoff, Again::After)),
                            format!("the token endpoint answered {status}"),
                        )
                    } else {
                        let answer: Value =
                            serde_json::from_slice(&reply.bytes().await.unwrap_or_default())
                                .unwrap_or(Value::Null);
                        break (asked, status.as_u16(), answer);
                    }
                }
            };
            match again.and_then(|a| self.retry.wait(delays.next(), a)) {
                Some(wait) => self.clock.sleep(wait).await,
                None => return Err(AuthProblem::Failed(failure)),
            }
        };
        let error = answer.get("error").and_then(Value::as_str).unwrap_or("");
        if error == "invalid_grant" {
            let what = if tokens.refresh.is_some() {
                format!(
                    "the refresh token in {} is expired or revoked (invalid_grant): renew the integration's authorization and update the secret",
                    refresh_var.as_deref().unwrap_or("the environment")
                )
            } else {
                "the client credentials are expired or revoked (invalid_grant): renew them and update the secret".to_owned()
            };
            return Err(AuthProblem::Expired(what));
        }
        let Some(access) = answer.get("access_token").and_then(Value::as_str) else {
            let detail = answer
                .get("error_description")
                .or_else(|| answer.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("no access_token in the answer");
            return Err(AuthProblem::Failed(format!(
                "the token endpoint answered {status}: {}",
                crate::secrets::redact(detail)
            )));
        };
        let lifetime = answer
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .map(Duration::from_secs);
        // Renew once less than a margin is left: a fifth of the lifetime, at most a minute.
        let renew_at = lifetime.map_or(jiff::Timestamp::MAX, |life| {
            let margin = (life / 5).min(MAX_MARGIN);
            let usable =
                jiff::SignedDuration::try_from(life.saturating_sub(margin)).unwrap_or_default();
            asked.checked_add(usable).unwrap_or(jiff::Timestamp::MAX)
        });
        if let Ok(mut s) = self.secrets.lock() {
            s.push(access.to_owned());
        }
        if let Some(new) = answer.get("refresh_token").and_then(Value::as_str)
            && tokens.refresh.as_deref().is_some_and(|old| old != new)
        {
            if let Ok(mut s) = self.secrets.lock() {
                s.push(new.to_owned());
            }
            tokens.refresh = Some(new.to_owned());
            if let Ok(mut r) = self.rotated.lock() {
                *r = Some(
                    refresh_var
                        .clone()
                        .unwrap_or_else(|| "the refresh token".into()),
                );
            }
        }
        self.fetched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokens.access = Some((access.to_owned(), renew_at));
        Ok(access.to_owned())
    }
}
