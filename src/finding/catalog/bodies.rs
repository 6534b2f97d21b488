//! Body rules: request bodies, media types, response status codes and response
//! headers as wholes. What changes inside their schemas are schema rules.

use super::rule_family;

rule_family! {
    /// A change to a request body, media type, response or response header as a whole.
    pub enum Body {
        RequestBodyAddedRequired = "request-body-added-required", Error,
            "Required request body added",
            "Existing calls send no body and are rejected.";
        RequestBodyAdded = "request-body-added", Info,
            "Optional request body added",
            "Existing calls keep working.";
        RequestBodyRemoved = "request-body-removed", Error,
            "Request body removed",
            "The data existing calls send is now ignored or rejected.";
        RequestBodyPlaceholderRemoved = "request-body-placeholder-removed", Info,
            "Placeholder request body removed",
            "The body was optional and its schema held nothing (SendGrid's `{nullable: true}` on DELETE): no call sent data that now goes unread.";
        RequestBodyBecameRequired = "request-body-became-required", Error,
            "Request body became required",
            "Calls without a body are now rejected.";
        RequestBodyBecameOptional = "request-body-became-optional", Info,
            "Request body became optional",
            "Existing calls keep working.";
        RequestBodyMediaTypeAdded = "request-body-media-type-added", Info,
            "Request media type added",
            "Existing calls keep working.";
        RequestBodyMediaTypeRemoved = "request-body-media-type-removed", Error,
            "Request media type removed",
            "Calls sending that content type are rejected with 415.";
        ResponseSuccessStatusAdded = "response-success-status-added", Warning,
            "Success status added",
            "Clients that check for one exact success status mishandle the new one.";
        ResponseSuccessStatusRemoved = "response-success-status-removed", Error,
            "Success status removed",
            "Clients that expect it see a different status and may treat success as failure.";
        ResponseNonSuccessStatusAdded = "response-non-success-status-added", Info,
            "Error status added",
            "A new documented failure mode.";
        ResponseNonSuccessStatusRemoved = "response-non-success-status-removed", Info,
            "Error status removed",
            "A failure mode is no longer documented.";
        WebhookPayloadMediaTypeAdded = "webhook-payload-media-type-added", Warning,
            "Webhook payload media type added",
            "Receivers may now get a content type they do not parse.";
        WebhookPayloadMediaTypeRemoved = "webhook-payload-media-type-removed", Info,
            "Webhook payload media type removed",
            "Receivers get fewer content types than before.";
        WebhookResponseMediaTypeAdded = "webhook-response-media-type-added", Info,
            "Webhook response media type added",
            "The vendor accepts another answer format; existing answers keep working.";
        WebhookResponseMediaTypeRemoved = "webhook-response-media-type-removed", Error,
            "Webhook response media type removed",
            "Answers in that content type are no longer understood by the vendor.";
        RequestBodyMediaTypeRelabelled = "request-body-media-type-relabelled", Warning,
            "Request media type relabelled",
            "The same JSON under another media type: a server that checks Content-Type may refuse the old label with 415.";
        ResponseMediaTypeRelabelled = "response-media-type-relabelled", Info,
            "Response media type relabelled",
            "The same JSON under another media type: clients that parse JSON keep working.";
        WebhookPayloadMediaTypeRelabelled = "webhook-payload-media-type-relabelled", Info,
            "Webhook payload media type relabelled",
            "The same JSON under another media type: handlers that parse JSON keep working.";
        WebhookResponseMediaTypeRelabelled = "webhook-response-media-type-relabelled", Warning,
            "Webhook response media type relabelled",
            "The vendor now expects the answer under another media type and may refuse the old one.";
        ResponseMediaTypeAdded = "response-media-type-added", Info,
            "Response media type added",
            "Existing clients keep receiving what they asked for.";
        ResponseMediaTypeRemoved = "response-media-type-removed", Error,
            "Response media type removed",
            "Clients that parse that content type get something else.";
        ResponseHeaderAdded = "response-header-added", Info,
            "Response header added",
            "Existing clients ignore it.";
        ResponseHeaderRemoved = "response-header-removed", Error,
            "Required response header removed",
            "Clients that read it (rate limits, pagination, ids) lose it.";
        ResponseOptionalHeaderRemoved = "response-optional-header-removed", Warning,
            "Optional response header removed",
            "Clients that read it lose it.";
        ResponseHeaderBecameOptional = "response-header-became-optional", Error,
            "Response header became optional",
            "Clients that rely on it must now handle its absence.";
        ResponseHeaderBecameRequired = "response-header-became-required", Info,
            "Response header became required",
            "Clients can now rely on it.";
        WebhookPayloadBecameRequired = "webhook-payload-became-required", Info,
            "Webhook payload became required",
            "Every delivery now carries a payload; handlers keep working.";
        WebhookPayloadBecameOptional = "webhook-payload-became-optional", Error,
            "Webhook payload became optional",
            "Deliveries may now come without a payload, which handlers that parse it do not expect.";
    }
}
