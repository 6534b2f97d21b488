//! `apiwatch upgrade CONTRACT --to VERSION|FILE|URL`: what moving the pin would
//! break, and with `--accept`, the move itself (contract and snapshot rewritten,
//! the change in the audit log).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use super::{Outcome, emit, load_arg, runtime, today};
use apiwatch::upgrade::{self, Verdict};

#[derive(Debug, clap::Args)]
pub struct UpgradeArgs {
    pub contract: String,
    /// The candidate: a version (filled into the `{version}` of the contract's spec
    /// URL), or a file or URL of the candidate spec.
    #[arg(long, value_name = "VERSION|FILE|URL")]
    pub to: String,
    /// Which of the contract's specs (default: its first).
    #[arg(long, value_name = "NAME")]
    pub spec: Option<String>,
    #[arg(long, value_enum, default_value_t = UpgradeFormat::Text)]
    pub format: UpgradeFormat,
    /// Rewrite `[pin] version` and the snapshot (reviewed as an ordinary git diff).
    #[arg(long)]
    pub accept: bool,
    /// With --accept: move the pin even though a compliance-critical operation breaks.
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why a forced upgrade is right (kept in the audit log).
    #[arg(long, value_name = "TEXT", requires = "force")]
    pub reason: Option<String>,
    /// Skip the contract tests against the candidate.
    #[arg(long)]
    pub no_tests: bool,
    /// The version to record (default: the candidate's `info.version`, or VERSION).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    #[arg(long, default_value = ".apiwatch", value_name = "DIR")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UpgradeFormat {
    Text,
    Json,
    Markdown,
}

pub fn cmd_upgrade(root: &Path, args: UpgradeArgs) -> Result<Outcome> {
    let map = apiwatch::run::load_contracts(root)?;
    let contract = map.get(&args.contract)?;
    let spec = match &args.spec {
        Some(n) => contract
            .specs
            .iter()
            .find(|s| &s.name == n)
            .with_context(|| format!("contract `{}` has no spec `{n}`", contract.name))?,
        None => contract
            .specs
            .first()
            .with_context(|| format!("contract `{}` has no [[spec]]", contract.name))?,
    };
    let rt = runtime()?;
    let fetcher = apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?;
    // A file or URL as given; else a version, through the spec source's `{version}`.
    let looks_like_source = args.to.starts_with("http://")
        || args.to.starts_with("https://")
        || Path::new(&args.to).is_file();
    let (candidate, named_version) = if looks_like_source {
        (load_arg(&rt, &args.to)?, None)
    } else if spec.location.versioned() {
        let location = spec.location.with_version(&args.to);
        let doc = rt
            .block_on(apiwatch::run::load_upstream(
                &location,
                root,
                &fetcher,
                spec.credential.as_ref(),
            ))
            .map_err(|p| anyhow::anyhow!(p.message))?;
        (doc, Some(args.to.clone()))
    } else {
        bail!(
            "`{}` is neither a file nor a URL, and spec `{}` has no `{{version}}` in its url to fill: give the candidate's file or URL",
            args.to,
            spec.name
        );
    };
    let to_version = args
        .version
        .clone()
        .or(named_version)
        .or_else(|| {
            candidate
                .root
                .pointer("/info/version")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| args.to.clone());
    let snapshot = contract.snapshot_path(root, &spec.name);
    let pinned = apiwatch::snapshot::read(&snapshot)
        .map_err(|e| anyhow::anyhow!("{e} (pin it first: `apiwatch pin {}`)", contract.name))?;
    let findings = apiwatch::run::compare(contract, &pinned, &candidate, &today());
    // The vendor's changelog entries between the versions.
    let model = apiwatch::spec::model::ApiModel::build(&pinned);
    let mut changelog = Vec::new();
    let mut read = Vec::new();
    for source in &contract.changelogs {
        match rt.block_on(apiwatch::run::read_changelog(
            source,
            root,
            &fetcher,
            std::slice::from_ref(&model),
        )) {
            Ok(entries) => {
                changelog.extend(upgrade::between(
                    &entries,
                    &contract.pin.version,
                    &to_version,
                ));
                read.push((source.location.to_string(), entries));
            }
            Err(p) => eprintln!("changelog {}: {}", source.location, p.message),
        }
    }
    // The contract's tests, judged against the candidate, the version header set to it.
    let tests = if contract.sandbox.is_some() && !args.no_tests {
        let mut settings = apiwatch::suite::Settings::new(root);
        settings.version = Some(to_version.clone());
        settings.against = Some(candidate.source.clone());
        let specs = apiwatch::suite::Specs {
            pinned: &pinned,
            judged: &candidate,
            served: &candidate,
        };
        let outcome = rt.block_on(apiwatch::suite::test_contract(contract, specs, &settings));
        let mut all = findings;
        all.extend(outcome.findings);
        (all, Some(outcome.run))
    } else {
        (findings, None)
    };
    let (findings, tests) = tests;
    let assessment = upgrade::assess(
        contract,
        &to_version,
        &candidate,
        findings,
        changelog,
        tests,
    );
    let text = match args.format {
        UpgradeFormat::Text => upgrade::text(&assessment),
        UpgradeFormat::Markdown => upgrade::markdown(&assessment),
        UpgradeFormat::Json => serde_json::to_string_pretty(&assessment).unwrap_or_default() + "\n",
    };
    emit(&text);
    if args.accept {
        if assessment.verdict == Verdict::Blocked && !args.force {
            bail!(
                "not accepted: a compliance-critical operation breaks ({}); `--force --reason \"...\"` moves the pin anyway, on the record",
                assessment.compliance_breaks.join(", ")
            );
        }
        // Every file is worked out before any is written: the contract, the spec
        // snapshot, and the changelog snapshot (tonight's entries accepted with it).
        // As `pin` does: every `[[uses]]` entry must still name an operation, or the
        // map would not load tomorrow.
        let fetched = [(spec, candidate.clone())];
        super::pin::check_uses_after(root, contract, &fetched, false)?;
        let edited = super::pin::edit_contract(root, contract, &[], Some(&to_version))?;
        if edited.is_none() && to_version != contract.pin.version {
            bail!(
                "{}: cannot find `[pin] version` to set it to {to_version}; set it by hand, then `apiwatch pin {}`",
                contract.file.display(),
                contract.name
            );
        }
        let changelog_path = contract.changelog_snapshot_path(root);
        let mut changelog_snapshot =
            apiwatch::changelog::compare::ChangelogSnapshot::read(&changelog_path)
                .map_err(|c| anyhow::anyhow!("{c}: restore it before accepting an upgrade"))?
                .unwrap_or_default();
        for (key, entries) in read {
            changelog_snapshot.sources.insert(key, entries);
        }
        apiwatch::snapshot::pin(&candidate, &snapshot)
            .with_context(|| format!("{}: cannot write the snapshot", snapshot.display()))?;
        if let Some(text) = edited {
            let path = root.join(&contract.file);
            apiwatch::files::write_atomic(&path, text.as_bytes())
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        if !contract.changelogs.is_empty() {
            changelog_snapshot
                .write(&changelog_path)
                .with_context(|| format!("{}: cannot write", changelog_path.display()))?;
        }
        let record = apiwatch::audit::line(
            "pin-change",
            apiwatch::audit::pin_change(
                &contract.name,
                &contract.pin.version,
                &to_version,
                assessment.verdict.label(),
                args.reason.as_deref().filter(|_| args.force),
            ),
            jiff::Timestamp::now(),
        );
        let log = apiwatch::audit::path(&root.join(&args.state_dir));
        apiwatch::audit::append(&log, &[record])
            .with_context(|| format!("{}: cannot append to the audit log", log.display()))?;
        eprintln!(
            "accepted: {} pinned {} → {to_version}{}; review with `git diff`",
            contract.name,
            contract.pin.version,
            if args.force {
                " (forced, reason recorded)"
            } else {
                ""
            }
        );
        return Ok(Outcome::Clean);
    }
    Ok(match assessment.verdict {
        Verdict::Safe => Outcome::Clean,
        Verdict::NeedsWork | Verdict::Blocked => Outcome::Findings,
    })
}
