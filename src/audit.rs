//! AUDIT: an append-only JSON Lines record of what apiwatch saw and did, for
//! compliance reviews ("when was the consent change seen, and what was done?").
//! Each line is one event with the time, the trigger, the actor and the commit
//! from the GitHub Actions environment; lines are only ever appended. The record
//! schema is in `docs/audit-log.md`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// Where the log lives in a state folder.
pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("audit.jsonl")
}

/// Who and what started this: GitHub Actions' variables, when set.
fn context() -> Map<String, Value> {
    let mut m = Map::new();
    for (key, var) in [
        ("actor", "GITHUB_ACTOR"),
        ("trigger", "GITHUB_EVENT_NAME"),
        ("commit", "GITHUB_SHA"),
        ("run_id", "GITHUB_RUN_ID"),
        ("repository", "GITHUB_REPOSITORY"),
    ] {
        if let Some(v) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
            m.insert(key.into(), Value::String(v));
        }
    }
    if !m.contains_key("actor") {
        let user = std::env::var("USER").unwrap_or_default();
        m.insert("actor".into(), Value::String(format!("local:{user}")));
        m.insert("trigger".into(), Value::String("manual".into()));
    }
    m
}

/// The event as its line: `event`, `time`, the context, then `fields`.
pub fn line(event: &str, fields: Value, now: jiff::Timestamp) -> String {
    let mut m = Map::new();
    m.insert("event".into(), Value::String(event.into()));
    m.insert("time".into(), Value::String(now.to_string()));
    m.extend(context());
    if let Value::Object(f) = fields {
        m.extend(f);
    }
    let mut s = Value::Object(m).to_string();
    s.push('\n');
    s
}

/// Appends events to the log (created with its folder when missing). One write per
/// call, opened in append mode: lines already there are never rewritten.
pub fn append(log: &Path, lines: &[String]) -> std::io::Result<()> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    f.write_all(lines.concat().as_bytes())?;
    f.sync_data()
}

/// A pin change, forced or not.
pub fn pin_change(
    contract: &str,
    from: &str,
    to: &str,
    verdict: &str,
    reason: Option<&str>,
) -> Value {
    json!({
        "contract": contract,
        "from": from,
        "to": to,
        "verdict": verdict,
        "forced": reason.is_some(),
        "reason": reason,
    })
}
