//! RULES: a neutral [`SpecDiff`] in, judged [`Finding`]s out.
//!
//! Each change is given a typed rule from the registry ([`crate::finding::catalog`])
//! by the family that owns its kind of change — lifecycle, security, parameters,
//! bodies, schema keywords — through one exhaustive `match` over [`ChangeKind`], so
//! a new kind of change does not compile until it is judged. The finding is then
//! made the one way every stage makes them ([`Finding::new`]): catalog severity,
//! the policy's overrides, the fingerprint. Relevance is decided here too: a
//! finding is `in_use` when its operation is one the integration calls, and
//! compliance-critical when that operation is.

mod bodies;
mod describe;
mod lifecycle;
mod parameters;
pub mod relevance;
mod schema;
mod security;

use crate::diff::{Change, ChangeKind, SchemaChange, Scope, SpecDiff};
use crate::finding::{
    Draft, Finding, Identity, InUse, Level, OperationRef, Overrides, RuleId, sort_findings,
};

pub use relevance::Relevance;

/// What judging needs besides the diff.
#[derive(Debug)]
pub struct JudgeContext<'r> {
    pub relevance: &'r Relevance,
    pub overrides: &'r Overrides,
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

/// The rule a change falls under. `None` only where nobody is affected by design:
/// the headers of what an integration answers to a webhook (the vendor does not
/// read them), and kinds of change the diff never makes at that place.
pub fn classify(change: &Change, today: &str) -> Option<RuleId> {
    use ChangeKind as K;
    let webhook = change.op.reversed;
    Some(match &change.kind {
        K::OperationAdded => lifecycle::added(webhook),
        K::ServerBasePathChanged { .. } => lifecycle::base_path_changed(),
        K::DanglingReference { .. } => {
            RuleId::Source(crate::finding::catalog::Source::DanglingReference)
        }
        K::NotAMethod { .. } => RuleId::Source(crate::finding::catalog::Source::NotAMethod),
        K::RequiredDefaultChanged { .. } => parameters::required_default_changed(),
        K::OperationRemoved { deprecated, sunset } => {
            lifecycle::removed(webhook, *deprecated, sunset.as_deref(), today)
        }
        K::OperationDeprecated { sunset } => lifecycle::deprecated(sunset.as_deref()),
        K::OperationReactivated => lifecycle::reactivated(),
        K::SunsetChanged { from, to } => lifecycle::sunset_changed(from.as_deref(), to.as_deref()),
        K::OperationIdChanged { .. } => lifecycle::operation_id_changed(),
        K::StabilityChanged { from, to } => {
            lifecycle::stability_changed(from.as_deref(), to.as_deref())
        }
        K::SecurityAdded {
            first, replaced, ..
        } => security::requirement_added(*first, *replaced),
        K::SecurityRemoved { last, .. } => security::requirement_removed(*last),
        K::SecuritySchemeChanged { .. } => security::scheme_changed(),
        K::SecurityScopeAdded { .. } => security::scope_added(),
        K::SecurityScopeRemoved { .. } => security::scope_removed(),
        K::ParameterAdded { required, .. } => parameters::added(*required),
        K::ParameterRemoved { deprecated, .. } => parameters::removed(*deprecated),
        K::ParameterStyleChanged { .. } => parameters::style_changed(),
        K::RequestBodyAdded { required } => bodies::request_body_added(*required),
        K::RequestBodyRemoved { placeholder } => bodies::request_body_removed(*placeholder),
        K::MediaTypeAdded { .. } | K::MediaTypeRemoved { .. } => bodies::media_type(
            matches!(change.kind, K::MediaTypeAdded { .. }),
            matches!(change.scope, Scope::RequestBody { .. }),
            webhook,
        ),
        K::MediaTypeRelabelled { .. } => bodies::media_type_relabelled(
            matches!(change.scope, Scope::RequestBody { .. }),
            webhook,
        ),
        K::ResponseAdded { status } => bodies::response_added(status),
        K::ResponseRemoved { status } => bodies::response_removed(status),
        K::HeaderAdded { .. } => bodies::header_added(),
        K::HeaderRemoved { required } => bodies::header_removed(*required),
        K::BecameRequired {
            read_only,
            write_only,
        }
        | K::BecameOptional {
            read_only,
            write_only,
        } => {
            let subject = schema::subject(change)?;
            return schema::hidden(subject, *read_only, *write_only).or_else(|| {
                schema::required_changed(subject, matches!(change.kind, K::BecameRequired { .. }))
            });
        }
        K::Deprecated { .. } | K::Reactivated => {
            let subject = schema::subject(change)?;
            return Some(
                schema::hidden(subject, change.read_only, change.write_only).unwrap_or(
                    if matches!(change.kind, K::Deprecated { .. }) {
                        schema::deprecated(subject)
                    } else {
                        schema::reactivated(subject)
                    },
                ),
            );
        }
        K::Schema(sc) => {
            let subject = schema::subject(change)?;
            return schema::hidden(subject, change.read_only, change.write_only)
                .or_else(|| schema::keyword(subject, sc));
        }
    })
}

fn judge_one(change: &Change, ctx: &JudgeContext<'_>) -> Option<Finding> {
    let rule = classify(change, &ctx.today)?;
    // A rule turned off costs nothing more: its words are never written.
    if ctx.overrides.get(&rule) == Some(&Level::Off) {
        return None;
    }
    let subject = describe::subject(change);
    let (before, after) = describe::before_after(&change.kind);
    let message = describe::message(change, &subject);
    let sunset = match &change.kind {
        ChangeKind::OperationDeprecated { sunset }
        | ChangeKind::Deprecated { sunset }
        | ChangeKind::OperationRemoved { sunset, .. } => sunset.clone(),
        ChangeKind::SunsetChanged { to, .. } => to.clone(),
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
    let scope = scope_key(&change.scope);
    let path = property_path(change);
    let detail = describe::detail(&change.kind);
    // A change to the whole API (its base path) belongs to no operation.
    let operation = (!change.op.is_whole_api()).then(|| OperationRef {
        method: change.op.method.clone(),
        path: change.op.path.clone(),
        operation_id: change.op.operation_id.clone(),
    });
    let draft = Draft {
        rule,
        operation,
        location,
        subject,
        message,
        before,
        after,
        base_pointer,
        revision_pointer,
        // A change to the whole API reaches every operation in use.
        in_use: if change.op.is_whole_api() {
            InUse {
                in_use: true,
                compliance_kind: None,
            }
        } else {
            InUse::from_lookup(ctx.relevance.lookup(&change.op))
        },
        sunset,
        contract: None,
        excerpt: None,
        op_key: if change.op.is_whole_api() {
            change.op.key.clone()
        } else {
            format!("{} {}", change.op.key, change.op.method)
        },
        identity: Identity::Change {
            method: &change.op.method,
            op_key: &change.op.key,
            scope: &scope,
            path: &path,
            detail: &detail,
        },
    };
    Finding::new(draft, ctx.overrides)
}

/// The property path as fingerprints spell it: segments joined by dots.
fn property_path(change: &Change) -> String {
    let mut path = String::new();
    for (i, seg) in change.schema_path.iter().enumerate() {
        if i > 0 {
            path.push('.');
        }
        path.push_str(seg);
    }
    path
}

/// A scope's identity in fingerprints. The layout is frozen (issues on GitHub are
/// keyed by it): it is what `{scope:?}` printed when fingerprints were first made.
pub fn scope_key(scope: &Scope) -> String {
    let mut out = String::with_capacity(64);
    let quoted = |out: &mut String, s: &str| {
        if s.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ')
        {
            out.push('"');
            out.push_str(s);
            out.push('"');
        } else {
            // Rust's string escaping, as the derived Debug text had it.
            out.push_str(&format!("{s:?}"));
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

#[cfg(test)]
mod tests;
