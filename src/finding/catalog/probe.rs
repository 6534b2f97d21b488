//! Probe rules: what the operations a contract uses did when called on its embedded
//! sandbox, judged against the pinned spec.

use super::rule_family;

rule_family! {
    /// A call to an operation in use, made as the pinned spec allows, and what came back.
    pub enum Probe {
        RequestRejected = "probe-request-rejected", Error,
            "The vendor rejects a request the pinned spec allows",
            "The integration sends what the pinned spec describes; a vendor that now answers it with 4xx (a new required input, a removed operation) breaks it on the day it ships.";
        ResponseInvalid = "probe-response-invalid", Error,
            "The vendor's response breaks the pinned schema",
            "The integration reads responses as the pinned spec describes them: a field gone, a type changed, a value outside its enum fails the code that reads it.";
        StatusUndocumented = "probe-status-undocumented", Error,
            "The vendor answers with a status the pinned spec does not document",
            "Clients branch on status codes: a `202` where the pinned spec promises `201` takes the path no one wrote.";
        SandboxUnavailable = "probe-sandbox-unavailable", Warning,
            "The embedded sandbox could not run the probes",
            "Without the sandbox the operations in use were not called tonight: what the spec diff cannot see went unchecked.";
    }
}
