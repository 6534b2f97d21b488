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

pub mod cli;
pub mod diff;
pub mod fetch;
pub mod issues;
pub mod map;
pub mod report;
pub mod rules;
pub mod run;
pub mod snapshot;
pub mod spec;
