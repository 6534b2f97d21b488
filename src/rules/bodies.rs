//! Bodies, media types, responses and response headers as wholes. What changes
//! inside their schemas is judged by `schema.rs`.

use crate::finding::catalog::{Body, RuleId};

fn id(rule: Body) -> RuleId {
    RuleId::Body(rule)
}

pub fn request_body_added(required: bool) -> RuleId {
    id(if required {
        Body::RequestBodyAddedRequired
    } else {
        Body::RequestBodyAdded
    })
}

pub fn request_body_removed(placeholder: bool) -> RuleId {
    id(if placeholder {
        Body::RequestBodyPlaceholderRemoved
    } else {
        Body::RequestBodyRemoved
    })
}

/// Which side a media type belongs to. For webhooks the vendor sends the payload
/// and reads the answer, so their media types have rules of their own.
pub fn media_type(added: bool, request: bool, webhook: bool) -> RuleId {
    id(match (request, webhook, added) {
        (true, false, true) => Body::RequestBodyMediaTypeAdded,
        (true, false, false) => Body::RequestBodyMediaTypeRemoved,
        (false, false, true) => Body::ResponseMediaTypeAdded,
        (false, false, false) => Body::ResponseMediaTypeRemoved,
        (true, true, true) => Body::WebhookPayloadMediaTypeAdded,
        (true, true, false) => Body::WebhookPayloadMediaTypeRemoved,
        (false, true, true) => Body::WebhookResponseMediaTypeAdded,
        (false, true, false) => Body::WebhookResponseMediaTypeRemoved,
    })
}

/// The same JSON under another media type.
pub fn media_type_relabelled(request: bool, webhook: bool) -> RuleId {
    id(match (request, webhook) {
        (true, false) => Body::RequestBodyMediaTypeRelabelled,
        (false, false) => Body::ResponseMediaTypeRelabelled,
        (true, true) => Body::WebhookPayloadMediaTypeRelabelled,
        (false, true) => Body::WebhookResponseMediaTypeRelabelled,
    })
}

pub fn response_added(status: &str) -> RuleId {
    id(if is_success(status) {
        Body::ResponseSuccessStatusAdded
    } else {
        Body::ResponseNonSuccessStatusAdded
    })
}

pub fn response_removed(status: &str) -> RuleId {
    id(if is_success(status) {
        Body::ResponseSuccessStatusRemoved
    } else {
        Body::ResponseNonSuccessStatusRemoved
    })
}

pub fn header_added() -> RuleId {
    id(Body::ResponseHeaderAdded)
}

pub fn header_removed(required: bool) -> RuleId {
    id(if required {
        Body::ResponseHeaderRemoved
    } else {
        Body::ResponseOptionalHeaderRemoved
    })
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}
