//! Bytes → two specs (split at the first NUL; without one, the input against
//! itself) → `apiwatch::compare`: never panics, is deterministic, and a document
//! compared with itself yields no findings.
#![no_main]

use apiwatch::spec::load::{parse_document, parse_value};
use apiwatch::{CompareOptions, compare};
use libfuzzer_sys::fuzz_target;

fn run(a: &apiwatch::spec::Document, b: &apiwatch::spec::Document) -> Vec<String> {
    let options = CompareOptions {
        today: "2026-06-01".into(),
        deprecation_extensions: vec!["x-deprecated".into()],
        ..Default::default()
    };
    compare(a, b, &options)
        .into_iter()
        .map(|f| format!("{} {} {}", f.rule, f.location, f.fingerprint))
        .collect()
}

fuzz_target!(|bytes: &[u8]| {
    let (left, right) = match bytes.iter().position(|b| *b == 0) {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, bytes),
    };
    let _ = parse_value(left, "base");
    let Ok(base) = parse_document(left, "base") else {
        return;
    };
    let same = run(&base, &base);
    assert!(same.is_empty(), "a spec differs from itself: {same:?}");
    let Ok(revision) = parse_document(right, "revision") else {
        return;
    };
    let first = run(&base, &revision);
    let again = run(&base, &revision);
    assert_eq!(first, again, "compare is not deterministic");
    let _ = run(&revision, &base);
});
