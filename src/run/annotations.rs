//! GitHub annotations: an `::error` workflow command per in-use operation with
//! error findings, pointing at its `[[uses]]` line in `contract.toml`, so a pull
//! request that touches contracts shows the problems inline.

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::map::IntegrationMap;

/// A workflow command's data, escaped as GitHub documents (`%`, CR, LF).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: `,` and `:` escaped too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error file=…,line=…,col=…,title=…::message` per operation in use with
/// error findings.
pub fn lines(map: &IntegrationMap, findings: &[Finding]) -> Vec<String> {
    let mut per: BTreeMap<(String, usize, usize, String), Vec<&Finding>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.in_use && f.severity == Severity::Error)
    {
        let Some(contract) = map
            .contracts
            .iter()
            .find(|c| Some(c.name.as_str()) == f.contract.as_deref())
        else {
            continue;
        };
        let Some(used) = contract.use_for(
            f.method.as_deref(),
            f.path.as_deref(),
            f.operation_id.as_deref(),
        ) else {
            continue;
        };
        let file = contract.file.display().to_string();
        per.entry((file, used.line, used.column, used.operation.clone()))
            .or_default()
            .push(f);
    }
    per.into_iter()
        .map(|((file, line, col, op), fs)| {
            let title = format!(
                "apiwatch: {op} — {} error{}",
                fs.len(),
                if fs.len() == 1 { "" } else { "s" }
            );
            let message: Vec<String> = fs
                .iter()
                .map(|f| format!("{} [{}]", f.message, f.rule))
                .collect();
            format!(
                "::error file={},line={line},col={col},title={}::{}",
                property(&file),
                property(&title),
                data(&message.join("\n"))
            )
        })
        .collect()
}
