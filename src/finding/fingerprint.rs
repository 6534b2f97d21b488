//! Fingerprints: a short, stable hash of what makes a finding the same problem
//! night after night, whatever its wording or severity.
//!
//! Issues on GitHub, debounce state and ignores are keyed by these, so the bytes
//! hashed for each kind of identity are frozen: changing them would close every
//! open issue and open it again. The fields are typed ([`Identity`]); how each is
//! laid out is written down here once, and pinned by tests with literal values.

use sha2::{Digest, Sha256};

use super::catalog::{Changelog, RuleId};

/// What identifies a finding, by the kind of thing it is about.
#[derive(Debug, Clone)]
pub enum Identity<'a> {
    /// A change between two specs: the operation (method and normalised key), the
    /// scope it sits in (see `rules::scope_key`), the property path, and the
    /// change's detail (an enum value, a media type, a status, ...).
    Change {
        method: &'a str,
        op_key: &'a str,
        scope: &'a str,
        path: &'a str,
        detail: &'a str,
    },
    /// A changelog entry of a contract, and the operation it is about if any.
    Entry {
        contract: &'a str,
        entry: &'a str,
        /// (normalised key, method).
        operation: Option<(&'a str, &'a str)>,
    },
    /// A source of a contract (a spec or changelog URL or file, a snapshot).
    Source {
        contract: &'a str,
        location: &'a str,
    },
}

/// The fingerprint of a finding of `rule` with this identity.
pub fn fingerprint(rule: RuleId, identity: &Identity<'_>) -> String {
    let rule = name_in_fingerprints(rule);
    let mut h = Sha256::new();
    // Change and entry fields each end with a zero byte.
    let mut field = |text: &str| {
        h.update(text.as_bytes());
        h.update([0u8]);
    };
    match identity {
        Identity::Change {
            method,
            op_key,
            scope,
            path,
            detail,
        } => {
            for part in [rule, method, op_key, scope, path, detail] {
                field(part);
            }
        }
        Identity::Entry {
            contract,
            entry,
            operation,
        } => {
            for part in [rule, contract, entry] {
                field(part);
            }
            if let Some((key, method)) = operation {
                field(key);
                field(method);
            }
        }
        // Source findings are keyed like issues: contract, a zero byte, `rule:location`.
        Identity::Source { contract, location } => {
            h.update(contract.as_bytes());
            h.update([0u8]);
            h.update(rule.as_bytes());
            h.update(b":");
            h.update(location.as_bytes());
        }
    }
    hex16(&h.finalize())
}

/// The root cause of a finding: the rule, where in the spec, before and after —
/// not the operation, so that one change to a shared component reached by many
/// operations is one root cause.
pub fn root_cause(
    rule: RuleId,
    location: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        rule.as_str(),
        location,
        before.unwrap_or("\u{0}"),
        after.unwrap_or("\u{0}"),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex16(&h.finalize())
}

/// The key of the GitHub issue for one operation (or source) of a contract.
pub fn issue_key(contract: &str, op_key: &str) -> String {
    let mut h = Sha256::new();
    h.update(contract.as_bytes());
    h.update([0u8]);
    h.update(op_key.as_bytes());
    hex16(&h.finalize())
}

/// A rule that got an id of its own after issues were keyed by it keeps its old
/// name in fingerprints, so the issues it filed stay the same issues.
fn name_in_fingerprints(rule: RuleId) -> &'static str {
    match rule {
        RuleId::Changelog(Changelog::SourceUnreachable) => "source-unreachable",
        other => other.as_str(),
    }
}

/// The first eight bytes, in lowercase hex.
fn hex16(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for b in digest.iter().take(8) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::catalog::{Lifecycle, Source};

    /// Literal values computed before the registry was typed: issues filed since
    /// then carry these keys.
    #[test]
    fn fingerprints_are_the_ones_issues_were_filed_with() {
        let change = Identity::Change {
            method: "GET",
            op_key: "/contacts/{}",
            scope: "Operation",
            path: "",
            detail: "",
        };
        let removed = RuleId::Lifecycle(Lifecycle::EndpointRemoved);
        assert_eq!(
            fingerprint(removed, &change),
            legacy(&[
                "endpoint-removed",
                "GET",
                "/contacts/{}",
                "Operation",
                "",
                ""
            ])
        );
        let entry = Identity::Entry {
            contract: "crm",
            entry: "e1",
            operation: Some(("/contacts", "POST")),
        };
        let announced = RuleId::Changelog(Changelog::SunsetAnnounced);
        assert_eq!(
            fingerprint(announced, &entry),
            legacy(&[
                "changelog-sunset-announced",
                "crm",
                "e1",
                "/contacts",
                "POST"
            ])
        );
        let source = Identity::Source {
            contract: "crm",
            location: "https://example.com/spec.json",
        };
        let unreachable = RuleId::Source(Source::Unreachable);
        assert_eq!(
            fingerprint(unreachable, &source),
            issue_key("crm", "source-unreachable:https://example.com/spec.json")
        );
        // The changelog's own unreachable rule keeps the key it was filed under.
        assert_eq!(
            fingerprint(RuleId::Changelog(Changelog::SourceUnreachable), &source),
            fingerprint(unreachable, &source)
        );
    }

    #[test]
    fn fingerprints_and_issue_keys_are_pinned() {
        assert_eq!(issue_key("crm", "/contacts/{} GET"), "be4911875896b7a0");
        let change = Identity::Change {
            method: "GET",
            op_key: "/contacts/{}",
            scope: "Parameter { location: \"query\", name: \"limit\" }",
            path: "",
            detail: "",
        };
        assert_eq!(
            fingerprint(RuleId::parse("request-parameter-removed").unwrap(), &change),
            "214c796e9ae5c875"
        );
    }

    /// The way spec and changelog fingerprints were hashed before: each field
    /// followed by a zero byte, first eight bytes in hex.
    fn legacy(parts: &[&str]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p.as_bytes());
            h.update([0u8]);
        }
        h.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
