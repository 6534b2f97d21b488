//! Vendor text → `issues::sanitize::quote`: never a live @mention, never an HTML
//! comment opener, never a cross-repository `owner/repo#N` reference; the table
//! cell form (`cell(quote(..))`, as issue tables use it) keeps the same promise.
#![no_main]

use apiwatch::issues::sanitize::quote;
use apiwatch::report::markdown::cell;
use apiwatch_fuzz::github_markdown::live_mentions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let out = quote(text);
    assert!(!out.contains("<!--"), "HTML comment opener survived: {out:?}");
    let live = live_mentions(&out);
    assert!(live.is_empty(), "live mentions {live:?} in {out:?}");
    let chars: Vec<char> = out.chars().collect();
    for w in chars.windows(3) {
        let cross_repo = (w[0].is_ascii_alphanumeric() || matches!(w[0], '-' | '_' | '.'))
            && w[1] == '#'
            && w[2].is_ascii_digit();
        assert!(!cross_repo, "live issue reference in {out:?}");
    }
    let in_cell = cell(&out);
    let live = live_mentions(&in_cell);
    assert!(live.is_empty(), "live mentions {live:?} in table cell {in_cell:?}");
});
