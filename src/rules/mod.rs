//! RULES: a neutral [`SpecDiff`] in, judged [`Finding`]s out.
//!
//! Each change is given a rule id from the [`catalog`] — by where it sits (the
//! subject: request parameter, request property, response property, ...) and what
//! happened — and that rule's severity, after per-contract overrides. Relevance is
//! decided here too: a finding is `in_use` when its operation is one the
//! integration calls, and `compliance` when that operation is compliance-critical.
//! Every finding carries a fingerprint (rule, operation key, location, detail) that
//! stays stable across runs and across cosmetic spec refactors.

pub mod catalog;
mod describe;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diff::{Change, ChangeKind, OpRef, SchemaChange, Scope, SpecDiff};
use crate::spec::model::{ApiModel, split_method_path};
use crate::spec::path::match_key;
use crate::spec::schema::Bound;

pub use catalog::{CATALOG, RuleMeta, rule};

/// How serious a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
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

/// Rules that do not come from a spec diff: the run itself, sources, changelogs.
pub const EXTRA_RULES: &[(&str, Severity, &str, &str)] = &[
    (
        "source-unreachable",
        Severity::Error,
        "Upstream source could not be fetched",
        "Without the vendor's current spec, nothing else about this contract can be checked.",
    ),
    (
        "source-invalid",
        Severity::Error,
        "Upstream source is not a valid spec",
        "An error page or a broken file must never replace the pinned snapshot.",
    ),
    (
        "snapshot-missing",
        Severity::Error,
        "No pinned snapshot",
        "Without a pin there is nothing to compare the vendor's spec with; run `apiwatch pin`.",
    ),
    (
        "changelog-breaking-announced",
        Severity::Warning,
        "Vendor announced a breaking change to an operation in use",
        "Changelogs announce breaking changes before specs show them; owners get the lead time.",
    ),
    (
        "changelog-deprecation-announced",
        Severity::Warning,
        "Vendor announced a deprecation of an operation in use",
        "A deprecation is the start of the clock; migrating early avoids an outage.",
    ),
    (
        "changelog-sunset-announced",
        Severity::Warning,
        "Vendor announced a sunset date for an operation in use",
        "The sunset date is when calls start failing; it belongs in the owners' plan.",
    ),
    (
        "changelog-removal-announced",
        Severity::Warning,
        "Vendor announced the removal of an operation in use",
        "A removal announced in the changelog breaks calls once it ships.",
    ),
    (
        "changelog-entry-new",
        Severity::Info,
        "New changelog entry",
        "Listed so nothing the vendor says goes unread; it touches no operation in use.",
    ),
    (
        "changelog-entry-edited",
        Severity::Info,
        "Changelog entry edited",
        "Vendors revise announcements (dates move); the diff shows what changed.",
    ),
    (
        "changelog-entry-removed",
        Severity::Info,
        "Changelog entry no longer published",
        "A vanished announcement may mean a change was withdrawn.",
    ),
    (
        "changelog-source-unparseable",
        Severity::Warning,
        "Changelog source no longer parses",
        "A redesign that breaks the selectors must not read as 'no news'.",
    ),
    (
        "changelog-snapshot-missing",
        Severity::Info,
        "Changelog not snapshotted yet",
        "Without a snapshot every entry would look new; run `apiwatch changelog <contract> --update`.",
    ),
];

/// One judged change.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// The operation as written in the spec (the revision's, or the base's when removed).
    pub method: Option<String>,
    pub path: Option<String>,
    pub operation_id: Option<String>,
    /// JSON pointer into the revision (or into the base, for removals).
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
    /// The contract the finding belongs to (in `apiwatch run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// A short unified diff of the spec fragment, when rendered for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Normalised operation key, for grouping and fingerprints.
    #[serde(skip)]
    pub op_key: String,
}

/// The operations an integration uses, as written in its contract.
#[derive(Debug, Clone, Default)]
pub struct Uses {
    pub entries: Vec<UseEntry>,
}

#[derive(Debug, Clone)]
pub struct UseEntry {
    /// `GET /contacts/{id}` or an operationId.
    pub reference: String,
    /// Compliance kind, when the operation is compliance-critical.
    pub compliance: Option<String>,
}

/// Uses resolved against both documents.
#[derive(Debug, Default)]
pub struct Relevance {
    /// (METHOD, matching key) → compliance kind.
    by_key: HashMap<(String, String), Option<String>>,
    by_id: HashMap<String, Option<String>>,
    /// Whether any uses were given (without them, nothing is "in use").
    pub known: bool,
}

impl Relevance {
    pub fn new(uses: &Uses, models: &[&ApiModel<'_>]) -> Relevance {
        let mut rel = Relevance {
            known: !uses.entries.is_empty(),
            ..Relevance::default()
        };
        for entry in &uses.entries {
            let c = entry.compliance.clone();
            match split_method_path(&entry.reference) {
                Some((method, p)) => {
                    rel.by_key
                        .insert((method.clone(), match_key("", p)), c.clone());
                    for model in models {
                        if let Some(op) = model.find(&entry.reference) {
                            rel.by_key
                                .insert((op.method.clone(), op.key.clone()), c.clone());
                        }
                    }
                }
                None => {
                    rel.by_id.insert(entry.reference.clone(), c.clone());
                    for model in models {
                        if let Some(op) = model.find(&entry.reference) {
                            rel.by_key
                                .insert((op.method.clone(), op.key.clone()), c.clone());
                        }
                    }
                }
            }
        }
        rel
    }

    /// `Some(compliance kind)` when the operation (of a pinned model) is in use.
    pub fn lookup_operation(
        &self,
        op: &crate::spec::model::Operation<'_>,
    ) -> Option<Option<String>> {
        if !self.known {
            return Some(None);
        }
        if let Some(c) = self.by_key.get(&(op.method.clone(), op.key.clone())) {
            return Some(c.clone());
        }
        op.operation_id
            .as_ref()
            .and_then(|id| self.by_id.get(id).cloned())
    }

    /// `Some(compliance kind)` when the operation is in use.
    pub fn lookup(&self, op: &OpRef) -> Option<Option<String>> {
        // With no uses given, the whole API is the subject: everything counts.
        if !self.known {
            return Some(None);
        }
        // Callbacks belong to the operation that registers them.
        let method = op.method.as_str();
        let keys = [Some(op.key.as_str()), op.base_key.as_deref()];
        for key in keys.into_iter().flatten() {
            let (m, k) = match key.split_once('|') {
                Some((parent, _)) => match parent.split_once(' ') {
                    Some((pm, pk)) => (pm, pk),
                    None => (method, key),
                },
                None => (method, key),
            };
            if let Some(c) = self.by_key.get(&(m.to_owned(), k.to_owned())) {
                return Some(c.clone());
            }
        }
        for id in [&op.operation_id, &op.base_operation_id]
            .into_iter()
            .flatten()
        {
            if let Some(c) = self.by_id.get(id) {
                return Some(c.clone());
            }
        }
        None
    }
}

/// What judging needs besides the diff.
#[derive(Debug)]
pub struct JudgeContext<'r> {
    pub relevance: &'r Relevance,
    pub overrides: &'r BTreeMap<String, Level>,
    /// Today's date, `YYYY-MM-DD`, for sunset comparisons.
    pub today: String,
}

/// Judges every change; the result is sorted deterministically.
pub fn judge(diff: &SpecDiff, ctx: &JudgeContext<'_>) -> Vec<Finding> {
    let mut findings = judge_unsorted(&diff.changes, ctx);
    sort_findings(&mut findings);
    findings
}

/// Judges changes in the order given; [`sort_findings`] puts them in report order.
pub fn judge_unsorted(changes: &[Change], ctx: &JudgeContext<'_>) -> Vec<Finding> {
    let mut out = Vec::with_capacity(changes.len());
    out.extend(changes.iter().filter_map(|c| judge_one(c, ctx)));
    out
}

/// Sorts by operation, then rule, location and message.
pub fn sort_findings(findings: &mut [Finding]) {
    // Stripe has 19,000 findings of a few hundred bytes each, most of them sharing
    // their operation with hundreds of others. Operations are ranked once, positions
    // are sorted on the ranks, and each finding is then moved into place.
    fn op(f: &Finding) -> (&str, Option<&str>) {
        (f.op_key.as_str(), f.method.as_deref())
    }
    let mut operation_rank: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    if findings.iter().any(|f| op(f) != op(&findings[0])) {
        let mut operations: Vec<(&str, Option<&str>)> = findings.iter().map(op).collect();
        operations.sort_unstable();
        operations.dedup();
        operation_rank = operations
            .into_iter()
            .enumerate()
            .map(|(i, op)| (op, i))
            .collect();
    }
    let mut keys: Vec<(usize, &str, &str, &str, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rank = operation_rank.get(&op(f)).copied().unwrap_or(0);
            (
                rank,
                f.rule.as_str(),
                f.location.as_str(),
                f.message.as_str(),
                i,
            )
        })
        .collect();
    keys.sort_unstable();
    let order: Vec<usize> = keys.into_iter().map(|k| k.4).collect();
    permute(findings, order);
}

/// Joins batches of findings, each already sorted by [`sort_findings`] and each
/// about one operation (as [`crate::diff::diff_each`] hands them over), into one list
/// in report order. Batches that break that promise are sorted whole.
pub fn merge_sorted(mut batches: Vec<Vec<Finding>>) -> Vec<Finding> {
    batches.retain(|b| !b.is_empty());
    batches.sort_by(|a, b| (&a[0].op_key, &a[0].method).cmp(&(&b[0].op_key, &b[0].method)));
    let mut findings = Vec::with_capacity(batches.iter().map(Vec::len).sum());
    findings.extend(batches.into_iter().flatten());
    fn key(f: &Finding) -> (&String, &Option<String>, &String, &String, &String) {
        (&f.op_key, &f.method, &f.rule, &f.location, &f.message)
    }
    if !findings.is_sorted_by(|a, b| key(a) <= key(b)) {
        sort_findings(&mut findings);
    }
    findings
}

/// Puts `items[order[k]]` at position `k`, following each cycle of the permutation.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            items.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

fn judge_one(change: &Change, ctx: &JudgeContext<'_>) -> Option<Finding> {
    let rule_id = rule_id(change, &ctx.today)?;
    let meta = rule(&rule_id)?;
    let severity = match ctx.overrides.get(&rule_id) {
        Some(Level::Off) => return None,
        Some(Level::Error) => Severity::Error,
        Some(Level::Warning) => Severity::Warning,
        Some(Level::Info) => Severity::Info,
        None => meta.severity,
    };
    let relevance = ctx.relevance.lookup(&change.op);
    let subject = describe::subject(change);
    let (before, after) = describe::before_after(&change.kind);
    let message = describe::message(change, &subject);
    let sunset = match &change.kind {
        ChangeKind::OperationDeprecated { sunset } | ChangeKind::Deprecated { sunset } => {
            sunset.clone()
        }
        ChangeKind::SunsetChanged { to, .. } => to.clone(),
        ChangeKind::OperationRemoved { sunset, .. } => sunset.clone(),
        _ => None,
    };
    let (base_pointer, revision_pointer) = (
        change.base_pointer.as_deref().map(str::to_owned),
        change.revision_pointer.as_deref().map(str::to_owned),
    );
    // Removals point into the base, where the removed thing still is.
    let removal = matches!(
        &change.kind,
        ChangeKind::OperationRemoved { .. }
            | ChangeKind::ParameterRemoved { .. }
            | ChangeKind::HeaderRemoved { .. }
            | ChangeKind::MediaTypeRemoved { .. }
            | ChangeKind::ResponseRemoved { .. }
            | ChangeKind::Schema(
                SchemaChange::PropertyRemoved { .. } | SchemaChange::VariantRemoved { .. },
            )
    );
    let location = if removal {
        base_pointer.as_ref().or(revision_pointer.as_ref())
    } else {
        revision_pointer.as_ref().or(base_pointer.as_ref())
    }
    .cloned()
    .unwrap_or_default();
    let fingerprint = fingerprint(&rule_id, change);
    Some(Finding {
        rule: rule_id,
        severity,
        method: Some(change.op.method.clone()),
        path: Some(change.op.path.clone()),
        operation_id: change.op.operation_id.clone(),
        location,
        subject,
        message,
        before,
        after,
        base_pointer,
        revision_pointer,
        in_use: relevance.is_some(),
        compliance: matches!(relevance, Some(Some(_))),
        compliance_kind: relevance.flatten(),
        sunset,
        fingerprint,
        contract: None,
        excerpt: None,
        op_key: format!("{} {}", change.op.key, change.op.method),
    })
}

/// A short, stable hash of what makes a finding the same problem night after night.
/// The bytes hashed are rule, method, key, the scope's `Debug` text, the property
/// path and the change's detail, each followed by a zero byte.
fn fingerprint(rule: &str, change: &Change) -> String {
    let mut h = Sha256::new();
    let mut part = |text: &str| {
        h.update(text.as_bytes());
        h.update([0u8]);
    };
    part(rule);
    part(&change.op.method);
    part(&change.op.key);
    part(&scope_text(&change.scope));
    let mut path = String::new();
    for (i, seg) in change.schema_path.iter().enumerate() {
        if i > 0 {
            path.push('.');
        }
        path.push_str(seg);
    }
    part(&path);
    part(&describe::detail(&change.kind));
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = h.finalize();
    let mut out = String::with_capacity(16);
    for b in digest.iter().take(8) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// Exactly `format!("{scope:?}")` (fingerprints hash it), without the formatter.
fn scope_text(scope: &Scope) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(64);
    let quoted = |out: &mut String, s: &str| {
        if s.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ')
        {
            out.push('"');
            out.push_str(s);
            out.push('"');
        } else {
            let _ = write!(out, "{s:?}");
        }
    };
    let option = |out: &mut String, o: &Option<String>| match o {
        Some(s) => {
            out.push_str("Some(");
            quoted(out, s);
            out.push(')');
        }
        None => out.push_str("None"),
    };
    match scope {
        Scope::Operation => out.push_str("Operation"),
        Scope::Security => out.push_str("Security"),
        Scope::Parameter { location, name } => {
            out.push_str("Parameter { location: ");
            quoted(&mut out, location);
            out.push_str(", name: ");
            quoted(&mut out, name);
            out.push_str(" }");
        }
        Scope::RequestBody { media } => {
            out.push_str("RequestBody { media: ");
            option(&mut out, media);
            out.push_str(" }");
        }
        Scope::Response { status, media } => {
            out.push_str("Response { status: ");
            quoted(&mut out, status);
            out.push_str(", media: ");
            option(&mut out, media);
            out.push_str(" }");
        }
        Scope::ResponseHeader { status, name } => {
            out.push_str("ResponseHeader { status: ");
            quoted(&mut out, status);
            out.push_str(", name: ");
            quoted(&mut out, name);
            out.push_str(" }");
        }
    }
    out
}

/// The subject prefix a change's rule id starts with, and whether it is a request.
fn subject(change: &Change) -> Option<&'static str> {
    let nested = !change.schema_path.is_empty();
    Some(match (&change.scope, change.op.reversed) {
        (Scope::Parameter { .. }, _) => {
            if nested {
                "request-parameter-property"
            } else {
                "request-parameter"
            }
        }
        (Scope::RequestBody { .. }, false) => {
            if nested {
                "request-property"
            } else {
                "request-body"
            }
        }
        (Scope::RequestBody { .. }, true) => {
            if nested {
                "webhook-payload-property"
            } else {
                "webhook-payload"
            }
        }
        (Scope::Response { .. }, false) => {
            if nested {
                "response-property"
            } else {
                "response-body"
            }
        }
        (Scope::ResponseHeader { .. }, false) => "response-header",
        // What the integration answers to a webhook is rarely a contract worth judging.
        // What the integration answers to a webhook or callback: the vendor reads it,
        // so it is judged like a request the integration sends.
        (Scope::Response { .. }, true) => {
            if nested {
                "webhook-response-property"
            } else {
                "webhook-response-body"
            }
        }
        (Scope::ResponseHeader { .. }, true) => return None,
        (Scope::Operation | Scope::Security, _) => return None,
    })
}

/// Subjects the integration sends (requests, and its answers to webhooks).
fn is_request(subject: &str) -> bool {
    subject.starts_with("request-") || subject.starts_with("webhook-response")
}

fn rule_id(change: &Change, today: &str) -> Option<String> {
    use ChangeKind as K;
    let op_rule = |s: &str| Some(s.to_owned());
    match &change.kind {
        K::OperationAdded => op_rule(if change.op.reversed {
            "webhook-added"
        } else {
            "endpoint-added"
        }),
        K::OperationRemoved { deprecated, sunset } => {
            if change.op.reversed {
                return op_rule("webhook-removed");
            }
            match sunset {
                Some(date) if is_iso_date(date) && date.as_str() > today => {
                    op_rule("endpoint-removed-before-sunset")
                }
                _ if *deprecated => op_rule("endpoint-removed-after-deprecation"),
                _ => op_rule("endpoint-removed"),
            }
        }
        K::OperationDeprecated { sunset } => op_rule(if sunset.is_some() {
            "endpoint-deprecated-with-sunset"
        } else {
            "endpoint-deprecated"
        }),
        K::OperationReactivated => op_rule("endpoint-reactivated"),
        K::SunsetChanged { from, to } => op_rule(match (from, to) {
            (None, _) => "endpoint-sunset-added",
            (_, None) => "endpoint-sunset-removed",
            (Some(a), Some(b)) if b < a => "endpoint-sunset-moved-earlier",
            _ => "endpoint-sunset-moved-later",
        }),
        K::OperationIdChanged { .. } => op_rule("endpoint-operation-id-changed"),
        K::StabilityChanged { from, to } => {
            // Unmarked is stable; unknown levels count as experimental.
            let rank = |s: &Option<String>| match s.as_deref() {
                None | Some("stable") | Some("ga") => 4,
                Some("beta") => 3,
                Some("alpha") | Some("preview") | Some("experimental") => 2,
                Some("draft") => 1,
                Some("deprecated") => 0,
                Some(_) => 2,
            };
            op_rule(if rank(to) < rank(from) {
                "endpoint-stability-decreased"
            } else {
                "endpoint-stability-increased"
            })
        }
        K::SecurityAdded {
            first, replaced, ..
        } => op_rule(if *first {
            "endpoint-security-added"
        } else if *replaced {
            "endpoint-security-replaced"
        } else {
            "endpoint-security-alternative-added"
        }),
        K::SecurityRemoved { last, .. } => op_rule(if *last {
            "endpoint-security-removed"
        } else {
            "endpoint-security-alternative-removed"
        }),
        K::SecurityScopeAdded { .. } => op_rule("endpoint-security-scope-added"),
        K::SecuritySchemeChanged { .. } => op_rule("endpoint-security-scheme-changed"),
        K::SecurityScopeRemoved { .. } => op_rule("endpoint-security-scope-removed"),
        K::ParameterAdded { required, .. } => op_rule(if *required {
            "request-parameter-added-required"
        } else {
            "request-parameter-added"
        }),
        K::ParameterRemoved { deprecated, .. } => op_rule(if *deprecated {
            "request-parameter-removed-after-deprecation"
        } else {
            "request-parameter-removed"
        }),
        K::ParameterStyleChanged { .. } => op_rule("request-parameter-style-changed"),
        K::RequestBodyAdded { required } => op_rule(if *required {
            "request-body-added-required"
        } else {
            "request-body-added"
        }),
        K::RequestBodyRemoved => op_rule("request-body-removed"),
        K::MediaTypeAdded { .. } | K::MediaTypeRemoved { .. } => {
            let added = matches!(change.kind, K::MediaTypeAdded { .. });
            let request = matches!(change.scope, Scope::RequestBody { .. });
            // Webhooks: the vendor sends the payload and reads the answer.
            let side = match (request, change.op.reversed) {
                (true, false) => "request-body",
                (false, false) => "response",
                (true, true) => "webhook-payload",
                (false, true) => "webhook-response",
            };
            Some(format!(
                "{side}-media-type-{}",
                if added { "added" } else { "removed" }
            ))
        }
        K::ResponseAdded { status } => op_rule(if is_success(status) {
            "response-success-status-added"
        } else {
            "response-non-success-status-added"
        }),
        K::ResponseRemoved { status } => op_rule(if is_success(status) {
            "response-success-status-removed"
        } else {
            "response-non-success-status-removed"
        }),
        K::HeaderAdded { .. } => op_rule("response-header-added"),
        K::HeaderRemoved { required } => op_rule(if *required {
            "response-header-removed"
        } else {
            "response-optional-header-removed"
        }),
        K::BecameRequired {
            read_only,
            write_only,
        }
        | K::BecameOptional {
            read_only,
            write_only,
        } => {
            let required = matches!(change.kind, K::BecameRequired { .. });
            let subject = subject(change)?;
            if let Some(id) = hidden_property(subject, *read_only, *write_only) {
                return op_rule(id);
            }
            let word = if required {
                "became-required"
            } else {
                "became-optional"
            };
            if change.schema_path.is_empty() {
                Some(format!("{subject}-{word}"))
            } else {
                Some(catalog::schema_rule_id(
                    subject,
                    &format!("property-{word}"),
                ))
            }
        }
        K::Deprecated { .. } | K::Reactivated
            if hidden_property(subject(change)?, change.read_only, change.write_only).is_some() =>
        {
            hidden_property(subject(change)?, change.read_only, change.write_only)
                .map(str::to_owned)
        }
        K::Deprecated { .. } => Some(format!("{}-deprecated", subject(change)?)),
        K::Reactivated => Some(format!("{}-reactivated", subject(change)?)),
        K::Schema(sc) => {
            let subject = subject(change)?;
            if let Some(id) = hides(sc, subject)
                .or_else(|| hidden_property(subject, change.read_only, change.write_only))
            {
                return op_rule(id);
            }
            Some(catalog::schema_rule_id(subject, &schema_suffix(sc)))
        }
    }
}

/// Read-only properties are never sent and write-only ones never returned: a change
/// to them in that direction cannot reach the client.
fn hidden_property(subject: &str, read_only: bool, write_only: bool) -> Option<&'static str> {
    if is_request(subject) && read_only {
        Some("request-read-only-property-changed")
    } else if !is_request(subject) && write_only {
        Some("response-write-only-property-changed")
    } else {
        None
    }
}

fn hides(sc: &SchemaChange, subject: &str) -> Option<&'static str> {
    match sc {
        SchemaChange::PropertyAdded {
            read_only,
            write_only,
            ..
        }
        | SchemaChange::PropertyRemoved {
            read_only,
            write_only,
            ..
        } => hidden_property(subject, *read_only, *write_only),
        _ => None,
    }
}

fn schema_suffix(sc: &SchemaChange) -> String {
    use SchemaChange as S;
    let s = |x: &str| x.to_owned();
    match sc {
        S::TypeChanged { from, to } => {
            let widened = (!from.is_empty() && from.iter().all(|t| to.contains(t)))
                || (from.len() == 1 && from[0] == "integer" && to.len() == 1 && to[0] == "number")
                || (!from.is_empty() && to.is_empty());
            let narrowed = (!to.is_empty() && to.iter().all(|t| from.contains(t)))
                || (from.len() == 1 && from[0] == "number" && to.len() == 1 && to[0] == "integer")
                || (from.is_empty() && !to.is_empty());
            s(if widened {
                "type-generalized"
            } else if narrowed {
                "type-specialized"
            } else {
                "type-changed"
            })
        }
        S::FormatChanged { from: None, .. } => s("format-added"),
        S::FormatChanged { to: None, .. } => s("format-removed"),
        S::FormatChanged {
            from: Some(from),
            to: Some(to),
        } => s(match (from.as_str(), to.as_str()) {
            ("int32", "int64") | ("float", "double") => "format-widened",
            ("int64", "int32") | ("double", "float") => "format-narrowed",
            _ => "format-changed",
        }),
        S::BecameNullable => s("became-nullable"),
        S::BecameNotNullable => s("became-not-nullable"),
        S::EnumValueAdded { .. } => s("enum-value-added"),
        S::EnumValueRemoved { .. } => s("enum-value-removed"),
        S::BecameEnum => s("became-enum"),
        S::EnumDropped => s("enum-removed"),
        S::ExtensibleEnumValueRemoved { .. } => s("x-extensible-enum-value-removed"),
        S::BoundChanged { bound, from, to } => {
            if bound.0 == Bound::MultipleOf {
                return s("multiple-of-changed");
            }
            let slug = bound.0.slug();
            match (from, to) {
                (None, _) => format!("{slug}-set"),
                (_, None) => format!("{slug}-removed"),
                (Some(a), Some(b)) if b < a => format!("{slug}-decreased"),
                _ => format!("{slug}-increased"),
            }
        }
        S::PatternChanged { from: None, .. } => s("pattern-added"),
        S::PatternChanged { to: None, .. } => s("pattern-removed"),
        S::PatternChanged { .. } => s("pattern-changed"),
        S::UniqueItemsChanged { to } => s(if *to {
            "unique-items-set"
        } else {
            "unique-items-removed"
        }),
        S::PropertyAdded { required, .. } => s(if *required {
            "property-added-required"
        } else {
            "property-added"
        }),
        S::PropertyRemoved {
            deprecated, closed, ..
        } => s(if *deprecated {
            "property-removed-after-deprecation"
        } else if *closed {
            "property-removed-from-closed-object"
        } else {
            "property-removed"
        }),
        S::ReadOnlyChanged { to } => s(if *to {
            "property-became-read-only"
        } else {
            "property-became-not-read-only"
        }),
        S::WriteOnlyChanged { to } => s(if *to {
            "property-became-write-only"
        } else {
            "property-became-not-write-only"
        }),
        S::DefaultChanged { .. } => s("default-value-changed"),
        S::VariantAdded { composition, .. } => s(if composition == "oneOf" {
            "one-of-added"
        } else {
            "any-of-added"
        }),
        S::VariantRemoved { composition, .. } => s(if composition == "oneOf" {
            "one-of-removed"
        } else {
            "any-of-removed"
        }),
        S::AdditionalPropertiesChanged { from, to } => {
            s(if to == "none" || (from == "any" && to == "schema") {
                "additional-properties-restricted"
            } else {
                "additional-properties-allowed"
            })
        }
        S::DiscriminatorChanged { .. } => s("discriminator-changed"),
    }
}

fn is_iso_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(op: &str, rule: &str, location: &str) -> Finding {
        Finding {
            rule: rule.to_owned(),
            severity: Severity::Info,
            method: Some("GET".to_owned()),
            path: Some(op.to_owned()),
            operation_id: None,
            location: location.to_owned(),
            subject: String::new(),
            message: String::new(),
            before: None,
            after: None,
            base_pointer: None,
            revision_pointer: None,
            in_use: true,
            compliance: false,
            compliance_kind: None,
            sunset: None,
            fingerprint: String::new(),
            contract: None,
            excerpt: None,
            op_key: format!("{op} GET"),
        }
    }

    fn order(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{} {} {}", f.op_key, f.rule, f.location))
            .collect()
    }

    #[test]
    fn merging_sorted_batches_gives_report_order() {
        let batch = |op: &str, rules: &[(&str, &str)]| {
            let mut b: Vec<Finding> = rules.iter().map(|(r, l)| finding(op, r, l)).collect();
            sort_findings(&mut b);
            b
        };
        let batches = vec![
            batch("/b", &[("z", "/2"), ("a", "/1")]),
            vec![],
            batch("/a", &[("m", "/1")]),
            // A second batch about `/b` breaks the one-operation-per-batch promise:
            // its findings interleave with the first one's.
            batch("/b", &[("c", "/1")]),
        ];
        let mut expected: Vec<Finding> = batches.iter().flatten().cloned().collect();
        sort_findings(&mut expected);
        let merged = merge_sorted(batches);
        assert_eq!(order(&merged), order(&expected));
        assert_eq!(
            order(&merged),
            ["/a GET m /1", "/b GET a /1", "/b GET c /1", "/b GET z /2"]
        );
    }

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        for order in [
            vec![],
            vec![0],
            vec![2, 0, 1],
            vec![1, 0, 3, 2, 4],
            vec![4, 3, 2, 1, 0],
        ] {
            let mut items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            let expected: Vec<usize> = order.iter().map(|i| i * 10).collect();
            permute(&mut items, order);
            assert_eq!(items, expected);
        }
    }

    #[test]
    fn scope_text_is_the_debug_text_fingerprints_were_made_of() {
        let s = |v: &str| v.to_owned();
        let scopes = [
            Scope::Operation,
            Scope::Security,
            Scope::Parameter {
                location: s("query"),
                name: s("expand[]"),
            },
            Scope::Parameter {
                location: s("header"),
                name: s("X-\"Quoted\"\\é\t"),
            },
            Scope::RequestBody { media: None },
            Scope::RequestBody {
                media: Some(s("application/x-www-form-urlencoded")),
            },
            Scope::Response {
                status: s("2XX"),
                media: Some(s("application/json; charset=utf-8")),
            },
            Scope::Response {
                status: s("default"),
                media: None,
            },
            Scope::ResponseHeader {
                status: s("429"),
                name: s("Retry-After"),
            },
        ];
        for scope in scopes {
            assert_eq!(scope_text(&scope), format!("{scope:?}"));
        }
    }
}
