//! Schema rules: what changes inside a schema — a keyword, a bound, a property —
//! judged by where the schema sits. A [`Subject`] says where (a request parameter, a
//! response property, a webhook payload, ...) and which way the data flows; a
//! keyword row carries one severity per direction. Narrowing what a client may
//! *send* breaks it; widening what it must *read* breaks it. The ids are the
//! subject's prefix and the keyword's suffix (`response-property` +
//! `became-nullable`); property rows drop their `property-` marker because their
//! subject already says "property" (`response-property-removed`).

use std::borrow::Cow;

use super::{RuleMeta, rule_family};
use crate::finding::Severity::{self, Info};

/// A keyword row: one severity for requests (what clients send) and one for
/// responses (what clients read).
#[derive(Debug, Clone)]
pub struct SchemaRow {
    pub suffix: Cow<'static, str>,
    pub request: Severity,
    pub response: Severity,
    pub title: Cow<'static, str>,
    pub rationale: &'static str,
}

/// Declares keyword rules with a severity per direction.
macro_rules! schema_family {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($variant:ident = $id:literal, $request:ident, $response:ident, $title:literal, $why:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn row(self) -> SchemaRow {
                match self {
                    $($name::$variant => SchemaRow {
                        suffix: Cow::Borrowed($id),
                        request: Severity::$request,
                        response: Severity::$response,
                        title: Cow::Borrowed($title),
                        rationale: $why,
                    },)+
                }
            }
        }
    };
}

/// Where a schema sits: the prefix of its rule ids, whether the integration sends
/// it (request) or reads it (response), and the noun titles start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    RequestParameter,
    RequestParameterProperty,
    RequestBody,
    RequestProperty,
    ResponseBody,
    ResponseProperty,
    ResponseHeader,
    /// A property of an object-valued response header (`style: simple`).
    ResponseHeaderProperty,
    WebhookPayload,
    WebhookPayloadProperty,
    /// What the integration answers to a webhook: the vendor reads it.
    WebhookResponseBody,
    WebhookResponseProperty,
}

impl Subject {
    pub const ALL: &'static [Subject] = &[
        Subject::RequestParameter,
        Subject::RequestParameterProperty,
        Subject::RequestBody,
        Subject::RequestProperty,
        Subject::ResponseBody,
        Subject::ResponseProperty,
        Subject::ResponseHeader,
        Subject::ResponseHeaderProperty,
        Subject::WebhookPayload,
        Subject::WebhookPayloadProperty,
        Subject::WebhookResponseBody,
        Subject::WebhookResponseProperty,
    ];

    /// (id prefix, the integration sends it, noun).
    const fn parts(self) -> (&'static str, bool, &'static str) {
        match self {
            Subject::RequestParameter => ("request-parameter", true, "Request parameter"),
            Subject::RequestParameterProperty => (
                "request-parameter-property",
                true,
                "Request parameter property",
            ),
            Subject::RequestBody => ("request-body", true, "Request body"),
            Subject::RequestProperty => ("request-property", true, "Request property"),
            Subject::ResponseBody => ("response-body", false, "Response body"),
            Subject::ResponseProperty => ("response-property", false, "Response property"),
            Subject::ResponseHeader => ("response-header", false, "Response header"),
            Subject::ResponseHeaderProperty => (
                "response-header-property",
                false,
                "Response header property",
            ),
            Subject::WebhookPayload => ("webhook-payload", false, "Webhook payload"),
            Subject::WebhookPayloadProperty => (
                "webhook-payload-property",
                false,
                "Webhook payload property",
            ),
            Subject::WebhookResponseBody => {
                ("webhook-response-body", true, "Webhook response body")
            }
            Subject::WebhookResponseProperty => (
                "webhook-response-property",
                true,
                "Webhook response property",
            ),
        }
    }

    pub const fn prefix(self) -> &'static str {
        self.parts().0
    }

    /// Whether the integration sends what sits here (requests, and its answers to
    /// webhooks), rather than reads it.
    pub const fn is_request(self) -> bool {
        self.parts().1
    }
}

/// The subjects that are properties of an object: only they have property rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropertySubject {
    RequestParameterProperty,
    RequestProperty,
    ResponseProperty,
    ResponseHeaderProperty,
    WebhookPayloadProperty,
    WebhookResponseProperty,
}

impl PropertySubject {
    pub const ALL: &'static [PropertySubject] = &[
        PropertySubject::RequestParameterProperty,
        PropertySubject::RequestProperty,
        PropertySubject::ResponseProperty,
        PropertySubject::ResponseHeaderProperty,
        PropertySubject::WebhookPayloadProperty,
        PropertySubject::WebhookResponseProperty,
    ];

    /// The property subject `subject` is, if it is one.
    pub const fn of(subject: Subject) -> Option<PropertySubject> {
        Some(match subject {
            Subject::RequestParameterProperty => PropertySubject::RequestParameterProperty,
            Subject::RequestProperty => PropertySubject::RequestProperty,
            Subject::ResponseProperty => PropertySubject::ResponseProperty,
            Subject::ResponseHeaderProperty => PropertySubject::ResponseHeaderProperty,
            Subject::WebhookPayloadProperty => PropertySubject::WebhookPayloadProperty,
            Subject::WebhookResponseProperty => PropertySubject::WebhookResponseProperty,
            _ => return None,
        })
    }

    pub const fn subject(self) -> Subject {
        match self {
            PropertySubject::RequestParameterProperty => Subject::RequestParameterProperty,
            PropertySubject::RequestProperty => Subject::RequestProperty,
            PropertySubject::ResponseProperty => Subject::ResponseProperty,
            PropertySubject::ResponseHeaderProperty => Subject::ResponseHeaderProperty,
            PropertySubject::WebhookPayloadProperty => Subject::WebhookPayloadProperty,
            PropertySubject::WebhookResponseProperty => Subject::WebhookResponseProperty,
        }
    }
}

schema_family! {
    /// A keyword of a schema changed (any subject).
    pub enum SchemaRule {
        TypeChanged = "type-changed", Error, Error,
            "type changed",
            "Values of the old type are rejected (request) or misread (response).";
        TypeGeneralized = "type-generalized", Info, Error,
            "type widened",
            "Clients may now receive values of a type they do not parse.";
        TypeSpecialized = "type-specialized", Error, Info,
            "type narrowed",
            "Clients may send values of a type that is no longer accepted.";
        FormatChanged = "format-changed", Error, Error,
            "format changed",
            "The wire format of the value differs (e.g. date vs date-time).";
        FormatWidened = "format-widened", Info, Warning,
            "format widened",
            "A wider number (int32 to int64, float to double): requests keep working; clients storing it in the narrower type may overflow.";
        FormatNarrowed = "format-narrowed", Error, Info,
            "format narrowed",
            "A narrower number (int64 to int32, double to float): values valid before may be rejected.";
        FormatAdded = "format-added", Warning, Info,
            "format added",
            "Values that do not match the new format may be rejected.";
        FormatRemoved = "format-removed", Info, Warning,
            "format removed",
            "Clients can no longer rely on the value's format.";
        BecameNullable = "became-nullable", Info, Error,
            "became nullable",
            "Clients that read the value must now handle null.";
        BecameNotNullable = "became-not-nullable", Error, Info,
            "became not nullable",
            "Clients that send null are rejected.";
        EnumValueAdded = "enum-value-added", Info, Warning,
            "enum value added",
            "Clients that switch over the values meet one they do not know.";
        EnumValueRemoved = "enum-value-removed", Error, Info,
            "enum value removed",
            "Clients that send the removed value are rejected.";
        BecameEnum = "became-enum", Error, Info,
            "restricted to an enum",
            "Values outside the new list are rejected.";
        EnumRemoved = "enum-removed", Info, Warning,
            "no longer restricted to an enum",
            "Clients may receive values outside the old list.";
        XExtensibleEnumValueRemoved = "x-extensible-enum-value-removed", Error, Info,
            "x-extensible-enum value removed",
            "Clients that send the removed value are rejected.";
        PatternAdded = "pattern-added", Error, Info,
            "pattern added",
            "Values that do not match the pattern are rejected.";
        PatternChanged = "pattern-changed", Warning, Info,
            "pattern changed",
            "Values that matched the old pattern may not match the new one.";
        PatternNarrowed = "pattern-narrowed", Error, Info,
            "pattern narrowed",
            "A value the old pattern accepted (the message shows one) is now rejected.";
        PatternWidened = "pattern-widened", Info, Warning,
            "pattern widened",
            "Clients may receive values the old pattern ruled out (the message shows one).";
        PatternReshaped = "pattern-reshaped", Error, Warning,
            "pattern narrowed in some places and widened in others",
            "Some values accepted before are rejected, and some ruled out before may come.";
        PatternRemoved = "pattern-removed", Info, Warning,
            "pattern removed",
            "Clients can no longer rely on the value's shape.";
        UniqueItemsSet = "unique-items-set", Error, Info,
            "items must be unique",
            "Arrays with duplicates are rejected.";
        UniqueItemsRemoved = "unique-items-removed", Info, Warning,
            "items no longer unique",
            "Clients may receive duplicates.";
        DefaultValueChanged = "default-value-changed", Warning, Info,
            "default value changed",
            "Requests that omit the value now get different behaviour.";
        OneOfAdded = "one-of-added", Info, Error,
            "oneOf member added",
            "Clients receive a shape they do not handle.";
        OneOfRemoved = "one-of-removed", Error, Info,
            "oneOf member removed",
            "Requests of the removed shape are rejected.";
        AnyOfAdded = "any-of-added", Info, Error,
            "anyOf member added",
            "Clients receive a shape they do not handle.";
        MemberAddedAlreadyAccepted = "member-added-already-accepted", Info, Info,
            "oneOf/anyOf member added that the old schema already accepted",
            "Every value of the new member fits an old one (an open object with optional properties): nothing new to handle.";
        AnyOfRemoved = "any-of-removed", Error, Info,
            "anyOf member removed",
            "Requests of the removed shape are rejected.";
        AdditionalPropertiesRestricted = "additional-properties-restricted", Error, Info,
            "additional properties restricted",
            "Requests with extra properties are rejected.";
        AdditionalPropertiesAllowed = "additional-properties-allowed", Info, Warning,
            "additional properties allowed",
            "Clients may receive properties they do not know.";
        DiscriminatorChanged = "discriminator-changed", Warning, Warning,
            "discriminator changed",
            "Polymorphic values are told apart by a different property.";
        Deprecated = "deprecated", Info, Info,
            "deprecated",
            "It will go away; migrating early avoids an outage.";
        Reactivated = "reactivated", Info, Info,
            "no longer deprecated",
            "A deprecation was withdrawn.";
        MultipleOfChanged = "multiple-of-changed", Warning, Warning,
            "multipleOf changed",
            "Values valid before may no longer be.";
        AdditionalPropertiesUntyped = "additional-properties-schema-removed", Info, Error,
            "additional properties no longer typed",
            "Clients that read the extra properties as the old schema's type (a map of strings) may receive anything.";
        ConstAdded = "const-added", Error, Info,
            "const added",
            "Every other value is now rejected.";
        ConstRemoved = "const-removed", Info, Error,
            "const removed",
            "Clients that relied on the one value may now receive others.";
        ConstChanged = "const-changed", Error, Error,
            "const changed",
            "The one value allowed is another: requests sending the old one are rejected, and readers expecting it never see it again.";
        LimitBecameExclusive = "limit-became-exclusive", Error, Info,
            "limit became exclusive",
            "The limit itself is no longer allowed.";
        LimitBecameInclusive = "limit-became-inclusive", Info, Error,
            "limit became inclusive",
            "Clients may now receive the limit itself, which they were told never comes.";
        ContainsAdded = "contains-added", Error, Info,
            "contains added",
            "Arrays without a matching item are rejected.";
        ContainsRemoved = "contains-removed", Info, Error,
            "contains removed",
            "Clients can no longer count on an item of the promised kind being there.";
        IfAdded = "if-added", Error, Info,
            "if added",
            "A condition now switches further constraints on; values it selects may be rejected.";
        IfRemoved = "if-removed", Info, Error,
            "if removed",
            "The conditional guarantees no longer hold.";
        IfChanged = "if-changed", Error, Error,
            "if changed",
            "Values move between the then and else branches; apiwatch cannot tell which way, so it reports both directions.";
        ThenAdded = "then-added", Error, Info,
            "then added",
            "Values that meet the condition must now also match the then schema.";
        ThenRemoved = "then-removed", Info, Error,
            "then removed",
            "What values meeting the condition guaranteed no longer holds.";
        ElseAdded = "else-added", Error, Info,
            "else added",
            "Values that fail the condition must now match the else schema.";
        ElseRemoved = "else-removed", Info, Error,
            "else removed",
            "What values failing the condition guaranteed no longer holds.";
        NotAdded = "not-added", Error, Info,
            "not added",
            "Values that match the not schema are rejected.";
        NotRemoved = "not-removed", Info, Error,
            "not removed",
            "Values the not schema excluded may now come.";
        NotChanged = "not-changed", Error, Error,
            "not changed",
            "A change inside not inverts its direction; apiwatch cannot tell which values it now excludes, so it reports both directions.";
        PropertyNamesAdded = "property-names-added", Error, Info,
            "propertyNames added",
            "Objects with property names outside the new schema are rejected.";
        PropertyNamesRemoved = "property-names-removed", Info, Error,
            "propertyNames removed",
            "Clients may receive property names of any shape.";
        DependentRequiredAdded = "dependent-required-added", Error, Info,
            "dependentRequired added",
            "Requests that send the property without the ones it now requires are rejected.";
        DependentRequiredRemoved = "dependent-required-removed", Info, Error,
            "dependentRequired removed",
            "A property no longer guarantees its companions.";
        DependentSchemaAdded = "dependent-schema-added", Error, Info,
            "dependentSchemas entry added",
            "Objects with the property must now also match its schema.";
        DependentSchemaRemoved = "dependent-schema-removed", Info, Error,
            "dependentSchemas entry removed",
            "What the property's presence guaranteed no longer holds.";
        PatternPropertyAdded = "pattern-property-added", Error, Info,
            "patternProperties entry added",
            "Properties whose names match the pattern must now match its schema.";
        PatternPropertyRemoved = "pattern-property-removed", Info, Error,
            "patternProperties entry removed",
            "Properties whose names match the pattern may now hold anything.";
        PrefixItemsAdded = "prefix-items-added", Info, Error,
            "tuple position added",
            "Clients that read the array as a fixed tuple meet a position they do not know.";
        PrefixItemsRemoved = "prefix-items-removed", Error, Info,
            "tuple position removed",
            "Requests that send the old tuple carry a position the schema no longer describes.";
        ItemsClosed = "items-closed", Error, Info,
            "items past the tuple refused",
            "Arrays longer than the tuple are rejected.";
        ItemsOpened = "items-opened", Info, Error,
            "items past the tuple allowed",
            "Clients that read the array as a fixed-length tuple may receive more items.";
        UnevaluatedItemsAdded = "unevaluated-items-added", Error, Info,
            "unevaluatedItems restricted",
            "Items no other keyword describes are rejected (or must match the new schema).";
        UnevaluatedItemsRemoved = "unevaluated-items-removed", Info, Error,
            "unevaluatedItems relaxed",
            "Clients may receive items no keyword describes.";
        ContentSchemaAdded = "content-schema-added", Error, Info,
            "contentSchema added",
            "The decoded content of the string must now match a schema.";
        ContentSchemaRemoved = "content-schema-removed", Info, Error,
            "contentSchema removed",
            "Clients can no longer rely on what the string decodes to.";
        ContentChanged = "content-media-type-changed", Error, Error,
            "contentMediaType or contentEncoding changed",
            "The string carries another kind of content, or is encoded another way: both senders and readers must change.";
        StabilityDecreased = "stability-decreased", Error, Error,
            "x-stability-level decreased",
            "What was stable may now change without notice.";
        StabilityIncreased = "stability-increased", Info, Info,
            "x-stability-level increased",
            "The vendor now commits to keeping it stable.";
        AllOfAdded = "all-of-added", Error, Info,
            "allOf member added",
            "Every value must now also match the new member.";
        WrappedInOneOf = "wrapped-in-one-of", Error, Info,
            "wrapped in a oneOf",
            "oneOf accepts a value that matches exactly one member: one valid before that also fits a new member is rejected.";
    }
}

schema_family! {
    /// A property of an object changed (property subjects only).
    pub enum PropertyRule {
        AddedRequired = "property-added-required", Error, Info,
            "property added, required",
            "Existing requests do not send it and are rejected.";
        Added = "property-added", Info, Info,
            "property added, optional",
            "Existing clients keep working.";
        Removed = "property-removed", Warning, Error,
            "property removed",
            "Clients that read it (response) lose it; requests that send it may be rejected.";
        RemovedFromClosedObject = "property-removed-from-closed-object", Error, Error,
            "property removed from an object that allows no others",
            "Requests that still send it are rejected; clients that read it lose it.";
        RemovedOptional = "property-removed-optional", Warning, Warning,
            "property removed (it was optional)",
            "Clients written for the old spec already handle its absence, but lose what it carried.";
        RemovedAfterDeprecation = "property-removed-after-deprecation", Info, Warning,
            "property removed after deprecation",
            "It was announced, but clients that still read it lose it.";
        BecameRequired = "property-became-required", Error, Info,
            "property became required",
            "Requests that omit it are rejected.";
        BecameOptional = "property-became-optional", Info, Error,
            "property became optional",
            "Clients that read it must now handle its absence.";
        BecameReadOnly = "property-became-read-only", Warning, Info,
            "property became read-only",
            "Values clients send for it are now ignored or rejected.";
        BecameNotReadOnly = "property-became-not-read-only", Info, Info,
            "property no longer read-only",
            "Clients may now send it.";
        BecameWriteOnly = "property-became-write-only", Info, Error,
            "property became write-only",
            "It no longer appears in responses clients read.";
        BecameNotWriteOnly = "property-became-not-write-only", Info, Info,
            "property no longer write-only",
            "It now also appears in responses.";
        BecameWritableWhileRequired = "property-became-writable-required", Error, Info,
            "property no longer read-only, and required",
            "Clients never sent it; now every request must.";
    }
}

/// A numeric bound keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BoundKind {
    MaxLength,
    MinLength,
    Max,
    Min,
    ExclusiveMax,
    ExclusiveMin,
    MaxItems,
    MinItems,
    MaxProperties,
    MinProperties,
    MinContains,
    MaxContains,
}

impl BoundKind {
    pub const ALL: &'static [BoundKind] = &[
        BoundKind::MaxLength,
        BoundKind::MinLength,
        BoundKind::Max,
        BoundKind::Min,
        BoundKind::ExclusiveMax,
        BoundKind::ExclusiveMin,
        BoundKind::MaxItems,
        BoundKind::MinItems,
        BoundKind::MaxProperties,
        BoundKind::MinProperties,
        BoundKind::MinContains,
        BoundKind::MaxContains,
    ];

    /// (id slug, whether it is an upper bound).
    pub const fn parts(self) -> (&'static str, bool) {
        match self {
            BoundKind::MaxLength => ("max-length", true),
            BoundKind::MinLength => ("min-length", false),
            BoundKind::Max => ("max", true),
            BoundKind::Min => ("min", false),
            BoundKind::ExclusiveMax => ("exclusive-max", true),
            BoundKind::ExclusiveMin => ("exclusive-min", false),
            BoundKind::MaxItems => ("max-items", true),
            BoundKind::MinItems => ("min-items", false),
            BoundKind::MaxProperties => ("max-properties", true),
            BoundKind::MinProperties => ("min-properties", false),
            BoundKind::MinContains => ("min-contains", false),
            BoundKind::MaxContains => ("max-contains", true),
        }
    }

    /// Whether widening it in a response is a break, not a caution: a value range
    /// (readers size types and checks by it), a length or an item count a reader
    /// indexes by, or how many matching items an array holds.
    pub const fn widening_breaks_readers(self) -> bool {
        matches!(
            self,
            BoundKind::Max
                | BoundKind::Min
                | BoundKind::ExclusiveMax
                | BoundKind::ExclusiveMin
                | BoundKind::MaxLength
                | BoundKind::MinLength
                | BoundKind::MinItems
                | BoundKind::MinContains
                | BoundKind::MaxContains
        )
    }
}

/// How a bound moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BoundMove {
    Decreased,
    Increased,
    /// There was no bound; now there is one.
    Set,
    Removed,
}

impl BoundMove {
    pub const ALL: &'static [BoundMove] = &[
        BoundMove::Decreased,
        BoundMove::Increased,
        BoundMove::Set,
        BoundMove::Removed,
    ];
}

/// The row of a bound rule: an upper bound going down, or a lower bound going up,
/// narrows the values allowed.
pub fn bound_row(kind: BoundKind, moved: BoundMove) -> SchemaRow {
    use Severity::{Error, Warning};
    let (slug, upper) = kind.parts();
    let name = slug.replace('-', " ");
    let (word, request, response, rationale) = match (moved, upper) {
        (BoundMove::Decreased, true) | (BoundMove::Increased, false) => (
            if upper { "decreased" } else { "increased" },
            Error,
            Info,
            "Values valid before are now rejected (request).",
        ),
        (BoundMove::Increased, true) | (BoundMove::Decreased, false) => (
            if upper { "increased" } else { "decreased" },
            Info,
            if kind.widening_breaks_readers() {
                Error
            } else {
                Warning
            },
            "Clients may receive values outside the old range (response).",
        ),
        (BoundMove::Set, _) => (
            "set",
            Warning,
            Info,
            "A new limit may reject values that were accepted.",
        ),
        // A limit dropped is more often boilerplate leaving the spec (Stripe's
        // `maxLength: 5000` on every string) than a range that grew: a caution.
        (BoundMove::Removed, _) => (
            "removed",
            Info,
            // Counts of matching items are never boilerplate.
            if matches!(kind, BoundKind::MinContains | BoundKind::MaxContains) {
                Error
            } else {
                Warning
            },
            "Clients can no longer rely on the limit.",
        ),
    };
    SchemaRow {
        suffix: Cow::Owned(format!("{slug}-{word}")),
        request,
        response,
        title: Cow::Owned(format!("{name} {word}")),
        rationale,
    }
}

/// The catalog entry of a keyword row at a subject.
pub fn compose(subject: Subject, row: SchemaRow) -> RuleMeta {
    let (prefix, is_request, noun) = subject.parts();
    let (mut severity, other) = if is_request {
        (row.request, row.response)
    } else {
        (row.response, row.request)
    };
    // A parameter's default is what the server does for every call that leaves it
    // out, and most calls leave optional parameters out (a page size, a sort order).
    let parameter_default = subject == Subject::RequestParameter
        && row.suffix == SchemaRule::DefaultValueChanged.row().suffix;
    if parameter_default {
        severity = Severity::Error;
    }
    // The rationale explains the breaking direction; the other one says why not.
    let rationale = if severity == Info && other != Info {
        let side = if is_request { "requests" } else { "responses" };
        format!(
            "Harmless in {side}: it widens what clients may send or narrows what they may receive."
        )
    } else {
        row.rationale.to_owned()
    };
    // "Request property" + "property removed" reads "Request property removed".
    let (suffix, title) = match row
        .suffix
        .strip_prefix("property-")
        .filter(|_| row.title.starts_with("property "))
    {
        Some(rest) => (
            rest,
            row.title.strip_prefix("property ").unwrap_or(&row.title),
        ),
        None => (&*row.suffix, &*row.title),
    };
    RuleMeta {
        id: format!("{prefix}-{suffix}"),
        severity,
        title: format!("{noun} {title}"),
        rationale,
    }
}

rule_family! {
    /// A change to a property that cannot reach the client: read-only properties are
    /// never sent, write-only ones never returned.
    pub enum Hidden {
        RequestReadOnlyPropertyChanged = "request-read-only-property-changed", Info,
            "Read-only property changed in a request",
            "Clients do not send read-only properties, so the change does not reach them.";
        ResponseWriteOnlyPropertyChanged = "response-write-only-property-changed", Info,
            "Write-only property changed in a response",
            "Servers do not return write-only properties, so the change does not reach clients.";
    }
}
