//! What an entry announces, when, and about which operations.
//!
//! The kinds come from [`super::rules`] (sentence by sentence, and the vendor's own
//! labels); a sunset date only from a sentence that announces a sunset, removal or
//! end of support, and only where a date is given as when that happens ("on", "by",
//! "until", "Sunset:"), never from a product name or an update stamp. When both the
//! day new use stops and the day the API stops working are said, the latter counts.
//! Dates are read by [`super::dates`]; operations by [`super::mentions`].

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::dates::{self, Context, DayOrder, FoundDate};
use super::mentions::{Known, mentions};
use super::rules::{Raise, Rules, extra, sentences};
use super::{Entry, Kind, RawEntry, derived_id};
pub use crate::config::Keywords;

#[allow(clippy::expect_used)] // constant patterns, checked by the tests below
static DUE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(\b(on|by|after|until|from|starting|beginning|effective|as of|in|before|through|at the end of|end of|no later than|date|sunset|sunsets|removed|retired|disabled|deprecated|off|down|until|at|is|are|to)[,:]?|[:–—-])\s*(the\s+)?[(`"'*]*$"#,
    )
    .expect("regex")
});
#[allow(clippy::expect_used)]
static DUE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:in|with|from|starting with|as of|until|by)\s+(?:the\s+)?(?:api\s+)?(?:version|revision|release)\s+`?v?([0-9][\w.-]*[0-9a-z])|\bin\s+(?:api\s+)?v?(\d+(?:\.\d+)+)\b",
    )
    .expect("regex")
});
/// A step before the end ("new keys can no longer be created from March 1"): its
/// date is not when the API stops working.
#[allow(clippy::expect_used)]
static EARLY_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bnew\b.*\b(keys?|tokens?|apps?|integrations?|accounts?|customers?|users?|sign-?ups?|installs?|subscriptions?|credentials?)\b.*\b(no longer|cannot|can ?not|stop|won't|will not)\b|\bno new\b|\b(no longer|cannot|can't|stop) (be )?(creat|issu|regist|generat)\w*\b.*\bnew\b|\bstop (issuing|accepting new|creating new)\b|\bnew (keys?|apps?|integrations?|accounts?|customers?|credentials?) (can|will) no longer\b",
    )
    .expect("regex")
});

#[allow(clippy::expect_used)]
static CODE_SPAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`[^`\n]+`").expect("regex"));

/// An item that says there is nothing ("None.", "n/a") under a heading.
#[allow(clippy::expect_used)]
static NOTHING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\W*(none|n/?a|nothing|no changes?)\W*$").expect("regex"));

/// A line that names a section rather than saying something: a Markdown heading
/// (`### Removed`) or a line in bold alone (`**Breaking changes**`).
fn section_heading(sentence: &str) -> Option<String> {
    let t = sentence.trim();
    if let Some(h) = t.strip_prefix('#') {
        return Some(h.trim_start_matches('#').trim().to_owned());
    }
    let bold = t.strip_prefix("**")?.strip_suffix("**")?;
    // `**(breaking change)**` on its own line is Twilio's mark, not a section.
    (!bold.contains("**") && !bold.starts_with('('))
        .then(|| bold.trim_end_matches(':').trim().to_owned())
}

/// The last `n` bytes of `s` (at a character boundary): what a date follows.
fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The first `n` bytes of `s` (at a character boundary): what follows a date.
fn head(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[allow(clippy::expect_used)]
static END_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)remov|retir|sunset|shut|\bstop|\bends?\b|\bend of\b|disabl|unsupport|no longer|until|turned off|switch\w* off|\b410\b|delet|discontinu|unavailable|expire|\bgone\b")
        .expect("regex")
});
/// A date that is when something was said, not when it happens.
#[allow(clippy::expect_used)]
static SAID_ON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(announced|published|posted|emailed|notified|since|updated|last updated)\b[^.]*$",
    )
    .expect("regex")
});
/// "extended from June 30 to September 30": the last date is the one that holds.
#[allow(clippy::expect_used)]
static MOVED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(extended|postponed|pushed (back|out)|delayed|moved|rescheduled)\b")
        .expect("regex")
});
/// "… on 2026-08-01 for new integrations": a step before the end.
#[allow(clippy::expect_used)]
static FOR_NEW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\W*(for|to) (all )?new\b").expect("regex"));

/// Dates a sentence gives as when something ends, each with whether it is an
/// early step ("new keys cannot be created from …"), none in the entry's past.
fn due_dates(sentence: &str, ctx: Context<'_>) -> Vec<(FoundDate, bool)> {
    let found = dates::find(sentence, ctx);
    let moved = MOVED.is_match(sentence);
    let mut out = Vec::new();
    let mut clause_start = 0;
    for (i, f) in found.iter().enumerate() {
        let clause = &sentence[clause_start..f.start];
        clause_start = f.end;
        let before = tail(&sentence[..f.start], 48);
        if !DUE_BEFORE.is_match(before) || SAID_ON.is_match(tail(before, 32)) {
            continue;
        }
        // "deprecated on July 1 and removed on January 1": the deprecation's date is
        // not the end.
        if clause.to_lowercase().contains("deprecat") && !END_WORD.is_match(clause) {
            continue;
        }
        if moved && i + 1 < found.len() {
            continue;
        }
        if ctx
            .anchor
            .is_some_and(|own| f.date.earliest_day().as_str() < own.get(..7).unwrap_or(own))
        {
            continue;
        }
        let early = EARLY_STEP.is_match(clause) || FOR_NEW.is_match(head(&sentence[f.end..], 40));
        out.push((f.date.clone(), early));
    }
    out
}

/// `version 2025-01` from "will be removed in version 2025-01".
fn due_version(sentence: &str) -> Option<String> {
    #[allow(clippy::expect_used)]
    static FUTURE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(will|to be|scheduled|planned|going to|until|stops? working)\b")
            .expect("regex")
    });
    if !FUTURE.is_match(sentence) {
        return None;
    }
    let c = DUE_VERSION.captures(sentence)?;
    let v = c.get(1).or(c.get(2))?;
    Some(format!("version {}", v.as_str()))
}

/// Classifies a parsed entry; `order` is how the source writes numeric dates.
pub fn classify(raw: RawEntry, known: &Known, keywords: &Keywords, order: DayOrder) -> Entry {
    let date = raw
        .date
        .as_deref()
        .and_then(|d| dates::entry_date(d, order))
        .or_else(|| {
            dates::first_day(
                &raw.title,
                Context {
                    anchor: None,
                    order,
                },
            )
        });
    let ctx = Context {
        anchor: date.as_deref(),
        order,
    };
    let rules = Rules::builtin();
    let mut kinds: BTreeSet<Kind> = BTreeSet::new();
    // Due points from announcing sentences: (date, an early step?), and versions.
    let mut due: Vec<(FoundDate, bool)> = Vec::new();
    let mut due_versions: Vec<String> = Vec::new();
    // The kinds of the section an item is in (`### Removed`, `**Breaking:**`).
    let mut section: Vec<Kind> = Vec::new();
    for sentence in std::iter::once(raw.title.clone()).chain(sentences(&raw.text)) {
        let sentence = sentence.as_str();
        if let Some(heading) = section_heading(sentence) {
            section = rules.section(&heading);
            continue;
        }
        // Names in code spans are not words: "Removed the `comments` field" is a
        // removal whatever the field is called.
        let lower = CODE_SPAN.replace_all(sentence, "`code`").to_lowercase();
        if rules.silent(&lower) || NOTHING.is_match(&lower) {
            continue;
        }
        for k in &rules.kinds {
            if section.contains(&k.kind) && !k.negated(&lower) {
                kinds.insert(k.kind);
            }
        }
        let dates_here = due_dates(sentence, ctx);
        let version_here = due_version(sentence);
        let has_due = !dates_here.is_empty() || version_here.is_some();
        let mut announces_end = false;
        for k in &rules.kinds {
            let raised = match k.raises(&lower, extra(keywords, k.kind)) {
                Raise::Yes => true,
                Raise::WithDue => has_due,
                Raise::No => false,
            };
            if raised {
                kinds.insert(k.kind);
                announces_end |= k.kind == Kind::Sunset;
            }
        }
        if announces_end {
            due.extend(dates_here);
            due_versions.extend(version_here);
        }
    }
    for label in &raw.labels {
        for k in &rules.kinds {
            if k.labelled(label) {
                kinds.insert(k.kind);
            }
        }
    }
    // The earliest day the API stops working; an earlier step only when nothing else
    // is said; a version when no date is.
    let pick = |early: bool| {
        due.iter()
            .filter(|(_, e)| *e == early)
            .min_by_key(|(d, _)| d.earliest_day())
            .map(|(d, _)| d.as_str().to_owned())
    };
    let sunset_date = pick(false)
        .or_else(|| pick(true))
        .or_else(|| due_versions.first().cloned());
    if sunset_date.is_some() {
        kinds.insert(Kind::Sunset);
    }
    let mut kinds: Vec<Kind> = kinds.into_iter().collect();
    if kinds.is_empty() {
        kinds.push(Kind::Other);
    }
    let all = format!("{}\n{}", raw.title, raw.text);
    let mentions = mentions(&all, known);
    let id = raw
        .id
        .unwrap_or_else(|| derived_id(&raw.title, date.as_deref(), &raw.text));
    Entry {
        id,
        title: raw.title,
        date,
        link: raw.link,
        text: raw.text,
        kinds,
        sunset_date,
        mentions,
        labels: raw.labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changelog::Mention;

    fn raw(title: &str, date: Option<&str>, text: &str) -> RawEntry {
        RawEntry {
            id: None,
            title: title.into(),
            date: date.map(Into::into),
            link: None,
            text: text.into(),
            labels: Vec::new(),
        }
    }

    fn read(r: RawEntry) -> Entry {
        classify(
            r,
            &Known::default(),
            &Keywords::default(),
            DayOrder::Unknown,
        )
    }

    #[test]
    fn a_deprecation_with_its_sunset_and_operations() {
        let r = raw(
            "Deprecation: campaign stats (sunset March 1, 2027)",
            Some("Thu, 19 Nov 2026 16:00:00 GMT"),
            "GET /campaigns/{campaign_id}/stats is deprecated. Use getCampaignReport or /reports/campaigns/{id} instead.",
        );
        let known = Known {
            operation_ids: vec!["getCampaignReport".into(), "getCampaign".into()],
            ..Known::default()
        };
        let e = classify(r, &known, &Keywords::default(), DayOrder::Unknown);
        assert_eq!(e.date.as_deref(), Some("2026-11-19"));
        assert_eq!(e.kinds, [Kind::Deprecation, Kind::Sunset]);
        assert_eq!(e.sunset_date.as_deref(), Some("2027-03-01"));
        assert_eq!(
            e.mentions,
            [
                Mention {
                    method: None,
                    path: None,
                    operation_id: Some("getCampaignReport".into())
                },
                Mention {
                    method: None,
                    path: Some("/reports/campaigns/{id}".into()),
                    operation_id: None
                },
                Mention {
                    method: Some("GET".into()),
                    path: Some("/campaigns/{campaign_id}/stats".into()),
                    operation_id: None
                },
            ]
        );
    }

    #[test]
    fn negations_and_doc_fixes_are_not_announcements() {
        let title = "2.4.2 - 2026-11-20";
        let e = read(raw(
            title,
            None,
            "Removed a typo in the `DELETE /x` reference page. This is a non-breaking documentation fix; no action is required.",
        ));
        assert_eq!(e.kinds, [Kind::Other], "{:?}", e.kinds);
        let e = read(raw(
            title,
            None,
            "`POST /orders` is not deprecated after all.",
        ));
        assert!(!e.kinds.contains(&Kind::Deprecation));
        let e = read(raw(
            title,
            None,
            "`GET /legacy` is removed. Typo fixes in the docs.",
        ));
        assert_eq!(
            e.kinds,
            [Kind::Removal],
            "the removal sentence still counts"
        );
    }

    #[test]
    fn what_happens_to_the_api_not_words() {
        let kinds = |text: &str| read(raw("1.0.0 - 2026-11-20", None, text)).kinds;
        for (text, want) in [
            (
                "Removes support for the `legacy_id` parameter.",
                vec![Kind::Removal],
            ),
            (
                "Requests without a revision will fail with a 400.",
                vec![Kind::Breaking],
            ),
            (
                "Creating a duplicate contact returns 409 instead of 200.",
                vec![Kind::Breaking],
            ),
            ("Renamed `list_id` to `audience_id`.", vec![Kind::Breaking]),
            ("Remove empty models.", vec![Kind::Other]),
            ("Removed duplicate endpoint definition.", vec![Kind::Other]),
            ("Remove beta feature flag.", vec![Kind::Other]),
            ("Added a button to remove an action.", vec![Kind::New]),
            ("We will announce a sunset date later.", vec![Kind::Other]),
            (
                "We'd like to investigate deprecating the v2 export.",
                vec![Kind::Other],
            ),
            ("See our deprecation policy.", vec![Kind::Other]),
        ] {
            assert_eq!(kinds(text), want, "{text}");
        }
    }

    #[test]
    fn a_section_heading_gives_its_items_its_kind() {
        let kinds = |text: &str| read(raw("2.0.0 - 2026-11-20", None, text)).kinds;
        assert_eq!(
            kinds("### Removed\n- `Client.legacy()`\n- Remove beta feature flag"),
            [Kind::Removal]
        );
        assert_eq!(
            kinds("### Removed\n- Remove beta feature flag"),
            [Kind::Other]
        );
        assert_eq!(kinds("### Breaking\n- None."), [Kind::Other]);
        assert_eq!(
            kinds("### Non-breaking changes\n- `list` pages by cursor"),
            [Kind::Other]
        );
        assert_eq!(
            kinds("**Api**\n- Make `x` public **(breaking change)**"),
            [Kind::Breaking]
        );
    }

    #[test]
    fn sunset_dates_from_what_announces_the_end() {
        let sunset = |date: &str, text: &str| read(raw("Update", Some(date), text)).sunset_date;
        assert_eq!(
            sunset(
                "2026-10-02",
                "The v1 export will be removed on November 30."
            ),
            Some("2026-11-30".into())
        );
        assert_eq!(
            sunset(
                "2026-01-10",
                "New API keys can no longer be created from March 1, 2026. The v2 API stops working on June 30, 2026."
            ),
            Some("2026-06-30".into())
        );
        assert_eq!(
            sunset(
                "2023-11-01",
                "Polly voices (Q1 2024) are now available. Page last updated 2024-01-05."
            ),
            None
        );
        assert_eq!(
            sunset(
                "2024-09-01",
                "The `fields` parameter will be removed in version 2025-01."
            ),
            Some("version 2025-01".into())
        );
    }

    #[test]
    fn the_vendors_labels_set_kinds() {
        let mut r = raw(
            "Contacts API update",
            Some("2026-11-02"),
            "We changed how contacts are merged.",
        );
        r.labels = vec!["Action Required".into(), "CRM".into()];
        assert_eq!(read(r.clone()).kinds, [Kind::Breaking]);
        r.labels = vec!["Legacy".into()];
        assert_eq!(read(r).kinds, [Kind::Deprecation]);
    }

    #[test]
    fn contract_keywords_extend_the_defaults() {
        let r = raw("Heads-up: sundowning the v2 export", None, "");
        assert_eq!(read(r.clone()).kinds, [Kind::Other]);
        let extra = Keywords {
            sunset: vec!["sundowning".into()],
            ..Keywords::default()
        };
        assert_eq!(
            classify(r, &Known::default(), &extra, DayOrder::Unknown).kinds,
            [Kind::Sunset]
        );
    }
}
