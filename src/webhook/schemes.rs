//! The signature schemes vendors sign webhook deliveries with: what bytes each
//! signs, with which MAC or signature, in which header and encoding, and how old
//! a delivery may be. Signing and verifying are the same computation read both
//! ways; the cryptography is RustCrypto's (hmac, sha1, sha2, p256), comparisons
//! are constant-time.
//!
//! | scheme | header | signed bytes | algorithm | encoding | timestamp |
//! |---|---|---|---|---|---|
//! | `hubspot-v1` | `X-HubSpot-Signature` | secret + body | SHA-256 | hex | — |
//! | `hubspot-v2` | `X-HubSpot-Signature` | secret + method + URL + body | SHA-256 | hex | — |
//! | `hubspot-v3` | `X-HubSpot-Signature-v3` | method + URL (some characters decoded) + body + timestamp | HMAC-SHA256 | base64 | ms, 5 min |
//! | `stripe` | `Stripe-Signature: t=…,v1=…` | t + `.` + body | HMAC-SHA256 | hex, any `v1` | s, 5 min |
//! | `slack` | `X-Slack-Signature: v0=…` | `v0:` + timestamp + `:` + body | HMAC-SHA256 | hex | s, 5 min |
//! | `twilio` | `X-Twilio-Signature` | URL + sorted form fields (name + value); JSON: the URL with `bodySHA256` | HMAC-SHA1 | base64 | — |
//! | `sendgrid` | `X-Twilio-Email-Event-Webhook-Signature` | timestamp + body | ECDSA P-256, SHA-256 | base64 DER | s, 5 min |
//! | `shopify` | `X-Shopify-Hmac-Sha256` | body | HMAC-SHA256 | base64 | — |
//! | `github` | `X-Hub-Signature-256: sha256=…` | body | HMAC-SHA256 | hex | — |
//! | `hmac-sha256`, `hmac-sha1` | configurable | body | HMAC | hex or base64, prefix | — |

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    HubspotV1,
    HubspotV2,
    HubspotV3,
    Stripe,
    Slack,
    Twilio,
    Sendgrid,
    Shopify,
    Github,
    HmacSha256,
    HmacSha1,
}

impl Scheme {
    pub const ALL: &'static [Scheme] = &[
        Scheme::HubspotV1,
        Scheme::HubspotV2,
        Scheme::HubspotV3,
        Scheme::Stripe,
        Scheme::Slack,
        Scheme::Twilio,
        Scheme::Sendgrid,
        Scheme::Shopify,
        Scheme::Github,
        Scheme::HmacSha256,
        Scheme::HmacSha1,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scheme::HubspotV1 => "hubspot-v1",
            Scheme::HubspotV2 => "hubspot-v2",
            Scheme::HubspotV3 => "hubspot-v3",
            Scheme::Stripe => "stripe",
            Scheme::Slack => "slack",
            Scheme::Twilio => "twilio",
            Scheme::Sendgrid => "sendgrid",
            Scheme::Shopify => "shopify",
            Scheme::Github => "github",
            Scheme::HmacSha256 => "hmac-sha256",
            Scheme::HmacSha1 => "hmac-sha1",
        }
    }

    pub fn parse(text: &str) -> Option<Scheme> {
        Scheme::ALL.iter().copied().find(|s| s.name() == text)
    }

    /// The header the signature travels in (the generic schemes: configurable).
    pub fn signature_header(self, generic: &Generic) -> String {
        match self {
            Scheme::HubspotV1 | Scheme::HubspotV2 => "X-HubSpot-Signature".into(),
            Scheme::HubspotV3 => "X-HubSpot-Signature-v3".into(),
            Scheme::Stripe => "Stripe-Signature".into(),
            Scheme::Slack => "X-Slack-Signature".into(),
            Scheme::Twilio => "X-Twilio-Signature".into(),
            Scheme::Sendgrid => "X-Twilio-Email-Event-Webhook-Signature".into(),
            Scheme::Shopify => "X-Shopify-Hmac-Sha256".into(),
            Scheme::Github => "X-Hub-Signature-256".into(),
            Scheme::HmacSha256 | Scheme::HmacSha1 => generic.header.clone(),
        }
    }

    /// The header the timestamp travels in, for schemes that sign one apart
    /// from the signature (Stripe's is inside its signature header).
    pub fn timestamp_header(self) -> Option<&'static str> {
        match self {
            Scheme::HubspotV3 => Some("X-HubSpot-Request-Timestamp"),
            Scheme::Slack => Some("X-Slack-Request-Timestamp"),
            Scheme::Sendgrid => Some("X-Twilio-Email-Event-Webhook-Timestamp"),
            _ => None,
        }
    }

    /// Whether deliveries carry a timestamp (so a stale one can be refused).
    pub fn timed(self) -> bool {
        self.timestamp_header().is_some() || self == Scheme::Stripe
    }

    /// Whether the URL is part of what is signed.
    pub fn signs_url(self) -> bool {
        matches!(self, Scheme::HubspotV2 | Scheme::HubspotV3 | Scheme::Twilio)
    }

    /// Milliseconds per unit of the vendor's timestamp.
    fn timestamp_unit_ms(self) -> i64 {
        if self == Scheme::HubspotV3 { 1 } else { 1000 }
    }
}

/// The generic schemes' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generic {
    pub header: String,
    pub prefix: String,
    pub base64: bool,
}

impl Default for Generic {
    fn default() -> Generic {
        Generic {
            header: "X-Signature".into(),
            prefix: String::new(),
            base64: false,
        }
    }
}

/// One delivery as the vendor sends it.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub method: String,
    /// The URL as the vendor called it (scheme, host, path, query).
    pub url: String,
    pub body: Vec<u8>,
    /// Other headers, as sent (the timestamp header may be among them).
    pub headers: Vec<(String, String)>,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }
}

/// Key material: an HMAC or hash secret, or SendGrid's keys.
#[derive(Clone)]
pub struct Key(pub String);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key([redacted])")
    }
}

/// Why a delivery does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("missing header {0}")]
    MissingHeader(String),
    #[error("the signature does not match")]
    WrongSignature,
    #[error(
        "the timestamp is {} s {}, outside the {tolerance} s tolerance (a replay, or a clock off)",
        age.abs(),
        if *age >= 0 { "old" } else { "in the future" }
    )]
    Stale { age: i64, tolerance: i64 },
    #[error("the body does not match its bodySHA256 in the URL")]
    BodyHash,
    #[error("{0}")]
    Malformed(String),
    /// The key material itself is unusable (not a usage of the delivery).
    #[error("{0}")]
    Key(String),
}

/// What signing needs besides the delivery.
#[derive(Debug, Clone)]
pub struct Signing<'a> {
    pub scheme: Scheme,
    pub key: &'a Key,
    pub generic: &'a Generic,
    /// The timestamp to sign, in the vendor's unit; `now` when absent.
    pub timestamp: Option<String>,
    /// Seconds since the epoch.
    pub now: i64,
}

/// The headers to send with `delivery`, signed.
pub fn sign(s: &Signing<'_>, delivery: &Delivery) -> Result<Vec<(String, String)>, Invalid> {
    let scheme = s.scheme;
    let ts = s.timestamp.clone().unwrap_or_else(|| {
        if scheme == Scheme::HubspotV3 {
            s.now.saturating_mul(1000).to_string()
        } else {
            s.now.to_string()
        }
    });
    let key = s.key.0.as_bytes();
    let mut out = Vec::new();
    let header = scheme.signature_header(s.generic);
    let value = match scheme {
        Scheme::HubspotV1 | Scheme::HubspotV2 => {
            let version = if scheme == Scheme::HubspotV1 {
                "v1"
            } else {
                "v2"
            };
            out.push(("X-HubSpot-Signature-Version".to_owned(), version.to_owned()));
            hex(&hubspot_hash(scheme, key, delivery))
        }
        Scheme::Stripe => format!(
            "t={ts},v1={}",
            hex(&hmac256(key, &stripe_payload(&ts, delivery))?)
        ),
        Scheme::Slack => format!("v0={}", hex(&hmac256(key, &slack_payload(&ts, delivery))?)),
        Scheme::HubspotV3 => b64(&hmac256(key, &hubspot_v3_payload(&ts, delivery))?),
        Scheme::Twilio => b64(&hmac1(key, &twilio_payload(delivery)?)?),
        Scheme::Shopify => b64(&hmac256(key, &delivery.body)?),
        Scheme::Github => format!("sha256={}", hex(&hmac256(key, &delivery.body)?)),
        Scheme::HmacSha256 | Scheme::HmacSha1 => {
            let mac = if scheme == Scheme::HmacSha256 {
                hmac256(key, &delivery.body)?
            } else {
                hmac1(key, &delivery.body)?
            };
            let text = if s.generic.base64 {
                b64(&mac)
            } else {
                hex(&mac)
            };
            format!("{}{text}", s.generic.prefix)
        }
        Scheme::Sendgrid => {
            use p256::ecdsa::signature::Signer;
            let signing = sendgrid_signing_key(&s.key.0)?;
            let mut signed = ts.as_bytes().to_vec();
            signed.extend_from_slice(&delivery.body);
            let sig: p256::ecdsa::Signature = signing.sign(&signed);
            b64(sig.to_der().as_bytes())
        }
    };
    out.push((header, value));
    if let Some(h) = scheme.timestamp_header() {
        out.push((h.to_owned(), ts));
    }
    Ok(out)
}

/// What verifying needs besides the delivery.
#[derive(Debug, Clone)]
pub struct Verifying<'a> {
    pub scheme: Scheme,
    pub key: &'a Key,
    pub generic: &'a Generic,
    /// The signature header's value as sent; else it is read from the headers.
    pub signature: Option<String>,
    /// The vendor's timestamp header value; else it is read from the headers.
    pub timestamp: Option<String>,
    /// Seconds since the epoch.
    pub now: i64,
    /// Seconds a timestamp may be off; `None`: the scheme's default (300).
    pub tolerance: Option<i64>,
}

/// The default replay window, seconds.
pub const DEFAULT_TOLERANCE: i64 = 300;

/// Checks a delivery's signature (and, for timed schemes, its age).
pub fn verify(v: &Verifying<'_>, delivery: &Delivery) -> Result<(), Invalid> {
    let scheme = v.scheme;
    let header = scheme.signature_header(v.generic);
    let signature = v
        .signature
        .clone()
        .or_else(|| delivery.header(&header).map(str::to_owned))
        .ok_or_else(|| Invalid::MissingHeader(header.clone()))?;
    let key = v.key.0.as_bytes();
    let timestamp = |name: Option<&str>| -> Result<String, Invalid> {
        v.timestamp
            .clone()
            .or_else(|| name.and_then(|n| delivery.header(n)).map(str::to_owned))
            .ok_or_else(|| Invalid::MissingHeader(name.unwrap_or("timestamp").to_owned()))
    };
    match scheme {
        Scheme::HubspotV1 | Scheme::HubspotV2 => {
            same(&unhex(&signature)?, &hubspot_hash(scheme, key, delivery))
        }
        Scheme::HubspotV3 | Scheme::Slack | Scheme::Sendgrid => {
            let ts = timestamp(scheme.timestamp_header())?;
            // The signature first: a forgery is said to be one, whatever its age.
            match scheme {
                Scheme::HubspotV3 => {
                    check_hmac256(key, &hubspot_v3_payload(&ts, delivery), &unb64(&signature)?)?
                }
                Scheme::Slack => {
                    let hexed = signature.strip_prefix("v0=").ok_or_else(|| {
                        Invalid::Malformed("a Slack signature starts with `v0=`".into())
                    })?;
                    check_hmac256(key, &slack_payload(&ts, delivery), &unhex(hexed)?)?;
                }
                _ => sendgrid_verify(&v.key.0, &ts, delivery, &signature)?,
            }
            fresh(scheme, &ts, v)
        }
        Scheme::Stripe => {
            let mut t = None;
            let mut v1 = Vec::new();
            for part in signature.split(',') {
                match part.trim().split_once('=') {
                    Some(("t", x)) => t = Some(x.to_owned()),
                    Some(("v1", x)) => v1.push(x.to_owned()),
                    _ => {}
                }
            }
            let t = t.ok_or_else(|| Invalid::Malformed("no `t=` in Stripe-Signature".into()))?;
            if v1.is_empty() {
                return Err(Invalid::Malformed("no `v1=` in Stripe-Signature".into()));
            }
            let expected = hmac256(key, &stripe_payload(&t, delivery))?;
            // Valid when any v1 matches (a rolled secret signs with both); each is
            // compared in constant time.
            let any = v1.iter().fold(false, |ok, candidate| {
                let matched = unhex(candidate).is_ok_and(|c| bool::from(c.ct_eq(&expected)));
                ok | matched
            });
            if any {
                fresh(scheme, &t, v)
            } else {
                Err(Invalid::WrongSignature)
            }
        }
        Scheme::Twilio => {
            if let Some(hash) = query_value(&delivery.url, "bodySHA256") {
                let body_hash = Sha256::digest(&delivery.body);
                if !bool::from(unhex(&hash).unwrap_or_default().ct_eq(body_hash.as_slice())) {
                    return Err(Invalid::BodyHash);
                }
            }
            let expected = hmac1(key, &twilio_payload(delivery)?)?;
            same(&unb64(&signature)?, &expected)
        }
        Scheme::Shopify => check_hmac256(key, &delivery.body, &unb64(&signature)?),
        Scheme::Github => {
            let hexed = signature.strip_prefix("sha256=").ok_or_else(|| {
                Invalid::Malformed("a GitHub signature starts with `sha256=`".into())
            })?;
            check_hmac256(key, &delivery.body, &unhex(hexed)?)
        }
        Scheme::HmacSha256 | Scheme::HmacSha1 => {
            let text = signature
                .strip_prefix(v.generic.prefix.as_str())
                .ok_or_else(|| {
                    Invalid::Malformed(format!(
                        "the signature does not start with `{}`",
                        v.generic.prefix
                    ))
                })?;
            let given = if v.generic.base64 {
                unb64(text)?
            } else {
                unhex(text)?
            };
            let expected = if scheme == Scheme::HmacSha256 {
                hmac256(key, &delivery.body)?
            } else {
                hmac1(key, &delivery.body)?
            };
            same(&given, &expected)
        }
    }
}

/// Refuses a timestamp further from `now` than the tolerance.
fn fresh(scheme: Scheme, ts: &str, v: &Verifying<'_>) -> Result<(), Invalid> {
    let value: i64 = ts
        .trim()
        .parse()
        .map_err(|_| Invalid::Malformed(format!("the timestamp `{ts}` is not a number")))?;
    let unit = scheme.timestamp_unit_ms();
    let age = v
        .now
        .checked_mul(1000)
        .zip(value.checked_mul(unit))
        .and_then(|(now, at)| now.checked_sub(at))
        .map(|ms| ms / 1000)
        .ok_or_else(|| Invalid::Malformed(format!("the timestamp `{ts}` is out of range")))?;
    let tolerance = v.tolerance.unwrap_or(DEFAULT_TOLERANCE);
    if age.checked_abs().is_none_or(|a| a > tolerance) {
        return Err(Invalid::Stale { age, tolerance });
    }
    Ok(())
}

fn hubspot_hash(scheme: Scheme, secret: &[u8], d: &Delivery) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(secret);
    if scheme == Scheme::HubspotV2 {
        h.update(d.method.as_bytes());
        h.update(d.url.as_bytes());
    }
    h.update(&d.body);
    h.finalize().to_vec()
}

/// HubSpot v3 decodes these percent-encoded characters of the URL before signing.
const HUBSPOT_DECODED: [(&str, &str); 12] = [
    ("%3A", ":"),
    ("%2F", "/"),
    ("%3F", "?"),
    ("%40", "@"),
    ("%21", "!"),
    ("%24", "$"),
    ("%27", "'"),
    ("%28", "("),
    ("%29", ")"),
    ("%2A", "*"),
    ("%2C", ","),
    ("%3B", ";"),
];

/// The URL as HubSpot v3 signs it.
pub fn hubspot_v3_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i..i + 3).unwrap_or("");
        match HUBSPOT_DECODED
            .iter()
            .find(|(enc, _)| enc.eq_ignore_ascii_case(code))
        {
            Some((_, dec)) => {
                out.push_str(dec);
                rest = &rest[i + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn hubspot_v3_payload(ts: &str, d: &Delivery) -> Vec<u8> {
    let mut p = d.method.as_bytes().to_vec();
    p.extend_from_slice(hubspot_v3_url(&d.url).as_bytes());
    p.extend_from_slice(&d.body);
    p.extend_from_slice(ts.as_bytes());
    p
}

fn stripe_payload(t: &str, d: &Delivery) -> Vec<u8> {
    let mut p = format!("{t}.").into_bytes();
    p.extend_from_slice(&d.body);
    p
}

fn slack_payload(ts: &str, d: &Delivery) -> Vec<u8> {
    let mut p = format!("v0:{ts}:").into_bytes();
    p.extend_from_slice(&d.body);
    p
}

/// Twilio: the URL, then each form field's name and value (decoded), sorted by
/// name; a JSON body is signed through the URL's `bodySHA256` instead.
fn twilio_payload(d: &Delivery) -> Result<Vec<u8>, Invalid> {
    let mut p = d.url.as_bytes().to_vec();
    if query_value(&d.url, "bodySHA256").is_some() || d.body.is_empty() {
        return Ok(p);
    }
    let text = std::str::from_utf8(&d.body)
        .map_err(|_| Invalid::Malformed("a Twilio form body is not UTF-8".into()))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let hash = hex(&Sha256::digest(&d.body));
        return Err(Invalid::Malformed(format!(
            "Twilio signs a JSON body through the URL: it must carry bodySHA256={hash}"
        )));
    }
    let mut pairs: Vec<(String, String)> = text
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (form_decode(k), form_decode(v))
        })
        .collect();
    pairs.sort();
    for (k, v) in pairs {
        p.extend_from_slice(k.as_bytes());
        p.extend_from_slice(v.as_bytes());
    }
    Ok(p)
}

/// `a+b%21` as `a b!`.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query parameter's raw value.
fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

fn hmac256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Invalid> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| Invalid::Malformed("the secret cannot key an HMAC".into()))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn hmac1(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Invalid> {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key)
        .map_err(|_| Invalid::Malformed("the secret cannot key an HMAC".into()))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// HMAC-SHA256 checked by the `hmac` crate's own constant-time verification.
fn check_hmac256(key: &[u8], data: &[u8], given: &[u8]) -> Result<(), Invalid> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| Invalid::Malformed("the secret cannot key an HMAC".into()))?;
    mac.update(data);
    mac.verify_slice(given).map_err(|_| Invalid::WrongSignature)
}

fn same(given: &[u8], expected: &[u8]) -> Result<(), Invalid> {
    if bool::from(given.ct_eq(expected)) {
        Ok(())
    } else {
        Err(Invalid::WrongSignature)
    }
}

/// SendGrid's private key (to sign test deliveries): PKCS#8, as PEM or base64 DER.
fn sendgrid_signing_key(text: &str) -> Result<p256::ecdsa::SigningKey, Invalid> {
    use p256::pkcs8::DecodePrivateKey;
    let bad = || {
        Invalid::Key(
            "signing as SendGrid needs an ECDSA P-256 private key (PKCS#8, PEM or base64 DER)"
                .into(),
        )
    };
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return p256::ecdsa::SigningKey::from_pkcs8_pem(text).map_err(|_| bad());
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| bad())?;
    p256::ecdsa::SigningKey::from_pkcs8_der(&der).map_err(|_| bad())
}

/// SendGrid's verification key, as its settings page gives it (base64 DER
/// SubjectPublicKeyInfo) or as PEM.
fn sendgrid_verifying_key(text: &str) -> Result<p256::ecdsa::VerifyingKey, Invalid> {
    use p256::pkcs8::DecodePublicKey;
    let bad = || {
        Invalid::Key(
            "verifying SendGrid needs the account's ECDSA P-256 public key (base64 DER, or PEM)"
                .into(),
        )
    };
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return p256::ecdsa::VerifyingKey::from_public_key_pem(text).map_err(|_| bad());
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| bad())?;
    p256::ecdsa::VerifyingKey::from_public_key_der(&der).map_err(|_| bad())
}

fn sendgrid_verify(key: &str, ts: &str, d: &Delivery, signature: &str) -> Result<(), Invalid> {
    use p256::ecdsa::signature::Verifier;
    let key = sendgrid_verifying_key(key)?;
    let der = unb64(signature)?;
    let sig = p256::ecdsa::Signature::from_der(&der)
        .map_err(|_| Invalid::Malformed("the SendGrid signature is not DER".into()))?;
    let mut signed = ts.as_bytes().to_vec();
    signed.extend_from_slice(&d.body);
    key.verify(&signed, &sig)
        .map_err(|_| Invalid::WrongSignature)
}

/// The public key (base64 DER SubjectPublicKeyInfo) of a SendGrid private key,
/// for a receiver that verifies deliveries apiwatch signs.
pub fn sendgrid_public_key(private: &str) -> Result<String, Invalid> {
    use p256::pkcs8::EncodePublicKey;
    let signing = sendgrid_signing_key(private)?;
    let der = signing
        .verifying_key()
        .to_public_key_der()
        .map_err(|_| Invalid::Malformed("cannot encode the public key".into()))?;
    Ok(b64(der.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Result<Vec<u8>, Invalid> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return Err(Invalid::Malformed("the signature is not hex".into()));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&text[i..i + 2], 16)
                .map_err(|_| Invalid::Malformed("the signature is not hex".into()))
        })
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64, forgiving the one mangling proxies commit: `+` arriving as a space.
fn unb64(text: &str) -> Result<Vec<u8>, Invalid> {
    let text = text.trim().replace(' ', "+");
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Invalid::Malformed("the signature is not base64".into()))
}
