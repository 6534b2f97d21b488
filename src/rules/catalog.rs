//! The rule catalog: every rule id apiwatch can emit, with its default severity,
//! title and one-line rationale. It is data, not code: operation rules are listed
//! one by one; schema rules are a table of change kinds, each with a severity for
//! each direction, crossed with the subjects a schema can sit under. The direction
//! column is where request/response contravariance lives: narrowing what a client
//! may *send* breaks it, widening what a client must *read* breaks it.

use std::sync::LazyLock;

use super::Severity::{self, Error, Info, Warning};

/// One rule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub rationale: String,
}

/// Operation-, security- and lifecycle-level rules: (id, severity, title, rationale).
const OPERATION_RULES: &[(&str, Severity, &str, &str)] = &[
    (
        "endpoint-added",
        Info,
        "Operation added",
        "New operations break nobody; listed so upgrades can adopt them.",
    ),
    (
        "endpoint-removed",
        Error,
        "Operation removed without deprecation",
        "Every call to a removed operation fails, and nobody was warned.",
    ),
    (
        "endpoint-removed-after-deprecation",
        Warning,
        "Deprecated operation removed",
        "The vendor announced it, but an integration still calling it now fails.",
    ),
    (
        "endpoint-removed-before-sunset",
        Error,
        "Operation removed before its sunset date",
        "The vendor promised the operation until a date that has not come.",
    ),
    (
        "endpoint-deprecated",
        Warning,
        "Operation deprecated",
        "A deprecated operation will be removed; migrating early avoids an outage.",
    ),
    (
        "endpoint-deprecated-with-sunset",
        Warning,
        "Operation deprecated with a sunset date",
        "The date is when calls start failing; it belongs in the owners' plan.",
    ),
    (
        "endpoint-reactivated",
        Info,
        "Operation no longer deprecated",
        "A deprecation was withdrawn.",
    ),
    (
        "endpoint-sunset-added",
        Warning,
        "Sunset date set",
        "A removal date now exists for an operation.",
    ),
    (
        "endpoint-sunset-moved-earlier",
        Warning,
        "Sunset date moved earlier",
        "Less time to migrate than planned.",
    ),
    (
        "endpoint-sunset-moved-later",
        Info,
        "Sunset date moved later",
        "More time to migrate.",
    ),
    (
        "endpoint-sunset-removed",
        Info,
        "Sunset date removed",
        "The removal date was withdrawn.",
    ),
    (
        "endpoint-operation-id-changed",
        Info,
        "operationId changed",
        "Generated clients rename their methods; calls on the wire are unchanged.",
    ),
    (
        "endpoint-stability-decreased",
        Error,
        "Stability level decreased",
        "An operation that was stable may now change without notice.",
    ),
    (
        "endpoint-stability-increased",
        Info,
        "Stability level increased",
        "The vendor now commits to keeping the operation stable.",
    ),
    (
        "endpoint-security-added",
        Error,
        "Authentication now required",
        "Calls made without credentials are now refused.",
    ),
    (
        "endpoint-security-removed",
        Info,
        "Authentication no longer required",
        "Calls with credentials keep working.",
    ),
    (
        "endpoint-security-replaced",
        Error,
        "Authentication replaced",
        "None of the credentials clients used before is accepted.",
    ),
    (
        "endpoint-security-alternative-added",
        Info,
        "Another way to authenticate accepted",
        "Existing credentials keep working.",
    ),
    (
        "endpoint-security-alternative-removed",
        Warning,
        "A way to authenticate is no longer accepted",
        "Integrations authenticating that way are refused.",
    ),
    (
        "endpoint-security-scope-added",
        Error,
        "OAuth scope newly required",
        "Existing tokens lack the scope; calls fail with 403 until re-consented.",
    ),
    (
        "endpoint-security-scheme-changed",
        Error,
        "Security scheme changed",
        "Credentials must now be sent differently (another header, the query, another scheme); existing calls fail authentication.",
    ),
    (
        "endpoint-security-scope-removed",
        Info,
        "OAuth scope no longer required",
        "Existing tokens keep working.",
    ),
    (
        "request-parameter-added-required",
        Error,
        "Required request parameter added",
        "Existing calls do not send it and are rejected.",
    ),
    (
        "request-parameter-added",
        Info,
        "Optional request parameter added",
        "Existing calls keep working.",
    ),
    (
        "request-parameter-removed",
        Warning,
        "Request parameter removed",
        "Calls that send it may be rejected, or its effect silently lost.",
    ),
    (
        "request-parameter-removed-after-deprecation",
        Info,
        "Deprecated request parameter removed",
        "It was announced; calls that still send it lose its effect.",
    ),
    (
        "request-parameter-became-required",
        Error,
        "Request parameter became required",
        "Calls that omit it are now rejected.",
    ),
    (
        "request-parameter-became-optional",
        Info,
        "Request parameter became optional",
        "Existing calls keep working.",
    ),
    (
        "request-parameter-style-changed",
        Error,
        "Parameter serialisation changed",
        "Arrays and objects must be encoded differently on the wire.",
    ),
    (
        "request-body-added-required",
        Error,
        "Required request body added",
        "Existing calls send no body and are rejected.",
    ),
    (
        "request-body-added",
        Info,
        "Optional request body added",
        "Existing calls keep working.",
    ),
    (
        "request-body-removed",
        Warning,
        "Request body removed",
        "The data existing calls send is now ignored or rejected.",
    ),
    (
        "request-body-became-required",
        Error,
        "Request body became required",
        "Calls without a body are now rejected.",
    ),
    (
        "request-body-became-optional",
        Info,
        "Request body became optional",
        "Existing calls keep working.",
    ),
    (
        "request-body-media-type-added",
        Info,
        "Request media type added",
        "Existing calls keep working.",
    ),
    (
        "request-body-media-type-removed",
        Error,
        "Request media type removed",
        "Calls sending that content type are rejected with 415.",
    ),
    (
        "response-success-status-added",
        Warning,
        "Success status added",
        "Clients that check for one exact success status mishandle the new one.",
    ),
    (
        "response-success-status-removed",
        Error,
        "Success status removed",
        "Clients that expect it see a different status and may treat success as failure.",
    ),
    (
        "response-non-success-status-added",
        Info,
        "Error status added",
        "A new documented failure mode.",
    ),
    (
        "response-non-success-status-removed",
        Info,
        "Error status removed",
        "A failure mode is no longer documented.",
    ),
    (
        "webhook-payload-media-type-added",
        Warning,
        "Webhook payload media type added",
        "Receivers may now get a content type they do not parse.",
    ),
    (
        "webhook-payload-media-type-removed",
        Info,
        "Webhook payload media type removed",
        "Receivers get fewer content types than before.",
    ),
    (
        "webhook-response-media-type-added",
        Info,
        "Webhook response media type added",
        "The vendor accepts another answer format; existing answers keep working.",
    ),
    (
        "webhook-response-media-type-removed",
        Error,
        "Webhook response media type removed",
        "Answers in that content type are no longer understood by the vendor.",
    ),
    (
        "response-media-type-added",
        Info,
        "Response media type added",
        "Existing clients keep receiving what they asked for.",
    ),
    (
        "response-media-type-removed",
        Error,
        "Response media type removed",
        "Clients that parse that content type get something else.",
    ),
    (
        "response-header-added",
        Info,
        "Response header added",
        "Existing clients ignore it.",
    ),
    (
        "response-header-removed",
        Error,
        "Required response header removed",
        "Clients that read it (rate limits, pagination, ids) lose it.",
    ),
    (
        "response-optional-header-removed",
        Warning,
        "Optional response header removed",
        "Clients that read it lose it.",
    ),
    (
        "response-header-became-optional",
        Error,
        "Response header became optional",
        "Clients that rely on it must now handle its absence.",
    ),
    (
        "response-header-became-required",
        Info,
        "Response header became required",
        "Clients can now rely on it.",
    ),
    (
        "request-read-only-property-changed",
        Info,
        "Read-only property changed in a request",
        "Clients do not send read-only properties, so the change does not reach them.",
    ),
    (
        "response-write-only-property-changed",
        Info,
        "Write-only property changed in a response",
        "Servers do not return write-only properties, so the change does not reach clients.",
    ),
    (
        "webhook-added",
        Info,
        "Webhook or callback added",
        "A new event the vendor can send.",
    ),
    (
        "webhook-removed",
        Error,
        "Webhook or callback removed",
        "Events the integration listens for stop arriving.",
    ),
];

/// Schema change kinds: (suffix, request severity, response severity, title, rationale).
const SCHEMA_CHANGES: &[(&str, Severity, Severity, &str, &str)] = &[
    (
        "type-changed",
        Error,
        Error,
        "type changed",
        "Values of the old type are rejected (request) or misread (response).",
    ),
    (
        "type-generalized",
        Info,
        Error,
        "type widened",
        "Clients may now receive values of a type they do not parse.",
    ),
    (
        "type-specialized",
        Error,
        Info,
        "type narrowed",
        "Clients may send values of a type that is no longer accepted.",
    ),
    (
        "format-changed",
        Error,
        Error,
        "format changed",
        "The wire format of the value differs (e.g. date vs date-time).",
    ),
    (
        "format-widened",
        Info,
        Warning,
        "format widened",
        "A wider number (int32 to int64, float to double): requests keep working; clients storing it in the narrower type may overflow.",
    ),
    (
        "format-narrowed",
        Error,
        Info,
        "format narrowed",
        "A narrower number (int64 to int32, double to float): values valid before may be rejected.",
    ),
    (
        "format-added",
        Warning,
        Info,
        "format added",
        "Values that do not match the new format may be rejected.",
    ),
    (
        "format-removed",
        Info,
        Warning,
        "format removed",
        "Clients can no longer rely on the value's format.",
    ),
    (
        "became-nullable",
        Info,
        Error,
        "became nullable",
        "Clients that read the value must now handle null.",
    ),
    (
        "became-not-nullable",
        Error,
        Info,
        "became not nullable",
        "Clients that send null are rejected.",
    ),
    (
        "enum-value-added",
        Info,
        Warning,
        "enum value added",
        "Clients that switch over the values meet one they do not know.",
    ),
    (
        "enum-value-removed",
        Error,
        Info,
        "enum value removed",
        "Clients that send the removed value are rejected.",
    ),
    (
        "became-enum",
        Error,
        Info,
        "restricted to an enum",
        "Values outside the new list are rejected.",
    ),
    (
        "enum-removed",
        Info,
        Warning,
        "no longer restricted to an enum",
        "Clients may receive values outside the old list.",
    ),
    (
        "x-extensible-enum-value-removed",
        Error,
        Info,
        "x-extensible-enum value removed",
        "Clients that send the removed value are rejected.",
    ),
    (
        "pattern-added",
        Error,
        Info,
        "pattern added",
        "Values that do not match the pattern are rejected.",
    ),
    (
        "pattern-changed",
        Warning,
        Info,
        "pattern changed",
        "Values that matched the old pattern may not match the new one.",
    ),
    (
        "pattern-removed",
        Info,
        Warning,
        "pattern removed",
        "Clients can no longer rely on the value's shape.",
    ),
    (
        "unique-items-set",
        Error,
        Info,
        "items must be unique",
        "Arrays with duplicates are rejected.",
    ),
    (
        "unique-items-removed",
        Info,
        Warning,
        "items no longer unique",
        "Clients may receive duplicates.",
    ),
    (
        "property-added-required",
        Error,
        Info,
        "property added, required",
        "Existing requests do not send it and are rejected.",
    ),
    (
        "property-added",
        Info,
        Info,
        "property added, optional",
        "Existing clients keep working.",
    ),
    (
        "property-removed",
        Warning,
        Error,
        "property removed",
        "Clients that read it (response) lose it; requests that send it may be rejected.",
    ),
    (
        "property-removed-from-closed-object",
        Error,
        Error,
        "property removed from an object that allows no others",
        "Requests that still send it are rejected; clients that read it lose it.",
    ),
    (
        "property-removed-after-deprecation",
        Info,
        Warning,
        "property removed after deprecation",
        "It was announced, but clients that still read it lose it.",
    ),
    (
        "property-became-required",
        Error,
        Info,
        "property became required",
        "Requests that omit it are rejected.",
    ),
    (
        "property-became-optional",
        Info,
        Error,
        "property became optional",
        "Clients that read it must now handle its absence.",
    ),
    (
        "property-became-read-only",
        Warning,
        Info,
        "property became read-only",
        "Values clients send for it are now ignored or rejected.",
    ),
    (
        "property-became-not-read-only",
        Info,
        Info,
        "property no longer read-only",
        "Clients may now send it.",
    ),
    (
        "property-became-write-only",
        Info,
        Error,
        "property became write-only",
        "It no longer appears in responses clients read.",
    ),
    (
        "property-became-not-write-only",
        Info,
        Info,
        "property no longer write-only",
        "It now also appears in responses.",
    ),
    (
        "default-value-changed",
        Warning,
        Info,
        "default value changed",
        "Requests that omit the value now get different behaviour.",
    ),
    (
        "one-of-added",
        Info,
        Warning,
        "oneOf member added",
        "Clients receive a shape they do not handle.",
    ),
    (
        "one-of-removed",
        Error,
        Info,
        "oneOf member removed",
        "Requests of the removed shape are rejected.",
    ),
    (
        "any-of-added",
        Info,
        Warning,
        "anyOf member added",
        "Clients receive a shape they do not handle.",
    ),
    (
        "any-of-removed",
        Error,
        Info,
        "anyOf member removed",
        "Requests of the removed shape are rejected.",
    ),
    (
        "additional-properties-restricted",
        Error,
        Info,
        "additional properties restricted",
        "Requests with extra properties are rejected.",
    ),
    (
        "additional-properties-allowed",
        Info,
        Warning,
        "additional properties allowed",
        "Clients may receive properties they do not know.",
    ),
    (
        "discriminator-changed",
        Warning,
        Warning,
        "discriminator changed",
        "Polymorphic values are told apart by a different property.",
    ),
    (
        "deprecated",
        Info,
        Info,
        "deprecated",
        "It will go away; migrating early avoids an outage.",
    ),
    (
        "reactivated",
        Info,
        Info,
        "no longer deprecated",
        "A deprecation was withdrawn.",
    ),
];

/// Numeric bounds get four rules each; `upper` says which direction narrows.
const BOUNDS: &[(&str, bool)] = &[
    ("max-length", true),
    ("min-length", false),
    ("max", true),
    ("min", false),
    ("exclusive-max", true),
    ("exclusive-min", false),
    ("max-items", true),
    ("min-items", false),
    ("max-properties", true),
    ("min-properties", false),
];

/// Subjects a schema change can sit under: (prefix, direction is request, noun).
pub const SUBJECTS: &[(&str, bool, &str)] = &[
    ("request-parameter", true, "Request parameter"),
    (
        "request-parameter-property",
        true,
        "Request parameter property",
    ),
    ("request-body", true, "Request body"),
    ("request-property", true, "Request property"),
    ("response-body", false, "Response body"),
    ("response-property", false, "Response property"),
    ("response-header", false, "Response header"),
    ("webhook-payload", false, "Webhook payload"),
    (
        "webhook-payload-property",
        false,
        "Webhook payload property",
    ),
    // What the integration answers to a webhook: the vendor reads it.
    ("webhook-response-body", true, "Webhook response body"),
    (
        "webhook-response-property",
        true,
        "Webhook response property",
    ),
];

/// Whether a schema change suffix applies to a subject (properties only exist
/// on object-valued subjects; a header cannot gain a property).
fn applies(subject: &str, suffix: &str) -> bool {
    !suffix.starts_with("property-") || subject.ends_with("-property")
}

/// The id of a schema rule: property rows drop their `property-` marker, because
/// their subject already says "property" (`response-property-removed`).
pub fn schema_rule_id(subject: &str, suffix: &str) -> String {
    format!(
        "{subject}-{}",
        suffix.strip_prefix("property-").unwrap_or(suffix)
    )
}

fn bound_rows() -> Vec<(String, Severity, Severity, String, String)> {
    let mut rows = Vec::new();
    for (slug, upper) in BOUNDS {
        let name = slug.replace('-', " ");
        // An upper bound going down, or a lower bound going up, narrows.
        let (narrow, widen) = if *upper {
            ("decreased", "increased")
        } else {
            ("increased", "decreased")
        };
        rows.push((
            format!("{slug}-{narrow}"),
            Error,
            Info,
            format!("{name} {narrow}"),
            "Values valid before are now rejected (request).".to_owned(),
        ));
        rows.push((
            format!("{slug}-{widen}"),
            Info,
            Warning,
            format!("{name} {widen}"),
            "Clients may receive values outside the old range (response).".to_owned(),
        ));
        rows.push((
            format!("{slug}-set"),
            Warning,
            Info,
            format!("{name} set"),
            "A new limit may reject values that were accepted.".to_owned(),
        ));
        rows.push((
            format!("{slug}-removed"),
            Info,
            Warning,
            format!("{name} removed"),
            "Clients can no longer rely on the limit.".to_owned(),
        ));
    }
    rows.push((
        "multiple-of-changed".to_owned(),
        Warning,
        Warning,
        "multipleOf changed".to_owned(),
        "Values valid before may no longer be.".to_owned(),
    ));
    rows
}

/// Every rule, sorted by id.
pub static CATALOG: LazyLock<Vec<RuleMeta>> = LazyLock::new(|| {
    let mut rules: Vec<RuleMeta> = OPERATION_RULES
        .iter()
        .map(|(id, severity, title, rationale)| RuleMeta {
            id: (*id).to_owned(),
            severity: *severity,
            title: (*title).to_owned(),
            rationale: (*rationale).to_owned(),
        })
        .collect();
    let mut rows: Vec<(String, Severity, Severity, String, String)> = SCHEMA_CHANGES
        .iter()
        .map(|(s, q, r, t, why)| ((*s).to_owned(), *q, *r, (*t).to_owned(), (*why).to_owned()))
        .collect();
    rows.extend(bound_rows());
    for (subject, is_request, noun) in SUBJECTS {
        for (suffix, req, resp, title, why) in &rows {
            if !applies(subject, suffix) {
                continue;
            }
            let (severity, other) = if *is_request {
                (*req, *resp)
            } else {
                (*resp, *req)
            };
            // The rationale explains the breaking direction; the other one says why not.
            let rationale = if severity == Info && other != Info {
                let side = if *is_request { "requests" } else { "responses" };
                format!(
                    "Harmless in {side}: it widens what clients may send or narrows what they may receive."
                )
            } else {
                why.clone()
            };
            // "Request property" + "property removed" reads "Request property removed".
            let title = match suffix.strip_prefix("property-") {
                Some(_) => title.strip_prefix("property ").unwrap_or(title),
                None => title,
            };
            rules.push(RuleMeta {
                id: schema_rule_id(subject, suffix),
                severity,
                title: format!("{noun} {title}"),
                rationale,
            });
        }
    }
    rules.extend(
        crate::rules::EXTRA_RULES
            .iter()
            .map(|(id, severity, title, rationale)| RuleMeta {
                id: (*id).to_owned(),
                severity: *severity,
                title: (*title).to_owned(),
                rationale: (*rationale).to_owned(),
            }),
    );
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    rules
});

/// Positions in [`CATALOG`] by id: judging looks a rule up for every finding.
static BY_ID: LazyLock<std::collections::HashMap<&'static str, usize>> = LazyLock::new(|| {
    CATALOG
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect()
});

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    BY_ID.get(id).map(|&i| &CATALOG[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_many() {
        let ids: Vec<&str> = CATALOG.iter().map(|r| r.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert!(ids.iter().all(|id| {
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }));
        assert!(ids.len() >= 300, "{} rules", ids.len());
    }

    #[test]
    fn contravariance_holds_for_narrowing_rules() {
        assert_eq!(
            rule("request-property-enum-value-removed").map(|r| r.severity),
            Some(Error)
        );
        assert_eq!(
            rule("response-property-enum-value-removed").map(|r| r.severity),
            Some(Info)
        );
        assert_eq!(
            rule("request-parameter-max-length-decreased").map(|r| r.severity),
            Some(Error)
        );
        assert_eq!(
            rule("response-property-became-nullable").map(|r| r.severity),
            Some(Error)
        );
        assert_eq!(
            rule("request-property-became-nullable").map(|r| r.severity),
            Some(Info)
        );
        assert!(
            rule("response-header-became-read-only").is_none(),
            "leaf subjects have no property rules"
        );
        assert_eq!(
            rule("response-property-removed").map(|r| r.severity),
            Some(Error)
        );
        assert_eq!(
            rule("request-property-added-required").map(|r| r.severity),
            Some(Error)
        );
    }
}
