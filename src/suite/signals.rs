//! Live deprecation signals in response headers: `Sunset` (RFC 8594, an
//! HTTP-date), `Deprecation` (RFC 9745's `@<epoch seconds>`, and the older `true`
//! and HTTP-date forms vendors still send), `Link` with `rel="sunset"`,
//! `"deprecation"` or `"successor-version"`, and `Warning: 299`.

use reqwest::header::HeaderMap;

/// What a response said about its operation's end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    /// `YYYY-MM-DD` from `Sunset`.
    pub sunset: Option<String>,
    /// Whether `Deprecation` (or a `Warning: 299`) marks it deprecated.
    pub deprecated: bool,
    /// `YYYY-MM-DD` from a dated `Deprecation`.
    pub deprecated_on: Option<String>,
    /// Links: `rel="sunset"` / `"deprecation"` (documentation) and `"successor-version"`.
    pub sunset_link: Option<String>,
    pub deprecation_link: Option<String>,
    pub successor: Option<String>,
    /// The text of a `Warning: 299`.
    pub warning: Option<String>,
    /// A header that was there but could not be read, for the message.
    pub unreadable: Vec<String>,
}

impl Signals {
    pub fn any(&self) -> bool {
        self.sunset.is_some() || self.deprecated
    }
}

/// Reads the signals of `headers`.
pub fn read(headers: &HeaderMap) -> Signals {
    let mut s = Signals::default();
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
            .collect()
    };
    if let Some(v) = values("sunset").into_iter().next() {
        match http_date(&v) {
            Some(d) => s.sunset = Some(d),
            None => s.unreadable.push(format!("Sunset: {v}")),
        }
    }
    if let Some(v) = values("deprecation").into_iter().next() {
        s.deprecated = true;
        if let Some(epoch) = v.strip_prefix('@') {
            match epoch
                .parse::<i64>()
                .ok()
                .and_then(|e| jiff::Timestamp::from_second(e).ok())
            {
                Some(t) => s.deprecated_on = Some(t.strftime("%Y-%m-%d").to_string()),
                None => s.unreadable.push(format!("Deprecation: {v}")),
            }
        } else if v.eq_ignore_ascii_case("true") {
        } else if v.eq_ignore_ascii_case("false") {
            s.deprecated = false;
        } else {
            match http_date(&v) {
                Some(d) => s.deprecated_on = Some(d),
                None => s.unreadable.push(format!("Deprecation: {v}")),
            }
        }
    }
    for v in values("link") {
        for (target, rels) in links(&v) {
            for rel in rels {
                match rel.as_str() {
                    "sunset" => s.sunset_link = Some(target.clone()),
                    "deprecation" => s.deprecation_link = Some(target.clone()),
                    "successor-version" => s.successor = Some(target.clone()),
                    _ => {}
                }
            }
        }
    }
    for v in values("warning") {
        if let Some(rest) = v.strip_prefix("299") {
            s.deprecated = true;
            let text = rest
                .split('"')
                .nth(1)
                .map_or_else(|| rest.trim().to_owned(), str::to_owned);
            s.warning = Some(text);
        }
    }
    s
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` as `1994-11-06`; also the ISO 8601 forms some
/// vendors send instead (`2026-12-31T00:00:00Z`, `2026-12-31`).
fn http_date(v: &str) -> Option<String> {
    if let Ok(t) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(v) {
        return Some(t.strftime("%Y-%m-%d").to_string());
    }
    if let Ok(t) = v.parse::<jiff::Timestamp>() {
        return Some(t.strftime("%Y-%m-%d").to_string());
    }
    v.parse::<jiff::civil::Date>().ok().map(|d| d.to_string())
}

/// `<https://a>; rel="sunset", <https://b>; rel="successor-version next"`.
fn links(v: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = v;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let target = rest[start + 1..start + end].to_owned();
        let after = &rest[start + end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        let rels = params
            .split(';')
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim().eq_ignore_ascii_case("rel").then(|| {
                    v.trim()
                        .trim_end_matches(',')
                        .trim()
                        .trim_matches('"')
                        .to_owned()
                })
            })
            .flat_map(|v| {
                v.split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect::<Vec<_>>()
            })
            .collect();
        out.push((target, rels));
        rest = &after[params_end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn reads_every_form_vendors_send() {
        let s = read(&headers(&[
            ("Sunset", "Wed, 11 Nov 2026 23:59:59 GMT"),
            ("Deprecation", "@1688169599"),
            (
                "Link",
                "<https://dev.example/v2/contacts>; rel=\"successor-version\", <https://dev.example/deprecations>; rel=\"deprecation\"",
            ),
        ]));
        assert_eq!(s.sunset.as_deref(), Some("2026-11-11"));
        assert!(s.deprecated);
        assert_eq!(s.deprecated_on.as_deref(), Some("2023-06-30"));
        assert_eq!(
            s.successor.as_deref(),
            Some("https://dev.example/v2/contacts")
        );
        assert_eq!(
            s.deprecation_link.as_deref(),
            Some("https://dev.example/deprecations")
        );

        let old = read(&headers(&[
            ("Deprecation", "true"),
            ("Warning", "299 - \"Deprecated API: use /v3\""),
        ]));
        assert!(old.deprecated && old.deprecated_on.is_none());
        assert_eq!(old.warning.as_deref(), Some("Deprecated API: use /v3"));

        let dated = read(&headers(&[(
            "Deprecation",
            "Sun, 01 Mar 2026 00:00:00 GMT",
        )]));
        assert_eq!(dated.deprecated_on.as_deref(), Some("2026-03-01"));

        let iso = read(&headers(&[("Sunset", "2026-12-31T00:00:00Z")]));
        assert_eq!(iso.sunset.as_deref(), Some("2026-12-31"));
        let bad = read(&headers(&[("Sunset", "soon")]));
        assert!(bad.sunset.is_none());
        assert_eq!(bad.unreadable, vec!["Sunset: soon".to_owned()]);
        assert!(!read(&headers(&[("Warning", "110 - \"stale\"")])).any());
    }
}
