//! The snapshot form of a spec: pretty JSON, keys sorted, two-space indent, one
//! trailing newline. YAML specs are stored as JSON too, so that every snapshot
//! diffs the same way in review and the diff engine reads them fast.

use serde_json::Value;

/// Renders a parsed spec in snapshot form. Equal values always render to equal bytes.
pub fn to_snapshot(value: &Value) -> String {
    // serde_json's map is a BTreeMap (no `preserve_order`), so keys come out sorted.
    let mut out = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_does_not_change_the_snapshot() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":3,"y":2},"b":1}"#).unwrap();
        assert_eq!(to_snapshot(&a), to_snapshot(&b));
        assert_eq!(
            to_snapshot(&a),
            "{\n  \"a\": {\n    \"x\": 3,\n    \"y\": 2\n  },\n  \"b\": 1\n}\n"
        );
    }
}
