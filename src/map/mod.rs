//! MAP: `contracts/*/contract.toml` in, a validated [`IntegrationMap`] out.
//!
//! The integration map says what is connected to what: each contract is one vendor
//! API, with its owners, upstream sources, pinned version, the operations the
//! integration uses (and which are compliance-critical), its sandbox and policies.
//! Files are parsed strictly — unknown keys and bad values are errors — and every
//! error names the file, line and column, so a typo in a contract is found in review
//! and not at 3 a.m. by a silent nightly run. The format is documented in
//! `docs/contract-format.md`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::config::{
    ChangelogKind, Keywords, Location, Selectors, SourceCredential, UseEntry, Uses,
};
use crate::finding::{Level, Overrides, RuleId};

/// All contracts, sorted by name.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationMap {
    pub root: PathBuf,
    pub contracts: Vec<Contract>,
}

/// One vendor API the company integrates with.
#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    pub name: String,
    /// Path of its `contract.toml`, for messages.
    pub file: PathBuf,
    pub vendor: String,
    pub api: String,
    pub description: Option<String>,
    pub docs: Option<String>,
    pub owners: Owners,
    pub pin: Pin,
    pub specs: Vec<SpecSource>,
    pub changelogs: Vec<ChangelogSource>,
    pub uses: Vec<UsedOperation>,
    pub sandbox: Option<Sandbox>,
    pub policy: Policy,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owners {
    pub team: String,
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    #[serde(default)]
    pub mentions: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pin {
    pub version: String,
    /// Folder holding the snapshots, relative to the map root.
    pub snapshots: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpecSource {
    pub name: String,
    pub location: Location,
    pub format: Option<String>,
    pub credential: Option<SourceCredential>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangelogSource {
    pub location: Location,
    pub kind: ChangelogKind,
    pub selectors: Option<Selectors>,
    /// Extra classification keywords, on top of the defaults.
    pub keywords: Keywords,
    pub credential: Option<SourceCredential>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsedOperation {
    pub operation: String,
    pub compliance: Option<String>,
    pub note: Option<String>,
    /// 1-based line and column of the reference in `contract.toml`.
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    None,
    ApiKey,
    Bearer,
    Basic,
    Oauth2,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sandbox {
    pub base_url: String,
    pub auth: AuthKind,
    /// Credential role → environment variable name.
    pub credentials: BTreeMap<String, String>,
    pub token_url: Option<String>,
    pub api_key_header: Option<String>,
    pub version_header: Option<VersionHeader>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub fail_on: FailOn,
    pub debounce_runs: u32,
    pub severity: Overrides,
    /// Vendor extensions that mark an operation or parameter deprecated.
    pub deprecation_extensions: Vec<String>,
    /// A source failing this many runs in a row becomes an issue (and fails the run).
    pub escalate_after_failures: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fail_on: FailOn::Error,
            debounce_runs: 2,
            severity: Overrides::new(),
            deprecation_extensions: Vec::new(),
            escalate_after_failures: 3,
        }
    }
}

impl Contract {
    /// The operations in use, for the rules' relevance check.
    pub fn uses(&self) -> Uses {
        Uses {
            entries: self
                .uses
                .iter()
                .map(|u| UseEntry {
                    reference: u.operation.clone(),
                    compliance: u.compliance.clone(),
                })
                .collect(),
        }
    }

    /// Where the changelog snapshot lives.
    pub fn changelog_snapshot_path(&self, root: &Path) -> PathBuf {
        root.join(&self.pin.snapshots).join("changelog.json")
    }

    /// Where the pinned snapshot of spec `name` lives.
    pub fn snapshot_path(&self, root: &Path, spec: &str) -> PathBuf {
        root.join(&self.pin.snapshots).join(format!("{spec}.json"))
    }

    /// Credential environment variables (sandbox and private sources) that are not set.
    pub fn missing_credentials(&self) -> Vec<String> {
        let sandbox = self.sandbox.iter().flat_map(|s| s.credentials.values());
        let sources = self
            .specs
            .iter()
            .filter_map(|s| s.credential.as_ref())
            .chain(self.changelogs.iter().filter_map(|c| c.credential.as_ref()))
            .map(|c| &c.env);
        let mut missing: Vec<String> = sandbox
            .chain(sources)
            .filter(|v| std::env::var_os(v).is_none_or(|x| x.is_empty()))
            .cloned()
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }
}

/// A contract that could not be loaded, with the place to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ContractError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Why the map could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("{0}: cannot read the integration map: {1}")]
    Io(String, std::io::Error),
    #[error("{0}: no contracts found (expected contracts/<name>/contract.toml)")]
    Empty(String),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ContractError>),
    #[error("no contract named `{name}`; known: {known}")]
    UnknownContract { name: String, known: String },
}

// ---- raw file shapes -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    contract: Spanned<RawContract>,
    owners: Option<Spanned<RawOwners>>,
    pin: Option<Spanned<RawPin>>,
    #[serde(default)]
    spec: Vec<Spanned<RawSource>>,
    #[serde(default)]
    changelog: Vec<Spanned<RawChangelog>>,
    #[serde(default)]
    uses: Vec<Spanned<RawUse>>,
    sandbox: Option<Spanned<RawSandbox>>,
    policy: Option<Spanned<RawPolicy>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    vendor: String,
    api: String,
    description: Option<String>,
    docs: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwners {
    team: Spanned<String>,
    #[serde(default)]
    repo: Option<Spanned<String>>,
    #[serde(default)]
    assignees: Vec<String>,
    #[serde(default)]
    mentions: Vec<String>,
    #[serde(default)]
    labels: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPin {
    version: String,
    snapshots: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Option<String>,
    url: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    token_header: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChangelog {
    url: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    kind: ChangelogKind,
    selectors: Option<Selectors>,
    #[serde(default)]
    keywords: Keywords,
    token_env: Option<Spanned<String>>,
    token_header: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUse {
    operation: Spanned<String>,
    compliance: Option<Spanned<String>>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    base_url: Spanned<String>,
    auth: AuthKind,
    #[serde(default)]
    credentials: BTreeMap<String, Spanned<String>>,
    token_url: Option<String>,
    api_key_header: Option<String>,
    version_header: Option<VersionHeader>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    fail_on: Option<FailOn>,
    debounce_runs: Option<u32>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Level>,
    #[serde(default)]
    deprecation_extensions: Vec<Spanned<String>>,
    escalate_after_failures: Option<u32>,
}

const COMPLIANCE_KINDS: [&str; 5] = ["opt-out", "unsubscribe", "consent", "deletion", "other"];

// ---- loading ---------------------------------------------------------------

/// What the loader cannot judge itself and asks the stage that can: whether a CSS
/// selector parses is the HTML changelog reader's business.
pub trait Checks {
    fn css_selector(&self, selector: &str) -> bool;
}

/// Checks nothing beyond the file itself.
pub struct FileOnly;

impl Checks for FileOnly {
    fn css_selector(&self, _: &str) -> bool {
        true
    }
}

/// Loads every `contracts/<name>/contract.toml` under `root`, checking the files
/// only (see [`load_with`]).
pub fn load(root: &Path) -> Result<IntegrationMap, MapError> {
    load_with(root, &FileOnly)
}

/// Loads every `contracts/<name>/contract.toml` under `root`; every problem of
/// every file is reported at once.
pub fn load_with(root: &Path, checks: &dyn Checks) -> Result<IntegrationMap, MapError> {
    let dir = root.join("contracts");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| MapError::Io(dir.display().to_string(), e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| MapError::Io(dir.display().to_string(), e))?;
        let file = entry.path().join("contract.toml");
        if file.is_file() {
            files.push((entry.file_name().to_string_lossy().into_owned(), file));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(MapError::Empty(dir.display().to_string()));
    }
    let mut contracts = Vec::new();
    let mut errors = Vec::new();
    for (name, file) in files {
        let shown = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        match std::fs::read_to_string(&file) {
            Ok(text) => match parse_contract_with(&name, &shown, &text, checks) {
                Ok(c) => contracts.push(c),
                Err(mut e) => errors.append(&mut e),
            },
            Err(e) => return Err(MapError::Io(file.display().to_string(), e)),
        }
    }
    if !errors.is_empty() {
        return Err(MapError::Invalid(errors));
    }
    Ok(IntegrationMap {
        root: root.to_path_buf(),
        contracts,
    })
}

impl IntegrationMap {
    pub fn get(&self, name: &str) -> Result<&Contract, MapError> {
        self.contracts
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| MapError::UnknownContract {
                name: name.to_owned(),
                known: self
                    .contracts
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Parses one `contract.toml`. `file` is how the file is named in errors.
pub fn parse_contract(name: &str, file: &Path, text: &str) -> Result<Contract, Vec<ContractError>> {
    parse_contract_with(name, file, text, &FileOnly)
}

/// [`parse_contract`], asking `checks` what the loader cannot judge.
pub fn parse_contract_with(
    name: &str,
    file: &Path,
    text: &str,
    checks: &dyn Checks,
) -> Result<Contract, Vec<ContractError>> {
    let shown = file.display().to_string();
    let err_at = |span: Option<Range<usize>>, message: String| {
        let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        ContractError {
            file: shown.clone(),
            line,
            column,
            message,
        }
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || name.is_empty()
    {
        return Err(vec![err_at(
            None,
            format!("contract folder name `{name}` must use only a-z, 0-9 and -"),
        )]);
    }
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => return Err(vec![err_at(e.span(), e.message().trim().to_owned())]),
    };
    let mut errors = Vec::new();
    let whole = Some(0..0);
    let owners = match raw.owners {
        Some(o) => {
            let o = o.into_inner();
            if o.team.get_ref().trim().is_empty() {
                errors.push(err_at(
                    Some(o.team.span()),
                    "`owners.team` must name the owning team".into(),
                ));
            }
            if let Some(repo) = &o.repo
                && let text = repo.get_ref()
                && (text.split('/').count() != 2
                    || text.starts_with('/')
                    || text.ends_with('/')
                    || text.contains(char::is_whitespace))
            {
                errors.push(err_at(
                    Some(repo.span()),
                    format!("`owners.repo` must be `owner/name`, not `{text}`"),
                ));
            }
            Some(Owners {
                team: o.team.into_inner(),
                repo: o.repo.map(Spanned::into_inner),
                assignees: o.assignees,
                mentions: o.mentions,
                labels: o.labels,
            })
        }
        None => {
            errors.push(err_at(
                whole.clone(),
                "missing `[owners]`: every contract needs an owning team (owners.team)".into(),
            ));
            None
        }
    };
    let pin = match raw.pin {
        Some(p) => {
            if p.get_ref().version.trim().is_empty() {
                errors.push(err_at(
                    Some(p.span()),
                    "`pin.version` is empty: which vendor version is pinned?".into(),
                ));
            }
            let p = p.into_inner();
            Some(Pin {
                version: p.version,
                snapshots: p
                    .snapshots
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("snapshots").join(name)),
            })
        }
        None => {
            errors.push(err_at(
                whole.clone(),
                "missing `[pin]` with the pinned `version`".into(),
            ));
            None
        }
    };
    if raw.spec.is_empty() {
        errors.push(err_at(
            whole.clone(),
            "missing `[[spec]]`: where does the vendor publish the OpenAPI spec?".into(),
        ));
    }
    let mut specs = Vec::new();
    for s in raw.spec {
        let span = s.span();
        let s = s.into_inner();
        let spec_name = s.name.unwrap_or_else(|| "openapi".to_owned());
        if !spec_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(err_at(
                Some(span.clone()),
                format!("spec name `{spec_name}` must use only letters, digits, - and _"),
            ));
        }
        if specs.iter().any(|x: &SpecSource| x.name == spec_name) {
            errors.push(err_at(
                Some(span.clone()),
                format!(
                    "two `[[spec]]` entries are named `{spec_name}`; give each a distinct `name`"
                ),
            ));
        }
        if let Some(f) = &s.format
            && !matches!(f.get_ref().as_str(), "json" | "yaml")
        {
            errors.push(err_at(
                Some(f.span()),
                format!("`format` must be json or yaml, not `{}`", f.get_ref()),
            ));
        }
        let credential = credential(s.token_env, s.token_header, &mut |span, msg| {
            errors.push(err_at(Some(span), msg))
        });
        match location(s.url, s.file, span) {
            Ok(location) => specs.push(SpecSource {
                name: spec_name,
                location,
                format: s.format.map(Spanned::into_inner),
                credential,
            }),
            Err((span, msg)) => errors.push(err_at(Some(span), msg)),
        }
    }
    let mut changelogs = Vec::new();
    for c in raw.changelog {
        let span = c.span();
        let c = c.into_inner();
        if c.kind == ChangelogKind::Html && c.selectors.is_none() {
            errors.push(err_at(
                Some(span.clone()),
                "an html changelog needs `selectors` (at least `entry`)".into(),
            ));
        }
        if let Some(sel) = &c.selectors {
            if c.kind != ChangelogKind::Html {
                errors.push(err_at(
                    Some(span.clone()),
                    "`selectors` only apply to `kind = \"html\"`".into(),
                ));
            }
            for s in sel.all().filter(|s| !checks.css_selector(s)) {
                errors.push(err_at(
                    Some(span.clone()),
                    format!("invalid CSS selector `{s}` in `selectors`"),
                ));
            }
        }
        let credential = credential(c.token_env, c.token_header, &mut |span, msg| {
            errors.push(err_at(Some(span), msg))
        });
        match location(c.url, c.file, span) {
            Ok(location) => changelogs.push(ChangelogSource {
                location,
                kind: c.kind,
                selectors: c.selectors,
                keywords: c.keywords,
                credential,
            }),
            Err((span, msg)) => errors.push(err_at(Some(span), msg)),
        }
    }
    let mut uses = Vec::new();
    for u in raw.uses {
        let u = u.into_inner();
        let op_span = u.operation.span();
        let reference = u.operation.into_inner();
        if reference.trim().is_empty() {
            errors.push(err_at(Some(op_span.clone()), "`operation` is empty".into()));
        }
        let compliance = match u.compliance {
            Some(c) if !COMPLIANCE_KINDS.contains(&c.get_ref().as_str()) => {
                errors.push(err_at(
                    Some(c.span()),
                    format!(
                        "`compliance` must be one of {}, not `{}`",
                        COMPLIANCE_KINDS.join(", "),
                        c.get_ref()
                    ),
                ));
                None
            }
            c => c.map(Spanned::into_inner),
        };
        uses.push(UsedOperation {
            operation: reference,
            compliance,
            note: u.note,
            line: line_col(text, op_span.start).0,
            column: line_col(text, op_span.start).1,
        });
    }
    let sandbox = raw.sandbox.map(|s| {
        let s = s.into_inner();
        let url = s.base_url.get_ref();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            errors.push(err_at(Some(s.base_url.span()), format!("`base_url` must be an http(s) URL, not `{url}`")));
        }
        let mut credentials = BTreeMap::new();
        for (role, var) in s.credentials {
            if !is_env_name(var.get_ref()) {
                errors.push(err_at(
                    Some(var.span()),
                    format!("credential `{role}` must name an environment variable (like CORVID_CLIENT_ID), not hold a value"),
                ));
            }
            credentials.insert(role, var.into_inner());
        }
        if s.auth != AuthKind::None && credentials.is_empty() {
            errors.push(err_at(Some(s.base_url.span()), "`credentials` must name the environment variables holding the sandbox credentials".into()));
        }
        Sandbox {
            base_url: s.base_url.into_inner(),
            auth: s.auth,
            credentials,
            token_url: s.token_url,
            api_key_header: s.api_key_header,
            version_header: s.version_header,
        }
    });
    let mut policy = Policy::default();
    if let Some(p) = raw.policy {
        let p_span = p.span();
        let p = p.into_inner();
        if p.debounce_runs == Some(0) || p.escalate_after_failures == Some(0) {
            errors.push(err_at(
                Some(p_span),
                "`debounce_runs` and `escalate_after_failures` count runs: at least 1".into(),
            ));
        }
        policy.fail_on = p.fail_on.unwrap_or(policy.fail_on);
        policy.debounce_runs = p.debounce_runs.unwrap_or(policy.debounce_runs);
        policy.escalate_after_failures = p
            .escalate_after_failures
            .unwrap_or(policy.escalate_after_failures);
        for ext in p.deprecation_extensions {
            if !ext.get_ref().starts_with("x-") {
                errors.push(err_at(
                    Some(ext.span()),
                    format!(
                        "`{}` is not a vendor extension (they start with `x-`)",
                        ext.get_ref()
                    ),
                ));
            }
            policy.deprecation_extensions.push(ext.into_inner());
        }
        for (id, level) in p.severity {
            match RuleId::parse(id.get_ref()) {
                Some(rule) => {
                    policy.severity.insert(rule, level);
                }
                None => errors.push(err_at(
                    Some(id.span()),
                    format!(
                        "unknown rule `{}` in `policy.severity` (see `apiwatch rules`)",
                        id.get_ref()
                    ),
                )),
            }
        }
    }
    let contract_span = raw.contract.span();
    let contract = raw.contract.into_inner();
    if contract.vendor.trim().is_empty() || contract.api.trim().is_empty() {
        errors.push(err_at(
            Some(contract_span),
            "`contract.vendor` and `contract.api` must name the vendor and its API".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match (owners, pin) {
        (Some(owners), Some(pin)) => Ok(Contract {
            name: name.to_owned(),
            file: file.to_path_buf(),
            vendor: contract.vendor,
            api: contract.api,
            description: contract.description,
            docs: contract.docs,
            owners,
            pin,
            specs,
            changelogs,
            uses,
            sandbox,
            policy,
        }),
        _ => Err(vec![err_at(None, "incomplete contract".into())]),
    }
}

fn location(
    url: Option<Spanned<String>>,
    file: Option<Spanned<String>>,
    span: Range<usize>,
) -> Result<Location, (Range<usize>, String)> {
    match (url, file) {
        (Some(u), None) => {
            let text = u.get_ref();
            if text.starts_with("https://") || text.starts_with("http://") {
                Ok(Location::Url(u.into_inner()))
            } else {
                Err((
                    u.span(),
                    format!("`url` must start with https:// or http://, not `{text}`"),
                ))
            }
        }
        (None, Some(f)) => Ok(Location::File(PathBuf::from(f.into_inner()))),
        (Some(u), Some(_)) => Err((u.span(), "give either `url` or `file`, not both".into())),
        (None, None) => Err((span, "needs a `url` or a `file`".into())),
    }
}

fn credential(
    env: Option<Spanned<String>>,
    header: Option<String>,
    error: &mut dyn FnMut(Range<usize>, String),
) -> Option<SourceCredential> {
    let env = env?;
    if !is_env_name(env.get_ref()) {
        error(env.span(), "`token_env` must name an environment variable (like VENDOR_DOCS_TOKEN), not hold the token".into());
    }
    Some(SourceCredential {
        env: env.into_inner(),
        header,
    })
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}
