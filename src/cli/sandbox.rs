//! `apiwatch sandbox`: a contract's spec (or any spec) served as a realistic mock
//! until Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use super::{Outcome, load_arg, runtime};
use apiwatch::map::{AuthKind, Mock, MockRateLimit, MockSunset, Sandbox as SandboxConfig, Serve};
use apiwatch::sandbox::{self, Sandbox};
use apiwatch::spec::Document;

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// The contract whose spec to serve (its pinned snapshot, or with `--drift` its
    /// upstream spec); its `[sandbox]` section sets auth and behaviour.
    #[arg(value_name = "CONTRACT", required_unless_present = "spec")]
    pub contract: Option<String>,
    /// Serve this spec (file or URL) instead of a contract's.
    #[arg(long, value_name = "FILE|URL", conflicts_with = "contract")]
    pub spec: Option<String>,
    #[arg(long, default_value_t = 4010)]
    pub port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Serve another spec than the pinned one: the contract's upstream spec (no
    /// value), or FILE|URL; the vendor's behaviour moved on, the contract did not.
    #[arg(long, value_name = "FILE|URL", num_args = 0..=1, default_missing_value = "upstream")]
    pub drift: Option<String>,
    /// Seed for generated bodies, ids, tokens and faults (same seed, same answers).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep records: POST to a collection creates, GET/PATCH/PUT/DELETE on its items
    /// read, change and remove them.
    #[arg(long)]
    pub stateful: bool,
    /// A collection/item pair besides those found from path shapes.
    #[arg(long, value_name = "COLLECTION=ITEM")]
    pub collection: Vec<String>,
    /// Credentials requests must carry (default: the contract's `auth`, else none).
    #[arg(long, value_enum)]
    pub auth: Option<AuthArg>,
    /// Where a credential's value is: `api_key=POSTWING_TOKEN`, `client_id=…`,
    /// `client_secret=…`, `refresh_token=…`, `token=…`, `username=…`, `password=…`.
    #[arg(long, value_name = "ROLE=ENV_VAR")]
    pub credential: Vec<String>,
    /// The header an API key comes in (default `Authorization`).
    #[arg(long, value_name = "NAME")]
    pub api_key_header: Option<String>,
    /// Where the OAuth 2.0 token endpoint is served (default `/oauth/token`).
    #[arg(long, value_name = "PATH")]
    pub token_path: Option<String>,
    /// Seconds an OAuth access token lives.
    #[arg(long, value_name = "SECONDS")]
    pub expires_in: Option<u64>,
    /// Each refresh issues a new refresh token and retires the one used.
    #[arg(long)]
    pub rotate_refresh_tokens: bool,
    /// Refuse every refresh token (`invalid_grant`), as after a user disconnects.
    #[arg(long)]
    pub revoke_refresh_tokens: bool,
    /// Added to every response: milliseconds, or a range `5..50`.
    #[arg(long, value_name = "MS|LO..HI")]
    pub latency: Option<String>,
    /// Share of requests (0–1) answered with 500, 502 or 503.
    #[arg(long, value_name = "RATE")]
    pub error_rate: Option<f64>,
    /// At most N requests per SECONDS, then 429 with Retry-After.
    #[arg(long, value_name = "N/SECONDS")]
    pub rate_limit: Option<String>,
    /// Names of the rate-limit headers (default X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset).
    #[arg(long, value_name = "LIMIT,REMAINING,RESET")]
    pub rate_limit_headers: Option<String>,
    /// `Sunset` and `Deprecation` headers on an operation.
    #[arg(long, value_name = "OPERATION=YYYY-MM-DD")]
    pub sunset: Vec<String>,
    /// Append the request log (JSON lines) to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuthArg {
    None,
    ApiKey,
    Bearer,
    Basic,
    Oauth2,
}

fn pair<'a>(text: &'a str, flag: &str, shape: &str) -> Result<(&'a str, &'a str)> {
    text.split_once('=')
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .with_context(|| format!("{flag} `{text}`: expected {shape}"))
}

/// The contract's `[sandbox]` (or a blank one) with the flags applied.
fn settings(base: Option<&SandboxConfig>, args: &SandboxArgs) -> Result<SandboxConfig> {
    let mut s = base.cloned().unwrap_or(SandboxConfig {
        base_url: String::new(),
        embedded: true,
        serve: Serve::Pinned,
        mock: Mock::default(),
        auth: AuthKind::None,
        credentials: Default::default(),
        token_url: None,
        api_key_header: None,
        api_key_query: None,
        version_header: None,
        allow_production: false,
        budget: Default::default(),
        slow_ms: None,
    });
    if let Some(a) = args.auth {
        s.auth = match a {
            AuthArg::None => AuthKind::None,
            AuthArg::ApiKey => AuthKind::ApiKey,
            AuthArg::Bearer => AuthKind::Bearer,
            AuthArg::Basic => AuthKind::Basic,
            AuthArg::Oauth2 => AuthKind::Oauth2,
        };
    }
    for c in &args.credential {
        let (role, var) = pair(c, "--credential", "ROLE=ENV_VAR")?;
        s.credentials.insert(role.to_owned(), var.to_owned());
    }
    if let Some(h) = &args.api_key_header {
        s.api_key_header = Some(h.clone());
    }
    if let Some(p) = &args.token_path {
        s.token_url = Some(format!(
            "http://sandbox{}",
            if p.starts_with('/') {
                p.clone()
            } else {
                format!("/{p}")
            }
        ));
    }
    let m = &mut s.mock;
    if let Some(seed) = args.seed {
        m.seed = seed;
    }
    m.stateful |= args.stateful;
    for c in &args.collection {
        let (coll, item) = pair(
            c,
            "--collection",
            "COLLECTION=ITEM (/contacts=/contacts/{id})",
        )?;
        m.collections.insert(coll.to_owned(), item.to_owned());
    }
    if let Some(e) = args.expires_in {
        m.token_expires_in = Some(e);
    }
    m.rotate_refresh_tokens |= args.rotate_refresh_tokens;
    if let Some(l) = &args.latency {
        if apiwatch::map::parse_latency(l).is_none() {
            bail!("--latency `{l}`: expected milliseconds (20) or a range (5..50)");
        }
        m.latency_ms = Some(l.clone());
    }
    if let Some(r) = args.error_rate {
        if !(0.0..=1.0).contains(&r) {
            bail!("--error-rate {r}: expected a share between 0 and 1");
        }
        m.error_rate = Some(r);
    }
    if let Some(r) = &args.rate_limit {
        let (n, secs) = r
            .split_once('/')
            .and_then(|(n, s)| Some((n.trim().parse::<u64>().ok()?, s.trim().parse::<u64>().ok()?)))
            .filter(|(n, s)| *n > 0 && *s > 0)
            .with_context(|| format!("--rate-limit `{r}`: expected N/SECONDS (100/10)"))?;
        m.rate_limit = Some(MockRateLimit {
            requests: n,
            per_seconds: secs,
            limit_header: None,
            remaining_header: None,
            reset_header: None,
        });
    }
    if let Some(h) = &args.rate_limit_headers {
        let names: Vec<&str> = h.split(',').map(str::trim).collect();
        let (Some(limit), [l, r, t]) = (m.rate_limit.as_mut(), names.as_slice()) else {
            bail!(
                "--rate-limit-headers `{h}`: expected LIMIT,REMAINING,RESET, with --rate-limit (or a contract's rate_limit)"
            );
        };
        limit.limit_header = Some((*l).to_owned());
        limit.remaining_header = Some((*r).to_owned());
        limit.reset_header = Some((*t).to_owned());
    }
    for sunset in &args.sunset {
        let (op, date) = sunset
            .rsplit_once('=')
            .filter(|(_, d)| d.parse::<jiff::civil::Date>().is_ok())
            .with_context(|| format!("--sunset `{sunset}`: expected OPERATION=YYYY-MM-DD"))?;
        m.sunset.push(MockSunset {
            operation: op.trim().to_owned(),
            date: date.trim().to_owned(),
            deprecated: None,
            link: None,
        });
    }
    Ok(s)
}

/// The document to serve, and a line saying what it is.
fn document(
    root: &Path,
    rt: &tokio::runtime::Runtime,
    args: &SandboxArgs,
) -> Result<(Document, Option<SandboxConfig>, String)> {
    let Some(name) = &args.contract else {
        let spec = args.spec.as_deref().unwrap_or_default();
        let served = args
            .drift
            .as_deref()
            .filter(|d| *d != "upstream")
            .unwrap_or(spec);
        return Ok((load_arg(rt, served)?, None, served.to_owned()));
    };
    let map = apiwatch::run::load_contracts(root)?;
    let contract = map.get(name)?;
    let spec = contract
        .specs
        .first()
        .with_context(|| format!("contract `{name}` has no [[spec]]"))?;
    let configured_drift = contract
        .sandbox
        .as_ref()
        .is_some_and(|s| s.serve == Serve::Upstream);
    let (doc, what) = match args.drift.as_deref() {
        Some("upstream") | None if args.drift.is_some() || configured_drift => {
            let fetcher =
                apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?;
            let doc = rt
                .block_on(apiwatch::run::load_upstream(
                    &spec.location.with_version(&contract.pin.version),
                    root,
                    &fetcher,
                    spec.credential.as_ref(),
                ))
                .map_err(|p| anyhow::anyhow!(p.message))?;
            (
                doc,
                format!(
                    "{} (upstream of {name}, pinned {}: drift)",
                    spec.location, contract.pin.version
                ),
            )
        }
        Some(other) if other != "upstream" => (
            load_arg(rt, other)?,
            format!("{other} (drift: {name} is pinned {})", contract.pin.version),
        ),
        _ => {
            let path = contract.snapshot_path(root, &spec.name);
            let doc = apiwatch::snapshot::read(&path)
                .map_err(|e| anyhow::anyhow!("{e} (pin it first: `apiwatch pin {name}`)"))?;
            (
                doc,
                format!(
                    "{} (pinned {})",
                    path.strip_prefix(root).unwrap_or(&path).display(),
                    contract.pin.version
                ),
            )
        }
    };
    Ok((doc, contract.sandbox.clone(), what))
}

pub fn cmd_sandbox(root: &Path, args: SandboxArgs) -> Result<Outcome> {
    let rt = runtime()?;
    let (doc, config, what) = document(root, &rt, &args)?;
    let settings = settings(config.as_ref(), &args)?;
    let mut options = sandbox::contract::options(&settings, &|v| std::env::var(v).ok())
        .map_err(|e| anyhow::anyhow!("cannot emulate the sandbox's auth: {e}"))?;
    options.log_file = args.log.clone();
    if args.revoke_refresh_tokens
        && let sandbox::auth::Emulation::OAuth2(o) = &mut options.auth
    {
        o.revoked = true;
    }
    let auth_line = match &options.auth {
        sandbox::auth::Emulation::None => "none".to_owned(),
        sandbox::auth::Emulation::ApiKey { header, .. } => format!("API key in `{header}`"),
        sandbox::auth::Emulation::Bearer { .. } => "bearer token".to_owned(),
        sandbox::auth::Emulation::Basic { .. } => "basic".to_owned(),
        sandbox::auth::Emulation::OAuth2(o) => format!(
            "OAuth 2.0: token endpoint POST {}, access tokens live {} s{}",
            o.token_path,
            o.expires_in,
            if o.rotate {
                ", refresh tokens rotate"
            } else {
                ""
            }
        ),
    };
    let stateful = options.stateful;
    let server = Sandbox::new(&doc, options)?;
    let unchecked = server.warm();
    let ops = server.operations();
    let collections: Vec<String> = server
        .collections()
        .iter()
        .map(|c| format!("{} + {}", c.collection, c.item))
        .collect();
    rt.block_on(async move {
        let addr = SocketAddr::new(args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} (another server on that port? try --port)")
        })?;
        let local = listener.local_addr()?;
        outln!(
            "apiwatch sandbox: serving {} operations of {what}",
            ops.len()
        );
        outln!("  at http://{local}{}", server.base_path());
        for op in &ops {
            outln!("    {op}");
        }
        outln!("  auth: {auth_line}");
        if !unchecked.is_empty() {
            outln!(
                "  not validated ({} schema{} cannot be compiled): {}{}",
                unchecked.len(),
                if unchecked.len() == 1 { "" } else { "s" },
                unchecked
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; "),
                if unchecked.len() > 5 { "; …" } else { "" }
            );
        }
        if stateful {
            outln!(
                "  state: kept for {}",
                if collections.is_empty() {
                    "no collection found (--collection COLLECTION=ITEM)".to_owned()
                } else {
                    collections.join(", ")
                }
            );
        }
        if let Some(log) = &args.log {
            outln!("  request log: {}", log.display());
        }
        outln!(
            "  controls: GET {0}/health, POST {0}/revoke-refresh-tokens, POST {0}/reset",
            sandbox::server::CONTROL
        );
        outln!("Ctrl-C stops it.");
        server
            .serve(listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the sandbox stopped")?;
        eprintln!("apiwatch sandbox: stopped");
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(Outcome::Clean)
}
