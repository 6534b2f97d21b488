//! Live rules: what a contract's tests saw when they called the vendor's sandbox
//! (or the embedded one), judged against the pinned spec.

use super::rule_family;

rule_family! {
    /// A call made by a contract test, and what came back.
    pub enum Live {
        StatusUndocumented = "sandbox-status-undocumented", Error,
            "The sandbox answers with a status the pinned spec does not document",
            "Clients branch on status codes: a `202` where the pinned spec promises `201` takes the path no one wrote.";
        StatusUnexpected = "sandbox-status-unexpected", Error,
            "The sandbox answers a test step with another status than the case expects",
            "A request the integration sends as the pinned spec allows, answered `4xx`, is a new required input or a removed operation: it breaks the day it ships.";
        SchemaViolation = "sandbox-schema-violation", Error,
            "A response body breaks the pinned response schema",
            "The integration reads responses as the pinned spec describes them: a type changed or a value outside its enum fails the code that reads it.";
        FieldMissing = "sandbox-field-missing", Error,
            "A response field the integration relies on is missing or null",
            "A field the sync maps (an email, a consent flag, an id) that quietly goes missing corrupts records without a single error.";
        ContentType = "sandbox-content-type", Error,
            "A response has a media type the pinned spec does not document",
            "A JSON reader handed HTML (a login page, a gateway error) fails, or worse, stores it.";
        HeaderMissing = "sandbox-header-missing", Warning,
            "A response lacks a header the pinned spec marks required",
            "Pagination cursors, rate-limit counters and request ids read from headers stop working when a header goes.";
        SunsetHeader = "sandbox-sunset-header", Warning,
            "The sandbox announces the operation's end (`Sunset`)",
            "A `Sunset` header (RFC 8594) is the vendor's own date for turning the operation off, often weeks before any changelog says so.";
        DeprecationHeader = "sandbox-deprecation-header", Warning,
            "The sandbox marks the operation deprecated (`Deprecation`, `Warning: 299`, `Link`)",
            "A deprecation signal on a live response is the first notice that a replacement must be planned.";
        AuthFailed = "sandbox-auth-failed", Error,
            "The sandbox refuses the contract's credentials",
            "Calls that cannot authenticate test nothing; in production the same failure stops the sync.";
        CredentialsExpired = "sandbox-credentials-expired", Error,
            "The stored refresh token is expired or revoked (`invalid_grant`)",
            "Credentials that need renewal are the most common cause of a dead marketing sync; only a person can renew them.";
        CredentialsRotated = "sandbox-credentials-rotated", Warning,
            "The vendor issued a new refresh token (rotation): the stored secret is going stale",
            "apiwatch uses the new refresh token for the rest of the run but never writes secrets; once the vendor retires the old one, the next run cannot authenticate.";
        RateLimited = "sandbox-rate-limited", Warning,
            "The sandbox kept answering 429/503 past the retries",
            "A rate limit the tests cannot get through is one the nightly sync and the opt-out job share.";
        BudgetExhausted = "sandbox-budget-exhausted", Warning,
            "The contract's request budget ran out before every case ran",
            "Cases that did not run checked nothing tonight; compliance-critical cases run first so they are never the ones skipped.";
        Unreachable = "sandbox-unreachable", Warning,
            "The sandbox could not be reached or started",
            "Without the sandbox the operations in use were not called tonight: what the spec diff cannot see went unchecked.";
        Slow = "sandbox-slow", Warning,
            "A response took longer than the contract's threshold",
            "A slow operation stretches the nightly sync past its window and trips client timeouts.";
        ProductionRefused = "sandbox-production-refused", Error,
            "The sandbox URL is one of the spec's production servers",
            "Tests create and delete records: they run against production only when the contract says `allow_production = true`.";
        CasesInvalid = "sandbox-cases-invalid", Error,
            "The contract's test cases cannot be read",
            "A case file that does not parse, or names an operation the pinned spec lacks, runs no test at all.";
    }
}
