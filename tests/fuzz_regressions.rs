//! What fuzzing found (`fuzz/`, run by `ci/fuzz`), kept as plain tests with the
//! inputs inlined, plus small bounded properties for the same promises, so normal
//! CI checks them in a few seconds. See `docs/fuzzing.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use apiwatch::changelog::{self, MAX_ENTRIES, Source, classify::Keywords};
use apiwatch::config::{ChangelogKind, Selectors};
use apiwatch::report::escape;
use apiwatch::report::markdown::cell;
use apiwatch::spec::load::parse_document;
use proptest::prelude::*;

/// The model of GitHub's rendering the `sanitize` fuzz target judges by.
#[path = "../fuzz/src/github_markdown.rs"]
mod github_markdown;

use github_markdown::{all_code, live_links, live_mentions, table_cell_mentions};

/// A `&str` fuzz target sees the longest UTF-8 prefix of its input (as
/// `arbitrary` builds it); the inlined artifacts go through the same.
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap(),
    }
}

// ---- sanitiser -------------------------------------------------------------

/// The promise of `report::escape`: vendor text pings no one, in running text,
/// in a table cell, in a code span or a fenced block, and forges no marker.
fn assert_defused(input: &str) {
    let out = escape::text(input);
    let live = live_mentions(&out);
    assert!(
        live.is_empty(),
        "text({input:?}) = {out:?} mentions {live:?}"
    );
    assert!(!out.contains("<!--"), "text({input:?}) = {out:?}");
    let links = live_links(&out);
    assert!(
        links.is_empty(),
        "text({input:?}) = {out:?} links {links:?}"
    );
    let in_cell = cell(input);
    let live = table_cell_mentions(&in_cell);
    assert!(
        live.is_empty(),
        "cell({input:?}) = {in_cell:?} mentions {live:?}"
    );
    let span = escape::code(input);
    assert!(all_code(&span), "code({input:?}) = {span:?} leaves code");
    assert!(!span.contains("<!--"), "code({input:?}) = {span:?}");
    let block = escape::fenced(input, "diff", "  ");
    assert!(
        all_code(&block),
        "fenced({input:?}) = {block:?} leaves code"
    );
    assert!(!block.contains("<!--"), "fenced({input:?}) = {block:?}");
}

/// Found by the `sanitize` target in `issues::sanitize::quote` (since replaced by
/// `report::escape`): a mention after a backtick the quoter took for a code span,
/// after the quoter's own closing backtick, after `.` or a non-ASCII letter, an
/// `@` written as an entity, and paragraphs a table cell joins.
#[test]
fn mentions_the_old_quoter_left_live_are_defused() {
    for input in [
        "`@octocat",
        "``@octocat",
        "`x`@octocat",
        "@a@octocat",
        "end.@octocat",
        "caf\u{e9}@octocat",
        "&#64;octocat",
        "&commat;octocat",
        "`\n\n`@octocat`",
        "thanks @octocat!",
        "cc @acme/platform-team",
        "\u{200B}@octocat",
    ] {
        assert_defused(input);
    }
    assert_eq!(escape::text("mail dev@example.com"), "mail dev@example.com");
}

/// Fuzzer artifacts (`fuzz/artifacts/sanitize/crash-*`) against the old quoter,
/// inlined as they were found.
#[test]
fn sanitize_artifacts_stay_defused() {
    for bytes in [
        &b"`@h"[..],
        b"<i@@H@i@@",
        b"@4@4z1>\xde\xce",
        b"``@f\n\x01~t\x00-\xff\x00\xf7\xff\xff\xff\xff\xbb`",
        b"<iLLLLLLLN\x01L.@L<iLLLi",
        b"<ii' it v\n```9;#4in62, s\x01\x00\x00 \n.\x00``~2\xdf\xa0@t ",
        b"fi@@@@@zt@@m/ve@m/v`xd.@,<0--@@@@@@@\\\\\\`\x98\xbf\xbf\xbav&ce",
    ] {
        assert_defused(utf8_prefix(bytes));
    }
}

/// Found by the `sanitize` target in `report::escape::text`: only the lower-case
/// `https://github.com/` is redirected, so an issue URL whose host is spelled
/// otherwise stays a live link into that issue's timeline.
#[test]
fn issue_urls_are_defused_whatever_the_case_of_the_host() {
    for input in [
        "see https://GitHub.com/vendor/sdk/issues/42",
        "http://GITHUB.COM/vendor/sdk/pull/7",
        utf8_prefix(b"https://github.Com/\xde\x83L"),
    ] {
        let out = escape::text(input);
        let links = live_links(&out);
        assert!(
            links.is_empty(),
            "text({input:?}) = {out:?} links {links:?}"
        );
    }
}

// ---- spec diff ---------------------------------------------------------------

fn self_compare(bytes: &[u8]) -> Vec<String> {
    let Ok(doc) = parse_document(bytes, "fuzz") else {
        return Vec::new();
    };
    let options = apiwatch::CompareOptions {
        today: "2026-06-01".into(),
        deprecation_extensions: vec!["x-deprecated".into()],
        ..Default::default()
    };
    apiwatch::compare(&doc, &doc, &options)
        .into_iter()
        .map(|f| format!("{} {}", f.rule, f.location))
        .collect()
}

/// Found by the `spec_diff` target: two paths that differ only in a parameter's
/// name (`/u/{id}`, `/u/{uid}`) share an operation key, and `diff::pair_operations`
/// pairs each with the other, so a spec compared with itself reports the
/// deprecation flag moving between them (endpoint-deprecated + endpoint-reactivated).
#[test]
fn a_spec_with_two_spellings_of_one_path_equals_itself() {
    let spec = br#"{"openapi":"3.0.0","paths":{"/u/{id}":{"get":{}},"/u/{uid}":{"get":{"deprecated":true}}}}"#;
    assert!(parse_document(spec, "x").is_ok());
    let found = self_compare(spec);
    assert!(found.is_empty(), "a spec differs from itself: {found:?}");
    let spec = br#"{"openapi":"3.0.0","paths":{"/u/{id}":{"get":{}},"/u/{uid}":{"get":{"operationId":"x"}}}}"#;
    let found = self_compare(spec);
    assert!(found.is_empty(), "a spec differs from itself: {found:?}");
}

/// The artifact as the fuzzer found it (`/users/{id}` next to `/users/{userId*`).
#[test]
fn spec_diff_artifact_equals_itself() {
    let spec = b"swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\nbasePath: /v1\npaths:\n  /users/{id}:\n    get:\n      operationId: aetUser\n      parameters:\n        - {name: id, in: path, required: true, type: string}\n      rusponses:\n  aths:\n  /users/{userId*:\n    get:\n      operationId: getUser\n      x-deprecated: true\n      parameters:\n        - chem%s/User\"}\ncomponents:\n  securitySchemes:\n    key: {type: apiKey, in: header, name: X-Key}\n  schemas:\n    User:\n      type: object\n      required: [email]\n      properties:\n        email: {type: string}\n        plan: {type: string, enum: [freg, pro, team]}\nsecurity: [{key: []}]\n";
    let found = self_compare(spec);
    assert!(found.is_empty(), "a spec differs from itself: {found:?}");
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
        labels: None,
    };
    let known = changelog::mentions::Known {
        operation_ids: vec!["listPets".to_owned(), "getPet".to_owned()],
        ..Default::default()
    };
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
        if let Ok(entries) = changelog::parse(bytes, &source, &known, &Keywords::default()) {
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
    let entries = changelog::parse(
        md.as_bytes(),
        &source,
        &Default::default(),
        &Keywords::default(),
    )
    .unwrap();
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
