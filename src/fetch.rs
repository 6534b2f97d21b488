//! FETCH: a [`Location`] in, a [`FetchedDoc`] (bytes, media type, source) out.
//!
//! Files are read relative to the map root; URLs go through reqwest with connect
//! and total timeouts, a bounded number of redirects, a clear `User-Agent`, and a
//! size cap enforced while the body streams in. This is the only module besides
//! the snapshot writer that touches the outside world for specs.

use std::path::Path;
use std::time::Duration;

use crate::map::Location;

/// The largest document fetched, in bytes.
pub const MAX_BODY_BYTES: usize = crate::spec::load::MAX_SPEC_BYTES;

/// Bytes as fetched, with where they came from.
#[derive(Debug, Clone)]
pub struct FetchedDoc {
    pub source: String,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{source_name}: cannot read: {err}")]
    Io {
        source_name: String,
        err: std::io::Error,
    },
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the body is over the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
}

/// An HTTP client configured the way every fetch should be.
pub fn client() -> Result<reqwest::Client, FetchError> {
    reqwest::Client::builder()
        .user_agent(concat!(
            "apiwatch/",
            env!("CARGO_PKG_VERSION"),
            " (+https://github.com/apiwatch)"
        ))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(|e| FetchError::Http {
            url: String::new(),
            message: e.to_string(),
        })
}

/// Reads a file (relative to `root`) or downloads a URL.
pub async fn fetch(location: &Location, root: &Path) -> Result<FetchedDoc, FetchError> {
    match location {
        Location::File(p) => {
            let path = if p.is_absolute() {
                p.clone()
            } else {
                root.join(p)
            };
            let source = p.display().to_string();
            let bytes = tokio::fs::read(&path).await.map_err(|err| FetchError::Io {
                source_name: source.clone(),
                err,
            })?;
            if bytes.len() > MAX_BODY_BYTES {
                return Err(FetchError::TooLarge {
                    url: source,
                    limit: MAX_BODY_BYTES,
                });
            }
            Ok(FetchedDoc {
                source,
                bytes,
                content_type: None,
            })
        }
        Location::Url(url) => fetch_url(&client()?, url).await,
    }
}

/// Downloads one URL with the size cap enforced while streaming.
pub async fn fetch_url(client: &reqwest::Client, url: &str) -> Result<FetchedDoc, FetchError> {
    let http = |e: reqwest::Error| FetchError::Http {
        url: url.to_owned(),
        message: without_url(&e),
    };
    let mut resp = client.get(url).send().await.map_err(http)?;
    let status = resp.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        });
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(FetchError::TooLarge {
            url: url.to_owned(),
            limit: MAX_BODY_BYTES,
        });
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(http)? {
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(FetchError::TooLarge {
                url: url.to_owned(),
                limit: MAX_BODY_BYTES,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(FetchedDoc {
        source: url.to_owned(),
        bytes,
        content_type,
    })
}

/// reqwest errors repeat the URL; the caller already names it.
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(u) = e.url() {
        msg = msg.replace(&format!(" ({u})"), "").replace(u.as_str(), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
