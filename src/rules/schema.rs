//! Schema keywords: what changed inside a schema, judged by where the schema sits.
//!
//! The subject — a request parameter, a response property, a webhook payload —
//! comes from the change's scope, its direction (webhooks swap request and
//! response: the vendor sends the payload) and whether the change is inside a
//! property. The keyword rule comes from the change. The catalog composes the two
//! and gives each direction its severity.

use crate::diff::{Applicator, Change, SchemaChange, Scope};
use crate::finding::catalog::{
    Body, BoundKind, BoundMove, Hidden, Lifecycle, Parameter, PropertyRule, PropertySubject,
    RuleId, SchemaRule, Subject,
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
        S::PatternMoved {
            narrowed, widened, ..
        } => rule(match (narrowed.is_some(), widened.is_some()) {
            (true, false) => SchemaRule::PatternNarrowed,
            (false, true) => SchemaRule::PatternWidened,
            _ => SchemaRule::PatternReshaped,
        }),
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
        S::AdditionalPropertiesChanged { from, to } => rule(if restricts(from, to) {
            SchemaRule::AdditionalPropertiesRestricted
        } else if from == "schema" && to == "any" {
            SchemaRule::AdditionalPropertiesUntyped
        } else {
            SchemaRule::AdditionalPropertiesAllowed
        }),
        S::DiscriminatorChanged { .. } => rule(SchemaRule::DiscriminatorChanged),
        S::ConstAdded { .. } => rule(SchemaRule::ConstAdded),
        S::ConstRemoved { .. } => rule(SchemaRule::ConstRemoved),
        S::ConstChanged { .. } => rule(SchemaRule::ConstChanged),
        S::LimitExclusivityChanged { exclusive, .. } => rule(if *exclusive {
            SchemaRule::LimitBecameExclusive
        } else {
            SchemaRule::LimitBecameInclusive
        }),
        S::ApplicatorAdded { keyword, .. } => rule(applicator(*keyword, true)),
        S::ApplicatorRemoved { keyword, .. } => rule(applicator(*keyword, false)),
        S::ApplicatorChanged { keyword } => rule(if *keyword == Applicator::Not {
            SchemaRule::NotChanged
        } else {
            SchemaRule::IfChanged
        }),
        S::DependentRequiredAdded { .. } => rule(SchemaRule::DependentRequiredAdded),
        S::DependentRequiredRemoved { .. } => rule(SchemaRule::DependentRequiredRemoved),
        S::PrefixItemAdded { .. } => rule(SchemaRule::PrefixItemsAdded),
        S::PrefixItemRemoved { .. } => rule(SchemaRule::PrefixItemsRemoved),
        S::ExtraItemsChanged { keyword, from, to } => {
            rule(match (keyword == "items", restricts(from, to)) {
                (true, true) => SchemaRule::ItemsClosed,
                (true, false) => SchemaRule::ItemsOpened,
                (false, true) => SchemaRule::UnevaluatedItemsAdded,
                (false, false) => SchemaRule::UnevaluatedItemsRemoved,
            })
        }
        S::AllOfAdded { .. } => rule(SchemaRule::AllOfAdded),
        // Only a validator of what the integration sends refuses a value matching
        // two members; a reader of the new members is told by `one-of-added`.
        S::WrappedInOneOf { .. } if !subject.is_request() => None,
        S::WrappedInOneOf { .. } => rule(SchemaRule::WrappedInOneOf),
        S::ContentChanged { .. } => rule(SchemaRule::ContentChanged),
        S::StabilityChanged { from, to } => rule(
            match super::lifecycle::stability_changed(from.as_deref(), to.as_deref()) {
                RuleId::Lifecycle(Lifecycle::EndpointStabilityIncreased) => {
                    SchemaRule::StabilityIncreased
                }
                _ => SchemaRule::StabilityDecreased,
            },
        ),
        S::BecameWritableWhileRequired => {
            property(subject, PropertyRule::BecameWritableWhileRequired)
        }
    }
}

/// Whether extra properties or items (`any`, `none`, `schema`) are held to more
/// than before.
fn restricts(from: &str, to: &str) -> bool {
    to == "none" || (from == "any" && to == "schema")
}

/// The rule of an applicator written (`added`) or dropped.
fn applicator(keyword: Applicator, added: bool) -> SchemaRule {
    use SchemaRule as R;
    let (on, off) = match keyword {
        Applicator::Contains => (R::ContainsAdded, R::ContainsRemoved),
        Applicator::If => (R::IfAdded, R::IfRemoved),
        Applicator::Then => (R::ThenAdded, R::ThenRemoved),
        Applicator::Else => (R::ElseAdded, R::ElseRemoved),
        Applicator::Not => (R::NotAdded, R::NotRemoved),
        Applicator::PropertyNames => (R::PropertyNamesAdded, R::PropertyNamesRemoved),
        Applicator::DependentSchemas => (R::DependentSchemaAdded, R::DependentSchemaRemoved),
        Applicator::PatternProperties => (R::PatternPropertyAdded, R::PatternPropertyRemoved),
        Applicator::ContentSchema => (R::ContentSchemaAdded, R::ContentSchemaRemoved),
    };
    if added { on } else { off }
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
    // `never` is the boolean schema `false`: nothing is narrower.
    let widened = one(from, "never")
        || (!one(to, "never") && !from.is_empty() && from.iter().all(|t| to.contains(t)))
        || (one(from, "integer") && one(to, "number"))
        || (!from.is_empty() && to.is_empty())
        || text_parameter;
    let narrowed = one(to, "never")
        || (!to.is_empty() && to.iter().all(|t| from.contains(t)))
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
        Bound::MinContains => BoundKind::MinContains,
        Bound::MaxContains => BoundKind::MaxContains,
        Bound::MultipleOf => return None,
    })
}
