//! Diff-engine benchmark on the largest real specs: the wall time of what
//! `apiwatch diff` does (load both files, model, diff, judge) next to a bare
//! JSON/YAML parse of the same files, measured in the same process, plus CPU time
//! and peak memory. Run: `cargo bench --bench diff [stripe]` (needs ../shared/corpus;
//! skips without it). `BENCH_STAGES=1` adds a single-threaded breakdown by stage.
//! Results and the command are recorded in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apiwatch::config::Uses;
use apiwatch::diff::diff;
use apiwatch::rules::{JudgeContext, Relevance, judge};
use apiwatch::spec::{load::load_file, model::ApiModel};
use apiwatch::{CompareOptions, compare, join};

const ROUNDS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:").map_or(f64::NAN, |kb| kb / 1024.0)
}

fn status_kb(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// User + system CPU time of the whole process (all threads), from /proc.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
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
    let (mut parse, mut parse2, mut load, mut total) = (vec![], vec![], vec![], vec![]);
    let mut cpu = Duration::ZERO;
    let mut count = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        std::hint::black_box(bare_parse(base) + bare_parse(rev));
        parse.push(t.elapsed());

        let t = Instant::now();
        std::hint::black_box(join(|| bare_parse(base), || bare_parse(rev)));
        parse2.push(t.elapsed());

        // What `apiwatch diff BASE REV` does between reading its arguments and
        // rendering the report.
        let c = cpu_time();
        let t = Instant::now();
        let (b, r) = join(|| load_file(base).unwrap(), || load_file(rev).unwrap());
        load.push(t.elapsed());
        let findings = compare(&b, &r, &CompareOptions::default());
        total.push(t.elapsed());
        cpu += cpu_time() - c;
        count = findings.len();
        drop(findings);

        if std::env::var_os("BENCH_STAGES").is_some() {
            stages(base, rev);
        }
    }
    let (p, p2, l, t) = (median(parse), median(parse2), median(load), median(total));
    println!(
        "{name:<24} bare parse {:>6.1} ms (two threads {:>6.1}) | apiwatch {:>6.1} ms (load {:>5.1} + compare {:>5.1}), cpu {:>6.1} ms | {:.2}x bare parse ({:.2}x two-thread parse) | {count} findings",
        ms(p),
        ms(p2),
        ms(t),
        ms(l),
        ms(t - l),
        ms(cpu) / ROUNDS as f64,
        t.as_secs_f64() / p.as_secs_f64(),
        t.as_secs_f64() / p2.as_secs_f64(),
    );
}

/// Every stage on one thread, one after the other.
fn stages(base: &Path, rev: &Path) {
    let t = Instant::now();
    let b = load_file(base).unwrap();
    let r = load_file(rev).unwrap();
    let t_load = t.elapsed();
    let t = Instant::now();
    let (bm, rm) = (ApiModel::build(&b), ApiModel::build(&r));
    let t_model = t.elapsed();
    let t = Instant::now();
    let changes = diff(&bm, &rm, &b.root, &r.root);
    let t_diff = t.elapsed();
    let t = Instant::now();
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
    let t_judge = t.elapsed();
    eprintln!(
        "  one thread: load {:.1} ms, model {:.1} ms, diff {:.1} ms ({} changes), judge {:.1} ms ({} findings)",
        ms(t_load),
        ms(t_model),
        ms(t_diff),
        changes.changes.len(),
        ms(t_judge),
        findings.len()
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
