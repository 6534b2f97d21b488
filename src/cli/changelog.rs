//! `apiwatch changelog`: parse one changelog page, feed or Markdown file, or show
//! (and with `--update` accept) what a contract's changelogs say since their snapshot.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use super::{Outcome, TextOrJson, runtime};
use apiwatch::config::{ChangelogKind, Location, Selectors};
use apiwatch::snapshot;
use apiwatch::spec::Document;
use apiwatch::spec::model::ApiModel;

#[derive(Debug, clap::Args)]
pub struct ChangelogArgs {
    /// `parse`, or the name of a contract.
    pub target: String,
    /// With `parse`: the file or URL to read.
    pub input: Option<String>,
    /// With `parse`: html, rss, atom or markdown (guessed when absent).
    #[arg(long, value_enum)]
    pub kind: Option<ChangelogKindArg>,
    /// With `parse` and html: `entry=SEL,title=SEL,date=SEL,body=SEL,link=SEL,labels=SEL`.
    #[arg(long)]
    pub selectors: Option<String>,
    /// With `parse`: the page's URL, to resolve relative links of a saved file.
    #[arg(long)]
    pub base_url: Option<String>,
    /// With `parse`: a spec (file or URL) whose operationIds and paths to recognise
    /// in entries, as a contract's pinned spec is.
    #[arg(long, value_name = "FILE|URL")]
    pub spec: Option<String>,
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

fn parse_selectors(spec: &str) -> Result<Selectors> {
    let mut sel = Selectors::default();
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
            "labels" => sel.labels = Some(v),
            other => {
                bail!(
                    "--selectors: unknown selector `{other}` (entry, title, date, body, link, labels)"
                )
            }
        }
    }
    if sel.entry.is_empty() {
        bail!("--selectors needs at least entry=SELECTOR");
    }
    Ok(sel)
}

/// `2026-11-19  Title  [deprecation, sunset]  sunset 2027-03-01`.
fn entry_line(e: &apiwatch::changelog::Entry) -> String {
    let kinds: Vec<&str> = e
        .kinds
        .iter()
        .map(|k| apiwatch::changelog::findings::kind_word(*k))
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

fn print_entries(entries: &[apiwatch::changelog::Entry], format: TextOrJson) {
    match format {
        TextOrJson::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({ "entries": entries }))
                .unwrap_or_default();
            s.push('\n');
            out!("{s}");
        }
        TextOrJson::Text => {
            for e in entries {
                outln!("{}", entry_line(e));
                for m in &e.mentions {
                    outln!("            mentions {}", m.shown());
                }
            }
            outln!(
                "{} entr{}",
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            );
        }
    }
}

pub fn cmd_changelog(root: &Path, args: ChangelogArgs) -> Result<Outcome> {
    let rt = runtime()?;
    let _runtime = rt.enter();
    let fetcher = apiwatch::fetch::Fetcher::new(apiwatch::fetch::FetchConfig::default(), None)?;
    if args.target == "parse" {
        parse_one(&rt, &fetcher, &args)?;
    } else {
        contract_changes(&rt, &fetcher, root, &args)?;
    }
    Ok(Outcome::Clean)
}

/// `apiwatch changelog parse FILE|URL`: one page, feed or file as entries.
fn parse_one(
    rt: &tokio::runtime::Runtime,
    fetcher: &apiwatch::fetch::Fetcher,
    args: &ChangelogArgs,
) -> Result<()> {
    let input = args
        .input
        .as_deref()
        .context("usage: apiwatch changelog parse <file|url>")?;
    let location = Location::from_arg(input);
    let fetched = rt.block_on(fetcher.fetch(&location, Path::new("."), None))?;
    let kind = match args.kind {
        Some(ChangelogKindArg::Html) => ChangelogKind::Html,
        Some(ChangelogKindArg::Rss) => ChangelogKind::Rss,
        Some(ChangelogKindArg::Atom) => ChangelogKind::Atom,
        Some(ChangelogKindArg::Markdown) => ChangelogKind::Markdown,
        None => apiwatch::changelog::detect_kind(&fetched.bytes, input),
    };
    let selectors = args.selectors.as_deref().map(parse_selectors).transpose()?;
    let base_url = args
        .base_url
        .as_deref()
        .or(matches!(location, Location::Url(_)).then_some(input));
    let spec_doc = match &args.spec {
        Some(spec) => {
            let location = Location::from_arg(spec);
            let fetched = rt.block_on(fetcher.fetch(&location, Path::new("."), None))?;
            Some(apiwatch::spec::load::parse_document(
                &fetched.bytes,
                &fetched.source,
            )?)
        }
        None => None,
    };
    let models: Vec<ApiModel<'_>> = spec_doc.iter().map(ApiModel::build).collect();
    let known = apiwatch::changelog::mentions::Known::from_models(&models);
    let parsed = apiwatch::changelog::parse(
        &fetched.bytes,
        &apiwatch::changelog::Source {
            name: input,
            kind,
            selectors: selectors.as_ref(),
            base_url,
            content_type: fetched.content_type.as_deref(),
        },
        &known,
        &Default::default(),
    );
    let entries = match parsed {
        Ok(entries) => entries,
        Err(e @ apiwatch::changelog::ChangelogError::NoEntries { .. }) => {
            let is_spec = apiwatch::spec::load::parse_value(&fetched.bytes, input)
                .is_ok_and(|v| v.get("openapi").is_some() || v.get("swagger").is_some());
            if is_spec {
                bail!(
                    "{input}: this is an OpenAPI spec, not a changelog (compare specs with `apiwatch diff`)"
                );
            }
            bail!(
                "{e}; read as {}: give the kind (--kind) or, for a page, the entry selectors (--selectors entry=…)",
                format!("{kind:?}").to_lowercase()
            );
        }
        Err(e) => return Err(e.into()),
    };
    print_entries(&entries, args.format);
    Ok(())
}

/// `apiwatch changelog NAME`: each source's entries against the changelog
/// snapshot; with `--update`, the snapshot rewritten.
fn contract_changes(
    rt: &tokio::runtime::Runtime,
    fetcher: &apiwatch::fetch::Fetcher,
    root: &Path,
    args: &ChangelogArgs,
) -> Result<()> {
    let map = apiwatch::run::load_contracts(root)?;
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
    // A corrupt snapshot is never taken for an empty one: `--update` would accept
    // every entry as new without review.
    let mut snapshot = apiwatch::changelog::compare::ChangelogSnapshot::read(&snapshot_path)
        .map_err(|c| {
            anyhow::anyhow!(
                "{c}: restore it (`git checkout -- {}`) before reading changelogs",
                snapshot_path.display()
            )
        })?
        .unwrap_or_default();
    // With several sources, `--format json` is still one document.
    let mut documents: Vec<serde_json::Value> = Vec::new();
    for (i, source) in contract.changelogs.iter().enumerate() {
        let mut source = source.clone();
        let key = source.location.to_string();
        if i == 0
            && let Some(from) = &args.from
        {
            source.location = Location::from_arg(from);
        }
        let entries = rt
            .block_on(apiwatch::run::read_changelog(
                &source, root, fetcher, &models,
            ))
            .map_err(|p| anyhow::anyhow!(p.message))?;
        let changes = apiwatch::changelog::compare::compare(
            snapshot.sources.get(&key).map(Vec::as_slice).unwrap_or(&[]),
            &entries,
        );
        match args.format {
            TextOrJson::Json => documents.push(changes_json(&key, entries.len(), &changes)),
            TextOrJson::Text => print_changes(&key, entries.len(), &changes),
        }
        if args.update {
            snapshot.sources.insert(key, entries);
        }
    }
    if args.format == TextOrJson::Json {
        let doc = serde_json::json!({ "contract": contract.name, "sources": documents });
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
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
    Ok(())
}

/// What is new, edited and gone in one source since its snapshot, as JSON.
fn changes_json(
    key: &str,
    read: usize,
    changes: &apiwatch::changelog::compare::EntryChanges,
) -> serde_json::Value {
    serde_json::json!({
        "source": key,
        "entries": read,
        "new": changes.new,
        "edited": changes.edited.iter().map(|(b, a, d)| serde_json::json!({"before": b, "after": a, "diff": d})).collect::<Vec<_>>(),
        "vanished": changes.vanished,
    })
}

/// What is new, edited and gone in one source since its snapshot.
fn print_changes(key: &str, read: usize, changes: &apiwatch::changelog::compare::EntryChanges) {
    outln!(
        "{key}: {read} entries; {} new, {} edited, {} vanished since the snapshot",
        changes.new.len(),
        changes.edited.len(),
        changes.vanished.len()
    );
    for e in &changes.new {
        outln!("  new      {}", entry_line(e));
    }
    for (_, e, diff) in &changes.edited {
        outln!(
            "  edited   {}  {}",
            e.date.as_deref().unwrap_or("----------"),
            e.title
        );
        for line in diff.lines() {
            outln!("           {line}");
        }
    }
    for e in &changes.vanished {
        outln!(
            "  vanished {}  {}",
            e.date.as_deref().unwrap_or("----------"),
            e.title
        );
    }
}
