//! The shipped GitHub Action and workflows: valid YAML with what a user relies on,
//! no input pasted into a shell script (script injection), and `actionlint` clean
//! when it is installed (skipped with a message otherwise).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::repo;

use serde_json::Value;

const FILES: [&str; 7] = [
    "action.yml",
    ".github/workflows/nightly.yml",
    ".github/workflows/release.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/corpus.yml",
    "examples/nightly-with-action.yml",
    "examples/sharded-nightly.yml",
];

fn yaml(path: &str) -> Value {
    let bytes = std::fs::read(repo().join(path)).unwrap();
    apiwatch::spec::load::parse_value(&bytes, path).unwrap()
}

/// Every `run:` script of a workflow or composite action.
fn scripts(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut steps: Vec<&Value> = doc
        .pointer("/runs/steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for job in doc
        .get("jobs")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|j| j.values())
    {
        steps.extend(
            job.get("steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    for s in steps {
        if let Some(r) = s.get("run").and_then(Value::as_str) {
            out.push(r.to_owned());
        }
    }
    out
}

#[test]
fn no_expression_is_pasted_into_a_script() {
    for f in FILES {
        for script in scripts(&yaml(f)) {
            assert!(
                !script.contains("${{"),
                "{f}: a `run:` script expands an expression; pass it through `env:`\n{script}"
            );
        }
    }
}

#[test]
fn the_action_has_the_inputs_the_readme_promises() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in [
        "root",
        "contract",
        "fail-on",
        "dry-run",
        "state-cache",
        "report-artifact",
        "version",
        "github-token",
    ] {
        assert!(
            action["inputs"].get(input).is_some(),
            "missing input {input}"
        );
    }
    let release = yaml(".github/workflows/release.yml");
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    for t in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
    ] {
        assert!(targets.contains(&t), "{t} not built on release");
    }
    let install = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    assert!(
        install.contains("shasum -a 256 -c"),
        "the release binary's checksum is checked"
    );
}

#[test]
fn actionlint_is_clean_when_installed() {
    let found = std::process::Command::new("actionlint")
        .arg("-version")
        .output();
    if found.is_err() {
        eprintln!("skipping: actionlint is not installed (https://github.com/rhysd/actionlint)");
        return;
    }
    let out = std::process::Command::new("actionlint")
        .current_dir(repo())
        .args([
            ".github/workflows/nightly.yml",
            ".github/workflows/release.yml",
            ".github/workflows/ci.yml",
            "examples/nightly-with-action.yml",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
