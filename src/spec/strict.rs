//! JSON read the way YAML is: an object that names one key twice is refused.
//!
//! `serde_json::Value` keeps the last of duplicate keys, so a spec whose `paths`
//! says `/contacts` twice loses the first silently (a false `endpoint-removed`),
//! while the same document as YAML is refused. This reads JSON into the same
//! `Value`, refusing duplicates with the key and its position.

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// How deeply JSON and YAML documents may nest (serde_json's own limit; YAML is
/// given the same, so a document is refused or read alike in either syntax).
pub const MAX_DEPTH: usize = 128;

/// A [`Value`] whose objects have distinct keys.
pub struct Strict(pub Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

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
        Strict::deserialize(d).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "duplicate key `{}` (JSON keeps only the last one; refused, as YAML refuses it)",
                    key.chars().take(120).collect::<String>()
                )));
            }
            let Strict(value) = map.next_value()?;
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
