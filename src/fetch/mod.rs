//! FETCH: a [`Location`] in, a [`FetchedDoc`] (bytes, media type, source) out.
//!
//! Every network read of the pipeline goes through one [`Fetcher`]: connect and
//! total timeouts; bounded retries with exponential backoff and jitter (backon) on
//! connection errors, truncated bodies and 5xx; `Retry-After` (seconds or HTTP date)
//! honoured on 429 and 503 up to a cap; per-host concurrency and request-rate limits
//! (governor) under a global limit; gzip/brotli; a size cap enforced while the body
//! streams in; bounded redirects; a clear `User-Agent`. Conditional requests use the
//! ETag / Last-Modified validators kept by [`cache::Cache`], so an unchanged upstream
//! costs a 304. Credentials are attached from environment variables by name and never
//! appear in errors or logs.
//!
//! A fetch never writes anything the pipeline relies on until the caller has
//! validated the bytes ([`Fetcher::remember`]); a failed or partial fetch leaves the
//! cache (and the snapshots, which only `pin` writes) byte-identical.

pub mod cache;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::sync::Semaphore;

use crate::config::{Location, SourceCredential};
use crate::retry::{Again, RetryPolicy, Verdict};

/// The header a credential goes in, marked sensitive so it is never shown.
pub fn credential_headers(credential: Option<&SourceCredential>) -> Result<HeaderMap, FetchError> {
    let mut headers = HeaderMap::new();
    let Some(c) = credential else {
        return Ok(headers);
    };
    let value = std::env::var(&c.env)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FetchError::MissingCredential {
            name: c.env.clone(),
        })?;
    let (name, text) = match &c.header {
        Some(h) => (h.as_str(), value),
        None => ("authorization", format!("Bearer {value}")),
    };
    let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        FetchError::MissingCredential {
            name: c.env.clone(),
        }
    })?;
    let mut v = HeaderValue::from_str(&text).map_err(|_| FetchError::MissingCredential {
        name: c.env.clone(),
    })?;
    v.set_sensitive(true);
    headers.insert(name, v);
    Ok(headers)
}

/// How fetching behaves. The defaults suit a nightly job against vendor sites.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; longer ones fail the fetch instead.
    pub retry_after_cap: Duration,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Requests in flight at once, across all hosts.
    pub global_concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Requests started per second to one host.
    pub per_host_rate: u32,
    /// When the whole run must be done fetching (`--deadline`): a fetch still going
    /// then, retries and waits included, fails as unreachable, so that a slow host
    /// cannot keep the night from writing its report and issues.
    pub deadline: Option<tokio::time::Instant>,
}

impl FetchConfig {
    /// Retries as configured; a `Retry-After` past the cap already failed the attempt.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts,
            min_delay: self.min_delay,
            max_delay: self.max_delay,
            max_wait: self.retry_after_cap,
        }
    }
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_attempts: 4,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            max_body_bytes: crate::spec::load::MAX_SPEC_BYTES,
            max_redirects: 5,
            global_concurrency: 32,
            per_host_concurrency: 4,
            per_host_rate: 10,
            deadline: None,
        }
    }
}

/// Bytes as fetched, with where they came from.
#[derive(Debug, Clone)]
pub struct FetchedDoc {
    pub source: String,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// Validators to store once the caller has checked the bytes.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The upstream answered 304: these are the cached bytes.
    pub not_modified: bool,
    /// How many requests it took.
    pub attempts: usize,
}

/// Why a fetch failed. Messages name the source and never carry credentials.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("{source_name}: cannot read: {message}")]
    Io {
        source_name: String,
        message: String,
    },
    #[error("{url}: {message} (after {attempts} attempt{})", if *attempts == 1 { "" } else { "s" })]
    Http {
        url: String,
        message: String,
        attempts: usize,
    },
    #[error("{url}: HTTP {status} (after {attempts} attempt{})", if *attempts == 1 { "" } else { "s" })]
    Status {
        url: String,
        status: u16,
        attempts: usize,
    },
    #[error("{url}: asked to wait {wait_secs} s (Retry-After), longer than the {cap_secs} s cap")]
    RetryAfterTooLong {
        url: String,
        wait_secs: u64,
        cap_secs: u64,
    },
    #[error("{url}: the body is over the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: unexpected content type `{content_type}` for a spec or changelog")]
    ContentType { url: String, content_type: String },
    #[error("{url}: not done by the run's deadline (--deadline); left for the next run")]
    Deadline { url: String },
    #[error("the credential environment variable {name} is not set (or not a valid header value)")]
    MissingCredential { name: String },
}

impl Verdict for Attempt {
    fn again(&self) -> Again {
        match (self.retryable, self.retry_after) {
            (false, _) => Again::No,
            (true, Some(wait)) => Again::After(wait),
            (true, None) => Again::AfterBackoff,
        }
    }
}

/// One attempt's failure, before retrying decides.
#[derive(Debug)]
struct Attempt {
    error: FetchError,
    retryable: bool,
    retry_after: Option<Duration>,
}

struct HostGates {
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
    rate: RateLimiter<
        String,
        governor::state::keyed::DefaultKeyedStateStore<String>,
        governor::clock::DefaultClock,
    >,
}

/// The shared HTTP layer.
pub struct Fetcher {
    client: reqwest::Client,
    /// For requests that carry a credential: redirects are followed only within the
    /// same origin, so a credential never travels to another host.
    credentialed: reqwest::Client,
    config: FetchConfig,
    global: Semaphore,
    gates: HostGates,
    cache: Option<cache::Cache>,
    /// Problems that did not fail a fetch (a cache that cannot be written), for the
    /// caller to report: the library does not print.
    warnings: std::sync::Mutex<Vec<String>>,
}

impl Fetcher {
    /// A fetcher; with `cache_dir`, conditional requests and a body cache are used.
    pub fn new(config: FetchConfig, cache_dir: Option<&Path>) -> Result<Fetcher, FetchError> {
        let build = |policy: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .user_agent(concat!(
                    "apiwatch/",
                    env!("CARGO_PKG_VERSION"),
                    " (API change watcher; +https://github.com/apiwatch/apiwatch)"
                ))
                .connect_timeout(config.connect_timeout)
                .timeout(config.timeout)
                .redirect(policy)
                .build()
                .map_err(|e| FetchError::Http {
                    url: String::new(),
                    message: e.to_string(),
                    attempts: 0,
                })
        };
        let client = build(reqwest::redirect::Policy::limited(config.max_redirects))?;
        let max = config.max_redirects;
        let credentialed = build(reqwest::redirect::Policy::custom(move |attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if attempt.previous().len() > max {
                attempt.error("too many redirects")
            } else if same_origin {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }))?;
        let rate = NonZeroU32::new(config.per_host_rate.max(1)).unwrap_or(NonZeroU32::MIN);
        Ok(Fetcher {
            client,
            credentialed,
            global: Semaphore::new(config.global_concurrency.max(1)),
            gates: HostGates {
                per_host: Mutex::new(HashMap::new()),
                rate: RateLimiter::keyed(Quota::per_second(rate)),
            },
            cache: cache_dir.map(cache::Cache::new),
            config,
            warnings: std::sync::Mutex::new(Vec::new()),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Reads a file (relative to `root`) or downloads a URL, with the source's
    /// credential (read from its environment variable) when it has one.
    pub async fn fetch(
        &self,
        location: &Location,
        root: &Path,
        credential: Option<&SourceCredential>,
    ) -> Result<FetchedDoc, FetchError> {
        match location {
            Location::File(p) => {
                let source = p.display().to_string();
                let path =
                    crate::config::confined_file(root, p).map_err(|message| FetchError::Io {
                        source_name: source.clone(),
                        message,
                    })?;
                let bytes = tokio::fs::read(&path).await.map_err(|e| FetchError::Io {
                    source_name: source.clone(),
                    message: e.to_string(),
                })?;
                if bytes.len() > self.config.max_body_bytes {
                    return Err(FetchError::TooLarge {
                        url: source,
                        limit: self.config.max_body_bytes,
                    });
                }
                Ok(FetchedDoc {
                    source,
                    bytes,
                    content_type: None,
                    etag: None,
                    last_modified: None,
                    not_modified: false,
                    attempts: 1,
                })
            }
            Location::Url(url) => self.get(url, &credential_headers(credential)?).await,
        }
    }

    /// GETs a URL with retries; `headers` carry credentials (never logged).
    ///
    /// With a cache, the request carries the cached validators and a 304 reuses the
    /// cached body. A 304 that cannot be honoured (nothing cached, or the cached body
    /// is gone) earns one unconditional request; a 304 to that one is a failure.
    pub async fn get(&self, url: &str, headers: &HeaderMap) -> Result<FetchedDoc, FetchError> {
        match self.config.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, self.get_by(url, headers))
                .await
                .unwrap_or_else(|_| {
                    Err(FetchError::Deadline {
                        url: url.to_owned(),
                    })
                }),
            None => self.get_by(url, headers).await,
        }
    }

    /// [`Fetcher::get`] without the run's deadline.
    async fn get_by(&self, url: &str, headers: &HeaderMap) -> Result<FetchedDoc, FetchError> {
        let cached = self.cache.as_ref().and_then(|c| c.lookup(url));
        let mut conditional = headers.clone();
        if let Some(entry) = &cached {
            for (name, value) in [
                (reqwest::header::IF_NONE_MATCH, entry.etag.as_deref()),
                (
                    reqwest::header::IF_MODIFIED_SINCE,
                    entry.last_modified.as_deref(),
                ),
            ] {
                if let Some(v) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
                    conditional.insert(name, v);
                }
            }
        }
        let sent_validators = conditional.len() != headers.len();
        let mut doc = self.request(url, &conditional).await?;
        if !doc.not_modified {
            return Ok(doc);
        }
        let body = cached
            .as_ref()
            .and_then(|c| self.cache.as_ref().and_then(|cache| cache.body(c)));
        if let Some(bytes) = body {
            doc.bytes = bytes;
            return Ok(doc);
        }
        let mut attempts = doc.attempts;
        if sent_validators {
            if let Some(c) = &self.cache {
                c.forget(url);
            }
            let again = self.request(url, headers).await?;
            attempts += again.attempts;
            if !again.not_modified {
                return Ok(FetchedDoc { attempts, ..again });
            }
        }
        Err(FetchError::Http {
            url: url.to_owned(),
            message: "answered 304 Not Modified to a request without validators: \
                      there is no cached body to reuse"
                .to_owned(),
            attempts,
        })
    }

    /// One GET with retries, exactly as given: a 304 comes back as `not_modified`
    /// with no bytes, for [`Fetcher::get`] to resolve.
    async fn request(&self, url: &str, headers: &HeaderMap) -> Result<FetchedDoc, FetchError> {
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let host_gate = {
            let mut map = self
                .gates
                .per_host
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            map.entry(host.clone())
                .or_insert_with(|| {
                    Arc::new(Semaphore::new(self.config.per_host_concurrency.max(1)))
                })
                .clone()
        };
        let attempts = std::sync::atomic::AtomicUsize::new(0);
        let result = self
            .config
            .retry_policy()
            .run(|| async {
                let _global = self.global.acquire().await;
                let _host = host_gate.acquire().await;
                self.gates.rate.until_key_ready(&host).await;
                let n = attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                self.attempt(url, headers, n).await
            })
            .await;
        let attempts = attempts.load(std::sync::atomic::Ordering::SeqCst);
        match result {
            Ok(doc) => Ok(FetchedDoc { attempts, ..doc }),
            Err(a) => Err(match a.error {
                FetchError::Http { url, message, .. } => FetchError::Http {
                    url,
                    message,
                    attempts,
                },
                FetchError::Status { url, status, .. } => FetchError::Status {
                    url,
                    status,
                    attempts,
                },
                e => e,
            }),
        }
    }

    /// One request. Classifies failures as retryable or not.
    async fn attempt(
        &self,
        url: &str,
        headers: &HeaderMap,
        n: usize,
    ) -> Result<FetchedDoc, Attempt> {
        let fail = |error: FetchError, retryable: bool| Attempt {
            error,
            retryable,
            retry_after: None,
        };
        // Headers passed in carry a credential (conditional headers are added later).
        let client = if headers.contains_key(reqwest::header::AUTHORIZATION)
            || headers.keys().any(|k| {
                k != reqwest::header::IF_NONE_MATCH && k != reqwest::header::IF_MODIFIED_SINCE
            }) {
            &self.credentialed
        } else {
            &self.client
        };
        let resp = client
            .get(url)
            .headers(headers.clone())
            .send()
            .await
            .map_err(|e| http_failure(url, n, &e))?;
        let status = resp.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            return Err(fail(
                FetchError::Http {
                    url: url.to_owned(),
                    message: format!(
                        "HTTP {} redirect to another host: not followed with a credential",
                        status.as_u16()
                    ),
                    attempts: n,
                },
                false,
            ));
        }
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchedDoc {
                source: url.to_owned(),
                bytes: Vec::new(),
                content_type: None,
                etag: header(resp.headers(), "etag"),
                last_modified: header(resp.headers(), "last-modified"),
                not_modified: true,
                attempts: n,
            });
        }
        if !status.is_success() {
            return Err(self.status_failure(url, status, resp.headers(), n));
        }
        let content_type = header(resp.headers(), "content-type");
        if let Some(ct) = &content_type
            && !acceptable_content_type(ct)
        {
            return Err(fail(
                FetchError::ContentType {
                    url: url.to_owned(),
                    content_type: ct.clone(),
                },
                false,
            ));
        }
        let limit = self.config.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(fail(
                FetchError::TooLarge {
                    url: url.to_owned(),
                    limit,
                },
                false,
            ));
        }
        let etag = header(resp.headers(), "etag");
        let last_modified = header(resp.headers(), "last-modified");
        let bytes = self.read_body(resp, url, n).await?;
        Ok(FetchedDoc {
            source: url.to_owned(),
            bytes,
            content_type,
            etag,
            last_modified,
            not_modified: false,
            attempts: n,
        })
    }

    /// A non-success status as a failed attempt: 5xx, 429 and 408 are worth another
    /// try; a `Retry-After` longer than the cap fails at once (waiting would stall
    /// the night).
    fn status_failure(
        &self,
        url: &str,
        status: StatusCode,
        headers: &HeaderMap,
        n: usize,
    ) -> Attempt {
        let retry_after = if status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::SERVICE_UNAVAILABLE
        {
            header(headers, "retry-after").and_then(|v| parse_retry_after(&v))
        } else {
            None
        };
        if let Some(wait) = retry_after
            && wait > self.config.retry_after_cap
        {
            return Attempt {
                error: FetchError::RetryAfterTooLong {
                    url: url.to_owned(),
                    wait_secs: wait.as_secs(),
                    cap_secs: self.config.retry_after_cap.as_secs(),
                },
                retryable: false,
                retry_after: None,
            };
        }
        let retryable = status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT;
        Attempt {
            error: FetchError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                attempts: n,
            },
            retryable,
            retry_after,
        }
    }

    /// The body, streamed, never more than the size cap (a server may lie about or
    /// omit Content-Length). A body cut short is worth another try.
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        url: &str,
        n: usize,
    ) -> Result<Vec<u8>, Attempt> {
        let limit = self.config.max_body_bytes;
        let mut bytes = Vec::new();
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => return Ok(bytes),
                Err(e) => return Err(http_failure(url, n, &e)),
            };
            if bytes.len() + chunk.len() > limit {
                return Err(Attempt {
                    error: FetchError::TooLarge {
                        url: url.to_owned(),
                        limit,
                    },
                    retryable: false,
                    retry_after: None,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
    }

    /// Stores a fetched document's validators and body once the caller has checked
    /// that it parses. Nothing is cached for a document that did not.
    pub fn remember(&self, doc: &FetchedDoc) {
        if let Some(c) = &self.cache
            && !doc.not_modified
            && (doc.etag.is_some() || doc.last_modified.is_some())
            && let Err(e) = c.store(doc)
        {
            self.warnings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(format!("cannot cache {}: {e}", doc.source));
        }
    }

    /// The warnings gathered so far, in the order they arose; they are not kept.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .warnings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// A transport failure as a failed attempt: timeouts, refused connections and cut
/// bodies are worth another try; too many redirects are not.
fn http_failure(url: &str, n: usize, e: &reqwest::Error) -> Attempt {
    let retryable =
        e.is_timeout() || e.is_connect() || e.is_body() || e.is_request() || e.is_decode();
    let message = if e.is_redirect() {
        "too many redirects".to_owned()
    } else {
        describe(e)
    };
    Attempt {
        error: FetchError::Http {
            url: url.to_owned(),
            message,
            attempts: n,
        },
        retryable: retryable && !e.is_redirect(),
        retry_after: None,
    }
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Specs and changelogs come as JSON, YAML, HTML, XML feeds, Markdown or plain text;
/// anything else (an image, a zip) is not what the source should serve.
pub fn acceptable_content_type(ct: &str) -> bool {
    let ct = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("yaml")
        || ct.contains("xml")
        || ct == "application/octet-stream"
        || ct == "application/x-www-form-urlencoded"
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(v)
        .ok()?;
    let now = jiff::Timestamp::now();
    let wait = when.as_millisecond() - now.as_millisecond();
    Some(Duration::from_millis(
        u64::try_from(wait.max(0)).unwrap_or(0),
    ))
}

/// reqwest errors repeat the URL (which may carry a query token): drop it.
pub fn describe(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(u) = e.url() {
        msg = msg
            .replace(&format!(" for url ({u})"), "")
            .replace(&format!(" ({u})"), "")
            .replace(u.as_str(), "<url>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_both_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        let future = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(30))
            .unwrap();
        let http_date = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&future)
            .unwrap();
        let wait = parse_retry_after(&http_date).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn content_types() {
        assert!(acceptable_content_type("application/json; charset=utf-8"));
        assert!(acceptable_content_type("text/plain"));
        assert!(acceptable_content_type("application/vnd.oai.openapi+yaml"));
        assert!(!acceptable_content_type("image/png"));
        assert!(!acceptable_content_type("application/zip"));
    }
}
