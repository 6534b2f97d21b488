//! Words for findings: where a change sits and what happened, for people.

use crate::diff::{Change, ChangeKind, SchemaChange, Scope};

/// `response 200 (application/json) property \`data[].email\``.
pub fn subject(change: &Change) -> String {
    // Built in one buffer: this runs for every finding, and Stripe has 19,000.
    let mut out = String::with_capacity(64);
    if let Some(via) = &change.op.via {
        out.push_str(via);
        out.push_str(": ");
    }
    let mut push = |parts: &[&str]| parts.iter().for_each(|p| out.push_str(p));
    match &change.scope {
        Scope::Operation => push(&["operation"]),
        Scope::Security => push(&["security"]),
        Scope::Parameter { location, name } => push(&[location, " parameter `", name, "`"]),
        Scope::RequestBody { media } => {
            push(&[if change.op.reversed {
                "payload"
            } else {
                "request body"
            }]);
            if let Some(m) = media {
                push(&[" (", m, ")"]);
            }
        }
        Scope::Response { status, media } => {
            push(&["response ", status]);
            if let Some(m) = media {
                push(&[" (", m, ")"]);
            }
        }
        Scope::ResponseHeader { status, name } => {
            push(&["response ", status, " header `", name, "`"])
        }
    }
    if !change.schema_path.is_empty() && !matches!(change.scope, Scope::Operation | Scope::Security)
    {
        out.push_str(" property `");
        write_path(&mut out, &change.schema_path);
        out.push('`');
    }
    out
}

/// `data`, `[]`, `email` → `data[].email`, appended to `out`.
fn write_path(out: &mut String, path: &crate::diff::PropertyPath) {
    let start = out.len();
    for seg in path.iter() {
        if seg == "[]" || seg == "{*}" {
            out.push_str(seg);
        } else {
            if out.len() > start {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
}

/// Before and after values, where the change has them.
pub fn before_after(kind: &ChangeKind) -> (Option<String>, Option<String>) {
    use ChangeKind as K;
    use SchemaChange as S;
    let some = |s: &str| Some(s.to_owned());
    let opt = |o: &Option<String>| o.clone().or_else(|| some("(none)"));
    let num = |n: &Option<f64>| Some(n.map(fmt_num).unwrap_or_else(|| "(none)".to_owned()));
    match kind {
        K::OperationAdded => (None, some("present")),
        K::OperationRemoved { .. } => (some("present"), None),
        K::OperationDeprecated { sunset } => (
            some("active"),
            Some(match sunset {
                Some(d) => format!("deprecated, sunset {d}"),
                None => "deprecated".into(),
            }),
        ),
        K::OperationReactivated => (some("deprecated"), some("active")),
        K::ServerBasePathChanged { from, to, .. } => (some(from), some(to)),
        K::DanglingReference { target } => (None, some(target)),
        K::NotAMethod { key } => (None, some(key)),
        K::RequiredDefaultChanged { from, to, .. } => (opt(from), opt(to)),
        K::SunsetChanged { from, to }
        | K::OperationIdChanged { from, to }
        | K::StabilityChanged { from, to } => (opt(from), opt(to)),
        K::SecurityAdded { requirement, .. } => (None, some(requirement)),
        K::SecurityRemoved { requirement, .. } => (some(requirement), None),
        K::SecurityScopeAdded { scheme, scope } => (None, Some(format!("{scheme}: {scope}"))),
        K::SecuritySchemeChanged { from, to, .. } => (some(from), some(to)),
        K::SecurityScopeRemoved { scheme, scope } => (Some(format!("{scheme}: {scope}")), None),
        K::ParameterAdded { required, .. }
        | K::RequestBodyAdded { required }
        | K::HeaderAdded { required } => {
            (None, some(if *required { "required" } else { "optional" }))
        }
        K::ParameterRemoved { required, .. } | K::HeaderRemoved { required } => {
            (some(if *required { "required" } else { "optional" }), None)
        }
        K::ParameterStyleChanged { from, to } => (some(from), some(to)),
        K::RequestBodyRemoved { .. } => (some("present"), None),
        K::MediaTypeAdded { media } | K::ResponseAdded { status: media } => (None, some(media)),
        K::MediaTypeRemoved { media } | K::ResponseRemoved { status: media } => (some(media), None),
        K::MediaTypeRelabelled { from, to } => (some(from), some(to)),
        K::BecameRequired { .. } => (some("optional"), some("required")),
        K::BecameOptional { .. } => (some("required"), some("optional")),
        K::Deprecated { sunset } => (
            some("active"),
            Some(match sunset {
                Some(d) => format!("deprecated, sunset {d}"),
                None => "deprecated".into(),
            }),
        ),
        K::Reactivated => (some("deprecated"), some("active")),
        K::Schema(sc) => match sc {
            S::TypeChanged { from, to } => (some(&types(from)), some(&types(to))),
            S::FormatChanged { from, to }
            | S::PatternChanged { from, to }
            | S::DefaultChanged { from, to }
            | S::DiscriminatorChanged { from, to } => (opt(from), opt(to)),
            S::BecameNullable => (some("not nullable"), some("nullable")),
            S::BecameNotNullable => (some("nullable"), some("not nullable")),
            S::EnumValueAdded { value } => (None, some(value)),
            S::EnumValueRemoved { value } | S::ExtensibleEnumValueRemoved { value } => {
                (some(value), None)
            }
            S::BecameEnum => (some("any value"), some("enum")),
            S::EnumDropped => (some("enum"), some("any value")),
            S::BoundChanged { from, to, .. } => (num(from), num(to)),
            S::UniqueItemsChanged { to } => (some(&(!to).to_string()), some(&to.to_string())),
            S::PropertyAdded { required, .. } => {
                (None, some(if *required { "required" } else { "optional" }))
            }
            S::PropertyRemoved { required, .. } => {
                (some(if *required { "required" } else { "optional" }), None)
            }
            S::ReadOnlyChanged { to } | S::WriteOnlyChanged { to } => {
                (some(&(!to).to_string()), some(&to.to_string()))
            }
            S::VariantAdded { member, .. } => (None, some(member)),
            S::VariantRemoved { member, .. } => (some(member), None),
            S::AdditionalPropertiesChanged { from, to } | S::ExtraItemsChanged { from, to, .. } => {
                (some(from), some(to))
            }
            S::PatternMoved { from, to, .. } => (some(from), some(to)),
            S::ConstAdded { value } => (None, some(value)),
            S::ConstRemoved { value } => (some(value), None),
            S::ConstChanged { from, to } => (some(from), some(to)),
            S::LimitExclusivityChanged {
                bound, exclusive, ..
            } => {
                let (inclusive, exclusive_word) = (bound.0.keyword(), exclusive_keyword(bound.0));
                if *exclusive {
                    (some(inclusive), some(exclusive_word))
                } else {
                    (some(exclusive_word), some(inclusive))
                }
            }
            S::ApplicatorAdded { keyword, key } => (None, some(&applicator(*keyword, key))),
            S::ApplicatorRemoved { keyword, key } => (some(&applicator(*keyword, key)), None),
            S::ApplicatorChanged { keyword } => (some(keyword.keyword()), some(keyword.keyword())),
            S::DependentRequiredAdded { property, requires } => {
                (None, some(&format!("{property} requires {requires}")))
            }
            S::DependentRequiredRemoved { property, requires } => {
                (some(&format!("{property} requires {requires}")), None)
            }
            S::PrefixItemAdded { index } => (None, some(&format!("prefixItems[{index}]"))),
            S::PrefixItemRemoved { index } => (some(&format!("prefixItems[{index}]")), None),
            S::AllOfAdded { member } => (None, some(member)),
            S::WrappedInOneOf { .. } => (some("one schema"), some("oneOf")),
            S::BecameWritableWhileRequired => (some("read-only"), some("required")),
            S::ContentChanged { from, to, .. } => (some(from), some(to)),
            S::StabilityChanged { from, to } => (
                some(from.as_deref().unwrap_or("stable")),
                some(to.as_deref().unwrap_or("stable")),
            ),
        },
    }
}

/// `dependentSchemas(card)`, `contains`.
fn applicator(keyword: crate::diff::Applicator, key: &Option<String>) -> String {
    match key {
        Some(k) => format!("{}({k})", keyword.keyword()),
        None => keyword.keyword().to_owned(),
    }
}

fn exclusive_keyword(bound: crate::spec::schema::Bound) -> &'static str {
    match bound {
        crate::spec::schema::Bound::Minimum => "exclusiveMinimum",
        _ => "exclusiveMaximum",
    }
}

/// The values that tell two changes of one rule at one place apart.
pub fn detail(kind: &ChangeKind) -> String {
    use ChangeKind as K;
    use SchemaChange as S;
    match kind {
        K::Schema(
            S::EnumValueAdded { value }
            | S::EnumValueRemoved { value }
            | S::ExtensibleEnumValueRemoved { value },
        ) => value.clone(),
        K::Schema(S::BoundChanged { bound, .. }) => bound.0.keyword().to_owned(),
        K::Schema(
            S::VariantAdded { member, .. }
            | S::VariantRemoved { member, .. }
            | S::AllOfAdded { member },
        ) => member.clone(),
        K::Schema(
            S::ApplicatorAdded { key: Some(key), .. } | S::ApplicatorRemoved { key: Some(key), .. },
        ) => key.clone(),
        K::Schema(
            S::DependentRequiredAdded { property, requires }
            | S::DependentRequiredRemoved { property, requires },
        ) => format!("{property}>{requires}"),
        K::Schema(S::PrefixItemAdded { index } | S::PrefixItemRemoved { index }) => {
            index.to_string()
        }
        K::SecurityAdded { requirement, .. } | K::SecurityRemoved { requirement, .. } => {
            requirement.clone()
        }
        K::SecurityScopeAdded { scheme, scope } | K::SecurityScopeRemoved { scheme, scope } => {
            format!("{scheme}:{scope}")
        }
        K::MediaTypeAdded { media } | K::MediaTypeRemoved { media } => media.clone(),
        K::MediaTypeRelabelled { to, .. } => to.clone(),
        K::DanglingReference { target } => target.clone(),
        K::NotAMethod { key } => key.clone(),
        K::ResponseAdded { status } | K::ResponseRemoved { status } => status.clone(),
        _ => String::new(),
    }
}

/// One sentence: what happened, where.
pub fn message(change: &Change, subject: &str) -> String {
    use ChangeKind as K;
    let what = match (&change.op.via, change.op.reversed) {
        (Some(_), _) => "callback",
        (None, true) => "webhook",
        (None, false) => "operation",
    };
    match &change.kind {
        K::OperationAdded => format!("new {what}"),
        K::RequiredDefaultChanged {
            from,
            to,
            operations,
            version_header: true,
        } => format!(
            "{subject}: default of this version header changed from {} to {} on {operations} operation{} (the version the spec documents; calls that leave the header out get the version set for the account or app)",
            from.as_deref().unwrap_or("(none)"),
            to.as_deref().unwrap_or("(none)"),
            if *operations == 1 { "" } else { "s" }
        ),
        K::RequiredDefaultChanged {
            from,
            to,
            operations,
            ..
        } => format!(
            "{subject}: default of this required parameter changed from {} to {} on {operations} operation{} (every call sends it; no call changes)",
            from.as_deref().unwrap_or("(none)"),
            to.as_deref().unwrap_or("(none)"),
            if *operations == 1 { "" } else { "s" }
        ),
        K::NotAMethod { key } => format!(
            "a path item has `{key}`, which is not an HTTP method (methods are lower case); the operation under it is not read"
        ),
        K::DanglingReference { target } => {
            format!("the spec refers to `{target}`, which it does not define")
        }
        K::ServerBasePathChanged {
            from,
            to,
            moved: Some(n),
        } => format!(
            "{n} operation{} moved from `{from}/...` to `{to}/...` (the servers stayed); each is paired across the move",
            if *n == 1 { "" } else { "s" }
        ),
        K::ServerBasePathChanged { from, to, .. } => format!(
            "the API's base path changed from `{from}` to `{to}`; operations are paired across it"
        ),
        K::OperationRemoved { deprecated, sunset } => match (deprecated, sunset) {
            (_, Some(d)) => format!("{what} removed (announced sunset: {d})"),
            (true, None) => format!("deprecated {what} removed"),
            (false, None) => format!("{what} removed without prior deprecation"),
        },
        K::OperationDeprecated { sunset: Some(d) } => format!("{what} deprecated; sunset on {d}"),
        K::OperationDeprecated { sunset: None } => format!("{what} deprecated"),
        K::OperationReactivated => format!("{what} is no longer deprecated"),
        K::SunsetChanged { from, to } => format!(
            "sunset date changed from {} to {}",
            or_none(from),
            or_none(to)
        ),
        K::OperationIdChanged { from, to } => format!(
            "operationId changed from {} to {}",
            or_none(from),
            or_none(to)
        ),
        K::StabilityChanged { from, to } => {
            let invalid = to
                .as_deref()
                .filter(|t| !super::lifecycle::STABILITY_LEVELS.contains(t))
                .map(|t| {
                    format!(
                        " (`{t}` is not one of {})",
                        super::lifecycle::STABILITY_LEVELS.join(", ")
                    )
                })
                .unwrap_or_default();
            format!(
                "x-stability-level changed from {} to {}{invalid}",
                from.as_deref().unwrap_or("stable"),
                to.as_deref().unwrap_or("stable")
            )
        }
        K::SecurityAdded {
            requirement,
            first: true,
            ..
        } => format!("authentication is now required: {requirement}"),
        K::SecurityAdded {
            requirement,
            replaced: true,
            ..
        } => format!(
            "authentication must now be {requirement}; none of the earlier ways is accepted"
        ),
        K::SecurityAdded { requirement, .. } => {
            format!("also accepts authentication by {requirement}")
        }
        K::SecurityRemoved {
            requirement,
            last: true,
        } if requirement == "(no authentication)" => "authentication became optional".to_owned(),
        K::SecurityRemoved {
            requirement,
            last: true,
        } => format!("authentication by {requirement} is no longer required"),
        K::SecurityRemoved {
            requirement,
            last: false,
        } => format!("no longer accepts authentication by {requirement}"),
        K::SecuritySchemeChanged { scheme, from, to } => {
            format!("security scheme `{scheme}` changed from `{from}` to `{to}`")
        }
        K::SecurityScopeAdded { scheme, scope } => {
            format!("now requires the {scheme} scope `{scope}`")
        }
        K::SecurityScopeRemoved { scheme, scope } => {
            format!("no longer requires the {scheme} scope `{scope}`")
        }
        K::ParameterAdded { required: true, .. } => format!("new required {subject}"),
        K::ParameterAdded {
            required: false, ..
        } => format!("new optional {subject}"),
        K::ParameterRemoved { .. } => format!("{subject} removed"),
        K::ParameterStyleChanged { from, to } => {
            format!("{subject} serialisation changed from `{from}` to `{to}`")
        }
        K::RequestBodyAdded { required } => format!(
            "new {} request body",
            if *required { "required" } else { "optional" }
        ),
        K::RequestBodyRemoved { placeholder: false } => "request body removed".to_owned(),
        K::RequestBodyRemoved { placeholder: true } => {
            "optional request body removed (its schema held nothing: a placeholder)".to_owned()
        }
        K::MediaTypeAdded { media } => format!("{subject}: media type `{media}` added"),
        K::MediaTypeRemoved { media } => format!("{subject}: media type `{media}` removed"),
        K::MediaTypeRelabelled { from, to } => {
            format!("{subject}: media type `{from}` relabelled `{to}` (the same JSON)")
        }
        K::ResponseAdded { status } => format!("response status {status} added"),
        K::ResponseRemoved { status } => format!("response status {status} removed"),
        K::HeaderAdded { .. } => format!("{subject} added"),
        K::HeaderRemoved { .. } => format!("{subject} removed"),
        K::BecameRequired { .. } => format!("{subject} became required"),
        K::BecameOptional { .. } => format!("{subject} became optional"),
        K::Deprecated { sunset: Some(d) } => format!("{subject} deprecated; sunset on {d}"),
        K::Deprecated { sunset: None } => format!("{subject} deprecated"),
        K::Reactivated => format!("{subject} is no longer deprecated"),
        K::Schema(sc) => schema_message(sc, subject),
    }
}

/// One sentence for a change inside a schema.
fn schema_message(sc: &SchemaChange, subject: &str) -> String {
    use SchemaChange as S;
    match sc {
        S::TypeChanged { from, to } => format!(
            "{subject}: type changed from {} to {}",
            types(from),
            types(to)
        ),
        S::FormatChanged { from, to } => format!(
            "{subject}: format changed from {} to {}",
            or_none(from),
            or_none(to)
        ),
        S::BecameNullable => format!("{subject} became nullable"),
        S::BecameNotNullable => format!("{subject} is no longer nullable"),
        S::EnumValueAdded { value } => format!("{subject}: enum value {value} added"),
        S::EnumValueRemoved { value } => format!("{subject}: enum value {value} removed"),
        S::BecameEnum => format!("{subject} is now restricted to an enum"),
        S::EnumDropped => format!("{subject} is no longer restricted to an enum"),
        S::ExtensibleEnumValueRemoved { value } => {
            format!("{subject}: x-extensible-enum value {value} removed")
        }
        S::BoundChanged { bound, from, to } => format!(
            "{subject}: {} changed from {} to {}",
            bound.0.keyword(),
            from.map(fmt_num).unwrap_or_else(|| "(none)".into()),
            to.map(fmt_num).unwrap_or_else(|| "(none)".into())
        ),
        S::PatternChanged { from, to } => format!(
            "{subject}: pattern changed from {} to {}",
            or_none(from),
            or_none(to)
        ),
        S::UniqueItemsChanged { to: true } => format!("{subject}: items must now be unique"),
        S::UniqueItemsChanged { to: false } => {
            format!("{subject}: items no longer need to be unique")
        }
        S::PropertyAdded { required, .. } => format!(
            "{subject} added ({})",
            if *required { "required" } else { "optional" }
        ),
        S::PropertyRemoved { required, .. } => format!(
            "{subject} removed (it was {})",
            if *required { "required" } else { "optional" }
        ),
        S::ReadOnlyChanged { to } => format!(
            "{subject} {} read-only",
            if *to { "became" } else { "is no longer" }
        ),
        S::WriteOnlyChanged { to } => format!(
            "{subject} {} write-only",
            if *to { "became" } else { "is no longer" }
        ),
        S::DefaultChanged { from, to } => format!(
            "{subject}: default changed from {} to {}",
            or_none(from),
            or_none(to)
        ),
        S::VariantAdded {
            composition,
            member,
            accepted_before: false,
        } => format!("{subject}: {composition} member `{member}` added"),
        S::VariantAdded {
            composition,
            member,
            accepted_before: true,
        } => format!(
            "{subject}: {composition} member `{member}` added (its values already fit the old schema)"
        ),
        S::VariantRemoved {
            composition,
            member,
        } => format!("{subject}: {composition} member `{member}` removed"),
        S::AdditionalPropertiesChanged { from, to } => {
            format!("{subject}: additionalProperties changed from {from} to {to}")
        }
        S::DiscriminatorChanged { from, to } => format!(
            "{subject}: discriminator changed from {} to {}",
            or_none(from),
            or_none(to)
        ),
        S::PatternMoved {
            from,
            to,
            narrowed,
            widened,
        } => {
            let mut out = format!("{subject}: pattern changed from {from} to {to}");
            if let Some(s) = narrowed {
                out.push_str(&format!("; {s:?} matched before and no longer does"));
            }
            if let Some(s) = widened {
                out.push_str(&format!("; {s:?} matches now and did not before"));
            }
            out
        }
        S::ConstAdded { value } => format!("{subject} must now be {value} (const added)"),
        S::ConstRemoved { value } => {
            format!("{subject} is no longer always {value} (const removed)")
        }
        S::ConstChanged { from, to } => format!("{subject}: const changed from {from} to {to}"),
        S::LimitExclusivityChanged {
            bound,
            value,
            exclusive: true,
        } => format!(
            "{subject}: {} {} became exclusive ({}: {} itself is now refused)",
            bound.0.keyword(),
            fmt_num(*value),
            exclusive_keyword(bound.0),
            fmt_num(*value)
        ),
        S::LimitExclusivityChanged {
            bound,
            value,
            exclusive: false,
        } => format!(
            "{subject}: {} {} became inclusive ({} itself is now allowed)",
            exclusive_keyword(bound.0),
            fmt_num(*value),
            fmt_num(*value)
        ),
        S::ApplicatorAdded { keyword, key } => {
            format!("{subject}: {} added", applicator(*keyword, key))
        }
        S::ApplicatorRemoved { keyword, key } => {
            format!("{subject}: {} removed", applicator(*keyword, key))
        }
        S::ApplicatorChanged { keyword } => format!(
            "{subject}: the `{}` schema changed; apiwatch cannot tell which values it now lets through, so it is reported as breaking both ways",
            keyword.keyword()
        ),
        S::DependentRequiredAdded { property, requires } => {
            format!("{subject}: sending {property} now requires {requires} (dependentRequired)")
        }
        S::DependentRequiredRemoved { property, requires } => format!(
            "{subject}: {property} no longer comes with {requires} (dependentRequired removed)"
        ),
        S::PrefixItemAdded { index } => {
            format!("{subject}: tuple position {index} added (prefixItems)")
        }
        S::PrefixItemRemoved { index } => {
            format!("{subject}: tuple position {index} removed (prefixItems)")
        }
        S::ExtraItemsChanged { keyword, from, to } => {
            format!("{subject}: {keyword} changed from {from} to {to}")
        }
        S::AllOfAdded { member } => {
            format!("{subject}: allOf member `{member}` added; every value must now match it too")
        }
        S::WrappedInOneOf { members } => format!(
            "{subject} became one member of a oneOf of {members}; a value that also fits another member matches two and is refused"
        ),
        S::ContentChanged { keyword, from, to } => {
            format!("{subject}: {keyword} changed from {from} to {to}")
        }
        S::StabilityChanged { from, to } => format!(
            "{subject}: x-stability-level changed from {} to {}",
            from.as_deref().unwrap_or("stable"),
            to.as_deref().unwrap_or("stable")
        ),
        S::BecameWritableWhileRequired => {
            format!("{subject} is no longer read-only and is required: requests must now send it")
        }
    }
}

fn or_none(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

fn types(t: &[String]) -> String {
    if t.is_empty() {
        "any".to_owned()
    } else {
        t.join(" | ")
    }
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}
