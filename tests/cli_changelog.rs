//! `apiwatch changelog` and changelog sources in runs, end to end: what a contract's
//! changelogs say, pages that stop matching their selectors, files that hold no
//! entries, and output that scripts can rely on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use predicates::prelude::*;

/// `apiwatch changelog acme --update`: the contract's changelogs as they are now
/// become its snapshot.
fn accept_changelogs(root: &std::path::Path) {
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["changelog", "acme", "--update"])
        .assert()
        .success();
}

#[test]
fn a_changelog_page_whose_selectors_stop_matching_is_a_finding_not_silence() {
    let dir = map_with_files(
        &format!(
            "{GOOD_CONTRACT}\n[[changelog]]\nfile = \"news.html\"\nkind = \"html\"\nselectors = {{ entry = \"article.entry\" }}\n"
        ),
        true,
        &[(
            "news.html",
            "<html><body><article class=\"entry\"><h2>Old layout</h2><time datetime=\"2026-01-01\"></time></article></body></html>",
        )],
    );
    accept_changelogs(dir.path());
    // The vendor redesigns the page: no more article.entry.
    std::fs::write(
        dir.path().join("news.html"),
        "<html><body><div class=\"post\"><h2>New layout</h2></div></body></html>",
    )
    .unwrap();
    let out = dir.path().join("out");
    let report = run_report(dir.path(), &out, 0);
    let f = finding_of(&report, "changelog-source-unparseable");
    assert_eq!(f["severity"], "warning");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no changelog entries found"),
        "{f}"
    );
    let issues: Vec<_> = std::fs::read_dir(out.join("issues")).unwrap().collect();
    assert_eq!(issues.len(), 1, "the owners hear about it");
}

#[test]
fn changelog_selectors_and_empty_values_are_checked_at_load() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[[changelog]]\nurl = \"https://x.example/news\"\nkind = \"html\"\nselectors = {{ entry = \"article..bad[\" }}\n"
    );
    let err = map_error(
        &contract.replace("version = \"1\"", "version = \"\""),
        false,
    );
    assert!(
        err.contains("contract.toml:8:1") && err.contains("pin.version"),
        "{err}"
    );
    assert!(
        err.contains("contract.toml:17:1") && err.contains("invalid CSS selector `article..bad[`"),
        "{err}"
    );
}

/// `[policy] severity` applies to every finding whatever stage made it: before
/// the one finding constructor, changelog and source findings ignored it.
#[test]
fn severity_overrides_apply_to_changelog_and_source_findings() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[[changelog]]\nfile = \"CHANGELOG.md\"\nkind = \"markdown\"\n\n[[changelog]]\nfile = \"gone.md\"\nkind = \"markdown\"\n\n[policy]\nseverity = {{ \"changelog-removal-announced\" = \"error\", \"changelog-breaking-announced\" = \"off\", \"changelog-source-unreachable\" = \"info\" }}\n"
    );
    let dir = map_with_files(
        &contract,
        true,
        &[
            (
                "CHANGELOG.md",
                "# Changelog\n\n## 2026-01-01\n\nNothing yet.\n",
            ),
            ("gone.md", "# Changelog\n\n## 2026-01-01\n\nNothing.\n"),
        ],
    );
    accept_changelogs(dir.path());
    // Still there, but no longer readable (it now resolves outside the repository).
    std::fs::remove_file(dir.path().join("gone.md")).unwrap();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("gone.md")).unwrap();
    std::fs::write(
        dir.path().join("CHANGELOG.md"),
        "# Changelog\n\n## 2026-03-01\n\n`GET /things` is removed.\n\n## 2026-02-01\n\nBreaking change: `GET /things` now pages by cursor.\n\n## 2026-01-01\n\nNothing yet.\n",
    )
    .unwrap();
    let report = run_report(dir.path(), &dir.path().join("out"), 1);
    let rules: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert!(
        rules.contains(&("changelog-removal-announced", "error")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("changelog-source-unreachable", "info")),
        "{rules:?}"
    );
    assert!(
        !rules
            .iter()
            .any(|(r, _)| *r == "changelog-breaking-announced"),
        "turned off: {rules:?}"
    );
}

/// `changelog parse` on a file it finds no entry in says why and exits 2, whatever
/// the reason: never "0 entries" and success.
#[test]
fn changelog_parse_without_entries_says_why_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let cases = [
        (write("empty.md", "\n\n"), vec![], "it is empty"),
        (
            write(
                "notes.md",
                "Some notes about the API.\n\n- removed x\n- added y\n",
            ),
            vec![],
            "no release headings",
        ),
        (
            write(
                "CHANGES.md",
                "# Changes\n\n## 1.2.0 - 2026-03-19\n- added y\n",
            ),
            vec!["--kind", "html"],
            "looks like Markdown",
        ),
        (
            write(
                "news.html",
                "<html><body><div class=\"post\"><h2>x</h2></div></body></html>",
            ),
            vec!["--selectors", "entry=article.entry"],
            "the entry selector `article.entry` matches nothing",
        ),
    ];
    for (file, args, why) in cases {
        apiwatch()
            .args(["changelog", "parse"])
            .arg(&file)
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(why));
    }
}

/// With `--spec`, the spec's operationIds and paths are recognised in entries, as a
/// contract's pinned spec is in `run`.
#[test]
fn changelog_parse_with_a_spec_recognises_its_operations() {
    let dir = map_with(GOOD_CONTRACT, false);
    let md = dir.path().join("CHANGELOG.md");
    std::fs::write(
        &md,
        "# Changelog\n\n## 2.0.0 - 2026-11-02\n- `listThings` is deprecated; calls to things (see api/things) move to v2.\n",
    )
    .unwrap();
    let out = apiwatch()
        .args(["changelog", "parse"])
        .arg(&md)
        .arg("--spec")
        .arg(dir.path().join("upstream.yaml"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mentions = &v["entries"][0]["mentions"];
    assert!(
        mentions
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["operation_id"] == "listThings"),
        "{mentions}"
    );
    // Without the spec, neither the operationId nor the slash-less path is known.
    let out = apiwatch()
        .args(["changelog", "parse"])
        .arg(&md)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entries"][0]["mentions"], serde_json::json!([]));
}

/// A contract with several changelog sources prints one JSON document.
#[test]
fn several_changelog_sources_are_one_json_document() {
    let dir = map_with_files(
        &format!(
            "{GOOD_CONTRACT}\n[[changelog]]\nfile = \"api.md\"\nkind = \"markdown\"\n\n[[changelog]]\nfile = \"sdk.md\"\nkind = \"markdown\"\n"
        ),
        true,
        &[
            (
                "api.md",
                "# API\n\n## 2026-11-02\n- `GET /things` is deprecated.\n",
            ),
            (
                "sdk.md",
                "# SDK\n\n## 3.0.0\n- Removed `things.list()`.\n\n## 2.9.0\n- added x\n",
            ),
        ],
    );
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .args(["changelog", "acme", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[1]["entries"], 2, "the undated releases are read");
    assert_eq!(sources[1]["new"].as_array().unwrap().len(), 2);
}

/// The entry elements still match after a redesign, but their titles and dates
/// are gone: as unreadable as a page whose entries vanished, and said at once.
#[test]
fn a_partial_redesign_is_an_unparseable_source() {
    let page = |entries: &str| format!("<html><body>{entries}</body></html>");
    let old = page(
        "<article class=\"entry\"><h2 class=\"t\">One</h2><time datetime=\"2026-01-01\"></time><p>a</p></article>\
         <article class=\"entry\"><h2 class=\"t\">Two</h2><time datetime=\"2026-02-01\"></time><p>b</p></article>",
    );
    let dir = map_with_files(
        &format!(
            "{GOOD_CONTRACT}\n[[changelog]]\nfile = \"news.html\"\nkind = \"html\"\nselectors = {{ entry = \"article.entry\", title = \"h2.t\", date = \"time\" }}\n"
        ),
        true,
        &[("news.html", &old)],
    );
    accept_changelogs(dir.path());
    std::fs::write(
        dir.path().join("news.html"),
        page(
            "<article class=\"entry\"><div class=\"head\">One</div><p>a</p></article>\
             <article class=\"entry\"><div class=\"head\">Two</div><p>b</p></article>\
             <article class=\"entry\"><div class=\"head\">Three</div><p>c</p></article>",
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let report = run_report(dir.path(), &out, 0);
    let f = finding_of(&report, "changelog-source-unparseable");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains(
            "3 of 3 entries have no title (the title selector `h2.t` finds nothing in them)"
        ) && message.contains("did the page change its layout?")
            && message.contains("(the snapshot has entries)"),
        "{message}"
    );
}
