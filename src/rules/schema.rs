//! Schema keywords: what changed inside a schema, judged by where the schema sits.
//!
//! The subject — a request parameter, a response property, a webhook payload —
//! comes from the change's scope, its direction (webhooks swap request and
//! response: the vendor sends the payload) and whether the change is inside a
//! property. The keyword rule comes from the change. The catalog composes the two
//! and gives each direction its severity.

use crate::diff::{Change, SchemaChange, Scope};
use crate::finding::catalog::{
    Body, BoundKind, BoundMove, Hidden, Parameter, PropertyRule, PropertySubject, RuleId,
    SchemaRule, Subject,
};
use crate::spec::schema::Bound;

/// Where a change's schema sits; `None` for changes outside any schema, and for
/// the headers of what the integration answers to a webhook, which the vendor
/// does not read.
pub fn subject(change: &Change) -> Option<Subject> {
    let nested = !change.schema_path.is_empty();
    let pick = |whole: Subject, property: Subject| if nested { property } else { whole };
    Some(match (&change.scope, change.op.reversed) {
        (Scope::Parameter { .. }, _) => {
            pick(Subject::RequestParameter, Subject::RequestParameterProperty)
        }
        (Scope::RequestBody { .. }, false) => pick(Subject::RequestBody, Subject::RequestProperty),
        (Scope::RequestBody { .. }, true) => {
            pick(Subject::WebhookPayload, Subject::WebhookPayloadProperty)
        }
        (Scope::Response { .. }, false) => pick(Subject::ResponseBody, Subject::ResponseProperty),
        (Scope::ResponseHeader { .. }, false) => {
            pick(Subject::ResponseHeader, Subject::ResponseHeaderProperty)
        }
        // What the integration answers to a webhook or callback: the vendor reads
        // it, so it is judged like a request the integration sends.
        (Scope::Response { .. }, true) => pick(
            Subject::WebhookResponseBody,
            Subject::WebhookResponseProperty,
        ),
        (Scope::ResponseHeader { .. }, true) => return None,
        (Scope::Operation | Scope::Security, _) => return None,
    })
}

/// Read-only properties are never sent and write-only ones never returned: a
/// change to them in that direction cannot reach the client.
pub fn hidden(subject: Subject, read_only: bool, write_only: bool) -> Option<RuleId> {
    if subject.is_request() && read_only {
        Some(RuleId::Hidden(Hidden::RequestReadOnlyPropertyChanged))
    } else if !subject.is_request() && write_only {
        Some(RuleId::Hidden(Hidden::ResponseWriteOnlyPropertyChanged))
    } else {
        None
    }
}

/// A parameter, body, header or property became required (or optional).
pub fn required_changed(subject: Subject, required: bool) -> Option<RuleId> {
    let pick = |r: RuleId, o: RuleId| Some(if required { r } else { o });
    match subject {
        Subject::RequestParameter => pick(
            RuleId::Parameter(Parameter::BecameRequired),
            RuleId::Parameter(Parameter::BecameOptional),
        ),
        Subject::RequestBody => pick(
            RuleId::Body(Body::RequestBodyBecameRequired),
            RuleId::Body(Body::RequestBodyBecameOptional),
        ),
        Subject::WebhookPayload => pick(
            RuleId::Body(Body::WebhookPayloadBecameRequired),
            RuleId::Body(Body::WebhookPayloadBecameOptional),
        ),
        Subject::ResponseHeader => pick(
            RuleId::Body(Body::ResponseHeaderBecameRequired),
            RuleId::Body(Body::ResponseHeaderBecameOptional),
        ),
        // Responses have no `required` flag of their own; the diff never says so.
        Subject::ResponseBody | Subject::WebhookResponseBody => None,
        Subject::RequestParameterProperty
        | Subject::RequestProperty
        | Subject::ResponseProperty
        | Subject::ResponseHeaderProperty
        | Subject::WebhookPayloadProperty
        | Subject::WebhookResponseProperty => property(
            subject,
            if required {
                PropertyRule::BecameRequired
            } else {
                PropertyRule::BecameOptional
            },
        ),
    }
}

pub fn deprecated(subject: Subject) -> RuleId {
    RuleId::Schema(subject, SchemaRule::Deprecated)
}

pub fn reactivated(subject: Subject) -> RuleId {
    RuleId::Schema(subject, SchemaRule::Reactivated)
}

/// A property rule at a subject. Only properties have them; the diff makes
/// property changes only inside a property path, so `None` is never reached.
fn property(subject: Subject, rule: PropertyRule) -> Option<RuleId> {
    PropertySubject::of(subject).map(|s| RuleId::Property(s, rule))
}

/// The rule of a keyword change at a subject. One arm per kind of schema change,
/// exhaustively: a new kind does not compile until it is judged here.
pub fn keyword(subject: Subject, change: &SchemaChange) -> Option<RuleId> {
    use SchemaChange as S;
    let rule = |r: SchemaRule| Some(RuleId::Schema(subject, r));
    match change {
        S::TypeChanged { from, to } => rule(type_change(subject, from, to)),
        S::FormatChanged { from: None, .. } => rule(SchemaRule::FormatAdded),
        S::FormatChanged { to: None, .. } => rule(SchemaRule::FormatRemoved),
        S::FormatChanged {
            from: Some(from),
            to: Some(to),
        } => rule(match (from.as_str(), to.as_str()) {
            ("int32", "int64") | ("float", "double") => SchemaRule::FormatWidened,
            ("int64", "int32") | ("double", "float") => SchemaRule::FormatNarrowed,
            _ => SchemaRule::FormatChanged,
        }),
        S::BecameNullable => rule(SchemaRule::BecameNullable),
        S::BecameNotNullable => rule(SchemaRule::BecameNotNullable),
        S::EnumValueAdded { .. } => rule(SchemaRule::EnumValueAdded),
        S::EnumValueRemoved { .. } => rule(SchemaRule::EnumValueRemoved),
        S::BecameEnum => rule(SchemaRule::BecameEnum),
        S::EnumDropped => rule(SchemaRule::EnumRemoved),
        S::ExtensibleEnumValueRemoved { .. } => rule(SchemaRule::XExtensibleEnumValueRemoved),
        S::BoundChanged { bound, from, to } => {
            let Some(kind) = bound_kind(bound.0) else {
                return rule(SchemaRule::MultipleOfChanged);
            };
            let moved = match (from, to) {
                (None, _) => BoundMove::Set,
                (_, None) => BoundMove::Removed,
                (Some(a), Some(b)) if b < a => BoundMove::Decreased,
                _ => BoundMove::Increased,
            };
            Some(RuleId::Bound(subject, kind, moved))
        }
        S::PatternChanged { from: None, .. } => rule(SchemaRule::PatternAdded),
        S::PatternChanged { to: None, .. } => rule(SchemaRule::PatternRemoved),
        S::PatternChanged { .. } => rule(SchemaRule::PatternChanged),
        S::UniqueItemsChanged { to } => rule(if *to {
            SchemaRule::UniqueItemsSet
        } else {
            SchemaRule::UniqueItemsRemoved
        }),
        S::PropertyAdded {
            required,
            read_only,
            write_only,
            ..
        } => hidden(subject, *read_only, *write_only).or_else(|| {
            property(
                subject,
                if *required {
                    PropertyRule::AddedRequired
                } else {
                    PropertyRule::Added
                },
            )
        }),
        S::PropertyRemoved {
            deprecated,
            closed,
            required,
            read_only,
            write_only,
            ..
        } => hidden(subject, *read_only, *write_only).or_else(|| {
            property(
                subject,
                if *deprecated {
                    PropertyRule::RemovedAfterDeprecation
                } else if *closed {
                    PropertyRule::RemovedFromClosedObject
                } else if !*required && !subject.is_request() {
                    // A reader written for the old spec already copes with an
                    // optional property's absence: a warning, not a break.
                    PropertyRule::RemovedOptional
                } else {
                    PropertyRule::Removed
                },
            )
        }),
        S::ReadOnlyChanged { to } => property(
            subject,
            if *to {
                PropertyRule::BecameReadOnly
            } else {
                PropertyRule::BecameNotReadOnly
            },
        ),
        S::WriteOnlyChanged { to } => property(
            subject,
            if *to {
                PropertyRule::BecameWriteOnly
            } else {
                PropertyRule::BecameNotWriteOnly
            },
        ),
        S::DefaultChanged { .. } => rule(SchemaRule::DefaultValueChanged),
        S::VariantAdded {
            accepted_before: true,
            ..
        } => rule(SchemaRule::MemberAddedAlreadyAccepted),
        S::VariantAdded { composition, .. } => rule(if composition == "oneOf" {
            SchemaRule::OneOfAdded
        } else {
            SchemaRule::AnyOfAdded
        }),
        S::VariantRemoved { composition, .. } => rule(if composition == "oneOf" {
            SchemaRule::OneOfRemoved
        } else {
            SchemaRule::AnyOfRemoved
        }),
        S::AdditionalPropertiesChanged { from, to } => {
            rule(if to == "none" || (from == "any" && to == "schema") {
                SchemaRule::AdditionalPropertiesRestricted
            } else {
                SchemaRule::AdditionalPropertiesAllowed
            })
        }
        S::DiscriminatorChanged { .. } => rule(SchemaRule::DiscriminatorChanged),
    }
}

/// Widened: every old type still allowed (or any type now); narrowed: the reverse.
/// `integer` → `number` widens, the reverse narrows. A request parameter travels as
/// text, so a number or boolean one becoming a string accepts every value it did
/// (Intercom's integer path ids became strings).
fn type_change(subject: Subject, from: &[String], to: &[String]) -> SchemaRule {
    let one = |types: &[String], t: &str| types.len() == 1 && types[0] == t;
    let scalar = |t: &String| matches!(t.as_str(), "integer" | "number" | "boolean");
    let text_parameter = subject == Subject::RequestParameter
        && one(to, "string")
        && !from.is_empty()
        && from.iter().all(scalar);
    let widened = (!from.is_empty() && from.iter().all(|t| to.contains(t)))
        || (one(from, "integer") && one(to, "number"))
        || (!from.is_empty() && to.is_empty())
        || text_parameter;
    let narrowed = (!to.is_empty() && to.iter().all(|t| from.contains(t)))
        || (one(from, "number") && one(to, "integer"))
        || (from.is_empty() && !to.is_empty());
    if widened {
        SchemaRule::TypeGeneralized
    } else if narrowed {
        SchemaRule::TypeSpecialized
    } else {
        SchemaRule::TypeChanged
    }
}

/// `None` for `multipleOf`, which neither widens nor narrows.
fn bound_kind(bound: Bound) -> Option<BoundKind> {
    Some(match bound {
        Bound::MaxLength => BoundKind::MaxLength,
        Bound::MinLength => BoundKind::MinLength,
        Bound::Maximum => BoundKind::Max,
        Bound::Minimum => BoundKind::Min,
        Bound::ExclusiveMaximum => BoundKind::ExclusiveMax,
        Bound::ExclusiveMinimum => BoundKind::ExclusiveMin,
        Bound::MaxItems => BoundKind::MaxItems,
        Bound::MinItems => BoundKind::MinItems,
        Bound::MaxProperties => BoundKind::MaxProperties,
        Bound::MinProperties => BoundKind::MinProperties,
        Bound::MultipleOf => return None,
    })
}
