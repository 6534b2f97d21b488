//! A starter case file from the pinned spec: one read-only case per `GET` in use,
//! its parameters from the spec's examples, the response's top-level required
//! fields listed as relied on; operations that change data get a commented
//! create-and-clean-up skeleton, since only the team knows what is safe to write.

use std::fmt::Write as _;

use serde_json::Value;

use crate::map::Contract;
use crate::sandbox::generate::Generator;
use crate::sandbox::schema::{Direction, convert};
use crate::spec::Document;
use crate::spec::model::{ApiModel, Operation};

/// The starter file's text.
pub fn scaffold(contract: &Contract, pinned: &Document) -> String {
    let model = ApiModel::build(pinned);
    let converted = convert(&pinned.root, pinned.dialect, None);
    let mut out = format!(
        "# Contract tests of {} ({} {}), against the pinned spec {}.\n\
         # Written by `apiwatch test {} --scaffold`; the format is in docs/contract-format.md.\n\
         # Each case calls operations on the sandbox and checks the answers against the pin;\n\
         # `fields` are the response fields the integration relies on.\n",
        contract.name, contract.vendor, contract.api, contract.pin.version, contract.name
    );
    // On the embedded sandbox writes are harmless: every operation gets a live case.
    let embedded = contract.sandbox.as_ref().is_some_and(|s| s.embedded);
    for used in &contract.uses {
        let Some(op) = model.find(&used.operation) else {
            let _ = write!(
                out,
                "\n# `{}` is not in the pinned spec: no case written.\n",
                one_line(&used.operation)
            );
            continue;
        };
        let note: String = used
            .note
            .as_deref()
            .map(|n| n.lines().map(|l| format!("# {l}\n")).collect())
            .unwrap_or_default();
        let params = parameters(op, pinned, &converted);
        let fields = fields(op, pinned);
        let reads = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let mut case = vec![
            "[[case]]".to_owned(),
            format!(
                "name = {}",
                quoted(&format!(
                    "{} {}",
                    if reads { "read" } else { "call" },
                    used.operation
                ))
            ),
        ];
        if !reads {
            case.push("keeps_data = true".to_owned());
        }
        case.extend([
            String::new(),
            "[[case.step]]".to_owned(),
            format!("operation = {}", quoted(&used.operation)),
        ]);
        case.extend(params.lines().map(str::to_owned));
        if !fields.is_empty() && reads {
            case.push(format!("fields = [{}]", fields.join(", ")));
        }
        if reads || embedded {
            let _ = write!(out, "\n{note}");
            for line in case {
                let _ = writeln!(out, "{line}");
            }
        } else {
            let _ = write!(
                out,
                "\n{note}# {} {} changes data: write the case yourself, with cleanup steps (or\n\
                 # `keeps_data = true` if the sandbox may keep it), for example:\n{}",
                op.method,
                one_line(&op.path),
                case.iter()
                    .map(|l| if l.is_empty() {
                        "#\n".to_owned()
                    } else {
                        format!("# {l}\n")
                    })
                    .collect::<String>()
            );
        }
    }
    out
}

/// `path = { ... }` and `query = { ... }` lines for the required parameters.
fn parameters(op: &Operation<'_>, pinned: &Document, converted: &Value) -> String {
    let mut generator = Generator::for_request(converted, &op.method, &op.path);
    let mut path = Vec::new();
    let mut query = Vec::new();
    let mut invented = Vec::new();
    for p in &op.parameters {
        if !(p.location == "path" || (p.location == "query" && p.required)) {
            continue;
        }
        let raw = pinned.root.pointer(&p.pointer);
        let given = raw
            .and_then(|r| r.get("example").cloned())
            .or_else(|| {
                raw?.get("examples")?
                    .as_object()?
                    .values()
                    .find_map(|e| e.get("value").cloned())
            })
            .or_else(|| {
                p.schema
                    .as_ref()
                    .and_then(|s| s.value.get("example").cloned())
            });
        let from_spec = given.is_some();
        let example = given.unwrap_or_else(|| {
            let schema = p
                .schema
                .as_ref()
                .map(|s| convert(&s.value, pinned.dialect, Some(Direction::Request)))
                .unwrap_or(Value::Null);
            generator.value(&schema)
        });
        let entry = format!("{} = {}", bare_key(&p.name), toml_value(&example));
        if !from_spec {
            invented.push(p.name.clone());
        }
        if p.location == "path" {
            path.push(entry);
        } else {
            query.push(entry);
        }
    }
    let mut out = String::new();
    if !invented.is_empty() {
        let _ = writeln!(
            out,
            "# The spec gives no example for {}: replace the value below with one that exists in the sandbox.",
            invented.join(", ")
        );
    }
    if !path.is_empty() {
        let _ = writeln!(out, "path = {{ {} }}", path.join(", "));
    }
    if !query.is_empty() {
        let _ = writeln!(out, "query = {{ {} }}", query.join(", "));
    }
    out
}

/// The top-level required properties of the first documented 2xx JSON response.
fn fields(op: &Operation<'_>, pinned: &Document) -> Vec<String> {
    let Some(schema) = op
        .responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .find_map(|(_, r)| {
            r.content
                .iter()
                .find(|(m, _)| crate::sandbox::request::is_json(m))
        })
        .and_then(|(_, m)| m.schema.as_ref())
    else {
        return Vec::new();
    };
    let mut value = schema.value.as_ref();
    // Follow one local `$ref` to read the object's own `required`.
    if let Some(r) = value.get("$ref").and_then(Value::as_str)
        && let Some(target) = r.strip_prefix('#').and_then(|p| pinned.root.pointer(p))
    {
        value = target;
    }
    value
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(|n| quoted(&format!("/{}", n.replace('~', "~0").replace('/', "~1"))))
                .collect()
        })
        .unwrap_or_default()
}

/// Text for a comment line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn quoted(s: &str) -> String {
    toml_value(&Value::String(s.to_owned()))
}

fn bare_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        quoted(k)
    }
}

/// A JSON value as TOML (inline).
fn toml_value(v: &Value) -> String {
    match v {
        // JSON's escapes are TOML's, but for DEL, which TOML wants escaped too.
        Value::String(s) => serde_json::to_string(s)
            .unwrap_or_else(|_| "\"\"".into())
            .replace('\u{7f}', "\\u007F"),
        // TOML integers are 64-bit signed: a larger one is written as text.
        Value::Number(n) if n.is_u64() && n.as_i64().is_none() => {
            toml_value(&Value::String(n.to_string()))
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "\"\"".into(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, v)| format!("{} = {}", bare_key(k), toml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
