//! Vendor text → `report::escape` (`text`, `code`, `fenced`) and the table cell
//! form `report::markdown::cell`: whatever the input, GitHub would render no live
//! @mention, no issue reference (`#12`, `GH-12`, an issue URL), no HTML or link
//! markup and no hidden-marker opener (`<!--`); `text` stays on one line; `code`
//! and `fenced` render as nothing but code.
#![no_main]

use apiwatch::report::escape::{code, fenced, text};
use apiwatch::report::markdown::cell;
use apiwatch_fuzz::github_markdown::{all_code, live_links, live_mentions, table_cell_mentions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let out = text(input);
    assert!(!out.contains("<!--"), "{input:?} -> {out:?}: marker opener");
    let live = live_mentions(&out);
    assert!(live.is_empty(), "{input:?} -> {out:?}: mentions {live:?}");
    assert!(
        !out.contains(['\n', '\r']),
        "{input:?} -> {out:?}: not one line"
    );
    let links = live_links(&out);
    assert!(links.is_empty(), "{input:?} -> {out:?}: live {links:?}");

    let in_cell = cell(input);
    let live = table_cell_mentions(&in_cell);
    assert!(
        live.is_empty(),
        "{input:?} -> cell {in_cell:?}: mentions {live:?}"
    );

    let span = code(input);
    assert!(
        !span.contains("<!--"),
        "{input:?} -> {span:?}: marker opener"
    );
    assert!(!span.contains('\n'), "{input:?} -> {span:?}: not one line");
    assert!(
        all_code(&span),
        "{input:?} -> {span:?}: escapes its code span"
    );

    let block = fenced(input, "diff", "  ");
    assert!(
        !block.contains("<!--"),
        "{input:?} -> {block:?}: marker opener"
    );
    assert!(
        all_code(&block),
        "{input:?} -> {block:?}: escapes its fence"
    );
});
