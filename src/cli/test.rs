//! `apiwatch test`: the contract tests of some (or every) contract, on their
//! sandboxes, judged against the pinned spec (or `--against` a candidate); and
//! `--scaffold`, a starter case file from the pinned spec.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use super::{Outcome, emit, load_arg, runtime};
use apiwatch::finding::{Finding, RuleId, Severity, catalog::Live};
use apiwatch::map::{Contract, Serve};
use apiwatch::report::{self, Report, tests};
use apiwatch::suite;

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Contracts to test (default: every contract with a `[sandbox]`).
    #[arg(value_name = "CONTRACT")]
    pub contracts: Vec<String>,
    /// Run against this base URL instead of the contract's sandbox (a local
    /// `apiwatch sandbox`, a staging proxy); the production check still applies.
    #[arg(long, value_name = "URL")]
    pub sandbox: Option<String>,
    /// Fetch OAuth tokens here instead of the contract's `token_url` (with a local
    /// `--sandbox`, its own token endpoint is used without this).
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Judge the answers against this spec (file or URL) instead of the pin: the
    /// candidate of an upgrade.
    #[arg(long, value_name = "FILE|URL")]
    pub against: Option<String>,
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Also write the results as JUnit XML.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write report.json, report.md and junit.xml into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 1 on findings at or above this level (default: the contract's
    /// `policy.fail_on`; a failed case always fails).
    #[arg(long, value_enum)]
    pub fail_on: Option<super::run::FailOnArg>,
    /// Seconds one request may take.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Write a starter `tests.toml` from the pinned spec (one read-only case per
    /// GET in use) instead of running the tests.
    #[arg(long)]
    pub scaffold: bool,
    /// With --scaffold: replace an existing `tests.toml`.
    #[arg(long, requires = "scaffold")]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TestFormat {
    Text,
    Json,
    Markdown,
}

pub fn cmd_test(root: &Path, args: TestArgs) -> Result<Outcome> {
    let map = apiwatch::run::load_contracts(root)?;
    let named = !args.contracts.is_empty();
    let selected: Vec<&Contract> = if named {
        args.contracts
            .iter()
            .map(|n| map.get(n))
            .collect::<Result<_, _>>()?
    } else {
        map.contracts
            .iter()
            .filter(|c| c.sandbox.is_some())
            .collect()
    };
    if selected.is_empty() {
        bail!("no contract has a `[sandbox]`: nothing to test (see docs/contract-format.md)");
    }
    if let Some(c) = selected.iter().find(|c| c.sandbox.is_none()) {
        bail!(
            "{}: contract `{}` has no `[sandbox]`: its tests have nowhere to run (add one: docs/contract-format.md)",
            c.file.display(),
            c.name
        );
    }
    if let Some(url) = &args.sandbox {
        let ok = reqwest::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !ok {
            bail!("--sandbox `{url}` is not an http(s) URL (like http://127.0.0.1:4010)");
        }
    }
    let rt = runtime()?;
    if args.scaffold {
        return scaffold(root, &selected, args.force, named);
    }
    let against = args
        .against
        .as_deref()
        .map(|a| load_arg(&rt, a).with_context(|| format!("--against {a}")))
        .transpose()?;
    let mut settings = suite::Settings::new(root);
    settings.timeout = std::time::Duration::from_secs(args.timeout);
    settings.sandbox_url = args.sandbox.clone();
    settings.against = args.against.clone();
    settings.token_url = args.token_url.clone();
    let fetcher = apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?;
    let mut runs = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut usage_errors = Vec::new();
    for contract in &selected {
        let outcome = rt.block_on(test_one(
            root,
            contract,
            against.as_ref(),
            &settings,
            &fetcher,
        ));
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                usage_errors.push(format!("{}: {e:#}", contract.name));
                continue;
            }
        };
        // A case file that does not read, or a sandbox URL refused: nothing ran.
        if outcome.findings.iter().any(|f| {
            f.op_key == suite::SANDBOX_KEY
                && matches!(
                    f.rule,
                    RuleId::Live(Live::CasesInvalid | Live::ProductionRefused)
                )
        }) {
            usage_errors.push(outcome.run.reason.clone().unwrap_or_default());
        }
        findings.extend(outcome.findings);
        runs.push(outcome.run);
    }
    apiwatch::finding::sort_findings(&mut findings);
    let mut rep = Report::new(findings);
    rep.tests = runs;
    let text = match args.format {
        TestFormat::Text => {
            let mut t = tests::text(&rep.tests);
            if !rep.findings.is_empty() {
                t.push('\n');
                t.push_str(&report::text::render(&rep, false));
            }
            t
        }
        TestFormat::Json => report::json::render(&rep),
        TestFormat::Markdown => tests::markdown(&rep.tests) + &report::markdown::render(&rep),
    };
    emit(&text);
    let junit = tests::junit(&rep.tests);
    if let Some(path) = &args.junit {
        apiwatch::files::write_atomic(path, junit.as_bytes())
            .with_context(|| format!("{}: cannot write the JUnit report", path.display()))?;
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        let md = tests::markdown(&rep.tests) + &report::markdown::render(&rep);
        for (name, body) in [
            ("report.json", report::json::render(&rep)),
            ("report.md", md),
            ("junit.xml", junit.clone()),
        ] {
            let path = dir.join(name);
            apiwatch::files::write_atomic(&path, body.as_bytes())
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
    }
    if !usage_errors.is_empty() {
        for e in &usage_errors {
            eprintln!("{e}");
        }
        bail!(
            "the tests of {} contract(s) could not run",
            usage_errors.len()
        );
    }
    let failing_case = rep
        .tests
        .iter()
        .any(|r| r.failed_cases() > 0 || r.status == "failed");
    let failing_finding = selected.iter().any(|c| {
        let level = match args
            .fail_on
            .map(super::run::fail_on)
            .unwrap_or(c.policy.fail_on)
        {
            apiwatch::map::FailOn::Error => Some(Severity::Error),
            apiwatch::map::FailOn::Warning => Some(Severity::Warning),
            apiwatch::map::FailOn::Never => None,
        };
        let own: Vec<Finding> = rep
            .findings
            .iter()
            .filter(|f| f.contract.as_deref() == Some(&c.name))
            .cloned()
            .collect();
        report::fails(&own, level, true)
    });
    Ok(if failing_case || failing_finding {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// One contract's tests: its pinned snapshot (the first spec's), what an embedded
/// sandbox serves, and the run.
async fn test_one(
    root: &Path,
    contract: &Contract,
    against: Option<&apiwatch::spec::Document>,
    settings: &suite::Settings,
    fetcher: &apiwatch::fetch::Fetcher,
) -> Result<suite::Outcome> {
    let spec = contract
        .specs
        .first()
        .with_context(|| format!("contract `{}` has no [[spec]]", contract.name))?;
    let path = contract.snapshot_path(root, &spec.name);
    let pinned = apiwatch::snapshot::read(&path)
        .map_err(|e| anyhow::anyhow!("{e} (pin it first: `apiwatch pin {}`)", contract.name))?;
    let upstream = match contract.sandbox.as_ref().map(|s| (s.embedded, s.serve)) {
        Some((true, Serve::Upstream)) if settings.sandbox_url.is_none() => Some(
            apiwatch::run::load_upstream(
                &spec.location.with_version(&contract.pin.version),
                root,
                fetcher,
                spec.credential.as_ref(),
            )
            .await
            .map_err(|p| anyhow::anyhow!(p.message))?,
        ),
        _ => None,
    };
    let specs = suite::Specs {
        pinned: &pinned,
        judged: against.unwrap_or(&pinned),
        served: upstream.as_ref().unwrap_or(&pinned),
    };
    Ok(suite::test_contract(contract, specs, settings).await)
}

/// Writes a starter case file per contract; one that exists is kept (and, for a
/// contract named on the command line, refused) unless `force`.
fn scaffold(root: &Path, selected: &[&Contract], force: bool, named: bool) -> Result<Outcome> {
    for contract in selected {
        let spec = contract
            .specs
            .first()
            .with_context(|| format!("contract `{}` has no [[spec]]", contract.name))?;
        let snapshot = contract.snapshot_path(root, &spec.name);
        let pinned = apiwatch::snapshot::read(&snapshot)
            .map_err(|e| anyhow::anyhow!("{e} (pin it first: `apiwatch pin {}`)", contract.name))?;
        let rel = suite::case_file(contract);
        let path = root.join(&rel);
        if path.exists() && !force {
            if named {
                bail!(
                    "{} exists; pass --force to replace it (or edit it: docs/contract-format.md)",
                    rel.display()
                );
            }
            eprintln!("kept {} (it exists; --force replaces it)", rel.display());
            continue;
        }
        let text = suite::scaffold::scaffold(contract, &pinned);
        apiwatch::files::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
        eprintln!(
            "wrote {} ({} case(s)); run `apiwatch test {}`",
            rel.display(),
            text.matches("\n[[case]]").count(),
            contract.name
        );
    }
    Ok(Outcome::Clean)
}
