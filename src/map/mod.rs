//! MAP: `contracts/*/contract.toml` in, a validated [`IntegrationMap`] out.
//!
//! The integration map says what is connected to what: each contract is one vendor
//! API, with its owners, upstream sources, pinned version, the operations the
//! integration uses (and which are compliance-critical), its sandbox and policies.
//! Files are parsed strictly — unknown keys and bad values are errors — and every
//! error names the file, line and column, so a typo in a contract is found in review
//! and not at 3 a.m. by a silent nightly run. The format is documented in
//! `docs/contract-format.md`.

mod sections;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::config::{
    ChangelogKind, Keywords, Location, Selectors, SourceCredential, UseEntry, Uses,
};
use crate::finding::{Level, Overrides};
use sections::Errors;
pub use sections::parse_latency;

/// All contracts, sorted by name.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationMap {
    pub root: PathBuf,
    pub contracts: Vec<Contract>,
    /// Contracts that failed validation, when loaded leniently ([`load_lenient_with`]):
    /// the night reports them as invalid and checks every other contract.
    #[serde(skip)]
    pub invalid: Vec<InvalidContract>,
}

/// A contract whose file (or `[[uses]]`) failed validation.
#[derive(Debug, Clone)]
pub struct InvalidContract {
    pub name: String,
    pub errors: Vec<String>,
    /// The contract as read, when its file parsed (its owners can be told).
    pub contract: Option<Box<Contract>>,
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
    pub webhook: Option<Webhook>,
    pub policy: Policy,
}

/// How the vendor signs the webhook deliveries the integration receives.
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    /// A scheme name (`hubspot-v3`, `stripe`, …; see docs/contract-format.md).
    pub scheme: String,
    /// The variable holding the signing secret (SendGrid: the public key).
    pub secret_env: String,
    /// SendGrid only: the variable holding a private key to sign test deliveries.
    pub signing_key_env: Option<String>,
    /// The receiver's public URL, as the vendor calls it (schemes that sign the URL).
    pub url: Option<String>,
    /// Seconds a timestamp may be off (default 300).
    pub tolerance: Option<i64>,
    /// The generic `hmac-sha256` / `hmac-sha1` schemes' header, prefix and encoding.
    pub signature_header: Option<String>,
    pub prefix: Option<String>,
    pub encoding: Option<String>,
    /// The folder of sample events (relative to the map root).
    pub events: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owners {
    pub team: String,
    #[serde(default)]
    pub repo: Option<String>,
    /// The variable holding the team's Slack incoming-webhook URL, for what must
    /// wake someone (compliance-critical problems, sources failing night after night).
    #[serde(default)]
    pub slack_webhook_env: Option<String>,
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
    /// Folder holding the snapshots, relative to the map root: always under
    /// `snapshots/`, and no other contract's.
    pub snapshots: PathBuf,
    /// Where `pin.snapshots` is written (line, column), for errors found later.
    #[serde(skip)]
    pub snapshots_at: (usize, usize),
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
    /// The vendor's sandbox; empty for an embedded one.
    pub base_url: String,
    /// apiwatch serves the sandbox itself from a spec (`apiwatch sandbox NAME`,
    /// and `run`/`test` start it in-process).
    pub embedded: bool,
    /// What an embedded sandbox serves: the pinned snapshot, or the upstream spec
    /// (the vendor's current behaviour while the contract stays pinned: drift).
    pub serve: Serve,
    /// How an embedded sandbox behaves.
    pub mock: Mock,
    pub auth: AuthKind,
    /// Credential role → environment variable name.
    pub credentials: BTreeMap<String, String>,
    pub token_url: Option<String>,
    pub api_key_header: Option<String>,
    /// The query parameter an API key travels in (instead of a header).
    pub api_key_query: Option<String>,
    pub version_header: Option<VersionHeader>,
    /// Contract tests may run against one of the spec's production servers.
    pub allow_production: bool,
    /// How many requests the contract tests may make.
    pub budget: Budget,
    /// A response slower than this (milliseconds) is `sandbox-slow`.
    pub slow_ms: Option<u64>,
}

/// The contract tests' request budget (`[sandbox] budget`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Requests per run, retries and token requests included.
    #[serde(default)]
    pub requests: Option<u64>,
    /// Requests per second, at most.
    #[serde(default)]
    pub per_second: Option<f64>,
}

/// What an embedded sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Serve {
    #[default]
    Pinned,
    Upstream,
}

/// The behaviour of an embedded sandbox (`[sandbox]` keys; see docs/contract-format.md).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mock {
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub stateful: bool,
    /// Collection path → item path, beside those found from path shapes.
    #[serde(default)]
    pub collections: BTreeMap<String, String>,
    /// Seconds an OAuth access token lives.
    #[serde(default)]
    pub token_expires_in: Option<u64>,
    #[serde(default)]
    pub rotate_refresh_tokens: bool,
    /// `"20"` or `"5..50"` milliseconds.
    #[serde(default)]
    pub latency_ms: Option<String>,
    #[serde(default)]
    pub error_rate: Option<f64>,
    #[serde(default)]
    pub rate_limit: Option<MockRateLimit>,
    #[serde(default)]
    pub sunset: Vec<MockSunset>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockRateLimit {
    pub requests: u64,
    pub per_seconds: u64,
    #[serde(default)]
    pub limit_header: Option<String>,
    #[serde(default)]
    pub remaining_header: Option<String>,
    #[serde(default)]
    pub reset_header: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockSunset {
    /// `METHOD /path` or an operationId.
    pub operation: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub deprecated: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
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
    /// The `note` of the `[[uses]]` entry an operation matches (by operationId, or
    /// by method and path, parameter names aside).
    pub fn note_for(
        &self,
        method: Option<&str>,
        path: Option<&str>,
        operation_id: Option<&str>,
    ) -> Option<&str> {
        self.use_for(method, path, operation_id)
            .and_then(|u| u.note.as_deref())
    }

    /// The `[[uses]]` entry an operation matches (by operationId, or by method and
    /// path, parameter names aside).
    pub fn use_for(
        &self,
        method: Option<&str>,
        path: Option<&str>,
        operation_id: Option<&str>,
    ) -> Option<&UsedOperation> {
        use crate::spec::model::split_method_path;
        use crate::spec::path::match_key;
        self.uses.iter().find(|u| {
            let by_id = operation_id == Some(u.operation.as_str());
            let by_path = split_method_path(&u.operation).is_some_and(|(m, p)| {
                method == Some(m.as_str())
                    && path.map(|fp| match_key("", fp)) == Some(match_key("", p))
            });
            by_id || by_path
        })
    }

    pub fn missing_credentials(&self) -> Vec<String> {
        let mut needs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        // An embedded sandbox runs in this process: what it checks is what the probe
        // sends, stand-ins when unset, so its credentials are nobody's single point
        // of failure.
        if let Some(s) = self.sandbox.as_ref().filter(|s| !s.embedded) {
            for v in s.credentials.values() {
                needs.entry(v).or_default().push("the sandbox".to_owned());
            }
        }
        for s in &self.specs {
            if let Some(c) = &s.credential {
                needs
                    .entry(&c.env)
                    .or_default()
                    .push(format!("spec `{}`", s.name));
            }
        }
        if let Some(w) = &self.webhook {
            needs
                .entry(&w.secret_env)
                .or_default()
                .push("the webhook signatures".to_owned());
        }
        for c in &self.changelogs {
            if let Some(cred) = &c.credential {
                needs
                    .entry(&cred.env)
                    .or_default()
                    .push(format!("changelog {}", c.location));
            }
        }
        needs
            .into_iter()
            .filter(|(v, _)| std::env::var_os(v).is_none_or(|x| x.is_empty()))
            .map(|(v, mut what)| {
                what.dedup();
                format!("{v} (for {})", what.join(", "))
            })
            .collect()
    }
}

/// A contract that could not be loaded, with the place to fix it.
#[derive(Debug, Clone, thiserror::Error)]
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
    #[error(
        "{0}: cannot read the integration map: {1} (run apiwatch from the repository root, the folder holding contracts/, or pass --root DIR)"
    )]
    Io(String, std::io::Error),
    #[error(
        "{0}: no contracts found (expected contracts/<name>/contract.toml; run apiwatch from the repository root or pass --root DIR)"
    )]
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
    webhook: Option<Spanned<RawWebhook>>,
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
    slack_webhook_env: Option<Spanned<String>>,
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
    snapshots: Option<Spanned<String>>,
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
    #[serde(default)]
    base_url: Option<Spanned<String>>,
    #[serde(default)]
    embedded: bool,
    #[serde(default)]
    serve: Serve,
    #[serde(flatten)]
    mock: Mock,
    #[serde(default = "no_auth")]
    auth: AuthKind,
    #[serde(default)]
    credentials: BTreeMap<String, Spanned<String>>,
    token_url: Option<String>,
    api_key_header: Option<String>,
    api_key_query: Option<String>,
    version_header: Option<VersionHeader>,
    #[serde(default)]
    allow_production: bool,
    #[serde(default)]
    budget: Budget,
    slow_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    scheme: Spanned<String>,
    secret_env: Spanned<String>,
    signing_key_env: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    tolerance: Option<Spanned<i64>>,
    signature_header: Option<String>,
    prefix: Option<String>,
    encoding: Option<Spanned<String>>,
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

fn no_auth() -> AuthKind {
    AuthKind::None
}

// ---- loading ---------------------------------------------------------------

/// What the loader cannot judge itself and asks the stage that can: whether a CSS
/// selector parses is the HTML changelog reader's business.
pub trait Checks {
    fn css_selector(&self, selector: &str) -> bool;
    /// Whether `name` is a webhook signature scheme apiwatch knows.
    fn webhook_scheme(&self, name: &str) -> bool;
    /// Whether a contract's local `file` (relative to the map root) is there: a
    /// typo is a contract error at once, not a night of "unreachable".
    fn local_file(&self, relative: &Path) -> bool;
}

/// Checks nothing beyond the file itself.
pub struct FileOnly;

impl Checks for FileOnly {
    fn webhook_scheme(&self, _: &str) -> bool {
        true
    }

    fn css_selector(&self, _: &str) -> bool {
        true
    }

    fn local_file(&self, _: &Path) -> bool {
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
    let (map, errors) = load_each(root, checks)?;
    if !errors.is_empty() {
        return Err(MapError::Invalid(errors));
    }
    Ok(map)
}

/// Like [`load_with`], but a contract that fails validation is set aside in
/// [`IntegrationMap::invalid`] instead of failing the whole map: one bad contract
/// must not hide the others' night.
pub fn load_lenient_with(root: &Path, checks: &dyn Checks) -> Result<IntegrationMap, MapError> {
    let (mut map, errors) = load_each(root, checks)?;
    map.set_aside(errors);
    Ok(map)
}

impl IntegrationMap {
    /// Moves the contracts these errors are about into [`IntegrationMap::invalid`].
    pub fn set_aside(&mut self, errors: Vec<ContractError>) {
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in errors {
            let name = Path::new(&e.file)
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            by_name.entry(name).or_default().push(e.to_string());
        }
        let (aside, kept): (Vec<Contract>, Vec<Contract>) = std::mem::take(&mut self.contracts)
            .into_iter()
            .partition(|c| by_name.contains_key(&c.name));
        self.contracts = kept;
        let mut parsed: BTreeMap<String, Contract> =
            aside.into_iter().map(|c| (c.name.clone(), c)).collect();
        for (name, errors) in by_name {
            let contract = parsed.remove(&name).map(Box::new);
            match self.invalid.iter_mut().find(|i| i.name == name) {
                Some(i) => {
                    i.errors.extend(errors);
                    i.contract = i.contract.take().or(contract);
                }
                None => self.invalid.push(InvalidContract {
                    name,
                    errors,
                    contract,
                }),
            }
        }
        self.invalid.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Every contract file parsed: the good contracts, and every error found.
fn load_each(
    root: &Path,
    checks: &dyn Checks,
) -> Result<(IntegrationMap, Vec<ContractError>), MapError> {
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
            // One unreadable file (not UTF-8, no permission) is that contract's
            // problem, not the whole map's.
            Err(e) => errors.push(ContractError {
                file: shown.display().to_string(),
                line: 1,
                column: 1,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    errors.extend(shared_snapshot_folders(&contracts));
    let map = IntegrationMap {
        root: root.to_path_buf(),
        contracts,
        invalid: Vec::new(),
    };
    Ok((map, errors))
}

/// Two contracts pinning into one folder would overwrite each other's snapshots.
fn shared_snapshot_folders(contracts: &[Contract]) -> Vec<ContractError> {
    let mut by_folder: BTreeMap<&Path, Vec<&Contract>> = BTreeMap::new();
    for c in contracts {
        by_folder.entry(&c.pin.snapshots).or_default().push(c);
    }
    let mut errors = Vec::new();
    for (folder, sharing) in by_folder.into_iter().filter(|(_, cs)| cs.len() > 1) {
        for c in &sharing {
            let others: Vec<&str> = sharing
                .iter()
                .filter(|o| o.name != c.name)
                .map(|o| o.name.as_str())
                .collect();
            errors.push(ContractError {
                file: format!("contracts/{}/contract.toml", c.name),
                line: c.pin.snapshots_at.0,
                column: c.pin.snapshots_at.1,
                message: format!(
                    "snapshot folder `{}` is also contract {}'s: each contract needs its own, or `apiwatch pin` overwrites the other's pinned spec",
                    folder.display(),
                    others.join(", ")
                ),
            });
        }
    }
    errors
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
    let mut errors = Errors {
        file: file.display().to_string(),
        lines: LineIndex::new(text),
        list: Vec::new(),
        checks,
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || name.is_empty()
    {
        errors.at(
            None,
            format!("contract folder name `{name}` must use only a-z, 0-9 and -"),
        );
        return Err(errors.list);
    }
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            errors.at(e.span(), e.message().trim());
            return Err(errors.list);
        }
    };
    // The order of the calls is the order errors are reported in.
    let owners = sections::owners(raw.owners, &mut errors);
    let pin = sections::pin(raw.pin, name, &mut errors);
    let specs = sections::specs(raw.spec, &mut errors);
    let changelogs = sections::changelogs(raw.changelog, checks, &mut errors);
    let uses = sections::uses(raw.uses, &mut errors);
    let sandbox = raw.sandbox.map(|s| sections::sandbox(s, &mut errors));
    let webhook = raw
        .webhook
        .map(|w| sections::webhook(w, name, checks, &mut errors));
    let policy = raw
        .policy
        .map(|p| sections::policy(p, &mut errors))
        .unwrap_or_default();
    let contract = sections::contract(raw.contract, &mut errors);
    if !errors.list.is_empty() {
        return Err(errors.list);
    }
    let (Some(owners), Some(pin)) = (owners, pin) else {
        errors.at(None, "incomplete contract");
        return Err(errors.list);
    };
    Ok(Contract {
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
        webhook,
        policy,
    })
}

/// Positions in a text as 1-based line and column, each in O(log n): the line
/// starts are found once, and a column is counted from the last position asked for
/// when it is on the same line (the validators ask in file order), so a contract
/// with 10,000 `[[uses]]` loads in linear time.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
    /// The last position asked for: (offset, column).
    last: std::cell::Cell<(usize, usize)>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            text,
            starts,
            last: std::cell::Cell::new((0, 1)),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self.starts[line - 1];
        let (last_offset, last_column) = self.last.get();
        let column = if (start..=offset).contains(&last_offset) && last_offset > start {
            last_column + self.text[last_offset..offset].chars().count()
        } else {
            self.text[start..offset].chars().count() + 1
        };
        self.last.set((offset, column));
        (line, column)
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(offset)
}

#[cfg(test)]
mod line_index_tests {
    use super::*;

    fn naive(text: &str, offset: usize) -> (usize, usize) {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    #[test]
    fn positions_match_a_plain_count_in_any_order() {
        let text = "a = 1\nnamé = \"ü\"\n\n[[uses]]\noperation = \"GET /x\" # ☃\n";
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        let index = LineIndex::new(text);
        for &o in offsets
            .iter()
            .chain(offsets.iter().rev())
            .chain(offsets.iter().step_by(3))
        {
            assert_eq!(index.line_col(o), naive(text, o), "offset {o}");
        }
    }

    /// 10,000 `[[uses]]` took 20 s: every position was counted from the file's start
    /// (quadratic: 20,000 took 80 s). A hang guard, not a speed target: it now takes
    /// about a second unoptimised.
    #[test]
    fn a_contract_with_twenty_thousand_uses_counts_each_line_once() {
        let mut text = String::from(
            "[contract]\nvendor = \"V\"\napi = \"A\"\n[owners]\nteam = \"t\"\n[pin]\nversion = \"1\"\n[[spec]]\nfile = \"s.json\"\n",
        );
        for i in 0..20_000 {
            text.push_str(&format!("[[uses]]\noperation = \"GET /things/{i}\"\n"));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let parsed = parse_contract("big", Path::new("contracts/big/contract.toml"), &text);
            let _ = tx.send(parsed.map(|c| c.uses));
        });
        let uses = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("loading hung")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(uses.len(), 20_000);
        let last = &uses[19_999];
        assert_eq!(
            (last.line, last.column),
            (9 + 2 * 20_000, 13),
            "at the value"
        );
    }
}
