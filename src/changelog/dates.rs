//! Dates in changelog text, in the forms vendors write them.
//!
//! Days: `2027-03-01` (also unpadded, `2018-1-18`, and as the start of an ISO
//! date-time), `2027/03/01`, `20270301`, `March 1, 2027`, `1 March 2027`, and
//! `03.02.2027` or `03/02/2027` when the order of day and month is certain: the two
//! numbers are equal, one of them is over 12, or the page's locale says which comes
//! first. A day without a year (`on November 30`) takes its year from the entry's
//! own date: the first such day on or after it. Coarser points are kept at their
//! precision: `December 2025` is `2025-12`, `Q2 2027` stays as written.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

/// A date found in text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FoundDate {
    /// `YYYY-MM-DD`.
    Day(String),
    /// `YYYY-MM`.
    Month(String),
    /// `Q2 2027`.
    Quarter(String),
}

impl FoundDate {
    /// The date as it is stored: ISO 8601 at its precision, a quarter as written.
    pub fn as_str(&self) -> &str {
        match self {
            FoundDate::Day(s) | FoundDate::Month(s) | FoundDate::Quarter(s) => s,
        }
    }

    /// The first day the date can mean, to order dates of different precision.
    pub fn earliest_day(&self) -> String {
        match self {
            FoundDate::Day(s) => s.clone(),
            FoundDate::Month(s) => format!("{s}-01"),
            FoundDate::Quarter(q) => {
                let (quarter, year) = q.split_once(' ').unwrap_or(("Q1", q));
                let month = match quarter {
                    "Q2" => "04",
                    "Q3" => "07",
                    "Q4" => "10",
                    _ => "01",
                };
                format!("{year}-{month}-01")
            }
        }
    }
}

/// Which number comes first in `03.02.2027`, when the page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DayOrder {
    /// Taken only when the numbers leave no doubt.
    #[default]
    Unknown,
    DayFirst,
    MonthFirst,
}

impl DayOrder {
    /// From a language tag (`<html lang="de">`, a feed's `<language>`): the United
    /// States and a few others write the month first; most of the world the day.
    pub fn from_locale(tag: &str) -> DayOrder {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        if tag.is_empty() {
            return DayOrder::Unknown;
        }
        let region = tag.split('-').nth(1).unwrap_or("");
        let lang = tag.split('-').next().unwrap_or("");
        match (lang, region) {
            // Bare `en` says nothing about the order.
            ("en", "") => DayOrder::Unknown,
            (_, "us" | "ph" | "fm" | "mh" | "pw") => DayOrder::MonthFirst,
            _ => DayOrder::DayFirst,
        }
    }
}

/// What a date in an entry is read against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The entry's own date (`YYYY-MM-DD`): the year of a day written without one.
    pub anchor: Option<&'a str>,
    pub order: DayOrder,
}

const MONTHS: &str = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

#[allow(clippy::expect_used)] // constant patterns, checked by the tests below
static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
        .expect("regex")
});
#[allow(clippy::expect_used)]
static YMD_SLASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w/.-])(\d{4})/(\d{1,2})/(\d{1,2})($|[^\w/])").expect("regex")
});
#[allow(clippy::expect_used)]
static COMPACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w/.-])((?:19|20)\d{2})(\d{2})(\d{2})($|[^\w/.-])").expect("regex")
});
#[allow(clippy::expect_used)]
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w/.-])(\d{1,2})([./])(\d{1,2})[./](\d{4})($|[^\w/])").expect("regex")
});
#[allow(clippy::expect_used)]
static MDY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static DMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\b\.?(?:,?\s+(\d{{4}})\b)?"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static MONTH_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)\b({MONTHS})\.?,?\s+(\d{{4}})\b")).expect("regex"));
#[allow(clippy::expect_used)]
static QUARTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(Q[1-4])\s+(\d{4})\b").expect("regex"));

fn month(m: &str) -> Option<i8> {
    let m = m.to_ascii_lowercase();
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|p| m.starts_with(p))
    .map(|i| i as i8 + 1)
}

fn day(y: i16, m: i8, d: i8) -> Option<String> {
    Some(Date::new(y, m, d).ok()?.to_string())
}

/// The year of a day written without one: the first such day on or after the
/// entry's own date.
fn infer_year(m: i8, d: i8, anchor: Option<&str>) -> Option<String> {
    let anchor: Date = anchor?.get(..10)?.parse().ok()?;
    let this = Date::new(anchor.year(), m, d).ok();
    match this {
        Some(date) if date >= anchor => Some(date.to_string()),
        _ => day(anchor.year().checked_add(1)?, m, d),
    }
}

/// One date found, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub date: FoundDate,
}

/// Every date in `text`, in order of appearance; where two readings overlap, the
/// longer one (`March 1, 2027` rather than `March 2027`... or `March 1`).
pub fn find(text: &str, ctx: Context<'_>) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut push = |start: usize, end: usize, date: Option<FoundDate>| {
        if let Some(date) = date {
            found.push(Found { start, end, date });
        }
    };
    let num = |s: &str| s.parse::<i16>().ok();
    let small = |s: &str| s.parse::<i8>().ok();
    for c in ISO.captures_iter(text) {
        if let (Some(m), Some(lead)) = (c.get(0), c.get(1)) {
            let date = (|| day(num(&c[2])?, small(&c[3])?, small(&c[4])?))();
            push(lead.end(), m.end(), date.map(FoundDate::Day));
        }
    }
    for c in YMD_SLASH
        .captures_iter(text)
        .chain(COMPACT.captures_iter(text))
    {
        if let (Some(lead), Some(tail)) = (c.get(1), c.get(5)) {
            let date = (|| day(num(&c[2])?, small(&c[3])?, small(&c[4])?))();
            push(lead.end(), tail.start(), date.map(FoundDate::Day));
        }
    }
    for c in NUMERIC.captures_iter(text) {
        let (Some(lead), Some(tail)) = (c.get(1), c.get(6)) else {
            continue;
        };
        let (Some(a), Some(b), Some(y)) = (small(&c[2]), small(&c[4]), num(&c[5])) else {
            continue;
        };
        let (d, m) = if a == b || b > 12 {
            (b, a)
        } else if a > 12 {
            (a, b)
        } else {
            match ctx.order {
                DayOrder::DayFirst => (a, b),
                DayOrder::MonthFirst => (b, a),
                DayOrder::Unknown => continue,
            }
        };
        push(lead.end(), tail.start(), day(y, m, d).map(FoundDate::Day));
    }
    // `March 1, 2027` and `1 March 2027`: (pattern, month group, day group); the
    // year is group 3 in both, or inferred from the entry's date.
    for (re, mo_at, d_at) in [(&*MDY, 1, 2), (&*DMY, 2, 1)] {
        for c in re.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            let date = (|| {
                let mo = month(&c[mo_at])?;
                let d = small(&c[d_at])?;
                match c.get(3) {
                    Some(y) => day(num(y.as_str())?, mo, d),
                    None => infer_year(mo, d, ctx.anchor),
                }
            })();
            push(m.start(), m.end(), date.map(FoundDate::Day));
        }
    }
    for c in MONTH_YEAR.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let date = month(&c[1]).map(|mo| FoundDate::Month(format!("{}-{mo:02}", &c[2])));
        push(m.start(), m.end(), date);
    }
    for c in QUARTER.captures_iter(text) {
        if let Some(m) = c.get(0) {
            push(
                m.start(),
                m.end(),
                Some(FoundDate::Quarter(format!("{} {}", &c[1], &c[2]))),
            );
        }
    }
    // Longest first at each place, then drop readings inside an earlier one.
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Found> = Vec::new();
    for f in found {
        if out.last().is_some_and(|last| f.start < last.end) {
            continue;
        }
        out.push(f);
    }
    out
}

/// Every date in `text`, in order of appearance.
pub fn dates(text: &str, ctx: Context<'_>) -> Vec<FoundDate> {
    find(text, ctx).into_iter().map(|f| f.date).collect()
}

/// The first day-precision date in `text`.
pub fn first_day(text: &str, ctx: Context<'_>) -> Option<String> {
    find(text, ctx).into_iter().find_map(|f| match f.date {
        FoundDate::Day(s) => Some(s),
        _ => None,
    })
}

/// An entry's own date from what its source gave (a feed's timestamp, a `<time>`'s
/// `datetime`, a date line): a full timestamp is dated in UTC, as feeds are, so one
/// moment gets one date whichever format carried it.
pub fn entry_date(raw: &str, order: DayOrder) -> Option<String> {
    if let Ok(ts) = raw.trim().parse::<jiff::Timestamp>() {
        return Some(ts.to_string().chars().take(10).collect());
    }
    let ctx = Context {
        anchor: None,
        order,
    };
    first_day(raw, ctx).or_else(|| {
        let n = crate::spec::model::normalize_date(raw);
        (n.len() == 10 && n.as_bytes()[4] == b'-').then_some(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(text: &str, ctx: Context<'_>) -> Vec<String> {
        dates(text, ctx)
            .into_iter()
            .map(|d| d.as_str().to_owned())
            .collect()
    }

    #[test]
    fn the_forms_vendors_write() {
        let ctx = Context::default();
        assert_eq!(
            days(
                "Effective 2027-03-01; also March 1, 2027, 1 March 2027, Mar. 2nd, 2027 and Q2 2027. Not 2027-02-30.",
                ctx
            ),
            [
                "2027-03-01",
                "2027-03-01",
                "2027-03-01",
                "2027-03-02",
                "Q2 2027"
            ]
        );
        assert_eq!(
            days(
                "2026/03/02, 02.02.2026, December 2025, 20250801, 2026-03-02T10:00:00Z, 2018-1-18",
                ctx
            ),
            [
                "2026-03-02",
                "2026-02-02",
                "2025-12",
                "2025-08-01",
                "2026-03-02",
                "2018-01-18"
            ]
        );
    }

    #[test]
    fn day_and_month_only_when_certain() {
        let unknown = Context::default();
        assert_eq!(days("on 03.02.2026", unknown), Vec::<String>::new());
        assert_eq!(days("on 13.02.2026", unknown), ["2026-02-13"]);
        assert_eq!(days("on 02/13/2026", unknown), ["2026-02-13"]);
        let de = Context {
            anchor: None,
            order: DayOrder::from_locale("de-DE"),
        };
        assert_eq!(days("on 03.02.2026", de), ["2026-02-03"]);
        let us = Context {
            anchor: None,
            order: DayOrder::from_locale("en-US"),
        };
        assert_eq!(days("on 03/02/2026", us), ["2026-03-02"]);
        assert_eq!(DayOrder::from_locale("en"), DayOrder::Unknown);
        assert_eq!(DayOrder::from_locale("en-GB"), DayOrder::DayFirst);
    }

    #[test]
    fn a_day_without_a_year_is_the_next_one_after_the_entry() {
        let ctx = Context {
            anchor: Some("2026-10-02"),
            order: DayOrder::Unknown,
        };
        assert_eq!(days("on November 30", ctx), ["2026-11-30"]);
        assert_eq!(days("from 15 January", ctx), ["2027-01-15"]);
        assert_eq!(
            days("on November 30", Context::default()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn paths_versions_and_numbers_are_not_dates() {
        let ctx = Context::default();
        assert_eq!(
            days(
                "GET /2010-04-01/Accounts.json, version 2025-01, id 12345678, v2026.03.02, build 20251399",
                ctx
            ),
            Vec::<String>::new()
        );
    }
}
