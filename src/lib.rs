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

pub mod audit;
pub mod changelog;
pub mod config;
pub mod diff;
pub mod fetch;
pub mod files;
pub mod finding;
pub mod issues;
pub mod map;
pub mod report;
pub mod retry;
pub mod rules;
pub mod run;
pub mod sandbox;
pub mod secrets;
pub mod snapshot;
pub mod spec;
pub mod suite;
pub mod upgrade;
pub mod webhook;

use config::Uses;
use finding::{Finding, Overrides};
use rules::{JudgeContext, Relevance};
use spec::{Document, model::ApiModel};

/// What [`compare`] needs besides the two documents.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// The operations in use (empty: everything counts as in use).
    pub uses: Uses,
    /// Per-rule severity overrides.
    pub overrides: Overrides,
    /// `YYYY-MM-DD`, for sunset dates.
    pub today: String,
    /// Vendor extensions that mark an operation or parameter deprecated.
    pub deprecation_extensions: Vec<String>,
}

/// Model, diff and judge two parsed documents: the pure middle of the pipeline.
///
/// Uses two threads: the two models are built side by side, and the changes of
/// each operation are judged on one thread while the diff goes on with the next
/// operation on the other (which joins the judging when the diff is done). The
/// result does not depend on the interleaving: the findings are put in report
/// order at the end.
pub fn compare(base: &Document, revision: &Document, options: &CompareOptions) -> Vec<Finding> {
    let extensions = &options.deprecation_extensions;
    let (bm, rm) = join(
        || ApiModel::build_with(base, extensions),
        || ApiModel::build_with(revision, extensions),
    );
    let relevance = Relevance::new(&options.uses, &[&bm, &rm]);
    let ctx = JudgeContext {
        relevance: &relevance,
        overrides: &options.overrides,
        today: options.today.clone(),
    };
    let (sender, received) = std::sync::mpsc::channel::<Vec<diff::Change>>();
    let received = std::sync::Mutex::new(received);
    // Takes batches until the diff is done and every batch is taken.
    let judge_batches = || {
        let mut judged = Vec::new();
        loop {
            let next = received
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .recv();
            let Ok(batch) = next else { break };
            let mut findings = rules::judge_unsorted(&batch, &ctx);
            finding::sort_findings(&mut findings);
            judged.push(findings);
        }
        judged
    };
    let (mut judged, mut more) = join(judge_batches, || {
        diff::diff_each(&bm, &rm, &base.root, &revision.root, &mut |batch| {
            // Receiving stops only on a panic, which `join` passes on.
            let _ = sender.send(batch);
        });
        drop(sender);
        judge_batches()
    });
    judged.append(&mut more);
    finding::merge_sorted(judged)
}

/// Runs `a` on a second thread and `b` on this one, and returns both results
/// (a panic in either is passed on). The machines this runs on have two cores.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(a);
        let b = b();
        let a = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}
