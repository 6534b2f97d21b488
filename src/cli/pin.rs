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
    /// Rewrite `[[uses]]` entries whose operation the new spec renamed (same method
    /// and path, new operationId) instead of refusing to pin.
    #[arg(long)]
    pub update_uses: bool,
    /// The version to record in `[pin] version` (default: the spec's `info.version`).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
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
    // Every new document first: nothing is written unless the contract still holds.
    let mut fetched = Vec::new();
    for spec in &specs {
        let doc = match &args.from {
            Some(from) => load_arg(&rt, from)?,
            None => rt
                .block_on(apiwatch::run::load_upstream(
                    &spec.location.with_version(&contract.pin.version),
                    root,
                    &apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?,
                    spec.credential.as_ref(),
                ))
                .map_err(|p| anyhow::anyhow!(p.message))?,
        };
        fetched.push((*spec, doc));
    }
    let renames = check_uses_after(root, contract, &fetched, args.update_uses)?;
    let version = args.version.clone().or_else(|| {
        fetched.first().and_then(|(_, d)| {
            d.root
                .pointer("/info/version")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
    });
    // The contract edit is worked out first: if it cannot be made, nothing is pinned.
    let edited = edit_contract(root, contract, &renames, version.as_deref())?;
    for (spec, doc) in &fetched {
        let path = contract.snapshot_path(root, &spec.name);
        let bytes = snapshot::pin(doc, &path)
            .with_context(|| format!("{}: cannot write the snapshot", path.display()))?;
        let ops = ApiModel::build(doc).operations.len();
        eprintln!(
            "pinned {}/{} from {} ({}, {ops} operations) → {} ({bytes} bytes)",
            contract.name,
            spec.name,
            doc.source,
            doc.dialect.label(),
            path.strip_prefix(root).unwrap_or(&path).display()
        );
    }
    if let Some(text) = edited {
        let path = root.join(&contract.file);
        apiwatch::files::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(Outcome::Clean)
}

/// `[[uses]]` entries checked against the specs as they will be pinned. An entry
/// that would no longer resolve stops the pin (nothing is written), saying what the
/// operation became when the new spec has it under another operationId (same
/// method and path); with `update_uses`, such renames are returned to be applied.
pub(super) fn check_uses_after(
    root: &Path,
    contract: &map::Contract,
    fetched: &[(&map::SpecSource, apiwatch::spec::Document)],
    update_uses: bool,
) -> Result<Vec<(usize, String, String)>> {
    let mut new_docs: Vec<&apiwatch::spec::Document> = fetched.iter().map(|(_, d)| d).collect();
    // Specs not re-pinned now keep their current snapshot.
    let kept: Vec<apiwatch::spec::Document> = contract
        .specs
        .iter()
        .filter(|s| !fetched.iter().any(|(f, _)| f.name == s.name))
        .filter_map(|s| snapshot::read(&contract.snapshot_path(root, &s.name)).ok())
        .collect();
    new_docs.extend(kept.iter());
    let old: Vec<apiwatch::spec::Document> = fetched
        .iter()
        .filter_map(|(s, _)| snapshot::read(&contract.snapshot_path(root, &s.name)).ok())
        .collect();
    let new_models: Vec<ApiModel<'_>> = new_docs.iter().map(|d| ApiModel::build(d)).collect();
    let old_models: Vec<ApiModel<'_>> = old.iter().map(ApiModel::build).collect();
    let mut renames = Vec::new();
    let mut problems = Vec::new();
    for u in &contract.uses {
        if new_models.iter().any(|m| m.find(&u.operation).is_some()) {
            continue;
        }
        let was = old_models.iter().find_map(|m| m.find(&u.operation));
        let now = was.and_then(|w| {
            new_models.iter().find_map(|m| {
                m.operations
                    .iter()
                    .find(|o| o.method == w.method && o.key == w.key)
            })
        });
        let place = format!("{}:{}:{}", contract.file.display(), u.line, u.column);
        match now.and_then(|o| o.operation_id.clone().map(|id| (o, id))) {
            Some((o, id)) if update_uses => {
                eprintln!("{place}: `{}` is now `{id}` ({} {}): updated", u.operation, o.method, o.path);
                renames.push((u.line, u.operation.clone(), id));
            }
            Some((o, id)) => problems.push(format!(
                "{place}: `{}` is not an operation of the new spec: it is now `{id}` ({} {}); pass --update-uses to rewrite it",
                u.operation, o.method, o.path
            )),
            None => problems.push(format!(
                "{place}: `{}` is not an operation of the new spec (removed?); change or remove this [[uses]] entry first",
                u.operation
            )),
        }
    }
    if !problems.is_empty() {
        bail!(
            "not pinned: the contract would no longer hold against the new spec\n{}",
            problems.join("\n")
        );
    }
    Ok(renames)
}

/// `contract.toml` with the `[[uses]]` renames and the pinned version applied,
/// changing only those values (layout, comments and line endings stay); `None`
/// when nothing changes. A value that cannot be found where the loader saw it is an
/// error, never a silent "updated".
pub(super) fn edit_contract(
    root: &Path,
    contract: &map::Contract,
    renames: &[(usize, String, String)],
    version: Option<&str>,
) -> Result<Option<String>> {
    let path = root.join(&contract.file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let shown = contract.file.display();
    // A value as the file may spell it: a basic or a literal string.
    let spellings = |s: &str| [basic(s), format!("'{s}'")];
    for (line, old, new) in renames {
        let l = line
            .checked_sub(1)
            .and_then(|i| lines.get_mut(i))
            .with_context(|| format!("{shown}:{line}: no such line"))?;
        let Some(found) = spellings(old).into_iter().find(|q| l.contains(q.as_str())) else {
            bail!("{shown}:{line}: cannot find `{old}` to rewrite; change it to `{new}` by hand");
        };
        *l = l.replacen(&found, &basic(new), 1);
    }
    if let Some(version) = version.filter(|v| *v != contract.pin.version) {
        let mut in_pin = false;
        let mut done = false;
        for l in lines.iter_mut() {
            let t = l.split('#').next().unwrap_or("").trim();
            if t.starts_with('[') {
                in_pin = t == "[pin]";
            } else if in_pin && t.starts_with("version") && t.contains('=') {
                if let Some(found) = spellings(&contract.pin.version)
                    .into_iter()
                    .find(|q| l.contains(q.as_str()))
                {
                    *l = l.replacen(&found, &basic(version), 1);
                    done = true;
                }
                break;
            }
        }
        if done {
            eprintln!(
                "{shown}: [pin] version {} → {version}",
                contract.pin.version
            );
        } else {
            eprintln!(
                "{shown}: could not find `[pin] version` to set it to {}; set it by hand",
                basic(version)
            );
        }
    }
    let mut out = lines.join(newline);
    if text.ends_with('\n') {
        out.push_str(newline);
    }
    Ok((out != text).then_some(out))
}

/// A TOML basic string: quotes, backslashes and control characters escaped, so a
/// vendor's `info.version` can never break the file.
fn basic(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
