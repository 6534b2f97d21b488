//! The test-case file, `contracts/<name>/tests.toml`: cases of steps, each step
//! one call of an operation the pinned spec describes. Read strictly, like the
//! contract: unknown keys, unknown operations and values used before they are
//! captured are errors with the file, line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::map::{ContractError, LineIndex};
use crate::spec::model::ApiModel;

/// The file a contract's cases live in, beside its `contract.toml`.
pub const FILE_NAME: &str = "tests.toml";

/// Values every case may use without capturing them.
pub const BUILT_INS: [&str; 1] = ["run_id"];

/// A contract's cases, in file order.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub steps: Vec<Step>,
    /// Run after the steps whatever happened, in order.
    pub cleanup: Vec<Step>,
    /// The case changes data and leaves it (the contract's owners said so).
    pub keeps_data: bool,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: Option<String>,
    /// An operationId or `METHOD /path`, as `[[uses]]` writes it.
    pub operation: String,
    pub line: usize,
    pub column: usize,
    pub path: BTreeMap<String, Value>,
    pub query: BTreeMap<String, Value>,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
    /// Statuses that pass; empty: any 2xx the pinned operation documents.
    pub expect: Vec<u16>,
    /// JSON pointers the integration relies on (`*` for every array item).
    pub fields: Vec<String>,
    /// Name → JSON pointer of a value later steps use as `${name}`.
    pub capture: BTreeMap<String, String>,
}

impl Step {
    /// How reports name the step: its name, else its operation.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.operation.clone())
    }
}

// ---- raw shapes ------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    case: Vec<Spanned<RawCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Spanned<String>,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
    #[serde(default)]
    cleanup: Vec<Spanned<RawStep>>,
    #[serde(default)]
    keeps_data: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: Option<String>,
    operation: Spanned<String>,
    #[serde(default)]
    path: BTreeMap<String, toml::Value>,
    #[serde(default)]
    query: BTreeMap<String, toml::Value>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<Spanned<toml::Value>>,
    body_file: Option<Spanned<String>>,
    expect_status: Option<Spanned<toml::Value>>,
    #[serde(default)]
    fields: Vec<Spanned<String>>,
    #[serde(default)]
    capture: BTreeMap<String, Spanned<String>>,
}

/// Reads and checks `root/rel`; `model` is the pinned spec the operations must
/// name. `None` when the file does not exist.
pub fn load(
    root: &Path,
    rel: &Path,
    model: &ApiModel<'_>,
) -> Result<Option<CaseFile>, Vec<ContractError>> {
    let path = rel;
    let full = root.join(rel);
    let text = match std::fs::read_to_string(&full) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(vec![ContractError {
                file: path.display().to_string(),
                line: 1,
                column: 1,
                message: format!("cannot read the test cases: {e}"),
            }]);
        }
    };
    let folder = full.parent().unwrap_or(root).to_path_buf();
    parse(&text, path, &folder, model).map(Some)
}

/// Parses case-file text; `path` names it in errors, `folder` anchors `body_file`.
pub fn parse(
    text: &str,
    path: &Path,
    folder: &Path,
    model: &ApiModel<'_>,
) -> Result<CaseFile, Vec<ContractError>> {
    let lines = LineIndex::new(text);
    let file = path.display().to_string();
    let mut errors = Vec::new();
    let mut at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = lines.line_col(span.start);
        errors.push(ContractError {
            file: file.clone(),
            line,
            column,
            message,
        });
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            at(span, e.message().to_owned());
            return Err(errors);
        }
    };
    let mut cases = Vec::new();
    let mut names = BTreeSet::new();
    for c in raw.case {
        let case_span = c.span();
        let c = c.into_inner();
        let name = c.name.get_ref().trim().to_owned();
        if name.is_empty() {
            at(c.name.span(), "a case needs a `name`".into());
        } else if !names.insert(name.clone()) {
            at(c.name.span(), format!("two cases are named `{name}`"));
        }
        if c.step.is_empty() {
            at(
                case_span.clone(),
                format!("case `{name}` has no `[[case.step]]`"),
            );
        }
        let mut known: BTreeSet<String> = BUILT_INS.iter().map(|s| (*s).to_owned()).collect();
        let mut steps = Vec::new();
        let mut mutates = false;
        for s in c.step {
            if let Some(step) = step(s, folder, model, &mut known, &lines, &mut at) {
                mutates |= changes_data(&step, model);
                steps.push(step);
            }
        }
        let has_cleanup = !c.cleanup.is_empty();
        let mut cleanup = Vec::new();
        for s in c.cleanup {
            if let Some(step) = step(s, folder, model, &mut known, &lines, &mut at) {
                cleanup.push(step);
            }
        }
        if mutates && !has_cleanup && !c.keeps_data {
            at(
                case_span.clone(),
                format!(
                    "case `{name}` changes data (POST, PUT, PATCH or DELETE) but has no `[[case.cleanup]]`: add cleanup steps, or `keeps_data = true` if leaving the data in the sandbox is intended"
                ),
            );
        }
        cases.push(Case {
            name,
            steps,
            cleanup,
            keeps_data: c.keeps_data,
            line: lines.line_col(case_span.start).0,
        });
    }
    if errors.is_empty() {
        Ok(CaseFile {
            path: path.to_owned(),
            cases,
        })
    } else {
        Err(errors)
    }
}

/// Whether a step's operation writes (by its method).
fn changes_data(step: &Step, model: &ApiModel<'_>) -> bool {
    model
        .find(&step.operation)
        .is_some_and(|op| matches!(op.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
}

fn step(
    raw: Spanned<RawStep>,
    folder: &Path,
    model: &ApiModel<'_>,
    known: &mut BTreeSet<String>,
    lines: &LineIndex<'_>,
    at: &mut impl FnMut(std::ops::Range<usize>, String),
) -> Option<Step> {
    let span = raw.span();
    let s = raw.into_inner();
    let op_span = s.operation.span();
    let operation = s.operation.into_inner();
    let mut ok = true;
    if model.find(&operation).is_none() {
        at(
            op_span.clone(),
            format!(
                "`{operation}` is not an operation of the pinned spec (an operationId or `METHOD /path`; `apiwatch ops CONTRACT` lists them)"
            ),
        );
        ok = false;
    }
    let body = match (s.body, s.body_file) {
        (Some(_), Some(f)) => {
            at(
                f.span(),
                "give either `body` or `body_file`, not both".into(),
            );
            ok = false;
            None
        }
        (Some(b), None) => Some(json_of(b.into_inner())),
        (None, Some(f)) => match read_body(folder, f.get_ref()) {
            Ok(v) => Some(v),
            Err(why) => {
                at(f.span(), why);
                ok = false;
                None
            }
        },
        (None, None) => None,
    };
    let mut expect = Vec::new();
    if let Some(e) = s.expect_status {
        let code = |v: &toml::Value| {
            v.as_integer()
                .and_then(|i| u16::try_from(i).ok())
                .filter(|c| (100..=599).contains(c))
        };
        let codes: Option<Vec<u16>> = match e.get_ref() {
            toml::Value::Array(items) => items.iter().map(code).collect(),
            one => code(one).map(|c| vec![c]),
        };
        match codes {
            Some(c) if !c.is_empty() => expect = c,
            _ => {
                at(
                    e.span(),
                    "`expect_status` must be an HTTP status (201) or a list of them ([204, 404])"
                        .into(),
                );
                ok = false;
            }
        }
    }
    if let Some(op) = model.find(&operation) {
        let names: Vec<&str> = op
            .parameters
            .iter()
            .filter(|p| p.location == "path")
            .map(|p| p.name.as_str())
            .collect();
        for key in s.path.keys().filter(|k| !names.contains(&k.as_str())) {
            at(
                span.clone(),
                format!(
                    "`{key}` is not a path parameter of `{} {}` (it has {})",
                    op.method,
                    op.path,
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            );
            ok = false;
        }
    }
    for (name, value) in &s.headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
            || reqwest::header::HeaderValue::from_str(value).is_err()
        {
            at(
                span.clone(),
                format!("header `{name}` is not a valid HTTP header name and value"),
            );
            ok = false;
        }
    }
    let mut fields = Vec::new();
    for f in s.fields {
        if !f.get_ref().is_empty() && !f.get_ref().starts_with('/') {
            at(
                f.span(),
                format!(
                    "`{}` is not a JSON pointer: start it with `/` (like `/email` or `/results/*/id`)",
                    f.get_ref()
                ),
            );
            ok = false;
        }
        fields.push(f.into_inner());
    }
    let path: BTreeMap<String, Value> = s.path.into_iter().map(|(k, v)| (k, json_of(v))).collect();
    let query: BTreeMap<String, Value> =
        s.query.into_iter().map(|(k, v)| (k, json_of(v))).collect();
    // Every `${name}` must be captured by an earlier step (or be built in).
    let mut used = BTreeSet::new();
    for v in path.values().chain(query.values()).chain(body.iter()) {
        references(v, &mut used);
    }
    for v in s.headers.values() {
        references(&Value::String(v.clone()), &mut used);
    }
    for name in used.difference(known) {
        at(
            span.clone(),
            format!(
                "`${{{name}}}` is used before any earlier step captures it (`capture = {{ {name} = \"/id\" }}`)"
            ),
        );
        ok = false;
    }
    let mut capture = BTreeMap::new();
    for (name, pointer) in s.capture {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            at(
                pointer.span(),
                format!("capture name `{name}` must use only letters, digits and _"),
            );
            ok = false;
        }
        if !pointer.get_ref().starts_with('/') || pointer.get_ref().contains('*') {
            at(
                pointer.span(),
                format!(
                    "capture `{name}` must be a JSON pointer to one value (like `/id`), not `{}`",
                    pointer.get_ref()
                ),
            );
            ok = false;
        }
        known.insert(name.clone());
        capture.insert(name, pointer.into_inner());
    }
    let (line, column) = lines.line_col(op_span.start);
    ok.then_some(Step {
        name: s.name,
        operation,
        line,
        column,
        path,
        query,
        headers: s.headers,
        body,
        expect,
        fields,
        capture,
    })
}

fn read_body(folder: &Path, name: &str) -> Result<Value, String> {
    let rel = PathBuf::from(name);
    if !rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!(
            "`body_file` must be a path inside the contract's folder, not `{name}`"
        ));
    }
    let full = folder.join(&rel);
    let text = std::fs::read_to_string(&full)
        .map_err(|e| format!("`body_file` {}: {e}", full.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "`body_file` {}:{}:{}: not JSON: {e}",
            full.display(),
            e.line(),
            e.column()
        )
    })
}

/// A TOML value as JSON (dates become their text).
pub fn json_of(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(json_of).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, json_of(v))).collect())
        }
    }
}

/// The `${name}` references in a value's strings.
pub fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else { break };
                out.insert(after[..end].to_owned());
                rest = &after[end + 1..];
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        Value::Object(m) => m.values().for_each(|x| references(x, out)),
        _ => {}
    }
}
