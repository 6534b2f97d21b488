//! One validator per `contract.toml` section: each turns its raw table into the
//! checked value and records every problem it finds, so one pass reports them all.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use toml::Spanned;

use super::{
    AuthKind, ChangelogSource, Checks, ContractError, Owners, Pin, Policy, RawChangelog,
    RawContract, RawOwners, RawPin, RawPolicy, RawSandbox, RawSource, RawUse, RawWebhook, Sandbox,
    SpecSource, UsedOperation, Webhook,
};
use crate::config::{ChangelogKind, Location, SourceCredential};
use crate::finding::RuleId;

const COMPLIANCE_KINDS: [&str; 5] = ["opt-out", "unsubscribe", "consent", "deletion", "other"];

/// The problems found in one file so far, in the order they were found.
pub(super) struct Errors<'t> {
    pub(super) file: String,
    pub(super) lines: super::LineIndex<'t>,
    pub(super) list: Vec<ContractError>,
    pub(super) checks: &'t dyn super::Checks,
}

impl Errors<'_> {
    /// Records `message` at the start of `span`; no span means the whole file (1:1).
    pub(super) fn at(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        let (line, column) = span.map(|s| self.lines.line_col(s.start)).unwrap_or((1, 1));
        self.list.push(ContractError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        });
    }
}

/// Checks `[owners]`: present, a non-blank team, and a repo spelled `owner/name`.
pub(super) fn owners(raw: Option<Spanned<RawOwners>>, errors: &mut Errors) -> Option<Owners> {
    let Some(o) = raw else {
        errors.at(
            None,
            "missing `[owners]`: every contract needs an owning team (owners.team)",
        );
        return None;
    };
    let o = o.into_inner();
    if o.team.get_ref().trim().is_empty() {
        errors.at(
            Some(o.team.span()),
            "`owners.team` must name the owning team",
        );
    }
    if let Some(repo) = &o.repo
        && let text = repo.get_ref()
        && (text.split('/').count() != 2
            || text.starts_with('/')
            || text.ends_with('/')
            || text.contains(char::is_whitespace))
    {
        errors.at(
            Some(repo.span()),
            format!("`owners.repo` must be `owner/name`, not `{text}`"),
        );
    }
    if let Some(var) = &o.slack_webhook_env
        && !is_env_name(var.get_ref())
    {
        errors.at(
            Some(var.span()),
            "`owners.slack_webhook_env` names the environment variable holding the webhook URL (like GROWTH_SLACK_WEBHOOK), not the URL",
        );
    }
    Some(Owners {
        team: o.team.into_inner(),
        repo: o.repo.map(Spanned::into_inner),
        slack_webhook_env: o.slack_webhook_env.map(Spanned::into_inner),
        assignees: o.assignees,
        mentions: o.mentions,
        labels: o.labels,
    })
}

/// Checks `[pin]`: present, with a non-blank version (snapshots default to `snapshots/<name>`).
pub(super) fn pin(raw: Option<Spanned<RawPin>>, name: &str, errors: &mut Errors) -> Option<Pin> {
    let Some(p) = raw else {
        errors.at(None, "missing `[pin]` with the pinned `version`");
        return None;
    };
    if p.get_ref().version.trim().is_empty() {
        errors.at(
            Some(p.span()),
            "`pin.version` is empty: which vendor version is pinned?",
        );
    }
    let pin_span = p.span();
    let p = p.into_inner();
    let default = PathBuf::from("snapshots").join(name);
    let (snapshots, span) = match p.snapshots {
        None => (default, pin_span),
        Some(s) => {
            let span = s.span();
            match snapshot_folder(s.get_ref(), name) {
                Ok(folder) => (folder, span),
                Err(why) => {
                    errors.at(Some(span.clone()), why);
                    (default, span)
                }
            }
        }
    };
    Some(Pin {
        version: p.version,
        snapshots,
        snapshots_at: errors.lines.line_col(span.start),
    })
}

/// `pin.snapshots` as a folder under `snapshots/`; `..`, absolute paths and the
/// bare `snapshots/` would let `apiwatch pin` write anywhere.
fn snapshot_folder(text: &str, name: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let path = PathBuf::from(text.trim_end_matches('/'));
    let parts: Vec<Component<'_>> = path.components().collect();
    let plain = parts.iter().all(|c| matches!(c, Component::Normal(_)));
    let under = parts.first() == Some(&Component::Normal("snapshots".as_ref()));
    if plain && under && parts.len() >= 2 {
        Ok(path)
    } else {
        Err(format!(
            "`pin.snapshots` must be a folder under `snapshots/` (like `snapshots/{name}`), not `{text}`: snapshots stay inside the repository"
        ))
    }
}

/// Checks the `[[spec]]` entries: at least one, each valid, names distinct.
pub(super) fn specs(raw: Vec<Spanned<RawSource>>, errors: &mut Errors) -> Vec<SpecSource> {
    if raw.is_empty() {
        errors.at(
            None,
            "missing `[[spec]]`: where does the vendor publish the OpenAPI spec?",
        );
    }
    let mut specs = Vec::new();
    for s in raw {
        if let Some(spec) = spec(s, &specs, errors) {
            specs.push(spec);
        }
    }
    specs
}

/// Checks one `[[spec]]`: name, format, credential, location, no name shared with `accepted`.
fn spec(
    raw: Spanned<RawSource>,
    accepted: &[SpecSource],
    errors: &mut Errors,
) -> Option<SpecSource> {
    let span = raw.span();
    let s = raw.into_inner();
    let spec_name = s.name.unwrap_or_else(|| "openapi".to_owned());
    if !spec_name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.at(
            Some(span.clone()),
            format!("spec name `{spec_name}` must use only letters, digits, - and _"),
        );
    }
    // An entry with a bad location is reported already and never accepted, so a
    // later entry sharing its name is not called a duplicate on top of that.
    if accepted.iter().any(|x| x.name == spec_name) {
        errors.at(
            Some(span.clone()),
            format!("two `[[spec]]` entries are named `{spec_name}`; give each a distinct `name`"),
        );
    }
    if let Some(f) = &s.format
        && !matches!(f.get_ref().as_str(), "json" | "yaml")
    {
        errors.at(
            Some(f.span()),
            format!("`format` must be json or yaml, not `{}`", f.get_ref()),
        );
    }
    let credential = credential(s.token_env, s.token_header, errors);
    let location = location(s.url, s.file, span, errors)?;
    Some(SpecSource {
        name: spec_name,
        location,
        format: s.format.map(Spanned::into_inner),
        credential,
    })
}

/// Checks the `[[changelog]]` entries; those with a bad location are dropped.
pub(super) fn changelogs(
    raw: Vec<Spanned<RawChangelog>>,
    checks: &dyn Checks,
    errors: &mut Errors,
) -> Vec<ChangelogSource> {
    raw.into_iter()
        .filter_map(|c| changelog(c, checks, errors))
        .collect()
}

/// Checks one `[[changelog]]`: parseable selectors for html only, credential, location.
fn changelog(
    raw: Spanned<RawChangelog>,
    checks: &dyn Checks,
    errors: &mut Errors,
) -> Option<ChangelogSource> {
    let span = raw.span();
    let c = raw.into_inner();
    if c.kind == ChangelogKind::Html && c.selectors.is_none() {
        errors.at(
            Some(span.clone()),
            "an html changelog needs `selectors` (at least `entry`)",
        );
    }
    if let Some(sel) = &c.selectors {
        if c.kind != ChangelogKind::Html {
            errors.at(
                Some(span.clone()),
                "`selectors` only apply to `kind = \"html\"`",
            );
        }
        for s in sel.all().filter(|s| !checks.css_selector(s)) {
            errors.at(
                Some(span.clone()),
                format!("invalid CSS selector `{s}` in `selectors`"),
            );
        }
    }
    let credential = credential(c.token_env, c.token_header, errors);
    let location = location(c.url, c.file, span, errors)?;
    Some(ChangelogSource {
        location,
        kind: c.kind,
        selectors: c.selectors,
        keywords: c.keywords,
        credential,
    })
}

/// Checks the `[[uses]]` entries: a non-blank operation and a known compliance kind.
pub(super) fn uses(raw: Vec<Spanned<RawUse>>, errors: &mut Errors) -> Vec<UsedOperation> {
    let mut uses: Vec<UsedOperation> = Vec::new();
    // Reference → the line it was first listed on.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for u in raw {
        let u = u.into_inner();
        let op_span = u.operation.span();
        let reference = u.operation.into_inner();
        if reference.trim().is_empty() {
            errors.at(Some(op_span.clone()), "`operation` is empty");
        }
        let (line, _) = errors.lines.line_col(op_span.start);
        if let Some(first) = seen.get(&reference) {
            errors.at(
                Some(op_span.clone()),
                format!("`{reference}` is already listed in [[uses]] (line {first}): list each operation once"),
            );
        } else {
            seen.insert(reference.clone(), line);
        }
        let compliance = match u.compliance {
            Some(c) if !COMPLIANCE_KINDS.contains(&c.get_ref().as_str()) => {
                errors.at(
                    Some(c.span()),
                    format!(
                        "`compliance` must be one of {}, not `{}`",
                        COMPLIANCE_KINDS.join(", "),
                        c.get_ref()
                    ),
                );
                None
            }
            c => c.map(Spanned::into_inner),
        };
        let (line, column) = errors.lines.line_col(op_span.start);
        uses.push(UsedOperation {
            operation: reference,
            compliance,
            note: u.note,
            line,
            column,
        });
    }
    uses
}

/// Checks `[sandbox]`: an http(s) base URL (or `embedded = true`), credentials
/// naming environment variables, and the embedded sandbox's settings.
pub(super) fn sandbox(raw: Spanned<RawSandbox>, errors: &mut Errors) -> Sandbox {
    let span = raw.span();
    let s = raw.into_inner();
    let base_url = match (&s.base_url, s.embedded) {
        (Some(url), _) => {
            let u = url.get_ref();
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                errors.at(
                    Some(url.span()),
                    format!("`base_url` must be an http(s) URL, not `{u}`"),
                );
            }
            u.clone()
        }
        (None, true) => String::new(),
        (None, false) => {
            errors.at(
                Some(span.clone()),
                "`[sandbox]` needs `base_url` (the vendor's sandbox) or `embedded = true` (apiwatch serves it)",
            );
            String::new()
        }
    };
    let mut credentials = BTreeMap::new();
    for (role, var) in s.credentials {
        if !is_env_name(var.get_ref()) {
            errors.at(
                Some(var.span()),
                format!(
                    "credential `{role}` must name an environment variable (like CORVID_CLIENT_ID), not hold a value"
                ),
            );
        }
        credentials.insert(role, var.into_inner());
    }
    if s.auth != AuthKind::None && credentials.is_empty() {
        errors.at(
            Some(span.clone()),
            "`credentials` must name the environment variables holding the sandbox credentials",
        );
    }
    let m = &s.mock;
    if m.error_rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
        errors.at(Some(span.clone()), "`error_rate` must be between 0 and 1");
    }
    if let Some(l) = &m.latency_ms
        && parse_latency(l).is_none()
    {
        errors.at(
            Some(span.clone()),
            format!("`latency_ms` must be milliseconds (\"20\") or a range (\"5..50\"), not `{l}`"),
        );
    }
    if m.rate_limit
        .as_ref()
        .is_some_and(|r| r.requests == 0 || r.per_seconds == 0)
    {
        errors.at(
            Some(span.clone()),
            "`rate_limit` needs requests and per_seconds of at least 1",
        );
    }
    if s.budget.requests == Some(0)
        || s.budget
            .per_second
            .is_some_and(|r| !(0.01..=10_000.0).contains(&r))
    {
        errors.at(
            Some(span.clone()),
            "`budget` needs `requests` of at least 1 and `per_second` between 0.01 and 10000",
        );
    }
    if s.api_key_header.is_some() && s.api_key_query.is_some() {
        errors.at(
            Some(span.clone()),
            "give either `api_key_header` or `api_key_query`, not both",
        );
    }
    for sunset in &m.sunset {
        if sunset.date.parse::<jiff::civil::Date>().is_err() {
            errors.at(
                Some(span.clone()),
                format!("`sunset` date `{}` must be YYYY-MM-DD", sunset.date),
            );
        }
    }
    Sandbox {
        base_url,
        embedded: s.embedded,
        serve: s.serve,
        mock: s.mock,
        auth: s.auth,
        credentials,
        token_url: s.token_url,
        api_key_header: s.api_key_header,
        api_key_query: s.api_key_query,
        version_header: s.version_header,
        allow_production: s.allow_production,
        budget: s.budget,
        slow_ms: s.slow_ms,
    }
}

/// Checks `[webhook]`: a known scheme, variables by name, an http(s) URL for the
/// schemes that sign it, a positive tolerance, hex or base64.
pub(super) fn webhook(
    raw: Spanned<RawWebhook>,
    name: &str,
    checks: &dyn Checks,
    errors: &mut Errors,
) -> Webhook {
    let span = raw.span();
    let w = raw.into_inner();
    let scheme = w.scheme.get_ref().clone();
    if !checks.webhook_scheme(&scheme) {
        errors.at(
            Some(w.scheme.span()),
            format!(
                "`{scheme}` is not a webhook scheme apiwatch knows (hubspot-v1, hubspot-v2, hubspot-v3, stripe, slack, twilio, sendgrid, shopify, github, hmac-sha256, hmac-sha1)"
            ),
        );
    }
    for var in std::iter::once(&w.secret_env).chain(w.signing_key_env.as_ref()) {
        if !is_env_name(var.get_ref()) {
            errors.at(
                Some(var.span()),
                "`secret_env` and `signing_key_env` name environment variables (like CORVID_WEBHOOK_SECRET), not hold the secret",
            );
        }
    }
    if let Some(u) = &w.url
        && !(u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://"))
    {
        errors.at(
            Some(u.span()),
            format!(
                "`url` must be the receiver's http(s) URL, not `{}`",
                u.get_ref()
            ),
        );
    }
    if matches!(scheme.as_str(), "hubspot-v2" | "hubspot-v3" | "twilio") && w.url.is_none() {
        errors.at(
            Some(span.clone()),
            format!("`{scheme}` signs the URL the vendor calls: `[webhook]` needs `url`"),
        );
    }
    if let Some(t) = &w.tolerance
        && *t.get_ref() < 1
    {
        errors.at(Some(t.span()), "`tolerance` is seconds: at least 1");
    }
    if let Some(e) = &w.encoding
        && !matches!(e.get_ref().as_str(), "hex" | "base64")
    {
        errors.at(Some(e.span()), "`encoding` is hex or base64");
    }
    Webhook {
        scheme,
        secret_env: w.secret_env.into_inner(),
        signing_key_env: w.signing_key_env.map(Spanned::into_inner),
        url: w.url.map(Spanned::into_inner),
        tolerance: w.tolerance.map(Spanned::into_inner),
        signature_header: w.signature_header,
        prefix: w.prefix,
        encoding: w.encoding.map(Spanned::into_inner),
        events: PathBuf::from("contracts").join(name).join("webhooks"),
    }
}

/// `"20"` as (20, 20), `"5..50"` as (5, 50).
pub fn parse_latency(text: &str) -> Option<(u64, u64)> {
    match text.split_once("..") {
        Some((lo, hi)) => {
            let (lo, hi) = (lo.trim().parse().ok()?, hi.trim().parse().ok()?);
            (lo <= hi).then_some((lo, hi))
        }
        None => {
            let v = text.trim().parse().ok()?;
            Some((v, v))
        }
    }
}

/// Checks `[policy]`: run counts of at least 1, `x-` extensions, known rules in `severity`.
pub(super) fn policy(raw: Spanned<RawPolicy>, errors: &mut Errors) -> Policy {
    let p_span = raw.span();
    let p = raw.into_inner();
    if p.debounce_runs == Some(0) || p.escalate_after_failures == Some(0) {
        errors.at(
            Some(p_span),
            "`debounce_runs` and `escalate_after_failures` count runs: at least 1",
        );
    }
    let default = Policy::default();
    let mut policy = Policy {
        fail_on: p.fail_on.unwrap_or(default.fail_on),
        debounce_runs: p.debounce_runs.unwrap_or(default.debounce_runs),
        escalate_after_failures: p
            .escalate_after_failures
            .unwrap_or(default.escalate_after_failures),
        ..default
    };
    for ext in p.deprecation_extensions {
        if !ext.get_ref().starts_with("x-") {
            errors.at(
                Some(ext.span()),
                format!(
                    "`{}` is not a vendor extension (they start with `x-`)",
                    ext.get_ref()
                ),
            );
        }
        policy.deprecation_extensions.push(ext.into_inner());
    }
    for (id, level) in p.severity {
        match RuleId::parse(id.get_ref()) {
            Some(rule) => {
                policy.severity.insert(rule, level);
            }
            None => errors.at(
                Some(id.span()),
                format!(
                    "unknown rule `{}` in `policy.severity` (see `apiwatch rules`)",
                    id.get_ref()
                ),
            ),
        }
    }
    policy
}

/// Checks `[contract]`: a non-blank vendor and API.
pub(super) fn contract(raw: Spanned<RawContract>, errors: &mut Errors) -> RawContract {
    let span = raw.span();
    let contract = raw.into_inner();
    if contract.vendor.trim().is_empty() || contract.api.trim().is_empty() {
        errors.at(
            Some(span),
            "`contract.vendor` and `contract.api` must name the vendor and its API",
        );
    }
    contract
}

/// Checks a source gives exactly one of an http(s) `url` or a `file`.
fn location(
    url: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    span: Range<usize>,
    errors: &mut Errors,
) -> Option<Location> {
    match (url, file) {
        (Some(u), None) => {
            let text = u.get_ref();
            if text.starts_with("https://") || text.starts_with("http://") {
                Some(Location::Url(u.into_inner()))
            } else {
                errors.at(
                    Some(u.span()),
                    format!("`url` must start with https:// or http://, not `{text}`"),
                );
                None
            }
        }
        (None, Some(f)) => {
            let path = PathBuf::from(f.get_ref());
            let inside = path.components().all(|c| {
                matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            });
            if inside && !f.get_ref().is_empty() {
                if !errors.checks.local_file(&path) {
                    errors.at(
                        Some(f.span()),
                        format!(
                            "`file` names `{}`, which does not exist (paths are relative to the repository root)",
                            f.get_ref()
                        ),
                    );
                    return None;
                }
                Some(Location::File(path))
            } else {
                errors.at(
                    Some(f.span()),
                    format!(
                        "`file` must be a path inside the repository (relative, without `..`), not `{}`",
                        f.get_ref()
                    ),
                );
                None
            }
        }
        (Some(u), Some(_)) => {
            errors.at(Some(u.span()), "give either `url` or `file`, not both");
            None
        }
        (None, None) => {
            errors.at(Some(span), "needs a `url` or a `file`");
            None
        }
    }
}

/// Checks a private source's `token_env` names an environment variable, not the token itself.
fn credential(
    env: Option<Spanned<String>>,
    header: Option<String>,
    errors: &mut Errors,
) -> Option<SourceCredential> {
    let env = env?;
    if !is_env_name(env.get_ref()) {
        errors.at(
            Some(env.span()),
            "`token_env` must name an environment variable (like VENDOR_DOCS_TOKEN), not hold the token",
        );
    }
    Some(SourceCredential {
        env: env.into_inner(),
        header,
    })
}

/// Whether `s` looks like an environment variable name (`[A-Z_][A-Z0-9_]*`).
fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
