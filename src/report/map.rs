//! Renderings of the integration map: a terminal table, Markdown, CSV, JSON, and
//! two pictures (Mermaid, which GitHub renders inline, and Graphviz DOT), each with
//! the single points of failure that quietly break integrations.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::map::{AuthKind, Contract, IntegrationMap};

/// One contract, flattened for display.
#[derive(Debug, Clone, Serialize)]
pub struct MapRow {
    pub contract: String,
    pub vendor: String,
    pub api: String,
    pub team: String,
    pub notify: Vec<String>,
    pub repo: Option<String>,
    pub pinned_version: String,
    pub operations_in_use: Vec<String>,
    /// Operation → why it matters (the `note` of its `[[uses]]` entry).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub notes: std::collections::BTreeMap<String, String>,
    pub compliance_critical: Vec<String>,
    pub sandbox: Option<String>,
    pub changelog_sources: usize,
    pub last_run: Option<String>,
    /// Single points of failure.
    pub risks: Vec<String>,
    /// Operations in use that no contract test case calls (filled by the suite).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub untested: Vec<String>,
}

/// Builds the rows; `last_run` maps contract name → status of the last run.
pub fn rows(map: &IntegrationMap, last_run: &BTreeMap<String, String>) -> Vec<MapRow> {
    map.contracts
        .iter()
        .map(|c| row(c, &map.root, last_run.get(&c.name).cloned()))
        .collect()
}

fn row(c: &Contract, root: &Path, last_run: Option<String>) -> MapRow {
    let mut notify: Vec<String> = c.owners.assignees.iter().map(|a| format!("@{a}")).collect();
    notify.extend(c.owners.mentions.iter().cloned());
    let mut risks = Vec::new();
    if notify.is_empty() {
        risks.push("nobody is notified (no assignees or mentions)".to_owned());
    }
    if c.owners.repo.is_none() {
        risks.push("no issue repository (falls back to $GITHUB_REPOSITORY)".to_owned());
    }
    if c.sandbox.is_none() {
        risks.push("no sandbox: contract tests cannot run".to_owned());
    }
    if c.changelogs.is_empty() {
        risks.push("no changelog source: announcements go unread".to_owned());
    }
    let missing = c.missing_credentials();
    if !missing.is_empty() {
        risks.push(format!("credentials not set: {}", missing.join(", ")));
    }
    if c.uses.is_empty() {
        risks.push("no operations in use listed: every change looks irrelevant".to_owned());
    }
    let unpinned: Vec<&str> = c
        .specs
        .iter()
        .filter(|s| !c.snapshot_path(root, &s.name).is_file())
        .map(|s| s.name.as_str())
        .collect();
    if !unpinned.is_empty() {
        risks.push(format!(
            "no snapshot pinned for: {} (run `apiwatch pin {}`)",
            unpinned.join(", "),
            c.name
        ));
    }
    let compliance = c
        .uses
        .iter()
        .filter_map(|u| {
            u.compliance
                .as_ref()
                .map(|k| format!("{} ({k})", u.operation))
        })
        .collect();
    MapRow {
        contract: c.name.clone(),
        vendor: c.vendor.clone(),
        api: c.api.clone(),
        team: c.owners.team.clone(),
        notify,
        repo: c.owners.repo.clone(),
        pinned_version: c.pin.version.clone(),
        operations_in_use: c.uses.iter().map(|u| u.operation.clone()).collect(),
        notes: c
            .uses
            .iter()
            .filter_map(|u| Some((u.operation.clone(), u.note.clone()?)))
            .collect(),
        compliance_critical: compliance,
        sandbox: c.sandbox.as_ref().map(|s| {
            let at = if s.embedded {
                match s.serve {
                    crate::map::Serve::Pinned => "embedded".to_owned(),
                    crate::map::Serve::Upstream => "embedded, serving upstream".to_owned(),
                }
            } else {
                s.base_url.clone()
            };
            format!("{at} ({})", auth_label(s.auth))
        }),
        changelog_sources: c.changelogs.len(),
        last_run,
        risks,
        untested: Vec::new(),
    }
}

fn auth_label(a: AuthKind) -> &'static str {
    match a {
        AuthKind::None => "no auth",
        AuthKind::ApiKey => "api key",
        AuthKind::Bearer => "bearer",
        AuthKind::Basic => "basic",
        AuthKind::Oauth2 => "oauth2",
    }
}

/// A plain-text table plus the list of risks.
pub fn table(rows: &[MapRow]) -> String {
    let headers = [
        "CONTRACT",
        "VENDOR / API",
        "TEAM",
        "PINNED",
        "IN USE",
        "COMPLIANCE",
        "SANDBOX",
        "LAST RUN",
    ];
    let data: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.contract.clone(),
                format!("{} / {}", r.vendor, r.api),
                r.team.clone(),
                r.pinned_version.clone(),
                r.operations_in_use.len().to_string(),
                r.compliance_critical.len().to_string(),
                if r.sandbox.is_some() {
                    "yes".into()
                } else {
                    "none".into()
                },
                r.last_run.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for d in &data {
        for (i, v) in d.iter().enumerate() {
            widths[i] = widths[i].max(v.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let _ = writeln!(out, "{}", line(headers.to_vec()));
    for d in &data {
        let _ = writeln!(out, "{}", line(d.iter().map(String::as_str).collect()));
    }
    out.push_str(&risks_text(rows));
    out
}

fn risks_text(rows: &[MapRow]) -> String {
    let mut out = String::new();
    let risky: Vec<&MapRow> = rows.iter().filter(|r| !r.risks.is_empty()).collect();
    if risky.is_empty() {
        out.push_str("\nno single points of failure found\n");
        return out;
    }
    let _ = writeln!(out, "\nsingle points of failure:");
    for r in risky {
        for risk in &r.risks {
            let _ = writeln!(out, "  {}: {risk}", r.contract);
        }
    }
    out
}

pub fn markdown(rows: &[MapRow]) -> String {
    let cell = crate::report::markdown::cell;
    let mut out = String::from(
        "| contract | vendor / API | owners | pinned | operations in use | compliance-critical | sandbox | last run |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} / {} | {}{} | `{}` | {} | {} | {} | {} |",
            r.contract,
            cell(&r.vendor),
            cell(&r.api),
            cell(&r.team),
            if r.notify.is_empty() {
                String::new()
            } else {
                format!(" ({})", cell(&r.notify.join(", ")))
            },
            cell(&r.pinned_version),
            r.operations_in_use
                .iter()
                .map(|o| match r.notes.get(o) {
                    Some(note) => format!("{} — {}", cell(&format!("`{o}`")), cell(note)),
                    None => cell(&format!("`{o}`")),
                })
                .collect::<Vec<_>>()
                .join("<br>"),
            r.compliance_critical
                .iter()
                .map(|o| cell(o))
                .collect::<Vec<_>>()
                .join("<br>"),
            r.sandbox
                .as_deref()
                .map(cell)
                .unwrap_or_else(|| "**none**".into()),
            r.last_run.as_deref().unwrap_or("—"),
        );
    }
    let risks: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.risks
                .iter()
                .map(move |k| format!("- `{}`: {}", r.contract, cell(k)))
        })
        .collect();
    if !risks.is_empty() {
        let _ = writeln!(
            out,
            "\n**Single points of failure**\n\n{}",
            risks.join("\n")
        );
    }
    out
}

pub fn csv(rows: &[MapRow]) -> String {
    let q = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out = String::from(
        "contract,vendor,api,team,notify,repo,pinned_version,operations_in_use,compliance_critical,sandbox,changelog_sources,last_run,risks\n",
    );
    for r in rows {
        let fields = [
            q(&r.contract),
            q(&r.vendor),
            q(&r.api),
            q(&r.team),
            q(&r.notify.join(" ")),
            q(r.repo.as_deref().unwrap_or("")),
            q(&r.pinned_version),
            q(&r.operations_in_use.join("; ")),
            q(&r.compliance_critical.join("; ")),
            q(r.sandbox.as_deref().unwrap_or("")),
            r.changelog_sources.to_string(),
            q(r.last_run.as_deref().unwrap_or("")),
            q(&r.risks.join("; ")),
        ];
        let _ = writeln!(out, "{}", fields.join(","));
    }
    out
}

pub fn json(rows: &[MapRow]) -> String {
    let mut s =
        serde_json::to_string_pretty(&serde_json::json!({ "contracts": rows })).unwrap_or_default();
    s.push('\n');
    s
}

fn node_id(prefix: &str, s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}_{clean}")
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// Teams → contracts → vendors, with risky contracts highlighted.
pub fn mermaid(rows: &[MapRow]) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut teams: Vec<&str> = rows.iter().map(|r| r.team.as_str()).collect();
    teams.sort_unstable();
    teams.dedup();
    let mut vendors: Vec<&str> = rows.iter().map(|r| r.vendor.as_str()).collect();
    vendors.sort_unstable();
    vendors.dedup();
    for t in &teams {
        let _ = writeln!(
            out,
            "  {}([\"team: {}\"])",
            node_id("team", t),
            mermaid_text(t)
        );
    }
    for v in &vendors {
        let _ = writeln!(out, "  {}[(\"{}\")]", node_id("vendor", v), mermaid_text(v));
    }
    for r in rows {
        let id = node_id("contract", &r.contract);
        let mut label = format!(
            "{}<br/>{} · pinned {}<br/>{} ops in use",
            r.contract,
            r.api,
            r.pinned_version,
            r.operations_in_use.len()
        );
        if !r.compliance_critical.is_empty() {
            let _ = write!(
                label,
                "<br/>⚖ {} compliance-critical",
                r.compliance_critical.len()
            );
        }
        if let Some(status) = &r.last_run {
            let _ = write!(label, "<br/>last run: {status}");
        }
        let _ = writeln!(out, "  {id}[\"{}\"]", mermaid_text(&label));
        let _ = writeln!(out, "  {} --> {id}", node_id("team", &r.team));
        let sandbox = if r.sandbox.is_some() {
            "sandbox"
        } else {
            "no sandbox"
        };
        let _ = writeln!(
            out,
            "  {id} -- \"{sandbox}\" --> {}",
            node_id("vendor", &r.vendor)
        );
        if !r.risks.is_empty() {
            let _ = writeln!(out, "  class {id} risk");
        }
    }
    out.push_str("  classDef risk stroke:#d33,stroke-width:3px\n");
    out
}

pub fn dot(rows: &[MapRow]) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::from(
        "digraph integration_map {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for r in rows {
        if seen.insert(("t", r.team.clone())) {
            let _ = writeln!(
                out,
                "  {} [label=\"team: {}\", shape=ellipse];",
                node_id("team", &r.team),
                esc(&r.team)
            );
        }
        if seen.insert(("v", r.vendor.clone())) {
            let _ = writeln!(
                out,
                "  {} [label=\"{}\", shape=cylinder];",
                node_id("vendor", &r.vendor),
                esc(&r.vendor)
            );
        }
        let id = node_id("contract", &r.contract);
        let color = if r.risks.is_empty() { "black" } else { "red" };
        let _ = writeln!(
            out,
            "  {id} [label=\"{}\\n{} · pinned {}\\n{} ops in use, {} compliance-critical\", color={color}];",
            esc(&r.contract),
            esc(&r.api),
            esc(&r.pinned_version),
            r.operations_in_use.len(),
            r.compliance_critical.len()
        );
        let _ = writeln!(out, "  {} -> {id};", node_id("team", &r.team));
        let style = if r.sandbox.is_some() {
            "solid"
        } else {
            "dashed"
        };
        let _ = writeln!(
            out,
            "  {id} -> {} [style={style}];",
            node_id("vendor", &r.vendor)
        );
    }
    out.push_str("}\n");
    out
}
