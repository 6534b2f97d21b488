//! Security: which credentials an operation accepts, how they are sent, and which
//! OAuth scopes it requires.

use crate::finding::catalog::{RuleId, Security};

fn id(rule: Security) -> RuleId {
    RuleId::Security(rule)
}

/// `first`: the base required no authentication. `replaced`: none of the base's
/// ways to authenticate is accepted any more.
pub fn requirement_added(first: bool, replaced: bool) -> RuleId {
    id(if first {
        Security::Added
    } else if replaced {
        Security::Replaced
    } else {
        Security::AlternativeAdded
    })
}

/// `last`: the revision requires no authentication at all.
pub fn requirement_removed(last: bool) -> RuleId {
    id(if last {
        Security::Removed
    } else {
        Security::AlternativeRemoved
    })
}

pub fn scheme_changed() -> RuleId {
    id(Security::SchemeChanged)
}

pub fn scope_added() -> RuleId {
    id(Security::ScopeAdded)
}

pub fn scope_removed() -> RuleId {
    id(Security::ScopeRemoved)
}
