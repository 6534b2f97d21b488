//! SANDBOX: a vendor API served from its spec, for contract tests to run against.
//!
//! One server, three uses: `apiwatch sandbox`, this library API (tests start it
//! in-process on a random port), and `apiwatch run` / `apiwatch test` for contracts
//! whose sandbox is embedded. Everything it does is reproducible from its seed:
//!
//! - [`routes`] prepares the spec's operations (path templates, parameters, bodies,
//!   responses, examples); [`request`] checks each request against its operation and
//!   answers `400`/`415`/`422` `application/problem+json` listing each violation;
//! - responses are the documented example (`Prefer: example=NAME` picks one), else a
//!   body [`generate`]d from the schema (`Prefer: dynamic=true` for a varied one);
//!   `Prefer: code=404` picks the status;
//! - [`state`] keeps records for `--stateful` collections (create, read, update,
//!   delete, list); [`auth`] checks API keys, bearer and basic credentials and runs an
//!   OAuth 2.0 token endpoint with expiring tokens, refresh, rotation and revocation;
//! - [`faults`] adds latency, server errors, a rate limit with its headers, and
//!   `Sunset`/`Deprecation` headers; drift is serving another spec than the pinned one;
//! - every request is logged as a JSON line ([`log`]).

pub mod auth;
pub mod contract;
pub mod faults;
pub mod generate;
pub mod log;
pub mod pattern;
pub mod request;
pub mod routes;
pub mod schema;
pub mod server;
pub mod shapes;
pub mod state;

use std::sync::{Arc, Mutex};

pub use server::{Running, Sandbox};

/// A wait a [`Clock`] hands out.
pub type Wait = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// What time it is, for token expiry, rate-limit windows, latency and waits: the
/// system clock, or one a test moves by hand (its waits move it and return at once).
pub trait Clock: Send + Sync {
    fn now(&self) -> jiff::Timestamp;

    /// Waits `d` of this clock's time.
    fn sleep(&self, d: std::time::Duration) -> Wait {
        Box::pin(tokio::time::sleep(d))
    }
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}

/// A clock that moves only when told to.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<jiff::Timestamp>>);

impl ManualClock {
    pub fn new(at: jiff::Timestamp) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn advance(&self, by: std::time::Duration) {
        if let Ok(mut t) = self.0.lock()
            && let Ok(span) = jiff::SignedDuration::try_from(by)
            && let Ok(next) = t.checked_add(span)
        {
            *t = next;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> jiff::Timestamp {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|p| *p.into_inner())
    }

    fn sleep(&self, d: std::time::Duration) -> Wait {
        self.advance(d);
        Box::pin(std::future::ready(()))
    }
}

/// How the sandbox behaves.
#[derive(Clone)]
pub struct Options {
    /// Makes generated bodies, ids, tokens and faults reproducible.
    pub seed: u64,
    /// Keep records for collections (`POST /contacts` then `GET /contacts/{id}`).
    pub stateful: bool,
    /// Collection path → item path, beside (or instead of) those found from path
    /// shapes.
    pub collections: Vec<(String, String)>,
    pub auth: auth::Emulation,
    pub faults: faults::Faults,
    /// A file the request log is appended to, as JSON lines.
    pub log_file: Option<std::path::PathBuf>,
    pub clock: Arc<dyn Clock>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 0,
            stateful: false,
            collections: Vec::new(),
            auth: auth::Emulation::None,
            faults: faults::Faults::default(),
            log_file: None,
            clock: Arc::new(SystemClock),
        }
    }
}
