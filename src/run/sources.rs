//! Reading sources: an upstream spec (file or URL) or a changelog page, fetched
//! and parsed. What goes wrong is a [`Problem`] naming the source, which becomes a
//! finding for the contract's owners.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{Location, SourceCredential};
use crate::fetch::Fetcher;
use crate::finding::catalog::{Changelog, Source};
use crate::finding::{Draft, Finding, Identity, InUse, RuleId};
use crate::map::Contract;
use crate::spec::{Document, load};

/// A source-level failure, before it becomes a finding.
pub struct Problem {
    pub rule: RuleId,
    pub message: String,
    pub location: String,
    /// A changelog read whose layout is not what its selectors say (no entries, or
    /// entries without titles or dates): reported at once, not after a streak.
    pub layout: bool,
}

impl Problem {
    /// A problem with a source; `message` (which may quote what the source said)
    /// is scrubbed of credentials.
    pub(super) fn new(rule: RuleId, message: String, location: &str) -> Problem {
        Problem {
            rule,
            message: crate::secrets::redact(&message),
            location: location.to_owned(),
            layout: false,
        }
    }

    /// A source that fails is reported at once, but becomes an issue (in use) only
    /// after failing `escalate_after_failures` runs in a row: vendors have bad nights.
    pub(super) fn escalated(
        self,
        contract: &Contract,
        streaks: &BTreeMap<String, u32>,
        source_key: &str,
    ) -> (String, Option<Finding>) {
        let nights = streaks.get(source_key).copied().unwrap_or(0) + 1;
        let threshold = contract.policy.escalate_after_failures.max(1);
        let in_use = nights >= threshold;
        let message = if in_use {
            format!("{} — failing {nights} runs in a row", self.message)
        } else {
            format!(
                "{} — failing {nights} run{} in a row; an issue is filed after {threshold}",
                self.message,
                if nights == 1 { "" } else { "s" }
            )
        };
        let finding = Problem {
            message: message.clone(),
            ..self
        }
        .into_finding(contract, in_use);
        (message, finding)
    }

    /// `in_use`: whether it is an issue for the owners tonight (every operation in
    /// use depends on the source being readable).
    pub(super) fn into_finding(self, contract: &Contract, in_use: bool) -> Option<Finding> {
        let draft = Draft {
            rule: self.rule,
            operation: None,
            location: self.location.clone(),
            subject: self.location.clone(),
            message: self.message,
            before: None,
            after: None,
            base_pointer: None,
            revision_pointer: None,
            in_use: InUse {
                in_use,
                compliance_kind: None,
            },
            sunset: None,
            contract: Some(contract.name.clone()),
            excerpt: None,
            op_key: format!("source {}", self.location),
            identity: Identity::Source {
                contract: &contract.name,
                location: &self.location,
            },
        };
        Finding::new(draft, &contract.policy.severity)
    }
}

/// Fetches and parses an upstream spec; the HTTP cache learns about it only once it
/// parsed. Failures are named problems.
pub async fn load_upstream(
    location: &Location,
    root: &Path,
    fetcher: &Fetcher,
    credential: Option<&SourceCredential>,
) -> Result<Document, Problem> {
    let shown = location.to_string();
    match location {
        // Local files may use relative `$ref`s to sibling files.
        Location::File(p) => {
            let path = crate::config::confined_file(root, p).map_err(|why| {
                Problem::new(
                    Source::Unreachable.into(),
                    format!("{shown}: {why}"),
                    &shown,
                )
            })?;
            load::load_file(&path).map_err(|e| {
                let rule = if matches!(e, crate::spec::SpecError::Io { .. }) {
                    Source::Unreachable
                } else {
                    Source::Invalid
                };
                let message = e.to_string().replace(&path.display().to_string(), &shown);
                Problem::new(rule.into(), message, &shown)
            })
        }
        Location::Url(_) => {
            let fetched = fetcher
                .fetch(location, root, credential)
                .await
                .map_err(|e| {
                    let rule = match e {
                        crate::fetch::FetchError::ContentType { .. }
                        | crate::fetch::FetchError::TooLarge { .. } => Source::Invalid,
                        _ => Source::Unreachable,
                    };
                    Problem::new(rule.into(), e.to_string(), &shown)
                })?;
            let doc = load::parse_document(&fetched.bytes, &fetched.source)
                .map_err(|e| Problem::new(Source::Invalid.into(), e.to_string(), &shown))?;
            fetcher.remember(&fetched);
            Ok(doc)
        }
    }
}

/// Fetches and parses one changelog source.
pub async fn read_changelog(
    source: &crate::map::ChangelogSource,
    root: &Path,
    fetcher: &Fetcher,
    models: &[crate::spec::model::ApiModel<'_>],
) -> Result<Vec<crate::changelog::Entry>, Problem> {
    let shown = source.location.to_string();
    let fetched = fetcher
        .fetch(&source.location, root, source.credential.as_ref())
        .await
        // A changelog that cannot be read costs the lead time, not the integration:
        // its own rule, a warning by default.
        .map_err(|e| Problem::new(Changelog::SourceUnreachable.into(), e.to_string(), &shown))?;
    let base_url = match &source.location {
        Location::Url(u) => Some(u.as_str()),
        Location::File(_) => None,
    };
    let known = crate::changelog::mentions::Known::from_models(models);
    let entries = crate::changelog::parse(
        &fetched.bytes,
        &crate::changelog::Source {
            name: &shown,
            kind: source.kind,
            selectors: source.selectors.as_ref(),
            base_url,
            content_type: fetched.content_type.as_deref(),
        },
        &known,
        &source.keywords,
    )
    .map_err(|e| {
        let layout = e.is_layout();
        Problem {
            layout,
            ..Problem::new(Changelog::SourceUnparseable.into(), e.to_string(), &shown)
        }
    })?;
    if !entries.is_empty() {
        fetcher.remember(&fetched);
    }
    Ok(entries)
}
