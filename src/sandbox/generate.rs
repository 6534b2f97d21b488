//! Response bodies made from a schema, the same for the same seed.
//!
//! A schema's own example wins; otherwise values follow the schema: `const` and
//! `enum`, formats (`date-time`, `date`, `email`, `uuid`, `uri`, `ipv4`, ...),
//! bounds (`minimum`/`maximum` and their exclusive forms, `multipleOf`,
//! `minLength`/`maxLength`, `minItems`/`maxItems`), `pattern` (literals, classes,
//! groups, alternation and quantifiers), required properties always and optional ones
//! in full, `nullable`, `allOf` merged, one `oneOf`/`anyOf` member with its
//! discriminator value set, `writeOnly` properties left out of what is returned.
//! Recursive schemas stop at a depth limit, where only required properties go on.
//!
//! Input is the converted (JSON Schema) form, see [`super::schema`]; `$ref`s are
//! resolved in the converted document.

use serde_json::{Map, Number, Value, json};

/// A small deterministic generator (SplitMix64): reproducible bodies, not secrets.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A seed from several parts (`seed`, operation, status, request number).
    pub fn seeded(parts: &[&[u8]]) -> Rng {
        // FNV-1a over the parts: stable across builds and platforms.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for p in parts {
            for b in p.iter().chain(&[0xff]) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Rng(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How deep nested objects go before only required properties are generated.
const MAX_DEPTH: usize = 8;
/// Items generated for an array without `minItems`.
const DEFAULT_ITEMS: u64 = 1;

/// Whether a value is valid against a (converted) schema.
pub type Check<'d> = &'d dyn Fn(&Value, &Value) -> bool;

/// Generates values for schemas of one converted document.
pub struct Generator<'d> {
    pub root: &'d Value,
    pub rng: Rng,
    /// Pick at random among members, values and optional properties (Prism's
    /// `dynamic`), instead of the first of each.
    pub dynamic: bool,
    /// Checks a `oneOf` member's value against the other members, so that the
    /// value matches exactly one (members often overlap).
    pub check: Option<Check<'d>>,
    /// Required properties only, arrays at their `minItems`: the smallest value,
    /// which satisfies schemas whose parts contradict each other for fuller ones.
    pub minimal: bool,
    /// The property being generated, for values that look like it (`email`,
    /// `first_name`, `country`); set by the generator as it goes.
    pub property: Option<String>,
}

impl<'d> Generator<'d> {
    /// The smallest values a client would send to the operation `method path`,
    /// seeded by it (the same request every time): what a contract test or a
    /// starter case fills in when the case does not say.
    pub fn for_request(root: &'d Value, method: &str, path: &str) -> Generator<'d> {
        Generator {
            root,
            rng: Rng::seeded(&[method.as_bytes(), path.as_bytes()]),
            dynamic: false,
            check: None,
            minimal: true,
            property: None,
        }
    }

    /// A value for `schema`.
    pub fn value(&mut self, schema: &Value) -> Value {
        self.at(schema, 0)
    }

    /// The schema a `$ref` chain ends at (borrowed from the document, not from the
    /// generator, so that generating can go on while it is read).
    fn deref<'s>(&self, schema: &'s Value) -> &'s Value
    where
        'd: 's,
    {
        let root: &'d Value = self.root;
        let mut s = schema;
        for _ in 0..32 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let pointer = r
                        .strip_prefix(super::schema::DOC_URI)
                        .unwrap_or(r)
                        .trim_start_matches('#');
                    match root.pointer(pointer) {
                        Some(next) => s = next,
                        None => return &Value::Null,
                    }
                }
                None => return s,
            }
        }
        s
    }

    fn pick<'a>(&mut self, items: &'a [Value]) -> Option<&'a Value> {
        if items.is_empty() {
            return None;
        }
        let i = if self.dynamic {
            self.rng.below(items.len() as u64) as usize
        } else {
            0
        };
        items.get(i)
    }

    fn at(&mut self, schema: &Value, depth: usize) -> Value {
        // A schema that requires itself has no finite instance: stop somewhere.
        if depth > 4 * MAX_DEPTH {
            return Value::Null;
        }
        let schema = self.deref(schema);
        let Value::Object(s) = schema else {
            // `true` or `{}`: anything; `false`: nothing can be right.
            return json!("string");
        };
        // A schema's own example, when it is right: vendors' examples break their
        // own schemas (`"2013-01-01 15:30:27"` as a `date-time`) often enough.
        let fits = |g: &Self, v: &Value| g.check.is_none_or(|c| c(schema, v));
        if let Some(example) = s.get("example")
            && fits(self, example)
        {
            return example.clone();
        }
        if let Some(Value::Array(examples)) = s.get("examples")
            && let Some(e) = self.pick(examples)
            && fits(self, e)
        {
            return e.clone();
        }
        if let Some(c) = s.get("const") {
            return c.clone();
        }
        if let Some(Value::Array(values)) = s.get("enum") {
            let non_null: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
            if let Some(v) = self.pick(if non_null.is_empty() {
                values
            } else {
                &non_null
            }) {
                return v.clone();
            }
        }
        if let Some(Value::Array(members)) = s.get("allOf") {
            let mut merged = Value::Null;
            for m in members {
                let v = self.at(m, depth);
                merged = merge(merged, v);
            }
            // The schema's own properties too (`allOf` beside `properties`).
            let mut rest = s.clone();
            rest.remove("allOf");
            if rest.contains_key("properties") || rest.contains_key("type") {
                merged = merge(merged, self.at(&Value::Object(rest), depth));
            }
            return merged;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = s.get(key) {
                let non_null: Vec<Value> = members
                    .iter()
                    .filter(|m| self.deref(m).get("type") != Some(&json!("null")))
                    .cloned()
                    .collect();
                let choices = if non_null.is_empty() {
                    members.clone()
                } else {
                    non_null
                };
                if choices.is_empty() {
                    continue;
                }
                let first = if self.dynamic {
                    self.rng.below(choices.len() as u64) as usize
                } else {
                    0
                };
                let mut last = Value::Null;
                // Each member in turn (then again, varied) until a value matches
                // exactly one member (`oneOf`) or at least one (`anyOf`).
                for attempt in 0..choices.len() * 3 {
                    let member = choices[(first + attempt) % choices.len()].clone();
                    let was_dynamic = self.dynamic;
                    self.dynamic |= attempt >= choices.len();
                    // The member with what the parent says beside `oneOf` (its
                    // `type`, its properties): one schema to satisfy.
                    let mut rest = s.clone();
                    rest.remove(key);
                    rest.remove("discriminator");
                    let combined = combine(rest, self.deref(&member));
                    let mut v = self.at(&combined, depth);
                    if let Some(d) = s.get("discriminator") {
                        set_discriminator(&mut v, d, &member);
                    }
                    self.dynamic = was_dynamic;
                    let Some(check) = self.check else {
                        return v;
                    };
                    let matching = members.iter().filter(|m| check(m, &v)).count();
                    if (key == "oneOf" && matching == 1) || (key == "anyOf" && matching >= 1) {
                        return v;
                    }
                    last = v;
                }
                return last;
            }
        }
        let ty = match s.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => {
                let non_null: Vec<Value> = ts
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                self.pick(&non_null)
                    .and_then(Value::as_str)
                    .unwrap_or("null")
                    .to_owned()
            }
            _ if s.contains_key("properties") => "object".into(),
            _ if s.contains_key("items") => "array".into(),
            _ => "string".into(),
        };
        match ty.as_str() {
            "object" => self.object(s, depth),
            "array" => self.array(s, depth),
            "integer" => integer(s, &mut self.rng, self.dynamic),
            "number" => number(s, &mut self.rng, self.dynamic),
            "boolean" => Value::Bool(!self.dynamic || self.rng.below(2) == 1),
            "null" => Value::Null,
            _ => Value::String(string(
                s,
                &mut self.rng,
                self.property.take().as_deref(),
                self.dynamic,
            )),
        }
    }

    fn object(&mut self, s: &Map<String, Value>, depth: usize) -> Value {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(Value::Object(props)) = s.get("properties") {
            for (name, p) in props {
                let prop = self.deref(p);
                if prop.get("writeOnly").and_then(Value::as_bool) == Some(true)
                    && !required.contains(&name.as_str())
                {
                    continue;
                }
                let wanted = required.contains(&name.as_str())
                    || (!self.minimal
                        && depth < MAX_DEPTH
                        && (!self.dynamic || self.rng.below(4) != 0));
                if wanted {
                    self.property = Some(name.clone());
                    let v = self.at(p, depth + 1);
                    self.property = None;
                    out.insert(name.clone(), v);
                }
            }
        }
        // Required but not described (a vendor slip): something must be there.
        for name in &required {
            if !out.contains_key(*name) {
                out.insert((*name).to_owned(), json!("string"));
            }
        }
        let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0);
        let mut n = 0;
        while (out.len() as u64) < min && n < 64 {
            out.insert(format!("key{n}"), json!("value"));
            n += 1;
        }
        Value::Object(out)
    }

    fn array(&mut self, s: &Map<String, Value>, depth: usize) -> Value {
        let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        let want = if depth >= MAX_DEPTH || self.minimal {
            min
        } else if self.dynamic {
            min + self.rng.below(3)
        } else {
            min.max(DEFAULT_ITEMS)
        }
        .min(max)
        .min(64);
        let unique = s.get("uniqueItems").and_then(Value::as_bool) == Some(true);
        let mut out: Vec<Value> = Vec::new();
        if let Some(Value::Array(prefix)) = s.get("prefixItems") {
            for p in prefix.iter().take(want.max(prefix.len() as u64) as usize) {
                out.push(self.at(p, depth + 1));
            }
        }
        let items = s.get("items").cloned().unwrap_or(json!({}));
        let mut tries = 0;
        while (out.len() as u64) < want && tries < 256 {
            tries += 1;
            let v = self.at(&items, depth + 1);
            if unique && out.contains(&v) {
                // A fresh draw for a distinct item.
                self.dynamic = true;
                continue;
            }
            out.push(v);
        }
        Value::Array(out)
    }
}

/// A schema with another's keywords added: properties and `required` united,
/// the rest taken where the first says nothing.
fn combine(mut base: Map<String, Value>, other: &Value) -> Value {
    let Value::Object(other) = other else {
        return Value::Object(base);
    };
    for (k, v) in other {
        match (k.as_str(), base.get_mut(k), v) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (name, p) in theirs {
                    mine.insert(name.clone(), p.clone());
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for r in theirs {
                    if !mine.contains(r) {
                        mine.push(r.clone());
                    }
                }
            }
            (_, None, _) => {
                base.insert(k.clone(), v.clone());
            }
            // The member's own type and constraints win over the parent's.
            (_, Some(slot), _) if k != "type" || base_type_is_loose(slot) => *slot = v.clone(),
            _ => {}
        }
    }
    Value::Object(base)
}

/// A parent `type` a member may narrow (`["string", "null"]` to `"string"`).
fn base_type_is_loose(t: &Value) -> bool {
    t.is_array()
}

/// Objects merged key by key (`allOf`); anything else: the later value.
fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            for (k, v) in b {
                let merged = match a.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                a.insert(k, merged);
            }
            Value::Object(a)
        }
        (a, Value::Null) => a,
        (_, b) => b,
    }
}

/// The discriminator property set to the value that names the chosen member.
fn set_discriminator(v: &mut Value, d: &Value, member: &Value) {
    let (Some(name), Value::Object(obj)) = (d.get("propertyName").and_then(Value::as_str), v)
    else {
        return;
    };
    let target = member.get("$ref").and_then(Value::as_str).unwrap_or("");
    let mapped = d
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|m| {
            m.iter()
                .find(|(_, r)| {
                    r.as_str()
                        .is_some_and(|r| target.ends_with(r.trim_start_matches('#')))
                })
                .map(|(k, _)| k.clone())
        })
        .or_else(|| {
            target
                .rsplit('/')
                .next()
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        });
    if let Some(value) = mapped
        && obj
            .get(name)
            .is_none_or(|existing| existing.as_str() != Some(value.as_str()))
    {
        obj.insert(name.to_owned(), Value::String(value));
    }
}

fn bounds(s: &Map<String, Value>) -> (Option<f64>, bool, Option<f64>, bool) {
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    let (lo, lo_ex) = match (num("exclusiveMinimum"), num("minimum")) {
        (Some(e), Some(m)) if m > e => (Some(m), false),
        (Some(e), _) => (Some(e), true),
        (None, m) => (m, false),
    };
    let (hi, hi_ex) = match (num("exclusiveMaximum"), num("maximum")) {
        (Some(e), Some(m)) if m < e => (Some(m), false),
        (Some(e), _) => (Some(e), true),
        (None, m) => (m, false),
    };
    (lo, lo_ex, hi, hi_ex)
}

fn integer(s: &Map<String, Value>, rng: &mut Rng, dynamic: bool) -> Value {
    let (lo, lo_ex, hi, hi_ex) = bounds(s);
    let mut lo_i = lo.map(|l| {
        if lo_ex {
            l.floor() as i64 + 1
        } else {
            l.ceil() as i64
        }
    });
    let hi_i = hi.map(|h| {
        if hi_ex {
            h.ceil() as i64 - 1
        } else {
            h.floor() as i64
        }
    });
    let step = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m >= 1.0 && m.fract() == 0.0)
        .map(|m| m as i64)
        .unwrap_or(1);
    if lo_i.is_none() && hi_i.is_none_or(|h| h >= 1) {
        lo_i = Some(1);
    }
    let base = lo_i.or(hi_i).unwrap_or(1);
    let span = match (lo_i, hi_i) {
        (Some(l), Some(h)) if h >= l => (h - l) as u64,
        _ => 100,
    };
    let mut v = if dynamic {
        base.saturating_add((rng.below(span.saturating_add(1))) as i64)
    } else {
        base
    };
    if let Some(h) = hi_i
        && v > h
    {
        v = h;
    }
    // Up to the next multiple within the bounds.
    if v % step != 0 {
        v += step - v.rem_euclid(step);
        if hi_i.is_some_and(|h| v > h) {
            v -= step;
        }
    }
    json!(v)
}

fn number(s: &Map<String, Value>, rng: &mut Rng, dynamic: bool) -> Value {
    let (lo, lo_ex, hi, hi_ex) = bounds(s);
    if let Some(m) = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0)
    {
        let first = lo.map_or(1.0, |l| ((l / m).floor() + 1.0) * m);
        let v = if lo.is_some_and(|l| !lo_ex && (l / m).fract() == 0.0) {
            lo.unwrap_or(first)
        } else {
            first
        };
        return Number::from_f64(v).map_or(json!(0), Value::Number);
    }
    let lo_v = lo.unwrap_or(0.0);
    let hi_v = hi.unwrap_or(lo_v + 100.0);
    let mut v = if dynamic {
        lo_v + rng.unit() * (hi_v - lo_v)
    } else if lo.is_some() {
        lo_v
    } else {
        1.5_f64.min(hi_v)
    };
    if lo_ex && v <= lo_v {
        v = if hi.is_some() {
            (lo_v + hi_v) / 2.0
        } else {
            lo_v + 1.0
        };
    }
    if hi_ex && v >= hi_v {
        v = (lo_v + hi_v) / 2.0;
    }
    Number::from_f64(v).map_or(json!(0), Value::Number)
}

/// Values that look like what a property holds, by its name: a realistic body
/// reads like the vendor's (Prism's static mode says "string" everywhere).
const LOOKS_LIKE: &[(&[&str], &[&str])] = &[
    (
        &["first_name", "firstname", "given_name"],
        &["Ada", "Grace", "Katherine", "Alan"],
    ),
    (
        &["last_name", "lastname", "family_name", "surname"],
        &["Lovelace", "Hopper", "Johnson", "Turing"],
    ),
    (
        &[
            "full_name",
            "fullname",
            "display_name",
            "name",
            "contact_name",
        ],
        &["Ada Lovelace", "Grace Hopper", "Katherine Johnson"],
    ),
    (
        &[
            "company",
            "company_name",
            "organization",
            "organisation",
            "account_name",
        ],
        &[
            "Analytical Engines Ltd",
            "Harbor Books",
            "Corvid Outfitters",
        ],
    ),
    (
        &["title", "subject", "headline"],
        &[
            "Spring sale: 20% off",
            "Your order has shipped",
            "Welcome aboard",
        ],
    ),
    (
        &[
            "description",
            "body",
            "content",
            "message",
            "text",
            "notes",
            "note",
            "summary",
        ],
        &[
            "Sent to subscribers who opted in this quarter.",
            "A short note about the account.",
        ],
    ),
    (&["city", "locality"], &["Lisbon", "Portland", "Osaka"]),
    (&["country", "country_code"], &["US", "PT", "JP"]),
    (&["region", "state", "province"], &["CA", "OR", "NY"]),
    (
        &["zip", "zip_code", "postal_code", "postcode"],
        &["94107", "97205", "10001"],
    ),
    (
        &["address", "address1", "street", "address_line_1"],
        &["1 Market St", "221 Harbor Way"],
    ),
    (
        &["phone", "phone_number", "mobile", "sms"],
        &["+15555550123", "+351210000000"],
    ),
    (&["currency", "currency_code"], &["USD", "EUR", "JPY"]),
    (&["locale", "language"], &["en-US", "pt-PT", "ja-JP"]),
    (
        &["timezone", "time_zone", "tz"],
        &["America/New_York", "Europe/Lisbon", "Asia/Tokyo"],
    ),
    (
        &["domain", "hostname", "host"],
        &["example.com", "mail.example.com"],
    ),
    (
        &["url", "website", "link", "href", "image_url", "avatar_url"],
        &[
            "https://example.com/",
            "https://example.com/assets/logo.png",
        ],
    ),
    (
        &["email", "email_address", "from_email", "reply_to"],
        &["ada@example.com", "grace@example.com"],
    ),
    (
        &["username", "user_name", "handle", "login"],
        &["ada", "ghopper"],
    ),
    (
        &["tag", "label", "category", "segment"],
        &["vip", "newsletter", "trial"],
    ),
];

/// A value for the property `name` when its name says what it holds.
fn looks_like(name: &str, rng: &mut Rng, dynamic: bool) -> Option<String> {
    let n = name.to_ascii_lowercase();
    let (_, values) = LOOKS_LIKE
        .iter()
        .find(|(names, _)| names.contains(&n.as_str()))?;
    let i = if dynamic {
        rng.below(values.len() as u64) as usize
    } else {
        0
    };
    values.get(i).map(|v| (*v).to_owned())
}

fn string(s: &Map<String, Value>, rng: &mut Rng, property: Option<&str>, dynamic: bool) -> String {
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    if let Some(pattern) = s.get("pattern").and_then(Value::as_str)
        && let Some(v) = super::pattern::sample(pattern, rng, min, max)
    {
        return v;
    }
    let hex = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from_digit(rng.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    };
    let v = match s.get("format").and_then(Value::as_str).unwrap_or("") {
        "date-time" => "2026-01-15T09:30:00Z".to_owned(),
        "date" => "2026-01-15".to_owned(),
        "time" => "09:30:00Z".to_owned(),
        "duration" => "P1D".to_owned(),
        "email" | "idn-email" => "someone@example.com".to_owned(),
        "hostname" | "idn-hostname" => "example.com".to_owned(),
        "ipv4" => "192.0.2.10".to_owned(),
        "ipv6" => "2001:db8::10".to_owned(),
        "uri" | "url" | "iri" => "https://example.com/resource".to_owned(),
        "uri-reference" | "iri-reference" => "/resource".to_owned(),
        "uri-template" => "https://example.com/{id}".to_owned(),
        "uuid" => format!(
            "{}-{}-4{}-a{}-{}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 3),
            hex(rng, 3),
            hex(rng, 12)
        ),
        "byte" => "aGVsbG8=".to_owned(),
        "binary" => "binary".to_owned(),
        "password" => "secret-value".to_owned(),
        "json-pointer" => "/a/b".to_owned(),
        "regex" => "^a+$".to_owned(),
        _ => match property.and_then(|p| looks_like(p, rng, dynamic)) {
            Some(v) => v,
            // An id-like property gets an id-like value.
            None if property
                .is_some_and(|p| p == "id" || p.ends_with("_id") || p.ends_with("Id")) =>
            {
                format!("{}{}", property.map_or("", |_| "id_"), hex(rng, 12))
            }
            None => "string".to_owned(),
        },
    };
    fit(v, min, max)
}

/// `v` padded or cut to the length bounds (in characters).
fn fit(mut v: String, min: usize, max: Option<usize>) -> String {
    while v.chars().count() < min {
        v.push('x');
    }
    if let Some(max) = max
        && v.chars().count() > max
    {
        v = v.chars().take(max).collect();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_value(root: &Value, schema: &Value, dynamic: bool, seed: u64) -> Value {
        Generator {
            root,
            rng: Rng::new(seed),
            dynamic,
            check: None,
            minimal: false,
            property: None,
        }
        .value(schema)
    }

    #[test]
    fn values_follow_the_schema() {
        let root = json!({"components": {"schemas": {
            "Cat": {"type": "object", "required": ["kind", "lives"], "properties": {"kind": {"type": "string"}, "lives": {"type": "integer", "minimum": 1, "maximum": 9}}},
            "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "good": {"type": "boolean"}}}
        }}});
        let schema = json!({
            "type": "object",
            "required": ["id", "email", "pet"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "email": {"type": "string", "format": "email"},
                "count": {"type": "integer", "minimum": 10, "exclusiveMaximum": 12, "multipleOf": 5},
                "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "status": {"enum": ["active", "archived"]},
                "code": {"type": "string", "minLength": 8, "maxLength": 8},
                "secret": {"type": "string", "writeOnly": true},
                "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                        "discriminator": {"propertyName": "kind"}},
                "note": {"type": ["string", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2}
            }
        });
        let v = gen_value(&root, &schema, false, 7);
        assert_eq!(v["email"], "someone@example.com");
        assert_eq!(v["count"], 10);
        assert_eq!(v["status"], "active");
        assert_eq!(v["code"].as_str().unwrap().len(), 8);
        assert!(v.get("secret").is_none());
        assert_eq!(v["pet"]["kind"], "Cat");
        assert_eq!(v["pet"]["lives"], 1);
        assert_eq!(
            v["note"], "Sent to subscribers who opted in this quarter.",
            "looks like a note"
        );
        assert_eq!(v["tags"].as_array().unwrap().len(), 2);
        let r = v["ratio"].as_f64().unwrap();
        assert!(r > 0.0 && r <= 1.0, "{r}");
        assert_eq!(
            v,
            gen_value(&root, &schema, false, 7),
            "the same seed, the same body"
        );
        assert_eq!(
            gen_value(&root, &schema, true, 3),
            gen_value(&root, &schema, true, 3)
        );
    }

    #[test]
    fn recursive_schemas_stop() {
        let root = json!({"components": {"schemas": {"Node": {"type": "object", "required": ["id"],
            "properties": {"id": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}});
        let v = gen_value(
            &root,
            &json!({"$ref": "#/components/schemas/Node"}),
            false,
            1,
        );
        assert!(v.to_string().len() < 10_000);
    }
}
