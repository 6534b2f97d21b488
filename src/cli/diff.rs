//! `apiwatch diff A B`: two specs, no contract needed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{Format, Outcome, SeverityArg, load_arg, render, runtime, today};
use apiwatch::config::Uses;
use apiwatch::finding::{Level, RuleId, Severity};
use apiwatch::report::{self, Report, excerpt};
use apiwatch::spec::Document;
use apiwatch::spec::model::ApiModel;

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

pub fn cmd_diff(root: &Path, args: DiffArgs, color: bool) -> Result<Outcome> {
    let rt = runtime()?;
    let (base, rev) = apiwatch::join(
        || load_arg(&rt, &args.base),
        || load_arg(&rt, &args.revision),
    );
    let (base, rev) = (base?, rev?);
    let mut options = match (&args.uses, &args.contract) {
        (None, Some(name)) => apiwatch::run::compare_options(
            apiwatch::run::load_contracts(root)?.get(name)?,
            &today(),
        ),
        (uses_file, _) => apiwatch::CompareOptions {
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
    if let Some(file) = &args.uses {
        check_uses_file(file, &uses, &base, &rev)?;
    }
    let mut findings = report::filter_min(
        apiwatch::compare(&base, &rev, &options),
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
    out!("{}", render(&rep, args.format, color, &args.revision));
    Ok(if failing && args.fail_on.is_some() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// A `--uses` entry that names no operation of either spec is an error, as in a
/// contract: a typo would otherwise leave it "not in use" and CI green.
fn check_uses_file(file: &Path, uses: &Uses, base: &Document, rev: &Document) -> Result<()> {
    let models = [ApiModel::build(base), ApiModel::build(rev)];
    let refs: Vec<&ApiModel<'_>> = models.iter().collect();
    let unknown: Vec<String> = uses
        .entries
        .iter()
        .filter(|e| !refs.iter().any(|m| m.find(&e.reference).is_some()))
        .map(|e| {
            format!(
                "{}: `{}` is not an operation of either spec{}",
                file.display(),
                e.reference,
                apiwatch::run::hint(&e.reference, &refs)
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        bail!("{}", unknown.join("\n"))
    }
}

/// Reads a `--uses` file (see [`Uses::parse`]).
fn read_uses_file(path: &Path) -> Result<Uses> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the uses file", path.display()))?;
    Ok(Uses::parse(&text))
}
