//! What an entry announces, when, and about which operations.
//!
//! Keyword rules (defaults below, extended per contract) tag entries; dates are read
//! in the forms vendors write them (`2027-03-01`, `March 1, 2027`, `1 March 2027`,
//! and `Q2 2027`, which is kept as text); operations are found as `METHOD /path`,
//! bare `/paths`, and the spec's own operationIds.

use std::sync::LazyLock;

use regex::Regex;

use super::{Entry, Kind, Mention, RawEntry, derived_id};
pub use crate::config::Keywords;

const DEFAULTS: &[(Kind, &[&str])] = &[
    (
        Kind::Breaking,
        &[
            "breaking",
            "⚠️",
            "❗",
            "now requires",
            "now require",
            "now required",
            "is required",
            "are required",
            "are rejected",
            "will be rejected",
            "rejects",
            "now need",
            "no longer accept",
            "incompatible",
            "must now",
            "(breaking change)",
        ],
    ),
    (
        Kind::Deprecation,
        &["deprecat", "legacy endpoint", "superseded"],
    ),
    (
        Kind::Sunset,
        &[
            "sunset",
            "switched off",
            "switch off",
            "shut down",
            "end of life",
            "end-of-life",
            "retire",
            "will stop working",
            "410 gone",
        ],
    ),
    (
        Kind::Removal,
        &[
            "removed",
            "removal",
            "remove ",
            "no longer available",
            "discontinued",
            "drop support",
            "dropped",
        ],
    ),
    (
        Kind::New,
        &[
            "added",
            "add support",
            "new:",
            "new endpoint",
            "new field",
            "new operation",
            "introduc",
            "now available",
            "launch",
            "you can now",
        ],
    ),
];

const MONTHS: &str = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

#[allow(clippy::expect_used)] // constant patterns, checked by the tests below
static ISO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").expect("regex"));
#[allow(clippy::expect_used)]
static MDY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static DMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})\.?,?\s+(\d{{4}})\b"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static QUARTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(Q[1-4])\s+(\d{4})\b").expect("regex"));
#[allow(clippy::expect_used)]
static METHOD_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+`?(/[A-Za-z0-9_.{}:~/-]*)")
        .expect("regex")
});
#[allow(clippy::expect_used)]
static BARE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(`'\x22])(/[A-Za-z][A-Za-z0-9_.{}:~-]*(?:/[A-Za-z0-9_.{}:~-]+)*/?)")
        .expect("regex")
});

fn month(m: &str) -> Option<i8> {
    let m = m.to_ascii_lowercase();
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|p| m.starts_with(p))
    .map(|i| i as i8 + 1)
}

fn ymd(y: &str, m: i8, d: &str) -> Option<String> {
    let date = jiff::civil::Date::new(y.parse().ok()?, m, d.parse().ok()?).ok()?;
    Some(date.to_string())
}

/// A date found in text: a day, or a quarter kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundDate {
    Day(String),
    Quarter(String),
}

/// Every date in `text`, in order of appearance.
pub fn dates(text: &str) -> Vec<FoundDate> {
    let mut found: Vec<(usize, FoundDate)> = Vec::new();
    for c in ISO.captures_iter(text) {
        if let (Some(m), Some(day)) = (
            c.get(0),
            c[2].parse::<i8>().ok().and_then(|mo| ymd(&c[1], mo, &c[3])),
        ) {
            found.push((m.start(), FoundDate::Day(day)));
        }
    }
    for c in MDY.captures_iter(text) {
        if let (Some(m), Some(day)) = (c.get(0), month(&c[1]).and_then(|mo| ymd(&c[3], mo, &c[2])))
        {
            found.push((m.start(), FoundDate::Day(day)));
        }
    }
    for c in DMY.captures_iter(text) {
        if let (Some(m), Some(day)) = (c.get(0), month(&c[2]).and_then(|mo| ymd(&c[3], mo, &c[1])))
        {
            found.push((m.start(), FoundDate::Day(day)));
        }
    }
    for c in QUARTER.captures_iter(text) {
        if let Some(m) = c.get(0) {
            found.push((
                m.start(),
                FoundDate::Quarter(format!("{} {}", &c[1], &c[2])),
            ));
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    found.into_iter().map(|(_, d)| d).collect()
}

/// The first day-precision date in `text`.
pub fn first_date(text: &str) -> Option<String> {
    dates(text).into_iter().find_map(|d| match d {
        FoundDate::Day(s) => Some(s),
        FoundDate::Quarter(_) => None,
    })
}

fn normalise_date(raw: Option<String>) -> Option<String> {
    let raw = raw?;
    // A full timestamp is read as an instant and dated in UTC, as feeds are, so one
    // moment gets one date whichever format carried it.
    if let Ok(ts) = raw.trim().parse::<jiff::Timestamp>() {
        return Some(ts.to_string().chars().take(10).collect());
    }
    first_date(&raw).or_else(|| {
        let n = crate::spec::model::normalize_date(&raw);
        (n.len() == 10 && n.as_bytes()[4] == b'-').then_some(n)
    })
}

/// Endings that make a path a file, not an endpoint (`.json` is left out: Twilio's
/// and Mandrill's endpoints end in it).
const FILE_EXTENSIONS: &[&str] = &[
    "yaml", "yml", "md", "html", "htm", "txt", "conf", "cfg", "toml", "xml", "pdf", "png", "csv",
    "log", "sh",
];

/// Phrases that say the opposite of the keyword inside them.
const NEGATIONS: &[&str] = &[
    "non-breaking",
    "nonbreaking",
    "not breaking",
    "no breaking",
    "not a breaking",
    "not deprecated",
    "no longer deprecated",
    "un-deprecated",
    "undeprecated",
    "no action is required",
    "no action required",
    "not required",
    "not be removed",
    "not removed",
];
/// Sentences about the docs themselves, not the API.
const HOUSEKEEPING: &[&str] = &[
    "typo",
    "documentation fix",
    "docs only",
    "documentation only",
    "formatting",
    "reference page",
];

/// The lower-cased text keywords are looked for in: housekeeping sentences dropped,
/// negated phrases blanked.
fn signal_text(text: &str) -> String {
    let lower = text.to_lowercase();
    let kept: Vec<&str> = lower
        .split_inclusive(['.', '\n', ';'])
        .filter(|sentence| !HOUSEKEEPING.iter().any(|h| sentence.contains(h)))
        .collect();
    let mut out = kept.concat();
    for n in NEGATIONS {
        out = out.replace(n, " ");
    }
    out
}

/// Classifies a parsed entry.
pub fn classify(raw: RawEntry, operation_ids: &[String], extra: &Keywords) -> Entry {
    let date = normalise_date(raw.date.clone()).or_else(|| first_date(&raw.title));
    let haystack = signal_text(&format!("{}\n{}", raw.title, raw.text));
    let extra_for = |k: Kind| -> &[String] {
        match k {
            Kind::Breaking => &extra.breaking,
            Kind::Deprecation => &extra.deprecation,
            Kind::Sunset => &extra.sunset,
            Kind::Removal => &extra.removal,
            Kind::New => &extra.new,
            Kind::Other => &[],
        }
    };
    let mut kinds: Vec<Kind> = DEFAULTS
        .iter()
        .filter(|(k, words)| {
            words.iter().any(|w| haystack.contains(w))
                || extra_for(*k)
                    .iter()
                    .any(|w| haystack.contains(&w.to_lowercase()))
        })
        .map(|(k, _)| *k)
        .collect();
    let all = format!("{}\n{}", raw.title, raw.text);
    // A sunset date is a date the entry names besides its own: the latest future-looking one.
    let mut sunset_date = None;
    if kinds
        .iter()
        .any(|k| matches!(k, Kind::Sunset | Kind::Deprecation | Kind::Removal))
    {
        let named: Vec<FoundDate> = dates(&all);
        let days: Vec<&String> = named
            .iter()
            .filter_map(|d| match d {
                FoundDate::Day(s) => Some(s),
                FoundDate::Quarter(_) => None,
            })
            .filter(|d| date.as_ref().is_none_or(|own| d.as_str() > own.as_str()))
            .collect();
        sunset_date = days.into_iter().max().cloned().or_else(|| {
            named.iter().find_map(|d| match d {
                FoundDate::Quarter(q) => Some(q.clone()),
                FoundDate::Day(_) => None,
            })
        });
        if sunset_date.is_some() && !kinds.contains(&Kind::Sunset) && haystack.contains("deprecat")
        {
            kinds.push(Kind::Sunset);
        }
    }
    kinds.sort();
    if kinds.is_empty() {
        kinds.push(Kind::Other);
    }
    let mentions = mentions(&all, operation_ids);
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
    }
}

/// Operations mentioned in text.
pub fn mentions(text: &str, operation_ids: &[String]) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    let mut covered = std::collections::HashSet::new();
    for c in METHOD_PATH.captures_iter(text) {
        let path = c[2].trim_end_matches(['.', ',', ':']).to_owned();
        if let Some(m) = c.get(2) {
            covered.insert(m.start());
        }
        out.push(Mention {
            method: Some(c[1].to_owned()),
            path: Some(path),
            operation_id: None,
        });
    }
    for c in BARE_PATH.captures_iter(text) {
        let Some(m) = c.get(1) else { continue };
        if covered.contains(&m.start()) || text[..m.start()].ends_with("://") {
            continue;
        }
        let path = m.as_str().trim_end_matches(['.', ',', ':']).to_owned();
        // A lone word like `/v1` is not an endpoint, nor is a file (`/etc/x.yaml`) or
        // the target of a Markdown link (`[guide](/docs/api)`).
        let file = path.rsplit('/').next().is_some_and(|last| {
            last.rsplit_once('.')
                .is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext))
        });
        let link_target = text[..m.start()].ends_with("](");
        if (path.matches('/').count() < 2 && !path.contains('{')) || file || link_target {
            continue;
        }
        out.push(Mention {
            method: None,
            path: Some(path),
            operation_id: None,
        });
    }
    for id in operation_ids {
        let found = text.match_indices(id.as_str()).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + id.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if found {
            out.push(Mention {
                method: None,
                path: None,
                operation_id: Some(id.clone()),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_vendors_write() {
        let d = dates(
            "Effective 2027-03-01; also March 1, 2027, 1 March 2027, Mar. 2nd, 2027 and Q2 2027. Not 2027-02-30.",
        );
        assert_eq!(
            d,
            [
                FoundDate::Day("2027-03-01".into()),
                FoundDate::Day("2027-03-01".into()),
                FoundDate::Day("2027-03-01".into()),
                FoundDate::Day("2027-03-02".into()),
                FoundDate::Quarter("Q2 2027".into()),
            ]
        );
    }

    #[test]
    fn a_deprecation_with_its_sunset_and_operations() {
        let raw = RawEntry {
            id: None,
            title: "Deprecation: campaign stats (sunset March 1, 2027)".into(),
            date: Some("Thu, 19 Nov 2026 16:00:00 GMT".into()),
            link: None,
            text: "GET /campaigns/{campaign_id}/stats is deprecated. Use getCampaignReport or /reports/campaigns/{id} instead.".into(),
        };
        let e = classify(
            raw,
            &["getCampaignReport".into(), "getCampaign".into()],
            &Keywords::default(),
        );
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
        let raw = |text: &str| RawEntry {
            id: None,
            title: "2.4.2 - 2026-11-20".into(),
            date: None,
            link: None,
            text: text.into(),
        };
        let e = classify(
            raw(
                "Removed a typo in the `DELETE /x` reference page. This is a non-breaking documentation fix; no action is required.",
            ),
            &[],
            &Keywords::default(),
        );
        assert_eq!(e.kinds, [Kind::Other], "{:?}", e.kinds);
        let e = classify(
            raw("`POST /orders` is not deprecated after all."),
            &[],
            &Keywords::default(),
        );
        assert!(!e.kinds.contains(&Kind::Deprecation));
        let e = classify(
            raw("`GET /legacy` is removed. Typo fixes in the docs."),
            &[],
            &Keywords::default(),
        );
        assert_eq!(
            e.kinds,
            [Kind::Removal],
            "the removal sentence still counts"
        );
    }

    #[test]
    fn files_and_doc_links_are_not_endpoints() {
        let m = mentions(
            "see /etc/apiwatch/config.yaml and the [guide](/docs/api/contacts); `GET /v2/contacts/{id}` and /Calls/{Sid}/Feedback.json",
            &[],
        );
        let paths: Vec<&str> = m.iter().filter_map(|m| m.path.as_deref()).collect();
        assert_eq!(paths, ["/Calls/{Sid}/Feedback.json", "/v2/contacts/{id}"]);
    }

    #[test]
    fn contract_keywords_extend_the_defaults() {
        let raw = RawEntry {
            id: None,
            title: "Heads-up: sundowning the v2 export".into(),
            date: None,
            link: None,
            text: String::new(),
        };
        assert_eq!(
            classify(raw.clone(), &[], &Keywords::default()).kinds,
            [Kind::Other]
        );
        let extra = Keywords {
            sunset: vec!["sundowning".into()],
            ..Keywords::default()
        };
        assert_eq!(classify(raw, &[], &extra).kinds, [Kind::Sunset]);
    }
}
