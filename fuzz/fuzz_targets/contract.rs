//! Text → one `contract.toml`: never panics; every error points inside the file.
#![no_main]

use std::path::Path;

use apiwatch::changelog::html::is_valid_selector;
use apiwatch::map::{Checks, parse_contract, parse_contract_with};
use libfuzzer_sys::fuzz_target;

/// Asks the HTML reader about selectors, as `apiwatch map` does.
struct Css;

impl Checks for Css {
    fn css_selector(&self, selector: &str) -> bool {
        is_valid_selector(selector)
    }

    /// Every other local file is missing: its error must point inside the file too.
    fn local_file(&self, relative: &Path) -> bool {
        relative == Path::new("upstream.yaml")
    }
}

fuzz_target!(|text: &str| {
    let file = Path::new("contracts/fuzz/contract.toml");
    let _ = parse_contract("fuzz", file, text);
    if let Err(errors) = parse_contract_with("fuzz", file, text, &Css) {
        assert!(!errors.is_empty(), "an error without a message");
        let lines = text.split('\n').count();
        for e in errors {
            assert!(e.line >= 1 && e.column >= 1, "0-based position: {e}");
            assert!(e.line <= lines, "line past the end of the file: {e}");
        }
    }
});
