//! Loading the integration map for a command: the contract files (the loader,
//! `map`, asking the changelog reader about CSS selectors), then what needs the
//! pinned specs: every `[[uses]]` entry names an operation of the pinned spec.
//! Errors point at the line to fix, like the loader's.

use std::path::Path;

use crate::map::{self, Checks, Contract, ContractError, IntegrationMap, MapError};
use crate::snapshot;
use crate::spec::Document;
use crate::spec::model::ApiModel;

/// What the stages know that the loader does not.
struct StageChecks<'r> {
    root: &'r Path,
}

impl Checks for StageChecks<'_> {
    fn webhook_scheme(&self, name: &str) -> bool {
        crate::webhook::schemes::Scheme::parse(name).is_some()
    }

    fn css_selector(&self, selector: &str) -> bool {
        crate::changelog::html::is_valid_selector(selector)
    }

    fn local_file(&self, relative: &Path) -> bool {
        self.root.join(relative).is_file()
    }
}

/// The contracts under `root`, every file checked in full.
pub fn load_contracts(root: &Path) -> Result<IntegrationMap, MapError> {
    map::load_with(root, &StageChecks { root })
}

/// The contracts under `root`, checked in full and against their pinned specs:
/// what a command that judges or shows the whole map needs.
pub fn load_map(root: &Path) -> Result<IntegrationMap, MapError> {
    let map = load_contracts(root)?;
    check_map(&map)?;
    Ok(map)
}

/// [`load_map`] for the nightly run: a contract that fails validation (its file or
/// its `[[uses]]` against the pinned spec) is set aside in
/// [`IntegrationMap::invalid`], reported as invalid, and every other one is checked.
pub fn load_map_lenient(root: &Path) -> Result<IntegrationMap, MapError> {
    let mut map = map::load_lenient_with(root, &StageChecks { root })?;
    if let Err(MapError::Invalid(errors)) = check_map(&map) {
        map.set_aside(errors);
    }
    Ok(map)
}

/// Checks every contract's `[[uses]]` against its pinned snapshots; all problems
/// at once.
pub fn check_map(map: &IntegrationMap) -> Result<(), MapError> {
    let mut errors = Vec::new();
    for c in &map.contracts {
        let docs: Vec<Document> = c
            .specs
            .iter()
            .filter_map(|s| snapshot::read(&c.snapshot_path(&map.root, &s.name)).ok())
            .collect();
        if docs.len() < c.specs.len() {
            continue; // not pinned yet: reported as a risk, checked once pinned
        }
        let models: Vec<ApiModel<'_>> = docs.iter().map(ApiModel::build).collect();
        let refs: Vec<&ApiModel<'_>> = models.iter().collect();
        errors.extend(check_uses(c, &refs));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(MapError::Invalid(errors))
    }
}

/// Checks every `[[uses]]` reference against the operations of the pinned spec(s).
/// Returns one error per reference that names no operation.
pub fn check_uses(contract: &Contract, models: &[&ApiModel<'_>]) -> Vec<ContractError> {
    contract
        .uses
        .iter()
        .filter(|u| !models.iter().any(|m| m.find(&u.operation).is_some()))
        .map(|u| ContractError {
            file: contract.file.display().to_string(),
            line: u.line,
            column: u.column,
            message: format!(
                "`{}` is not an operation of the pinned spec ({}){}",
                u.operation,
                contract
                    .specs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                hint(&u.operation, models)
            ),
        })
        .collect()
}

/// "; did you mean `create_event`?", or how to write a reference.
pub fn hint(reference: &str, models: &[&ApiModel<'_>]) -> String {
    match did_you_mean(reference, models) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => "; use an operationId or `METHOD /path` as the spec writes it (`apiwatch ops` lists them)".to_owned(),
    }
}

/// The operation reference (operationId, or `METHOD /path`) closest to a mistyped
/// one, when one is close enough to be what was meant.
pub fn did_you_mean(reference: &str, models: &[&ApiModel<'_>]) -> Option<String> {
    let wanted = reference.to_lowercase();
    let candidates = models.iter().flat_map(|m| {
        m.operations.iter().flat_map(|o| {
            let by_path = format!("{} {}", o.method, o.path);
            o.operation_id
                .clone()
                .into_iter()
                .chain(std::iter::once(by_path))
        })
    });
    let (distance, best) = candidates
        .map(|c| (edit_distance(&wanted, &c.to_lowercase()), c))
        .min()?;
    (distance <= (wanted.chars().count() / 4).max(2)).then_some(best)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("create_events", "create_event"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
