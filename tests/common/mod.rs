//! What the end-to-end tests of the binary share: the command, a minimal contract
//! and spec, a map folder built around them, and a run's report.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn apiwatch() -> Command {
    let mut cmd = Command::cargo_bin("apiwatch").unwrap();
    cmd.env_remove("GITHUB_TOKEN")
        .env_remove("APIWATCH_GITHUB_TOKEN")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1");
    cmd
}

pub const GOOD_CONTRACT: &str = r#"[contract]
vendor = "Acme"
api = "Things"

[owners]
team = "platform"

[pin]
version = "1"

[[spec]]
file = "upstream.yaml"

[[uses]]
operation = "GET /things"
"#;

pub const SPEC: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /things:\n    get:\n      operationId: listThings\n      responses:\n        '200': {description: ok}\n";

/// A map folder with one contract `acme` whose file is `contract`.
pub fn map_with(contract: &str, pinned: bool) -> tempfile::TempDir {
    map_with_files(contract, pinned, &[])
}

/// [`map_with`], with other files (a contract's local changelogs) written first.
pub fn map_with_files(contract: &str, pinned: bool, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("contracts/acme")).unwrap();
    std::fs::write(dir.path().join("contracts/acme/contract.toml"), contract).unwrap();
    std::fs::write(dir.path().join("upstream.yaml"), SPEC).unwrap();
    if pinned {
        pin(dir.path());
    }
    dir
}

/// `apiwatch pin acme` in the map at `root`, which must succeed.
pub fn pin(root: &Path) {
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["pin", "acme"])
        .assert()
        .success();
}

/// A real run of the map at `root`, its exit code checked, its report read.
pub fn run_report(root: &Path, out: &Path, code: i32) -> Value {
    apiwatch()
        .arg("--root")
        .arg(root)
        .args(["run", "--out"])
        .arg(out)
        .arg("--state-dir")
        .arg(root.join("state"))
        .assert()
        .code(code);
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

/// The stderr of `apiwatch map` on a map whose contract is `contract`, which must fail.
pub fn map_error(contract: &str, pinned: bool) -> String {
    // Pinned with a good contract first: `pin` itself refuses uses that do not resolve.
    let dir = map_with(if pinned { GOOD_CONTRACT } else { contract }, pinned);
    std::fs::write(dir.path().join("contracts/acme/contract.toml"), contract).unwrap();
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .arg("map")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// The first finding of `rule` in a report, which must have one.
pub fn finding_of<'r>(report: &'r Value, rule: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {report}"))
}

/// A map folder with one contract `crm` (vendor Crm, team growth, pin 7) over
/// `spec` (JSON, written as `spec.json` and pinned): its `contract.toml` ends with
/// `tail` (its `[[uses]]`, `[sandbox]`, `[webhook]`), and `files` are written under
/// `contracts/crm/`.
#[allow(dead_code)]
pub fn crm_map(spec: &str, tail: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let contract = root.join("contracts/crm");
    std::fs::create_dir_all(&contract).unwrap();
    std::fs::create_dir_all(root.join("snapshots/crm")).unwrap();
    std::fs::write(root.join("spec.json"), spec).unwrap();
    let doc = apiwatch::spec::load::parse_document(spec.as_bytes(), "spec.json").unwrap();
    apiwatch::snapshot::pin(&doc, &root.join("snapshots/crm/openapi.json")).unwrap();
    for (name, text) in files {
        let at = contract.join(name);
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(at, text).unwrap();
    }
    let head = "[contract]\nvendor = \"Crm\"\napi = \"Contacts\"\n\n[owners]\nteam = \"growth\"\n\n[pin]\nversion = \"7\"\n\n[[spec]]\nfile = \"spec.json\"\n";
    std::fs::write(contract.join("contract.toml"), format!("{head}\n{tail}")).unwrap();
    dir
}
