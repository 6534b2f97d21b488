//! Root causes: one change to a shared component is reached by every operation
//! that uses it — Stripe's `three_d_secure_details.version` becoming nullable is
//! one line of the spec and 204 findings. Relevance stays per operation (the JSON
//! report keeps one finding per operation, each with its `root_cause`); people read
//! each root cause once, with how many operations it affects and how many of them
//! the integration uses.

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};

/// A change reached by more than one operation.
#[derive(Debug)]
pub struct RootCause<'r> {
    /// Every finding it caused, in report order; the first stands for all.
    pub findings: Vec<&'r Finding>,
    /// Distinct operations affected, and how many of them are in use.
    pub operations: usize,
    pub in_use: usize,
}

impl RootCause<'_> {
    pub fn first(&self) -> &Finding {
        self.findings[0]
    }

    pub fn severity(&self) -> Severity {
        self.first().severity
    }

    /// Where, in words: the component and property when the change is inside
    /// `#/components/schemas` (`three_d_secure_details.version`), else the pointer.
    pub fn place(&self) -> String {
        let location = &self.first().location;
        match location.strip_prefix("/components/schemas/") {
            Some(rest) => rest
                .replace("/properties/", ".")
                .replace("~1", "/")
                .replace("~0", "~"),
            None => location.clone(),
        }
    }

    /// `affects 204 operations (3 in use)`.
    pub fn reach(&self) -> String {
        format!(
            "affects {} operations ({} in use)",
            self.operations, self.in_use
        )
    }
}

/// The root causes shared by several operations (within one contract), most
/// severe first, then the widest.
pub fn shared<'r>(findings: impl IntoIterator<Item = &'r Finding>) -> Vec<RootCause<'r>> {
    let mut groups: BTreeMap<(&Option<String>, &str), Vec<&Finding>> = BTreeMap::new();
    for f in findings.into_iter().filter(|f| f.method.is_some()) {
        groups
            .entry((&f.contract, f.root_cause.as_str()))
            .or_default()
            .push(f);
    }
    let mut out: Vec<RootCause<'_>> = groups
        .into_values()
        .filter_map(|findings| {
            let mut ops: Vec<&str> = findings.iter().map(|f| f.op_key.as_str()).collect();
            ops.sort_unstable();
            ops.dedup();
            let mut used: Vec<&str> = findings
                .iter()
                .filter(|f| f.in_use)
                .map(|f| f.op_key.as_str())
                .collect();
            used.sort_unstable();
            used.dedup();
            (ops.len() > 1).then_some(RootCause {
                operations: ops.len(),
                in_use: used.len(),
                findings,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            b.severity(),
            b.operations,
            &a.first().rule.as_str(),
            &a.first().location,
        )
            .cmp(&(
                a.severity(),
                a.operations,
                &b.first().rule.as_str(),
                &b.first().location,
            ))
    });
    out
}

/// The root-cause keys in `shared`, to leave out of per-operation listings.
pub fn keys<'r>(
    shared: &[RootCause<'r>],
) -> std::collections::BTreeSet<(&'r Option<String>, &'r str)> {
    shared
        .iter()
        .map(|rc| {
            let f: &'r Finding = rc.findings[0];
            (&f.contract, f.root_cause.as_str())
        })
        .collect()
}
