//! `apiwatch ops`: the operations of a spec, ready to paste into `[[uses]]`.

use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;
use serde::Serialize;

use super::{Outcome, load_arg, runtime};
use apiwatch::spec::Document;
use apiwatch::spec::model::ApiModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OpsFormat {
    /// One aligned line per operation.
    Text,
    /// `[[uses]]` entries to paste into a contract.
    Toml,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct OpsArgs {
    /// A spec (file or URL), or a contract's name (its pinned snapshots).
    #[arg(value_name = "SPEC|CONTRACT")]
    pub source: String,
    /// Only operations whose method, path, operationId, summary or tags contain this
    /// text (any case).
    #[arg(long, value_name = "TEXT")]
    pub grep: Option<String>,
    #[arg(long, value_enum, default_value_t = OpsFormat::Text)]
    pub format: OpsFormat,
}

/// One operation, as listed.
#[derive(Debug, Serialize)]
struct Op {
    method: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    deprecated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sunset: Option<String>,
    /// What to write in `[[uses]] operation = …`: the operationId, else `METHOD /path`.
    reference: String,
}

pub fn cmd_ops(root: &Path, args: OpsArgs) -> Result<Outcome> {
    let docs = documents(root, &args.source)?;
    let needle = args.grep.as_deref().map(str::to_lowercase);
    let mut ops = Vec::new();
    for doc in &docs {
        let model = ApiModel::build(doc);
        for o in model.operations.iter().filter(|o| o.method != "CALLBACK") {
            let summary = doc
                .root
                .pointer(&o.pointer)
                .and_then(|v| v.get("summary"))
                .and_then(|v| v.as_str())
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
            let op = Op {
                reference: o
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", o.method, o.path)),
                method: o.method.clone(),
                path: o.path.clone(),
                operation_id: o.operation_id.clone(),
                summary,
                deprecated: o.deprecated,
                sunset: o.sunset.clone(),
            };
            let haystack = format!(
                "{} {} {} {} {}",
                op.method,
                op.path,
                op.operation_id.as_deref().unwrap_or(""),
                op.summary.as_deref().unwrap_or(""),
                o.tags.iter().cloned().collect::<Vec<_>>().join(" ")
            )
            .to_lowercase();
            if needle.as_deref().is_none_or(|n| haystack.contains(n)) {
                ops.push(op);
            }
        }
    }
    match args.format {
        OpsFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "operations": ops }))?
        ),
        OpsFormat::Toml => {
            for op in &ops {
                outln!(
                    "[[uses]]\noperation = {}  # {} {}{}\n",
                    toml_string(&op.reference),
                    op.method,
                    op.path,
                    op.summary
                        .as_deref()
                        .map(|s| format!(" — {s}"))
                        .unwrap_or_default()
                );
            }
        }
        OpsFormat::Text => {
            let width = |f: fn(&Op) -> usize| ops.iter().map(f).max().unwrap_or(0);
            let (wm, wp, wi) = (
                width(|o| o.method.len()),
                width(|o| o.path.chars().count()),
                width(|o| o.operation_id.as_deref().map_or(1, |s| s.chars().count())),
            );
            for op in &ops {
                let mut flags = Vec::new();
                if op.deprecated {
                    flags.push("deprecated".to_owned());
                }
                if let Some(s) = &op.sunset {
                    flags.push(format!("sunset {s}"));
                }
                let line = format!(
                    "{:wm$}  {:wp$}  {:wi$}  {}{}",
                    op.method,
                    op.path,
                    op.operation_id.as_deref().unwrap_or("-"),
                    op.summary.as_deref().unwrap_or(""),
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", flags.join(", "))
                    }
                );
                outln!("{}", line.trim_end());
            }
        }
    }
    eprintln!(
        "{} operation{}{}; in a contract, `[[uses]] operation = ` takes the operationId or `METHOD /path` (`--format toml` prints them ready to paste)",
        ops.len(),
        if ops.len() == 1 { "" } else { "s" },
        args.grep
            .as_deref()
            .map(|g| format!(" matching `{g}`"))
            .unwrap_or_default()
    );
    Ok(Outcome::Clean)
}

/// The spec named, or a contract's pinned snapshots.
fn documents(root: &Path, source: &str) -> Result<Vec<Document>> {
    let looks_like_name = source
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !Path::new(source).exists();
    if looks_like_name {
        let map = apiwatch::run::load_contracts(root)?;
        let contract = map.get(source)?;
        return contract
            .specs
            .iter()
            .map(|s| {
                let path = contract.snapshot_path(root, &s.name);
                apiwatch::snapshot::read(&path).map_err(|e| {
                    anyhow::anyhow!("{e} (pin it first: `apiwatch pin {}`)", contract.name)
                })
            })
            .collect();
    }
    let rt = runtime()?;
    Ok(vec![load_arg(&rt, source)?])
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
