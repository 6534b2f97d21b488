//! Schema-to-schema comparison, memoised per component pair.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;

use super::{ChangeKind, PropertyPath};
use crate::spec::schema::{Additional, Applicators, Bound, Resolver, SchemaNode, SchemaView};

/// Property nesting deeper than this is not compared (hostile or broken specs).
pub const MAX_DEPTH: usize = 48;

/// What changed inside a schema, relative to where the comparison started.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum SchemaChange {
    TypeChanged {
        from: Vec<String>,
        to: Vec<String>,
    },
    FormatChanged {
        from: Option<String>,
        to: Option<String>,
    },
    BecameNullable,
    BecameNotNullable,
    EnumValueAdded {
        value: String,
    },
    EnumValueRemoved {
        value: String,
    },
    BecameEnum,
    EnumDropped,
    ExtensibleEnumValueRemoved {
        value: String,
    },
    BoundChanged {
        bound: BoundName,
        from: Option<f64>,
        to: Option<f64>,
    },
    PatternChanged {
        from: Option<String>,
        to: Option<String>,
    },
    /// A pattern changed, with a string the old one accepted that the new one
    /// refuses (`narrowed`) and/or the reverse (`widened`).
    PatternMoved {
        from: String,
        to: String,
        narrowed: Option<String>,
        widened: Option<String>,
    },
    UniqueItemsChanged {
        to: bool,
    },
    PropertyAdded {
        name: String,
        required: bool,
        read_only: bool,
        write_only: bool,
    },
    PropertyRemoved {
        name: String,
        required: bool,
        read_only: bool,
        write_only: bool,
        deprecated: bool,
        /// The revision's object allows no other properties: sending it is refused.
        closed: bool,
    },
    ReadOnlyChanged {
        to: bool,
    },
    WriteOnlyChanged {
        to: bool,
    },
    DefaultChanged {
        from: Option<String>,
        to: Option<String>,
    },
    VariantAdded {
        composition: String,
        member: String,
        /// Every value of the new member was already accepted by an old one (an
        /// open object with only optional properties, none of them retyped).
        accepted_before: bool,
    },
    VariantRemoved {
        composition: String,
        member: String,
    },
    AdditionalPropertiesChanged {
        from: String,
        to: String,
    },
    DiscriminatorChanged {
        from: Option<String>,
        to: Option<String>,
    },
    /// `const` set where there was no value list.
    ConstAdded {
        value: String,
    },
    /// `const` dropped, with no value list left.
    ConstRemoved {
        value: String,
    },
    ConstChanged {
        from: String,
        to: String,
    },
    /// The same limit turned exclusive (`maximum: 10` → `exclusiveMaximum: 10`), or
    /// inclusive.
    LimitExclusivityChanged {
        bound: BoundName,
        value: f64,
        exclusive: bool,
    },
    /// A 2020-12 applicator written (or dropped) on the node; `key` names the entry
    /// of a keyword that holds several (`dependentSchemas`, `patternProperties`).
    ApplicatorAdded {
        keyword: Applicator,
        key: Option<String>,
    },
    ApplicatorRemoved {
        keyword: Applicator,
        key: Option<String>,
    },
    /// An applicator whose effect cannot be judged by direction (a changed `if`
    /// moves values between branches; a changed `not` inverts its own changes).
    ApplicatorChanged {
        keyword: Applicator,
    },
    DependentRequiredAdded {
        property: String,
        requires: String,
    },
    DependentRequiredRemoved {
        property: String,
        requires: String,
    },
    /// A position added to (or removed from) a `prefixItems` tuple.
    PrefixItemAdded {
        index: usize,
    },
    PrefixItemRemoved {
        index: usize,
    },
    /// Items past the tuple (`items: false`) or items no subschema evaluated
    /// (`unevaluatedItems`): `any`, `none` or `schema`.
    ExtraItemsChanged {
        keyword: String,
        from: String,
        to: String,
    },
    /// A constraining member added to an `allOf` (every value must now match it too).
    AllOfAdded {
        member: String,
    },
    /// A schema became one member of a new `oneOf`: a value valid before that also
    /// matches another member now matches more than one, and is refused.
    WrappedInOneOf {
        members: usize,
    },
    /// A read-only property lost `readOnly` while required: clients must now send it.
    BecameWritableWhileRequired,
    /// 3.1's `contentMediaType` or `contentEncoding` changed from one value to another
    /// (`image/png` → `image/webp`, `base64` → `base32`).
    ContentChanged {
        keyword: String,
        from: String,
        to: String,
    },
    /// `x-stability-level` of a schema (a property) changed.
    StabilityChanged {
        from: Option<String>,
        to: Option<String>,
    },
}

/// A JSON Schema 2020-12 applicator keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Applicator {
    Contains,
    If,
    Then,
    Else,
    Not,
    PropertyNames,
    DependentSchemas,
    PatternProperties,
    ContentSchema,
}

impl Applicator {
    pub fn keyword(self) -> &'static str {
        match self {
            Applicator::Contains => "contains",
            Applicator::If => "if",
            Applicator::Then => "then",
            Applicator::Else => "else",
            Applicator::Not => "not",
            Applicator::PropertyNames => "propertyNames",
            Applicator::DependentSchemas => "dependentSchemas",
            Applicator::PatternProperties => "patternProperties",
            Applicator::ContentSchema => "contentSchema",
        }
    }
}

/// A serialisable [`Bound`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct BoundName(#[serde(serialize_with = "ser_bound")] pub Bound);

fn ser_bound<S: serde::Serializer>(b: &Bound, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(b.keyword())
}

/// One change found inside a schema. Cheap to clone: a change in a shared component
/// is handed up to every schema that reaches it, one path segment at a time.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PropertyPath,
    pub kind: Rc<ChangeKind>,
    pub base_pointer: Option<Arc<str>>,
    pub revision_pointer: Option<Arc<str>>,
    pub read_only: bool,
    pub write_only: bool,
    /// Identity for de-duplication (pointers + kind), computed once; 0 = not yet.
    pub key: u64,
}

impl Found {
    fn new(path: PropertyPath, kind: ChangeKind, base: &str, revision: &str) -> Self {
        Found {
            path,
            kind: Rc::new(kind),
            base_pointer: Some(Arc::from(base)),
            revision_pointer: Some(Arc::from(revision)),
            read_only: false,
            write_only: false,
            key: 0,
        }
    }
}

pub(super) struct SchemaDiffer<'a> {
    /// How deep property paths are followed (error bodies are compared shallowly).
    max_depth: usize,
    base: Resolver<'a>,
    rev: Resolver<'a>,
    memo: HashMap<(usize, usize), Rc<Vec<Found>>>,
    in_progress: HashSet<(usize, usize)>,
}

impl<'a> SchemaDiffer<'a> {
    pub fn new(base: Resolver<'a>, rev: Resolver<'a>, max_depth: usize) -> Self {
        SchemaDiffer {
            max_depth,
            base,
            rev,
            memo: HashMap::new(),
            in_progress: HashSet::new(),
        }
    }

    /// The types a base schema allows (empty: anything).
    pub fn base_types(&self, node: &SchemaNode<'a>) -> Vec<String> {
        effective_types(&self.base, &self.base.view(node))
            .into_iter()
            .collect()
    }

    /// Whether a base schema holds its value to anything (a type, a property, a
    /// limit, an applicator).
    pub fn base_constrains(&self, node: &SchemaNode<'a>) -> bool {
        let v = self.base.view(node);
        v.constrained || !v.required.is_empty() || v.never
    }

    /// The types a revision schema allows (empty: anything).
    pub fn revision_types(&self, node: &SchemaNode<'a>) -> Vec<String> {
        effective_types(&self.rev, &self.rev.view(node))
            .into_iter()
            .collect()
    }

    pub fn compare(&mut self, b: &SchemaNode<'a>, r: &SchemaNode<'a>) -> Rc<Vec<Found>> {
        self.node(b, r, 0)
    }

    fn node(&mut self, b: &SchemaNode<'a>, r: &SchemaNode<'a>, depth: usize) -> Rc<Vec<Found>> {
        if depth > self.max_depth {
            return Rc::new(Vec::new());
        }
        // Most of a spec does not change between versions: a subtree that is
        // identical and reaches no `$ref` cannot hold a change, so skip building views.
        if let (Cow::Borrowed(bv), Cow::Borrowed(rv)) = (&b.value, &r.value)
            && same_inline(bv, rv)
        {
            return Rc::new(Vec::new());
        }
        let bv = self.base.view(b);
        let rv = self.rev.view(r);
        self.node_views(bv, rv, depth)
    }

    fn node_views(
        &mut self,
        bv: SchemaView<'a>,
        rv: SchemaView<'a>,
        depth: usize,
    ) -> Rc<Vec<Found>> {
        if depth > self.max_depth {
            return Rc::new(Vec::new());
        }
        // Memoise on the resolved node pair: a component (or a property of one) reached
        // again is compared once, and recursion through `allOf` wrappers terminates
        // (a wrapper's folded properties resolve to the component's own pointers).
        // Inline nodes under `/paths` are unique and cannot recur without a `$ref`, so
        // they are not worth the bookkeeping.
        let shared =
            |v: &SchemaView<'_>| v.ref_target.is_some() || !v.pointer.starts_with("/paths/");
        let key = match (bv.node_id, rv.node_id) {
            (Some(b), Some(r)) if shared(&bv) || shared(&rv) => Some((b, r)),
            _ => None,
        };
        if let Some(k) = key {
            if let Some(done) = self.memo.get(&k) {
                return done.clone();
            }
            if !self.in_progress.insert(k) {
                // A recursive schema: the outer comparison covers this pair.
                return Rc::new(Vec::new());
            }
        }
        let mut out = Vec::new();
        self.views(&bv, &rv, depth, &mut out);
        let out = Rc::new(dedupe(out));
        if let Some(k) = key {
            self.in_progress.remove(&k);
            self.memo.insert(k, out.clone());
        }
        out
    }

    fn views(
        &mut self,
        b: &SchemaView<'a>,
        r: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) {
        // A reference to nothing says nothing (it is reported once, as a spec
        // problem): no change can be read through it.
        if b.dangling || r.dangling {
            return;
        }
        // `false` accepts nothing: a schema becoming it (or leaving it) is one change
        // of type, to or from "never"; nothing inside is compared.
        if b.never || r.never {
            if b.never != r.never {
                let types = |resolver: &Resolver<'a>, v: &SchemaView<'a>| -> Vec<String> {
                    if v.never {
                        vec!["never".to_owned()]
                    } else {
                        effective_types(resolver, v).into_iter().collect()
                    }
                };
                out.push(found_at(
                    b,
                    r,
                    ChangeKind::Schema(SchemaChange::TypeChanged {
                        from: types(&self.base, b),
                        to: types(&self.rev, r),
                    }),
                ));
            }
            return;
        }
        if self.composition_appears(b, r, depth, out) {
            return;
        }
        // An object that stops being one (becomes an array, a string) is one break:
        // its properties are not also reported one by one.
        let before_type = out.len();
        let object_replaced = self.type_change(b, r, out);
        let retyped = out.len() > before_type;
        self.keywords(b, r, out);
        if !object_replaced {
            self.properties(b, r, depth, out);
        }
        self.applicators(b, r, depth, out);
        self.all_of_added(b, r, out);
        if let (Some(bi), Some(ri)) = (&b.items, &r.items) {
            let nested = self.node(bi, ri, depth + 1);
            prefix(out, "[]", &nested);
        }
        if let (Some(Additional::Schema(bs)), Some(Additional::Schema(rs))) =
            (&b.additional, &r.additional)
        {
            let nested = self.node(bs, rs, depth + 1);
            prefix(out, "{*}", &nested);
        }
        let members_start = out.len();
        self.compositions(b, r, depth, out);
        // A plain schema that became a composition of other types is one change,
        // already said as its type change: its members are not each "added" too.
        let composed_anew = retyped && b.one_of.is_empty() && b.any_of.is_empty();
        // A name the node itself requires on the other side is required of every
        // member's values there: a member dropping it (or gaining it) as it moves
        // up to the node (or down from it) changes nothing.
        let moved_to_node = |f: &Found| {
            f.path.len() == 2
                && f.path.iter().last().is_some_and(|name| match &*f.kind {
                    ChangeKind::BecameOptional { .. } => r.required.contains(name),
                    ChangeKind::BecameRequired { .. } => b.required.contains(name),
                    _ => false,
                })
        };
        let added_member = |f: &Found| {
            f.path.is_empty()
                && matches!(
                    &*f.kind,
                    ChangeKind::Schema(SchemaChange::VariantAdded { .. })
                )
        };
        let members = out.split_off(members_start);
        out.extend(
            members
                .into_iter()
                .filter(|f| !(moved_to_node(f) || (composed_anew && added_member(f)))),
        );
        // Subtypes named by a discriminator's mapping, paired by the value clients
        // switch on (a renamed or dropped value is a discriminator change above).
        for (key, rm) in &r.mapping {
            if let Some((_, bm)) = b.mapping.iter().find(|(k, _)| k == key) {
                let nested = self.node(bm, rm, depth + 1);
                prefix(out, &format!("mapping({key})"), &nested);
            }
        }
    }

    /// Reports a change of type; true when an object stopped being one.
    fn type_change(&self, b: &SchemaView<'a>, r: &SchemaView<'a>, out: &mut Vec<Found>) -> bool {
        if b.types == r.types {
            return false;
        }
        // A node without `type` whose members all say what they are (`anyOf`
        // of two objects) has the members' types: that is no change to "any".
        let bt = effective_types(&self.base, b);
        let rt = effective_types(&self.rev, r);
        // An enum without `type` already has its values' type: declaring it
        // (`{enum: [false]}` → `{type: boolean, enum: [false]}`) is no change, and
        // declaring another is a change from that type.
        // A declared type that none of the enum's values has is a vendor's slip
        // (Mailchimp's `{type: object, enum: ["send", ...]}`): the values say it.
        let bt = match enum_type(b) {
            Some(t) if bt.is_empty() && !rt.is_empty() => t,
            Some(t) if !bt.is_empty() && !fits(&t, &bt) => t,
            _ => bt,
        };
        let rt = match enum_type(r) {
            Some(t) if rt.is_empty() && !bt.is_empty() => t,
            Some(t) if !rt.is_empty() && !fits(&t, &rt) => t,
            _ => rt,
        };
        let object_replaced = bt.contains("object") && !rt.is_empty() && !rt.contains("object");
        if bt != rt {
            out.push(found_at(
                b,
                r,
                ChangeKind::Schema(SchemaChange::TypeChanged {
                    from: bt.into_iter().collect(),
                    to: rt.into_iter().collect(),
                }),
            ));
        }
        object_replaced
    }

    /// Changes of the node's own keywords, nothing nested.
    fn keywords(&self, b: &SchemaView<'a>, r: &SchemaView<'a>, out: &mut Vec<Found>) {
        let schema = |kind: SchemaChange| found_at(b, r, ChangeKind::Schema(kind));
        if b.format != r.format {
            out.push(schema(SchemaChange::FormatChanged {
                from: b.format.clone(),
                to: r.format.clone(),
            }));
        }
        if b.nullable != r.nullable {
            out.push(schema(if r.nullable {
                SchemaChange::BecameNullable
            } else {
                SchemaChange::BecameNotNullable
            }));
        }
        enum_changes(b, r, out);
        bound_changes(b, r, out);
        let verdict = match (&b.pattern, &r.pattern) {
            (Some(from), Some(to)) if from != to => super::pattern::compare(from, to),
            _ => super::pattern::Verdict::Unknown,
        };
        if b.pattern != r.pattern && verdict != super::pattern::Verdict::Same {
            out.push(schema(match (verdict, &b.pattern, &r.pattern) {
                (super::pattern::Verdict::Moved { narrowed, widened }, Some(from), Some(to)) => {
                    SchemaChange::PatternMoved {
                        from: from.clone(),
                        to: to.clone(),
                        narrowed,
                        widened,
                    }
                }
                _ => SchemaChange::PatternChanged {
                    from: b.pattern.clone(),
                    to: r.pattern.clone(),
                },
            }));
        }
        for (keyword, from, to) in [
            (
                "contentMediaType",
                &b.content_media_type,
                &r.content_media_type,
            ),
            ("contentEncoding", &b.content_encoding, &r.content_encoding),
        ] {
            if let (Some(from), Some(to)) = (from, to)
                && !from.eq_ignore_ascii_case(to)
            {
                out.push(schema(SchemaChange::ContentChanged {
                    keyword: keyword.to_owned(),
                    from: from.clone(),
                    to: to.clone(),
                }));
            }
        }
        if b.stability != r.stability {
            out.push(schema(SchemaChange::StabilityChanged {
                from: b.stability.clone(),
                to: r.stability.clone(),
            }));
        }
        if b.unique_items != r.unique_items {
            out.push(schema(SchemaChange::UniqueItemsChanged {
                to: r.unique_items,
            }));
        }
        if b.read_only != r.read_only {
            out.push(schema(SchemaChange::ReadOnlyChanged { to: r.read_only }));
        }
        if b.write_only != r.write_only {
            out.push(schema(SchemaChange::WriteOnlyChanged { to: r.write_only }));
        }
        if b.default != r.default {
            out.push(schema(SchemaChange::DefaultChanged {
                from: b.default.clone(),
                to: r.default.clone(),
            }));
        }
        if b.discriminator != r.discriminator {
            out.push(schema(SchemaChange::DiscriminatorChanged {
                from: b.discriminator.clone(),
                to: r.discriminator.clone(),
            }));
        }
        if b.deprecated != r.deprecated {
            out.push(found_at(
                b,
                r,
                if r.deprecated {
                    ChangeKind::Deprecated { sunset: None }
                } else {
                    ChangeKind::Reactivated
                },
            ));
        }
        let (ba, ra) = (
            additional_label(&self.base, &b.additional),
            additional_label(&self.rev, &r.additional),
        );
        if ba != ra {
            out.push(schema(SchemaChange::AdditionalPropertiesChanged {
                from: ba.to_owned(),
                to: ra.to_owned(),
            }));
        }
    }

    /// The node's own 2020-12 applicators. Those whose subschema narrows or widens
    /// with the node (`contains`, `then`, `else`, `propertyNames`, the entries of
    /// `dependentSchemas` and `patternProperties`, tuple positions) are compared
    /// like any nested schema, so their changes are judged by direction; `if` and
    /// `not` are not (a changed `if` moves values between branches, and `not`
    /// inverts), so a change inside them is one conservative finding.
    fn applicators(
        &mut self,
        b: &SchemaView<'a>,
        r: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) {
        let (ba, ra) = (&b.applicators, &r.applicators);
        let at = |kind: SchemaChange| found_at(b, r, ChangeKind::Schema(kind));
        let singles = [
            (Applicator::Contains, &ba.contains, &ra.contains),
            (Applicator::Then, &ba.then_, &ra.then_),
            (Applicator::Else, &ba.else_, &ra.else_),
            (
                Applicator::PropertyNames,
                &ba.property_names,
                &ra.property_names,
            ),
            (
                Applicator::ContentSchema,
                &ba.content_schema,
                &ra.content_schema,
            ),
            (Applicator::If, &ba.if_, &ra.if_),
            (Applicator::Not, &ba.not, &ra.not),
        ];
        for (keyword, bs, rs) in singles {
            // `true` or `{}` (or only annotations) constrains nothing: written or
            // dropped, it changes no value.
            let bs = bs.as_ref().filter(|n| constrains(n));
            let rs = rs.as_ref().filter(|n| constrains(n));
            match (bs, rs) {
                (None, Some(_)) => {
                    out.push(at(SchemaChange::ApplicatorAdded { keyword, key: None }))
                }
                (Some(_), None) => {
                    out.push(at(SchemaChange::ApplicatorRemoved { keyword, key: None }))
                }
                (Some(x), Some(y)) => {
                    let nested = self.node(x, y, depth + 1);
                    if matches!(keyword, Applicator::If | Applicator::Not) {
                        if nested.iter().any(|f| validates(&f.kind)) {
                            out.push(at(SchemaChange::ApplicatorChanged { keyword }));
                        }
                    } else {
                        prefix(out, keyword.keyword(), &nested);
                    }
                }
                (None, None) => {}
            }
        }
        let keyed = [
            (
                Applicator::DependentSchemas,
                &ba.dependent_schemas,
                &ra.dependent_schemas,
            ),
            (
                Applicator::PatternProperties,
                &ba.pattern_properties,
                &ra.pattern_properties,
            ),
        ];
        for (keyword, bm, rm) in keyed {
            for (key, rs) in rm {
                match bm.get(key) {
                    None if !constrains(rs) => {}
                    // New pattern-named properties in an object that allowed no
                    // others open it: more may arrive, nothing sent is refused.
                    None if keyword == Applicator::PatternProperties
                        && matches!(b.additional, Some(Additional::Allowed(false))) =>
                    {
                        out.push(at(SchemaChange::AdditionalPropertiesChanged {
                            from: "none".to_owned(),
                            to: "pattern".to_owned(),
                        }))
                    }
                    None => out.push(at(SchemaChange::ApplicatorAdded {
                        keyword,
                        key: Some(key.clone()),
                    })),
                    Some(bs) => {
                        let nested = self.node(bs, rs, depth + 1);
                        prefix(out, &format!("{}({key})", keyword.keyword()), &nested);
                    }
                }
            }
            for (key, _) in bm
                .iter()
                .filter(|(k, n)| !rm.contains_key(*k) && constrains(n))
            {
                out.push(at(SchemaChange::ApplicatorRemoved {
                    keyword,
                    key: Some(key.clone()),
                }));
            }
        }
        let pairs = |a: &Applicators<'a>| -> std::collections::BTreeSet<(String, String)> {
            a.dependent_required
                .iter()
                .flat_map(|(p, names)| names.iter().map(move |n| (p.clone(), n.clone())))
                .collect()
        };
        let (bp, rp) = (pairs(ba), pairs(ra));
        for (property, requires) in rp.difference(&bp).cloned() {
            out.push(at(SchemaChange::DependentRequiredAdded {
                property,
                requires,
            }));
        }
        for (property, requires) in bp.difference(&rp).cloned() {
            out.push(at(SchemaChange::DependentRequiredRemoved {
                property,
                requires,
            }));
        }
        self.tuples(b, r, depth, out);
    }

    /// `prefixItems` positions, and what holds the items past them (`items: false`,
    /// `unevaluatedItems`).
    fn tuples(
        &mut self,
        b: &SchemaView<'a>,
        r: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) {
        let (ba, ra) = (&b.applicators, &r.applicators);
        let at = |kind: SchemaChange| found_at(b, r, ChangeKind::Schema(kind));
        for (index, (x, y)) in ba.prefix_items.iter().zip(&ra.prefix_items).enumerate() {
            let nested = self.node(x, y, depth + 1);
            prefix(out, &format!("[{index}]"), &nested);
        }
        for index in ba.prefix_items.len()..ra.prefix_items.len() {
            out.push(at(SchemaChange::PrefixItemAdded { index }));
        }
        for index in ra.prefix_items.len()..ba.prefix_items.len() {
            out.push(at(SchemaChange::PrefixItemRemoved { index }));
        }
        // Beside a tuple and no `items` schema, `unevaluatedItems: false` closes the
        // array just as `items: false` does.
        let closed = |v: &SchemaView<'a>| {
            v.applicators.items_closed
                || (v.items.is_none()
                    && matches!(
                        v.applicators.unevaluated_items,
                        Some(Additional::Allowed(false))
                    ))
        };
        let (bc, rc) = (closed(b), closed(r));
        if bc != rc {
            let label = |closed: bool| if closed { "none" } else { "any" };
            out.push(at(SchemaChange::ExtraItemsChanged {
                keyword: "items".to_owned(),
                from: label(bc).to_owned(),
                to: label(rc).to_owned(),
            }));
        }
        let unevaluated = |v: &SchemaView<'a>| match &v.applicators.unevaluated_items {
            Some(Additional::Allowed(false)) if v.items.is_none() => None,
            other => other.clone(),
        };
        let (bu, ru) = (
            additional_label(&self.base, &unevaluated(b)),
            additional_label(&self.rev, &unevaluated(r)),
        );
        // An `items` schema evaluates every item: `unevaluatedItems` beside it has
        // nothing left to hold.
        let evaluated = b.items.is_some() && r.items.is_some();
        if bu != ru && !evaluated {
            out.push(at(SchemaChange::ExtraItemsChanged {
                keyword: "unevaluatedItems".to_owned(),
                from: bu.to_owned(),
                to: ru.to_owned(),
            }));
        } else if let (Some(Additional::Schema(x)), Some(Additional::Schema(y))) =
            (&ba.unevaluated_items, &ra.unevaluated_items)
        {
            let nested = self.node(x, y, depth + 1);
            prefix(out, "unevaluatedItems", &nested);
        }
    }

    /// Members added to an `allOf` the node already had, that bring something the
    /// folded base did not have (a property, a required name, or a constraint of
    /// their own): every value must now match them too. A member that only moves
    /// what was there, or only annotates, adds nothing.
    fn all_of_added(&self, b: &SchemaView<'a>, r: &SchemaView<'a>, out: &mut Vec<Found>) {
        let (bm, rm) = (&b.applicators.all_of, &r.applicators.all_of);
        if bm.is_empty() || rm.len() <= bm.len() {
            return;
        }
        let bids = self.member_ids(&self.base, bm);
        let rids = self.member_ids(&self.rev, rm);
        let pairs = pair_members(&bids, &rids, false);
        for (i, m) in rm.iter().enumerate() {
            if pairs[i].is_some() || bids.contains(&rids[i]) {
                continue;
            }
            let v = self.rev.view(m);
            let brings = v.properties.keys().any(|p| !b.properties.contains_key(p))
                || v.required.iter().any(|p| !b.required.contains(p))
                || (v.properties.is_empty() && v.required.is_empty() && v.constrained);
            if brings {
                out.push(found_at(
                    b,
                    r,
                    ChangeKind::Schema(SchemaChange::AllOfAdded {
                        member: rids[i].trim_start_matches('#').to_owned(),
                    }),
                ));
            }
        }
    }

    /// `oneOf` and `anyOf` members. A composition that changes keyword (`oneOf` →
    /// `anyOf`) keeps its members: compare them with each other, judged as the
    /// revision's keyword.
    fn compositions(
        &mut self,
        b: &SchemaView<'a>,
        r: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) {
        let only = |one: &[SchemaNode<'a>], any: &[SchemaNode<'a>]| match (one, any) {
            ([_, ..], []) => Some("oneOf"),
            ([], [_, ..]) => Some("anyOf"),
            _ => None,
        };
        match (only(&b.one_of, &b.any_of), only(&r.one_of, &r.any_of)) {
            (Some("oneOf"), Some("anyOf")) => {
                self.variants("anyOf", &b.one_of, &r.any_of, b, r, depth, out)
            }
            (Some("anyOf"), Some("oneOf")) => {
                self.variants("oneOf", &b.any_of, &r.one_of, b, r, depth, out)
            }
            _ => {
                self.variants("oneOf", &b.one_of, &r.one_of, b, r, depth, out);
                self.variants("anyOf", &b.any_of, &r.any_of, b, r, depth, out);
            }
        }
    }

    fn properties(
        &mut self,
        b: &SchemaView<'a>,
        r: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) {
        for (name, rp) in &r.properties {
            match b.properties.get(name) {
                None => {
                    let rpv = self.rev.view(rp);
                    out.push(Found::new(
                        PropertyPath::one(name),
                        ChangeKind::Schema(SchemaChange::PropertyAdded {
                            name: name.clone(),
                            required: r.required.contains(name),
                            read_only: rpv.read_only,
                            write_only: rpv.write_only,
                        }),
                        &b.pointer,
                        &rp.pointer,
                    ))
                }
                Some(bp) => {
                    let (was, is) = (b.required.contains(name), r.required.contains(name));
                    // Most properties do not change: no views for those.
                    let same = matches!(
                        (&bp.value, &rp.value),
                        (Cow::Borrowed(x), Cow::Borrowed(y)) if same_inline(x, y)
                    );
                    if same && was == is {
                        continue;
                    }
                    let rpv = self.rev.view(rp);
                    // A property that becomes nullable and leaves `required` at once is
                    // still sent, as null (Stripe never lists nullable properties as
                    // required): one root cause, reported once, as "became nullable".
                    let nulled = was && !is && rpv.nullable && !self.base.view(bp).nullable;
                    if was != is && !nulled {
                        let (read_only, write_only) = (rpv.read_only, rpv.write_only);
                        out.push(Found::new(
                            PropertyPath::one(name),
                            if is {
                                ChangeKind::BecameRequired {
                                    read_only,
                                    write_only,
                                }
                            } else {
                                ChangeKind::BecameOptional {
                                    read_only,
                                    write_only,
                                }
                            },
                            &bp.pointer,
                            &rp.pointer,
                        ));
                    }
                    if same {
                        continue;
                    }
                    let bpv = self.base.view(bp);
                    let hidden_ro = bpv.read_only && rpv.read_only;
                    let hidden_wo = bpv.write_only && rpv.write_only;
                    let (bpv_read_only, rpv_read_only) = (bpv.read_only, rpv.read_only);
                    let nested = self.node_views(bpv, rpv, depth + 1);
                    let start = out.len();
                    prefix(out, name, &nested);
                    // Everything inside a property clients never send (or never read)
                    // is as unreachable as the property itself.
                    let writable_required = bpv_read_only && !rpv_read_only && is;
                    for f in &mut out[start..] {
                        f.read_only |= hidden_ro;
                        f.write_only |= hidden_wo;
                        if writable_required
                            && f.path.len() == 1
                            && matches!(
                                &*f.kind,
                                ChangeKind::Schema(SchemaChange::ReadOnlyChanged { to: false })
                            )
                        {
                            f.kind = Rc::new(ChangeKind::Schema(
                                SchemaChange::BecameWritableWhileRequired,
                            ));
                        }
                    }
                }
            }
        }
        // A name required where no property of that name is declared (a `then`, an
        // `anyOf` member, a `dependentSchemas` entry saying `required: [x]` about the
        // object around it) is still required of the value.
        let declared =
            |name: &String| b.properties.contains_key(name) || r.properties.contains_key(name);
        // A name every member on the other side required, now required once above
        // them (or the reverse), is required of every value as before.
        let by_members = |resolver: &Resolver<'a>, v: &SchemaView<'a>, name: &String| {
            let members = if v.one_of.is_empty() {
                &v.any_of
            } else {
                &v.one_of
            };
            !members.is_empty()
                && members
                    .iter()
                    .all(|m| resolver.view(m).required.contains(name))
        };
        // Required now and not before (the other side's members checked on the base),
        // then the reverse.
        for (required, from, to, resolver) in [(true, b, r, &self.base), (false, r, b, &self.rev)] {
            for name in to
                .required
                .difference(&from.required)
                .filter(|n| !declared(n) && !by_members(resolver, from, n))
            {
                out.push(Found::new(
                    PropertyPath::one(name),
                    super::became(required),
                    &b.pointer,
                    &r.pointer,
                ));
            }
        }
        for (name, bp) in &b.properties {
            if !r.properties.contains_key(name) {
                let bpv = self.base.view(bp);
                out.push(Found::new(
                    PropertyPath::one(name),
                    ChangeKind::Schema(SchemaChange::PropertyRemoved {
                        name: name.clone(),
                        required: b.required.contains(name),
                        read_only: bpv.read_only,
                        write_only: bpv.write_only,
                        deprecated: bpv.deprecated,
                        closed: matches!(r.additional, Some(Additional::Allowed(false))),
                    }),
                    &bp.pointer,
                    &r.pointer,
                ));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn variants(
        &mut self,
        composition: &str,
        base: &[SchemaNode<'a>],
        rev: &[SchemaNode<'a>],
        bv: &SchemaView<'a>,
        rv: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) {
        if base.is_empty() && rev.is_empty() {
            return;
        }
        let bids = self.member_ids(&self.base, base);
        let rids = self.member_ids(&self.rev, rev);
        let positional =
            bids.iter().chain(&rids).all(|id| id.starts_with('#')) && base.len() == rev.len();
        let mut pairs = pair_members(&bids, &rids, positional);
        self.pair_by_shape(base, rev, &mut pairs);
        for (i, r) in rev.iter().enumerate() {
            let found = pairs[i];
            match found {
                Some(j) => {
                    let nested = self.node(&base[j], r, depth + 1);
                    prefix(
                        out,
                        &format!("{composition}({})", rids[i].trim_start_matches('#')),
                        &nested,
                    );
                }
                None => out.push(member_change(
                    Some(self.accepted_before(r, base)),
                    composition,
                    &rids[i],
                    &bv.pointer,
                    &r.pointer,
                )),
            }
        }
        if !positional {
            for (j, b) in base.iter().enumerate() {
                if !pairs.contains(&Some(j)) {
                    out.push(member_change(
                        None,
                        composition,
                        &bids[j],
                        &b.pointer,
                        &rv.pointer,
                    ));
                }
            }
        }
    }

    /// A schema that becomes one member of a new `oneOf`/`anyOf` (`Card` → `oneOf:
    /// [Card, Bank]`), or the reverse, is compared with that member; the others are
    /// members added (or removed). Its properties were not removed: they moved.
    fn composition_appears(
        &mut self,
        b: &SchemaView<'a>,
        r: &SchemaView<'a>,
        depth: usize,
        out: &mut Vec<Found>,
    ) -> bool {
        let composed = |v: &SchemaView<'a>| !v.one_of.is_empty() || !v.any_of.is_empty();
        if composed(b) == composed(r) {
            return false;
        }
        let members = |v: &SchemaView<'a>| -> Option<(&'static str, Vec<SchemaNode<'a>>)> {
            match (v.one_of.is_empty(), v.any_of.is_empty()) {
                (false, true) => Some(("oneOf", v.one_of.clone())),
                (true, false) => Some(("anyOf", v.any_of.clone())),
                _ => None,
            }
        };
        let plain = |v: &SchemaView<'a>| {
            v.one_of.is_empty()
                && v.any_of.is_empty()
                && (!v.properties.is_empty() || !v.types.is_empty())
        };
        let (grew, composition, list, single) = match (members(b), members(r)) {
            (None, Some((c, list))) if plain(b) => match self.base.node_at(&b.pointer) {
                Some(node) => (true, c, list, node),
                None => return false,
            },
            (Some((c, list)), None) if plain(r) => match self.rev.node_at(&r.pointer) {
                Some(node) => (false, c, list, node),
                None => return false,
            },
            _ => return false,
        };
        // Pair the lone schema with a member, as members are paired with each other.
        let (lone, many) = if grew {
            (&self.base, &self.rev)
        } else {
            (&self.rev, &self.base)
        };
        // The lone schema reached through a `$ref` is named by its component, like
        // the members (its own title would not match a `$ref` member's name).
        let lone_view = if grew { b } else { r };
        let lone_id = match &lone_view.ref_target {
            Some(target) => vec![target.clone()],
            None => self.member_ids(lone, std::slice::from_ref(&single)),
        };
        let ids = self.member_ids(many, &list);
        let partner = if grew {
            let mut pairs = pair_members(&lone_id, &ids, false);
            self.pair_by_shape(std::slice::from_ref(&single), &list, &mut pairs);
            pairs.iter().position(Option::is_some)
        } else {
            let mut pairs = pair_members(&ids, &lone_id, false);
            self.pair_by_shape(&list, std::slice::from_ref(&single), &mut pairs);
            pairs.first().copied().flatten()
        };
        let partner = partner.or_else(|| holder_of_promises(lone, many, &single, &list));
        let Some(partner) = partner else {
            return false;
        };
        // A discriminator tells the members apart; without one, a value valid before
        // that also fits another member matches two, and `oneOf` refuses it.
        if grew && composition == "oneOf" && r.discriminator.is_none() && !self.disjoint(&list) {
            out.push(found_at(
                b,
                r,
                ChangeKind::Schema(SchemaChange::WrappedInOneOf {
                    members: list.len(),
                }),
            ));
        }
        for (i, member) in list.iter().enumerate() {
            if i == partner {
                let nested = if grew {
                    self.node(&single, member, depth + 1)
                } else {
                    self.node(member, &single, depth + 1)
                };
                // `nullable` on the composition covers its members: a nullable
                // `oneOf` collapsed to one nullable member (or the reverse) keeps
                // what null means.
                let composed_nullable = if grew { r.nullable } else { b.nullable };
                let nested = if composed_nullable && lone_view.nullable {
                    without_root_nullability(&nested)
                } else {
                    nested
                };
                prefix(
                    out,
                    &format!("{composition}({})", ids[i].trim_start_matches('#')),
                    &nested,
                );
            } else if grew {
                out.push(member_change(
                    Some(self.accepted_before(member, std::slice::from_ref(&single))),
                    composition,
                    &ids[i],
                    &b.pointer,
                    &member.pointer,
                ));
            } else {
                out.push(member_change(
                    None,
                    composition,
                    &ids[i],
                    &member.pointer,
                    &r.pointer,
                ));
            }
        }
        true
    }

    /// Whether no value can match two of these (revision) members: their types do
    /// not overlap, or one property holds a different constant in each (Klaviyo's
    /// send strategies, one per `method`).
    fn disjoint(&self, members: &[SchemaNode<'a>]) -> bool {
        let views: Vec<SchemaView<'a>> = members.iter().map(|m| self.rev.view(m)).collect();
        let types: Vec<std::collections::BTreeSet<String>> = views
            .iter()
            .map(|v| effective_types(&self.rev, v))
            .collect();
        let typed_apart = types.iter().all(|t| !t.is_empty())
            && types.iter().enumerate().all(|(i, a)| {
                types[i + 1..].iter().all(|b| {
                    a.is_disjoint(b)
                        && !(a.contains("integer") && b.contains("number"))
                        && !(a.contains("number") && b.contains("integer"))
                })
            });
        if typed_apart {
            return true;
        }
        // A member that is itself a `oneOf` (Intercom's contact reply, one per way
        // of naming the contact) has the constant all its own members share.
        let own = |v: &SchemaView<'a>, name: &str| -> Option<String> {
            let values = self.rev.view(v.properties.get(name)?).enum_values?;
            (values.len() == 1 && v.required.contains(name))
                .then(|| values.into_iter().next())
                .flatten()
        };
        let constant = |v: &SchemaView<'a>, name: &str| -> Option<String> {
            if v.properties.contains_key(name) || v.one_of.is_empty() {
                return own(v, name);
            }
            let mut shared = v.one_of.iter().map(|m| own(&self.rev.view(m), name));
            let first = shared.next()??;
            shared.all(|c| c.as_ref() == Some(&first)).then_some(first)
        };
        // A closed object refuses what another member requires and it does not
        // declare: no value fits both.
        let excludes = |x: &SchemaView<'a>, y: &SchemaView<'a>| {
            matches!(x.additional, Some(Additional::Allowed(false)))
                && y.required.iter().any(|n| !x.properties.contains_key(n))
        };
        let closed_apart = views.len() > 1
            && views.iter().enumerate().all(|(i, x)| {
                views[i + 1..]
                    .iter()
                    .all(|y| excludes(x, y) || excludes(y, x))
            });
        if closed_apart {
            return true;
        }
        // The property names a constant may sit on: the members' own, and those of
        // a nested `oneOf`'s members.
        let mut names: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for v in &views {
            names.extend(v.properties.keys().cloned());
            for m in &v.one_of {
                names.extend(self.rev.view(m).properties.into_keys());
            }
        }
        names.iter().any(|name| {
            let values: Option<Vec<String>> = views.iter().map(|v| constant(v, name)).collect();
            values.is_some_and(|vals| {
                let distinct: std::collections::BTreeSet<&String> = vals.iter().collect();
                distinct.len() == vals.len()
            })
        })
    }

    /// Whether every value of a new (revision) member was already accepted by one of
    /// the base's members: an open object with no required property accepts any
    /// object whose shared properties keep their types (Stripe's
    /// `sepa_debit: anyOf [old options, client options]`).
    fn accepted_before(&self, new: &SchemaNode<'a>, old: &[SchemaNode<'a>]) -> bool {
        let n = self.rev.view(new);
        let object =
            |types: &std::collections::BTreeSet<String>| types.iter().all(|t| t == "object");
        if !object(&implied_types(&n)) || implied_types(&n).is_empty() {
            return false;
        }
        // An old member's required properties must be required by the new one too,
        // and a property held to values before (an enum, a `const`) must stay within
        // them: Klaviyo's open `send_strategy {method: string}` accepts the new
        // `{method: "static", ...}` member; `{kind: "person"}` does not accept
        // `{kind: "group"}`.
        old.iter().any(|o| {
            let ov = self.base.view(o);
            object(&implied_types(&ov))
                && ov.required.is_subset(&n.required)
                && !matches!(ov.additional, Some(Additional::Allowed(false)))
                && ov.properties.iter().all(|(name, op)| {
                    let opv = self.base.view(op);
                    let before = implied_types(&opv);
                    n.properties.get(name).is_none_or(|np| {
                        let npv = self.rev.view(np);
                        let values_kept = match (&opv.enum_values, &npv.enum_values) {
                            (None, _) => true,
                            (Some(old), Some(new)) => new.is_subset(old),
                            (Some(_), None) => false,
                        };
                        values_kept && (before.is_empty() || before == implied_types(&npv))
                    })
                })
        })
    }

    /// Members left unpaired by identity are paired by what they are: a component
    /// renamed or inlined keeps its type and most of its property names.
    fn pair_by_shape(
        &self,
        base: &[SchemaNode<'a>],
        rev: &[SchemaNode<'a>],
        pairs: &mut [Option<usize>],
    ) {
        let open_base: Vec<usize> = (0..base.len())
            .filter(|j| !pairs.contains(&Some(*j)))
            .collect();
        if open_base.is_empty() || pairs.iter().all(Option::is_some) {
            return;
        }
        // Members that say what they are with a constant (`type: {enum: [string]}`,
        // a discriminator's value) pair by it first: siblings of one shape that
        // differ only by that constant would make the shape ambiguous.
        let constants = |resolver: &Resolver<'a>, node: &SchemaNode<'a>| {
            let v = resolver.view(node);
            let mut set = std::collections::BTreeSet::new();
            for (name, p) in &v.properties {
                if let Some(values) = &resolver.view(p).enum_values
                    && values.len() == 1
                {
                    set.extend(values.iter().map(|value| format!("{name}={value}")));
                }
            }
            set
        };
        let base_constants: Vec<(usize, std::collections::BTreeSet<String>)> = open_base
            .iter()
            .map(|&j| (j, constants(&self.base, &base[j])))
            .collect();
        let rev_constants: Vec<Option<std::collections::BTreeSet<String>>> = (0..rev.len())
            .map(|i| pairs[i].is_none().then(|| constants(&self.rev, &rev[i])))
            .collect();
        for i in 0..rev.len() {
            let Some(mine) = rev_constants[i].as_ref().filter(|c| !c.is_empty()) else {
                continue;
            };
            let same_rev = rev_constants
                .iter()
                .flatten()
                .filter(|c| *c == mine)
                .count();
            let matches: Vec<usize> = base_constants
                .iter()
                .filter(|(j, c)| c == mine && !pairs.contains(&Some(*j)))
                .map(|(j, _)| *j)
                .collect();
            if let ([j], 1) = (matches.as_slice(), same_rev) {
                pairs[i] = Some(*j);
            }
        }
        // What a member is: its types and its property names two levels deep (API
        // envelopes share their top level: `type`, `id`, `attributes`).
        let shape = |resolver: &Resolver<'a>, node: &SchemaNode<'a>| {
            let v = resolver.view(node);
            let mut names = std::collections::BTreeSet::new();
            for (name, p) in &v.properties {
                names.insert(name.clone());
                let pv = resolver.view(p);
                for inner in pv.properties.keys() {
                    names.insert(format!("{name}.{inner}"));
                }
                // A short enum is part of what a member is: Klaviyo's string and
                // string-array filters have the same property names and differ by
                // their operators.
                if let Some(values) = pv.enum_values.as_ref().filter(|v| v.len() <= 32) {
                    names.extend(values.iter().map(|value| format!("{name}={value}")));
                }
            }
            (implied_types(&v), names)
        };
        let base_shapes: Vec<_> = open_base
            .iter()
            .map(|&j| (j, shape(&self.base, &base[j])))
            .collect();
        for i in 0..rev.len() {
            if pairs[i].is_some() {
                continue;
            }
            let (types, names) = shape(&self.rev, &rev[i]);
            let mut scored: Vec<(usize, usize)> = base_shapes
                .iter()
                .filter(|(j, (bt, _))| !pairs.contains(&Some(*j)) && *bt == types)
                .map(|(j, (_, bn))| {
                    let common = names.intersection(bn).count();
                    let union = names.union(bn).count();
                    // Scalars (no properties) are alike when their types are.
                    let score = (common * 1000).checked_div(union).unwrap_or(1000);
                    (score, *j)
                })
                .filter(|(score, _)| *score >= 600)
                .collect();
            scored.sort_unstable_by(|a, b| b.cmp(a));
            // Only an unambiguous best match pairs.
            match scored.as_slice() {
                [(best, j), rest @ ..] if rest.first().is_none_or(|(next, _)| next < best) => {
                    pairs[i] = Some(*j);
                }
                _ => {}
            }
        }
    }

    /// A member's identity: its component name, its title, the property names of an
    /// inline object, its type, else `#<position>`.
    fn member_ids(&self, resolver: &Resolver<'a>, members: &[SchemaNode<'a>]) -> Vec<String> {
        members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                // Most members are `$ref`s: their component name is enough, without
                // reading the component.
                if let Cow::Borrowed(value) = &m.value
                    && let (_, _, Some(target)) = resolver.deref(value, &m.pointer)
                {
                    return target;
                }
                let raw = resolver.deref_node(m);
                if let Some(t) = raw.value.get("title").and_then(serde_json::Value::as_str) {
                    return t.to_owned();
                }
                let v = resolver.view(m);
                if let Some(t) = v.ref_target {
                    return t;
                }
                if !v.properties.is_empty() {
                    // An inline object is identified by its property names.
                    return format!(
                        "object{{{}}}",
                        v.properties.keys().cloned().collect::<Vec<_>>().join(",")
                    );
                }
                if v.types.len() == 1 && v.properties.is_empty() {
                    // A scalar member is identified by its type (`string`, `integer`).
                    return v.types.iter().next().cloned().unwrap_or_default();
                }
                format!("#{i}")
            })
            .fold(Vec::new(), |mut ids: Vec<String>, id| {
                // Two members of one kind (`array`, `array`) are told apart by order.
                let seen = ids
                    .iter()
                    .filter(|x| x.split('~').next() == Some(id.as_str()))
                    .count();
                ids.push(if seen == 0 {
                    id
                } else {
                    format!("{id}~{}", seen + 1)
                });
                ids
            })
    }
}

/// Whether a subschema holds a value to anything: `false` does, `true` and `{}` (or
/// only annotations) do not, a `$ref` is taken to.
fn constrains(node: &SchemaNode<'_>) -> bool {
    match &*node.value {
        serde_json::Value::Bool(b) => !b,
        serde_json::Value::Object(map) => map
            .keys()
            .any(|k| !crate::spec::schema::is_annotation(k) || k == "$ref"),
        _ => false,
    }
}

/// Whether a change found inside a schema changes which values it accepts (not a
/// description, a deprecation, a default, a read/write marker).
fn validates(kind: &ChangeKind) -> bool {
    !matches!(
        kind,
        ChangeKind::Deprecated { .. }
            | ChangeKind::Reactivated
            | ChangeKind::Schema(
                SchemaChange::DefaultChanged { .. }
                    | SchemaChange::ReadOnlyChanged { .. }
                    | SchemaChange::WriteOnlyChanged { .. }
                    | SchemaChange::StabilityChanged { .. }
                    | SchemaChange::DiscriminatorChanged { .. }
            )
    )
}

/// A change at the node itself (no property path), read-only or write-only when
/// the node is so on both sides.
fn found_at(b: &SchemaView<'_>, r: &SchemaView<'_>, kind: ChangeKind) -> Found {
    Found {
        read_only: b.read_only && r.read_only,
        write_only: b.write_only && r.write_only,
        ..Found::new(PropertyPath::default(), kind, &b.pointer, &r.pointer)
    }
}

fn enum_changes(b: &SchemaView<'_>, r: &SchemaView<'_>, out: &mut Vec<Found>) {
    let schema = |kind: SchemaChange| found_at(b, r, ChangeKind::Schema(kind));
    let first = |set: &std::collections::BTreeSet<String>| set.iter().next().cloned();
    match (&b.enum_values, &r.enum_values) {
        (Some(be), Some(re)) if b.is_const && r.is_const && be != re => {
            if let (Some(from), Some(to)) = (first(be), first(re)) {
                out.push(schema(SchemaChange::ConstChanged { from, to }));
            }
        }
        // A `const` opened into a list that keeps it: the one value is no longer the
        // only one. A list closed down to a `const` is a const set.
        (Some(be), Some(re)) if b.is_const && !r.is_const && be != re && re.is_superset(be) => {
            if let Some(value) = first(be) {
                out.push(schema(SchemaChange::ConstRemoved { value }));
            }
        }
        (Some(be), Some(re)) if r.is_const && !b.is_const && be != re && be.is_superset(re) => {
            if let Some(value) = first(re) {
                out.push(schema(SchemaChange::ConstAdded { value }));
            }
        }
        (None, Some(re)) if r.is_const => {
            if let Some(value) = first(re) {
                out.push(schema(SchemaChange::ConstAdded { value }));
            }
        }
        (Some(be), None) if b.is_const => {
            if let Some(value) = first(be) {
                out.push(schema(SchemaChange::ConstRemoved { value }));
            }
        }
        (None, Some(_)) => out.push(schema(SchemaChange::BecameEnum)),
        (Some(_), None) => out.push(schema(SchemaChange::EnumDropped)),
        (Some(be), Some(re)) => {
            for v in re.difference(be) {
                out.push(schema(SchemaChange::EnumValueAdded { value: v.clone() }));
            }
            for v in be.difference(re) {
                out.push(schema(SchemaChange::EnumValueRemoved { value: v.clone() }));
            }
        }
        (None, None) => {}
    }
    if let (Some(be), Some(re)) = (&b.extensible_enum, &r.extensible_enum) {
        for v in be.difference(re) {
            out.push(schema(SchemaChange::ExtensibleEnumValueRemoved {
                value: v.clone(),
            }));
        }
    }
}

fn bound_changes(b: &SchemaView<'_>, r: &SchemaView<'_>, out: &mut Vec<Found>) {
    // The same limit turned exclusive or inclusive (3.0's boolean flag flipped on
    // the same `maximum`): one change, not a limit removed and another set.
    let mut flipped = Vec::new();
    for (inclusive, exclusive) in [
        (Bound::Maximum, Bound::ExclusiveMaximum),
        (Bound::Minimum, Bound::ExclusiveMinimum),
    ] {
        let side = |v: &SchemaView<'_>| {
            (
                v.bounds.get(&inclusive).copied(),
                v.bounds.get(&exclusive).copied(),
            )
        };
        let change = match (side(b), side(r)) {
            // (`maximum: 10` → `maximum: 10, exclusiveMaximum: 10` is as exclusive
            // as dropping `maximum`.)
            ((Some(x), None), (i, Some(y))) if x == y && i.is_none_or(|i| i == x) => {
                Some((x, true))
            }
            ((i, Some(x)), (Some(y), None)) if x == y && i.is_none_or(|i| i == x) => {
                Some((x, false))
            }
            _ => None,
        };
        if let Some((value, to_exclusive)) = change {
            flipped.extend([inclusive, exclusive]);
            out.push(found_at(
                b,
                r,
                ChangeKind::Schema(SchemaChange::LimitExclusivityChanged {
                    bound: BoundName(inclusive),
                    value,
                    exclusive: to_exclusive,
                }),
            ));
        }
    }
    for bound in Bound::ALL.into_iter().filter(|b| !flipped.contains(b)) {
        let (mut from, mut to) = (b.bounds.get(&bound).copied(), r.bounds.get(&bound).copied());
        // No minimum length, item or property count is a minimum of 0.
        if matches!(
            bound,
            Bound::MinLength | Bound::MinItems | Bound::MinProperties
        ) {
            from = from.or(Some(0.0));
            to = to.or(Some(0.0));
        }
        if from != to {
            out.push(found_at(
                b,
                r,
                ChangeKind::Schema(SchemaChange::BoundChanged {
                    bound: BoundName(bound),
                    from,
                    to,
                }),
            ));
        }
    }
}

/// A `oneOf`/`anyOf` member added (or removed), at the schema that gained (lost) it.
/// The member that still has what a lone schema promised — every required
/// property (all of them, when none is required) — and, among several, the one
/// most like it by property names; the first of equally alike ones keeps the output
/// stable (Intercom's ticket reply became `oneOf [contact reply, admin reply]`;
/// Klaviyo's send strategy became one member per `method`, all keeping `method`).
fn holder_of_promises<'a>(
    lone: &Resolver<'a>,
    many: &Resolver<'a>,
    single: &SchemaNode<'a>,
    list: &[SchemaNode<'a>],
) -> Option<usize> {
    let lone_view = lone.view(single);
    let lone_names: std::collections::BTreeSet<&String> = lone_view.properties.keys().collect();
    let promised: Vec<&String> = if lone_view.required.is_empty() {
        lone_names.iter().copied().collect()
    } else {
        lone_view.required.iter().collect()
    };
    if promised.is_empty() {
        return None;
    }
    let mut holders: Vec<(usize, usize)> = list
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let names = many.view(m).properties;
            if !promised.iter().all(|n| names.contains_key(*n)) {
                return None;
            }
            let common = names.keys().filter(|n| lone_names.contains(n)).count();
            let union = names.len() + lone_names.len() - common;
            Some(((common * 1000).checked_div(union).unwrap_or(0), i))
        })
        .collect();
    holders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    holders.first().map(|(_, i)| *i)
}

/// The changes without "became (not) nullable" at the compared node itself.
fn without_root_nullability(found: &Rc<Vec<Found>>) -> Rc<Vec<Found>> {
    Rc::new(
        found
            .iter()
            .filter(|f| {
                !(f.path.is_empty()
                    && matches!(
                        &*f.kind,
                        ChangeKind::Schema(
                            SchemaChange::BecameNullable | SchemaChange::BecameNotNullable
                        )
                    ))
            })
            .cloned()
            .collect(),
    )
}

/// A member added (`Some(accepted_before)`) or removed (`None`).
fn member_change(
    added: Option<bool>,
    composition: &str,
    member: &str,
    base: &str,
    rev: &str,
) -> Found {
    let (composition, member) = (composition.to_owned(), member.to_owned());
    let change = if let Some(accepted_before) = added {
        SchemaChange::VariantAdded {
            composition,
            member,
            accepted_before,
        }
    } else {
        SchemaChange::VariantRemoved {
            composition,
            member,
        }
    };
    Found::new(
        PropertyPath::default(),
        ChangeKind::Schema(change),
        base,
        rev,
    )
}

fn effective_types<'a>(
    resolver: &Resolver<'a>,
    v: &SchemaView<'a>,
) -> std::collections::BTreeSet<String> {
    let own = implied_types(v);
    if !own.is_empty() || (v.one_of.is_empty() && v.any_of.is_empty()) {
        return own;
    }
    let mut out = std::collections::BTreeSet::new();
    for m in v.one_of.iter().chain(&v.any_of) {
        let member = implied_types(&resolver.view(m));
        if member.is_empty() {
            // A member that could be anything makes the whole node "any".
            return std::collections::BTreeSet::new();
        }
        out.extend(member);
    }
    out
}

/// Whether values of the enum's type are of one of the declared types (an integer
/// is a number too).
fn fits(
    values: &std::collections::BTreeSet<String>,
    declared: &std::collections::BTreeSet<String>,
) -> bool {
    values
        .iter()
        .all(|v| declared.contains(v) || (v == "integer" && declared.contains("number")))
}

/// The one JSON type all of an enum's values have, if they have one.
fn enum_type(v: &SchemaView<'_>) -> Option<std::collections::BTreeSet<String>> {
    let kind = |value: &str| -> &'static str {
        match value.as_bytes().first() {
            Some(b'"') => "string",
            Some(b'{') => "object",
            Some(b'[') => "array",
            _ if value == "true" || value == "false" => "boolean",
            _ if value.parse::<i64>().is_ok() => "integer",
            _ => "number",
        }
    };
    let mut kinds = v.enum_values.as_ref()?.iter().map(|value| kind(value));
    let first = kinds.next()?;
    kinds
        .all(|k| k == first)
        .then(|| std::collections::BTreeSet::from([first.to_owned()]))
}

/// Declared types, or what the keywords imply when none is declared: a schema with
/// `properties` describes an object (vendors often leave `type: object` out, then
/// add it), one with `items` an array.
fn implied_types(v: &SchemaView<'_>) -> std::collections::BTreeSet<String> {
    if !v.types.is_empty() {
        return v.types.clone();
    }
    let implied = if !v.properties.is_empty() || !v.required.is_empty() {
        "object"
    } else if v.items.is_some() {
        "array"
    } else {
        return std::collections::BTreeSet::new();
    };
    std::collections::BTreeSet::from([implied.to_owned()])
}

/// Pairs revision members with base members: by identity, then inline objects by
/// the overlap of their property names (adding a property to an inline member does
/// not make it another member).
fn pair_members(bids: &[String], rids: &[String], positional: bool) -> Vec<Option<usize>> {
    if positional {
        return (0..rids.len())
            .map(|i| (i < bids.len()).then_some(i))
            .collect();
    }
    let mut pairs: Vec<Option<usize>> = rids
        .iter()
        .map(|r| bids.iter().position(|b| b == r))
        .collect();
    let props = |id: &str| -> Option<std::collections::BTreeSet<String>> {
        let inner = id.strip_prefix("object{")?.split('}').next()?;
        Some(
            inner
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    };
    for i in 0..rids.len() {
        if pairs[i].is_some() {
            continue;
        }
        let Some(rp) = props(&rids[i]) else { continue };
        let best = bids
            .iter()
            .enumerate()
            .filter(|(j, _)| !pairs.contains(&Some(*j)))
            .filter_map(|(j, b)| {
                let bp = props(b)?;
                let common = rp.intersection(&bp).count();
                let union = rp.union(&bp).count().max(1);
                (common * 2 >= union).then_some((common * 1000 / union, j))
            })
            .max();
        pairs[i] = best.map(|(_, j)| j);
    }
    pairs
}

/// Deep equality that gives up (false) at the first `$ref`: a referenced component
/// may differ even where the referring text is the same.
fn same_inline(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && !x.contains_key("$ref")
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same_inline(va, vb))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(va, vb)| same_inline(va, vb))
        }
        (x, y) => x == y,
    }
}

/// One change in a shared schema reached along many paths (Stripe's expandable
/// objects reach the same component thousands of ways) is one change: keep it once,
/// at its shortest path. This also bounds the work: every memoised list holds at
/// most the distinct changes below it, never the number of paths to them.
fn dedupe(found: Vec<Found>) -> Vec<Found> {
    use std::hash::{Hash, Hasher};
    let mut index: HashMap<u64, usize> = HashMap::with_capacity(found.len());
    let mut out: Vec<Found> = Vec::with_capacity(found.len());
    for mut f in found {
        if f.key == 0 {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (
                &f.base_pointer,
                &f.revision_pointer,
                format!("{:?}", f.kind),
            )
                .hash(&mut h);
            f.key = h.finish() | 1;
        }
        let key = f.key;
        match index.get(&key) {
            Some(&i) => {
                if f.path.len() < out[i].path.len() {
                    out[i] = f;
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

fn additional_label<'a>(resolver: &Resolver<'a>, a: &Option<Additional<'a>>) -> &'static str {
    match a {
        None | Some(Additional::Unspecified) | Some(Additional::Allowed(true)) => "any",
        Some(Additional::Allowed(false)) => "none",
        // `additionalProperties: {}` allows anything, like `true`.
        Some(Additional::Schema(node)) if !resolver.view(node).constrained => "any",
        Some(Additional::Schema(_)) => "schema",
    }
}

fn prefix(out: &mut Vec<Found>, segment: &str, nested: &[Found]) {
    if nested.is_empty() {
        return;
    }
    let segment: Arc<str> = Arc::from(segment);
    out.extend(nested.iter().map(|f| Found {
        path: f.path.under(&segment),
        ..f.clone()
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeSet;

    fn run(b: serde_json::Value, r: serde_json::Value) -> Vec<Found> {
        let b: &'static serde_json::Value = Box::leak(Box::new(b));
        let r: &'static serde_json::Value = Box::leak(Box::new(r));
        let mut d = SchemaDiffer::new(Resolver::new(b), Resolver::new(r), MAX_DEPTH);
        let found = d.compare(
            &SchemaNode::borrowed(b.pointer("/s").unwrap(), "/s".into()),
            &SchemaNode::borrowed(r.pointer("/s").unwrap(), "/s".into()),
        );
        (*found).clone()
    }

    #[test]
    fn inline_members_pair_by_their_properties() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let base = ids(&["object{card,cvc}", "object{iban}"]);
        let rev = ids(&["object{iban}", "object{brand,card,cvc}"]);
        assert_eq!(pair_members(&base, &rev, false), [Some(1), Some(0)]);
        // Too little in common: another member.
        assert_eq!(
            pair_members(&ids(&["object{a,b,c}"]), &ids(&["object{c,x,y,z}"]), false),
            [None]
        );
    }

    #[test]
    fn ref_and_inline_are_equal() {
        let b = json!({"s": {"$ref": "#/c/A"}, "c": {"A": {"type": "object", "properties": {"x": {"type": "string"}}}}});
        let r = json!({"s": {"type": "object", "properties": {"x": {"type": "string"}}}});
        assert!(run(b, r).is_empty());
    }

    #[test]
    fn recursive_schemas_terminate() {
        let b = json!({"s": {"$ref": "#/c/N"}, "c": {"N": {"type": "object", "properties": {"next": {"$ref": "#/c/N"}, "v": {"type": "string"}}}}});
        let r = json!({"s": {"$ref": "#/c/N"}, "c": {"N": {"type": "object", "properties": {"next": {"$ref": "#/c/N"}, "v": {"type": "integer"}}}}});
        let found = run(b, r);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.to_vec(), ["v"]);
    }

    #[test]
    fn enum_and_required_changes_are_found_with_paths() {
        let b = json!({"s": {"type": "object", "properties": {"st": {"type": "string", "enum": ["a", "b"]}}}});
        let r = json!({"s": {"type": "object", "required": ["st"], "properties": {"st": {"type": "string", "enum": ["a"]}}}});
        let found = run(b, r);
        let kinds: BTreeSet<String> = found.iter().map(|f| format!("{:?}", f.kind)).collect();
        assert_eq!(found.len(), 2, "{kinds:?}");
        assert!(found.iter().all(|f| f.path.to_vec() == ["st"]));
    }
}
