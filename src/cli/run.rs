//! `apiwatch run`: the nightly job. The library runs the whole night
//! ([`apiwatch::run::night`]); this turns the arguments and the environment into
//! its settings, and its outcome into output and an exit code.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::ValueEnum;

use super::progress;
use super::{Format, Outcome, SeverityArg, render, runtime, today};
use apiwatch::issues::github::GitHubConfig;
use apiwatch::map::FailOn;
use apiwatch::run::{NightSettings, RunSettings};

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
    /// Attempts per HTTP request, to vendors and to GitHub (retries on 5xx, 429,
    /// timeouts, cut bodies).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_attempts: usize,
    /// HTTP requests in flight at once, across all vendors.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// Close an issue once its problem has been gone this many runs in a row.
    #[arg(long, default_value_t = 2, value_name = "RUNS")]
    pub close_after: u32,
    /// Show every finding on stdout and in report.md / report.txt, not only those on
    /// operations in use (the others are counted per rule by default; report.json
    /// always has them all).
    #[arg(long)]
    pub all: bool,
    /// Leave findings below this severity out of what is printed.
    #[arg(long, value_enum, default_value_t = SeverityArg::Info)]
    pub min_severity: SeverityArg,
    /// Stop fetching after this long (`90s`, `25m`, `1h`; `0` for never): sources not
    /// read by then are reported unreachable, and the report, state and issues are
    /// still written. Keep it below the workflow's `timeout-minutes` (30 in the
    /// example workflow).
    #[arg(long, default_value = "25m", value_name = "DURATION", value_parser = parse_duration)]
    pub deadline: std::time::Duration,
    /// Check only this share of the contracts (`I/N`, by a hash of their names) and
    /// write the report and shard.json without filing; `apiwatch merge` files once.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Skip the contract tests (they run by default for every contract with a
    /// `[sandbox]` whose credentials are set).
    #[arg(long)]
    pub no_tests: bool,
}

/// `90s`, `25m`, `1h`, or a number of minutes.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "m"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 90s, 25m or 1h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{text}`: the unit must be s, m or h")),
    };
    // Longer than a week is no deadline for a nightly job (and would overflow).
    if secs > 7 * 24 * 3600 {
        return Err(format!(
            "`{text}` is longer than a week; use 0 for no deadline"
        ));
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Never,
}

/// A `--fail-on` as the contract's setting it overrides.
pub fn fail_on(arg: FailOnArg) -> FailOn {
    match arg {
        FailOnArg::Error => FailOn::Error,
        FailOnArg::Warning => FailOn::Warning,
        FailOnArg::Never => FailOn::Never,
    }
}

pub fn cmd_run(root: &Path, args: RunArgs, color: bool) -> Result<Outcome> {
    // One invalid contract must not hide the others: it is set aside, reported as
    // invalid, and the run exits 2 at the end.
    let map = apiwatch::run::load_map_lenient(root)?;
    for name in &args.contracts {
        if !map.invalid.iter().any(|i| &i.name == name) {
            map.get(name)?;
        }
    }
    let invalid: Vec<&apiwatch::map::InvalidContract> = map
        .invalid
        .iter()
        .filter(|i| args.contracts.is_empty() || args.contracts.contains(&i.name))
        .collect();
    for i in &invalid {
        eprintln!(
            "apiwatch: contract `{}` is invalid and is not checked tonight:",
            i.name
        );
        for e in &i.errors {
            eprintln!("  {e}");
        }
    }
    let settings = settings(root, &args);
    let selected = map
        .contracts
        .iter()
        .filter(|c| args.contracts.is_empty() || args.contracts.contains(&c.name))
        .count();
    eprintln!(
        "apiwatch run: {selected} contract{} from {}",
        if selected == 1 { "" } else { "s" },
        root.join("contracts").display()
    );
    let rt = runtime()?;
    if let Some(shard) = &args.shard {
        let shard = apiwatch::run::shard::Shard::parse(shard)
            .ok_or_else(|| anyhow::anyhow!("--shard `{shard}`: expected I/N, like 2/4"))?;
        let report = rt.block_on(apiwatch::run::shard::run_shard(
            &map,
            &settings,
            shard,
            progress::for_terminal(),
        ))?;
        print_report(&render(&report, args.format, color, "snapshots"));
        eprintln!(
            "shard {}/{}: {} contract(s) checked; report and {} in {} (nothing filed: `apiwatch merge` files once for all shards)",
            shard.index,
            shard.of,
            report.contracts.len(),
            apiwatch::run::shard::FILE,
            settings.out.display()
        );
        return Ok(Outcome::Clean);
    }
    let night = rt.block_on(apiwatch::run::night(
        &map,
        &settings,
        progress::for_terminal(),
    ))?;
    conclude(&map, &night, &args, &settings, color)
}

/// `apiwatch merge SHARD...`: the shards' outcomes combined, and the night finished
/// once (report, issues, state), as `run` would have.
pub fn cmd_merge(root: &Path, args: MergeArgs, color: bool) -> Result<Outcome> {
    let map = apiwatch::run::load_map_lenient(root)?;
    let outcomes = apiwatch::run::shard::read(&args.shards).map_err(anyhow::Error::msg)?;
    let settings = settings(root, &args.run);
    let rt = runtime()?;
    let night = rt.block_on(apiwatch::run::shard::merge(
        &map,
        &settings,
        outcomes,
        progress::for_terminal(),
    ))?;
    conclude(&map, &night, &args.run, &settings, color)
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard reports: `shard.json` files, or the folders `run --shard` wrote.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The report on stdout. In GitHub Actions, workflow commands are suspended around
/// it (`::stop-commands::`): a vendor's text that starts a line with `::` (a
/// changelog entry, an error page) cannot forge an annotation or a command.
fn print_report(text: &str) {
    if !std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        out!("{text}");
        return;
    }
    let now = jiff::Timestamp::now();
    let token = format!("apiwatch-{}-{}", now.as_second(), now.subsec_nanosecond());
    out!("::stop-commands::{token}\n{text}");
    if !text.ends_with('\n') {
        out!("\n");
    }
    out!("::{token}::\n");
}

/// What a finished night prints and how it exits.
fn conclude(
    map: &apiwatch::map::IntegrationMap,
    night: &apiwatch::run::RunOutcome,
    args: &RunArgs,
    settings: &NightSettings,
    color: bool,
) -> Result<Outcome> {
    let invalid: Vec<&apiwatch::map::InvalidContract> = map
        .invalid
        .iter()
        .filter(|i| args.contracts.is_empty() || args.contracts.contains(&i.name))
        .collect();
    for line in night.plan.iter().chain(&night.notices) {
        eprintln!("{line}");
    }
    for run in &night.report.tests {
        eprintln!("contract tests: {}", run.headline());
    }
    let mut shown = night.report.clone();
    shown.findings = apiwatch::report::filter_min(shown.findings, args.min_severity.into());
    let printed = match args.format {
        Format::Text | Format::Markdown => {
            let (focused, elsewhere) = apiwatch::report::focus::focus(&shown, args.all);
            let rest = if args.format == Format::Text {
                apiwatch::report::focus::text(&elsewhere)
            } else {
                apiwatch::report::focus::markdown(&elsewhere)
            };
            render(&focused, args.format, color, "snapshots") + &rest
        }
        _ => render(&shown, args.format, color, "snapshots"),
    };
    print_report(&printed);
    // In GitHub Actions: an annotation per in-use operation with errors, on its
    // `[[uses]]` line (a pull request touching contracts shows them inline).
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        for line in apiwatch::run::annotations(map, &night.report.findings) {
            outln!("{line}");
        }
    }
    let out = settings.out.display();
    if settings.dry_run {
        eprintln!("dry run (no GitHub writes): report and rendered issues written to {out}");
    } else {
        eprintln!("report and rendered issues written to {out}");
    }
    if !invalid.is_empty() {
        bail!(
            "{} invalid contract{} ({}): fix {} (see above); every other contract was checked and reported",
            invalid.len(),
            if invalid.len() == 1 { "" } else { "s" },
            invalid
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if invalid.len() == 1 { "it" } else { "them" }
        );
    }
    if night.filing_incomplete {
        bail!(
            "some issue operations could not be applied on GitHub; they are kept in {} and retried on the next run",
            settings.check.state_dir.display()
        );
    }
    // A contract whose source could not be read was not checked: the night is not
    // clean, from the first failure (its issue waits for the escalation).
    let unread: Vec<&str> = night
        .contracts
        .iter()
        .filter(|o| o.findings.iter().any(apiwatch::run::spec_unread))
        .map(|o| o.status.name.as_str())
        .collect();
    if !unread.is_empty() {
        eprintln!(
            "warning: not checked in full tonight (a source could not be read): {}",
            unread.join(", ")
        );
    }
    let failing = night.failing() || !unread.is_empty();
    if failing {
        eprintln!("exit 1: {}", why_failing(night, unread.len()));
    }
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Why the night is not clean, in one line: "2 errors on operations in use, 1 on a
/// compliance-critical operation".
fn why_failing(night: &apiwatch::run::RunOutcome, unread: usize) -> String {
    use apiwatch::finding::Severity;
    let failing: Vec<&apiwatch::run::ContractOutcome> =
        night.contracts.iter().filter(|o| o.failing).collect();
    let count = |pred: &dyn Fn(&apiwatch::finding::Finding) -> bool| -> usize {
        failing
            .iter()
            .flat_map(|o| o.findings.iter())
            .filter(|f| pred(f))
            .count()
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    let errors = count(&|f| f.in_use && f.severity == Severity::Error);
    if errors > 0 {
        parts.push(format!(
            "{} on operations in use",
            plural(errors, "error", "errors")
        ));
    }
    let warnings = count(&|f| f.in_use && f.severity == Severity::Warning);
    if warnings > 0 && errors == 0 {
        parts.push(format!(
            "{} on operations in use",
            plural(warnings, "warning", "warnings")
        ));
    }
    let compliance = count(&|f| f.compliance && f.severity >= Severity::Warning);
    if compliance > 0 {
        parts.push(format!(
            "{} on a compliance-critical operation",
            plural(compliance, "finding", "findings")
        ));
    }
    if unread > 0 {
        parts.push(format!(
            "{} whose spec could not be read",
            plural(unread, "contract", "contracts")
        ));
    }
    if parts.is_empty() {
        "findings at the contracts' fail_on level".to_owned()
    } else {
        parts.join(", ")
    }
}

/// GitHub calls follow `--max-attempts` and `--timeout` like vendor fetches; the
/// timeout has a floor, since GitHub's own latency is no reason to give up early.
fn github_settings(config: GitHubConfig, args: &RunArgs) -> GitHubConfig {
    GitHubConfig {
        max_attempts: args.max_attempts.max(1),
        timeout: std::time::Duration::from_secs(args.timeout.max(GITHUB_MIN_TIMEOUT_SECS)),
        ..config
    }
}

/// The shortest timeout GitHub calls get, whatever `--timeout` says.
const GITHUB_MIN_TIMEOUT_SECS: u64 = 10;

/// The night's settings from the arguments and the environment (the GitHub token,
/// `GITHUB_REPOSITORY`, `GITHUB_STEP_SUMMARY`); without a token it is a dry run.
fn settings(root: &Path, args: &RunArgs) -> NightSettings {
    let github = GitHubConfig::from_env().map(|g| github_settings(g, args));
    let env_path = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    NightSettings {
        check: RunSettings {
            root: root.to_path_buf(),
            only: args.contracts.clone(),
            fail_on: args.fail_on.map(fail_on),
            today: today(),
            fetch: apiwatch::fetch::FetchConfig {
                timeout: std::time::Duration::from_secs(args.timeout),
                max_attempts: args.max_attempts.max(1),
                global_concurrency: args.concurrency.max(1),
                deadline: (!args.deadline.is_zero())
                    .then(|| tokio::time::Instant::now() + args.deadline),
                ..Default::default()
            },
            state_dir: root.join(&args.state_dir),
            tests: (!args.no_tests).then(|| {
                let mut t = apiwatch::suite::Settings::new(root);
                t.timeout = std::time::Duration::from_secs(args.timeout);
                t
            }),
        },
        out: if args.out.is_absolute() {
            args.out.clone()
        } else {
            root.join(&args.out)
        },
        dry_run: args.dry_run || github.is_none(),
        close_after: args.close_after,
        github,
        default_repo: env_path("GITHUB_REPOSITORY").map(|v| v.to_string_lossy().into_owned()),
        step_summary: env_path("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        all: args.all,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn args(line: &[&str]) -> RunArgs {
        match crate::cli::Cli::parse_from(line).command {
            crate::cli::Command::Run(args) => args,
            _ => unreachable!(),
        }
    }

    /// The GitHub client used a fixed 30 s and ignored `--timeout`.
    #[test]
    fn github_calls_follow_timeout_and_attempts_with_a_floor() {
        let config = GitHubConfig {
            api_url: "http://127.0.0.1:9".into(),
            token: "t".into(),
            max_attempts: 4,
            max_wait: std::time::Duration::from_secs(90),
            min_delay: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(30),
        };
        let g = github_settings(
            config.clone(),
            &args(&["apiwatch", "run", "--timeout", "120", "--max-attempts", "2"]),
        );
        assert_eq!((g.timeout.as_secs(), g.max_attempts), (120, 2));
        let g = github_settings(config, &args(&["apiwatch", "run", "--timeout", "1"]));
        assert_eq!(g.timeout.as_secs(), GITHUB_MIN_TIMEOUT_SECS);
    }

    #[test]
    fn deadlines_in_the_forms_people_write() {
        for (text, secs) in [
            ("90s", 90),
            ("25m", 1500),
            ("1h", 3600),
            ("10", 600),
            ("0", 0),
        ] {
            assert_eq!(parse_duration(text).unwrap().as_secs(), secs, "{text}");
        }
        assert!(parse_duration("soon").is_err() && parse_duration("5d").is_err());
        assert!(
            parse_duration("99999999999h").is_err(),
            "would overflow the clock"
        );
        assert_eq!(args(&["apiwatch", "run"]).deadline.as_secs(), 25 * 60);
    }
}
