//! Text from a query string, a header or a form body read as the JSON value its
//! schema describes, following `$ref`s and `anyOf`/`oneOf` members.
//!
//! Forms nest as Stripe and Rails write them: `metadata[order_id]=6735` is an
//! object, `items[]=a&items[]=b`, `items[0]=a` and a repeated `MediaUrl=…` are
//! arrays. A Swagger 2.0 form array without repeats is comma-separated
//! (`collectionFormat: csv`, its default).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Reads values against the schemas of one converted document.
#[derive(Clone, Copy)]
pub struct Shapes<'d> {
    pub root: &'d Value,
    /// Swagger 2.0 form arrays are comma-separated by default.
    pub csv_arrays: bool,
}

/// A form or deep-object value before it is typed.
#[derive(Debug, Clone)]
enum Node {
    Text(String),
    List(Vec<Node>),
    Map(BTreeMap<String, Node>),
}

impl<'d> Shapes<'d> {
    /// The schema a `$ref` chain ends at.
    pub fn deref<'s>(&self, schema: &'s Value) -> &'s Value
    where
        'd: 's,
    {
        let root: &'d Value = self.root;
        let mut s = schema;
        for _ in 0..32 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                return s;
            };
            match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(next) => s = next,
                None => return s,
            }
        }
        s
    }

    /// The schema and its `anyOf`/`oneOf`/`allOf` members, dereferenced.
    fn alternatives<'s>(&self, schema: &'s Value) -> Vec<&'s Value>
    where
        'd: 's,
    {
        let s = self.deref(schema);
        let mut out = vec![s];
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(members)) = s.get(key) {
                out.extend(members.iter().map(|m| self.deref(m)));
            }
        }
        out
    }

    /// The types a schema allows (`integer`, `object`, …), its members' included.
    pub fn types(&self, schema: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for s in self.alternatives(schema) {
            match s.get("type") {
                Some(Value::String(t)) => out.push(t.clone()),
                Some(Value::Array(ts)) => {
                    out.extend(ts.iter().filter_map(Value::as_str).map(str::to_owned))
                }
                _ if s.get("properties").is_some() => out.push("object".into()),
                _ if s.get("items").is_some() => out.push("array".into()),
                _ => {}
            }
        }
        out
    }

    /// The first alternative that is of type `ty`.
    fn of_type<'s>(&self, schema: &'s Value, ty: &str) -> Option<&'s Value>
    where
        'd: 's,
    {
        self.alternatives(schema).into_iter().find(|s| {
            s.get("type")
                .is_some_and(|t| t == ty || t.as_array().is_some_and(|a| a.iter().any(|x| x == ty)))
                || (ty == "object" && s.get("properties").is_some())
                || (ty == "array" && s.get("items").is_some())
        })
    }

    /// The schema of property `name` (of the schema or of its object member).
    fn property<'s>(&self, schema: &'s Value, name: &str) -> &'s Value
    where
        'd: 's,
    {
        self.alternatives(schema)
            .into_iter()
            .find_map(|s| s.get("properties").and_then(|p| p.get(name)))
            .or_else(|| {
                self.of_type(schema, "object")
                    .and_then(|o| o.get("additionalProperties"))
            })
            .unwrap_or(&Value::Null)
    }

    fn items<'s>(&self, schema: &'s Value) -> &'s Value
    where
        'd: 's,
    {
        self.of_type(schema, "array")
            .and_then(|a| a.get("items"))
            .unwrap_or(&Value::Null)
    }

    /// One text as the type its schema allows: a number or a boolean when the
    /// schema allows one and the text reads as one; else text, for the schema to
    /// reject with a message that says so.
    pub fn coerce(&self, text: &str, schema: &Value) -> Value {
        let types = self.types(schema);
        let allows = |t: &str| types.iter().any(|x| x == t);
        if allows("integer")
            && let Ok(i) = text.parse::<i64>()
        {
            return json!(i);
        }
        if allows("number")
            && let Some(n) = text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
        if allows("boolean") && (text == "true" || text == "false") {
            return json!(text == "true");
        }
        if allows("null") && !allows("string") && (text.is_empty() || text == "null") {
            return Value::Null;
        }
        json!(text)
    }

    /// Whether the schema allows an array.
    pub fn is_array(&self, schema: &Value) -> bool {
        self.types(schema).iter().any(|t| t == "array")
    }

    /// `a[b][]`-style keys and their values as one object, typed by `schema`.
    pub fn form(&self, pairs: &[(String, String)], schema: &Value) -> Value {
        let mut root: BTreeMap<String, Node> = BTreeMap::new();
        for (key, value) in pairs {
            let path = key_path(key);
            insert(&mut root, &path, value.clone());
        }
        self.typed(&Node::Map(root), schema)
    }

    fn typed(&self, node: &Node, schema: &Value) -> Value {
        match node {
            Node::Text(t) => {
                if self.is_array(schema) {
                    let items = self.items(schema);
                    let parts: Vec<&str> = if self.csv_arrays {
                        t.split(',').collect()
                    } else {
                        vec![t.as_str()]
                    };
                    Value::Array(parts.into_iter().map(|p| self.coerce(p, items)).collect())
                } else {
                    self.coerce(t, schema)
                }
            }
            Node::List(items) => {
                let item_schema = self.items(schema);
                Value::Array(items.iter().map(|i| self.typed(i, item_schema)).collect())
            }
            Node::Map(m) => {
                // `items[0]=a&items[1]=b`: an object whose keys are all numbers, where
                // the schema wants an array, is that array.
                if self.is_array(schema)
                    && !m.is_empty()
                    && m.keys().all(|k| k.parse::<usize>().is_ok())
                {
                    let mut ordered: Vec<(usize, &Node)> = m
                        .iter()
                        .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                        .collect();
                    ordered.sort_by_key(|(i, _)| *i);
                    let item_schema = self.items(schema);
                    return Value::Array(
                        ordered
                            .into_iter()
                            .map(|(_, v)| self.typed(v, item_schema))
                            .collect(),
                    );
                }
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(k.clone(), self.typed(v, self.property(schema, k)));
                }
                Value::Object(out)
            }
        }
    }
}

/// `a[b][]` as `["a", "b", ""]`.
fn key_path(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_owned()];
    };
    let mut out = vec![key[..open].to_owned()];
    let mut rest = &key[open..];
    while let Some(r) = rest.strip_prefix('[') {
        match r.find(']') {
            Some(close) => {
                out.push(r[..close].to_owned());
                rest = &r[close + 1..];
            }
            None => {
                // An unclosed bracket is part of the name.
                if let Some(last) = out.last_mut() {
                    last.push_str(rest);
                }
                break;
            }
        }
    }
    out
}

fn insert(map: &mut BTreeMap<String, Node>, path: &[String], value: String) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        match map.remove(first) {
            None => {
                map.insert(first.clone(), Node::Text(value));
            }
            // A repeated key is a list.
            Some(Node::Text(old)) => {
                map.insert(
                    first.clone(),
                    Node::List(vec![Node::Text(old), Node::Text(value)]),
                );
            }
            Some(Node::List(mut items)) => {
                items.push(Node::Text(value));
                map.insert(first.clone(), Node::List(items));
            }
            Some(other) => {
                map.insert(first.clone(), other);
            }
        }
        return;
    }
    // `a[]=x`: a list under `a`.
    if rest.len() == 1 && rest[0].is_empty() {
        let entry = map
            .entry(first.clone())
            .or_insert_with(|| Node::List(Vec::new()));
        match entry {
            Node::List(items) => items.push(Node::Text(value)),
            Node::Text(old) => {
                *entry = Node::List(vec![Node::Text(std::mem::take(old)), Node::Text(value)])
            }
            Node::Map(_) => {}
        }
        return;
    }
    let entry = map
        .entry(first.clone())
        .or_insert_with(|| Node::Map(BTreeMap::new()));
    if let Node::Map(inner) = entry {
        insert(inner, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_forms_read_as_stripe_writes_them() {
        let root = json!({"components": {"schemas": {"Addr": {"type": "object", "properties": {"city": {"type": "string"}}}}}});
        let schema = json!({"type": "object", "properties": {
            "amount": {"type": "integer"},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "address": {"$ref": "#/components/schemas/Addr"},
            "types": {"type": "array", "items": {"type": "string"}},
            "media": {"type": "array", "items": {"type": "string"}},
            "created": {"anyOf": [{"type": "object", "properties": {"gte": {"type": "integer"}}}, {"type": "integer"}]}
        }});
        let pairs: Vec<(String, String)> = [
            ("amount", "2000"),
            ("metadata[order_id]", "6735"),
            ("address[city]", "Paris"),
            ("types[]", "card"),
            ("types[]", "sepa"),
            ("media", "a"),
            ("media", "b"),
            ("created[gte]", "1700000000"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let shapes = Shapes {
            root: &root,
            csv_arrays: false,
        };
        assert_eq!(
            shapes.form(&pairs, &schema),
            json!({"amount": 2000, "metadata": {"order_id": "6735"}, "address": {"city": "Paris"},
                   "types": ["card", "sepa"], "media": ["a", "b"], "created": {"gte": 1700000000}})
        );
        assert_eq!(
            shapes.coerce("1700000000", &schema["properties"]["created"]),
            json!(1700000000)
        );
        let swagger = Shapes {
            root: &root,
            csv_arrays: true,
        };
        assert_eq!(
            swagger.form(&[("types".into(), "a,b".into())], &schema),
            json!({"types": ["a", "b"]})
        );
    }
}
