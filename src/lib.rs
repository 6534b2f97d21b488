//! apiwatch watches the third-party APIs a marketing stack depends on and warns the
//! owning team before a vendor change breaks an integration.
//!
//! The program is a pipeline, and the modules are its stages. Each stage owns one
//! output type; only the stages at the edges do I/O.
//!
//! ```text
//! map (contracts/*.toml) ──► IntegrationMap
//!        │
//! fetch / spec::load ──────► Document            (I/O: files, HTTP)
//!        │
//! spec::model ─────────────► ApiModel            (pure)
//!        │
//! diff ────────────────────► SpecDiff            (pure, neutral: never says "breaking")
//!        │
//! rules ───────────────────► Vec<Finding>        (pure: severity, relevance, fingerprint)
//!        │
//! report ──────────────────► Report + renderings (pure: text, JSON, Markdown, SARIF)
//!        │
//! issues ──────────────────► rendered issues     (dry run: Markdown files)
//! ```
//!
//! `run` strings the stages together for every contract; every stage can also be
//! run on its own from the command line (`apiwatch diff a.yaml b.yaml` needs no
//! contract at all).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

/// Parsing and diffing vendor specs allocates millions of small nodes; glibc's
/// allocator spent ~40% of the Stripe benchmark in malloc/free, mimalloc far less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod changelog;
pub mod cli;
pub mod diff;
pub mod fetch;
pub mod issues;
pub mod map;
pub mod progress;
pub mod report;
pub mod rules;
pub mod run;
pub mod snapshot;
pub mod spec;

use std::collections::BTreeMap;

use rules::{Finding, JudgeContext, Level, Relevance, Uses};
use spec::{Document, model::ApiModel};

/// What [`compare`] needs besides the two documents.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// The operations in use (empty: everything counts as in use).
    pub uses: Uses,
    /// Per-rule severity overrides.
    pub overrides: BTreeMap<String, Level>,
    /// `YYYY-MM-DD`, for sunset dates.
    pub today: String,
    /// Vendor extensions that mark an operation or parameter deprecated.
    pub deprecation_extensions: Vec<String>,
}

/// Model, diff and judge two parsed documents: the pure middle of the pipeline.
pub fn compare(base: &Document, revision: &Document, options: &CompareOptions) -> Vec<Finding> {
    let bm = ApiModel::build_with(base, &options.deprecation_extensions);
    let rm = ApiModel::build_with(revision, &options.deprecation_extensions);
    let changes = diff::diff(&bm, &rm, &base.root, &revision.root);
    let relevance = Relevance::new(&options.uses, &[&bm, &rm]);
    rules::judge(
        &changes,
        &JudgeContext {
            relevance: &relevance,
            overrides: &options.overrides,
            today: options.today.clone(),
        },
    )
}
