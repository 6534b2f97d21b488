//! REPORT: findings in, a [`Report`] and its renderings out.
//!
//! Renderers are pure functions from a report to a string: text for terminals
//! (grouped by operation, coloured unless `NO_COLOR`), JSON (the stable, documented
//! schema in `docs/report-schema.md`), Markdown (with a short unified diff of the
//! spec fragment per finding) and SARIF 2.1.0 for code-scanning tools.

pub mod escape;
pub mod excerpt;
pub mod focus;
pub mod json;
pub mod map;
pub mod markdown;
pub mod root;
pub mod rules;
pub mod sarif;
pub mod tests;
pub mod text;

use serde::Serialize;

use crate::finding::{Finding, Severity};

/// The result of a diff or of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was compared: `apiwatch diff` gives base and revision; `run` gives contracts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<ContractStatus>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Contract tests, per contract (`apiwatch run`, `apiwatch test`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<tests::TestRun>,
}

/// How one contract fared in a run.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ContractStatus {
    pub name: String,
    pub vendor: String,
    pub api: String,
    pub pinned_version: String,
    pub team: String,
    /// `ok`, `findings` (in-use findings at or above its fail-on level) or `failed`.
    pub status: String,
    pub errors: Vec<String>,
    pub findings: usize,
    pub in_use_findings: usize,
}

/// Counts, for people and for exit codes.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub in_use: usize,
    pub in_use_error: usize,
    pub in_use_warning: usize,
    pub compliance: usize,
    pub operations_affected: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary {
            total: findings.len(),
            ..Summary::default()
        };
        let mut ops = std::collections::BTreeSet::new();
        for f in findings {
            match f.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
            }
            if f.in_use {
                s.in_use += 1;
                match f.severity {
                    Severity::Error => s.in_use_error += 1,
                    Severity::Warning => s.in_use_warning += 1,
                    Severity::Info => {}
                }
            }
            if f.compliance && f.severity >= Severity::Warning {
                s.compliance += 1;
            }
            if f.severity >= Severity::Warning {
                ops.insert((&f.contract, &f.op_key));
            }
        }
        s.operations_affected = ops.len();
        s
    }
}

impl Report {
    pub fn new(findings: Vec<Finding>) -> Report {
        let summary = Summary::of(&findings);
        Report {
            base: None,
            revision: None,
            contracts: Vec::new(),
            findings,
            summary,
            tests: Vec::new(),
        }
    }
}

/// What a group of findings is about, for headings: the operation, else the
/// changelog, the source or the whole API they concern.
pub fn group_title(f: &Finding) -> String {
    if f.method.is_none() {
        return match f.op_key.strip_prefix("~changelog ") {
            Some(source) => format!("changelog {source}"),
            None if f.op_key == "~api" => "the whole API".to_owned(),
            None if f.op_key == crate::suite::SANDBOX_KEY => "the sandbox".to_owned(),
            None => f.op_key.clone(),
        };
    }
    format!(
        "{} {}",
        f.method.as_deref().unwrap_or(""),
        f.path.as_deref().unwrap_or("")
    )
}

/// Whether findings reach a `--fail-on` level: only in-use ones count unless `all`.
/// Compliance-critical findings at warning or above always fail.
/// `None` (`fail_on = "never"`) never fails, compliance included: it was asked for.
pub fn fails(findings: &[Finding], fail_on: Option<Severity>, all: bool) -> bool {
    let Some(fail_on) = fail_on else { return false };
    findings.iter().any(|f| {
        let counted = all || f.in_use;
        (counted && f.severity >= fail_on) || (f.compliance && f.severity >= Severity::Warning)
    })
}

/// Drops findings below `min`.
pub fn filter_min(findings: Vec<Finding>, min: Severity) -> Vec<Finding> {
    findings.into_iter().filter(|f| f.severity >= min).collect()
}
