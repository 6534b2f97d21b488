//! `run --shard I/N` and `merge` over the demo: the merged night equals the whole
//! night (findings, fingerprints, statuses, tests, the issue plan and the rendered
//! issues), and a contract reported by two shards is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use std::path::Path;

use serde_json::Value;

fn run(args: &[&str], out: &Path) -> std::process::Output {
    apiwatch()
        .env("APIWATCH_RUN_ID", "shard-test")
        .arg("--root")
        .arg(repo())
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--state-dir")
        .arg(out.join("state"))
        .output()
        .unwrap()
}

/// The report with the measured timings of the contract tests set aside.
fn report(dir: &Path) -> Value {
    let mut r: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    for t in r["tests"].as_array_mut().into_iter().flatten() {
        for c in t["cases"].as_array_mut().unwrap() {
            c["duration_ms"] = Value::Null;
            for s in c["steps"].as_array_mut().unwrap() {
                s["latency_ms"] = Value::Null;
            }
        }
    }
    r
}

fn issues(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir.join("issues"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_merged_shards_are_the_whole_night() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    assert_eq!(run(&["run", "--dry-run"], &whole).status.code(), Some(1));
    let mut shards = Vec::new();
    let mut checked = 0;
    for i in 1..=3 {
        let dir = tmp.path().join(format!("shard-{i}"));
        let out = run(&["run", "--dry-run", "--shard", &format!("{i}/3")], &dir);
        assert_eq!(
            out.status.code(),
            Some(0),
            "a shard leaves the verdict to the merge"
        );
        let file: Value =
            serde_json::from_slice(&std::fs::read(dir.join("shard.json")).unwrap()).unwrap();
        checked += file["contracts"].as_array().unwrap().len();
        assert!(!dir.join("plan.txt").exists(), "a shard files nothing");
        shards.push(dir);
    }
    assert_eq!(checked, 3, "every contract in exactly one shard");
    let merged = tmp.path().join("merged");
    let out = apiwatch()
        .env("APIWATCH_RUN_ID", "shard-test")
        .arg("--root")
        .arg(repo())
        .arg("merge")
        .args(&shards)
        .args(["--dry-run", "--out"])
        .arg(&merged)
        .arg("--state-dir")
        .arg(merged.join("state"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report(&merged), report(&whole));
    assert_eq!(
        std::fs::read_to_string(merged.join("plan.txt")).unwrap(),
        std::fs::read_to_string(whole.join("plan.txt")).unwrap()
    );
    assert_eq!(issues(&merged), issues(&whole));

    // The same contract in two shard reports is refused.
    let twice = apiwatch()
        .arg("--root")
        .arg(repo())
        .arg("merge")
        .arg(&shards[0])
        .arg(&shards[0])
        .args(["--dry-run", "--out"])
        .arg(tmp.path().join("twice"))
        .output()
        .unwrap();
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("is given twice"));
    // A missing shard is refused too: its contracts would vanish from the night.
    let partial = apiwatch()
        .arg("--root")
        .arg(repo())
        .arg("merge")
        .arg(&shards[0])
        .arg(&shards[2])
        .args(["--dry-run", "--out"])
        .arg(tmp.path().join("partial"))
        .output()
        .unwrap();
    assert_eq!(partial.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&partial.stderr).contains("shard report 2/3 missing"),
        "{}",
        String::from_utf8_lossy(&partial.stderr)
    );
    apiwatch()
        .args(["run", "--shard", "4/3"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("expected I/N"));
}
