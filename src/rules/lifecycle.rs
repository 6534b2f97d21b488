//! Lifecycle: operations and webhooks appearing and going away, deprecations,
//! sunset dates, operationId renames and stability levels.

use crate::finding::catalog::{Lifecycle, RuleId};

fn id(rule: Lifecycle) -> RuleId {
    RuleId::Lifecycle(rule)
}

/// `webhook`: the operation is one the vendor calls (a webhook or callback).
pub fn added(webhook: bool) -> RuleId {
    id(if webhook {
        Lifecycle::WebhookAdded
    } else {
        Lifecycle::EndpointAdded
    })
}

/// A removal before an announced sunset date breaks a promise; after a
/// deprecation it was at least announced.
pub fn removed(webhook: bool, deprecated: bool, sunset: Option<&str>, today: &str) -> RuleId {
    if webhook {
        return id(Lifecycle::WebhookRemoved);
    }
    id(match sunset {
        Some(date) if is_iso_date(date) && date > today => Lifecycle::EndpointRemovedBeforeSunset,
        _ if deprecated => Lifecycle::EndpointRemovedAfterDeprecation,
        _ => Lifecycle::EndpointRemoved,
    })
}

pub fn deprecated(sunset: Option<&str>) -> RuleId {
    id(if sunset.is_some() {
        Lifecycle::EndpointDeprecatedWithSunset
    } else {
        Lifecycle::EndpointDeprecated
    })
}

pub fn base_path_changed() -> RuleId {
    id(Lifecycle::ServerBasePathChanged)
}

pub fn reactivated() -> RuleId {
    id(Lifecycle::EndpointReactivated)
}

pub fn sunset_changed(from: Option<&str>, to: Option<&str>) -> RuleId {
    id(match (from, to) {
        (None, _) => Lifecycle::EndpointSunsetAdded,
        (_, None) => Lifecycle::EndpointSunsetRemoved,
        (Some(a), Some(b)) if b < a => Lifecycle::EndpointSunsetMovedEarlier,
        _ => Lifecycle::EndpointSunsetMovedLater,
    })
}

pub fn operation_id_changed() -> RuleId {
    id(Lifecycle::EndpointOperationIdChanged)
}

/// The values of the `x-stability-level` convention.
pub const STABILITY_LEVELS: [&str; 4] = ["draft", "alpha", "beta", "stable"];

pub fn stability_changed(from: Option<&str>, to: Option<&str>) -> RuleId {
    if to.is_some_and(|t| !STABILITY_LEVELS.contains(&t)) {
        return id(Lifecycle::EndpointStabilityInvalid);
    }
    // Unmarked is stable; a level the convention does not have (reported as
    // invalid when it is the new one) counts as alpha.
    let rank = |s: Option<&str>| match s {
        None | Some("stable") => 4,
        Some("beta") => 3,
        Some("draft") => 1,
        Some(_) => 2,
    };
    id(if rank(to) < rank(from) {
        Lifecycle::EndpointStabilityDecreased
    } else {
        Lifecycle::EndpointStabilityIncreased
    })
}

fn is_iso_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}
