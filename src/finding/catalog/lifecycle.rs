//! Lifecycle rules: operations and webhooks appearing, going away, deprecated,
//! given or relieved of a sunset date, renamed, or changing stability.

use super::rule_family;

rule_family! {
    /// A change to an operation's (or webhook's) existence, deprecation, sunset or stability.
    pub enum Lifecycle {
        EndpointAdded = "endpoint-added", Info,
            "Operation added",
            "New operations break nobody; listed so upgrades can adopt them.";
        EndpointRemoved = "endpoint-removed", Error,
            "Operation removed without deprecation",
            "Every call to a removed operation fails, and nobody was warned.";
        EndpointRemovedAfterDeprecation = "endpoint-removed-after-deprecation", Warning,
            "Deprecated operation removed",
            "The vendor announced it, but an integration still calling it now fails.";
        EndpointRemovedBeforeSunset = "endpoint-removed-before-sunset", Error,
            "Operation removed before its sunset date",
            "The vendor promised the operation until a date that has not come.";
        EndpointDeprecated = "endpoint-deprecated", Warning,
            "Operation deprecated",
            "A deprecated operation will be removed; migrating early avoids an outage.";
        EndpointDeprecatedWithSunset = "endpoint-deprecated-with-sunset", Warning,
            "Operation deprecated with a sunset date",
            "The date is when calls start failing; it belongs in the owners' plan.";
        EndpointReactivated = "endpoint-reactivated", Info,
            "Operation no longer deprecated",
            "A deprecation was withdrawn.";
        EndpointSunsetAdded = "endpoint-sunset-added", Warning,
            "Sunset date set",
            "A removal date now exists for an operation.";
        EndpointSunsetMovedEarlier = "endpoint-sunset-moved-earlier", Warning,
            "Sunset date moved earlier",
            "Less time to migrate than planned.";
        EndpointSunsetMovedLater = "endpoint-sunset-moved-later", Info,
            "Sunset date moved later",
            "More time to migrate.";
        EndpointSunsetRemoved = "endpoint-sunset-removed", Info,
            "Sunset date removed",
            "The removal date was withdrawn.";
        EndpointOperationIdChanged = "endpoint-operation-id-changed", Info,
            "operationId changed",
            "Generated clients rename their methods; calls on the wire are unchanged.";
        EndpointStabilityDecreased = "endpoint-stability-decreased", Error,
            "Stability level decreased",
            "An operation that was stable may now change without notice.";
        EndpointStabilityInvalid = "endpoint-stability-invalid", Error,
            "Stability level is not a known value",
            "`x-stability-level` is one of draft, alpha, beta and stable; with another value nobody can tell whether the operation may change without notice.";
        EndpointStabilityIncreased = "endpoint-stability-increased", Info,
            "Stability level increased",
            "The vendor now commits to keeping the operation stable.";
        ServerBasePathChanged = "server-base-path-changed", Warning,
            "The API's base path changed",
            "Operations are paired across it, but clients that build URLs from the old base path call the old one; check the vendor still serves it.";
        WebhookAdded = "webhook-added", Info,
            "Webhook or callback added",
            "A new event the vendor can send.";
        WebhookRemoved = "webhook-removed", Error,
            "Webhook or callback removed",
            "Events the integration listens for stop arriving.";
    }
}
