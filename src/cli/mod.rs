//! The command line: clap definitions, one file per command, each turning its
//! arguments into settings for the library's stages and their outcome into an
//! [`Outcome`]. Errors here are `anyhow`; the outcome becomes the process exit code
//! in exactly one place (`main`).

/// `print!` that ends the program quietly when the reader has gone (`| head`).
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::emit(&format!($($arg)*)) };
}

/// `println!` that ends the program quietly when the reader has gone (`| head`).
macro_rules! outln {
    () => { $crate::cli::emit("\n") };
    ($($arg:tt)*) => { $crate::cli::emit(&format!("{}\n", format_args!($($arg)*))) };
}

mod changelog;
mod diff;
mod map;
mod ops;
mod pin;
mod progress;
mod rules;
mod run;
mod sandbox;
mod test;
mod upgrade;
mod webhook;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use apiwatch::config::Location;
use apiwatch::finding::Severity;
use apiwatch::report::{self, Report};
use apiwatch::spec::{Document, load};

/// How a command ended: 0 clean, 1 findings at or above the fail-on level.
/// (Errors are 2, from `main`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
        }
    }
}

const AFTER_HELP: &str = "\
Exit codes: 0 clean · 1 findings at or above --fail-on (in-use ones, or any \
compliance-critical one; a source failing several runs in a row counts) · 2 error (bad \
contract or arguments, GitHub refusing operations).

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
    Run(run::RunArgs),
    /// Combine `run --shard` reports and finish the night once: report, issues, state.
    #[command(
        after_help = "Example (a GitHub Actions matrix of 4, then one merge job):\n  apiwatch run --shard 2/4 --out shard-2\n  apiwatch merge shard-1 shard-2 shard-3 shard-4 --out out"
    )]
    Merge(run::MergeArgs),
    /// Compare two OpenAPI documents (files or URLs); no contract needed.
    #[command(
        after_help = "Examples:\n  apiwatch diff pinned.yaml upstream.yaml\n  apiwatch diff a.json https://vendor.example/openapi.json --format markdown\n  apiwatch diff a.json b.json --uses uses.txt --fail-on error\n  apiwatch diff snapshots/crm-contacts/contacts.json demo/upstream/crm-contacts/contacts.yaml --contract crm-contacts\n\nA --uses file lists one operation per line (`GET /contacts/{id}` or an operationId);\nappend `[opt-out]`, `[consent]`, ... to mark it compliance-critical. `#` starts a comment."
    )]
    Diff(diff::DiffArgs),
    /// Show the integration map: contracts, vendors, owners, and single points of failure.
    #[command(
        after_help = "Examples:\n  apiwatch map\n  apiwatch map --format mermaid >> \"$GITHUB_STEP_SUMMARY\"\n  apiwatch map --format dot | dot -Tsvg > map.svg"
    )]
    Map(map::MapArgs),
    /// List a spec's operations (method, path, operationId, summary, deprecation), ready for `[[uses]]`.
    #[command(
        after_help = "Examples:\n  apiwatch ops vendor/klaviyo-2026-04-15.json --grep profile\n  apiwatch ops https://api.vendor.example/openapi.json --format toml >> contracts/vendor/contract.toml\n  apiwatch ops crm-contacts            # a contract's pinned snapshot\n  apiwatch ops crm-contacts --format json"
    )]
    Ops(ops::OpsArgs),
    /// Write a contract's pinned snapshot (normalised) from its upstream spec or a given file/URL.
    #[command(
        after_help = "Examples:\n  apiwatch pin crm-contacts                   # from the contract's [[spec]] sources\n  apiwatch pin crm-contacts --from vendor/contacts-2026-09.yaml\n  apiwatch pin email-marketing --spec marketing --from https://api.larkpost.example/openapi.json\n  apiwatch pin klaviyo --update-uses          # rewrite [[uses]] entries the new spec renamed\n\nNothing is written unless every [[uses]] entry still names an operation of the new spec;\n[pin] version is set from the spec's info.version (or --version)."
    )]
    Pin(pin::PinArgs),
    /// List the rule catalog (ids, default severities, rationale).
    #[command(
        after_help = "Examples:\n  apiwatch rules\n  apiwatch rules --format markdown > docs/rules.md"
    )]
    Rules(rules::RulesArgs),
    /// Read vendor changelogs: parse one page or feed, or compare a contract's with its snapshot.
    #[command(
        after_help = "Examples:\n  apiwatch changelog parse https://developers.vendor.example/changelog --kind html --selectors 'entry=article.entry,title=h2,date=time'\n  apiwatch changelog parse CHANGELOG.md --format json\n  apiwatch changelog crm-contacts                 # new, edited and vanished entries since the snapshot\n  apiwatch changelog crm-contacts --update        # accept them: rewrite snapshots/crm-contacts/changelog.json\n  apiwatch changelog crm-contacts --update --from old-page.html   # seed the snapshot from a saved page"
    )]
    Changelog(changelog::ChangelogArgs),
    /// Run contract tests on sandboxes: the operations in use called, the answers judged against the pinned spec.
    #[command(
        after_help = "Examples:\n  apiwatch test                                   # every contract with a [sandbox]\n  apiwatch test crm-contacts --junit junit.xml\n  apiwatch test crm-contacts --sandbox http://127.0.0.1:4010   # a local `apiwatch sandbox`\n  apiwatch test crm-contacts --against vendor/contacts-2026-09.yaml   # judge against a candidate\n  apiwatch test crm-contacts --scaffold          # write contracts/crm-contacts/tests.toml\n\nCases live in contracts/<name>/tests.toml (docs/contract-format.md). Credentials come from the\nenvironment variables [sandbox] credentials names; a contract whose variables are unset is skipped.\nExit 0 all passed, 1 a case failed or findings at --fail-on, 2 a case file or sandbox URL is refused."
    )]
    Test(Box<test::TestArgs>),
    /// What moving a contract's pin to a candidate version would break; `--accept` moves it.
    #[command(
        after_help = "Examples:\n  apiwatch upgrade crm-contacts --to demo/upstream/crm-contacts/contacts.yaml\n  apiwatch upgrade klaviyo --to 2026-10-15 --format markdown > pr.md   # {version} in its [[spec]] url\n  apiwatch upgrade crm-contacts --to vendor/contacts-2026-09.yaml --accept\n  apiwatch upgrade email-marketing --to new.json --accept --force --reason \"consent source added on our side in #412\"\n\nVerdict: safe (exit 0), needs work or blocked (exit 1; blocked: a compliance-critical\noperation breaks, and --accept then needs --force --reason, which the audit log keeps)."
    )]
    Upgrade(upgrade::UpgradeArgs),
    /// Serve a contract's spec (or any spec) as a realistic mock sandbox: validation, examples or generated bodies, state, auth, faults.
    #[command(
        after_help = "Examples:\n  apiwatch sandbox crm-contacts                      # its pinned snapshot, its [sandbox] auth and behaviour\n  apiwatch sandbox crm-contacts --drift              # its upstream spec while the pin stays (drift)\n  apiwatch sandbox --spec vendor/openapi.yaml --port 8080 --stateful\n  apiwatch sandbox --spec openapi.json --auth oauth2 --credential client_id=CID --credential client_secret=CSECRET --expires-in 60\n  apiwatch sandbox crm-contacts --rate-limit 100/10 --latency 5..50 --error-rate 0.01 --log sandbox.jsonl\n\nClients choose responses with Prism's headers:\n  curl -H 'Prefer: code=404' http://127.0.0.1:4010/contacts/1\n  curl -H 'Prefer: example=archived' http://127.0.0.1:4010/contacts/1\n  curl -H 'Prefer: dynamic=true' http://127.0.0.1:4010/contacts"
    )]
    Sandbox(Box<sandbox::SandboxArgs>),
    /// Webhooks: verify and sign deliveries as vendors do, replay samples and attacks to a receiver, receive from a sandbox.
    #[command(
        subcommand,
        after_help = "Examples:\n  apiwatch webhook verify --scheme stripe --secret-env STRIPE_WEBHOOK_SECRET --body event.json --signature 't=…,v1=…'\n  apiwatch webhook sign --contract crm-contacts --body contracts/crm-contacts/webhooks/contact-created.json\n  apiwatch webhook replay crm-contacts --to https://staging.example.com/hooks/corvid\n  apiwatch webhook receive crm-contacts --port 8787 --count 3"
    )]
    Webhook(webhook::WebhookCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Result<Outcome> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Run(args) => run::cmd_run(&cli.root, args, color),
        Command::Merge(args) => run::cmd_merge(&cli.root, args, color),
        Command::Diff(args) => diff::cmd_diff(&cli.root, args, color),
        Command::Map(args) => map::cmd_map(&cli.root, args),
        Command::Pin(args) => pin::cmd_pin(&cli.root, args),
        Command::Rules(args) => rules::cmd_rules(args),
        Command::Changelog(args) => changelog::cmd_changelog(&cli.root, args),
        Command::Ops(args) => ops::cmd_ops(&cli.root, args),
        Command::Test(args) => test::cmd_test(&cli.root, *args),
        Command::Upgrade(args) => upgrade::cmd_upgrade(&cli.root, args),
        Command::Sandbox(args) => sandbox::cmd_sandbox(&cli.root, *args),
        Command::Webhook(command) => webhook::cmd_webhook(&cli.root, command),
    }
}

/// Exit status when stdout's reader went away, as a Unix tool killed by SIGPIPE.
const BROKEN_PIPE_EXIT: i32 = 141;

/// Writes to stdout. A closed pipe (`apiwatch rules | head`) ends the program
/// quietly with 141, as Unix tools do, instead of a panic; another write error is
/// said on stderr.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        eprintln!("apiwatch: cannot write to stdout: {e}");
        std::process::exit(2);
    }
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
        let fetcher = apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?;
        rt.block_on(apiwatch::run::load_upstream(
            &loc,
            Path::new("."),
            &fetcher,
            None,
        ))
        .map_err(|p| anyhow::anyhow!(p.message))
    } else {
        Ok(load::load_file(Path::new(arg))?)
    }
}

fn render(rep: &Report, format: Format, color: bool, artifact: &str) -> String {
    match format {
        Format::Text => report::text::render(rep, color),
        Format::Json => report::json::render(rep),
        Format::Markdown => report::markdown::render(rep),
        Format::Sarif => report::sarif::render(rep, artifact),
    }
}
