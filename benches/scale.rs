//! Scaling benchmark (issue 13): do time and memory grow linearly with the input?
//!
//! Two families of generated inputs, each at several sizes:
//!
//! - **spec**: an OpenAPI 3.0 JSON document with N operations (a path parameter, a
//!   query parameter, a request body and a 200 response, each body a `$ref` to its own
//!   component schema) and a revision in which 1 % of the operations change, in turn:
//!   a response property removed, the query parameter made required, the operation
//!   removed. Measured: `spec::load::parse_document` of both (two threads, as
//!   `apiwatch diff` loads them) and `apiwatch::compare`.
//! - **markdown** / **html**: a changelog of N entries (dated release headings, or
//!   `<article>` elements read with the default selectors), read by
//!   `changelog::parse`. Over [`apiwatch::changelog::MAX_ENTRIES`] (or the page-size
//!   budget) the page is refused; the time to refuse is measured instead.
//!
//! Each size runs in its own child process (this binary re-executed with
//! `APIWATCH_SCALE_CASE=family:size`), so its peak RSS (`VmHWM`, reset once the input
//! is generated) is its own. Time is the median of several rounds.
//!
//! Run: `cargo bench --bench scale [spec|markdown|html]`. Results in BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use apiwatch::changelog::{Source, classify::Keywords};
use apiwatch::config::ChangelogKind;
use apiwatch::spec::load::parse_document;
use apiwatch::{CompareOptions, compare, join};

const CASE_ENV: &str = "APIWATCH_SCALE_CASE";

/// One in this many operations changes in the revision.
const CHANGE_EVERY: usize = 100;

const SPEC_SIZES: &[usize] = &[1_000, 10_000, 100_000];
const CHANGELOG_SIZES: &[usize] = &[1_000, 2_500, 5_000, 10_000, 50_000, 100_000];

fn rounds(family: &str, n: usize) -> usize {
    match (family, n) {
        ("spec", n) if n >= 100_000 => 3,
        ("spec", n) if n >= 10_000 => 5,
        _ => 7,
    }
}

// ---------------------------------------------------------------- measuring

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// User + system CPU time of the whole process (all threads), from /proc, in 10 ms
/// ticks: wall time on a shared machine includes waiting for a core, CPU time less so.
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

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0), so the peak read at the end
/// is that of the measured work (with its input in memory), not of generating it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

// ---------------------------------------------------------------- generators

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    PropertyRemoved,
    ParamRequired,
    OperationRemoved,
}

fn change_at(i: usize) -> Option<Change> {
    if i % CHANGE_EVERY != CHANGE_EVERY / 2 {
        return None;
    }
    Some(match (i / CHANGE_EVERY) % 3 {
        0 => Change::PropertyRemoved,
        1 => Change::ParamRequired,
        _ => Change::OperationRemoved,
    })
}

/// An OpenAPI 3.0 JSON document with `n` operations; `revision` applies the changes.
fn spec(n: usize, revision: bool) -> String {
    let mut s = String::with_capacity(n * 700 + 256);
    s.push_str(r##"{"openapi":"3.0.3","info":{"title":"Scale","version":"1.0.0"},"paths":{"##);
    let mut first = true;
    for i in 0..n {
        let change = if revision { change_at(i) } else { None };
        if change == Some(Change::OperationRemoved) {
            continue;
        }
        if !first {
            s.push(',');
        }
        first = false;
        let required = if change == Some(Change::ParamRequired) {
            r#""required":true,"#
        } else {
            ""
        };
        write!(
            s,
            concat!(
                r##""/v1/t{i}/{{id}}":{{"put":{{"operationId":"put{i}","##,
                r##""parameters":[{{"name":"id","in":"path","required":true,"schema":{{"type":"string"}}}},"##,
                r##"{{"name":"expand","in":"query",{required}"schema":{{"type":"string"}}}}],"##,
                r##""requestBody":{{"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/In{i}"}}}}}}}},"##,
                r##""responses":{{"200":{{"description":"OK","content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Out{i}"}}}}}}}}}}}}}}"##,
            ),
            i = i,
            required = required,
        )
        .unwrap();
    }
    s.push_str(r##"},"components":{"schemas":{"##);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let count = if revision && change_at(i) == Some(Change::PropertyRemoved) {
            ""
        } else {
            r##","count":{"type":"integer"}"##
        };
        write!(
            s,
            concat!(
                r##""Out{i}":{{"type":"object","properties":{{"id":{{"type":"string"}},"##,
                r##""name":{{"type":"string"}}{count}}}}},"##,
                r##""In{i}":{{"type":"object","properties":{{"name":{{"type":"string"}},"##,
                r##""count":{{"type":"integer"}},"note":{{"type":"string"}}}}}}"##,
            ),
            i = i,
            count = count,
        )
        .unwrap();
    }
    s.push_str("}}}");
    s
}

/// The day of the month of entry `i` (entries are newest first).
fn day(i: usize) -> usize {
    28 - i % 28
}

fn markdown_changelog(n: usize) -> String {
    let mut s = String::with_capacity(n * 300 + 64);
    s.push_str("# Vendor API changelog\n\nAll notable changes to the API.\n\n");
    for i in 0..n {
        let v = n - i;
        write!(
            s,
            concat!(
                "## 2026-01-{d:02} v{v}\n\n",
                "- Deprecated the `fields` parameter of `GET /v1/things/{{id}}`; use `expand`.\n",
                "- `GET /v1/things/{{id}}` now returns `updated_at` (release {v}).\n",
                "- Fixed pagination of `GET /v1/things` (`getThing`).\n\n",
            ),
            d = day(i),
            v = v,
        )
        .unwrap();
    }
    s
}

fn html_changelog(n: usize) -> String {
    let mut s = String::with_capacity(n * 350 + 256);
    s.push_str(concat!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Changelog</title></head>\n",
        "<body><main><h1>Vendor API changelog</h1>\n",
    ));
    for i in 0..n {
        let v = n - i;
        write!(
            s,
            concat!(
                "<article><h2>Release v{v}</h2>",
                "<time datetime=\"2026-01-{d:02}\">January {d}, 2026</time>",
                "<p>Deprecated the <code>fields</code> parameter of <code>GET /v1/things/{{id}}</code>; use <code>expand</code>.</p>",
                "<p><code>GET /v1/things/{{id}}</code> now returns <code>updated_at</code> (release {v}).</p>",
                "</article>\n",
            ),
            d = day(i),
            v = v,
        )
        .unwrap();
    }
    s.push_str("</main></body></html>\n");
    s
}

// ---------------------------------------------------------------- child

/// One size of one family, measured in this process; prints one `SCALE` line.
fn child(case: &str) {
    let (family, size) = case.split_once(':').expect("family:size");
    let n: usize = size.parse().expect("size");
    let start_kb = status_kb("VmRSS:").unwrap_or(0);
    let mut fields: Vec<(&str, String)> = vec![("family", family.into()), ("n", n.to_string())];
    match family {
        "spec" => spec_case(n, &mut fields),
        "markdown" | "html" => changelog_case(family, n, &mut fields),
        other => panic!("unknown family {other}"),
    }
    fields.push(("start_kb", start_kb.to_string()));
    fields.push(("hwm_kb", status_kb("VmHWM:").unwrap_or(0).to_string()));
    let line: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("SCALE\t{}", line.join("\t"));
}

fn spec_case(n: usize, fields: &mut Vec<(&str, String)>) {
    let base = spec(n, false);
    let rev = spec(n, true);
    fields.push(("bytes", (base.len() + rev.len()).to_string()));
    fields.push(("peak_reset", reset_peak().to_string()));
    let options = CompareOptions {
        today: "2026-12-01".into(),
        ..CompareOptions::default()
    };
    let (mut parse, mut cmp, mut total) = (vec![], vec![], vec![]);
    let mut findings = 0;
    // The peak after the first parse, before the first compare.
    let mut parse_peak_kb = 0;
    let cpu = cpu_time();
    for _ in 0..rounds("spec", n) {
        let t = Instant::now();
        let (b, r) = join(
            || parse_document(base.as_bytes(), "base.json"),
            || parse_document(rev.as_bytes(), "revision.json"),
        );
        let parsed = t.elapsed();
        if parse_peak_kb == 0 {
            parse_peak_kb = status_kb("VmHWM:").unwrap_or(0);
        }
        let (b, r) = match (b, r) {
            (Ok(b), Ok(r)) => (b, r),
            (Err(e), _) | (_, Err(e)) => {
                // Over a limit (64 MiB per spec): the refusal is what is timed.
                fields.push(("ms", format!("{:.6}", ms(parsed))));
                fields.push(("result", format!("refused: {e}")));
                return;
            }
        };
        let found = compare(&b, &r, &options);
        let all = t.elapsed();
        parse.push(parsed);
        cmp.push(all - parsed);
        total.push(all);
        findings = found.len();
        drop((found, b, r));
    }
    let cpu = (cpu_time() - cpu) / u32::try_from(rounds("spec", n)).unwrap_or(1);
    fields.push(("cpu_ms", format!("{:.6}", ms(cpu))));
    fields.push(("parse_hwm_kb", parse_peak_kb.to_string()));
    fields.push(("parse_ms", format!("{:.6}", ms(median(parse)))));
    fields.push(("compare_ms", format!("{:.6}", ms(median(cmp)))));
    fields.push(("ms", format!("{:.6}", ms(median(total)))));
    fields.push(("result", format!("{findings} findings")));
}

fn changelog_case(family: &str, n: usize, fields: &mut Vec<(&str, String)>) {
    let (page, kind, name, content_type) = if family == "html" {
        (
            html_changelog(n),
            ChangelogKind::Html,
            "changelog.html",
            Some("text/html; charset=utf-8"),
        )
    } else {
        (
            markdown_changelog(n),
            ChangelogKind::Markdown,
            "CHANGELOG.md",
            None,
        )
    };
    fields.push(("bytes", page.len().to_string()));
    fields.push(("peak_reset", reset_peak().to_string()));
    let source = Source {
        name,
        kind,
        selectors: None,
        base_url: Some("https://vendor.example/changelog"),
        content_type,
    };
    let known = apiwatch::changelog::mentions::Known {
        operation_ids: vec!["getThing".to_owned(), "updateThing".to_owned()],
        ..Default::default()
    };
    let keywords = Keywords::default();
    let mut times = vec![];
    let mut result = String::new();
    let cpu = cpu_time();
    for _ in 0..rounds(family, n) {
        let t = Instant::now();
        let parsed = apiwatch::changelog::parse(page.as_bytes(), &source, &known, &keywords);
        times.push(t.elapsed());
        result = match &parsed {
            Ok(entries) => {
                let mentions: usize = entries.iter().map(|e| e.mentions.len()).sum();
                format!("{} entries, {mentions} mentions", entries.len())
            }
            Err(e) => format!("refused: {e}"),
        };
        drop(parsed);
    }
    let cpu = (cpu_time() - cpu) / u32::try_from(rounds(family, n)).unwrap_or(1);
    fields.push(("cpu_ms", format!("{:.6}", ms(cpu))));
    fields.push(("ms", format!("{:.6}", ms(median(times)))));
    fields.push(("result", result));
}

// ---------------------------------------------------------------- parent

struct Row {
    n: usize,
    bytes: f64,
    /// Median wall time and mean CPU time per round, in ms.
    ms: f64,
    cpu_ms: Option<f64>,
    parse_ms: Option<f64>,
    compare_ms: Option<f64>,
    /// Peak RSS after the first parse (specs), at the end, and RSS at the child's
    /// start, in MiB.
    parse_peak_mb: Option<f64>,
    peak_mb: f64,
    start_mb: f64,
    peak_reset: bool,
    result: String,
}

impl Row {
    fn refused(&self) -> bool {
        self.result.starts_with("refused")
    }
    fn us_per_item(&self) -> f64 {
        self.ms * 1e3 / self.n as f64
    }
    fn cpu_us_per_item(&self) -> Option<f64> {
        self.cpu_ms.map(|c| c * 1e3 / self.n as f64)
    }
    /// Memory above the process's start, per item, in KiB.
    fn kb_per_item(&self) -> f64 {
        (self.peak_mb - self.start_mb) * 1024.0 / self.n as f64
    }
}

fn run_child(family: &str, n: usize) -> Result<Row, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let out = Command::new(exe)
        .env(CASE_ENV, format!("{family}:{n}"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    eprintln!(
        "  {family} {n}: child took {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if !out.status.success() {
        return Err(format!("child failed: {}", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SCALE\t"))
        .ok_or("no SCALE line from the child")?;
    let get = |key: &str| {
        line.split('\t')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_owned)
    };
    let num = |key: &str| get(key).and_then(|v| v.parse::<f64>().ok());
    Ok(Row {
        n,
        bytes: num("bytes").unwrap_or(f64::NAN),
        ms: num("ms").ok_or("no time")?,
        cpu_ms: num("cpu_ms"),
        parse_ms: num("parse_ms"),
        compare_ms: num("compare_ms"),
        parse_peak_mb: num("parse_hwm_kb").map(|kb| kb / 1024.0),
        peak_mb: num("hwm_kb").unwrap_or(f64::NAN) / 1024.0,
        start_mb: num("start_kb").unwrap_or(f64::NAN) / 1024.0,
        peak_reset: get("peak_reset").is_some_and(|v| v == "true"),
        result: get("result").unwrap_or_default(),
    })
}

fn size_label(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else if n >= 1000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        n.to_string()
    }
}

fn time_label(ms: f64) -> String {
    if ms.is_nan() {
        "–".into()
    } else if ms < 0.1 {
        format!("{:.1} µs", ms * 1e3)
    } else if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn mb_label(mb: f64) -> String {
    if mb.is_nan() {
        "–".into()
    } else {
        format!("{mb:.0} MiB")
    }
}

fn verdict(ratio: f64) -> &'static str {
    if ratio <= 1.5 {
        "linear"
    } else {
        "NOT linear: grows faster than the input"
    }
}

fn print_table(family: &str, (item, items): (&str, &str), rows: &[Row]) {
    let spec = family == "spec";
    let nan = f64::NAN;
    println!();
    println!("### {family}");
    println!();
    if spec {
        println!(
            "| {items} | input (both) | wall | CPU | parse | compare | wall per {item} | CPU per {item} | peak RSS after parse | peak RSS | result |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    } else {
        println!(
            "| {items} | input | wall | CPU | wall per {item} | CPU per {item} | peak RSS | result |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---|");
    }
    for r in rows {
        let input = format!("{:.1} MB", r.bytes / 1e6);
        let per = format!("{:.2} µs", r.us_per_item());
        let cpu_per = r
            .cpu_us_per_item()
            .map_or("–".into(), |c| format!("{c:.2} µs"));
        let cpu = time_label(r.cpu_ms.unwrap_or(nan));
        let peak = mb_label(r.peak_mb);
        if spec {
            println!(
                "| {} | {input} | {} | {cpu} | {} | {} | {per} | {cpu_per} | {} | {peak} | {} |",
                size_label(r.n),
                time_label(r.ms),
                time_label(r.parse_ms.unwrap_or(nan)),
                time_label(r.compare_ms.unwrap_or(nan)),
                mb_label(r.parse_peak_mb.unwrap_or(nan)),
                r.result
            );
        } else {
            println!(
                "| {} | {input} | {} | {cpu} | {per} | {cpu_per} | {peak} | {} |",
                size_label(r.n),
                time_label(r.ms),
                r.result
            );
        }
    }
    println!();
    let read: Vec<&Row> = rows.iter().filter(|r| !r.refused()).collect();
    if let (Some(small), Some(large)) = (read.first(), read.last())
        && large.n > small.n
    {
        let wall = large.us_per_item() / small.us_per_item();
        let cpu = match (small.cpu_us_per_item(), large.cpu_us_per_item()) {
            (Some(s), Some(l)) => l / s,
            _ => nan,
        };
        let mem = large.kb_per_item() / small.kb_per_item();
        println!(
            "Growth {}→{} {items} ({}× the input): wall time per {item} ×{wall:.2} ({}), \
             CPU time per {item} ×{cpu:.2} ({}), peak memory per {item} above the process's \
             start {:.1} → {:.1} KiB, ×{mem:.2} ({}).",
            size_label(small.n),
            size_label(large.n),
            large.n / small.n,
            verdict(wall),
            verdict(cpu),
            small.kb_per_item(),
            large.kb_per_item(),
            verdict(mem),
        );
    }
    // The steepest step between any two sizes read, which largest/smallest can hide
    // when the smallest size carries fixed costs.
    let mut worst: Option<(f64, &Row, &Row)> = None;
    for (i, a) in read.iter().enumerate() {
        for b in &read[i + 1..] {
            let step = b.us_per_item() / a.us_per_item();
            if worst.is_none_or(|(w, _, _)| step > w) {
                worst = Some((step, a, b));
            }
        }
    }
    if let Some((step, a, b)) = worst
        && read.len() > 2
    {
        let cpu = match (a.cpu_us_per_item(), b.cpu_us_per_item()) {
            (Some(x), Some(y)) => y / x,
            _ => nan,
        };
        println!(
            "Steepest step: {}→{} {items}, wall time per {item} ×{step:.2}, CPU time per {item} ×{cpu:.2}.",
            size_label(a.n),
            size_label(b.n),
        );
    }
    for r in rows.iter().filter(|r| r.refused()) {
        println!(
            "{} {items}: refused in {} ({:.3} µs per {item} of input).",
            size_label(r.n),
            time_label(r.ms),
            r.us_per_item()
        );
    }
    if rows.iter().any(|r| !r.peak_reset) {
        println!(
            "(peak RSS could not be reset after generating the input: it includes generation)"
        );
    }
}

fn main() {
    if let Ok(case) = std::env::var(CASE_ENV) {
        child(&case);
        return;
    }
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let families: [(&str, (&str, &str), &[usize]); 3] = [
        ("spec", ("operation", "operations"), SPEC_SIZES),
        ("markdown", ("entry", "entries"), CHANGELOG_SIZES),
        ("html", ("entry", "entries"), CHANGELOG_SIZES),
    ];
    for (family, item, sizes) in families {
        if !only.is_empty() && !only.iter().any(|o| o == family) {
            continue;
        }
        eprintln!("{family}:");
        let mut rows = Vec::new();
        for &n in sizes {
            match run_child(family, n) {
                Ok(row) => rows.push(row),
                Err(e) => println!("{family} {n}: {e}"),
            }
        }
        print_table(family, item, &rows);
    }
}
