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
struct StageChecks;

impl Checks for StageChecks {
    fn css_selector(&self, selector: &str) -> bool {
        crate::changelog::html::is_valid_selector(selector)
    }
}

/// The contracts under `root`, every file checked in full.
pub fn load_contracts(root: &Path) -> Result<IntegrationMap, MapError> {
    map::load_with(root, &StageChecks)
}

/// The contracts under `root`, checked in full and against their pinned specs:
/// what a command that judges or shows the whole map needs.
pub fn load_map(root: &Path) -> Result<IntegrationMap, MapError> {
    let map = load_contracts(root)?;
    check_map(&map)?;
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
                "`{}` is not an operation of the pinned spec ({}); use an operationId or `METHOD /path` as the spec writes it",
                u.operation,
                contract.specs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect()
}
