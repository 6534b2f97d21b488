//! DIFF: two [`ApiModel`]s in, a neutral [`SpecDiff`] out.
//!
//! The diff records *what* changed and *where* — the operation, the scope inside it
//! (a parameter, the request body, a response), the property path inside the
//! schema, and JSON pointers into both documents — and never says "breaking".
//! Judging is the rules' job ([`crate::rules`]); a new rule never touches this file.
//!
//! Operations are paired by method and normalised path ([`crate::spec::path`]),
//! first exactly, then — for what is left over — with version segments masked,
//! one-to-one only. Schemas are compared through [`Resolver::view`], so `$ref` vs
//! inline, key order, `allOf` splits and nullable spellings are not changes.
//! Component pairs are compared once and memoised: a shared schema reached from
//! hundreds of operations costs one comparison, and recursive schemas terminate.

mod pattern;
mod schema;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::spec::model::{ApiModel, Header, MediaType, Operation, Parameter, SecurityRequirement};
use crate::spec::schema::{Resolver, SchemaNode};

pub use schema::{Applicator, BoundName, SchemaChange};

/// Everything that differs between a base and a revision.
#[derive(Debug, Default, Serialize)]
pub struct SpecDiff {
    pub changes: Vec<Change>,
}

/// The operation a change belongs to: the revision's, or the base's when removed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OpRef {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    /// The matching key (stable across trailing-slash and parameter-name changes).
    pub key: String,
    /// The base operation's key, `METHOD /path` and operationId (for relevance).
    pub base_key: Option<String>,
    pub base_label: Option<String>,
    pub base_operation_id: Option<String>,
    /// Sent by the vendor (webhook, callback): request and response trade places.
    pub reversed: bool,
    /// For a callback, which one: `method` and `path` are the registering operation's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Where in an operation a change sits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "scope", rename_all = "kebab-case")]
pub enum Scope {
    Operation,
    Security,
    Parameter {
        location: String,
        name: String,
    },
    RequestBody {
        media: Option<String>,
    },
    Response {
        status: String,
        media: Option<String>,
    },
    ResponseHeader {
        status: String,
        name: String,
    },
}

/// One neutral change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub op: Arc<OpRef>,
    pub scope: Scope,
    /// Property path inside the scope's schema (`address`, `city`; `[]` for items).
    pub schema_path: PropertyPath,
    pub kind: ChangeKind,
    pub base_pointer: Option<Arc<str>>,
    pub revision_pointer: Option<Arc<str>>,
    /// The changed node is (inside) a property that is read-only on both sides:
    /// clients never send it.
    pub read_only: bool,
    /// ... write-only on both sides: servers never return it.
    pub write_only: bool,
}

/// A property path (`data`, `[]`, `email`), outermost segment first. Paths made
/// from one another share their tails: a change in a shared component is handed up
/// to every schema that reaches it, one segment at a time.
#[derive(Debug, Clone, Default)]
pub struct PropertyPath(Option<Arc<Segment>>);

#[derive(Debug)]
struct Segment {
    name: Arc<str>,
    len: usize,
    rest: PropertyPath,
}

impl PropertyPath {
    pub fn one(name: &str) -> Self {
        PropertyPath::default().under(&Arc::from(name))
    }

    /// This path, inside `name`.
    pub fn under(&self, name: &Arc<str>) -> Self {
        PropertyPath(Some(Arc::new(Segment {
            name: name.clone(),
            len: self.len() + 1,
            rest: self.clone(),
        })))
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |s| s.len)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The segments, outermost first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        std::iter::successors(self.0.as_deref(), |seg| seg.rest.0.as_deref()).map(|seg| &*seg.name)
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl Serialize for PropertyPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// What changed. Values are canonical JSON text where they are schema values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum ChangeKind {
    OperationAdded,
    /// The servers' base path changed (`/api/1.1` → `/api/1.2`) and operations
    /// were paired across it: said once, for the whole API.
    ServerBasePathChanged {
        from: String,
        to: String,
        /// The servers stayed and this many operations' paths moved from one
        /// version segment to another (`/v1/lists` → `/v2/lists`).
        #[serde(skip_serializing_if = "Option::is_none")]
        moved: Option<usize>,
    },
    /// The revision refers (`$ref`) to something it does not define (and the base
    /// did not, there): the vendor's
    /// slip, read as "anything" there; said once per reference.
    DanglingReference {
        target: String,
    },
    /// A path item holds a key that is neither an HTTP method (in lower case) nor a
    /// path-item field (`GET:`): the operation under it is not read.
    NotAMethod {
        key: String,
    },
    /// The default of a parameter required on every operation that has it moved
    /// (a version-pin header): no call changes, said once per release.
    RequiredDefaultChanged {
        from: Option<String>,
        to: Option<String>,
        operations: usize,
        /// An optional version header (`Intercom-Version`): its default is the
        /// version the spec documents, moved with every release; calls that leave
        /// it out get the version set for the account or app.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        version_header: bool,
    },
    OperationRemoved {
        deprecated: bool,
        sunset: Option<String>,
    },
    OperationDeprecated {
        sunset: Option<String>,
    },
    OperationReactivated,
    SunsetChanged {
        from: Option<String>,
        to: Option<String>,
    },
    OperationIdChanged {
        from: Option<String>,
        to: Option<String>,
    },
    StabilityChanged {
        from: Option<String>,
        to: Option<String>,
    },
    /// `first`: the base required no authentication at all. `replaced`: none of
    /// the base's ways to authenticate is accepted any more.
    SecurityAdded {
        requirement: String,
        first: bool,
        replaced: bool,
    },
    /// `last`: the revision requires no authentication at all.
    SecurityRemoved {
        requirement: String,
        last: bool,
    },
    SecuritySchemeChanged {
        scheme: String,
        from: String,
        to: String,
    },
    SecurityScopeAdded {
        scheme: String,
        scope: String,
    },
    SecurityScopeRemoved {
        scheme: String,
        scope: String,
    },
    ParameterAdded {
        required: bool,
        deprecated: bool,
    },
    ParameterRemoved {
        required: bool,
        deprecated: bool,
        sunset: Option<String>,
    },
    ParameterStyleChanged {
        from: String,
        to: String,
    },
    RequestBodyAdded {
        required: bool,
    },
    RequestBodyRemoved {
        /// The body was optional and its schemas held nothing (`{nullable: true}`):
        /// a placeholder, no data a call sends.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        placeholder: bool,
    },
    MediaTypeAdded {
        media: String,
    },
    MediaTypeRemoved {
        media: String,
    },
    /// The same JSON under another label (`application/json` →
    /// `application/vnd.api+json`); its schema is compared as usual.
    MediaTypeRelabelled {
        from: String,
        to: String,
    },
    ResponseAdded {
        status: String,
    },
    ResponseRemoved {
        status: String,
    },
    HeaderAdded {
        required: bool,
    },
    HeaderRemoved {
        required: bool,
    },
    /// A parameter, body, header or property became required.
    BecameRequired {
        read_only: bool,
        write_only: bool,
    },
    BecameOptional {
        read_only: bool,
        write_only: bool,
    },
    Deprecated {
        sunset: Option<String>,
    },
    Reactivated,
    Schema(SchemaChange),
}

/// Compares two documents' operations.
pub fn diff(
    base: &ApiModel<'_>,
    rev: &ApiModel<'_>,
    base_root: &serde_json::Value,
    rev_root: &serde_json::Value,
) -> SpecDiff {
    let mut changes = Vec::new();
    diff_each(base, rev, base_root, rev_root, &mut |batch| {
        changes.extend(batch);
    });
    SpecDiff { changes }
}

/// [`diff`], handing over the changes one operation at a time (so that judging can
/// run beside the diff).
pub fn diff_each(
    base: &ApiModel<'_>,
    rev: &ApiModel<'_>,
    base_root: &serde_json::Value,
    rev_root: &serde_json::Value,
    sink: &mut dyn FnMut(Vec<Change>),
) {
    let mut engine = Engine {
        schemas: schema::SchemaDiffer::new(
            Resolver::new(base_root),
            Resolver::new(rev_root),
            schema::MAX_DEPTH,
        ),
        error_schemas: schema::SchemaDiffer::new(
            Resolver::new(base_root),
            Resolver::new(rev_root),
            ERROR_BODY_DEPTH,
        ),
        renamed_schemes: renamed_schemes(&base.security_schemes, &rev.security_schemes),
        base_schemes: &base.security_schemes,
        rev_schemes: &rev.security_schemes,
        required_defaults: BTreeMap::new(),
        out: Vec::new(),
    };
    let pairs = pair_operations(base, rev);
    let moved = pairs
        .iter()
        .any(|p| matches!(p, Pairing::Both(b, r) if b.key != r.key));
    if moved && base.base_path != rev.base_path {
        engine.push(
            &api_op(),
            Scope::Operation,
            ChangeKind::ServerBasePathChanged {
                from: base.base_path.clone(),
                to: rev.base_path.clone(),
                moved: None,
            },
            Some("/servers".into()),
            Some("/servers".into()),
        );
    } else if moved {
        // The version moved inside the paths (`/v1/contacts` → `/v2/contacts`) under
        // the same servers: the operations pair, and the move is said once per
        // prefix that moved, so nobody misses that the URL changed.
        let mut prefixes: BTreeMap<(String, String), usize> = BTreeMap::new();
        for p in &pairs {
            if let Pairing::Both(b, r) = p
                && b.key != r.key
                && let Some(prefix) = moved_prefix(&b.key, &r.key)
            {
                *prefixes.entry(prefix).or_default() += 1;
            }
        }
        for ((from, to), n) in prefixes {
            engine.push(
                &api_op(),
                Scope::Operation,
                ChangeKind::ServerBasePathChanged {
                    from,
                    to,
                    moved: Some(n),
                },
                Some("/paths".into()),
                Some("/paths".into()),
            );
        }
    }
    for pair in pairs {
        if !engine.out.is_empty() {
            sink(std::mem::take(&mut engine.out));
        }
        match pair {
            Pairing::Both(b, r) => engine.operation(b, r),
            Pairing::Removed(b) => {
                let op = op_ref(b, None);
                engine.push(
                    &op,
                    Scope::Operation,
                    ChangeKind::OperationRemoved {
                        deprecated: b.deprecated,
                        sunset: b.sunset.clone(),
                    },
                    Some(b.pointer.clone()),
                    None,
                );
            }
            Pairing::Added(r) => {
                let op = op_ref(r, None);
                engine.push(
                    &op,
                    Scope::Operation,
                    ChangeKind::OperationAdded,
                    None,
                    Some(r.pointer.clone()),
                );
            }
        }
    }
    let api = api_op();
    // New ones only: a dangling reference the pinned spec had too is not news, and
    // a spec compared with itself shows no change.
    let known: std::collections::BTreeSet<(String, String)> =
        dangling_references(base_root).into_iter().collect();
    for (at, target) in dangling_references(rev_root)
        .into_iter()
        .filter(|d| !known.contains(d))
    {
        engine.push(
            &api,
            Scope::Operation,
            ChangeKind::DanglingReference { target },
            None,
            Some(at),
        );
    }
    // New ones only, by path (version segments masked, as operations pair) and key.
    let known: BTreeSet<(String, String)> = not_methods(base_root)
        .into_iter()
        .map(|(_, path, key)| (path, key))
        .collect();
    for (at, _, key) in not_methods(rev_root)
        .into_iter()
        .filter(|(_, path, key)| !known.contains(&(path.clone(), key.clone())))
    {
        engine.push(
            &api,
            Scope::Operation,
            ChangeKind::NotAMethod { key },
            None,
            Some(at),
        );
    }
    for ((location, name, from, to, version_header), operations) in
        std::mem::take(&mut engine.required_defaults)
    {
        engine.push(
            &api,
            Scope::Parameter { location, name },
            ChangeKind::RequiredDefaultChanged {
                from,
                to,
                operations,
                version_header,
            },
            None,
            None,
        );
    }
    if !engine.out.is_empty() {
        sink(engine.out);
    }
}

/// The leading segments of two match keys up to the first that differs (`/v1`,
/// `/v2`), when they differ in that one segment (parameters already read alike).
fn moved_prefix(from: &str, to: &str) -> Option<(String, String)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (from.split('/').collect(), to.split('/').collect());
    if a.len() != b.len() {
        return None;
    }
    let at = a.iter().zip(&b).position(|(x, y)| x != y)?;
    if a[at + 1..] != b[at + 1..] {
        return None;
    }
    Some((a[..=at].join("/"), b[..=at].join("/")))
}

/// Keys of path items (and webhooks) that name no operation and no path-item field
/// (`GET:`, `Post`): the operation under them is not read. (Where, the path's
/// loose key, the key.)
fn not_methods(root: &serde_json::Value) -> Vec<(String, String, String)> {
    const FIELDS: [&str; 6] = [
        "summary",
        "description",
        "servers",
        "parameters",
        "$ref",
        "additionalOperations",
    ];
    let mut out = Vec::new();
    for section in ["paths", "webhooks"] {
        let Some(items) = root.get(section).and_then(serde_json::Value::as_object) else {
            continue;
        };
        for (path, item) in items {
            let Some(item) = item.as_object() else {
                continue;
            };
            for key in item.keys() {
                let known = crate::spec::model::METHODS.contains(&key.as_str())
                    || FIELDS.contains(&key.as_str())
                    || key.starts_with("x-")
                    || key == "query";
                if !known {
                    let at = format!(
                        "/{section}/{}/{}",
                        crate::spec::load::escape_pointer(path),
                        crate::spec::load::escape_pointer(key)
                    );
                    let loose =
                        crate::spec::path::loose_key(&crate::spec::path::match_key("", path));
                    out.push((at, format!("{section}:{loose}"), key.clone()));
                }
            }
        }
    }
    out
}

/// Every local `$ref` in a document that resolves to nothing: (where the
/// reference is, what it names). Bounded like the loader: the document is already
/// size- and depth-capped.
fn dangling_references(root: &serde_json::Value) -> Vec<(String, String)> {
    use serde_json::Value;
    /// A step down the document: an object key or an array index.
    enum Step<'v> {
        Key(&'v str),
        Index(usize),
    }
    fn pointer(path: &[Step<'_>]) -> String {
        let mut out = String::new();
        for step in path {
            out.push('/');
            match step {
                Step::Key(k) => out.push_str(&crate::spec::load::escape_pointer(k)),
                Step::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }
    fn walk<'v>(
        root: &Value,
        v: &'v Value,
        path: &mut Vec<Step<'v>>,
        out: &mut Vec<(String, String)>,
    ) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref")
                    && let Some(frag) = target.strip_prefix('#')
                    && crate::spec::load::resolve_fragment(root, frag).is_none()
                {
                    out.push((pointer(path), target.clone()));
                }
                for (k, child) in map {
                    if child.is_object() || child.is_array() {
                        path.push(Step::Key(k));
                        walk(root, child, path, out);
                        path.pop();
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    if child.is_object() || child.is_array() {
                        path.push(Step::Index(i));
                        walk(root, child, path, out);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut Vec::new(), &mut out);
    out
}

impl OpRef {
    /// The whole API (its base path, its version-pin defaults), not one operation.
    pub fn is_whole_api(&self) -> bool {
        self.method.is_empty()
    }
}

/// The whole API, for changes that belong to no one operation.
fn api_op() -> Arc<OpRef> {
    Arc::new(OpRef {
        method: String::new(),
        path: String::new(),
        operation_id: None,
        key: "~api".into(),
        base_key: None,
        base_label: None,
        base_operation_id: None,
        reversed: false,
        via: None,
    })
}

enum Pairing<'m, 'a> {
    Both(&'m Operation<'a>, &'m Operation<'a>),
    Removed(&'m Operation<'a>),
    Added(&'m Operation<'a>),
}

fn pair_operations<'m, 'a>(base: &'m ApiModel<'a>, rev: &'m ApiModel<'a>) -> Vec<Pairing<'m, 'a>> {
    // Several paths can share a key (`/u/{id}` and `/u/{uid}` normalise alike): each
    // base operation takes the one spelled as it is, else the first one left.
    let mut rev_index: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, o) in rev.operations.iter().enumerate() {
        rev_index
            .entry((o.key.as_str(), o.method.as_str()))
            .or_default()
            .push(i);
    }
    let mut rev_used = vec![false; rev.operations.len()];
    let mut out = Vec::new();
    let mut base_left = Vec::new();
    for b in &base.operations {
        let pick = rev_index
            .get(&(b.key.as_str(), b.method.as_str()))
            .and_then(|cands| {
                let free = || cands.iter().copied().filter(|i| !rev_used[*i]);
                free()
                    .find(|i| rev.operations[*i].path == b.path)
                    .or_else(|| free().next())
            });
        match pick {
            Some(i) => {
                rev_used[i] = true;
                out.push(Pairing::Both(b, &rev.operations[i]));
            }
            None => base_left.push(b),
        }
    }
    // Second pass: version segments masked, paired only when unique on both sides.
    let mut loose_rev: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in rev
        .operations
        .iter()
        .enumerate()
        .filter(|(i, _)| !rev_used[*i])
    {
        loose_rev
            .entry((r.loose_key.as_str(), r.method.as_str()))
            .or_default()
            .push(i);
    }
    let mut loose_base: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for b in &base_left {
        *loose_base
            .entry((b.loose_key.as_str(), b.method.as_str()))
            .or_default() += 1;
    }
    for b in base_left {
        let k = (b.loose_key.as_str(), b.method.as_str());
        match loose_rev.get(&k) {
            Some(cands)
                if cands.len() == 1 && loose_base.get(&k) == Some(&1) && !rev_used[cands[0]] =>
            {
                rev_used[cands[0]] = true;
                out.push(Pairing::Both(b, &rev.operations[cands[0]]));
            }
            _ => out.push(Pairing::Removed(b)),
        }
    }
    for (i, r) in rev.operations.iter().enumerate() {
        if !rev_used[i] {
            out.push(Pairing::Added(r));
        }
    }
    out
}

fn op_ref(op: &Operation<'_>, base: Option<&Operation<'_>>) -> Arc<OpRef> {
    Arc::new(OpRef {
        method: op.method.clone(),
        path: op.path.clone(),
        operation_id: op.operation_id.clone(),
        key: op.key.clone(),
        base_key: base.map(|b| b.key.clone()),
        base_label: base.map(Operation::label),
        base_operation_id: base.and_then(|b| b.operation_id.clone()),
        reversed: op.is_reversed(),
        via: op.via.clone(),
    })
}

/// A parameter travels as text: one with no type that gains `type: string` accepts
/// what it did.
fn typed_as_text(scope: &Scope, from: &[String], to: &[String]) -> bool {
    matches!(scope, Scope::Parameter { .. }) && from.is_empty() && to == ["string"]
}

/// Security schemes renamed without changing what clients send (`ApiKeyAuth` →
/// `apiKey`): revision name → base name. Only one-to-one matches count.
fn renamed_schemes<'a>(
    base: &'a BTreeMap<String, String>,
    rev: &'a BTreeMap<String, String>,
) -> BTreeMap<&'a String, &'a String> {
    rev.iter()
        .filter(|(name, _)| !base.contains_key(*name))
        .filter_map(|(name, descriptor)| {
            let mut same = base
                .iter()
                .filter(|(b, d)| *d == descriptor && !rev.contains_key(*b));
            match (same.next(), same.next()) {
                (Some((b, _)), None) => Some((name, b)),
                _ => None,
            }
        })
        .filter(|(_, b)| {
            // The base scheme must not be claimed by two revision schemes.
            rev.iter()
                .filter(|(n, d)| !base.contains_key(*n) && Some(*d) == base.get(*b))
                .count()
                == 1
        })
        .collect()
}

/// JSON, whatever the label: `application/json`, `text/json`, `application/*+json`.
fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim();
    m.eq_ignore_ascii_case("application/json")
        || m.eq_ignore_ascii_case("text/json")
        || (m.len() > "application/+json".len()
            && m.get(..12)
                .is_some_and(|t| t.eq_ignore_ascii_case("application/"))
            && m.get(m.len() - 5..)
                .is_some_and(|t| t.eq_ignore_ascii_case("+json")))
}

/// A JSON body whose media type was relabelled: exactly one JSON-compatible type
/// gone and exactly one new, so that the schemas under them are compared rather
/// than everything reported removed (Klaviyo moved to `application/vnd.api+json`).
fn json_relabel<'m, 'a>(
    base: &'m BTreeMap<String, MediaType<'a>>,
    rev: &'m BTreeMap<String, MediaType<'a>>,
) -> Option<(&'m String, &'m String)> {
    let only = |mine: &'m BTreeMap<String, MediaType<'a>>,
                other: &BTreeMap<String, MediaType<'a>>| {
        let mut json = mine
            .keys()
            .filter(|m| !other.contains_key(*m) && is_json(m));
        match (json.next(), json.next()) {
            (Some(m), None) => Some(m),
            _ => None,
        }
    };
    Some((only(base, rev)?, only(rev, base)?))
}

/// Whether a media range (`*/*`, `application/*`) takes a media type.
fn covers(range: &str, media: &str) -> bool {
    match range.split_once('/') {
        Some(("*", "*")) => true,
        Some((kind, "*")) => media.split_once('/').is_some_and(|(k, _)| k == kind),
        _ => false,
    }
}

/// Error bodies (4xx, 5xx, `default`) are compared to this depth only: vendors share
/// whole object graphs in them (Stripe's error embeds the payment graph), and what an
/// integration reads from an error is its top level.
const ERROR_BODY_DEPTH: usize = 1;

/// A parameter default that moved: (location, name, from, to, version header).
type DefaultMove = (String, String, Option<String>, Option<String>, bool);

struct Engine<'a> {
    schemas: schema::SchemaDiffer<'a>,
    error_schemas: schema::SchemaDiffer<'a>,
    /// Security scheme name → descriptor, per side.
    base_schemes: &'a BTreeMap<String, String>,
    rev_schemes: &'a BTreeMap<String, String>,
    /// Revision scheme name → base name, for schemes renamed with the same definition.
    renamed_schemes: BTreeMap<&'a String, &'a String>,
    /// Defaults of required parameters (and version headers) that moved:
    /// (location, name, from, to, optional) → how many operations, said once at the end.
    required_defaults: BTreeMap<DefaultMove, usize>,
    out: Vec<Change>,
}

impl<'a> Engine<'a> {
    fn push(
        &mut self,
        op: &Arc<OpRef>,
        scope: Scope,
        kind: ChangeKind,
        base_pointer: Option<String>,
        revision_pointer: Option<String>,
    ) {
        self.out.push(Change {
            op: op.clone(),
            scope,
            schema_path: PropertyPath::default(),
            kind,
            base_pointer: base_pointer.map(Arc::from),
            revision_pointer: revision_pointer.map(Arc::from),
            read_only: false,
            write_only: false,
        });
    }

    fn schema(
        &mut self,
        op: &Arc<OpRef>,
        scope: &Scope,
        base: Option<&SchemaNode<'a>>,
        rev: Option<&SchemaNode<'a>>,
    ) {
        let (b, r) = match (base, rev) {
            (Some(b), Some(r)) => (b, r),
            // A schema dropped (or first given) says nothing more (or something
            // now) about the value: its type widens to anything (or narrows from it).
            (Some(b), None) => {
                let from = self.schemas.base_types(b);
                if !from.is_empty() {
                    let kind = SchemaChange::TypeChanged {
                        from,
                        to: Vec::new(),
                    };
                    let at = Some(b.pointer.clone());
                    self.push(op, scope.clone(), ChangeKind::Schema(kind), at, None);
                }
                return;
            }
            (None, Some(r)) => {
                let to = self.schemas.revision_types(r);
                if !to.is_empty() && !typed_as_text(scope, &[], &to) {
                    let kind = SchemaChange::TypeChanged {
                        from: Vec::new(),
                        to,
                    };
                    let at = Some(r.pointer.clone());
                    self.push(op, scope.clone(), ChangeKind::Schema(kind), None, at);
                }
                return;
            }
            (None, None) => return,
        };
        let error_body =
            matches!(scope, Scope::Response { status, .. } if !status.starts_with('2'));
        let found = if error_body {
            self.error_schemas.compare(b, r)
        } else {
            self.schemas.compare(b, r)
        };
        let untyped_to_text = |sc: &schema::Found| {
            sc.path.is_empty()
                && matches!(&*sc.kind, ChangeKind::Schema(SchemaChange::TypeChanged { from, to })
                    if typed_as_text(scope, from, to))
        };
        for sc in found.iter().filter(|sc| !untyped_to_text(sc)) {
            self.out.push(Change {
                op: op.clone(),
                scope: scope.clone(),
                schema_path: sc.path.clone(),
                base_pointer: sc.base_pointer.clone(),
                revision_pointer: sc.revision_pointer.clone(),
                kind: (*sc.kind).clone(),
                read_only: sc.read_only,
                write_only: sc.write_only,
            });
        }
    }

    fn operation(&mut self, b: &Operation<'a>, r: &Operation<'a>) {
        let op = op_ref(r, Some(b));
        let (bp, rp) = (Some(b.pointer.clone()), Some(r.pointer.clone()));
        if b.deprecated != r.deprecated {
            let kind = if r.deprecated {
                ChangeKind::OperationDeprecated {
                    sunset: r.sunset.clone(),
                }
            } else {
                ChangeKind::OperationReactivated
            };
            self.push(&op, Scope::Operation, kind, bp.clone(), rp.clone());
        }
        if b.sunset != r.sunset && (b.sunset.is_some() || !r.deprecated || b.deprecated) {
            self.push(
                &op,
                Scope::Operation,
                ChangeKind::SunsetChanged {
                    from: b.sunset.clone(),
                    to: r.sunset.clone(),
                },
                bp.clone(),
                rp.clone(),
            );
        }
        if b.stability != r.stability {
            self.push(
                &op,
                Scope::Operation,
                ChangeKind::StabilityChanged {
                    from: b.stability.clone(),
                    to: r.stability.clone(),
                },
                bp.clone(),
                rp.clone(),
            );
        }
        if b.operation_id != r.operation_id {
            self.push(
                &op,
                Scope::Operation,
                ChangeKind::OperationIdChanged {
                    from: b.operation_id.clone(),
                    to: r.operation_id.clone(),
                },
                bp.clone(),
                rp.clone(),
            );
        }
        self.security(&op, b, r);
        self.parameters(&op, &b.parameters, &r.parameters);
        self.request_body(&op, b, r);
        self.responses(&op, b, r);
    }

    fn security(&mut self, op: &Arc<OpRef>, b: &Operation<'a>, r: &Operation<'a>) {
        let bs = b.security.as_deref().unwrap_or(&[]);
        let rs = self.revision_requirements(r);
        let rs = &*rs;
        self.scheme_definitions(op, b, r, bs, rs);
        let mut alts = Alternatives {
            base: bs,
            rev: rs,
            base_full: bs.iter().map(full_requirement).collect(),
            rev_full: rs.iter().map(full_requirement).collect(),
            handled_base: vec![false; bs.len()],
            handled_rev: vec![false; rs.len()],
        };
        self.scope_changes(op, b, r, &mut alts);
        self.requirements_added_removed(op, b, r, &alts);
        self.authentication_optional_or_required(op, b, r, &alts);
    }

    /// The revision's requirements, with schemes renamed under the same definition
    /// called by their base name so a rename alone is not a change.
    fn revision_requirements<'r>(&self, r: &'r Operation<'a>) -> Cow<'r, [SecurityRequirement]> {
        let renamed = &self.renamed_schemes;
        match r.security.as_deref() {
            Some(reqs) if !renamed.is_empty() => Cow::Owned(
                reqs.iter()
                    .map(|req| {
                        req.iter()
                            .map(|(name, scopes)| {
                                let name = renamed.get(name).copied().unwrap_or(name);
                                (name.clone(), scopes.clone())
                            })
                            .collect()
                    })
                    .collect(),
            ),
            Some(reqs) => Cow::Borrowed(reqs),
            None => Cow::Borrowed(&[]),
        }
    }

    /// A scheme used on both sides whose definition changed (an API key moving
    /// from a header to the query, basic auth becoming bearer) breaks every call.
    fn scheme_definitions(
        &mut self,
        op: &Arc<OpRef>,
        b: &Operation<'a>,
        r: &Operation<'a>,
        bs: &[SecurityRequirement],
        rs: &[SecurityRequirement],
    ) {
        let used: std::collections::BTreeSet<&String> = bs
            .iter()
            .flat_map(|q| q.keys())
            .filter(|n| rs.iter().any(|q| q.contains_key(*n)))
            .collect();
        for name in used {
            if let (Some(from), Some(to)) =
                (self.base_schemes.get(name), self.rev_schemes.get(name))
                && from != to
            {
                let kind = ChangeKind::SecuritySchemeChanged {
                    scheme: name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                };
                self.push_security(op, b, r, kind);
            }
        }
    }

    /// Requirements are alternatives. When exactly one alternative uses a set of
    /// schemes on each side, a scope change is a change of that alternative (marked
    /// handled); otherwise alternatives are compared whole.
    fn scope_changes(
        &mut self,
        op: &Arc<OpRef>,
        b: &Operation<'a>,
        r: &Operation<'a>,
        alts: &mut Alternatives<'_>,
    ) {
        let (bs, rs) = (alts.base, alts.rev);
        let count = |reqs: &[SecurityRequirement], n: &str| {
            reqs.iter().filter(|q| scheme_names(q) == n).count()
        };
        for (ri, rq) in rs.iter().enumerate() {
            let n = scheme_names(rq);
            if count(bs, &n) != 1 || count(rs, &n) != 1 {
                continue;
            }
            let Some(bi) = bs.iter().position(|q| scheme_names(q) == n) else {
                continue;
            };
            alts.handled_base[bi] = true;
            alts.handled_rev[ri] = true;
            let bq = &bs[bi];
            for (scheme, scopes) in rq {
                let before = bq.get(scheme).cloned().unwrap_or_default();
                for s in scopes.difference(&before) {
                    let kind = ChangeKind::SecurityScopeAdded {
                        scheme: scheme.clone(),
                        scope: s.clone(),
                    };
                    self.push_security(op, b, r, kind);
                }
                for s in before.difference(scopes) {
                    let kind = ChangeKind::SecurityScopeRemoved {
                        scheme: scheme.clone(),
                        scope: s.clone(),
                    };
                    self.push_security(op, b, r, kind);
                }
            }
        }
    }

    /// Alternatives not matched by scope and not present whole on the other side.
    fn requirements_added_removed(
        &mut self,
        op: &Arc<OpRef>,
        b: &Operation<'a>,
        r: &Operation<'a>,
        alts: &Alternatives<'_>,
    ) {
        let (bs, rs) = (alts.base, alts.rev);
        let (base_full, rev_full) = (&alts.base_full, &alts.rev_full);
        // Every way clients authenticated before is gone (apiKey → oauth2, or oauth2
        // → oauth2 and apiKey together): the new requirement breaks every call.
        let replaced = !public(bs)
            && !public(rs)
            && !alts.handled_base.contains(&true)
            && !base_full.iter().any(|f| rev_full.contains(f));
        for (ri, rq) in rs.iter().enumerate() {
            if !alts.handled_rev[ri] && !base_full.contains(&rev_full[ri]) && !rq.is_empty() {
                let kind = ChangeKind::SecurityAdded {
                    requirement: rev_full[ri].clone(),
                    first: public(bs) && !public(rs),
                    replaced,
                };
                self.push_security(op, b, r, kind);
            }
        }
        for (bi, bq) in bs.iter().enumerate() {
            if !alts.handled_base[bi] && !rev_full.contains(&base_full[bi]) && !bq.is_empty() {
                let kind = ChangeKind::SecurityRemoved {
                    requirement: base_full[bi].clone(),
                    last: public(rs) && !public(bs),
                };
                self.push_security(op, b, r, kind);
            }
        }
    }

    /// Authentication becoming optional (an empty alternative added beside the old
    /// ones) or required (the old alternatives kept, the empty one dropped) is a
    /// change too, though no alternative with schemes was added or removed.
    fn authentication_optional_or_required(
        &mut self,
        op: &Arc<OpRef>,
        b: &Operation<'a>,
        r: &Operation<'a>,
        alts: &Alternatives<'_>,
    ) {
        let (bs, rs) = (alts.base, alts.rev);
        let (base_full, rev_full) = (&alts.base_full, &alts.rev_full);
        // Dropping every requirement is reported as removals already.
        if rs.iter().any(BTreeMap::is_empty)
            && !public(bs)
            && rs
                .iter()
                .filter(|q| !q.is_empty())
                .all(|q| base_full.contains(&full_requirement(q)))
        {
            let kind = ChangeKind::SecurityRemoved {
                requirement: display_requirement(""),
                last: true,
            };
            self.push_security(op, b, r, kind);
        }
        if public(bs)
            && !public(rs)
            && rs
                .iter()
                .enumerate()
                .all(|(i, _)| alts.handled_rev[i] || base_full.contains(&rev_full[i]))
        {
            let kind = ChangeKind::SecurityAdded {
                requirement: rev_full.join(" or "),
                first: true,
                replaced: false,
            };
            self.push_security(op, b, r, kind);
        }
    }

    fn push_security(
        &mut self,
        op: &Arc<OpRef>,
        b: &Operation<'a>,
        r: &Operation<'a>,
        kind: ChangeKind,
    ) {
        let (bp, rp) = (Some(b.pointer.clone()), Some(r.pointer.clone()));
        self.push(op, Scope::Security, kind, bp, rp);
    }

    fn parameters(&mut self, op: &Arc<OpRef>, base: &[Parameter<'a>], rev: &[Parameter<'a>]) {
        let bm: BTreeMap<&str, &Parameter<'a>> = base.iter().map(|p| (p.key.as_str(), p)).collect();
        let rm: BTreeMap<&str, &Parameter<'a>> = rev.iter().map(|p| (p.key.as_str(), p)).collect();
        for (key, r) in &rm {
            let scope = Scope::Parameter {
                location: r.location.clone(),
                name: r.name.clone(),
            };
            let rp = Some(r.pointer.clone());
            let Some(b) = bm.get(key) else {
                // Path parameters are part of the template the operation is matched
                // by: one declared (or no longer declared) under the same template is
                // a documentation fix, not a new value to send.
                if r.location == "path" {
                    continue;
                }
                self.push(
                    op,
                    scope,
                    ChangeKind::ParameterAdded {
                        required: r.required,
                        deprecated: r.deprecated,
                    },
                    None,
                    rp,
                );
                continue;
            };
            let bp = Some(b.pointer.clone());
            if b.required != r.required && r.location != "path" {
                let kind = became(r.required);
                self.push(op, scope.clone(), kind, bp.clone(), rp.clone());
            }
            if b.deprecated != r.deprecated {
                let kind = if r.deprecated {
                    ChangeKind::Deprecated {
                        sunset: r.sunset.clone(),
                    }
                } else {
                    ChangeKind::Reactivated
                };
                self.push(op, scope.clone(), kind, bp.clone(), rp.clone());
            }
            // Compare the effective serialisation: an explicit default is no change.
            let style = |p: &Parameter<'_>| {
                let default = if matches!(p.location.as_str(), "query" | "cookie") {
                    "form"
                } else {
                    "simple"
                };
                let style = p.style.as_deref().unwrap_or(default);
                if style.starts_with("content ") {
                    return style.to_owned();
                }
                let explode = p.explode.unwrap_or(style == "form");
                format!("{style}{}", if explode { ",explode" } else { "" })
            };
            // A string or number serialises the same in every style; arrays and
            // objects do not (`a,b` vs `a&a`, `[x]=1` vs `x=1`). No schema or no type
            // could be either.
            let structured = |types: Vec<String>| {
                types.is_empty() || types.iter().any(|t| t == "array" || t == "object")
            };
            let structured = b
                .schema
                .as_ref()
                .is_none_or(|s| structured(self.schemas.base_types(s)))
                || r.schema
                    .as_ref()
                    .is_none_or(|s| structured(self.schemas.revision_types(s)));
            // Moving between a style and the `content` form changes strings too:
            // JSON sends `"abc"` where a style sent `abc`. Numbers and booleans read
            // the same either way.
            let content = |p: &Parameter<'_>| {
                p.style
                    .as_deref()
                    .and_then(|s| s.strip_prefix("content "))
                    .is_some_and(is_json)
            };
            let unquoted = |types: Vec<String>| {
                !types.is_empty()
                    && types
                        .iter()
                        .all(|t| matches!(t.as_str(), "integer" | "number" | "boolean"))
            };
            let quoted = content(b) != content(r)
                && !b
                    .schema
                    .as_ref()
                    .is_some_and(|s| unquoted(self.schemas.base_types(s)));
            if style(b) != style(r) && (structured || quoted) {
                self.push(
                    op,
                    scope.clone(),
                    ChangeKind::ParameterStyleChanged {
                        from: style(b),
                        to: style(r),
                    },
                    bp.clone(),
                    rp.clone(),
                );
            }
            let start = self.out.len();
            self.schema(op, &scope, b.schema.as_ref(), r.schema.as_ref());
            if b.required && r.required {
                self.drop_default_changes(start, false);
            } else if is_version_header(r) {
                self.drop_default_changes(start, true);
            }
        }
        for (key, b) in &bm {
            if !rm.contains_key(key) && b.location != "path" {
                let scope = Scope::Parameter {
                    location: b.location.clone(),
                    name: b.name.clone(),
                };
                self.push(
                    op,
                    scope,
                    ChangeKind::ParameterRemoved {
                        required: b.required,
                        deprecated: b.deprecated,
                        sunset: b.sunset.clone(),
                    },
                    Some(b.pointer.clone()),
                    None,
                );
            }
        }
    }

    /// A default only matters to a client that may omit the value: the default of a
    /// required parameter (Klaviyo's `revision` header on every operation) changing
    /// is no change to any call. Takes such changes pushed since `start` out of the
    /// operation, to be said once for the whole API.
    fn drop_default_changes(&mut self, start: usize, version_header: bool) {
        let mut i = start;
        while i < self.out.len() {
            let c = &self.out[i];
            if let (
                true,
                Scope::Parameter { location, name },
                ChangeKind::Schema(SchemaChange::DefaultChanged { from, to }),
            ) = (c.schema_path.is_empty(), &c.scope, &c.kind)
            {
                *self
                    .required_defaults
                    .entry((
                        location.clone(),
                        name.clone(),
                        from.clone(),
                        to.clone(),
                        version_header,
                    ))
                    .or_default() += 1;
                self.out.remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn request_body(&mut self, op: &Arc<OpRef>, b: &Operation<'a>, r: &Operation<'a>) {
        match (&b.request_body, &r.request_body) {
            (None, None) => {}
            (None, Some(rb)) => self.push(
                op,
                Scope::RequestBody { media: None },
                ChangeKind::RequestBodyAdded {
                    required: rb.required,
                },
                Some(b.pointer.clone()),
                Some(rb.pointer.clone()),
            ),
            (Some(bb), None) => self.push(
                op,
                Scope::RequestBody { media: None },
                ChangeKind::RequestBodyRemoved {
                    placeholder: !bb.required
                        && bb.content.values().all(|m| {
                            m.schema
                                .as_ref()
                                .is_none_or(|s| !self.schemas.base_constrains(s))
                        }),
                },
                Some(bb.pointer.clone()),
                Some(r.pointer.clone()),
            ),
            (Some(bb), Some(rb)) => {
                if bb.required != rb.required {
                    let kind = became(rb.required);
                    self.push(
                        op,
                        Scope::RequestBody { media: None },
                        kind,
                        Some(bb.pointer.clone()),
                        Some(rb.pointer.clone()),
                    );
                }
                self.content(
                    op,
                    &bb.content,
                    &rb.content,
                    |media| Scope::RequestBody { media },
                    (&bb.pointer, &rb.pointer),
                );
            }
        }
    }

    fn content(
        &mut self,
        op: &Arc<OpRef>,
        base: &BTreeMap<String, MediaType<'a>>,
        rev: &BTreeMap<String, MediaType<'a>>,
        scope: impl Fn(Option<String>) -> Scope,
        (bptr, rptr): (&str, &str),
    ) {
        let relabelled = json_relabel(base, rev);
        for (media, rm) in rev {
            if let Some((from, to)) = relabelled.filter(|(_, to)| *to == media) {
                let bm = &base[from];
                self.push(
                    op,
                    scope(None),
                    ChangeKind::MediaTypeRelabelled {
                        from: from.clone(),
                        to: to.clone(),
                    },
                    Some(bm.pointer.clone()),
                    Some(rm.pointer.clone()),
                );
                self.schema(
                    op,
                    &scope(Some(media.clone())),
                    bm.schema.as_ref(),
                    rm.schema.as_ref(),
                );
                continue;
            }
            match base.get(media) {
                None => self.push(
                    op,
                    scope(None),
                    ChangeKind::MediaTypeAdded {
                        media: media.clone(),
                    },
                    Some(bptr.to_owned()),
                    Some(rm.pointer.clone()),
                ),
                Some(bm) => self.schema(
                    op,
                    &scope(Some(media.clone())),
                    bm.schema.as_ref(),
                    rm.schema.as_ref(),
                ),
            }
        }
        for (media, bm) in base {
            if rev.contains_key(media) || relabelled.is_some_and(|(from, _)| from == media) {
                continue;
            }
            // A request media type folded into a wildcard (`application/json` →
            // `*/*`) is still accepted: compare it with the wildcard's schema.
            let request = matches!(scope(None), Scope::RequestBody { .. }) && !op.reversed;
            let covering = rev
                .iter()
                .filter(|(wild, _)| !base.contains_key(*wild))
                .find(|(wild, _)| covers(wild, media));
            match covering {
                Some((wild, rm)) if request => self.schema(
                    op,
                    &scope(Some(wild.clone())),
                    bm.schema.as_ref(),
                    rm.schema.as_ref(),
                ),
                _ => self.push(
                    op,
                    scope(None),
                    ChangeKind::MediaTypeRemoved {
                        media: media.clone(),
                    },
                    Some(bm.pointer.clone()),
                    Some(rptr.to_owned()),
                ),
            }
        }
    }

    fn responses(&mut self, op: &Arc<OpRef>, b: &Operation<'a>, r: &Operation<'a>) {
        // `200` and `2XX` describe the same responses when the other side has only one
        // of them: compare them with each other rather than report a removal.
        let range = |s: &str| format!("{}XX", &s[..1.min(s.len())]);
        let counterpart = |status: &str,
                           mine: &BTreeMap<String, crate::spec::model::Response<'a>>,
                           other: &BTreeMap<String, crate::spec::model::Response<'a>>|
         -> Option<String> {
            if other.contains_key(status) {
                return Some(status.to_owned());
            }
            if status.ends_with("XX") {
                other
                    .keys()
                    .find(|o| {
                        o.starts_with(&status[..1]) && !o.ends_with("XX") && !mine.contains_key(*o)
                    })
                    .cloned()
            } else {
                let r = range(status);
                (other.contains_key(&r) && !mine.contains_key(&r)).then_some(r)
            }
        };
        for (status, rr) in &r.responses {
            let Some(br) =
                counterpart(status, &r.responses, &b.responses).and_then(|s| b.responses.get(&s))
            else {
                self.push(
                    op,
                    Scope::Response {
                        status: status.clone(),
                        media: None,
                    },
                    ChangeKind::ResponseAdded {
                        status: status.clone(),
                    },
                    Some(b.pointer.clone()),
                    Some(rr.pointer.clone()),
                );
                continue;
            };
            let st = status.clone();
            // 204, 205 and 304 carry no body (RFC 9110), whatever the spec lists
            // under them: content dropped from a 204 (SendGrid) is no change.
            let bodiless = ["204", "205", "304"].contains(&status.as_str());
            let empty = BTreeMap::new();
            let (bc, rc) = if bodiless {
                (&empty, &empty)
            } else {
                (&br.content, &rr.content)
            };
            self.content(
                op,
                bc,
                rc,
                |media| Scope::Response {
                    status: st.clone(),
                    media,
                },
                (&br.pointer, &rr.pointer),
            );
            self.headers(op, status, &br.headers, &rr.headers);
        }
        for (status, br) in &b.responses {
            if counterpart(status, &b.responses, &r.responses).is_none() {
                self.push(
                    op,
                    Scope::Response {
                        status: status.clone(),
                        media: None,
                    },
                    ChangeKind::ResponseRemoved {
                        status: status.clone(),
                    },
                    Some(br.pointer.clone()),
                    Some(r.pointer.clone()),
                );
            }
        }
    }

    fn headers(
        &mut self,
        op: &Arc<OpRef>,
        status: &str,
        base: &BTreeMap<String, Header<'a>>,
        rev: &BTreeMap<String, Header<'a>>,
    ) {
        for (name, rh) in rev {
            let scope = Scope::ResponseHeader {
                status: status.to_owned(),
                name: name.clone(),
            };
            match base.get(name) {
                None => self.push(
                    op,
                    scope,
                    ChangeKind::HeaderAdded {
                        required: rh.required,
                    },
                    None,
                    Some(rh.pointer.clone()),
                ),
                Some(bh) => {
                    if bh.required != rh.required {
                        let kind = became(rh.required);
                        self.push(
                            op,
                            scope.clone(),
                            kind,
                            Some(bh.pointer.clone()),
                            Some(rh.pointer.clone()),
                        );
                    }
                    if bh.deprecated != rh.deprecated {
                        let kind = if rh.deprecated {
                            ChangeKind::Deprecated { sunset: None }
                        } else {
                            ChangeKind::Reactivated
                        };
                        self.push(
                            op,
                            scope.clone(),
                            kind,
                            Some(bh.pointer.clone()),
                            Some(rh.pointer.clone()),
                        );
                    }
                    self.schema(op, &scope, bh.schema.as_ref(), rh.schema.as_ref());
                }
            }
        }
        for (name, bh) in base {
            if !rev.contains_key(name) {
                let scope = Scope::ResponseHeader {
                    status: status.to_owned(),
                    name: name.clone(),
                };
                self.push(
                    op,
                    scope,
                    ChangeKind::HeaderRemoved {
                        required: bh.required,
                    },
                    Some(bh.pointer.clone()),
                    None,
                );
            }
        }
    }
}

/// `BecameRequired` or `BecameOptional`, for a parameter, body or header (which have
/// no read-only/write-only of their own).
/// A header that picks the API version (`Intercom-Version`, `Stripe-Version`,
/// `X-Api-Version`, Klaviyo's `revision`), not one that reports the caller's own
/// (`X-Client-Version`, `X-SDK-Version`).
fn is_version_header(p: &Parameter<'_>) -> bool {
    let name = p.name.to_ascii_lowercase();
    let callers = ["client", "sdk", "app", "agent", "user"];
    p.location == "header"
        && (name == "revision"
            || (name.ends_with("version") && !callers.iter().any(|c| name.contains(c))))
}

/// A required flag that changed, on a parameter, a body or a property.
pub(crate) fn became(required: bool) -> ChangeKind {
    if required {
        ChangeKind::BecameRequired {
            read_only: false,
            write_only: false,
        }
    } else {
        ChangeKind::BecameOptional {
            read_only: false,
            write_only: false,
        }
    }
}

fn display_requirement(names: &str) -> String {
    if names.is_empty() {
        "(no authentication)".to_owned()
    } else {
        names.to_owned()
    }
}

/// One operation's security alternatives on both sides, each also spelled out
/// whole (`oauth[read,write]+apiKey`), and which were already compared by scope.
struct Alternatives<'s> {
    base: &'s [SecurityRequirement],
    rev: &'s [SecurityRequirement],
    base_full: Vec<String>,
    rev_full: Vec<String>,
    handled_base: Vec<bool>,
    handled_rev: Vec<bool>,
}

/// No authentication needed: no requirement, or an empty alternative.
fn public(reqs: &[SecurityRequirement]) -> bool {
    reqs.is_empty() || reqs.iter().any(BTreeMap::is_empty)
}

/// The schemes of a requirement, without scopes (`oauth+apiKey`).
fn scheme_names(req: &SecurityRequirement) -> String {
    req.keys().cloned().collect::<Vec<_>>().join("+")
}

/// The schemes of a requirement, with scopes (`oauth[read,write]+apiKey`).
fn full_requirement(req: &SecurityRequirement) -> String {
    req.iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}[{}]", v.iter().cloned().collect::<Vec<_>>().join(","))
            }
        })
        .collect::<Vec<_>>()
        .join("+")
}
