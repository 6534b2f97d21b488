//! Parameters as wholes: added, removed, or serialised differently. Whether one
//! became required is judged with the other required flags (`schema.rs`); what
//! changes inside its schema is a schema rule.

use crate::finding::catalog::{Parameter, RuleId};

fn id(rule: Parameter) -> RuleId {
    RuleId::Parameter(rule)
}

pub fn added(required: bool) -> RuleId {
    id(if required {
        Parameter::AddedRequired
    } else {
        Parameter::Added
    })
}

pub fn removed(deprecated: bool) -> RuleId {
    id(if deprecated {
        Parameter::RemovedAfterDeprecation
    } else {
        Parameter::Removed
    })
}

pub fn required_default_changed() -> RuleId {
    id(Parameter::RequiredDefaultChanged)
}

pub fn style_changed() -> RuleId {
    id(Parameter::StyleChanged)
}
