//! The rule registry: every rule apiwatch can report, as a typed [`RuleId`].
//!
//! A rule id is a value of a small enum per rule family (lifecycle, security,
//! parameters, bodies, schema keywords, changelog, source), each declared in its
//! own file with its rows: kebab-case id, default severity, title and one-sentence
//! rationale. Schema rules are a product — a [`Subject`] (where the schema sits and
//! so which way data flows) times a keyword rule — so their ids, severities and
//! titles are composed here from the two rows, and request/response contravariance
//! lives in one place: narrowing what a client sends breaks it, widening what it
//! reads breaks it.
//!
//! Because classifiers return a `RuleId` and [`RuleId::all`] enumerates every value
//! of the type, a rule cannot be produced without being declared, and a declared
//! rule cannot lack its severity, title or rationale. The registry sits at the
//! bottom of the crate (it depends on nothing but [`Severity`]) so that the contract
//! loader can validate `[policy] severity` keys without knowing about the diff.

mod bodies;
mod changelog;
mod lifecycle;
mod live;
mod parameters;
mod schema;
mod security;
mod source;
mod webhook;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use bodies::Body;
pub use changelog::Changelog;
pub use lifecycle::Lifecycle;
pub use live::Live;
pub use parameters::Parameter;
pub use schema::{
    BoundKind, BoundMove, Hidden, PropertyRule, PropertySubject, SchemaRule, Subject,
};
pub use security::Security;
pub use source::Source;
pub use webhook::Hook;

use super::Severity;

/// One row of a rule family: what the catalog says about a rule.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub rationale: &'static str,
}

/// Declares a rule family: a fieldless enum whose variants each carry a catalog row.
macro_rules! rule_family {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $id:literal, $severity:ident, $title:literal, $why:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every rule of the family, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The rule's catalog row.
            pub const fn row(self) -> $crate::finding::catalog::Row {
                match self {
                    $($name::$variant => $crate::finding::catalog::Row {
                        id: $id,
                        severity: $crate::finding::Severity::$severity,
                        title: $title,
                        rationale: $why,
                    },)+
                }
            }
        }
    };
}
pub(crate) use rule_family;

/// A rule, typed. Its kebab-case id ([`RuleId::as_str`]) is what reports, contract
/// files and fingerprints use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    Lifecycle(Lifecycle),
    Security(Security),
    Parameter(Parameter),
    Body(Body),
    /// A keyword of the schema at a subject (`response-property-became-nullable`).
    Schema(Subject, SchemaRule),
    /// A numeric bound of the schema at a subject (`request-property-max-length-decreased`).
    Bound(Subject, BoundKind, BoundMove),
    /// A property of an object-valued subject (`response-property-removed`).
    Property(PropertySubject, PropertyRule),
    /// A change to a property that cannot reach the client in that direction.
    Hidden(Hidden),
    Changelog(Changelog),
    Source(Source),
    Live(Live),
    Hook(Hook),
}

/// What the catalog says about one rule, ready to print.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub rationale: String,
}

impl RuleId {
    /// Every rule there is, in registry order ([`RuleId::dense`] is the position).
    pub fn all() -> Vec<RuleId> {
        let mut out = Vec::with_capacity(1024);
        out.extend(Lifecycle::ALL.iter().map(|&r| RuleId::Lifecycle(r)));
        out.extend(Security::ALL.iter().map(|&r| RuleId::Security(r)));
        out.extend(Parameter::ALL.iter().map(|&r| RuleId::Parameter(r)));
        out.extend(Body::ALL.iter().map(|&r| RuleId::Body(r)));
        for &subject in Subject::ALL {
            out.extend(SchemaRule::ALL.iter().map(|&r| RuleId::Schema(subject, r)));
        }
        for &subject in Subject::ALL {
            for &kind in BoundKind::ALL {
                out.extend(
                    BoundMove::ALL
                        .iter()
                        .map(|&m| RuleId::Bound(subject, kind, m)),
                );
            }
        }
        for &subject in PropertySubject::ALL {
            out.extend(
                PropertyRule::ALL
                    .iter()
                    .map(|&r| RuleId::Property(subject, r)),
            );
        }
        out.extend(Hidden::ALL.iter().map(|&r| RuleId::Hidden(r)));
        out.extend(Changelog::ALL.iter().map(|&r| RuleId::Changelog(r)));
        out.extend(Source::ALL.iter().map(|&r| RuleId::Source(r)));
        out.extend(Live::ALL.iter().map(|&r| RuleId::Live(r)));
        out.extend(Hook::ALL.iter().map(|&r| RuleId::Hook(r)));
        out
    }

    /// The rule's position in [`RuleId::all`], computed without searching.
    fn dense(self) -> usize {
        let sizes = [
            Lifecycle::ALL.len(),
            Security::ALL.len(),
            Parameter::ALL.len(),
            Body::ALL.len(),
            Subject::ALL.len() * SchemaRule::ALL.len(),
            Subject::ALL.len() * BoundKind::ALL.len() * BoundMove::ALL.len(),
            PropertySubject::ALL.len() * PropertyRule::ALL.len(),
            Hidden::ALL.len(),
            Changelog::ALL.len(),
            Source::ALL.len(),
            Live::ALL.len(),
        ];
        let before = |family: usize| sizes[..family].iter().sum::<usize>();
        match self {
            RuleId::Lifecycle(r) => r as usize,
            RuleId::Security(r) => before(1) + r as usize,
            RuleId::Parameter(r) => before(2) + r as usize,
            RuleId::Body(r) => before(3) + r as usize,
            RuleId::Schema(s, r) => before(4) + s as usize * SchemaRule::ALL.len() + r as usize,
            RuleId::Bound(s, k, m) => {
                before(5)
                    + (s as usize * BoundKind::ALL.len() + k as usize) * BoundMove::ALL.len()
                    + m as usize
            }
            RuleId::Property(s, r) => before(6) + s as usize * PropertyRule::ALL.len() + r as usize,
            RuleId::Hidden(r) => before(7) + r as usize,
            RuleId::Changelog(r) => before(8) + r as usize,
            RuleId::Source(r) => before(9) + r as usize,
            RuleId::Live(r) => before(10) + r as usize,
            RuleId::Hook(r) => before(11) + r as usize,
        }
    }

    /// The catalog entry: id, default severity, title, rationale.
    pub fn meta(self) -> &'static RuleMeta {
        &REGISTRY.metas[self.dense()]
    }

    /// The kebab-case id (`response-property-removed`).
    pub fn as_str(self) -> &'static str {
        &self.meta().id
    }

    /// The severity the rule has unless a policy overrides it.
    pub fn default_severity(self) -> Severity {
        self.meta().severity
    }

    /// Looks a rule up by its kebab-case id.
    pub fn parse(id: &str) -> Option<RuleId> {
        BY_ID.get(id).copied()
    }

    /// Composes the catalog entry from the family rows.
    fn compose(self) -> RuleMeta {
        let plain = |row: Row| RuleMeta {
            id: row.id.to_owned(),
            severity: row.severity,
            title: row.title.to_owned(),
            rationale: row.rationale.to_owned(),
        };
        match self {
            RuleId::Lifecycle(r) => plain(r.row()),
            RuleId::Security(r) => plain(r.row()),
            RuleId::Parameter(r) => plain(r.row()),
            RuleId::Body(r) => plain(r.row()),
            RuleId::Hidden(r) => plain(r.row()),
            RuleId::Changelog(r) => plain(r.row()),
            RuleId::Source(r) => plain(r.row()),
            RuleId::Live(r) => plain(r.row()),
            RuleId::Hook(r) => plain(r.row()),
            RuleId::Schema(subject, r) => schema::compose(subject, r.row()),
            RuleId::Bound(subject, kind, m) => schema::compose(subject, schema::bound_row(kind, m)),
            RuleId::Property(subject, r) => schema::compose(subject.subject(), r.row()),
        }
    }
}

macro_rules! from_family {
    ($($family:ident),+) => {
        $(impl From<$family> for RuleId {
            fn from(rule: $family) -> RuleId {
                RuleId::$family(rule)
            }
        })+
    };
}
from_family!(
    Lifecycle, Security, Parameter, Body, Hidden, Changelog, Source, Live, Hook
);

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        RuleId::parse(&id).ok_or_else(|| serde::de::Error::custom(format!("unknown rule `{id}`")))
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

struct Registry {
    /// In [`RuleId::all`] order.
    metas: Vec<RuleMeta>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let all = RuleId::all();
    let metas: Vec<RuleMeta> = all.iter().map(|r| r.compose()).collect();
    Registry { metas }
});

static BY_ID: LazyLock<HashMap<&'static str, RuleId>> =
    LazyLock::new(|| RuleId::all().into_iter().map(|r| (r.as_str(), r)).collect());

/// Every rule's catalog entry, sorted by id: what `apiwatch rules` prints.
pub fn sorted() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = REGISTRY.metas.iter().collect();
    metas.sort_by(|a, b| a.id.cmp(&b.id));
    metas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_computed_the_way_the_registry_lists_them() {
        for (i, r) in RuleId::all().into_iter().enumerate() {
            assert_eq!(r.dense(), i, "{r:?}");
        }
    }

    #[test]
    fn every_rule_has_one_unique_kebab_case_id_that_parses_back() {
        let all = RuleId::all();
        let mut seen: HashMap<&str, RuleId> = HashMap::new();
        for r in &all {
            let id = r.as_str();
            if let Some(other) = seen.insert(id, *r) {
                panic!("{id} names both {other:?} and {r:?}");
            }
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
            assert_eq!(RuleId::parse(id), Some(*r));
            let meta = r.meta();
            assert!(!meta.title.is_empty() && !meta.rationale.is_empty(), "{id}");
        }
        assert!(all.len() >= 300, "{} rules", all.len());
    }

    #[test]
    fn contravariance_holds_for_narrowing_rules() {
        let severity = |id: &str| RuleId::parse(id).map(RuleId::default_severity);
        use Severity::{Error, Info};
        assert_eq!(severity("request-property-enum-value-removed"), Some(Error));
        assert_eq!(severity("response-property-enum-value-removed"), Some(Info));
        assert_eq!(
            severity("request-parameter-max-length-decreased"),
            Some(Error)
        );
        assert_eq!(severity("response-property-became-nullable"), Some(Error));
        assert_eq!(severity("request-property-became-nullable"), Some(Info));
        assert_eq!(severity("response-property-removed"), Some(Error));
        assert_eq!(severity("request-property-added-required"), Some(Error));
        assert_eq!(
            severity("response-header-became-read-only"),
            None,
            "leaf subjects have no property rules"
        );
    }
}
