//! Contract tests at scale (issue 17): 1,000 cases against a loopback sandbox.
//!
//! A map with one contract whose embedded sandbox serves the demo's pinned Corvid
//! CRM spec (keeping records), and a `tests.toml` of N cases, each
//! create → read back (relied-on fields checked) → archive (cleanup): 3 requests a
//! case, each answer validated against the pinned schemas. The run is
//! `apiwatch::suite::test_contract`, as `apiwatch test` calls it: the sandbox in
//! the same process, real HTTP over loopback, no request budget. Measured: wall time
//! (median of 3 rounds) and the process's peak RSS (`VmHWM`).
//!
//! Run: `cargo bench --bench suite [CASES]` (default 1000). Results in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn map(root: &Path, cases: usize) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pinned = std::fs::read(repo.join("snapshots/crm-contacts/contacts.json")).unwrap();
    std::fs::create_dir_all(root.join("contracts/crm")).unwrap();
    std::fs::create_dir_all(root.join("snapshots/crm")).unwrap();
    std::fs::write(root.join("spec.json"), &pinned).unwrap();
    std::fs::write(root.join("snapshots/crm/contacts.json"), &pinned).unwrap();
    std::fs::write(
        root.join("contracts/crm/contract.toml"),
        r#"[contract]
vendor = "Corvid CRM"
api = "Contacts API"

[owners]
team = "growth"

[pin]
version = "2026-03"

[[spec]]
name = "contacts"
file = "spec.json"

[[uses]]
operation = "createContact"

[[uses]]
operation = "getContact"

[[uses]]
operation = "deleteContact"

[sandbox]
embedded = true
stateful = true
"#,
    )
    .unwrap();
    let mut text = String::new();
    for i in 0..cases {
        let _ = write!(
            text,
            r#"
[[case]]
name = "contact {i}"

[[case.step]]
operation = "createContact"
body = {{ email = "ci+{i}-${{run_id}}@example.com", first_name = "Bench" }}
expect_status = 201
capture = {{ id = "/id" }}

[[case.step]]
operation = "getContact"
path = {{ contactId = "${{id}}" }}
fields = ["/id", "/email", "/lifecycle_stage", "/subscription_status"]

[[case.cleanup]]
operation = "deleteContact"
path = {{ contactId = "${{id}}" }}
expect_status = [204, 404]
"#
        );
    }
    std::fs::write(root.join("contracts/crm/tests.toml"), text).unwrap();
}

fn main() {
    let cases: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    map(dir.path(), cases);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let map = apiwatch::run::load_contracts(dir.path()).unwrap();
    let contract = map.get("crm").unwrap();
    let pinned = apiwatch::snapshot::read(&dir.path().join("snapshots/crm/contacts.json")).unwrap();
    let settings = apiwatch::suite::Settings::new(dir.path());
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let outcome = rt.block_on(apiwatch::suite::test_contract(
            contract,
            apiwatch::suite::Specs::pinned(&pinned, &pinned),
            &settings,
        ));
        times.push(started.elapsed());
        let passed = outcome
            .run
            .cases
            .iter()
            .filter(|c| c.status == "passed")
            .count();
        assert_eq!(passed, cases, "every case passes: {:?}", outcome.run.reason);
        assert_eq!(outcome.run.budget.used as usize, cases * 3);
    }
    times.sort();
    let median: Duration = times[1];
    println!(
        "{cases} cases, {} requests: median {:.2} s ({:.0} requests/s; rounds {:?}), peak RSS {:.0} MiB",
        cases * 3,
        median.as_secs_f64(),
        (cases * 3) as f64 / median.as_secs_f64(),
        times
            .iter()
            .map(|t| format!("{:.2}", t.as_secs_f64()))
            .collect::<Vec<_>>(),
        peak_rss_mib()
    );
}
