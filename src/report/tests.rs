//! Contract-test results: per contract, per case and per step, what was called,
//! what came back, how long it took and which findings it raised; rendered as
//! text, Markdown and JUnit XML. The JSON shape is documented in
//! `docs/report-schema.md` (`tests`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// One contract's tests in one run.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TestRun {
    pub contract: String,
    /// `passed`, `failed` (a case failed, or the tests could not run) or `skipped`.
    pub status: String,
    /// Why the tests were skipped or could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where they ran: the sandbox's base URL, or `embedded`.
    pub sandbox: String,
    /// What answers were judged against: `pinned <version>` or the candidate spec.
    pub against: String,
    pub budget: BudgetUse,
    /// Rate-limit headers as last seen (`X-RateLimit-*`, `RateLimit`, vendor names).
    pub rate_limit_headers: BTreeMap<String, String>,
    /// `401`s met (each followed by one token renewal and retry for OAuth).
    pub unauthorized: usize,
    /// Things the owners must do that are not failures of a case (a rotated secret).
    pub notes: Vec<String>,
    pub cases: Vec<CaseResult>,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct BudgetUse {
    pub used: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_second: Option<f64>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CaseResult {
    pub name: String,
    /// The compliance kind of an operation it calls, if any (such cases run first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance: Option<String>,
    /// `passed`, `failed` or `skipped`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub steps: Vec<StepResult>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StepResult {
    pub name: String,
    /// `step` or `cleanup`.
    pub phase: String,
    pub operation: String,
    pub method: String,
    pub path: String,
    /// The final answer's status (none when nothing came back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// Requests made for the step (retries and a token renewal's retry included).
    pub attempts: u32,
    /// `passed`, `failed`, `warned` (only warnings) or `skipped`.
    pub outcome: String,
    /// One line per problem, as the findings say it.
    pub problems: Vec<String>,
    /// Fingerprints of the findings the step raised.
    pub findings: Vec<String>,
}

impl TestRun {
    /// A contract's tests that did not run, and why.
    pub fn skipped(contract: &crate::map::Contract, reason: String) -> TestRun {
        TestRun {
            contract: contract.name.clone(),
            status: "skipped".into(),
            reason: Some(reason),
            sandbox: contract
                .sandbox
                .as_ref()
                .map(|s| {
                    if s.embedded {
                        "embedded".to_owned()
                    } else {
                        s.base_url.clone()
                    }
                })
                .unwrap_or_default(),
            against: format!("pinned {}", contract.pin.version),
            budget: BudgetUse::default(),
            rate_limit_headers: BTreeMap::new(),
            unauthorized: 0,
            notes: Vec::new(),
            cases: Vec::new(),
        }
    }

    pub fn failed_cases(&self) -> usize {
        self.cases.iter().filter(|c| c.status == "failed").count()
    }

    fn counts(&self) -> (usize, usize, usize) {
        let count = |s: &str| self.cases.iter().filter(|c| c.status == s).count();
        (count("passed"), count("failed"), count("skipped"))
    }

    /// One line: `crm-contacts: 3 passed, 1 failed (embedded, pinned 2026-03, 12 requests)`.
    pub fn headline(&self) -> String {
        let (passed, failed, skipped) = self.counts();
        if self.cases.is_empty() {
            return format!(
                "{}: {} — {}",
                self.contract,
                self.status,
                self.reason.as_deref().unwrap_or("no cases")
            );
        }
        let mut s = format!("{}: {passed} passed, {failed} failed", self.contract);
        if skipped > 0 {
            let _ = write!(s, ", {skipped} skipped");
        }
        let _ = write!(
            s,
            " ({}, {}, {} request{}{})",
            self.sandbox,
            self.against,
            self.budget.used,
            if self.budget.used == 1 { "" } else { "s" },
            self.budget
                .limit
                .map(|l| format!(" of {l}"))
                .unwrap_or_default()
        );
        s
    }
}

/// The tests as text, for terminals.
pub fn text(runs: &[TestRun]) -> String {
    let mut out = String::new();
    for run in runs {
        let _ = writeln!(out, "{}", run.headline());
        for case in &run.cases {
            let mark = match case.status.as_str() {
                "passed" => "ok  ",
                "failed" => "FAIL",
                _ => "skip",
            };
            let _ = writeln!(
                out,
                "  {mark} {}{}",
                case.name,
                case.reason
                    .as_ref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default()
            );
            for step in &case.steps {
                if step.outcome == "passed" {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "       {} {} {} {}{}",
                    step.phase,
                    step.name,
                    step.status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "-".into()),
                    step.outcome,
                    if step.problems.is_empty() { "" } else { ":" }
                );
                for p in &step.problems {
                    let _ = writeln!(out, "         - {p}");
                }
            }
        }
        for n in &run.notes {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    out
}

/// Running text in a table cell.
fn cell(s: &str) -> String {
    super::escape::text(s).replace('|', "\\|")
}

/// The tests as a Markdown section (report.md, the job summary).
pub fn markdown(runs: &[TestRun]) -> String {
    if runs.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "## Contract tests\n\n| contract | result | sandbox | requests | rate-limit headers |\n|---|---|---|---|---|\n",
    );
    for run in runs {
        let (passed, failed, skipped) = run.counts();
        let result = if run.cases.is_empty() {
            format!("{}: {}", run.status, run.reason.as_deref().unwrap_or(""))
        } else {
            format!("{passed} passed, {failed} failed, {skipped} skipped")
        };
        let headers = run
            .rate_limit_headers
            .iter()
            .map(|(k, v)| format!("`{k}: {v}`"))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}{} | {} |",
            cell(&run.contract),
            cell(&result),
            cell(&run.sandbox),
            run.budget.used,
            run.budget
                .limit
                .map(|l| format!(" of {l}"))
                .unwrap_or_default(),
            cell(&headers)
        );
    }
    out.push('\n');
    for run in runs {
        let failing: Vec<&CaseResult> = run.cases.iter().filter(|c| c.status != "passed").collect();
        if failing.is_empty() && run.notes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n", super::escape::text(&run.contract));
        for n in &run.notes {
            let _ = writeln!(out, "- **Note:** {}", super::escape::text(n));
        }
        for case in failing {
            let _ = writeln!(
                out,
                "- **{}** — {}{}",
                super::escape::text(&case.name),
                case.status,
                case.reason
                    .as_ref()
                    .map(|r| format!(": {}", super::escape::text(r)))
                    .unwrap_or_default()
            );
            for step in case.steps.iter().filter(|s| s.outcome != "passed") {
                for p in &step.problems {
                    // A skipped step was never sent: its operation as the case names it.
                    let call = if step.method.is_empty() {
                        super::escape::code(&step.operation)
                    } else {
                        super::escape::code(&format!("{} {}", step.method, step.path))
                    };
                    let answer = match (step.status, step.outcome.as_str()) {
                        (Some(s), _) => s.to_string(),
                        (None, "skipped") => "not sent".into(),
                        (None, _) => "no answer".into(),
                    };
                    let _ = writeln!(
                        out,
                        "  - {} {call} → {answer}: {}",
                        super::escape::text(&step.name),
                        super::escape::text(p)
                    );
                }
                if step.problems.is_empty() && step.outcome == "skipped" {
                    let _ = writeln!(out, "  - {} skipped", super::escape::text(&step.name));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// The tests as JUnit XML: a suite per contract, a test case per case; a failed
/// case carries its problems, a skipped one its reason.
pub fn junit(runs: &[TestRun]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("apiwatch contract tests");
    for run in runs {
        let mut suite = TestSuite::new(run.contract.as_str());
        suite.set_time(std::time::Duration::from_millis(
            run.cases.iter().map(|c| c.duration_ms).sum(),
        ));
        if run.cases.is_empty() {
            let mut status = if run.status == "skipped" {
                TestCaseStatus::skipped()
            } else {
                TestCaseStatus::non_success(NonSuccessKind::Error)
            };
            if let Some(r) = &run.reason {
                status.set_message(r.lines().next().unwrap_or(""));
                status.set_description(r.as_str());
            }
            let mut case = TestCase::new("contract tests", status);
            case.set_classname(run.contract.as_str());
            case.set_time(std::time::Duration::ZERO);
            suite.add_test_case(case);
        }
        for c in &run.cases {
            let problems: Vec<String> = c
                .steps
                .iter()
                .flat_map(|s| {
                    s.problems
                        .iter()
                        .map(move |p| format!("{} ({} {}): {p}", s.name, s.method, s.path))
                })
                .collect();
            let mut status = match c.status.as_str() {
                "passed" => TestCaseStatus::success(),
                "skipped" => TestCaseStatus::skipped(),
                _ => TestCaseStatus::non_success(NonSuccessKind::Failure),
            };
            if c.status != "passed" {
                let first = problems
                    .first()
                    .cloned()
                    .or_else(|| c.reason.clone())
                    .unwrap_or_default();
                status.set_message(first);
                status.set_description(problems.join("\n"));
            }
            let mut case = TestCase::new(c.name.as_str(), status);
            case.set_classname(run.contract.as_str());
            case.set_time(std::time::Duration::from_millis(c.duration_ms));
            if c.status == "passed" && !problems.is_empty() {
                // Warnings (a deprecation header) do not fail a case; they are shown.
                case.set_system_out(problems.join("\n"));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->\n"))
}
