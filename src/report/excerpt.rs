//! Short unified diffs of the spec fragment behind a finding.

use serde_json::Value;

use crate::finding::Finding;

/// Depth below which fragments are elided, and the most lines a side may show.
const MAX_DEPTH: usize = 4;
const MAX_LINES: usize = 40;

/// Attaches an excerpt to every finding at or above warning.
pub fn attach(findings: &mut [Finding], base: &Value, revision: &Value) {
    for f in findings
        .iter_mut()
        .filter(|f| f.severity >= crate::finding::Severity::Warning || f.in_use)
    {
        f.excerpt = excerpt(f, base, revision);
    }
}

/// The fragments behind a finding as a diff a reader can trust: the two sides are
/// aligned by JSON key, so a property added beside another reads as an addition (not
/// as a rename of its neighbour), unchanged neighbours are one collapsed line each,
/// and a node that exists on one side only is shown alone, with its path.
pub fn excerpt(f: &Finding, base: &Value, revision: &Value) -> Option<String> {
    let (bp, rp) = comparable(f);
    let side = |doc: &Value, ptr: &Option<String>| -> Option<Value> {
        ptr.as_deref()
            .and_then(|p| doc.pointer(p))
            .map(|v| elide(v, 0))
    };
    let (before, after) = (side(base, &bp), side(revision, &rp));
    let mut lines = Vec::new();
    match (&before, &after) {
        (Some(b), Some(a)) if b == a => return None,
        (None, None) => return None,
        (Some(b), Some(a)) => aligned(None, b, a, 0, &mut lines),
        (Some(b), None) => value_lines(None, b, 0, '-', &mut lines),
        (None, Some(a)) => value_lines(None, a, 0, '+', &mut lines),
    }
    let path = rp.as_deref().or(bp.as_deref()).unwrap_or("");
    let mut text = format!("--- base\n+++ revision\n@@ {} @@\n", display_pointer(path));
    let cut = lines.len() > MAX_LINES;
    for line in lines.iter().take(MAX_LINES) {
        text.push_str(line);
        text.push('\n');
    }
    if cut {
        text.push_str(&format!(" … {} more lines\n", lines.len() - MAX_LINES));
    }
    Some(text)
}

/// `/paths/~1contacts/get` as `paths › /contacts › get`.
fn display_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(" › ")
}

fn key_prefix(key: Option<&str>) -> String {
    key.map(|k| format!("{}: ", Value::String(k.to_owned())))
        .unwrap_or_default()
}

/// A whole value as diff lines, every one marked `mark`.
fn value_lines(key: Option<&str>, v: &Value, indent: usize, mark: char, out: &mut Vec<String>) {
    let pad = "  ".repeat(indent);
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    for (i, line) in text.lines().enumerate() {
        let prefix = if i == 0 {
            key_prefix(key)
        } else {
            String::new()
        };
        out.push(format!("{mark}{pad}{prefix}{line}"));
    }
}

/// An unchanged value as one context line: containers collapsed.
fn context_line(key: Option<&str>, v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent);
    let shown = match v {
        Value::Object(m) if !m.is_empty() => "{…}".to_owned(),
        Value::Array(a) if !a.is_empty() => "[…]".to_owned(),
        other => other.to_string(),
    };
    format!(" {pad}{}{shown}", key_prefix(key))
}

/// Two values as diff lines, objects aligned key by key (base order, then the keys
/// only the revision has); anything else is the old value removed and the new added.
fn aligned(key: Option<&str>, b: &Value, a: &Value, indent: usize, out: &mut Vec<String>) {
    if b == a {
        out.push(context_line(key, b, indent));
        return;
    }
    match (b, a) {
        (Value::Object(bm), Value::Object(am)) => {
            let pad = "  ".repeat(indent);
            out.push(format!(" {pad}{}{{", key_prefix(key)));
            for (k, bv) in bm {
                match am.get(k) {
                    Some(av) => aligned(Some(k), bv, av, indent + 1, out),
                    None => value_lines(Some(k), bv, indent + 1, '-', out),
                }
            }
            for (k, av) in am.iter().filter(|(k, _)| !bm.contains_key(*k)) {
                value_lines(Some(k), av, indent + 1, '+', out);
            }
            out.push(format!(" {pad}}}"));
        }
        _ => {
            value_lines(key, b, indent, '-', out);
            value_lines(key, a, indent, '+', out);
        }
    }
}

/// Pointers to two nodes worth comparing: for an added or removed property, its
/// parent object on both sides; otherwise the finding's own pointers.
fn comparable(f: &Finding) -> (Option<String>, Option<String>) {
    let parent = |p: &Option<String>| {
        p.as_deref()
            .and_then(|p| p.rsplit_once("/properties/"))
            .map(|(head, _)| head.to_owned())
    };
    match f.rule.as_str() {
        r if r.ends_with("-added-required") || r.ends_with("-property-added") => {
            (f.base_pointer.clone(), parent(&f.revision_pointer))
        }
        r if r.contains("property-removed") => {
            (parent(&f.base_pointer), f.revision_pointer.clone())
        }
        _ => (f.base_pointer.clone(), f.revision_pointer.clone()),
    }
}

fn elide(v: &Value, depth: usize) -> Value {
    match v {
        Value::Object(m) if depth >= MAX_DEPTH => Value::String(format!("{{… {} keys}}", m.len())),
        Value::Array(a) if depth >= MAX_DEPTH => Value::String(format!("[… {} items]", a.len())),
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "description" && *k != "example" && *k != "examples")
                .map(|(k, v)| (k.clone(), elide(v, depth + 1)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| elide(v, depth + 1)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diff(b: &Value, a: &Value) -> Vec<String> {
        let mut out = Vec::new();
        aligned(None, b, a, 0, &mut out);
        out
    }

    /// A property added beside another read as a rename (`- "status": {` /
    /// `+ "source": {`): the sides are now aligned by key.
    #[test]
    fn an_added_property_is_an_addition_beside_its_collapsed_neighbour() {
        let b = json!({"type": "object", "properties": {"status": {"type": "string", "enum": ["a", "b"]}}});
        let a = json!({"type": "object", "properties": {
            "source": {"type": "string"},
            "status": {"type": "string", "enum": ["a", "b"]}
        }});
        let lines = diff(&b, &a);
        assert!(lines.iter().all(|l| !l.starts_with('-')), "{lines:#?}");
        assert!(
            lines.contains(&"     \"status\": {…}".to_owned()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"+    \"source\": {".to_owned()),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_changed_value_is_removed_and_added_in_place() {
        let lines = diff(
            &json!({"a": 1, "b": {"c": "x"}}),
            &json!({"a": 1, "b": {"c": "y"}}),
        );
        assert_eq!(
            lines,
            [
                " {",
                "   \"a\": 1",
                "   \"b\": {",
                "-    \"c\": \"x\"",
                "+    \"c\": \"y\"",
                "   }",
                " }"
            ]
        );
    }

    #[test]
    fn pointers_read_as_paths() {
        assert_eq!(
            display_pointer("/paths/~1contacts~1{id}/get/responses/201"),
            "paths › /contacts/{id} › get › responses › 201"
        );
    }
}
