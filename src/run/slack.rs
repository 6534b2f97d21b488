//! Slack, for what must wake someone: a team's compliance-critical problems and its
//! sources that failed night after night (escalated into issues) go to the team's
//! incoming webhook (`[owners] slack_webhook_env`), once per change of the problem's
//! state — new, worse (a finding it did not have), resolved — with a link to the
//! GitHub issue. What was said is kept in `.apiwatch/slack.json`; a message Slack
//! did not take is said again the next night. A message is never sent twice for
//! one change: a request that may have reached Slack (a timeout) is not retried.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::issues::PlannedIssue;
use crate::map::IntegrationMap;
use crate::retry::{Again, RetryPolicy};

/// What Slack was last told about a problem.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Told {
    pub contract: String,
    pub title: String,
    pub fingerprints: BTreeSet<String>,
}

/// Problem key → what Slack was told.
pub type Ledger = BTreeMap<String, Told>;

pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("slack.json")
}

/// Whether a problem must wake someone.
fn alerting(issue: &PlannedIssue) -> bool {
    issue.compliance || issue.title.contains(": cannot read ")
}

/// One message to send: the ledger's entry once it is taken (`None`: resolved).
struct Message {
    key: String,
    url: String,
    text: String,
    after: Option<Told>,
}

/// The messages tonight calls for, per the ledger.
fn messages(
    map: &IntegrationMap,
    desired: &[PlannedIssue],
    checked: &BTreeSet<String>,
    ledger: &Ledger,
    env: &dyn Fn(&str) -> Option<String>,
    server: &str,
) -> Vec<Message> {
    let mut out = Vec::new();
    // Only contracts checked in full tonight: one not run (`--contract`) or whose
    // source could not be read has resolved nothing.
    for c in map.contracts.iter().filter(|c| checked.contains(&c.name)) {
        let Some(url) = c
            .owners
            .slack_webhook_env
            .as_deref()
            .and_then(env)
            .filter(|u| !u.is_empty())
        else {
            continue;
        };
        let link = |i: &PlannedIssue| {
            let repo = i.repo.clone().unwrap_or_default();
            let q: String = format!("is:issue \"{}\"", i.title)
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{server}/{repo}/issues?q={q}")
        };
        let alerts: Vec<&PlannedIssue> = desired
            .iter()
            .filter(|i| i.contract == c.name && alerting(i))
            .collect();
        for i in &alerts {
            let now: BTreeSet<String> = i.fingerprints.iter().cloned().collect();
            let change = match ledger.get(&i.key) {
                None => Some("new"),
                Some(told) if !now.is_subset(&told.fingerprints) => Some("worse"),
                Some(_) => None,
            };
            if let Some(change) = change {
                out.push(Message {
                    key: i.key.clone(),
                    url: url.clone(),
                    text: format!("*{change}*: {} — <{}|the issue>", escape(&i.title), link(i)),
                    after: Some(Told {
                        contract: c.name.clone(),
                        title: i.title.clone(),
                        fingerprints: now,
                    }),
                });
            }
        }
        for (key, told) in ledger.iter().filter(|(_, t)| t.contract == c.name) {
            if !alerts.iter().any(|i| &i.key == key) {
                out.push(Message {
                    key: key.clone(),
                    url: url.clone(),
                    text: format!("*resolved*: {}", escape(&told.title)),
                    after: None,
                });
            }
        }
    }
    out
}

/// Text as Slack's mrkdwn shows it literally: `&`, `<`, `>` escaped, so a vendor's
/// words cannot ping a channel (`<!channel>`) or forge a link.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Posts one message: retried on what Slack did not take (no connection, 429,
/// 5xx), never after a request that may have arrived.
async fn post(http: &reqwest::Client, retry: RetryPolicy, m: &Message) -> Result<(), String> {
    let mut delays = retry.delays();
    loop {
        let sent = http
            .post(&m.url)
            .header("content-type", "application/json")
            .body(serde_json::json!({ "text": m.text }).to_string())
            .send()
            .await;
        let (again, why) = match sent {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => {
                let status = r.status();
                let wait = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(crate::fetch::parse_retry_after);
                let again = if status.as_u16() == 429 || status.is_server_error() {
                    wait.map_or(Again::AfterBackoff, Again::After)
                } else {
                    Again::No
                };
                (again, format!("Slack answered {status}"))
            }
            Err(e) if e.is_connect() => (Again::AfterBackoff, crate::fetch::describe(&e)),
            Err(e) => (Again::No, crate::fetch::describe(&e)),
        };
        match retry.wait(delays.next(), again) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => return Err(why),
        }
    }
}

/// Says tonight's changes to Slack (or, in a dry run, only lists them); returns one
/// line per message. The ledger is saved after a real run.
pub async fn notify(
    map: &IntegrationMap,
    desired: &[PlannedIssue],
    checked: &BTreeSet<String>,
    state_dir: &Path,
    dry_run: bool,
    retry: RetryPolicy,
) -> std::io::Result<Vec<String>> {
    notify_with(map, desired, checked, state_dir, dry_run, retry, &|v| {
        std::env::var(v).ok()
    })
    .await
}

/// [`notify`], reading the webhook variables with `env`.
pub async fn notify_with(
    map: &IntegrationMap,
    desired: &[PlannedIssue],
    checked: &BTreeSet<String>,
    state_dir: &Path,
    dry_run: bool,
    retry: RetryPolicy,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> std::io::Result<Vec<String>> {
    let file = path(state_dir);
    let mut ledger: Ledger = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let server = std::env::var("GITHUB_SERVER_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "https://github.com".into());
    let todo = messages(map, desired, checked, &ledger, env, &server);
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines = Vec::new();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    for m in todo {
        if dry_run {
            lines.push(format!("would tell Slack: {}", m.text));
            continue;
        }
        match post(&http, retry, &m).await {
            Ok(()) => {
                lines.push(format!("told Slack: {}", m.text));
                match m.after {
                    Some(told) => {
                        ledger.insert(m.key, told);
                    }
                    None => {
                        ledger.remove(&m.key);
                    }
                }
            }
            // Kept as it was: the change is said again on the next run.
            Err(why) => lines.push(format!(
                "FAILED to tell Slack ({why}), said again next run: {}",
                m.text
            )),
        }
    }
    if !dry_run {
        let bytes = serde_json::to_vec_pretty(&ledger).unwrap_or_default();
        crate::files::write_atomic(&file, &bytes)?;
    }
    Ok(lines)
}
