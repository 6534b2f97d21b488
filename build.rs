//! Says, once per build of the tests, when the real-vendor corpus tests will skip:
//! a test that skips still prints `ok`, and its own message is captured.

fn main() {
    println!("cargo:rerun-if-env-changed=APIWATCH_CORPUS");
    println!("cargo:rerun-if-changed=../shared/corpus/MANIFEST.json");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let beside = std::path::Path::new(&manifest_dir).join("../shared/corpus/MANIFEST.json");
    let given = std::env::var_os("APIWATCH_CORPUS").is_some();
    // Only unoptimised builds (the tests'): `cargo run --release` stays quiet.
    let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
    if debug && !given && !beside.is_file() {
        println!(
            "cargo:warning=no vendor corpus (../shared/corpus, or APIWATCH_CORPUS=DIR): \
             the corpus tests (tests/corpus.rs, tests/changelog.rs, the labelled corpus \
             entries in tests/changelog_labels.rs, generated bodies in tests/sandbox.rs) \
             pass without checking anything; `ci/fetch-corpus DIR` fetches one"
        );
    }
}
