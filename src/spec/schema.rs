//! One schema node, read the same way whatever the dialect.
//!
//! [`Resolver::view`] follows `$ref` chains, folds `allOf` members into one object
//! (so a plain object and the same object split across `allOf` read the same),
//! unwraps single-member `oneOf`/`anyOf`, and collapses the three spellings of
//! nullability (`nullable: true`, `type: [T, "null"]`, `oneOf: [{type: null}, T]`)
//! into one flag. `const` reads as a one-value `enum` (marked as a `const`); 3.0
//! boolean `exclusiveMaximum` reads as the 3.1 number form. The JSON Schema 2020-12
//! applicators OpenAPI 3.1 allows (`contains`, `if`/`then`/`else`, `not`,
//! `dependentRequired`/`dependentSchemas`, `patternProperties`, `propertyNames`,
//! `prefixItems`, `unevaluatedItems`) are read as the node's own, not folded.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::load::{escape_pointer, resolve_fragment};

/// How many `$ref` hops or `allOf` levels are followed before giving up.
const MAX_HOPS: usize = 32;

/// A schema value and where it sits in its document.
#[derive(Debug, Clone)]
pub struct SchemaNode<'a> {
    pub value: Cow<'a, Value>,
    pub pointer: String,
}

impl<'a> SchemaNode<'a> {
    pub fn borrowed(value: &'a Value, pointer: String) -> Self {
        SchemaNode {
            value: Cow::Borrowed(value),
            pointer,
        }
    }
}

/// Numeric constraints, in a fixed order so that diffs iterate deterministically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bound {
    MaxLength,
    MinLength,
    Maximum,
    Minimum,
    ExclusiveMaximum,
    ExclusiveMinimum,
    MaxItems,
    MinItems,
    MaxProperties,
    MinProperties,
    MultipleOf,
    MinContains,
    MaxContains,
}

impl Bound {
    pub const ALL: [Bound; 13] = [
        Bound::MaxLength,
        Bound::MinLength,
        Bound::Maximum,
        Bound::Minimum,
        Bound::ExclusiveMaximum,
        Bound::ExclusiveMinimum,
        Bound::MaxItems,
        Bound::MinItems,
        Bound::MaxProperties,
        Bound::MinProperties,
        Bound::MultipleOf,
        Bound::MinContains,
        Bound::MaxContains,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Bound::MaxLength => "maxLength",
            Bound::MinLength => "minLength",
            Bound::Maximum => "maximum",
            Bound::Minimum => "minimum",
            Bound::ExclusiveMaximum => "exclusiveMaximum",
            Bound::ExclusiveMinimum => "exclusiveMinimum",
            Bound::MaxItems => "maxItems",
            Bound::MinItems => "minItems",
            Bound::MaxProperties => "maxProperties",
            Bound::MinProperties => "minProperties",
            Bound::MultipleOf => "multipleOf",
            Bound::MinContains => "minContains",
            Bound::MaxContains => "maxContains",
        }
    }

    /// Upper bounds narrow when they go down; lower bounds when they go up.
    pub fn is_upper(self) -> bool {
        matches!(
            self,
            Bound::MaxLength
                | Bound::Maximum
                | Bound::ExclusiveMaximum
                | Bound::MaxItems
                | Bound::MaxProperties
                | Bound::MaxContains
        )
    }

    /// The kebab-case name used in rule ids (`max-length`).
    pub fn slug(self) -> &'static str {
        match self {
            Bound::MaxLength => "max-length",
            Bound::MinLength => "min-length",
            Bound::Maximum => "max",
            Bound::Minimum => "min",
            Bound::ExclusiveMaximum => "exclusive-max",
            Bound::ExclusiveMinimum => "exclusive-min",
            Bound::MaxItems => "max-items",
            Bound::MinItems => "min-items",
            Bound::MaxProperties => "max-properties",
            Bound::MinProperties => "min-properties",
            Bound::MultipleOf => "multiple-of",
            Bound::MinContains => "min-contains",
            Bound::MaxContains => "max-contains",
        }
    }
}

/// `additionalProperties`, read.
#[derive(Debug, Clone)]
pub enum Additional<'a> {
    /// Not said: anything goes.
    Unspecified,
    Allowed(bool),
    Schema(SchemaNode<'a>),
}

/// What a schema node says, with refs followed and `allOf` folded.
#[derive(Debug, Clone, Default)]
pub struct SchemaView<'a> {
    /// Pointer of the node after following refs.
    pub pointer: String,
    /// The same node's identity in its document (its address), for memoising; `None`
    /// for synthesised nodes, which have no place in the document.
    pub node_id: Option<usize>,
    /// Name of the component it came from, if it was a `$ref`.
    pub ref_target: Option<String>,
    /// Declared types without `"null"`; empty means "any".
    pub types: BTreeSet<String>,
    pub nullable: bool,
    /// A local `$ref` that resolves to nothing: nothing is known about the value.
    pub dangling: bool,
    /// The boolean schema `false` (through `$ref`s): no value is valid.
    pub never: bool,
    pub format: Option<String>,
    /// `enum` (or `const`) values, as canonical JSON text.
    pub enum_values: Option<BTreeSet<String>>,
    /// The values came from `const` (one value, and no `enum` beside it).
    pub is_const: bool,
    /// Values of the `x-extensible-enum` convention: adding is allowed, removing is not.
    pub extensible_enum: Option<BTreeSet<String>>,
    pub bounds: BTreeMap<Bound, f64>,
    pub pattern: Option<String>,
    pub unique_items: bool,
    pub properties: BTreeMap<String, SchemaNode<'a>>,
    pub required: BTreeSet<String>,
    pub items: Option<SchemaNode<'a>>,
    pub additional: Option<Additional<'a>>,
    pub one_of: Vec<SchemaNode<'a>>,
    pub any_of: Vec<SchemaNode<'a>>,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub default: Option<String>,
    pub discriminator: Option<String>,
    /// The schemas a discriminator's `mapping` names, by value: subtypes that are
    /// often reachable no other way (`Dog: allOf [Pet, ...]`, listed only in `Pet`).
    pub mapping: Vec<(String, SchemaNode<'a>)>,
    /// Whether anything constrains the value at all (`{}` or only annotations → false).
    pub constrained: bool,
    /// The node's own 2020-12 applicators (not folded from `allOf` members).
    pub applicators: Applicators<'a>,
    /// 3.1's `contentMediaType` and `contentEncoding`, as written (they also set
    /// `format` above, for equality with 3.0's `binary`/`byte`).
    pub content_media_type: Option<String>,
    pub content_encoding: Option<String>,
    /// `x-stability-level` of a property (the convention's draft/alpha/beta/stable).
    pub stability: Option<String>,
}

/// The JSON Schema 2020-12 applicators of one node, as written on it.
#[derive(Debug, Clone, Default)]
pub struct Applicators<'a> {
    /// The node's own `allOf` members (they are also folded into the view).
    pub all_of: Vec<SchemaNode<'a>>,
    pub contains: Option<SchemaNode<'a>>,
    pub if_: Option<SchemaNode<'a>>,
    pub then_: Option<SchemaNode<'a>>,
    pub else_: Option<SchemaNode<'a>>,
    pub not: Option<SchemaNode<'a>>,
    /// `dependentRequired`: a property → the properties it requires.
    pub dependent_required: BTreeMap<String, BTreeSet<String>>,
    pub dependent_schemas: BTreeMap<String, SchemaNode<'a>>,
    pub pattern_properties: BTreeMap<String, SchemaNode<'a>>,
    pub property_names: Option<SchemaNode<'a>>,
    pub prefix_items: Vec<SchemaNode<'a>>,
    /// `items: false` (no items beyond `prefixItems`).
    pub items_closed: bool,
    pub unevaluated_items: Option<Additional<'a>>,
    /// 3.1's `contentSchema`: the schema of a string's decoded content.
    pub content_schema: Option<SchemaNode<'a>>,
}

/// Reads schema nodes of one document.
pub struct Resolver<'a> {
    root: &'a Value,
    /// `$ref` fragments already looked up, by where their text is in the document
    /// (address and length): big specs name the same components thousands of times.
    targets: RefCell<HashMap<(usize, usize), Option<&'a Value>>>,
}

impl<'a> Resolver<'a> {
    pub fn new(root: &'a Value) -> Self {
        Resolver {
            root,
            targets: RefCell::new(HashMap::new()),
        }
    }

    /// The node at a pointer of this document (`None` for synthesised nodes' pointers).
    pub fn node_at(&self, pointer: &str) -> Option<SchemaNode<'a>> {
        resolve_fragment(self.root, pointer).map(|v| SchemaNode::borrowed(v, pointer.to_owned()))
    }

    /// Follows a `$ref` chain from `value` to the node it names.
    pub fn deref(&self, value: &'a Value, pointer: &str) -> (&'a Value, String, Option<String>) {
        let (value, last) = self.follow(value);
        match last {
            Some(frag) => (value, frag.to_owned(), Some(component_name(frag))),
            None => (value, pointer.to_owned(), None),
        }
    }

    /// Follows a `$ref` chain: the node it ends at, and the fragment of its last hop
    /// (`None` when `value` is not a reference that resolves).
    fn follow(&self, value: &'a Value) -> (&'a Value, Option<&'a str>) {
        let mut current = value;
        let mut last = None;
        for _ in 0..MAX_HOPS {
            let Some(Value::String(r)) = current.get("$ref") else {
                break;
            };
            let Some(frag) = r.strip_prefix('#') else {
                break;
            };
            let Some(next) = self.lookup(frag) else {
                break;
            };
            last = Some(frag);
            current = next;
        }
        (current, last)
    }

    fn lookup(&self, frag: &'a str) -> Option<&'a Value> {
        let key = (frag.as_ptr() as usize, frag.len());
        if let Some(found) = self.targets.borrow().get(&key) {
            return *found;
        }
        let found = resolve_fragment(self.root, frag);
        self.targets.borrow_mut().insert(key, found);
        found
    }

    /// Follows refs for an owned-or-borrowed node.
    pub fn deref_node(&self, node: &SchemaNode<'a>) -> SchemaNode<'a> {
        match &node.value {
            Cow::Borrowed(v) => {
                let (v, p, _) = self.deref(v, &node.pointer);
                SchemaNode::borrowed(v, p)
            }
            Cow::Owned(v) => match v
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(frag) => match resolve_fragment(self.root, frag) {
                    Some(target) => {
                        let (v, p, _) = self.deref(target, frag);
                        SchemaNode::borrowed(v, p)
                    }
                    None => node.clone(),
                },
                None => node.clone(),
            },
        }
    }

    /// Reads a node into a [`SchemaView`].
    pub fn view(&self, node: &SchemaNode<'a>) -> SchemaView<'a> {
        let mut view = SchemaView {
            pointer: node.pointer.clone(),
            ..SchemaView::default()
        };
        match &node.value {
            Cow::Borrowed(v) => self.fold(&mut view, v, &node.pointer, 0, true),
            Cow::Owned(v) => {
                // Owned nodes are synthesised (Swagger 2.0 parameters); their
                // children are re-borrowed through the ref resolver where possible.
                let v: &Value = v;
                let tmp = v.clone();
                self.fold_owned(&mut view, &tmp, &node.pointer);
                view.node_id = None;
            }
        }
        view
    }

    fn fold_owned(&self, view: &mut SchemaView<'a>, v: &Value, pointer: &str) {
        if let Some(frag) = v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            && let Some(target) = resolve_fragment(self.root, frag)
        {
            self.fold(view, target, frag, 1, true);
        }
        read_scalars(view, v);
        if let Some(items) = v.get("items") {
            view.items = Some(SchemaNode {
                value: Cow::Owned(items.clone()),
                pointer: format!("{pointer}/items"),
            });
        }
        if let Some(Value::Object(props)) = v.get("properties") {
            for (k, p) in props {
                view.properties
                    .entry(k.clone())
                    .or_insert_with(|| SchemaNode {
                        value: Cow::Owned(p.clone()),
                        pointer: format!("{pointer}/properties/{}", escape_pointer(k)),
                    });
            }
        }
        read_required(view, v);
    }

    fn fold(
        &self,
        view: &mut SchemaView<'a>,
        value: &'a Value,
        pointer: &str,
        depth: usize,
        top: bool,
    ) {
        if depth > MAX_HOPS {
            return;
        }
        // OpenAPI 3.1: keywords beside `$ref` apply too (and real 3.0 files put
        // `nullable` or `deprecated` there expecting the same). Read them first, so
        // they win over the target's.
        let with_siblings = matches!(value, Value::Object(map) if map.contains_key("$ref") && map.keys().any(|k| !is_annotation(k)));
        if with_siblings {
            read_scalars(view, value);
            read_required(view, value);
            if let Value::Object(siblings) = value {
                read_applicators(&mut view.applicators, siblings, pointer, false);
            }
        }
        let original = (value, pointer);
        let (value, last) = self.follow(value);
        if top && *value == Value::Bool(false) {
            view.never = true;
            view.constrained = true;
        }
        if matches!(value.get("$ref"), Some(Value::String(r)) if r.starts_with('#')) {
            view.dangling = true;
        }
        let pointer = last.unwrap_or(pointer);
        if top {
            // A `$ref` with constraints beside it is its own node, not the component
            // (the diff memoises by node).
            let (node, at) = if with_siblings {
                original
            } else {
                (value, pointer)
            };
            view.pointer = at.to_owned();
            view.node_id = Some(std::ptr::from_ref::<Value>(node) as usize);
            if let Some(frag) = last {
                view.ref_target = Some(component_name(frag));
            }
        }
        let Value::Object(map) = value else {
            return;
        };
        self.fold_compositions(view, map, pointer, depth);
        if let Some(Value::Array(members)) = map.get("allOf") {
            for (i, m) in members.iter().enumerate() {
                self.fold(view, m, &format!("{pointer}/allOf/{i}"), depth + 1, false);
            }
        }
        read_scalars(view, value);
        if view.mapping.is_empty() {
            self.read_mapping(view, map);
        }
        if let Some(items) = map.get("items").filter(|i| i.is_object())
            && view.items.is_none()
        {
            view.items = Some(SchemaNode::borrowed(items, join(pointer, &["/items"])));
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            // A property named "" is a vendor's glitch, not a field a client uses.
            for (k, p) in props.iter().filter(|(k, _)| !k.is_empty()) {
                let node = || {
                    SchemaNode::borrowed(p, join(pointer, &["/properties/", &escape_pointer(k)]))
                };
                match view.properties.entry(k.clone()) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(node());
                    }
                    // `allOf` members that both declare an object property (an overlay
                    // re-declaring `attributes` with one extra field): the fullest
                    // declaration stands, whatever the members' order, so reordering
                    // the members is no change.
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        let current = match e.get().value {
                            Cow::Borrowed(v) => self.property_count(v),
                            Cow::Owned(_) => usize::MAX,
                        };
                        if self.property_count(p) > current {
                            e.insert(node());
                        }
                    }
                }
            }
        }
        read_required(view, value);
        read_additional(view, map, pointer);
        read_applicators(&mut view.applicators, map, pointer, top);
    }

    /// How many properties a schema declares itself or through its `allOf` members
    /// (one level; enough to tell an overlay from the object it overlays).
    fn property_count(&self, value: &'a Value) -> usize {
        let (value, _) = self.follow(value);
        let own = |v: &Value| {
            v.get("properties")
                .and_then(Value::as_object)
                .map_or(0, Map::len)
        };
        own(value)
            + value
                .get("allOf")
                .and_then(Value::as_array)
                .map_or(0, |members| {
                    members.iter().map(|m| own(self.follow(m).0)).sum()
                })
    }

    /// Nullable wrappers and single-member compositions read as their member; other
    /// `oneOf`/`anyOf` members are kept, null ones aside.
    fn fold_compositions(
        &self,
        view: &mut SchemaView<'a>,
        map: &'a Map<String, Value>,
        pointer: &str,
        depth: usize,
    ) {
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = map.get(key) {
                let non_null: Vec<(usize, &Value)> = members
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !self.is_null_schema(m))
                    .collect();
                let has_null = non_null.len() < members.len();
                if has_null {
                    view.nullable = true;
                }
                // A `oneOf` of plain enums is one enum (a vendor splitting one list
                // into members, or merging them, changes no value).
                if non_null.len() >= 2 && non_null.iter().all(|(_, m)| self.is_enum_only(m)) {
                    let mut values = view.enum_values.take().unwrap_or_default();
                    for (_, m) in &non_null {
                        let (m, _, _) = self.deref(m, "");
                        if let Some(Value::String(t)) = m.get("type") {
                            view.types.insert(t.clone());
                        }
                        // `anyOf: [{const: a}, {const: b}]` is `enum: [a, b]`.
                        let one = m.get("const").map(std::slice::from_ref);
                        for v in m
                            .get("enum")
                            .and_then(Value::as_array)
                            .map(Vec::as_slice)
                            .or(one)
                            .into_iter()
                            .flatten()
                        {
                            if v.is_null() {
                                view.nullable = true;
                            } else {
                                values.insert(canonical(v));
                            }
                        }
                    }
                    view.enum_values = Some(values);
                    view.is_const = false;
                    view.constrained = true;
                    continue;
                }
                if non_null.len() == 1 && members.len() <= 2 {
                    let (i, m) = non_null[0];
                    self.fold(view, m, &format!("{pointer}/{key}/{i}"), depth + 1, false);
                } else {
                    let list: Vec<SchemaNode<'a>> = non_null
                        .into_iter()
                        .map(|(i, m)| SchemaNode::borrowed(m, format!("{pointer}/{key}/{i}")))
                        .collect();
                    if key == "oneOf" {
                        view.one_of.extend(list);
                    } else {
                        view.any_of.extend(list);
                    }
                }
            }
        }
    }

    /// The schemas a discriminator's `mapping` names.
    fn read_mapping(&self, view: &mut SchemaView<'a>, map: &'a Map<String, Value>) {
        let Some(Value::Object(mapping)) = map.get("discriminator").and_then(|d| d.get("mapping"))
        else {
            return;
        };
        for (key, target) in mapping {
            let Some(target) = target.as_str() else {
                continue;
            };
            // A value is a reference, or a bare component name.
            let frag = match target.strip_prefix('#') {
                Some(frag) => frag.to_owned(),
                None => format!("/components/schemas/{}", escape_pointer(target)),
            };
            if let Some(node) = resolve_fragment(self.root, &frag) {
                view.mapping
                    .push((key.clone(), SchemaNode::borrowed(node, frag)));
            }
        }
    }

    /// A schema that is only an enum (with its type and annotations).
    fn is_enum_only(&self, m: &'a Value) -> bool {
        let (m, _, _) = self.deref(m, "");
        m.as_object().is_some_and(|o| {
            (o.get("enum").is_some_and(Value::is_array) || o.contains_key("const"))
                && o.keys()
                    .all(|k| k == "enum" || k == "const" || k == "type" || is_annotation(k))
        })
    }

    fn is_null_schema(&self, m: &'a Value) -> bool {
        let (m, _, _) = self.deref(m, "");
        match m.get("type") {
            Some(Value::String(t)) => t == "null",
            Some(Value::Array(ts)) => ts.iter().all(|t| t == "null"),
            _ => {
                m.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().all(Value::is_null))
                    // `{nullable: true}` and nothing else (3.0's way to say "or null"
                    // in an `anyOf`): a null member.
                    || m.as_object().is_some_and(|o| {
                        o.get("nullable") == Some(&Value::Bool(true))
                            && o.keys().all(|k| k == "nullable" || is_annotation(k))
                    })
            }
        }
    }
}

/// `additionalProperties`, or 3.1's `unevaluatedProperties` in its place.
fn read_additional<'a>(view: &mut SchemaView<'a>, map: &'a Map<String, Value>, pointer: &str) {
    match map.get("additionalProperties") {
        Some(Value::Bool(b)) => view.additional = Some(Additional::Allowed(*b)),
        Some(v @ Value::Object(_)) => {
            view.additional = Some(Additional::Schema(SchemaNode::borrowed(
                v,
                format!("{pointer}/additionalProperties"),
            )))
        }
        // 3.1's `unevaluatedProperties` closes (or constrains) the object's other
        // properties the same way, allOf members included.
        _ => match map.get("unevaluatedProperties") {
            Some(Value::Bool(b)) => view.additional = Some(Additional::Allowed(*b)),
            Some(v @ Value::Object(_)) => {
                view.additional = Some(Additional::Schema(SchemaNode::borrowed(
                    v,
                    format!("{pointer}/unevaluatedProperties"),
                )))
            }
            _ => {}
        },
    }
}

/// The 2020-12 applicators written on one node, or on what folds into it (`allOf`
/// members, a single `oneOf` member, keywords beside a `$ref`): the first one read
/// of each keyword stands, as with plain keywords, and keyed ones are merged. The
/// `allOf` member list is the top node's own (`top`). Only nodes that name an
/// applicator pay for more than the key scan.
fn read_applicators<'a>(
    out: &mut Applicators<'a>,
    map: &'a Map<String, Value>,
    pointer: &str,
    top: bool,
) {
    const KEYS: [&str; 13] = [
        "allOf",
        "contentSchema",
        "contains",
        "if",
        "then",
        "else",
        "not",
        "dependentRequired",
        "dependentSchemas",
        "patternProperties",
        "propertyNames",
        "prefixItems",
        "unevaluatedItems",
    ];
    if !KEYS.iter().any(|k| map.contains_key(*k)) && map.get("items") != Some(&Value::Bool(false)) {
        return;
    }
    let node = |key: &str| {
        map.get(key)
            .filter(|v| v.is_object() || v.is_boolean())
            .map(|v| SchemaNode::borrowed(v, join(pointer, &["/", key])))
    };
    let members = |key: &str| -> Vec<SchemaNode<'a>> {
        map.get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .enumerate()
                    .map(|(i, m)| SchemaNode::borrowed(m, format!("{pointer}/{key}/{i}")))
                    .collect()
            })
            .unwrap_or_default()
    };
    let named = |key: &str| -> BTreeMap<String, SchemaNode<'a>> {
        map.get(key)
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let at = join(pointer, &["/", key, "/", &escape_pointer(k)]);
                        (k.clone(), SchemaNode::borrowed(v, at))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if top {
        out.all_of = members("allOf");
    }
    for (slot, key) in [
        (&mut out.contains, "contains"),
        (&mut out.if_, "if"),
        (&mut out.then_, "then"),
        (&mut out.else_, "else"),
        (&mut out.not, "not"),
        (&mut out.property_names, "propertyNames"),
        (&mut out.content_schema, "contentSchema"),
    ] {
        if slot.is_none() {
            *slot = node(key);
        }
    }
    if let Some(Value::Object(o)) = map.get("dependentRequired") {
        for (k, v) in o {
            out.dependent_required.entry(k.clone()).or_default().extend(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned),
            );
        }
    }
    for (k, v) in named("dependentSchemas") {
        // `dependentSchemas: {a: {required: [b]}}` is `dependentRequired: {a: [b]}`.
        let only_required = v.value.as_object().and_then(|o| {
            o.keys()
                .all(|key| key == "required" || is_annotation(key))
                .then(|| o.get("required").and_then(Value::as_array))
                .flatten()
        });
        match only_required {
            Some(names) => out
                .dependent_required
                .entry(k)
                .or_default()
                .extend(names.iter().filter_map(Value::as_str).map(str::to_owned)),
            None => {
                out.dependent_schemas.entry(k).or_insert(v);
            }
        }
    }
    for (k, v) in named("patternProperties") {
        out.pattern_properties.entry(k).or_insert(v);
    }
    if out.prefix_items.is_empty() {
        out.prefix_items = members("prefixItems");
    }
    out.items_closed |= map.get("items") == Some(&Value::Bool(false));
    if out.unevaluated_items.is_none() {
        out.unevaluated_items = match map.get("unevaluatedItems") {
            Some(Value::Bool(b)) => Some(Additional::Allowed(*b)),
            Some(v @ Value::Object(_)) => Some(Additional::Schema(SchemaNode::borrowed(
                v,
                join(pointer, &["/unevaluatedItems"]),
            ))),
            _ => None,
        };
    }
}

/// Reads keywords that hold plain values. Earlier `allOf` members win ties.
/// One pass over the keys: vendor schemas are large and this runs for every node.
fn read_scalars(view: &mut SchemaView<'_>, value: &Value) {
    let Value::Object(map) = value else { return };
    let mut exclusive_max_flag = false;
    let mut exclusive_min_flag = false;
    let mut bounds: Vec<(Bound, f64)> = Vec::new();
    for (key, v) in map {
        // Kept as written besides what the match below reads from them.
        let written = match key.as_str() {
            "contentMediaType" => Some(&mut view.content_media_type),
            "contentEncoding" => Some(&mut view.content_encoding),
            "x-stability-level" => Some(&mut view.stability),
            _ => None,
        };
        if let Some(slot) = written.filter(|slot| slot.is_none()) {
            *slot = v.as_str().map(str::to_owned);
        }
        match key.as_str() {
            "type" => {
                if read_type(view, v) {
                    view.constrained = true;
                }
            }
            // `x-nullable` is Swagger 2.0's spelling (2.0 has no `nullable`).
            "nullable" | "x-nullable" => view.nullable |= v.as_bool() == Some(true),
            "format" => {
                if view.format.is_none() {
                    view.format = v.as_str().map(str::to_owned);
                }
            }
            // OpenAPI 3.1 spells 3.0's `format: binary` / `format: byte` this way.
            "contentMediaType" if map.get("format").is_none() && view.format.is_none() => {
                view.format = Some(
                    if map.get("contentEncoding").and_then(Value::as_str) == Some("base64") {
                        "byte"
                    } else {
                        "binary"
                    }
                    .to_owned(),
                );
            }
            "contentEncoding"
                if v.as_str() == Some("base64")
                    && map.get("format").is_none()
                    && view.format.is_none() =>
            {
                view.format = Some("byte".to_owned());
            }
            "enum" => {
                view.is_const = false;
                if let Value::Array(values) = v {
                    let mut set = BTreeSet::new();
                    for v in values {
                        if v.is_null() {
                            view.nullable = true;
                        } else {
                            set.insert(canonical(v));
                        }
                    }
                    view.enum_values.get_or_insert(set);
                    view.constrained = true;
                }
            }
            "const" => {
                if view.enum_values.is_none() && !map.contains_key("enum") {
                    view.is_const = true;
                }
                view.enum_values
                    .get_or_insert_with(|| BTreeSet::from([canonical(v)]));
                view.constrained = true;
            }
            "x-extensible-enum" => {
                if let Value::Array(values) = v {
                    view.extensible_enum
                        .get_or_insert_with(|| values.iter().map(canonical).collect());
                }
            }
            "exclusiveMaximum" if v.as_bool() == Some(true) => exclusive_max_flag = true,
            "exclusiveMinimum" if v.as_bool() == Some(true) => exclusive_min_flag = true,
            "pattern" => {
                if view.pattern.is_none() {
                    view.pattern = v.as_str().map(str::to_owned);
                }
                view.constrained = true;
            }
            "uniqueItems" => view.unique_items |= v.as_bool() == Some(true),
            "readOnly" => view.read_only |= v.as_bool() == Some(true),
            "writeOnly" => view.write_only |= v.as_bool() == Some(true),
            "deprecated" => view.deprecated |= v.as_bool() == Some(true),
            "default" => {
                if view.default.is_none() {
                    view.default = Some(canonical(v));
                }
            }
            "discriminator" => {
                if view.discriminator.is_none() {
                    view.discriminator = read_discriminator(v);
                }
            }
            "properties" | "items" | "prefixItems" | "contains" | "if" | "not"
            | "dependentRequired" | "dependentSchemas" | "patternProperties" | "propertyNames"
            | "unevaluatedItems" => view.constrained = true,
            other => {
                if let Some(bound) = Bound::ALL.iter().find(|b| b.keyword() == other)
                    && let Some(n) = v.as_f64()
                {
                    bounds.push((*bound, n));
                }
            }
        }
    }
    for (bound, n) in bounds {
        // OpenAPI 3.0: a boolean `exclusiveMaximum` moves `maximum` to exclusive.
        let bound = match bound {
            Bound::Maximum if exclusive_max_flag => Bound::ExclusiveMaximum,
            Bound::Minimum if exclusive_min_flag => Bound::ExclusiveMinimum,
            b => b,
        };
        view.bounds.entry(bound).or_insert(n);
        view.constrained = true;
    }
}

/// `type`, a name or a list (`"null"` in it is nullability); false when it is
/// neither, and so constrains nothing.
fn read_type(view: &mut SchemaView<'_>, v: &Value) -> bool {
    match v {
        Value::String(t) if t == "null" => view.nullable = true,
        // Swagger 2.0's `file` is OpenAPI 3's binary string.
        Value::String(t) if t == "file" => {
            if view.types.is_empty() {
                view.types.insert("string".to_owned());
            }
            if view.format.is_none() {
                view.format = Some("binary".to_owned());
            }
        }
        Value::String(t) => {
            if view.types.is_empty() {
                view.types.insert(t.clone());
            }
        }
        Value::Array(ts) => {
            let mut set = BTreeSet::new();
            for t in ts.iter().filter_map(Value::as_str) {
                if t == "null" {
                    view.nullable = true;
                } else {
                    set.insert(t.to_owned());
                }
            }
            if view.types.is_empty() {
                view.types = set;
            }
        }
        _ => return false,
    }
    true
}

/// A discriminator as the property name and the values clients switch on
/// (mapping keys): `kind (cat, dog)`.
fn read_discriminator(v: &Value) -> Option<String> {
    let name = v
        .get("propertyName")
        .or(Some(v))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let keys: Vec<&String> = v
        .get("mapping")
        .and_then(Value::as_object)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    name.map(|n| {
        if keys.is_empty() {
            n
        } else {
            format!(
                "{n} ({})",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    })
}

/// `pointer` followed by `parts`: built once, without the formatting machinery (this
/// runs for every property of every schema read).
fn join(pointer: &str, parts: &[&str]) -> String {
    let mut out =
        String::with_capacity(pointer.len() + parts.iter().map(|p| p.len()).sum::<usize>());
    out.push_str(pointer);
    parts.iter().for_each(|p| out.push_str(p));
    out
}

/// The last token of a `$ref` fragment, unescaped: `#/components/schemas/Contact` names
/// `Contact`.
fn component_name(frag: &str) -> String {
    let token = frag.rsplit('/').next().unwrap_or(frag);
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_owned()
    }
}

/// Keywords that describe a schema without constraining it.
pub fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "$ref"
            | "description"
            | "summary"
            | "title"
            | "example"
            | "examples"
            | "$comment"
            | "externalDocs"
    ) || key.starts_with("x-")
}

/// JSON text of a value, with `1.0` and `1` spelled the same (JSON has one number type).
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn read_required(view: &mut SchemaView<'_>, value: &Value) {
    if let Some(Value::Array(req)) = value.get("required") {
        view.required
            .extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view_of(root: &Value, ptr: &str) -> SchemaView<'static> {
        let root: &'static Value = Box::leak(Box::new(root.clone()));
        let r = Resolver::new(root);
        let node = SchemaNode::borrowed(root.pointer(ptr).unwrap(), ptr.to_owned());
        r.view(&node)
    }

    #[test]
    fn three_spellings_of_nullable_read_the_same() {
        let root = json!({
            "a": {"type": "string", "nullable": true},
            "b": {"type": ["string", "null"]},
            "c": {"oneOf": [{"type": "null"}, {"type": "string"}]},
        });
        for p in ["/a", "/b", "/c"] {
            let v = view_of(&root, p);
            assert!(v.nullable, "{p}");
            assert_eq!(v.types, BTreeSet::from(["string".to_owned()]), "{p}");
        }
    }

    #[test]
    fn all_of_folds_properties_and_required() {
        let root = json!({
            "components": {"schemas": {"Base": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}},
            "s": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"name": {"type": "string"}}}]},
        });
        let v = view_of(&root, "/s");
        assert_eq!(
            v.properties.keys().cloned().collect::<Vec<_>>(),
            ["id", "name"]
        );
        assert!(v.required.contains("id"));
        assert!(v.types.contains("object"));
    }

    #[test]
    fn openapi30_exclusive_maximum_reads_as_number() {
        let root = json!({"a": {"type": "integer", "maximum": 10, "exclusiveMaximum": true}, "b": {"type": "integer", "exclusiveMaximum": 10}});
        let a = view_of(&root, "/a");
        let b = view_of(&root, "/b");
        assert_eq!(a.bounds, b.bounds);
    }

    #[test]
    fn keywords_beside_a_ref_apply() {
        let root = json!({"c": {"Code": {"type": "string"}}, "s": {"$ref": "#/c/Code", "maxLength": 3, "deprecated": true, "description": "x"}});
        let v = view_of(&root, "/s");
        assert_eq!(v.bounds.get(&Bound::MaxLength), Some(&3.0));
        assert!(v.deprecated);
        assert!(v.types.contains("string"));
    }

    #[test]
    fn ref_cycles_terminate() {
        let root = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        let v = view_of(&root, "/a");
        assert!(v.types.is_empty());
    }
}
