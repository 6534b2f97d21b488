//! Diff-engine benchmark on the largest real specs: wall time of each stage next to
//! a bare JSON/YAML parse of the same files, measured in the same process, plus
//! peak memory. Run: `cargo bench --bench diff` (needs ../shared/corpus; skips
//! without it). Results and the command are recorded in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apiwatch::diff::diff;
use apiwatch::rules::{JudgeContext, Relevance, Uses, judge};
use apiwatch::spec::{load::load_file, model::ApiModel};

const ROUNDS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn bare_parse(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v.as_object().map_or(0, |m| m.len())
    } else {
        let v: serde_json::Value =
            serde_saphyr::from_str(std::str::from_utf8(&bytes).unwrap()).unwrap();
        v.as_object().map_or(0, |m| m.len())
    }
}

fn bench_pair(name: &str, base: &Path, rev: &Path) {
    let mut parse = Vec::new();
    let mut load = Vec::new();
    let mut total = Vec::new();
    let mut engine = Vec::new();
    let mut count = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        std::hint::black_box(bare_parse(base) + bare_parse(rev));
        parse.push(t.elapsed());

        let t = Instant::now();
        let b = load_file(base).unwrap();
        let r = load_file(rev).unwrap();
        let loaded = t.elapsed();
        let t2 = Instant::now();
        let (bm, rm) = (ApiModel::build(&b), ApiModel::build(&r));
        let tm = t2.elapsed();
        let changes = diff(&bm, &rm, &b.root, &r.root);
        let td = t2.elapsed();
        if std::env::var_os("BENCH_STAGES").is_some() {
            eprintln!(
                "  model {:?} diff {:?} ({} changes)",
                tm,
                td - tm,
                changes.changes.len()
            );
        }
        let relevance = Relevance::new(&Uses::default(), &[&bm, &rm]);
        let overrides = BTreeMap::new();
        let findings = judge(
            &changes,
            &JudgeContext {
                relevance: &relevance,
                overrides: &overrides,
                today: "2026-11-26".into(),
            },
        );
        count = findings.len();
        engine.push(t2.elapsed());
        load.push(loaded);
        total.push(t.elapsed());
        drop(findings);
    }
    let (p, l, e, t) = (median(parse), median(load), median(engine), median(total));
    println!(
        "{name:<22} bare parse {:>7.1} ms | load {:>7.1} ms + model/diff/judge {:>7.1} ms = {:>7.1} ms ({:.2}x bare parse) | {count} findings",
        p.as_secs_f64() * 1e3,
        l.as_secs_f64() * 1e3,
        e.as_secs_f64() * 1e3,
        t.as_secs_f64() * 1e3,
        t.as_secs_f64() / p.as_secs_f64()
    );
}

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.join("MANIFEST.json").is_file() {
        println!("skipping: ../shared/corpus is not present");
        return;
    }
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let pairs = [
        (
            "stripe 3.5→4.2 MB json",
            "stripe/spec3/2021-05-19.json",
            "stripe/spec3/2022-04-12.json",
        ),
        (
            "intercom 2.10→2.11 yaml",
            "intercom/api/2.10.yaml",
            "intercom/api/2.11.yaml",
        ),
        (
            "klaviyo 2.8→3.0 MB json",
            "klaviyo/stable/2026-04-15.json",
            "klaviyo/stable/2026-07-15.json",
        ),
    ];
    for (name, a, b) in pairs {
        if only.is_empty() || only.iter().any(|o| name.contains(o.as_str())) {
            bench_pair(name, &corpus.join(a), &corpus.join(b));
        }
    }
    println!("peak RSS of this process: {:.0} MB", peak_rss_mb());
}
