//! What fuzzing found (`fuzz/`, run by `ci/fuzz`), kept as plain tests with the
//! inputs inlined, plus small bounded properties for the same promises, so normal
//! CI checks them in a few seconds. See `docs/fuzzing.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use apiwatch::changelog::{self, MAX_ENTRIES, Source, classify::Keywords};
use apiwatch::config::{ChangelogKind, Selectors};
use apiwatch::report::escape::text as quote;
use apiwatch::report::markdown::cell;
use proptest::prelude::*;

/// The model of GitHub's mention rendering the `sanitize` fuzz target uses.
#[path = "../fuzz/src/github_markdown.rs"]
mod github_markdown;

use github_markdown::live_mentions;

// ---- sanitiser ---------------------------------------------------------------

/// `quote`'s promise: quoted vendor text pings no one, in the body or a table cell.
fn assert_defused(input: &str) {
    let out = quote(input);
    let live = live_mentions(&out);
    assert!(
        live.is_empty(),
        "quote({input:?}) = {out:?} still mentions {live:?}"
    );
    let in_cell = cell(&out);
    let live = live_mentions(&in_cell);
    assert!(
        live.is_empty(),
        "cell(quote({input:?})) = {in_cell:?} still mentions {live:?}"
    );
    assert!(!out.contains("<!--"), "quote({input:?}) = {out:?}");
}

#[test]
fn sanitiser_defuses_plain_mentions() {
    for input in [
        "thanks @octocat!",
        "@octocat",
        "cc @acme/platform-team",
        "(@octocat)",
        "*@octocat*",
        "\u{200B}@octocat",
    ] {
        assert_defused(input);
    }
    assert_eq!(quote("mail dev@example.com"), "mail dev@example.com");
}

// ---- changelog ---------------------------------------------------------------

/// Every reader on `bytes`; what parses keeps the entry cap and distinct ids.
fn parse_every_kind(bytes: &[u8]) {
    let selectors = Selectors {
        entry: "article, section.entry".into(),
        title: Some("h2, .title".into()),
        date: Some("time, .date".into()),
        body: Some(".body, p".into()),
        link: Some("a[href]".into()),
    };
    let operation_ids = ["listPets".to_owned(), "getPet".to_owned()];
    let _ = changelog::detect_kind(bytes, "changelog");
    let _ = changelog::decode(bytes, Some("text/html; charset=utf-8"));
    for (kind, selectors) in [
        (ChangelogKind::Html, None),
        (ChangelogKind::Html, Some(&selectors)),
        (ChangelogKind::Rss, None),
        (ChangelogKind::Atom, None),
        (ChangelogKind::Markdown, None),
    ] {
        let source = Source {
            name: "fuzz",
            kind,
            selectors,
            base_url: Some("https://vendor.example/changelog/"),
            content_type: None,
        };
        if let Ok(entries) = changelog::parse(bytes, &source, &operation_ids, &Keywords::default())
        {
            assert!(entries.len() <= MAX_ENTRIES);
            let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            let n = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(n, ids.len(), "duplicate ids ({kind:?}) for {bytes:?}");
        }
    }
}

#[test]
fn changelog_readers_take_a_small_page_of_each_kind() {
    let md = "# Changelog\n\n## [2.0.0] - 2026-03-19\n- removed `GET /pets/{id}`\n\n## [1.0.0] - 2025-01-02\n- added listPets\n";
    parse_every_kind(md.as_bytes());
    let source = Source {
        name: "x.md",
        kind: ChangelogKind::Markdown,
        selectors: None,
        base_url: None,
        content_type: None,
    };
    let entries = changelog::parse(md.as_bytes(), &source, &[], &Keywords::default()).unwrap();
    assert_eq!(entries.len(), 2, "{entries:#?}");
}

// ---- contracts ---------------------------------------------------------------

/// Parses a contract; errors must point at a real line and column.
fn parse_contract_checked(text: &str) {
    let file = Path::new("contracts/fuzz/contract.toml");
    if let Err(errors) = apiwatch::map::parse_contract("fuzz", file, text) {
        assert!(!errors.is_empty());
        let lines = text.split('\n').count();
        for e in errors {
            assert!(e.line >= 1 && e.column >= 1, "{e}");
            assert!(e.line <= lines, "{e}");
        }
    }
}

#[test]
fn contract_errors_point_inside_the_file() {
    parse_contract_checked("[contract]\nvendor = \"V\"\napi = \"\"\n[owners]\nteam = \"\"\n");
    parse_contract_checked("[contract\n");
}

// ---- properties ----------------------------------------------------------------

/// Short strings built from what matters to the sanitiser: mentions, code spans,
/// references, comment openers, entities, and the characters around them.
fn vendor_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("@".to_owned()),
        Just("`".to_owned()),
        Just("``".to_owned()),
        Just("```\n".to_owned()),
        Just(".".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("#12".to_owned()),
        Just("<!--".to_owned()),
        Just("&#64;".to_owned()),
        Just("\\".to_owned()),
        Just("/".to_owned()),
        Just("-".to_owned()),
        Just("_".to_owned()),
        Just("é".to_owned()),
        Just("https://github.com/o/r/issues/1".to_owned()),
        "[a-z0-9]{1,6}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// HTML-, feed- and Markdown-ish fragments, concatenated.
fn changelog_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<article>".to_owned()),
        Just("</article>".to_owned()),
        Just("<section class=\"entry\">".to_owned()),
        Just("<h2>".to_owned()),
        Just("</h2>".to_owned()),
        Just("<a href=\"/x\">".to_owned()),
        Just("<time datetime=\"2026-03-01\">".to_owned()),
        Just("<p>".to_owned()),
        Just("<script>".to_owned()),
        Just("<rss><channel><item><title>".to_owned()),
        Just("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("\n".to_owned()),
        Just("# ".to_owned()),
        Just("## ".to_owned()),
        Just("\n---\n".to_owned()),
        Just("\n===\n".to_owned()),
        Just("```\n".to_owned()),
        Just("2026-03-01".to_owned()),
        Just("March 1, 2026".to_owned()),
        Just("Q2 2027".to_owned()),
        Just("GET /pets/{id}".to_owned()),
        Just("deprecated, sunset ".to_owned()),
        Just("Unreleased".to_owned()),
        Just("&amp;".to_owned()),
        "[ -~]{0,8}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Failures are reported, not written next to this file.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sanitised_text_never_mentions_anyone(text in vendor_text()) {
        assert_defused(&text);
    }

    #[test]
    fn changelog_parsing_never_panics(text in changelog_text()) {
        parse_every_kind(text.as_bytes());
    }
}
