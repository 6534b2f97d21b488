//! JSON read the way YAML is: an object that names one key twice is refused.
//!
//! `serde_json::Value` keeps the last of duplicate keys, so a spec whose `paths`
//! says `/contacts` twice loses the first silently (a false `endpoint-removed`),
//! while the same document as YAML is refused. This reads JSON into the same
//! `Value`, refusing duplicates with the key and its position.

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// How deeply JSON and YAML documents may nest, the same for both so that a
/// document is refused or read alike in either syntax (real specs stay under 25;
/// the YAML reader's recursion needs the stack this leaves).
pub const MAX_DEPTH: usize = 64;

/// A [`Value`] whose objects have distinct keys.
pub struct Strict(pub Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        Level(0).deserialize(d).map(Strict)
    }
}

/// A value `0`-based levels down.
#[derive(Clone, Copy)]
struct Level(usize);

impl<'de> DeserializeSeed<'de> for Level {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor(self.0))
    }
}

struct StrictVisitor(usize);

impl StrictVisitor {
    /// The level of a container's members, refused past [`MAX_DEPTH`].
    fn inner<E: Error>(&self) -> Result<Level, E> {
        if self.0 + 1 >= MAX_DEPTH {
            return Err(E::custom(format!(
                "nested more than {MAX_DEPTH} levels deep (the limit for JSON and YAML alike)"
            )));
        }
        Ok(Level(self.0 + 1))
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Level(self.0).deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let level = self.inner()?;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(level)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let level = self.inner()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "duplicate key `{}` (JSON keeps only the last one; refused, as YAML refuses it)",
                    key.chars().take(120).collect::<String>()
                )));
            }
            let value = map.next_value_seed(level)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str::<Strict>(text).map(|s| s.0)
    }

    #[test]
    fn values_read_as_serde_json_reads_them() {
        let text = r#"{"a": [1, -2, 3.5, 1e400, true, null, "x\u00e9"], "b": {"c": {}}, "d": 18446744073709551615}"#;
        // 1e400 overflows f64: serde_json refuses it, and so does this.
        assert!(read(text).is_err() && serde_json::from_str::<Value>(text).is_err());
        let text = text.replace("1e400", "1e300");
        assert_eq!(
            read(&text).unwrap(),
            serde_json::from_str::<Value>(&text).unwrap()
        );
    }

    #[test]
    fn a_key_named_twice_is_refused_with_its_position() {
        let err = read("{\"paths\": {\n  \"/a\": {},\n  \"/a\": {\"get\": {}}\n}}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate key `/a`"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }
}

#[cfg(test)]
mod load_tests {
    use crate::spec::load::parse_value;

    fn nested(depth: usize, json: bool) -> String {
        if json {
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
        } else {
            format!("x: {}1{}", "[".repeat(depth - 1), "]".repeat(depth - 1))
        }
    }

    /// JSON allowed 128 levels and YAML 64: one document passed as JSON and failed
    /// as YAML. Both now read to the same depth, 64.
    #[test]
    fn json_and_yaml_nest_equally_deep() {
        for json in [true, false] {
            assert!(
                parse_value(nested(60, json).as_bytes(), "s").is_ok(),
                "json={json}"
            );
            let err = parse_value(nested(70, json).as_bytes(), "s").unwrap_err();
            assert!(
                err.to_string().contains("depth") || err.to_string().contains("deep"),
                "json={json}: {err}"
            );
        }
    }

    /// A duplicate key in JSON was accepted, last one wins (a false
    /// `endpoint-removed`), while YAML refused it.
    #[test]
    fn duplicate_keys_are_refused_in_both_syntaxes_naming_key_and_line() {
        let json = "{\"openapi\": \"3.0.3\", \"paths\": {\n\"/a\": {},\n\"/a\": {}}}";
        let err = parse_value(json.as_bytes(), "spec.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("spec.json:3:") && err.contains("duplicate key `/a`"),
            "{err}"
        );
        let yaml = "openapi: 3.0.3\npaths:\n  /a: {}\n  /a: {}\n";
        let err = parse_value(yaml.as_bytes(), "spec.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("spec.yaml") && err.contains("uplicate"),
            "{err}"
        );
    }
}
