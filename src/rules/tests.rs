use std::collections::BTreeSet;
use std::sync::Arc;

use super::*;
use crate::diff::{OpRef, PropertyPath, SchemaChange as S};
use crate::spec::schema::Bound;

fn s(v: &str) -> String {
    v.to_owned()
}

/// One change of every kind the diff makes, with every distinction the rules draw.
fn every_kind() -> Vec<ChangeKind> {
    use ChangeKind as K;
    let some = |v: &str| Some(s(v));
    let mut kinds = vec![
        K::OperationAdded,
        K::ServerBasePathChanged {
            from: s("/api/1.1"),
            to: s("/api/1.2"),
            moved: None,
        },
        K::DanglingReference {
            target: s("#/components/schemas/Gone"),
        },
        K::NotAMethod { key: s("GET:") },
        K::RequiredDefaultChanged {
            from: Some(s("a")),
            to: Some(s("b")),
            operations: 3,
            version_header: false,
        },
        K::OperationRemoved {
            deprecated: false,
            sunset: None,
        },
        K::OperationRemoved {
            deprecated: true,
            sunset: None,
        },
        K::OperationRemoved {
            deprecated: true,
            sunset: some("2999-01-01"),
        },
        K::OperationDeprecated { sunset: None },
        K::OperationDeprecated {
            sunset: some("2999-01-01"),
        },
        K::OperationReactivated,
        K::SunsetChanged {
            from: None,
            to: some("2030-01-01"),
        },
        K::SunsetChanged {
            from: some("2030-01-01"),
            to: None,
        },
        K::SunsetChanged {
            from: some("2030-01-01"),
            to: some("2029-01-01"),
        },
        K::SunsetChanged {
            from: some("2029-01-01"),
            to: some("2030-01-01"),
        },
        K::OperationIdChanged {
            from: some("a"),
            to: some("b"),
        },
        K::StabilityChanged {
            from: None,
            to: some("beta"),
        },
        K::StabilityChanged {
            from: some("beta"),
            to: None,
        },
        K::SecuritySchemeChanged {
            scheme: s("k"),
            from: s("a"),
            to: s("b"),
        },
        K::SecurityScopeAdded {
            scheme: s("o"),
            scope: s("x"),
        },
        K::SecurityScopeRemoved {
            scheme: s("o"),
            scope: s("x"),
        },
        K::ParameterStyleChanged {
            from: s("form"),
            to: s("pipeDelimited"),
        },
        K::RequestBodyRemoved { placeholder: false },
        K::RequestBodyRemoved { placeholder: true },
        K::MediaTypeAdded { media: s("a/b") },
        K::MediaTypeRemoved { media: s("a/b") },
        K::MediaTypeRelabelled {
            from: s("application/json"),
            to: s("application/vnd.api+json"),
        },
        K::Reactivated,
        K::Deprecated { sunset: None },
    ];
    for b in [false, true] {
        kinds.extend([
            K::SecurityAdded {
                requirement: s("k"),
                first: b,
                replaced: false,
            },
            K::SecurityAdded {
                requirement: s("k"),
                first: false,
                replaced: b,
            },
            K::SecurityRemoved {
                requirement: s("k"),
                last: b,
            },
            K::ParameterAdded {
                required: b,
                deprecated: false,
            },
            K::ParameterRemoved {
                required: false,
                deprecated: b,
                sunset: None,
            },
            K::RequestBodyAdded { required: b },
            K::HeaderAdded { required: b },
            K::HeaderRemoved { required: b },
            K::BecameRequired {
                read_only: b,
                write_only: !b,
            },
            K::BecameOptional {
                read_only: false,
                write_only: false,
            },
            K::ResponseAdded {
                status: s(if b { "200" } else { "404" }),
            },
            K::ResponseRemoved {
                status: s(if b { "200" } else { "404" }),
            },
        ]);
    }
    kinds.extend(every_schema_change().into_iter().map(K::Schema));
    kinds
}

fn every_schema_change() -> Vec<SchemaChange> {
    let some = |v: &str| Some(s(v));
    let types = |t: &[&str]| t.iter().map(|v| s(v)).collect::<Vec<_>>();
    let mut out = vec![
        S::TypeChanged {
            from: types(&["string"]),
            to: types(&["integer"]),
        },
        S::TypeChanged {
            from: types(&["integer"]),
            to: types(&["number"]),
        },
        S::TypeChanged {
            from: types(&["number"]),
            to: types(&["integer"]),
        },
        S::FormatChanged {
            from: None,
            to: some("email"),
        },
        S::FormatChanged {
            from: some("email"),
            to: None,
        },
        S::FormatChanged {
            from: some("date"),
            to: some("date-time"),
        },
        S::FormatChanged {
            from: some("int32"),
            to: some("int64"),
        },
        S::FormatChanged {
            from: some("int64"),
            to: some("int32"),
        },
        S::BecameNullable,
        S::BecameNotNullable,
        S::EnumValueAdded { value: s("a") },
        S::EnumValueRemoved { value: s("a") },
        S::BecameEnum,
        S::EnumDropped,
        S::ExtensibleEnumValueRemoved { value: s("a") },
        S::PatternChanged {
            from: None,
            to: some("^a"),
        },
        S::PatternChanged {
            from: some("^a"),
            to: None,
        },
        S::PatternChanged {
            from: some("^a"),
            to: some("^b"),
        },
        S::DefaultChanged {
            from: some("1"),
            to: some("2"),
        },
        S::DiscriminatorChanged {
            from: some("a"),
            to: some("b"),
        },
        S::AdditionalPropertiesChanged {
            from: s("any"),
            to: s("none"),
        },
        S::AdditionalPropertiesChanged {
            from: s("none"),
            to: s("any"),
        },
    ];
    for b in [false, true] {
        out.extend([
            S::UniqueItemsChanged { to: b },
            S::ReadOnlyChanged { to: b },
            S::WriteOnlyChanged { to: b },
            S::PropertyAdded {
                name: s("p"),
                required: b,
                read_only: false,
                write_only: false,
            },
            S::PropertyRemoved {
                name: s("p"),
                required: false,
                read_only: false,
                write_only: false,
                deprecated: b,
                closed: !b,
            },
            S::PropertyRemoved {
                name: s("p"),
                required: false,
                read_only: false,
                write_only: false,
                deprecated: false,
                closed: b,
            },
        ]);
        for composition in ["oneOf", "anyOf"] {
            out.push(S::VariantAdded {
                composition: s(composition),
                member: s("m"),
                accepted_before: b,
            });
            out.push(S::VariantRemoved {
                composition: s(composition),
                member: s("m"),
            });
        }
    }
    for bound in Bound::ALL {
        for (from, to) in [
            (None, Some(1.0)),
            (Some(1.0), None),
            (Some(2.0), Some(1.0)),
            (Some(1.0), Some(2.0)),
        ] {
            out.push(S::BoundChanged {
                bound: crate::diff::BoundName(bound),
                from,
                to,
            });
        }
    }
    out
}

fn every_scope() -> Vec<Scope> {
    vec![
        Scope::Operation,
        Scope::Security,
        Scope::Parameter {
            location: s("query"),
            name: s("q"),
        },
        Scope::RequestBody {
            media: Some(s("application/json")),
        },
        Scope::Response {
            status: s("200"),
            media: Some(s("application/json")),
        },
        Scope::ResponseHeader {
            status: s("200"),
            name: s("X-Rate-Limit"),
        },
    ]
}

fn change(scope: &Scope, kind: &ChangeKind, reversed: bool, nested: bool) -> Change {
    Change {
        op: Arc::new(OpRef {
            method: s("POST"),
            path: s("/things"),
            operation_id: None,
            key: s("/things"),
            base_key: None,
            base_label: None,
            base_operation_id: None,
            reversed,
            via: None,
        }),
        scope: scope.clone(),
        schema_path: if nested {
            PropertyPath::one("p")
        } else {
            PropertyPath::default()
        },
        kind: kind.clone(),
        base_pointer: None,
        revision_pointer: None,
        read_only: false,
        write_only: false,
    }
}

/// Every kind of change at every place, both directions, at the top of a schema
/// and inside a property: each is judged, except where the classifier documents
/// that nobody is affected. Before the registry was typed, a webhook payload
/// becoming required produced an id the catalog did not have, and the finding
/// vanished.
#[test]
fn every_change_the_diff_can_make_is_judged_by_a_declared_rule() {
    let declared: BTreeSet<RuleId> = RuleId::all().into_iter().collect();
    let mut produced = BTreeSet::new();
    let mut unjudged = Vec::new();
    for scope in every_scope() {
        for kind in every_kind() {
            for reversed in [false, true] {
                for nested in [false, true] {
                    let c = change(&scope, &kind, reversed, nested);
                    match classify(&c, "2026-11-26") {
                        Some(rule) => {
                            assert!(declared.contains(&rule), "{rule:?}");
                            produced.insert(rule);
                        }
                        None => unjudged.push((scope.clone(), kind.clone(), reversed, nested)),
                    }
                }
            }
        }
    }
    // What may go unjudged, and why: (1) schema-level kinds at the operation or
    // security scope, which the diff never makes; (2) anything in the headers of
    // a webhook answer, which the vendor does not read; (3) `required` on a whole
    // response, which has no such flag; (4) property rules outside a property
    // path, which the diff never makes (a property change names its property).
    for (scope, kind, reversed, nested) in &unjudged {
        let schema_kind = matches!(
            kind,
            ChangeKind::BecameRequired { .. }
                | ChangeKind::BecameOptional { .. }
                | ChangeKind::Deprecated { .. }
                | ChangeKind::Reactivated
                | ChangeKind::Schema(_)
        );
        let allowed = (schema_kind && matches!(scope, Scope::Operation | Scope::Security))
            || (*reversed && matches!(scope, Scope::ResponseHeader { .. }) && schema_kind)
            || (matches!(scope, Scope::Response { .. })
                && !nested
                && matches!(
                    kind,
                    ChangeKind::BecameRequired { .. } | ChangeKind::BecameOptional { .. }
                ))
            || (!nested
                && matches!(
                    kind,
                    ChangeKind::Schema(
                        S::PropertyAdded { .. }
                            | S::PropertyRemoved { .. }
                            | S::ReadOnlyChanged { .. }
                            | S::WriteOnlyChanged { .. }
                    )
                ));
        assert!(
            allowed,
            "not judged: {scope:?} {kind:?} reversed={reversed} nested={nested}"
        );
    }
    assert!(produced.contains(&RuleId::parse("webhook-payload-became-required").unwrap()));
    assert!(produced.contains(&RuleId::parse("webhook-payload-became-optional").unwrap()));
    assert!(produced.len() > 700, "{} rules produced", produced.len());
}

#[test]
fn scope_keys_are_the_layout_fingerprints_were_made_of() {
    let cases = [
        (Scope::Operation, "Operation"),
        (Scope::Security, "Security"),
        (
            Scope::Parameter {
                location: s("query"),
                name: s("expand[]"),
            },
            r#"Parameter { location: "query", name: "expand[]" }"#,
        ),
        (
            Scope::Parameter {
                location: s("header"),
                name: s("X-\"Quoted\"\\é\t"),
            },
            r#"Parameter { location: "header", name: "X-\"Quoted\"\\é\t" }"#,
        ),
        (
            Scope::RequestBody { media: None },
            "RequestBody { media: None }",
        ),
        (
            Scope::Response {
                status: s("2XX"),
                media: Some(s("application/json; charset=utf-8")),
            },
            r#"Response { status: "2XX", media: Some("application/json; charset=utf-8") }"#,
        ),
        (
            Scope::ResponseHeader {
                status: s("429"),
                name: s("Retry-After"),
            },
            r#"ResponseHeader { status: "429", name: "Retry-After" }"#,
        ),
    ];
    for (scope, key) in cases {
        assert_eq!(scope_key(&scope), key);
    }
}
