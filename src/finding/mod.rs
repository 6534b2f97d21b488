//! FINDING: the vocabulary every stage reports in — [`Finding`], [`Severity`],
//! [`RuleId`] and fingerprints — at the bottom of the crate.
//!
//! Spec changes, changelog announcements, unreadable sources (and, as they land,
//! sandbox, webhook and probe results) all become findings the same way: a stage
//! fills in a [`Draft`] with what it knows, and [`Finding::new`] applies the rule's
//! catalog severity, then the policy's overrides (the contract's `[policy] severity`,
//! then the command line's `--severity`), and computes the one fingerprint. A rule
//! set to `off` makes no finding at all, whichever stage found it.
//!
//! Fingerprints key GitHub issues, ignores and run-to-run state, so the bytes they
//! hash are frozen: see [`fingerprint`].

pub mod catalog;
mod fingerprint;
mod order;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use catalog::{RuleId, RuleMeta};
pub use fingerprint::{Identity, fingerprint, issue_key};
pub use order::{merge_sorted, sort_findings};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity override: a level, or `off` to silence a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
    Off,
}

impl Level {
    /// `error`, `warning`, `info` or `off`.
    pub fn parse(word: &str) -> Option<Level> {
        Some(match word {
            "error" => Level::Error,
            "warning" => Level::Warning,
            "info" => Level::Info,
            "off" => Level::Off,
            _ => return None,
        })
    }
}

/// Per-rule severity overrides, applied to every finding whatever stage made it.
/// Later insertions win: the contract's policy first, then the command line's.
pub type Overrides = BTreeMap<RuleId, Level>;

/// One judged problem.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// The operation as written in the spec (the revision's, or the base's when removed).
    pub method: Option<String>,
    pub path: Option<String>,
    pub operation_id: Option<String>,
    /// JSON pointer into the revision (or into the base, for removals); a URL or
    /// file for findings about a source.
    pub location: String,
    /// Where, in words: `query parameter \`limit\``.
    pub subject: String,
    pub message: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub base_pointer: Option<String>,
    pub revision_pointer: Option<String>,
    pub in_use: bool,
    pub compliance: bool,
    /// Compliance kind of the operation (`opt-out`, `consent`, ...), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance_kind: Option<String>,
    /// A sunset date the finding announces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sunset: Option<String>,
    pub fingerprint: String,
    /// The change itself, whichever operation reached it: findings of one shared
    /// component change on many operations have one root cause (rule, spec
    /// location, before and after).
    pub root_cause: String,
    /// The contract the finding belongs to (in `apiwatch run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// A short unified diff of the spec fragment (or the changelog entry's text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Why its operation matters to the integration (the `note` of its `[[uses]]`
    /// entry), in a run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the finding is grouped and ordered by: the normalised operation key
    /// and method, or a source or changelog it is about.
    #[serde(skip)]
    pub op_key: String,
}

/// The operation a finding is about, as the spec writes it.
#[derive(Debug, Clone, Default)]
pub struct OperationRef {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
}

/// Whether a finding touches the integration: an operation in use, and whether
/// that operation is compliance-critical (with its kind).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InUse {
    pub in_use: bool,
    pub compliance_kind: Option<String>,
}

impl InUse {
    pub const NO: InUse = InUse {
        in_use: false,
        compliance_kind: None,
    };

    /// From a relevance lookup: `None` not in use, `Some(kind)` in use.
    pub fn from_lookup(found: Option<Option<String>>) -> InUse {
        InUse {
            in_use: found.is_some(),
            compliance_kind: found.flatten(),
        }
    }
}

/// Everything a stage knows about one problem, before policy is applied.
#[derive(Debug)]
pub struct Draft<'a> {
    pub rule: RuleId,
    pub operation: Option<OperationRef>,
    pub location: String,
    pub subject: String,
    pub message: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub base_pointer: Option<String>,
    pub revision_pointer: Option<String>,
    pub in_use: InUse,
    pub sunset: Option<String>,
    pub contract: Option<String>,
    pub excerpt: Option<String>,
    pub op_key: String,
    /// What makes it the same problem night after night.
    pub identity: Identity<'a>,
}

impl Finding {
    /// The one way to make a finding: the rule's catalog severity, then the
    /// overrides; `None` when the rule is turned off.
    pub fn new(draft: Draft<'_>, overrides: &Overrides) -> Option<Finding> {
        let severity = match overrides.get(&draft.rule) {
            Some(Level::Off) => return None,
            Some(Level::Error) => Severity::Error,
            Some(Level::Warning) => Severity::Warning,
            Some(Level::Info) => Severity::Info,
            None => draft.rule.default_severity(),
        };
        let fingerprint = fingerprint(draft.rule, &draft.identity);
        let root_cause = fingerprint::root_cause(
            draft.rule,
            &draft.location,
            draft.before.as_deref(),
            draft.after.as_deref(),
        );
        let (method, path, operation_id) = match draft.operation {
            Some(op) => (Some(op.method), Some(op.path), op.operation_id),
            None => (None, None, None),
        };
        Some(Finding {
            rule: draft.rule,
            severity,
            method,
            path,
            operation_id,
            location: draft.location,
            subject: draft.subject,
            message: draft.message,
            before: draft.before,
            after: draft.after,
            base_pointer: draft.base_pointer,
            revision_pointer: draft.revision_pointer,
            in_use: draft.in_use.in_use,
            compliance: draft.in_use.compliance_kind.is_some(),
            compliance_kind: draft.in_use.compliance_kind,
            sunset: draft.sunset,
            fingerprint,
            root_cause,
            contract: draft.contract,
            excerpt: draft.excerpt,
            note: None,
            op_key: draft.op_key,
        })
    }
}
