//! Report order: findings sorted by operation, then rule, location and message,
//! so reports and snapshots are deterministic.

use std::collections::HashMap;

use super::Finding;

/// Sorts by operation, then rule, location and message.
pub fn sort_findings(findings: &mut [Finding]) {
    // Stripe has 19,000 findings of a few hundred bytes each, most of them sharing
    // their operation with hundreds of others. Operations are ranked once, positions
    // are sorted on the ranks, and each finding is then moved into place.
    fn op(f: &Finding) -> (&str, Option<&str>) {
        (f.op_key.as_str(), f.method.as_deref())
    }
    let Some(first) = findings.first() else {
        return;
    };
    let mut operation_rank: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    if findings.iter().any(|f| op(f) != op(first)) {
        let mut operations: Vec<(&str, Option<&str>)> = findings.iter().map(op).collect();
        operations.sort_unstable();
        operations.dedup();
        operation_rank = operations
            .into_iter()
            .enumerate()
            .map(|(i, op)| (op, i))
            .collect();
    }
    let mut keys: Vec<(usize, &str, &str, &str, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rank = operation_rank.get(&op(f)).copied().unwrap_or(0);
            (
                rank,
                f.rule.as_str(),
                f.location.as_str(),
                f.message.as_str(),
                i,
            )
        })
        .collect();
    keys.sort_unstable();
    let order: Vec<usize> = keys.into_iter().map(|k| k.4).collect();
    permute(findings, order);
}

/// Joins batches of findings, each already sorted by [`sort_findings`] and each
/// about one operation (as the diff hands them over), into one list in report
/// order. Batches that break that promise are sorted whole.
pub fn merge_sorted(mut batches: Vec<Vec<Finding>>) -> Vec<Finding> {
    batches.retain(|b| !b.is_empty());
    batches.sort_by(|a, b| (&a[0].op_key, &a[0].method).cmp(&(&b[0].op_key, &b[0].method)));
    let mut findings = Vec::with_capacity(batches.iter().map(Vec::len).sum());
    findings.extend(batches.into_iter().flatten());
    fn key(f: &Finding) -> (&String, &Option<String>, &str, &String, &String) {
        (
            &f.op_key,
            &f.method,
            f.rule.as_str(),
            &f.location,
            &f.message,
        )
    }
    if !findings.is_sorted_by(|a, b| key(a) <= key(b)) {
        sort_findings(&mut findings);
    }
    findings
}

/// Puts `items[order[k]]` at position `k`, following each cycle of the permutation.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            items.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Draft, Identity, OperationRef, Overrides, RuleId};

    fn finding(op: &str, rule: &str, location: &str) -> Finding {
        let draft = Draft {
            rule: RuleId::parse(rule).unwrap(),
            operation: Some(OperationRef {
                method: "GET".to_owned(),
                path: op.to_owned(),
                operation_id: None,
            }),
            location: location.to_owned(),
            subject: String::new(),
            message: String::new(),
            before: None,
            after: None,
            base_pointer: None,
            revision_pointer: None,
            in_use: Default::default(),
            sunset: None,
            contract: None,
            excerpt: None,
            op_key: format!("{op} GET"),
            identity: Identity::Source {
                contract: "",
                location,
            },
        };
        Finding::new(draft, &Overrides::new()).unwrap()
    }

    fn order(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{} {} {}", f.op_key, f.rule, f.location))
            .collect()
    }

    #[test]
    fn merging_sorted_batches_gives_report_order() {
        let batch = |op: &str, rules: &[(&str, &str)]| {
            let mut b: Vec<Finding> = rules.iter().map(|(r, l)| finding(op, r, l)).collect();
            sort_findings(&mut b);
            b
        };
        let batches = vec![
            batch("/b", &[("webhook-removed", "/2"), ("endpoint-added", "/1")]),
            vec![],
            batch("/a", &[("endpoint-removed", "/1")]),
            // A second batch about `/b` breaks the one-operation-per-batch promise:
            // its findings interleave with the first one's.
            batch("/b", &[("endpoint-reactivated", "/1")]),
        ];
        let mut expected: Vec<Finding> = batches.iter().flatten().cloned().collect();
        sort_findings(&mut expected);
        let merged = merge_sorted(batches);
        assert_eq!(order(&merged), order(&expected));
        assert_eq!(
            order(&merged),
            [
                "/a GET endpoint-removed /1",
                "/b GET endpoint-added /1",
                "/b GET endpoint-reactivated /1",
                "/b GET webhook-removed /2"
            ]
        );
    }

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        for order in [
            vec![],
            vec![0],
            vec![2, 0, 1],
            vec![1, 0, 3, 2, 4],
            vec![4, 3, 2, 1, 0],
        ] {
            let mut items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            let expected: Vec<usize> = order.iter().map(|i| i * 10).collect();
            permute(&mut items, order);
            assert_eq!(items, expected);
        }
    }
}
