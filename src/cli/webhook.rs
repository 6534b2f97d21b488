//! `apiwatch webhook`: verify and sign deliveries the way vendors sign them, replay
//! a contract's sample events (and the attacks) to a receiver, and receive
//! deliveries from a vendor's sandbox.

use std::io::Read as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};

use super::{Outcome, emit, runtime};
use apiwatch::finding::{Finding, Severity};
use apiwatch::report::{self, Report, tests};
use apiwatch::webhook::replay::{self, Config};
use apiwatch::webhook::schemes::{self, Delivery, Generic, Key, Scheme, Signing, Verifying};

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Check a delivery's signature: exit 0 valid, 1 invalid (and why), 2 usage error.
    #[command(
        after_help = "Examples:\n  apiwatch webhook verify --scheme stripe --secret-env STRIPE_WEBHOOK_SECRET --body event.json \\\n      --signature 't=1790000000,v1=5257a8…' --now 1790000030\n  apiwatch webhook verify --scheme hubspot-v3 --secret-env HUBSPOT_CLIENT_SECRET --body - \\\n      --method POST --url https://hooks.example.com/hubspot --timestamp 1790000000000 --signature 'k2Fz…='\n  apiwatch webhook verify --contract crm-contacts --body delivery.json --header 'X-HubSpot-Request-Timestamp: 1790000000000' --signature 'k2Fz…='"
    )]
    Verify(Box<VerifyArgs>),
    /// Sign a delivery: print the headers to send (`Name: value` lines, or `--format json`).
    #[command(
        after_help = "Examples:\n  apiwatch webhook sign --scheme slack --secret-env SLACK_SIGNING_SECRET --body payload.json\n  apiwatch webhook sign --scheme github --secret test --body push.json --format json\n  apiwatch webhook sign --contract crm-contacts --body contracts/crm-contacts/webhooks/contact-created.json"
    )]
    Sign(Box<SignArgs>),
    /// Send a contract's sample events, signed, to a receiver — and the forgeries it must refuse.
    #[command(
        after_help = "Example:\n  apiwatch webhook replay crm-contacts --to https://staging.example.com/hooks/corvid --junit webhooks.xml\n\nPer sample: a valid delivery (must be taken), a tampered body, a wrong secret, a stale\ntimestamp and a missing signature (each must be refused); then a duplicate and an\nout-of-order pair (must be taken). Exit 1 when the receiver gets any of them wrong."
    )]
    Replay(ReplayArgs),
    /// Receive deliveries from a vendor's sandbox: verify each and check it against the pinned spec.
    #[command(
        after_help = "Example:\n  apiwatch webhook receive crm-contacts --port 8787 --count 3 --timeout 120\n\nExit 0 when the expected deliveries all verified and matched the pinned webhook schemas."
    )]
    Receive(ReceiveArgs),
}

#[derive(Debug, clap::Args)]
pub struct DeliveryArgs {
    /// The scheme (default: the contract's).
    #[arg(long, value_parser = scheme_arg)]
    pub scheme: Option<Scheme>,
    /// Take the scheme, secret, URL and tolerance from this contract's `[webhook]`.
    #[arg(long, value_name = "NAME")]
    pub contract: Option<String>,
    /// The variable holding the secret (SendGrid verify: the public key; sign: the private key).
    #[arg(long, value_name = "VAR", conflicts_with = "secret")]
    pub secret_env: Option<String>,
    /// The secret itself (prefer --secret-env: command lines end up in shell history).
    #[arg(long, value_name = "SECRET", allow_hyphen_values = true)]
    pub secret: Option<String>,
    /// The raw body, as delivered (`-` reads stdin).
    #[arg(long, value_name = "FILE")]
    pub body: String,
    #[arg(long, default_value = "POST")]
    pub method: String,
    /// The URL as the vendor called it (schemes that sign it).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The vendor's timestamp header value, in its unit (HubSpot v3: milliseconds).
    #[arg(long, value_name = "T")]
    pub timestamp: Option<String>,
    /// Other headers of the delivery (`Name: value`).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Check as of this time (seconds since the epoch), for a recorded delivery.
    #[arg(long, value_name = "EPOCH")]
    pub now: Option<i64>,
    /// Seconds a timestamp may be off (default 300).
    #[arg(long, value_name = "SECONDS")]
    pub tolerance: Option<i64>,
    /// hmac-sha256/hmac-sha1: the signature's header (default X-Signature).
    #[arg(long, value_name = "NAME")]
    pub signature_header: Option<String>,
    /// hmac-sha256/hmac-sha1: text before the signature (like `sha256=`).
    #[arg(long)]
    pub prefix: Option<String>,
    /// hmac-sha256/hmac-sha1: hex or base64.
    #[arg(long, value_parser = ["hex", "base64"])]
    pub encoding: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// The signature header's value exactly as sent (`t=…,v1=…`, `v0=…`, `sha256=…`, base64, hex).
    #[arg(long, value_name = "SIG")]
    pub signature: String,
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    #[arg(long, value_enum, default_value_t = super::TextOrJson::Text)]
    pub format: super::TextOrJson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    pub contract: String,
    /// The receiver (staging) to send to.
    #[arg(long, value_name = "URL")]
    pub to: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Sign as of this time (seconds since the epoch).
    #[arg(long, value_name = "EPOCH")]
    pub now: Option<i64>,
}

#[derive(Debug, clap::Args)]
pub struct ReceiveArgs {
    pub contract: String,
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Stop after this many deliveries.
    #[arg(long, default_value_t = 1)]
    pub count: usize,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// Whether `s` looks like an environment variable's name (`[A-Z_][A-Z0-9_]*`, as
/// contracts name them): a lower-case value is more likely a secret pasted here.
fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn scheme_arg(text: &str) -> Result<Scheme, String> {
    Scheme::parse(text).ok_or_else(|| {
        format!(
            "unknown scheme `{text}`; one of {}",
            Scheme::ALL
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

pub fn cmd_webhook(root: &Path, command: WebhookCommand) -> Result<Outcome> {
    match command {
        WebhookCommand::Verify(args) => verify(root, &args),
        WebhookCommand::Sign(args) => sign(root, &args),
        WebhookCommand::Replay(args) => replay(root, &args),
        WebhookCommand::Receive(args) => receive(root, &args),
    }
}

/// Everything `verify` and `sign` need, from the flags and the contract.
struct Inputs {
    scheme: Scheme,
    key: Key,
    generic: Generic,
    delivery: Delivery,
    tolerance: Option<i64>,
    now: i64,
}

fn inputs(root: &Path, a: &DeliveryArgs, signing: bool) -> Result<Inputs> {
    let map;
    let contract = match &a.contract {
        Some(name) => {
            map = apiwatch::run::load_contracts(root)?;
            Some(map.get(name)?.clone())
        }
        None => None,
    };
    let hook = contract.as_ref().and_then(|c| c.webhook.clone());
    if contract.is_some() && hook.is_none() {
        bail!(
            "contract `{}` has no `[webhook]`",
            a.contract.as_deref().unwrap_or("")
        );
    }
    let scheme = match (a.scheme, &hook) {
        (Some(s), _) => s,
        (None, Some(h)) => Scheme::parse(&h.scheme).context("the contract's scheme is unknown")?,
        (None, None) => bail!("give --scheme (or --contract NAME)"),
    };
    let read = |var: &str| -> Result<String> {
        if !is_env_name(var) {
            // Never echo it: it may be the secret itself, passed by mistake.
            bail!(
                "--secret-env takes the name of an environment variable (like STRIPE_WEBHOOK_SECRET), not a value"
            );
        }
        std::env::var(var).with_context(|| format!("{var} is not set"))
    };
    let key = match (&a.secret, &a.secret_env, &hook) {
        (Some(s), _, _) => s.clone(),
        (None, Some(var), _) => read(var)?,
        (None, None, Some(h)) => {
            // Signing as SendGrid takes the private key; verifying, the public one.
            let var = match (&h.signing_key_env, signing && scheme == Scheme::Sendgrid) {
                (Some(v), true) => v,
                _ => &h.secret_env,
            };
            read(var)?
        }
        (None, None, None) => bail!("give --secret-env VAR (or --secret, or --contract NAME)"),
    };
    if key.trim().is_empty() {
        bail!("the secret is empty: an empty key would make any signature computable");
    }
    if let Some(t) = a.tolerance
        && t < 1
    {
        bail!("--tolerance is seconds: at least 1");
    }
    let body = if a.body == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("cannot read the body from stdin")?;
        b
    } else {
        std::fs::read(&a.body).with_context(|| format!("{}: cannot read the body", a.body))?
    };
    let url = a
        .url
        .clone()
        .or_else(|| hook.as_ref().and_then(|h| h.url.clone()))
        .unwrap_or_default();
    if scheme.signs_url() && url.is_empty() {
        bail!(
            "`{}` signs the URL the vendor called: give --url",
            scheme.name()
        );
    }
    let mut headers = Vec::new();
    for h in &a.headers {
        let (k, v) = h
            .split_once(':')
            .with_context(|| format!("--header `{h}`: expected `Name: value`"))?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let generic = Generic {
        header: a
            .signature_header
            .clone()
            .or_else(|| hook.as_ref().and_then(|h| h.signature_header.clone()))
            .unwrap_or_else(|| Generic::default().header),
        prefix: a
            .prefix
            .clone()
            .or_else(|| hook.as_ref().and_then(|h| h.prefix.clone()))
            .unwrap_or_default(),
        base64: a
            .encoding
            .clone()
            .or_else(|| hook.as_ref().and_then(|h| h.encoding.clone()))
            .as_deref()
            == Some("base64"),
    };
    Ok(Inputs {
        scheme,
        key: Key(key),
        generic,
        delivery: Delivery {
            method: a.method.to_ascii_uppercase(),
            url,
            body,
            headers,
        },
        tolerance: a
            .tolerance
            .or_else(|| hook.as_ref().and_then(|h| h.tolerance)),
        now: a.now.unwrap_or_else(|| jiff::Timestamp::now().as_second()),
    })
}

fn verify(root: &Path, args: &VerifyArgs) -> Result<Outcome> {
    let i = inputs(root, &args.delivery, false)?;
    let result = schemes::verify(
        &Verifying {
            scheme: i.scheme,
            key: &i.key,
            generic: &i.generic,
            signature: Some(args.signature.clone()),
            timestamp: args.delivery.timestamp.clone(),
            now: i.now,
            tolerance: i.tolerance,
        },
        &i.delivery,
    );
    match result {
        Ok(()) => {
            emit(&format!("valid: {} signature\n", i.scheme.name()));
            Ok(Outcome::Clean)
        }
        // The key itself is unusable: that is the caller's to fix, not the delivery's.
        Err(schemes::Invalid::Key(why)) => bail!("{why}"),
        Err(why) => {
            emit(&format!("invalid: {why}\n"));
            Ok(Outcome::Findings)
        }
    }
}

fn sign(root: &Path, args: &SignArgs) -> Result<Outcome> {
    let i = inputs(root, &args.delivery, true)?;
    let headers = schemes::sign(
        &Signing {
            scheme: i.scheme,
            key: &i.key,
            generic: &i.generic,
            timestamp: args.delivery.timestamp.clone(),
            now: i.now,
        },
        &i.delivery,
    )
    .map_err(|e| anyhow::anyhow!("cannot sign: {e}"))?;
    let text = match args.format {
        super::TextOrJson::Text => headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect::<String>(),
        super::TextOrJson::Json => {
            let map: serde_json::Map<String, serde_json::Value> = headers
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            serde_json::to_string_pretty(&map).unwrap_or_default() + "\n"
        }
    };
    emit(&text);
    Ok(Outcome::Clean)
}

fn replay(root: &Path, args: &ReplayArgs) -> Result<Outcome> {
    let map = apiwatch::run::load_contracts(root)?;
    let contract = map.get(&args.contract)?;
    let config = Config::of(contract, &|v| std::env::var(v).ok()).map_err(anyhow::Error::msg)?;
    let pinned = pinned(root, contract);
    let samples = replay::samples(contract, root, pinned.as_ref()).map_err(anyhow::Error::msg)?;
    let ok = reqwest::Url::parse(&args.to)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !ok {
        bail!("--to `{}` is not an http(s) URL", args.to);
    }
    let rt = runtime()?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let now = args
        .now
        .unwrap_or_else(|| jiff::Timestamp::now().as_second());
    let (run, findings) = rt
        .block_on(replay::replay(
            contract, &config, &samples, &args.to, now, &http,
        ))
        .map_err(anyhow::Error::msg)?;
    finish(run, findings, args.format, args.junit.as_deref())
}

fn receive(root: &Path, args: &ReceiveArgs) -> Result<Outcome> {
    let map = apiwatch::run::load_contracts(root)?;
    let contract = map.get(&args.contract)?;
    let config = Config::of(contract, &|v| std::env::var(v).ok()).map_err(anyhow::Error::msg)?;
    let pinned = pinned(root, contract);
    let rt = runtime()?;
    let (run, findings) = rt
        .block_on(apiwatch::webhook::receive::receive(
            contract,
            config,
            pinned.as_ref(),
            SocketAddr::new(args.bind, args.port),
            args.count.max(1),
            std::time::Duration::from_secs(args.timeout),
            |addr| {
                eprintln!(
                    "listening on http://{addr} for {} deliveries",
                    args.count.max(1)
                )
            },
        ))
        .map_err(anyhow::Error::msg)?;
    finish(run, findings, args.format, args.junit.as_deref())
}

/// The contract's pinned snapshot of its first spec, when there is one.
fn pinned(root: &Path, contract: &apiwatch::map::Contract) -> Option<apiwatch::spec::Document> {
    let spec = contract.specs.first()?;
    apiwatch::snapshot::read(&contract.snapshot_path(root, &spec.name)).ok()
}

/// Prints the run, writes JUnit, and exits 1 when a case failed.
fn finish(
    run: tests::TestRun,
    findings: Vec<Finding>,
    format: ReportFormat,
    junit: Option<&Path>,
) -> Result<Outcome> {
    let failed = run.status == "failed" || findings.iter().any(|f| f.severity == Severity::Error);
    let mut rep = Report::new(findings);
    rep.tests = vec![run];
    let text = match format {
        ReportFormat::Text => {
            let mut t = tests::text(&rep.tests);
            if !rep.findings.is_empty() {
                t.push('\n');
                t.push_str(&report::text::render(&rep, false));
            }
            t
        }
        ReportFormat::Json => report::json::render(&rep),
        ReportFormat::Markdown => tests::markdown(&rep.tests) + &report::markdown::render(&rep),
    };
    emit(&text);
    if let Some(path) = junit {
        apiwatch::files::write_atomic(path, tests::junit(&rep.tests).as_bytes())
            .with_context(|| format!("{}: cannot write the JUnit report", path.display()))?;
    }
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
