//! SECRETS: text apiwatch did not write itself (a vendor's error page, a YAML error
//! snippet, a server's answer) is scrubbed of credentials before it is shown,
//! reported or filed.
//!
//! Two nets: the values of this process's credential-looking environment variables
//! (`*TOKEN*`, `*SECRET*`, `*KEY*`, `*PASSWORD*`, `*AUTH*`: the variables contracts
//! name for private sources, and the GitHub token), replaced wherever they appear;
//! and the shapes credentials take in text (`Authorization: …`, `token=…`, the
//! prefixes of GitHub, Slack, Stripe, SendGrid and AWS keys).

use std::sync::LazyLock;

use regex::Regex;

/// What a credential is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Values shorter than this are not treated as secrets (`KEY=1` is a flag).
const MIN_SECRET_LEN: usize = 8;

static SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // `Authorization: Bearer x`, `api_key=x`, `"token": "x"`: the value after the name.
        r#"(?i)((?:authorization|proxy-authorization|bearer|token|secret|password|passwd|api[-_]?key|access[-_]?key|client[-_]?secret)["']?\s*[:=]\s*["']?(?:bearer\s+|basic\s+|token\s+)?)[^\s"',;&]+"#,
        r"(?i)(bearer\s+)[a-z0-9._~+/=-]{8,}",
        // Well-known key shapes, wherever they stand.
        r"()\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16})",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

fn credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "KEY",
        "PASSWORD",
        "PASSWD",
        "AUTH",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// The values of credential-looking environment variables, longest first (so a
/// value that contains another is replaced whole).
fn secret_values() -> Vec<String> {
    let mut values: Vec<String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, v)| credential_name(k) && v.trim().len() >= MIN_SECRET_LEN)
        // A value stored with a trailing newline is sent (and echoed) without it.
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values
}

/// `text` with every credential it shows replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let mut out = text.to_owned();
    for value in secret_values() {
        if out.contains(&value) {
            out = out.replace(&value, REDACTED);
        }
    }
    for shape in SHAPES.iter() {
        if shape.is_match(&out) {
            out = shape
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    format!("{}{REDACTED}", c.get(1).map_or("", |m| m.as_str()))
                })
                .into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_shapes_are_redacted_and_prose_is_kept() {
        let cases = [
            (
                "Authorization: Bearer abc.def-123456",
                "Authorization: Bearer [redacted]",
            ),
            ("api_key=s3cr3tvalue&x=1", "api_key=[redacted]&x=1"),
            (
                "{\"token\": \"tok_123456789\"}",
                "{\"token\": \"[redacted]\"}",
            ),
            (
                "leaked ghp_abcdefghijklmnopqrstuvwxyz0123 here",
                "leaked [redacted] here",
            ),
            (
                "key SG.aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb.",
                "key [redacted].",
            ),
            (
                "HUBSPOT_TOKEN=pat-na1-1234 in environ",
                "HUBSPOT_TOKEN=[redacted] in environ",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(redact(text), want, "{text}");
        }
        let prose = "The token endpoint moved; see the authorization guide at line 3: mapping values are not allowed";
        assert_eq!(redact(prose), prose);
    }
}
