//! Progress of a run: a bar on an interactive terminal, plain log lines in CI or
//! when stderr is not a terminal (GitHub Actions logs do not render bars).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use apiwatch::report::ContractStatus;
use apiwatch::run::Progress;

/// The right progress display for this process's stderr.
pub fn for_terminal() -> Arc<dyn Progress> {
    let ci = std::env::var_os("CI").is_some() || std::env::var_os("GITHUB_ACTIONS").is_some();
    if std::io::stderr().is_terminal() && !ci {
        Arc::new(Bar(ProgressBar::hidden()))
    } else {
        Arc::new(Lines {
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        })
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, contracts: usize) {
        self.0.set_length(contracts as u64);
        self.0
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        self.0.set_style(
            ProgressStyle::with_template(
                "{spinner} checking contracts [{bar:30}] {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        self.0
            .enable_steady_tick(std::time::Duration::from_millis(120));
    }
    fn done(&self, status: &ContractStatus) {
        self.0
            .set_message(format!("{} {}", status.name, status.status));
        self.0.inc(1);
    }
    fn finish(&self, statuses: &[ContractStatus]) {
        self.0.finish_and_clear();
        print_statuses(statuses);
    }
    fn warn(&self, message: &str) {
        self.0.suspend(|| eprintln!("apiwatch: warning: {message}"));
    }
}

struct Lines {
    total: AtomicUsize,
    done: AtomicUsize,
}

impl Progress for Lines {
    fn start(&self, contracts: usize) {
        self.total.store(contracts, Ordering::SeqCst);
    }
    fn done(&self, status: &ContractStatus) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        eprintln!(
            "apiwatch: [{n}/{}] {} {}",
            self.total.load(Ordering::SeqCst),
            status.name,
            status.status
        );
    }
    fn finish(&self, statuses: &[ContractStatus]) {
        print_statuses(statuses);
    }
    fn warn(&self, message: &str) {
        eprintln!("apiwatch: warning: {message}");
    }
}

/// One line per contract: status, findings, and what failed.
fn print_statuses(statuses: &[ContractStatus]) {
    for s in statuses {
        eprintln!(
            "  {:<24} {:<9} {} findings, {} in use{}",
            s.name,
            s.status,
            s.findings,
            s.in_use_findings,
            if s.errors.is_empty() {
                String::new()
            } else {
                format!(" — {}", s.errors.join("; "))
            }
        );
    }
}
