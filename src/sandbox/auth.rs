//! Credentials as a vendor checks them.
//!
//! API keys, bearer tokens and basic credentials are compared with the values the
//! contract's environment variables hold (in constant time). OAuth 2.0 gets a token
//! endpoint (RFC 6749): the `client_credentials`, `authorization_code` (any code) and
//! `refresh_token` grants, access
//! tokens that expire after `expires_in` seconds of the sandbox's clock, refresh
//! tokens that can rotate on use, and a switch that revokes them all, after which a
//! refresh is `invalid_grant`, as when a user disconnects the app.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use serde_json::{Value, json};

use super::generate::Rng;

/// Which credentials requests must carry.
#[derive(Debug, Clone, Default)]
pub enum Emulation {
    #[default]
    None,
    /// A key in a header (`Authorization` takes it with or without a scheme).
    ApiKey {
        header: String,
        value: String,
    },
    Bearer {
        token: String,
    },
    Basic {
        user: String,
        password: String,
    },
    OAuth2(OAuth2),
}

#[derive(Debug, Clone)]
pub struct OAuth2 {
    pub client_id: String,
    pub client_secret: String,
    /// A refresh token the integration already holds (from its environment).
    pub refresh_token: Option<String>,
    /// Where the token endpoint is served (`/oauth/token`).
    pub token_path: String,
    pub expires_in: u64,
    /// Each refresh issues a new refresh token and retires the one used.
    pub rotate: bool,
    /// Refresh tokens are refused from the start (`invalid_grant`).
    pub revoked: bool,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub body: Value,
}

fn unauthorized(scheme: &str, error: Option<&str>, message: &str) -> Refusal {
    let challenge = match error {
        Some(e) => format!("{scheme} realm=\"sandbox\", error=\"{e}\""),
        None => format!("{scheme} realm=\"sandbox\""),
    };
    Refusal {
        status: 401,
        www_authenticate: Some(challenge),
        body: json!({
            "type": "urn:apiwatch:sandbox:unauthorized",
            "title": "Unauthorized",
            "status": 401,
            "detail": message,
        }),
    }
}

/// Constant-time equality of two secrets.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// The issued tokens.
#[derive(Debug, Default)]
pub struct Tokens {
    /// Access token → when it expires.
    access: HashMap<String, jiff::Timestamp>,
    refresh: HashSet<String>,
    pub revoked: bool,
    issued: u64,
}

impl Tokens {
    pub fn new(emulation: &Emulation) -> Tokens {
        let mut t = Tokens::default();
        if let Emulation::OAuth2(o) = emulation {
            t.revoked = o.revoked;
            t.refresh.extend(o.refresh_token.clone());
        }
        t
    }

    fn mint(&mut self, kind: &str, seed: u64) -> String {
        self.issued += 1;
        let mut rng = Rng::seeded(&[
            &seed.to_le_bytes(),
            kind.as_bytes(),
            &self.issued.to_le_bytes(),
        ]);
        format!("sbx_{kind}_{:016x}{:016x}", rng.next_u64(), rng.next_u64())
    }
}

/// The credentials of an `Authorization` header for `scheme` (matched in any case,
/// as RFC 7235 says schemes are).
fn credentials<'h>(authorization: Option<&'h str>, scheme: &str) -> Option<&'h str> {
    let (s, rest) = authorization?.trim().split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// Whether a request's credentials are good (`headers` lower-cased).
pub fn check(
    emulation: &Emulation,
    headers: &HashMap<String, String>,
    tokens: &Tokens,
    now: jiff::Timestamp,
) -> Result<(), Refusal> {
    let authorization = headers.get("authorization").map(String::as_str);
    match emulation {
        Emulation::None => Ok(()),
        Emulation::ApiKey { header, value } => {
            let sent = headers.get(&header.to_ascii_lowercase()).map(|v| {
                // `Authorization: Bearer KEY`, `Authorization: Klaviyo-API-Key KEY`.
                if header.eq_ignore_ascii_case("authorization") {
                    v.rsplit(' ').next().unwrap_or(v).to_owned()
                } else {
                    v.clone()
                }
            });
            match sent {
                Some(v) if same(&v, value) => Ok(()),
                Some(_) => Err(unauthorized(
                    "ApiKey",
                    None,
                    &format!("the API key in `{header}` is not valid"),
                )),
                None => Err(unauthorized(
                    "ApiKey",
                    None,
                    &format!("an API key is required in the `{header}` header"),
                )),
            }
        }
        Emulation::Bearer { token } => match credentials(authorization, "Bearer") {
            Some(t) if same(t, token) => Ok(()),
            Some(_) => Err(unauthorized(
                "Bearer",
                Some("invalid_token"),
                "the bearer token is not valid",
            )),
            None => Err(unauthorized("Bearer", None, "a bearer token is required")),
        },
        Emulation::Basic { user, password } => {
            let decoded = credentials(authorization, "Basic")
                .and_then(|b| {
                    base64::engine::general_purpose::STANDARD
                        .decode(b.trim())
                        .ok()
                })
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            match decoded.as_deref().and_then(|d| d.split_once(':')) {
                Some((u, p)) if same(u, user) & same(p, password) => Ok(()),
                Some(_) => Err(unauthorized(
                    "Basic",
                    None,
                    "the user name or password is not valid",
                )),
                None => Err(unauthorized(
                    "Basic",
                    None,
                    "basic credentials are required",
                )),
            }
        }
        Emulation::OAuth2(_) => match credentials(authorization, "Bearer") {
            Some(t) => match tokens.access.get(t.trim()) {
                Some(expiry) if *expiry > now => Ok(()),
                Some(_) => Err(unauthorized(
                    "Bearer",
                    Some("invalid_token"),
                    "the access token has expired",
                )),
                None => Err(unauthorized(
                    "Bearer",
                    Some("invalid_token"),
                    "the access token is not one this server issued",
                )),
            },
            None => Err(unauthorized("Bearer", None, "an access token is required")),
        },
    }
}

/// What the token endpoint answers.
#[derive(Debug)]
pub struct TokenReply {
    pub status: u16,
    pub body: Value,
    /// On a `401`: the challenge (RFC 6749 §5.2 requires it when the client tried
    /// basic authentication).
    pub www_authenticate: Option<String>,
}

fn oauth_error(status: u16, error: &str, description: &str) -> TokenReply {
    TokenReply {
        status,
        body: json!({"error": error, "error_description": description}),
        www_authenticate: None,
    }
}

/// The token endpoint: a form (or JSON) body with `grant_type`; the client
/// authenticates with basic credentials or `client_id`/`client_secret` in the body.
pub fn token_endpoint(
    o: &OAuth2,
    headers: &HashMap<String, String>,
    body: &[u8],
    tokens: &mut Tokens,
    now: jiff::Timestamp,
    seed: u64,
) -> TokenReply {
    let fields: HashMap<String, String> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect(),
        _ => super::request::query_pairs(&String::from_utf8_lossy(body))
            .into_iter()
            .collect(),
    };
    let basic = credentials(headers.get("authorization").map(String::as_str), "Basic")
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| {
            let s = String::from_utf8_lossy(&b).into_owned();
            s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned()))
        });
    let used_basic = basic.is_some();
    let (id, secret) = match basic {
        Some(pair) => pair,
        None => (
            fields.get("client_id").cloned().unwrap_or_default(),
            fields.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if !(same(&id, &o.client_id) & same(&secret, &o.client_secret)) {
        let mut reply = oauth_error(401, "invalid_client", "unknown client or wrong secret");
        if used_basic {
            reply.www_authenticate = Some("Basic realm=\"sandbox\"".into());
        }
        return reply;
    }
    let grant = fields.get("grant_type").map(String::as_str).unwrap_or("");
    let issue_refresh = match grant {
        // RFC 6749 §4.4.3: no refresh token for client credentials.
        "client_credentials" => false,
        // The user's consent, as the app's redirect received it: any code will do.
        "authorization_code" => {
            if fields.get("code").is_none_or(|c| c.is_empty()) {
                return oauth_error(400, "invalid_request", "code is required");
            }
            true
        }
        "refresh_token" => {
            let Some(sent) = fields.get("refresh_token").filter(|t| !t.is_empty()) else {
                return oauth_error(400, "invalid_request", "refresh_token is required");
            };
            let sent = sent.as_str();
            if tokens.revoked || !tokens.refresh.contains(sent) {
                return oauth_error(
                    400,
                    "invalid_grant",
                    "the refresh token is invalid, expired or revoked",
                );
            }
            if o.rotate {
                tokens.refresh.remove(sent);
            }
            o.rotate
        }
        "" => return oauth_error(400, "invalid_request", "grant_type is required"),
        other => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                &format!("grant type `{other}` is not supported"),
            );
        }
    };
    let access = tokens.mint("at", seed);
    let expiry = now
        .checked_add(jiff::SignedDuration::from_secs(
            i64::try_from(o.expires_in).unwrap_or(i64::MAX / 2),
        ))
        .unwrap_or(jiff::Timestamp::MAX);
    tokens.access.insert(access.clone(), expiry);
    let mut reply = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": o.expires_in,
    });
    if issue_refresh {
        let refresh = tokens.mint("rt", seed);
        tokens.refresh.insert(refresh.clone());
        reply["refresh_token"] = json!(refresh);
    }
    TokenReply {
        status: 200,
        body: reply,
        www_authenticate: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_in_full() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }
}
