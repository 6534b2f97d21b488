//! Relevance: the operations a contract uses, resolved against the pinned and
//! upstream models, so that a finding knows whether it touches the integration
//! and whether the operation it touches is compliance-critical.

use std::collections::HashMap;

use crate::config::Uses;
use crate::diff::OpRef;
use crate::spec::model::{ApiModel, split_method_path};
use crate::spec::path::match_key;

/// Uses resolved against both documents.
#[derive(Debug, Default)]
pub struct Relevance {
    /// (METHOD, matching key) → compliance kind.
    by_key: HashMap<(String, String), Option<String>>,
    by_id: HashMap<String, Option<String>>,
    /// Whether any uses were given (without them, nothing is "in use").
    pub known: bool,
}

impl Relevance {
    pub fn new(uses: &Uses, models: &[&ApiModel<'_>]) -> Relevance {
        let mut rel = Relevance {
            known: !uses.entries.is_empty(),
            ..Relevance::default()
        };
        for entry in &uses.entries {
            let c = entry.compliance.clone();
            match split_method_path(&entry.reference) {
                Some((method, p)) => {
                    rel.by_key
                        .insert((method.clone(), match_key("", p)), c.clone());
                    for model in models {
                        if let Some(op) = model.find(&entry.reference) {
                            rel.by_key
                                .insert((op.method.clone(), op.key.clone()), c.clone());
                        }
                    }
                }
                None => {
                    rel.by_id.insert(entry.reference.clone(), c.clone());
                    for model in models {
                        if let Some(op) = model.find(&entry.reference) {
                            rel.by_key
                                .insert((op.method.clone(), op.key.clone()), c.clone());
                        }
                    }
                }
            }
        }
        rel
    }

    /// `Some(compliance kind)` when the operation (of a pinned model) is in use.
    pub fn lookup_operation(
        &self,
        op: &crate::spec::model::Operation<'_>,
    ) -> Option<Option<String>> {
        if !self.known {
            return Some(None);
        }
        if let Some(c) = self.by_key.get(&(op.method.clone(), op.key.clone())) {
            return Some(c.clone());
        }
        op.operation_id
            .as_ref()
            .and_then(|id| self.by_id.get(id).cloned())
    }

    /// `Some(compliance kind)` when the operation is in use.
    pub fn lookup(&self, op: &OpRef) -> Option<Option<String>> {
        // With no uses given, the whole API is the subject: everything counts.
        if !self.known {
            return Some(None);
        }
        // Callbacks belong to the operation that registers them.
        let method = op.method.as_str();
        let keys = [Some(op.key.as_str()), op.base_key.as_deref()];
        for key in keys.into_iter().flatten() {
            let (m, k) = match key.split_once('|') {
                Some((parent, _)) => match parent.split_once(' ') {
                    Some((pm, pk)) => (pm, pk),
                    None => (method, key),
                },
                None => (method, key),
            };
            if let Some(c) = self.by_key.get(&(m.to_owned(), k.to_owned())) {
                return Some(c.clone());
            }
        }
        for id in [&op.operation_id, &op.base_operation_id]
            .into_iter()
            .flatten()
        {
            if let Some(c) = self.by_id.get(id) {
                return Some(c.clone());
            }
        }
        None
    }
}
