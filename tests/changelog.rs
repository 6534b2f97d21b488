//! Changelog parsing over fixtures in the shapes vendors use (dated-list HTML, a
//! card grid in Latin-1 with a duplicate, RSS, Atom, Markdown with Setext headings
//! and a BOM), snapshot-reviewed; and over the real Markdown changelogs in
//! `../shared/corpus` when present.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use apiwatch::changelog::mentions::Known;
use apiwatch::changelog::{Entry, Kind, Source, detect_kind, parse};
use apiwatch::config::{ChangelogKind, Selectors};

fn known(ids: &[&str]) -> Known {
    Known {
        operation_ids: ids.iter().map(|s| s.to_string()).collect(),
        ..Known::default()
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(
    path: &str,
    kind: ChangelogKind,
    selectors: Option<Selectors>,
    base: Option<&str>,
) -> Vec<Entry> {
    let bytes = std::fs::read(repo().join(path)).unwrap();
    parse(
        &bytes,
        &Source {
            name: path,
            kind,
            selectors: selectors.as_ref(),
            base_url: base,
            content_type: None,
        },
        &known(&["sendMessage"]),
        &Default::default(),
    )
    .unwrap()
}

fn sel(entry: &str, title: &str, date: &str, body: &str, link: &str) -> Option<Selectors> {
    Some(Selectors {
        entry: entry.into(),
        title: Some(title.into()),
        date: Some(date.into()),
        body: Some(body.into()),
        link: Some(link.into()),
        labels: None,
    })
}

#[test]
fn dated_list_html() {
    let e = read(
        "demo/changelogs/crm-contacts/changelog.html",
        ChangelogKind::Html,
        sel("article.entry", "h2", "time", ".content", "a.permalink"),
        Some("https://developers.corvid.example/changelog"),
    );
    assert_eq!(e.len(), 7, "the decoy <aside> with an <h2> is not an entry");
    assert_eq!(
        e[0].link.as_deref(),
        Some(
            "https://developers.corvid.example/changelog/2026-11-18-contact-notes-endpoint-removed"
        )
    );
    assert!(e.iter().all(|e| e.date.is_some()));
    insta::assert_json_snapshot!(e);
}

#[test]
fn card_grid_html_in_latin1_with_a_duplicate() {
    let e = read(
        "tests/fixtures/changelogs/cards.html",
        ChangelogKind::Html,
        sel(
            "div.card",
            ".card-title",
            ".when",
            ".card-body",
            ".card-title a",
        ),
        Some("https://heronmail.example/release-notes/"),
    );
    assert_eq!(e.len(), 3, "the repeated card is read once");
    assert!(e[0].text.contains("Café"), "{}", e[0].text);
    assert_eq!(
        e[0].link.as_deref(),
        Some("https://heronmail.example/release-notes/notes/unsubscribe-reason")
    );
    assert_eq!(
        (e[0].date.as_deref(), e[0].sunset_date.as_deref()),
        (Some("2027-02-03"), None)
    );
    assert!(e[0].kinds.contains(&Kind::Breaking));
    assert_eq!(e[2].date.as_deref(), Some("2026-12-12"));
    assert_eq!(
        e[2].sunset_date.as_deref(),
        Some("Q2 2027"),
        "quarters are kept as text"
    );
    insta::assert_json_snapshot!(e);
}

#[test]
fn rss_feed() {
    let e = read(
        "demo/changelogs/email-marketing/feed.xml",
        ChangelogKind::Rss,
        None,
        None,
    );
    assert_eq!(e.len(), 5);
    assert_eq!(e[0].sunset_date.as_deref(), Some("2027-03-01"));
    assert_eq!(e[0].kinds, [Kind::Deprecation, Kind::Sunset]);
    assert!(
        e[1].kinds.contains(&Kind::Breaking),
        "the feed's category counts: {:?}",
        e[1].kinds
    );
    insta::assert_json_snapshot!(e);
}

#[test]
fn atom_feed_with_relative_links() {
    let e = read(
        "tests/fixtures/changelogs/feed.atom",
        ChangelogKind::Atom,
        None,
        Some("https://status.quillpost.example/changelog"),
    );
    assert_eq!(e.len(), 2);
    assert_eq!(
        e[0].link.as_deref(),
        Some("https://status.quillpost.example/changelog/contacts-v1-sunset")
    );
    assert_eq!(e[0].date.as_deref(), Some("2027-01-20"));
    assert_eq!(e[0].sunset_date.as_deref(), Some("2027-06-30"));
    assert!(e[0].kinds.contains(&Kind::Sunset));
    assert_eq!(e[0].mentions[0].path.as_deref(), Some("/v1/contacts/{id}"));
    insta::assert_json_snapshot!(e);
}

#[test]
fn markdown_versions_with_setext_headings_a_bom_and_a_code_fence() {
    let e = read(
        "tests/fixtures/changelogs/versions.md",
        ChangelogKind::Markdown,
        None,
        None,
    );
    // The undated `Version 4.0.1` is a release too.
    assert_eq!(e.len(), 3, "{e:#?}");
    assert_eq!(e[2].title, "Version 4.0.1");
    assert_eq!(e[2].date, None);
    assert_eq!(e[0].date.as_deref(), Some("2027-03-01"));
    assert_eq!(e[0].sunset_date.as_deref(), Some("2027-09-01"));
    assert!(e[0].kinds.contains(&Kind::Breaking) && e[0].kinds.contains(&Kind::Deprecation));
    assert!(
        e[0].mentions
            .iter()
            .any(|m| m.operation_id.as_deref() == Some("sendMessage"))
    );
    assert!(e[2].text.contains("Docs only"));
    insta::assert_json_snapshot!(e);
}

#[test]
fn markdown_demo_changelog() {
    let e = read(
        "demo/changelogs/transactional-email/CHANGELOG.md",
        ChangelogKind::Markdown,
        None,
        None,
    );
    assert_eq!(
        e.iter()
            .map(|e| e.date.clone().unwrap())
            .collect::<Vec<_>>(),
        [
            "2026-11-10",
            "2026-10-02",
            "2026-07-14",
            "2026-05-20",
            "2026-02-03"
        ]
    );
    insta::assert_json_snapshot!(e);
}

#[test]
fn kinds_are_detected_from_content() {
    let read = |p: &str| std::fs::read(repo().join(p)).unwrap();
    assert_eq!(
        detect_kind(&read("demo/changelogs/email-marketing/feed.xml"), "feed"),
        ChangelogKind::Rss
    );
    assert_eq!(
        detect_kind(&read("tests/fixtures/changelogs/feed.atom"), "x"),
        ChangelogKind::Atom
    );
    assert_eq!(
        detect_kind(&read("tests/fixtures/changelogs/cards.html"), "x"),
        ChangelogKind::Html
    );
    assert_eq!(
        detect_kind(b"# Changes", "CHANGELOG.md"),
        ChangelogKind::Markdown
    );
}

fn markdown(name: &str) -> Source<'_> {
    Source {
        name,
        kind: ChangelogKind::Markdown,
        selectors: None,
        base_url: None,
        content_type: None,
    }
}

/// The corpus as `tests/corpus.rs` finds it: `APIWATCH_CORPUS`, else `../shared/corpus`.
fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("APIWATCH_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("MANIFEST.json").is_file(),
            "APIWATCH_CORPUS is set to {dir:?}, which holds no corpus"
        );
        return Some(dir);
    }
    let dir = repo().join("../shared/corpus");
    if dir.join("MANIFEST.json").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/corpus is not present");
        None
    }
}

#[test]
fn corpus_markdown_changelogs_parse_with_dates() {
    let Some(dir) = corpus() else { return };
    // (file, entries at least, all dated)
    let cases = [
        (
            "klaviyo/changelog/klaviyo-api-python_CHANGELOG.md",
            20,
            true,
        ),
        ("klaviyo/changelog/klaviyo-openapi_CHANGELOG.md", 3, true),
        (
            "hubspot/changelog/hubspot-api-nodejs_CHANGELOG.md",
            20,
            true,
        ),
        (
            "sendgrid/changelog/twilio-sendgrid-oai_CHANGELOG.md",
            5,
            true,
        ),
        ("twilio/changelog/twilio-oai_CHANGES.md", 140, true),
        (
            "mailchimp/changelog/mailchimp-client-lib-codegen_CHANGELOG.md",
            10,
            false,
        ),
    ];
    for (file, at_least, dated) in cases {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let e = parse(
            &bytes,
            &markdown(file),
            &Known::default(),
            &Default::default(),
        )
        .unwrap();
        assert!(e.len() >= at_least, "{file}: {} entries", e.len());
        if dated {
            let undated: Vec<&str> = e
                .iter()
                .filter(|e| e.date.is_none())
                .map(|e| e.title.as_str())
                .collect();
            assert!(undated.is_empty(), "{file}: undated entries {undated:?}");
        }
    }
}

#[test]
fn corpus_known_deprecations_are_classified() {
    let Some(dir) = corpus() else { return };
    let bytes = std::fs::read(dir.join("twilio/changelog/twilio-oai_CHANGES.md")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let e = parse(
        &bytes,
        &markdown("twilio"),
        &Known::default(),
        &Default::default(),
    )
    .unwrap();
    let releases = text
        .lines()
        .filter(|l| l.starts_with('[') && l.contains("] Version"))
        .count();
    assert_eq!(e.len(), releases, "one entry per release");
    // "Mark MaxPrice as deprecated" and friends.
    for needle in [
        "Mark MaxPrice as deprecated",
        "Deprecate account flag api.twilio-intelligence.v2",
    ] {
        let entry = e
            .iter()
            .find(|x| x.text.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"));
        assert!(
            entry.kinds.contains(&Kind::Deprecation),
            "{needle}: {:?}",
            entry.kinds
        );
    }
    let breaking = e
        .iter()
        .filter(|x| x.kinds.contains(&Kind::Breaking))
        .count();
    assert!(
        breaking >= 20,
        "twilio marks '(breaking change)' often: {breaking}"
    );
}

// ---- Budgets (issue 13 #2, #9): hostile pages are refused before the work ----

fn page(
    kind: ChangelogKind,
    bytes: &[u8],
) -> Result<Vec<Entry>, apiwatch::changelog::ChangelogError> {
    parse(
        bytes,
        &Source {
            name: "https://vendor.example/changelog",
            kind,
            selectors: None,
            base_url: None,
            content_type: None,
        },
        &known(&["sendMessage"]),
        &Default::default(),
    )
}

/// Runs `f` on another thread and fails if it takes longer than a generous bound: a
/// guard against a hang (the pre-fix parsers took minutes), not a speed target.
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("parsing hung")
}

#[test]
fn deeply_nested_unclosed_html_is_refused_as_over_budget() {
    // 800 KB of entries that never close: html5ever alone is quadratic in the depth.
    for unit in ["<article><h2>Release</h2><p>text", "<div>x", "<div/>"] {
        let hostile = unit.repeat(800_000 / unit.len());
        let err = within_a_minute(move || page(ChangelogKind::Html, hostile.as_bytes()))
            .expect_err("over the depth budget");
        let msg = err.to_string();
        assert!(msg.contains("nested more than 256 elements deep"), "{msg}");
        assert!(
            msg.starts_with("https://vendor.example/changelog: not read:"),
            "{msg}"
        );
    }
}

#[test]
fn nested_entries_within_the_budget_each_keep_only_their_own_text() {
    // 200 articles, each opened inside the one before and never closed.
    let html: String = (0..200)
        .map(|i| format!("<article><h2>Release {i}</h2><p>Change number {i}."))
        .collect();
    let e = page(ChangelogKind::Html, html.as_bytes()).unwrap();
    assert_eq!(e.len(), 200);
    assert_eq!(e[0].title, "Release 0");
    assert_eq!(
        e[0].text, "Release 0\n\nChange number 0.",
        "not its 199 nested neighbours"
    );
    assert_eq!(e[199].text, "Release 199\n\nChange number 199.");
}

#[test]
fn pages_over_the_size_or_entry_budget_are_refused_not_trimmed() {
    let big = vec![b' '; apiwatch::changelog::budget::MAX_PAGE_BYTES + 1];
    let err = page(ChangelogKind::Markdown, &big).unwrap_err().to_string();
    assert!(err.contains("over the 16777216-byte budget"), "{err}");

    // 100,000 dated headings (37 s before the fix, each heading rescanning the list).
    let md: String = (0..100_000)
        .map(|i| format!("## 2026-01-{:02} v{i}\n- fix\n", i % 28 + 1))
        .collect();
    let err = within_a_minute(move || page(ChangelogKind::Markdown, md.as_bytes()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than 5000 entries"), "{err}");

    let items: String = (0..5_001)
        .map(|i| format!("<item><title>v{i}</title><guid>g{i}</guid></item>"))
        .collect();
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>c</title>{items}</channel></rss>"
    );
    let err = page(ChangelogKind::Rss, rss.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than 5000 entries"), "{err}");

    let html = "<article><h2>v</h2><p>x</p></article>".repeat(5_001);
    let err = page(ChangelogKind::Html, html.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than 5000 entries"), "{err}");
}

#[test]
fn a_markdown_changelog_with_many_sub_headings_is_read_in_one_pass() {
    // 4,000 releases with 25 sub-headings each: 104,000 headings.
    let md: String = (0..4_000)
        .map(|i| {
            let subs: String = (0..25).map(|k| format!("### Part {k}\n- item\n")).collect();
            format!("## 2026-02-{:02} v{i}\n{subs}", i % 28 + 1)
        })
        .collect();
    let e = within_a_minute(move || page(ChangelogKind::Markdown, md.as_bytes())).unwrap();
    assert_eq!(e.len(), 4_000);
    assert!(e[3_999].text.contains("### Part 24"));
}

#[test]
fn many_mentions_in_one_entry_are_read_in_one_pass() {
    let body: String = (0..40_000)
        .map(|i| format!("GET /v1/things/{i} and /v2/items/{i}\n"))
        .collect();
    let md = format!("## 2026-03-01 Release\n{body}");
    let e = within_a_minute(move || page(ChangelogKind::Markdown, md.as_bytes())).unwrap();
    assert_eq!(e[0].mentions.len(), 80_000);
}

#[test]
fn script_and_style_text_is_not_changelog_content() {
    let html = r#"<html><head><style>.breaking::after { content: "Breaking change" }</style></head><body>
        <article><h2>Docs polish</h2><p>Fixed typos.</p>
        <script>track("deprecated endpoint GET /v1/contacts removed on 2027-01-01 @octocat")</script>
        <noscript>Breaking: enable JavaScript</noscript><template><p>Deprecation banner</p></template>
        </article></body></html>"#;
    let e = page(ChangelogKind::Html, html.as_bytes()).unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].text, "Docs polish\n\nFixed typos.");
    assert!(
        e[0].kinds.iter().all(|k| *k == Kind::Other),
        "{:?}",
        e[0].kinds
    );
    assert!(e[0].mentions.is_empty() && e[0].sunset_date.is_none());
}

/// Relative links in a Markdown changelog were quoted as they were: in an issue, a
/// reader could not follow `/docs/migrate`.
#[test]
fn quoted_markdown_links_are_made_absolute_against_the_page() {
    let text = "see [the guide](/docs/migrate), [the spec](https://x.example/s.json), [mail](mailto:a@b.example)";
    assert_eq!(
        apiwatch::changelog::absolute_links(text, "https://vendor.example/changelog/CHANGELOG.md"),
        "see [the guide](https://vendor.example/docs/migrate), [the spec](https://x.example/s.json), [mail](mailto:a@b.example)"
    );
}

fn read_bytes(bytes: &[u8], kind: ChangelogKind, selectors: Option<Selectors>) -> Vec<Entry> {
    parse(
        bytes,
        &Source {
            name: "page",
            kind,
            selectors: selectors.as_ref(),
            base_url: Some("https://vendor.example/changelog"),
            content_type: None,
        },
        &Known::default(),
        &Default::default(),
    )
    .unwrap()
}

fn rss(items: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title>{items}</channel></rss>")
        .into_bytes()
}

/// An item without a guid is its link (a retitled item is an edit, not a new
/// entry); one without guid, link or title is what it says, the same every night.
#[test]
fn feed_items_keep_their_identity_without_a_guid() {
    let night = |title: &str| {
        read_bytes(
            &rss(&format!(
                "<item><title>{title}</title><link>https://vendor.example/c/42</link><description>GET /v1/x is deprecated.</description></item>\
                 <item><description>Heads-up: nothing else.</description><pubDate>Tue, 10 Feb 2026 09:00:00 GMT</pubDate></item>"
            )),
            ChangelogKind::Rss,
            None,
        )
    };
    let first = night("Deprecating x");
    let second = night("Deprecating the x endpoint");
    assert_eq!(first[0].id, "https://vendor.example/c/42");
    assert_eq!(first[0].id, second[0].id);
    assert!(first[1].id.starts_with("entry-"), "{}", first[1].id);
    assert_eq!(first[1].id, second[1].id, "a content hash, not a random id");
    let changes = apiwatch::changelog::compare::compare(&first, &second);
    assert!(changes.new.is_empty() && changes.vanished.is_empty());
    assert_eq!(changes.edited.len(), 1);
}

/// With a body selector, what else the entry holds (pills, tags) is its labels, and
/// the labels set kinds the body does not say.
#[test]
fn labels_outside_the_body_set_kinds() {
    let page = b"<html><body>\
        <article><h2>Contacts search</h2><time datetime=\"2026-03-04\"></time>\
          <span class=\"pill\">Action Required</span><a href=\"/c/1\">Permalink</a>\
          <div class=\"body\">Searches on unindexed properties change.</div></article>\
        <article><h2>Lists v1</h2><time datetime=\"2026-03-01\"></time><span>Legacy</span>\
          <div class=\"body\">Use lists v3.</div></article></body></html>";
    let selectors = Selectors {
        entry: "article".into(),
        body: Some(".body".into()),
        ..Selectors::default()
    };
    let e = read_bytes(page, ChangelogKind::Html, Some(selectors));
    assert_eq!(e[0].labels, ["Action Required"], "links are not labels");
    assert_eq!(e[0].kinds, [Kind::Breaking]);
    assert_eq!(e[1].labels, ["Legacy"]);
    assert_eq!(e[1].kinds, [Kind::Deprecation]);
}

/// Releases whose id changes between versions of apiwatch (a date it now reads)
/// are matched by title: no flood of "new" entries after an upgrade.
#[test]
fn an_entry_whose_id_changed_is_matched_by_title() {
    let md = |heading: &str| format!("# Changes\n\n## {heading}\n- Removed `GET /x`.\n");
    let before = read_bytes(
        md("[1.1.12] - 2016-07-05").as_bytes(),
        ChangelogKind::Markdown,
        None,
    );
    let mut now = before.clone();
    now[0].id = "entry-0123456789abcdef".into();
    let changes = apiwatch::changelog::compare::compare(&before, &now);
    assert!(changes.new.is_empty() && changes.vanished.is_empty() && changes.edited.is_empty());
}

/// Same-titled releases in two sections of one file are two entries; undated and
/// unpadded version headings are releases.
#[test]
fn every_release_heading_is_an_entry() {
    let md = b"# Python SDK\n\n## [2.0.0] - 2026-01-10\n- Removed `Client.legacy()`.\n\n## 1.9.0\n- added\n\n\
               # Node SDK\n\n## [2.0.0] - 2026-01-10\n- Renamed `list` to `listAll`.\n\n## [1.0.0] - 2018-1-18\n- first\n";
    let e = read_bytes(md, ChangelogKind::Markdown, None);
    let titles: Vec<&str> = e.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "[2.0.0] - 2026-01-10",
            "1.9.0",
            "[2.0.0] - 2026-01-10",
            "[1.0.0] - 2018-1-18"
        ]
    );
    assert_ne!(e[0].id, e[2].id);
    assert_eq!(e[0].kinds, [Kind::Removal]);
    assert_eq!(e[2].kinds, [Kind::Breaking]);
    assert_eq!(e[3].date.as_deref(), Some("2018-01-18"));
    assert!(
        !e[1].text.contains("Node"),
        "a section does not run into the next"
    );
}

/// Items that share the changelog's own link keep their identities when a new one
/// is published above them (a review found every id shifting by one).
#[test]
fn feed_items_sharing_a_link_keep_their_ids() {
    let item = |title: &str, date: &str| {
        format!(
            "<item><title>{title}</title><link>https://ex.example/changelog</link><pubDate>{date}</pubDate><description>{title}.</description></item>"
        )
    };
    let old = [
        item("New export endpoint", "Mon, 02 Mar 2026 09:00:00 GMT"),
        item("Faster search", "Mon, 02 Feb 2026 09:00:00 GMT"),
    ]
    .concat();
    let new = [
        item(
            "`GET /things` will be removed on 2026-09-01",
            "Mon, 06 Apr 2026 09:00:00 GMT",
        ),
        old.clone(),
    ]
    .concat();
    let before = read_bytes(&rss(&old), ChangelogKind::Rss, None);
    let now = read_bytes(&rss(&new), ChangelogKind::Rss, None);
    let changes = apiwatch::changelog::compare::compare(&before, &now);
    assert_eq!(changes.new.len(), 1, "{:#?}", changes.new);
    assert!(changes.new[0].title.contains("will be removed"));
    assert!(changes.edited.is_empty() && changes.vanished.is_empty());
}

/// Text after a closing block is its own paragraph: a title and the date under it
/// are not one sentence (the publication date is not a sunset date).
#[test]
fn a_heading_and_the_date_under_it_stay_apart() {
    let page = b"<html><body><article><h2>v1 Lists endpoints deprecated</h2><time datetime=\"2026-05-01\">May 1, 2026</time>\
                 <p>Please move to v2 Lists. A removal date will follow.</p></article></body></html>";
    let e = read_bytes(page, ChangelogKind::Html, None);
    assert_eq!(e[0].kinds, [Kind::Deprecation], "{:?}", e[0]);
    assert_eq!(e[0].sunset_date, None);
}

/// Releases at several heading levels (semantic-release puts majors at `#`) are all
/// entries; `<!--` quoted in a sentence or a comment after a heading hides nothing.
#[test]
fn releases_at_any_level_and_stray_comment_markers() {
    let md = b"# [3.0.0](https://x.example/compare) (2026-03-01)\n\n### BREAKING CHANGES\n\n- `list()` is removed.\n\n\
               ## [2.1.1](https://x.example) (2026-02-01)\n\n- Fixed rendering of `<!--` comments in templates.\n\n\
               ## 2.1.0 - 2026-01-15 <!-- auto-generated -->\n\n- added\n\n# [2.0.0](https://x.example) (2025-12-01)\n\n- first\n\n## [1.0.1] (2025-11-01)\n\n- fix\n";
    let e = read_bytes(md, ChangelogKind::Markdown, None);
    let titles: Vec<&str> = e.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles.len(), 5, "{titles:#?}");
    assert_eq!(e[0].kinds, [Kind::Breaking, Kind::Removal]);
    assert_eq!(e[2].title, "2.1.0 - 2026-01-15");
    assert_eq!(
        e[1].kinds,
        [Kind::Other],
        "the quoted marker opens no comment"
    );
}

/// A date the selector finds but that lacks a year is not a redesign; posts with
/// the same title and date but different text are two posts.
#[test]
fn yearless_dates_and_same_titled_posts() {
    let page = b"<html><body>\
        <div class=\"post\"><h2>API update</h2><span class=\"date\">May 4</span><p>Faster search.</p></div>\
        <div class=\"post\"><h2>API update</h2><span class=\"date\">May 4</span><p>`GET /v1/contacts` will be removed on 2026-12-01.</p></div>\
        <div class=\"post\"><h2>Other</h2><span class=\"date\">May 2</span><p>x</p></div></body></html>";
    let selectors = Selectors {
        entry: ".post".into(),
        title: Some("h2".into()),
        date: Some(".date".into()),
        ..Selectors::default()
    };
    let e = read_bytes(page, ChangelogKind::Html, Some(selectors));
    assert_eq!(e.len(), 3);
    assert_eq!(e[1].sunset_date.as_deref(), Some("2026-12-01"));
    assert_ne!(e[0].id, e[1].id);
}

/// What a careful reader takes as the due date, and what no alarm at all.
#[test]
fn sunset_dates_a_reviewer_checked() {
    let md = |text: &str| format!("# Changes\n\n## 2.0.0 - 2026-05-01\n\n{text}\n");
    let sunset = |text: &str| {
        read_bytes(md(text).as_bytes(), ChangelogKind::Markdown, None)[0]
            .sunset_date
            .clone()
    };
    for (text, want) in [
        (
            "Deprecated on 2026-05-01; the endpoint will be removed on 2026-11-01.",
            Some("2026-11-01"),
        ),
        (
            "`GET /v1/x` will be deprecated on July 1, 2026 and removed on January 1, 2027.",
            Some("2027-01-01"),
        ),
        (
            "The v1 sunset has been extended from June 30 to September 30, 2026.",
            Some("2026-09-30"),
        ),
        ("As announced on March 3, the v1 API will be retired.", None),
        (
            "The v1 API will stop working on 2026-08-01 for new integrations and on 2026-12-01 for existing integrations.",
            Some("2026-12-01"),
        ),
        (
            "The export will be shut down on Sept. 30, 2026.",
            Some("2026-09-30"),
        ),
        (
            "The shutdown date is June 30, 2026 for every account.",
            Some("2026-06-30"),
        ),
        ("Retirement date – 1 December 2026.", Some("2026-12-01")),
        (
            "Support for TLS 1.0 ends on 2026-08-01.",
            Some("2026-08-01"),
        ),
    ] {
        assert_eq!(sunset(text).as_deref(), want, "{text}");
    }
}

/// Ordinary prose that is no alarm, and alarms behind words that look like
/// housekeeping.
#[test]
fn alarms_a_reviewer_checked() {
    let md = |text: &str| format!("# Changes\n\n## 2.0.0 - 2026-05-01\n\n{text}\n");
    let kinds = |text: &str| {
        read_bytes(md(text).as_bytes(), ChangelogKind::Markdown, None)[0]
            .kinds
            .clone()
    };
    for text in [
        "Fixed a bug breaking pagination.",
        "Fixed deprecation warnings on Python 3.12.",
        "Replaced deprecated `datetime.utcnow()` calls.",
        "Fixed a bug where removing a tag returned a 500.",
        "Webhook events were dropped under load.",
        "Our developer documentation moved to developers.example.com.",
        "Changed the example in the API reference from cURL to HTTPie.",
        "The export job would shut down early.",
        "A removal date will follow.",
    ] {
        assert!(
            !kinds(text).iter().any(|k| matches!(
                k,
                Kind::Breaking | Kind::Removal | Kind::Sunset | Kind::Deprecation
            )),
            "{text}: {:?}",
            kinds(text)
        );
    }
    assert_eq!(
        kinds("Removed the `comments` field from `GET /tickets/{id}`."),
        [Kind::Removal]
    );
    assert_eq!(
        kinds("Removed the `GET /tickets/{id}/comments` endpoint."),
        [Kind::Removal]
    );
    assert!(
        kinds("Such requests no longer succeed and now fail with a 400 error.")
            .contains(&Kind::Breaking)
    );
    assert!(kinds("Added a new required parameter `currency`.").contains(&Kind::Breaking));
    assert!(
        !kinds("You can now remove members with `DELETE /workspaces/{id}/members/{member_id}`.")
            .contains(&Kind::Removal)
    );
}

/// A "Non-breaking change" label raises nothing; emphasis around a path is not a
/// wildcard.
#[test]
fn negated_labels_and_emphasised_paths() {
    let page = b"<html><body><article><h2>Search</h2><time datetime=\"2026-03-04\"></time><span class=\"tag\">Non-breaking change</span>\
                 <div class=\"body\">Search is faster. See *GET /v1/customers* and **/v1/charges/{id}** and `/v1/invoices/*`.</div></article></body></html>";
    let selectors = Selectors {
        entry: "article".into(),
        body: Some(".body".into()),
        labels: Some(".tag".into()),
        ..Selectors::default()
    };
    let e = read_bytes(page, ChangelogKind::Html, Some(selectors));
    assert_eq!(e[0].kinds, [Kind::Other]);
    let paths: Vec<String> = e[0].mentions.iter().map(|m| m.shown()).collect();
    assert_eq!(
        paths,
        ["/v1/charges/{id}", "/v1/invoices/*", "GET /v1/customers"]
    );
}
