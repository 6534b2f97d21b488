//! Parameter rules: request parameters added, removed, made required or optional,
//! or serialised differently. Schema keywords of a parameter are schema rules.

use super::rule_family;

rule_family! {
    /// A change to a request parameter as a whole.
    pub enum Parameter {
        AddedRequired = "request-parameter-added-required", Error,
            "Required request parameter added",
            "Existing calls do not send it and are rejected.";
        Added = "request-parameter-added", Info,
            "Optional request parameter added",
            "Existing calls keep working.";
        Removed = "request-parameter-removed", Warning,
            "Request parameter removed",
            "Calls that send it may be rejected, or its effect silently lost.";
        RemovedAfterDeprecation = "request-parameter-removed-after-deprecation", Info,
            "Deprecated request parameter removed",
            "It was announced; calls that still send it lose its effect.";
        BecameRequired = "request-parameter-became-required", Error,
            "Request parameter became required",
            "Calls that omit it are now rejected.";
        BecameOptional = "request-parameter-became-optional", Info,
            "Request parameter became optional",
            "Existing calls keep working.";
        RequiredDefaultChanged = "request-parameter-required-default-changed", Info,
            "Default of a required parameter changed",
            "Every call sends a required parameter, so no call changes; a version-pin header's default moving is the new release, said once.";
        StyleChanged = "request-parameter-style-changed", Error,
            "Parameter serialisation changed",
            "Arrays and objects must be encoded differently on the wire.";
    }
}
