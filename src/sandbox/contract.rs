//! A contract's `[sandbox]` section as sandbox [`Options`]: the credentials it
//! names (read from the environment), and the embedded sandbox's behaviour.

use super::Options;
use super::auth::{Emulation, OAuth2};
use super::faults::{Faults, RateLimit, SunsetRule};
use crate::map::{AuthKind, Sandbox};

/// The token endpoint's path when the contract names no `token_url`.
pub const DEFAULT_TOKEN_PATH: &str = "/oauth/token";
/// How long access tokens live when the contract does not say.
pub const DEFAULT_EXPIRES_IN: u64 = 3600;

/// Options for serving `sandbox`; `env` reads an environment variable. A
/// credential whose variable is unset is an error that names it.
pub fn options(sandbox: &Sandbox, env: &dyn Fn(&str) -> Option<String>) -> Result<Options, String> {
    let get = |role: &str| -> Result<String, String> {
        let var = sandbox
            .credentials
            .get(role)
            .ok_or_else(|| format!("`credentials` has no `{role}` (the sandbox checks it)"))?;
        env(var).ok_or_else(|| {
            format!("{var} is not set (the `{role}` the sandbox checks requests against)")
        })
    };
    let m = &sandbox.mock;
    let auth = match sandbox.auth {
        AuthKind::None => Emulation::None,
        AuthKind::ApiKey => Emulation::ApiKey {
            header: sandbox
                .api_key_header
                .clone()
                .unwrap_or_else(|| "Authorization".into()),
            value: get("api_key")?,
        },
        AuthKind::Bearer => Emulation::Bearer {
            token: get("token")?,
        },
        AuthKind::Basic => Emulation::Basic {
            user: get("username")?,
            password: get("password")?,
        },
        AuthKind::Oauth2 => Emulation::OAuth2(OAuth2 {
            client_id: get("client_id")?,
            client_secret: get("client_secret")?,
            refresh_token: get("refresh_token").ok(),
            token_path: sandbox
                .token_url
                .as_deref()
                .and_then(|u| reqwest::Url::parse(u).ok())
                .map(|u| u.path().to_owned())
                .unwrap_or_else(|| DEFAULT_TOKEN_PATH.to_owned()),
            expires_in: m.token_expires_in.unwrap_or(DEFAULT_EXPIRES_IN),
            rotate: m.rotate_refresh_tokens,
            revoked: false,
        }),
    };
    let rate_limit = m.rate_limit.as_ref().map(|r| {
        let mut limit = RateLimit::new(r.requests, r.per_seconds);
        if let Some(h) = &r.limit_header {
            limit.limit_header = h.clone();
        }
        if let Some(h) = &r.remaining_header {
            limit.remaining_header = h.clone();
        }
        if let Some(h) = &r.reset_header {
            limit.reset_header = h.clone();
        }
        limit
    });
    Ok(Options {
        seed: m.seed,
        stateful: m.stateful,
        collections: m
            .collections
            .iter()
            .map(|(c, i)| (c.clone(), i.clone()))
            .collect(),
        auth,
        faults: Faults {
            latency_ms: m.latency_ms.as_deref().and_then(crate::map::parse_latency),
            error_rate: m.error_rate.unwrap_or(0.0),
            rate_limit,
            sunsets: m
                .sunset
                .iter()
                .map(|s| SunsetRule {
                    operation: s.operation.clone(),
                    sunset: s.date.clone(),
                    deprecated: s.deprecated.clone(),
                    link: s.link.clone(),
                })
                .collect(),
        },
        ..Options::default()
    })
}
