//! `apiwatch pin NAME`: writes a contract's normalised snapshot, from its upstream
//! source or a given file or URL.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{Outcome, load_arg, runtime};
use apiwatch::spec::model::ApiModel;
use apiwatch::{map, snapshot};

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

pub fn cmd_pin(root: &Path, args: PinArgs) -> Result<Outcome> {
    let map = apiwatch::run::load_contracts(root)?;
    let contract = map.get(&args.contract)?;
    let removed = apiwatch::files::remove_stale_temp_files(&root.join("snapshots"));
    if removed > 0 {
        eprintln!("removed {removed} temp file(s) left in snapshots/ by an interrupted run");
    }
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
                .block_on(apiwatch::run::load_upstream(
                    &spec.location,
                    root,
                    &apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?,
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
