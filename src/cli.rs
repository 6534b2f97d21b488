//! The command line: clap definitions, and the glue that turns each subcommand into
//! calls on the pipeline stages. Errors here are `anyhow`; [`Outcome`] is mapped to
//! the process exit code in exactly one place (`main`).

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{UseEntry, Uses};
use crate::finding::{Level, RuleId, Severity};
use crate::map::{self, FailOn, Location};
use crate::report::{self, Report, excerpt};
use crate::spec::{Document, load, model::ApiModel};
use crate::{issues, run, snapshot};

/// How a command ended: 0 clean, 1 findings at or above the fail-on level.
/// (Errors are 2, from `main`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
    /// A command that exists but is not built yet.
    NotBuilt,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::NotBuilt => 2,
        }
    }
}

const AFTER_HELP: &str = "\
Exit codes: 0 clean · 1 findings at or above --fail-on (in-use ones, or any \
compliance-critical one; a source failing several runs in a row counts) · 2 error (bad \
contract or arguments, GitHub refusing operations, command not built).

Examples:
  apiwatch run                              # the nightly job, on ./contracts (dry run without a token)
  apiwatch diff old.yaml new.json           # compare two specs, no contract needed
  apiwatch map --format mermaid             # draw the integration map
  apiwatch pin crm-contacts --from spec.json";

#[derive(Debug, Parser)]
#[command(name = "apiwatch", version, about = "Watch the vendor APIs your marketing stack depends on; warn owners before a change breaks an integration.", after_help = AFTER_HELP)]
pub struct Cli {
    /// The repository holding contracts/ and snapshots/.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// Colour in terminal output (NO_COLOR is honoured in auto).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the nightly job: every contract's upstream vs its snapshot, report, issues.
    #[command(
        after_help = "Example:\n  apiwatch run --out out/          # writes out/report.{json,md,txt,sarif}, out/summary.md, out/issues/*.md\n  apiwatch run --contract crm-contacts --fail-on warning"
    )]
    Run(RunArgs),
    /// Compare two OpenAPI documents (files or URLs); no contract needed.
    #[command(
        after_help = "Examples:\n  apiwatch diff pinned.yaml upstream.yaml\n  apiwatch diff a.json https://vendor.example/openapi.json --format markdown\n  apiwatch diff a.json b.json --uses uses.txt --fail-on error\n  apiwatch diff snapshots/crm-contacts/contacts.json demo/upstream/crm-contacts/contacts.yaml --contract crm-contacts\n\nA --uses file lists one operation per line (`GET /contacts/{id}` or an operationId);\nappend `[opt-out]`, `[consent]`, ... to mark it compliance-critical. `#` starts a comment."
    )]
    Diff(DiffArgs),
    /// Show the integration map: contracts, vendors, owners, and single points of failure.
    #[command(
        after_help = "Examples:\n  apiwatch map\n  apiwatch map --format mermaid >> \"$GITHUB_STEP_SUMMARY\"\n  apiwatch map --format dot | dot -Tsvg > map.svg"
    )]
    Map(MapArgs),
    /// Write a contract's pinned snapshot (normalised) from its upstream spec or a given file/URL.
    #[command(
        after_help = "Examples:\n  apiwatch pin crm-contacts                   # from the contract's [[spec]] sources\n  apiwatch pin crm-contacts --from vendor/contacts-2026-09.yaml\n  apiwatch pin email-marketing --spec marketing --from https://api.larkpost.example/openapi.json"
    )]
    Pin(PinArgs),
    /// List the rule catalog (ids, default severities, rationale).
    #[command(
        after_help = "Examples:\n  apiwatch rules\n  apiwatch rules --format markdown > docs/rules.md"
    )]
    Rules(RulesArgs),
    /// Read vendor changelogs: parse one page or feed, or compare a contract's with its snapshot.
    #[command(
        after_help = "Examples:\n  apiwatch changelog parse https://developers.vendor.example/changelog --kind html --selectors 'entry=article.entry,title=h2,date=time'\n  apiwatch changelog parse CHANGELOG.md --format json\n  apiwatch changelog crm-contacts                 # new, edited and vanished entries since the snapshot\n  apiwatch changelog crm-contacts --update        # accept them: rewrite snapshots/crm-contacts/changelog.json\n  apiwatch changelog crm-contacts --update --from old-page.html   # seed the snapshot from a saved page"
    )]
    Changelog(ChangelogArgs),
    /// Run contract tests against vendor sandboxes. (Not built yet.)
    #[command(after_help = "Example (planned):\n  apiwatch test crm-contacts")]
    Test(PendingArgs),
    /// Upgrade a contract's pinned version after review. (Not built yet.)
    #[command(after_help = "Example (planned):\n  apiwatch upgrade crm-contacts --to 2026-09")]
    Upgrade(PendingArgs),
    /// Serve an embedded mock sandbox for a contract. (Not built yet.)
    #[command(after_help = "Example (planned):\n  apiwatch sandbox crm-contacts --port 8080")]
    Sandbox(PendingArgs),
    /// Verify vendor webhook signatures. (Not built yet.)
    #[command(
        after_help = "Example (planned):\n  apiwatch webhook verify --contract email-marketing payload.json"
    )]
    Webhook(PendingArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Output folder for the report and rendered issues.
    #[arg(long, default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// Only these contracts (repeatable).
    #[arg(long = "contract", value_name = "NAME")]
    pub contracts: Vec<String>,
    /// Override every contract's policy.fail_on.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Never write to GitHub; render the issues to files. The default when no token is set.
    #[arg(long)]
    pub dry_run: bool,
    /// Where run state lives (last run status, caches).
    #[arg(long, default_value = ".apiwatch", value_name = "DIR")]
    pub state_dir: PathBuf,
    /// Print the report to stdout in this format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds one HTTP request may take, body included.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
    /// Attempts per HTTP request (retries on 5xx, 429, timeouts, cut bodies).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_attempts: usize,
    /// HTTP requests in flight at once, across all vendors.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// Close an issue once its problem has been gone this many runs in a row.
    #[arg(long, default_value_t = 2, value_name = "RUNS")]
    pub close_after: u32,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The base document (file or http(s) URL).
    pub base: String,
    /// The revision document (file or http(s) URL).
    pub revision: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity is found (in-use ones unless --all).
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// A file listing the operations in use.
    #[arg(long, value_name = "FILE", conflicts_with = "contract")]
    pub uses: Option<PathBuf>,
    /// Take the operations in use (and severity overrides) from this contract.
    #[arg(long, value_name = "NAME")]
    pub contract: Option<String>,
    /// Hide findings below this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::Info)]
    pub min_severity: SeverityArg,
    /// Count findings on operations not in use for --fail-on too.
    #[arg(long)]
    pub all: bool,
    /// Override a rule's severity: RULE=error|warning|info|off (repeatable).
    #[arg(long, value_name = "RULE=LEVEL")]
    pub severity: Vec<String>,
    /// A vendor extension that marks operations and parameters deprecated (repeatable).
    #[arg(long, value_name = "x-NAME")]
    pub deprecation_extension: Vec<String>,
}

/// A severity on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Warning,
    Error,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Severity {
        match arg {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        }
    }
}

fn parse_severity(spec: &str) -> Result<(RuleId, Level)> {
    let (id, level) = spec
        .split_once('=')
        .with_context(|| format!("--severity `{spec}`: expected RULE=LEVEL"))?;
    let Some(rule) = RuleId::parse(id) else {
        bail!("--severity `{spec}`: unknown rule `{id}` (see `apiwatch rules`)");
    };
    let Some(level) = Level::parse(level) else {
        bail!("--severity `{spec}`: level `{level}` is not error, warning, info or off");
    };
    Ok((rule, level))
}

#[derive(Debug, clap::Args)]
pub struct MapArgs {
    #[arg(long, value_enum, default_value_t = MapFormat::Table)]
    pub format: MapFormat,
    #[arg(long, default_value = ".apiwatch", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MapFormat {
    Table,
    Markdown,
    Csv,
    Json,
    Mermaid,
    Dot,
}

#[derive(Debug, clap::Args)]
pub struct PinArgs {
    /// The contract to pin.
    pub contract: String,
    /// Take the spec from this file or URL instead of the contract's source.
    #[arg(long, value_name = "FILE|URL")]
    pub from: Option<String>,
    /// Which of the contract's specs (default: all; required with --from when it has several).
    #[arg(long, value_name = "NAME")]
    pub spec: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ChangelogArgs {
    /// `parse`, or the name of a contract.
    pub target: String,
    /// With `parse`: the file or URL to read.
    pub input: Option<String>,
    /// With `parse`: html, rss, atom or markdown (guessed when absent).
    #[arg(long, value_enum)]
    pub kind: Option<ChangelogKindArg>,
    /// With `parse` and html: `entry=SEL,title=SEL,date=SEL,body=SEL,link=SEL`.
    #[arg(long)]
    pub selectors: Option<String>,
    /// With `parse`: the page's URL, to resolve relative links of a saved file.
    #[arg(long)]
    pub base_url: Option<String>,
    /// With a contract: write the current entries as its changelog snapshot.
    #[arg(long)]
    pub update: bool,
    /// With a contract and --update: read this file or URL instead of the first changelog source.
    #[arg(long, value_name = "FILE|URL", requires = "update")]
    pub from: Option<String>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChangelogKindArg {
    Html,
    Rss,
    Atom,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct PendingArgs {
    /// Arguments for the future command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<Outcome> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Run(args) => cmd_run(&cli.root, args, color),
        Command::Diff(args) => cmd_diff(&cli.root, args, color),
        Command::Map(args) => cmd_map(&cli.root, args),
        Command::Pin(args) => cmd_pin(&cli.root, args),
        Command::Rules(args) => cmd_rules(args),
        Command::Changelog(args) => cmd_changelog(&cli.root, args),
        Command::Test(_) => not_built("test", "contract tests against vendor sandboxes"),
        Command::Upgrade(_) => not_built("upgrade", "upgrading a pinned version"),
        Command::Sandbox(_) => not_built("sandbox", "the embedded mock sandbox"),
        Command::Webhook(_) => not_built("webhook", "webhook signature verification"),
    }
}

fn not_built(name: &str, what: &str) -> Result<Outcome> {
    eprintln!("apiwatch {name}: {what} is not built yet; this command exits 2 until it is.");
    Ok(Outcome::NotBuilt)
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    }
}

fn today() -> String {
    jiff::Timestamp::now()
        .to_string()
        .chars()
        .take(10)
        .collect()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Loads a document named on the command line: a file (relative refs allowed) or a URL.
fn load_arg(rt: &tokio::runtime::Runtime, arg: &str) -> Result<Document> {
    let loc = Location::from_arg(arg);
    if matches!(loc, Location::Url(_)) {
        let fetcher = crate::fetch::Fetcher::new(crate::fetch::FetchConfig::default(), None)?;
        rt.block_on(run::load_upstream(&loc, Path::new("."), &fetcher, None))
            .map_err(|p| anyhow::anyhow!(p.message))
    } else {
        Ok(load::load_file(Path::new(arg))?)
    }
}

fn cmd_diff(root: &Path, args: DiffArgs, color: bool) -> Result<Outcome> {
    let rt = runtime()?;
    let (base, rev) = crate::join(
        || load_arg(&rt, &args.base),
        || load_arg(&rt, &args.revision),
    );
    let (base, rev) = (base?, rev?);
    let mut options = match (&args.uses, &args.contract) {
        (None, Some(name)) => map::load(root)?.get(name)?.compare_options(&today()),
        (uses_file, _) => crate::CompareOptions {
            uses: uses_file
                .as_deref()
                .map(read_uses_file)
                .transpose()?
                .unwrap_or_default(),
            today: today(),
            ..Default::default()
        },
    };
    for spec in &args.severity {
        let (id, level) = parse_severity(spec)?;
        options.overrides.insert(id, level);
    }
    options
        .deprecation_extensions
        .extend(args.deprecation_extension.iter().cloned());
    let uses = options.uses.clone();
    let mut findings = report::filter_min(
        crate::compare(&base, &rev, &options),
        args.min_severity.into(),
    );
    if args.format == Format::Markdown {
        excerpt::attach(&mut findings, &base.root, &rev.root);
    }
    let failing = report::fails(
        &findings,
        args.fail_on.map(Severity::from),
        args.all || uses.entries.is_empty(),
    );
    let mut rep = Report::new(findings);
    rep.base = Some(args.base.clone());
    rep.revision = Some(args.revision.clone());
    print!("{}", render(&rep, args.format, color, &args.revision));
    Ok(if failing && args.fail_on.is_some() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn render(rep: &Report, format: Format, color: bool, artifact: &str) -> String {
    match format {
        Format::Text => report::text::render(rep, color),
        Format::Json => report::json::render(rep),
        Format::Markdown => report::markdown::render(rep),
        Format::Sarif => report::sarif::render(rep, artifact),
    }
}

/// Reads a `--uses` file: one operation per line, `[kind]` marks compliance.
pub fn read_uses_file(path: &Path) -> Result<Uses> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the uses file", path.display()))?;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (reference, compliance) = match line.rsplit_once('[') {
            Some((head, tail)) if tail.ends_with(']') => (
                head.trim(),
                Some(tail.trim_end_matches(']').trim().to_owned()),
            ),
            _ => (line, None),
        };
        entries.push(UseEntry {
            reference: reference.to_owned(),
            compliance,
        });
    }
    Ok(Uses { entries })
}

fn cmd_map(root: &Path, args: MapArgs) -> Result<Outcome> {
    let map = map::load(root)?;
    validate_uses(&map)?;
    let last = run::read_last_run(&root.join(&args.state_dir));
    let rows = map::render::rows(&map, &last);
    let out = match args.format {
        MapFormat::Table => map::render::table(&rows),
        MapFormat::Markdown => map::render::markdown(&rows),
        MapFormat::Csv => map::render::csv(&rows),
        MapFormat::Json => map::render::json(&rows),
        MapFormat::Mermaid => map::render::mermaid(&rows),
        MapFormat::Dot => map::render::dot(&rows),
    };
    print!("{out}");
    Ok(Outcome::Clean)
}

/// Checks every contract's `[[uses]]` against its pinned snapshots.
fn validate_uses(map: &map::IntegrationMap) -> Result<()> {
    let mut errors = Vec::new();
    for c in &map.contracts {
        let docs: Vec<Document> = c
            .specs
            .iter()
            .filter_map(|s| snapshot::read(&c.snapshot_path(&map.root, &s.name)).ok())
            .collect();
        if docs.len() < c.specs.len() {
            continue; // not pinned yet: reported as a risk, checked once pinned
        }
        let models: Vec<ApiModel<'_>> = docs.iter().map(ApiModel::build).collect();
        let refs: Vec<&ApiModel<'_>> = models.iter().collect();
        errors.extend(map::check_uses(c, &refs));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(map::MapError::Invalid(errors).into())
    }
}

fn cmd_pin(root: &Path, args: PinArgs) -> Result<Outcome> {
    let map = map::load(root)?;
    let contract = map.get(&args.contract)?;
    let rt = runtime()?;
    let specs: Vec<&map::SpecSource> = match &args.spec {
        Some(name) => vec![
            contract
                .specs
                .iter()
                .find(|s| &s.name == name)
                .with_context(|| {
                    format!(
                        "contract `{}` has no spec named `{name}` (it has: {})",
                        contract.name,
                        contract
                            .specs
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
        ],
        None => contract.specs.iter().collect(),
    };
    if args.from.is_some() && specs.len() > 1 {
        bail!(
            "contract `{}` has {} specs; say which one --from replaces with --spec NAME",
            contract.name,
            specs.len()
        );
    }
    for spec in specs {
        let doc = match &args.from {
            Some(from) => load_arg(&rt, from)?,
            None => rt
                .block_on(run::load_upstream(
                    &spec.location,
                    root,
                    &crate::fetch::Fetcher::new(crate::fetch::FetchConfig::default(), None)?,
                    spec.credential.as_ref(),
                ))
                .map_err(|p| anyhow::anyhow!(p.message))?,
        };
        let path = contract.snapshot_path(root, &spec.name);
        let bytes = snapshot::pin(&doc, &path)
            .with_context(|| format!("{}: cannot write the snapshot", path.display()))?;
        let ops = ApiModel::build(&doc).operations.len();
        eprintln!(
            "pinned {}/{} from {} ({}, {ops} operations) → {} ({bytes} bytes)",
            contract.name,
            spec.name,
            doc.source,
            doc.dialect.label(),
            path.strip_prefix(root).unwrap_or(&path).display()
        );
    }
    Ok(Outcome::Clean)
}

fn parse_selectors(spec: &str) -> Result<map::Selectors> {
    let mut sel = map::Selectors {
        entry: String::new(),
        title: None,
        date: None,
        body: None,
        link: None,
    };
    for part in spec.split(',') {
        let (k, v) = part
            .split_once('=')
            .with_context(|| format!("--selectors `{part}`: expected NAME=SELECTOR"))?;
        let v = v.trim().to_owned();
        match k.trim() {
            "entry" => sel.entry = v,
            "title" => sel.title = Some(v),
            "date" => sel.date = Some(v),
            "body" => sel.body = Some(v),
            "link" => sel.link = Some(v),
            other => {
                bail!("--selectors: unknown selector `{other}` (entry, title, date, body, link)")
            }
        }
    }
    if sel.entry.is_empty() {
        bail!("--selectors needs at least entry=SELECTOR");
    }
    Ok(sel)
}

/// `2026-11-19  Title  [deprecation, sunset]  sunset 2027-03-01`.
fn entry_line(e: &crate::changelog::Entry) -> String {
    let kinds: Vec<&str> = e
        .kinds
        .iter()
        .map(|k| crate::changelog::findings::kind_word(*k))
        .collect();
    let sunset = e
        .sunset_date
        .as_deref()
        .map(|d| format!("  sunset {d}"))
        .unwrap_or_default();
    format!(
        "{}  {}  [{}]{sunset}",
        e.date.as_deref().unwrap_or("----------"),
        e.title,
        kinds.join(", ")
    )
}

fn print_entries(entries: &[crate::changelog::Entry], format: TextOrJson) {
    match format {
        TextOrJson::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({ "entries": entries }))
                .unwrap_or_default();
            s.push('\n');
            print!("{s}");
        }
        TextOrJson::Text => {
            for e in entries {
                println!("{}", entry_line(e));
                for m in &e.mentions {
                    let what = match (&m.method, &m.path, &m.operation_id) {
                        (_, _, Some(id)) => id.clone(),
                        (Some(meth), Some(p), _) => format!("{meth} {p}"),
                        (None, Some(p), _) => p.clone(),
                        _ => continue,
                    };
                    println!("            mentions {what}");
                }
            }
            println!(
                "{} entr{}",
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            );
        }
    }
}

fn cmd_changelog(root: &Path, args: ChangelogArgs) -> Result<Outcome> {
    let rt = runtime()?;
    let _runtime = rt.enter();
    let fetcher = crate::fetch::Fetcher::new(crate::fetch::FetchConfig::default(), None)?;
    if args.target == "parse" {
        let input = args
            .input
            .as_deref()
            .context("usage: apiwatch changelog parse <file|url>")?;
        let location = Location::from_arg(input);
        let fetched = rt.block_on(fetcher.fetch(&location, Path::new("."), None))?;
        let kind = match args.kind {
            Some(ChangelogKindArg::Html) => map::ChangelogKind::Html,
            Some(ChangelogKindArg::Rss) => map::ChangelogKind::Rss,
            Some(ChangelogKindArg::Atom) => map::ChangelogKind::Atom,
            Some(ChangelogKindArg::Markdown) => map::ChangelogKind::Markdown,
            None => crate::changelog::detect_kind(&fetched.bytes, input),
        };
        let selectors = args.selectors.as_deref().map(parse_selectors).transpose()?;
        let base_url = args
            .base_url
            .as_deref()
            .or(matches!(location, Location::Url(_)).then_some(input));
        let entries = crate::changelog::parse(
            &fetched.bytes,
            &crate::changelog::Source {
                name: input,
                kind,
                selectors: selectors.as_ref(),
                base_url,
                content_type: fetched.content_type.as_deref(),
            },
            &[],
            &Default::default(),
        )?;
        print_entries(&entries, args.format);
        return Ok(Outcome::Clean);
    }
    let map = map::load(root)?;
    let contract = map.get(&args.target)?;
    if contract.changelogs.is_empty() {
        bail!("contract `{}` has no [[changelog]] source", contract.name);
    }
    let docs: Vec<Document> = contract
        .specs
        .iter()
        .filter_map(|s| snapshot::read(&contract.snapshot_path(root, &s.name)).ok())
        .collect();
    let models: Vec<ApiModel<'_>> = docs
        .iter()
        .map(|d| ApiModel::build_with(d, &contract.policy.deprecation_extensions))
        .collect();
    let snapshot_path = contract.changelog_snapshot_path(root);
    let mut snapshot =
        crate::changelog::compare::ChangelogSnapshot::read(&snapshot_path).unwrap_or_default();
    for (i, source) in contract.changelogs.iter().enumerate() {
        let mut source = source.clone();
        let key = source.location.to_string();
        if i == 0
            && let Some(from) = &args.from
        {
            source.location = Location::from_arg(from);
        }
        let entries = rt
            .block_on(run::read_changelog(&source, root, &fetcher, &models))
            .map_err(|p| anyhow::anyhow!(p.message))?;
        if entries.is_empty() {
            bail!(
                "{}: no entries found; check the selectors in {}",
                source.location,
                contract.file.display()
            );
        }
        let changes = crate::changelog::compare::compare(
            snapshot.sources.get(&key).map(Vec::as_slice).unwrap_or(&[]),
            &entries,
        );
        if args.format == TextOrJson::Json {
            let v = serde_json::json!({
                "source": key,
                "new": changes.new,
                "edited": changes.edited.iter().map(|(b, a, d)| serde_json::json!({"before": b, "after": a, "diff": d})).collect::<Vec<_>>(),
                "vanished": changes.vanished,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            println!(
                "{key}: {} entries; {} new, {} edited, {} vanished since the snapshot",
                entries.len(),
                changes.new.len(),
                changes.edited.len(),
                changes.vanished.len()
            );
            for e in &changes.new {
                println!("  new      {}", entry_line(e));
            }
            for (_, e, diff) in &changes.edited {
                println!(
                    "  edited   {}  {}",
                    e.date.as_deref().unwrap_or("----------"),
                    e.title
                );
                for line in diff.lines() {
                    println!("           {line}");
                }
            }
            for e in &changes.vanished {
                println!(
                    "  vanished {}  {}",
                    e.date.as_deref().unwrap_or("----------"),
                    e.title
                );
            }
        }
        if args.update {
            snapshot.sources.insert(key, entries);
        }
    }
    if args.update {
        snapshot.write(&snapshot_path).with_context(|| {
            format!(
                "{}: cannot write the changelog snapshot",
                snapshot_path.display()
            )
        })?;
        eprintln!(
            "wrote {}",
            snapshot_path
                .strip_prefix(root)
                .unwrap_or(&snapshot_path)
                .display()
        );
    }
    Ok(Outcome::Clean)
}

fn cmd_rules(args: RulesArgs) -> Result<Outcome> {
    print!("{}", rules_listing(args.format));
    Ok(Outcome::Clean)
}

/// The rule catalog as text, Markdown (docs/rules.md) or JSON.
pub fn rules_listing(format: RulesFormat) -> String {
    use std::fmt::Write;
    let catalog = crate::finding::catalog::sorted();
    match format {
        RulesFormat::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({ "rules": catalog }))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        RulesFormat::Text => {
            let width = catalog.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for r in &catalog {
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<7}  {}",
                    r.id,
                    r.severity.as_str(),
                    r.title
                );
            }
            let _ = writeln!(out, "\n{} rules", catalog.len());
            out
        }
        RulesFormat::Markdown => {
            let mut out = String::from(
                "# apiwatch rules\n\nGenerated by `apiwatch rules --format markdown`; do not edit by hand.\n\n",
            );
            let _ = writeln!(
                out,
                "{} rules. Severities are defaults; override them per contract in `[policy] severity = {{ \"<rule>\" = \"error|warning|info|off\" }}`.\n\n\
                 Request rules judge what the integration sends; response rules judge what it reads. Narrowing a request, or widening a response, breaks clients.\n",
                catalog.len()
            );
            let _ = writeln!(out, "| id | severity | title | why |\n|---|---|---|---|");
            for r in &catalog {
                let _ = writeln!(
                    out,
                    "| <a id=\"{0}\"></a>`{0}` | {1} | {2} | {3} |",
                    r.id, r.severity, r.title, r.rationale
                );
            }
            out
        }
    }
}

fn cmd_run(root: &Path, args: RunArgs, color: bool) -> Result<Outcome> {
    let map = map::load(root)?;
    validate_uses(&map)?;
    for name in &args.contracts {
        map.get(name)?;
    }
    let token_set = ["APIWATCH_GITHUB_TOKEN", "GITHUB_TOKEN"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    let settings = run::RunSettings {
        root: root.to_path_buf(),
        only: args.contracts.clone(),
        fail_on: args.fail_on.map(|f| match f {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Never => FailOn::Never,
        }),
        today: today(),
        fetch: crate::fetch::FetchConfig {
            timeout: std::time::Duration::from_secs(args.timeout),
            max_attempts: args.max_attempts.max(1),
            global_concurrency: args.concurrency.max(1),
            ..Default::default()
        },
        state_dir: root.join(&args.state_dir),
    };
    let rt = runtime()?;
    let selected = map
        .contracts
        .iter()
        .filter(|c| settings.only.is_empty() || settings.only.contains(&c.name))
        .count();
    eprintln!(
        "apiwatch run: {selected} contract{} from {}",
        if selected == 1 { "" } else { "s" },
        root.join("contracts").display()
    );
    let progress = crate::progress::for_terminal();
    let (rep, outcomes) = rt.block_on(run::run(&map, &settings, progress));
    for o in &outcomes {
        let s = &o.status;
        eprintln!(
            "  {:<24} {:<9} {} findings, {} in use{}",
            s.name,
            s.status,
            s.findings,
            s.in_use_findings,
            if s.errors.is_empty() {
                String::new()
            } else {
                format!(" — {}", s.errors.join("; "))
            }
        );
    }
    let out = if args.out.is_absolute() {
        args.out.clone()
    } else {
        root.join(&args.out)
    };
    let desired = write_outputs(&out, &map, &rep)
        .with_context(|| format!("{}: cannot write the run's outputs", out.display()))?;
    let state_dir = root.join(&args.state_dir);
    let dry_run = args.dry_run || !token_set;
    let checked = outcomes
        .iter()
        .filter(|o| o.status.status != "failed")
        .map(|o| o.status.name.clone())
        .collect();
    let filing = Filing {
        out: &out,
        state_dir: &state_dir,
        dry_run,
        close_after: args.close_after,
        checked,
    };
    let filed = file_issues(&rt, &filing, &map, &rep, &desired)?;
    let last = run::LastRun {
        finished_at: jiff::Timestamp::now().to_string(),
        contracts: outcomes
            .iter()
            .map(|o| (o.status.name.clone(), o.status.status.clone()))
            .collect(),
    };
    if let Ok(bytes) = serde_json::to_vec_pretty(&last) {
        snapshot::write_atomic(&run::last_run_path(&state_dir), &bytes)
            .with_context(|| format!("{}: cannot record the run", state_dir.display()))?;
    }
    print!("{}", render(&rep, args.format, color, "snapshots"));
    if dry_run {
        eprintln!(
            "dry run (no GitHub writes): report and rendered issues written to {}",
            out.display()
        );
    } else {
        eprintln!("report and rendered issues written to {}", out.display());
    }
    if !filed {
        bail!(
            "some issue operations could not be applied on GitHub; they are kept in {} and retried on the next run",
            state_dir.display()
        );
    }
    Ok(if outcomes.iter().any(|o| o.failing) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Writes report.{json,md,txt,sarif} and renders every desired issue to issues/*.md.
fn write_outputs(
    out: &Path,
    map: &map::IntegrationMap,
    rep: &Report,
) -> Result<Vec<issues::PlannedIssue>> {
    std::fs::create_dir_all(out.join("issues"))?;
    // Issues from an earlier run in the same folder would read as still planned.
    for entry in std::fs::read_dir(out.join("issues"))? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "md") {
            std::fs::remove_file(p)?;
        }
    }
    snapshot::write_atomic(
        &out.join("report.json"),
        report::json::render(rep).as_bytes(),
    )?;
    snapshot::write_atomic(
        &out.join("report.md"),
        report::markdown::render(rep).as_bytes(),
    )?;
    snapshot::write_atomic(
        &out.join("report.txt"),
        report::text::render(rep, false).as_bytes(),
    )?;
    snapshot::write_atomic(
        &out.join("report.sarif"),
        report::sarif::render(rep, "snapshots").as_bytes(),
    )?;
    let mut desired = Vec::new();
    for c in &map.contracts {
        for issue in issues::desired(c, &rep.findings, "report.md") {
            snapshot::write_atomic(
                &out.join("issues").join(issues::file_name(&issue)),
                format!("# {}\n\n{}", issue.title, issue.body).as_bytes(),
            )?;
            desired.push(issue);
        }
    }
    Ok(desired)
}

/// Files (or, in a dry run, plans) tonight's issues; writes plan.txt and the summary.
/// Where a run's issue filing writes and how it behaves.
struct Filing<'a> {
    out: &'a Path,
    state_dir: &'a Path,
    dry_run: bool,
    close_after: u32,
    /// Contracts checked in full tonight: only their issues may close.
    checked: BTreeSet<String>,
}

fn file_issues(
    rt: &tokio::runtime::Runtime,
    filing: &Filing<'_>,
    map: &map::IntegrationMap,
    rep: &Report,
    desired: &[issues::PlannedIssue],
) -> Result<bool> {
    let Filing {
        out,
        state_dir,
        dry_run,
        close_after,
        ref checked,
    } = *filing;
    // octocrab's client needs a runtime to be built in.
    let _runtime = rt.enter();
    // With a token, even a dry run lists the existing issues (read-only) so that its
    // plan says what a real run would do.
    let github = match issues::github::GitHubConfig::from_env() {
        Some(config) => Some(issues::github::GitHub::new(config)?),
        None if dry_run => None,
        None => {
            bail!("no GitHub token (set APIWATCH_GITHUB_TOKEN or GITHUB_TOKEN), or pass --dry-run")
        }
    };
    let default_repo = std::env::var("GITHUB_REPOSITORY").unwrap_or_default();
    if !dry_run
        && let Some(d) = desired
            .iter()
            .find(|d| d.repo.is_none() && default_repo.is_empty())
    {
        bail!(
            "contract `{}` has no owners.repo and GITHUB_REPOSITORY is not set: nowhere to file its issues",
            d.contract
        );
    }
    let mut state = issues::sync::IssueState::load(state_dir);
    let settings = issues::plan::PlanSettings {
        close_after_runs: close_after,
    };
    let scope = issues::sync::Scope {
        repos: map
            .contracts
            .iter()
            .filter_map(|c| c.owners.repo.clone())
            .collect(),
        checked: Some(checked.clone()),
        apply: !dry_run,
    };
    let shown_repo = if default_repo.is_empty() {
        "$GITHUB_REPOSITORY"
    } else {
        &default_repo
    };
    let outcome = rt.block_on(issues::sync::sync(
        github.as_ref(),
        desired,
        &mut state,
        shown_repo,
        settings,
        &scope,
    ));
    // A dry run only shows what would happen: debounce counters move on real runs.
    if !dry_run {
        state
            .save(state_dir)
            .with_context(|| format!("{}: cannot record the issue state", state_dir.display()))?;
    }
    let lines = outcome.lines(dry_run);
    let plan = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    snapshot::write_atomic(&out.join("plan.txt"), plan.as_bytes())?;
    eprint!("{plan}");
    let summary = job_summary(map, rep, &lines);
    snapshot::write_atomic(&out.join("summary.md"), summary.as_bytes())?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        f.write_all(summary.as_bytes())?;
    }
    Ok(outcome.failed.is_empty() && outcome.unreachable.is_empty())
}

/// The night at a glance, for `$GITHUB_STEP_SUMMARY`.
fn job_summary(map: &map::IntegrationMap, rep: &Report, plan: &[String]) -> String {
    use std::fmt::Write;
    let mut out = String::from("## apiwatch nightly\n\n");
    let _ = writeln!(out, "{}", report::text::summary_line(rep));
    let _ = writeln!(
        out,
        "| contract | vendor | team | status | findings | in use |\n|---|---|---|---|---|---|"
    );
    for c in &rep.contracts {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            c.name, c.vendor, c.team, c.status, c.findings, c.in_use_findings
        );
    }
    let _ = writeln!(
        out,
        "
### Issues
"
    );
    for line in plan {
        let _ = writeln!(out, "- {}", crate::report::markdown::cell(line));
    }
    let rows = map::render::rows(
        map,
        &rep.contracts
            .iter()
            .map(|c| (c.name.clone(), c.status.clone()))
            .collect(),
    );
    let _ = writeln!(
        out,
        "\n### Integration map\n\n```mermaid\n{}```",
        map::render::mermaid(&rows)
    );
    out
}
