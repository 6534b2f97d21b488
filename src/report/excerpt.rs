//! Short unified diffs of the spec fragment behind a finding.

use serde_json::Value;
use similar::TextDiff;

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

/// The unified diff between the base and revision fragments of a finding.
pub fn excerpt(f: &Finding, base: &Value, revision: &Value) -> Option<String> {
    let (bp, rp) = comparable(f);
    let side = |doc: &Value, ptr: &Option<String>| -> String {
        ptr.as_deref()
            .and_then(|p| doc.pointer(p))
            .map(render)
            .unwrap_or_default()
    };
    let before = side(base, &bp);
    let after = side(revision, &rp);
    if before == after {
        return None;
    }
    let diff = TextDiff::from_lines(&before, &after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header("base", "revision")
        .to_string();
    Some(text)
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

/// Pretty JSON with deep levels elided and a line cap.
fn render(v: &Value) -> String {
    let shallow = elide(v, 0);
    let text = serde_json::to_string_pretty(&shallow).unwrap_or_default();
    let mut lines: Vec<&str> = text.lines().collect();
    let cut = lines.len() > MAX_LINES;
    lines.truncate(MAX_LINES);
    let mut out = lines.join("\n");
    if cut {
        out.push_str("\n  …");
    }
    out.push('\n');
    out
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
