//! Bytes → every changelog reader (HTML with default and contract selectors, RSS,
//! Atom, Markdown), plus kind detection and decoding: never panics; entries are
//! capped at `MAX_ENTRIES` and their ids are distinct.
#![no_main]

use apiwatch::changelog::{self, MAX_ENTRIES, Source, classify::Keywords};
use apiwatch::config::{ChangelogKind, Selectors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = changelog::detect_kind(bytes, "changelog");
    let _ = changelog::detect_kind(bytes, "CHANGELOG.md");
    let _ = changelog::decode(bytes, Some("text/html; charset=\"iso-8859-1\""));
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
    let keywords = Keywords {
        breaking: vec!["Heads Up".into()],
        ..Keywords::default()
    };
    let kinds = [
        (ChangelogKind::Html, None),
        (ChangelogKind::Html, Some(&selectors)),
        (ChangelogKind::Rss, None),
        (ChangelogKind::Atom, None),
        (ChangelogKind::Markdown, None),
    ];
    for (kind, selectors) in kinds {
        let source = Source {
            name: "fuzz",
            kind,
            selectors,
            base_url: Some("https://vendor.example/changelog/"),
            content_type: None,
        };
        if let Ok(entries) = changelog::parse(bytes, &source, &known, &keywords) {
            assert!(entries.len() <= MAX_ENTRIES);
            let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            ids.sort_unstable();
            let before = ids.len();
            ids.dedup();
            assert_eq!(before, ids.len(), "duplicate entry ids ({kind:?})");
        }
    }
});
