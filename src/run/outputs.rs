//! The outputs stage: the report in every format, and one rendered issue per
//! problem, in the output folder.

use std::path::Path;

use crate::files::write_atomic;
use crate::issues::{self, PlannedIssue};
use crate::map::IntegrationMap;
use crate::report::{self, Report};

/// Writes report.{json,md,txt,sarif} and junit.xml (the contract tests), and renders every desired issue to
/// issues/*.md; returns the desired issues. The Markdown and text reports show
/// in-use findings in full and count the rest per rule, unless `all`.
pub fn write(
    out: &Path,
    map: &IntegrationMap,
    rep: &Report,
    all: bool,
) -> std::io::Result<Vec<PlannedIssue>> {
    std::fs::create_dir_all(out.join("issues"))?;
    // Issues from an earlier run in the same folder would read as still planned.
    for entry in std::fs::read_dir(out.join("issues"))? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "md") {
            std::fs::remove_file(p)?;
        }
    }
    let (shown, elsewhere) = report::focus::focus(rep, all);
    let markdown = report::markdown::render(&shown)
        + &report::focus::markdown(&elsewhere)
        + &report::tests::markdown(&rep.tests);
    let mut text = report::text::render(&shown, false) + &report::focus::text(&elsewhere);
    if !rep.tests.is_empty() {
        text.push_str("\nContract tests\n");
        text.push_str(&report::tests::text(&rep.tests));
    }
    let renderings = [
        ("report.json", report::json::render(rep)),
        ("report.md", markdown),
        ("report.txt", text),
        ("report.sarif", report::sarif::render(rep, "snapshots")),
        ("junit.xml", report::tests::junit(&rep.tests)),
    ];
    for (name, text) in renderings {
        write_atomic(&out.join(name), text.as_bytes())?;
    }
    let mut desired = Vec::new();
    let invalid = map.invalid.iter().filter_map(|i| i.contract.as_deref());
    for c in map.contracts.iter().chain(invalid) {
        for issue in issues::desired(c, &rep.findings, "report.md") {
            write_atomic(
                &out.join("issues").join(issues::file_name(&issue)),
                format!("# {}\n\n{}", issue.title, issue.body).as_bytes(),
            )?;
            desired.push(issue);
        }
    }
    Ok(desired)
}
