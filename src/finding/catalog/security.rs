//! Security rules: which credentials an operation accepts, how they are sent, and
//! which OAuth scopes it requires.

use super::rule_family;

rule_family! {
    /// A change to how an operation authenticates.
    pub enum Security {
        Added = "endpoint-security-added", Error,
            "Authentication now required",
            "Calls made without credentials are now refused.";
        Removed = "endpoint-security-removed", Info,
            "Authentication no longer required",
            "Calls with credentials keep working.";
        Replaced = "endpoint-security-replaced", Error,
            "Authentication replaced",
            "None of the credentials clients used before is accepted.";
        AlternativeAdded = "endpoint-security-alternative-added", Info,
            "Another way to authenticate accepted",
            "Existing credentials keep working.";
        AlternativeRemoved = "endpoint-security-alternative-removed", Warning,
            "A way to authenticate is no longer accepted",
            "Integrations authenticating that way are refused.";
        ScopeAdded = "endpoint-security-scope-added", Error,
            "OAuth scope newly required",
            "Existing tokens lack the scope; calls fail with 403 until re-consented.";
        SchemeChanged = "endpoint-security-scheme-changed", Error,
            "Security scheme changed",
            "Credentials must now be sent differently (another header, the query, another scheme); existing calls fail authentication.";
        ScopeRemoved = "endpoint-security-scope-removed", Info,
            "OAuth scope no longer required",
            "Existing tokens keep working.";
    }
}
