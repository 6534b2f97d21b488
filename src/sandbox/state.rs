//! Records for `--stateful` sandboxes.
//!
//! A collection is a pair of paths found from their shapes, `/contacts` and
//! `/contacts/{id}` (or given in the contract). A `POST` to the collection creates a
//! record: a generated body with the request's fields merged in and a generated id;
//! `GET` on the item reads it, `PATCH` merges into it, `PUT` replaces it, `DELETE`
//! removes it (after which it is a `404`), and `GET` on the collection lists the
//! records created. Nested collections (`/lists/{list_id}/members`) keep records per
//! parent: the concrete collection path is the key.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::routes::Route;

/// A collection/item pair of templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub collection: String,
    pub item: String,
    /// The item path's last parameter (`{contactId}`).
    pub id_param: String,
}

/// A path without its trailing slash and `.json` ending: Twilio's
/// `/Messages.json` and `/Messages/{Sid}.json` name one collection and its items.
pub fn collection_key(path: &str) -> String {
    let p = path.trim_end_matches('/');
    p.strip_suffix(".json").unwrap_or(p).to_owned()
}

/// Collections found from path shapes: an item template is the collection template
/// plus one `{param}` segment (with the same `.json` ending, if any), and both are
/// served.
pub fn collections(routes: &[Route], given: &[(String, String)]) -> Vec<Collection> {
    let keys: std::collections::BTreeMap<String, &str> = routes
        .iter()
        .map(|r| (collection_key(&r.path), r.path.as_str()))
        .collect();
    let mut out: Vec<Collection> = Vec::new();
    let mut add = |collection: &str, item: &str| {
        let key = collection_key(item);
        let last = key.rsplit('/').next().unwrap_or("");
        if let Some(id) = last.strip_prefix('{').and_then(|l| l.strip_suffix('}'))
            && !out.iter().any(|c| c.collection == collection)
        {
            out.push(Collection {
                collection: collection.to_owned(),
                item: item.to_owned(),
                id_param: id.to_owned(),
            });
        }
    };
    for (c, i) in given {
        add(c, i);
    }
    for (key, item) in &keys {
        if let Some((parent, last)) = key.rsplit_once('/')
            && last.starts_with('{')
            && last.ends_with('}')
            && !parent.is_empty()
            && let Some(collection) = keys.get(parent)
        {
            add(collection, item);
        }
    }
    out
}

/// The records, per concrete collection path, in creation order.
#[derive(Debug, Default)]
pub struct Store {
    records: HashMap<String, BTreeMap<u64, (String, Value)>>,
    created: u64,
}

/// The property of a record that holds its id: the item parameter's name if the
/// body has it in any case (`contactId`, `sid` for `{Sid}`), else `id`.
pub fn id_property(body: &Value, id_param: &str) -> String {
    let keys: Vec<&String> = body
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    // Twilio's `{Sid}` is the body's `sid`.
    keys.iter()
        .find(|k| k.eq_ignore_ascii_case(id_param))
        .map_or_else(|| "id".to_owned(), |k| (*k).clone())
}

impl Store {
    /// Stores a new record under `collection`; its id is `id` when the request
    /// gave one, else the next number (or, when the generated body's id is text,
    /// a text id).
    pub fn create(
        &mut self,
        collection: &str,
        id_param: &str,
        mut record: Value,
    ) -> (String, Value) {
        self.created += 1;
        let key = id_property(&record, id_param);
        // A text id keeps the shape the generator gave it (a vendor prefix, a
        // pattern the id parameter checks), made unique with the record's number.
        let id = match record.get(&key) {
            Some(Value::Number(_)) | None => json!(self.created),
            Some(Value::String(given)) if !given.is_empty() => {
                let taken = |id: &str| {
                    self.records
                        .get(collection)
                        .is_some_and(|r| r.values().any(|(i, _)| i == id))
                };
                if taken(given) {
                    json!(format!("{given}{}", self.created))
                } else {
                    json!(given)
                }
            }
            Some(_) => json!(format!("rec_{:06}", self.created)),
        };
        let id_text = match &id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Value::Object(m) = &mut record {
            m.insert(key, id);
        }
        self.records
            .entry(collection.to_owned())
            .or_default()
            .insert(self.created, (id_text.clone(), record.clone()));
        (id_text, record)
    }

    fn find(&mut self, collection: &str, id: &str) -> Option<&mut Value> {
        self.records
            .get_mut(collection)?
            .values_mut()
            .find(|(i, _)| i == id)
            .map(|(_, v)| v)
    }

    pub fn get(&mut self, collection: &str, id: &str) -> Option<Value> {
        self.find(collection, id).cloned()
    }

    /// `PATCH` (merge) or `PUT` (replace, the id kept).
    pub fn update(
        &mut self,
        collection: &str,
        id: &str,
        id_param: &str,
        change: Value,
        replace: bool,
    ) -> Option<Value> {
        let record = self.find(collection, id)?;
        let key = id_property(record, id_param);
        let id_value = record.get(&key).cloned();
        match (replace, record.as_object_mut(), change) {
            (false, Some(m), Value::Object(c)) => {
                for (k, v) in c {
                    m.insert(k, v);
                }
            }
            (true, _, Value::Object(mut c)) => {
                if let Some(idv) = id_value.clone() {
                    c.insert(key.clone(), idv);
                }
                *record = Value::Object(c);
            }
            _ => {}
        }
        if let (Some(idv), Value::Object(m)) = (id_value, &mut *record) {
            m.insert(key, idv);
        }
        Some(record.clone())
    }

    pub fn delete(&mut self, collection: &str, id: &str) -> Option<Value> {
        let records = self.records.get_mut(collection)?;
        let n = records
            .iter()
            .find(|(_, (i, _))| i == id)
            .map(|(n, _)| *n)?;
        records.remove(&n).map(|(_, v)| v)
    }

    pub fn list(&self, collection: &str) -> Vec<Value> {
        self.records
            .get(collection)
            .map(|r| r.values().map(|(_, v)| v.clone()).collect())
            .unwrap_or_default()
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }
}

/// A list response with the records in place of the generated items: the body
/// itself when it is an array, else its first array property (`results`, `data`);
/// a count beside them (`total`, `total_count`, `count`) says how many.
pub fn with_records(mut body: Value, records: Vec<Value>) -> Value {
    let n = records.len();
    match &mut body {
        Value::Array(items) => *items = records,
        Value::Object(m) => {
            for count in ["total", "total_count", "count", "total_items"] {
                if m.get(count).is_some_and(Value::is_number) {
                    m.insert(count.to_owned(), json!(n));
                }
            }
            let key = ["results", "data", "items", "members", "contacts", "records"]
                .iter()
                .find(|k| m.get(**k).is_some_and(Value::is_array))
                .map(|k| (*k).to_owned())
                .or_else(|| m.iter().find(|(_, v)| v.is_array()).map(|(k, _)| k.clone()));
            if let Some(k) = key {
                m.insert(k, Value::Array(records));
            }
        }
        _ => {}
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_live_and_die() {
        let mut s = Store::default();
        let (id, rec) = s.create(
            "/contacts",
            "contactId",
            json!({"id": 0, "email": "a@example.com"}),
        );
        assert_eq!(id, "1");
        assert_eq!(rec["id"], 1);
        assert_eq!(s.get("/contacts", "1").unwrap()["email"], "a@example.com");
        let patched = s
            .update(
                "/contacts",
                "1",
                "contactId",
                json!({"email": "b@example.com"}),
                false,
            )
            .unwrap();
        assert_eq!(patched["email"], "b@example.com");
        assert_eq!(patched["id"], 1);
        let put = s
            .update("/contacts", "1", "contactId", json!({"name": "B"}), true)
            .unwrap();
        assert_eq!(put, json!({"name": "B", "id": 1}));
        assert_eq!(s.list("/contacts").len(), 1);
        assert!(s.delete("/contacts", "1").is_some());
        assert!(s.get("/contacts", "1").is_none());
        let (text_id, _) = s.create("/lists/7/members", "hash", json!({"id": "x"}));
        assert_eq!(text_id, "x", "a text id keeps its shape");
        let (again, _) = s.create("/lists/7/members", "hash", json!({"id": "x"}));
        assert_eq!(again, "x3", "and is made unique");
        assert!(s.list("/lists/8/members").is_empty(), "per parent");
    }

    #[test]
    fn list_bodies_carry_the_records() {
        let recs = vec![json!({"id": 1})];
        assert_eq!(
            with_records(json!([{"id": 9}]), recs.clone()),
            json!([{"id": 1}])
        );
        assert_eq!(
            with_records(json!({"total": 1, "results": [{"id": 9}]}), recs),
            json!({"total": 1, "results": [{"id": 1}]})
        );
    }
}
