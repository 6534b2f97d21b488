//! Markdown changelogs: one entry per heading at the level that carries the releases.
//!
//! Vendors use ATX (`## [1.2.0] - 2026-03-19`) and Setext (`[2026-04-14] Version 2.6.7`
//! underlined with dashes) headings; a document title sits above the entries. The
//! entry level is the shallowest level with several headings, preferring one whose
//! headings carry dates; at that level, undated headings in a dated changelog (a stray
//! "## Updates") fold into the entry above, and "Unreleased" is skipped.

use std::sync::LazyLock;

use regex::Regex;

use super::dates::{Context, first_day};
use super::{ChangelogError, RawEntry, budget};

struct Heading {
    line: usize,
    level: usize,
    text: String,
}

fn headings(lines: &[&str]) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut in_comment = false;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") || t.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Commented-out sections (Keep-a-Changelog templates) are not releases.
        if in_comment {
            in_comment = !t.contains("-->");
            continue;
        }
        if let Some(start) = t.find("<!--") {
            in_comment = !t[start..].contains("-->");
            continue;
        }
        if t.starts_with('#') {
            let level = t.chars().take_while(|c| *c == '#').count();
            let rest = &t[level..];
            if level <= 6 && (rest.is_empty() || rest.starts_with(' ')) {
                out.push(Heading {
                    line: i,
                    level,
                    text: rest.trim().trim_end_matches('#').trim().to_owned(),
                });
            }
            continue;
        }
        // `[2021-06-09] Version 1.4.4` alone on its line after a blank one is a
        // release line whose underline was forgotten: a level-2 heading like its
        // Setext neighbours.
        let underlined = lines.get(i + 1).is_some_and(|n| {
            let n = n.trim();
            n.len() >= 3 && (n.chars().all(|c| c == '=') || n.chars().all(|c| c == '-'))
        });
        if !underlined && RELEASE_LINE.is_match(t) && (i == 0 || lines[i - 1].trim().is_empty()) {
            out.push(Heading {
                line: i,
                level: 2,
                text: t.trim().to_owned(),
            });
            continue;
        }
        // Setext: a non-empty line underlined by === (level 1) or --- (level 2).
        if let Some(next) = lines.get(i + 1) {
            let n = next.trim();
            let underline =
                n.len() >= 3 && (n.chars().all(|c| c == '=') || n.chars().all(|c| c == '-'));
            let plain = !t.trim().is_empty()
                && !t.starts_with(['-', '*', '+', '>', ' ', '|'])
                && !t.trim_start().starts_with("```");
            if underline && plain {
                out.push(Heading {
                    line: i,
                    level: if n.starts_with('=') { 1 } else { 2 },
                    text: t.trim().to_owned(),
                });
            }
        }
    }
    out
}

#[allow(clippy::expect_used)] // a constant pattern, checked by the tests below
static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\[?(?:version|release|v)?\s*\[?v?\d+\.\d+(?:\.\d+)*(?:[-+][0-9a-z.-]+)?\]?(?:$|[\s:(,\]-])|\bversion\s+v?\d+(?:\.\d+)+",
    )
    .expect("regex")
});

#[allow(clippy::expect_used)]
static RELEASE_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[\d{4}-\d{1,2}-\d{1,2}\]\s+Version\s+\S+\s*$").expect("regex"));

/// Whether a heading names a release: it carries a date or looks like a version
/// (`9.7.0`, `[1.0.0]`, `v2.3`, `Version 1.55.0`), dated or not.
fn release(h: &Heading) -> bool {
    first_day(&h.text, Context::default()).is_some()
        || VERSION.is_match(h.text.trim_start_matches('`'))
}

/// Entries of a Markdown changelog; more than [`super::MAX_ENTRIES`] is refused.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<RawEntry>, ChangelogError> {
    let lines: Vec<&str> = text.lines().collect();
    let hs = headings(&lines);
    // The entry level: the one with the most release headings (the shallowest of
    // equals); in a changelog without any, the level with the most headings.
    let count =
        |l: usize, f: &dyn Fn(&Heading) -> bool| hs.iter().filter(|h| h.level == l && f(h)).count();
    let by_release = (1..=6)
        .map(|l| (count(l, &release), std::cmp::Reverse(l)))
        .max()
        .filter(|(n, _)| *n > 0);
    let level = match by_release {
        Some((_, std::cmp::Reverse(l))) => l,
        None => match (1..=6)
            .map(|l| (count(l, &|_| true), std::cmp::Reverse(l)))
            .max()
            .filter(|(n, _)| *n >= 2)
        {
            Some((_, std::cmp::Reverse(l))) => l,
            None => return Ok(Vec::new()),
        },
    };
    // Entry headings, each with its place among all headings.
    let at: Vec<(usize, &Heading)> = hs
        .iter()
        .enumerate()
        .filter(|(_, h)| h.level == level)
        .collect();
    budget::check_entries(at.len(), source_name)?;
    // In a changelog of releases, another heading at their level ("## Updates",
    // "## Fixed") belongs to the release above it.
    let releases_only = by_release.is_some();
    let mut out: Vec<RawEntry> = Vec::new();
    for (i, &(k, h)) in at.iter().enumerate() {
        let next = at.get(i + 1).map_or(hs.len(), |(n, _)| *n);
        // Stop the body at a heading above the entry level (a new document section);
        // only the headings between this entry and the next are looked at.
        let end = hs[k + 1..next]
            .iter()
            .find(|x| x.level < level)
            .or(hs.get(next))
            .map_or(lines.len(), |x| x.line);
        let body_start = if lines
            .get(h.line + 1)
            .is_some_and(|l| l.trim().chars().all(|c| c == '-' || c == '=') && !l.trim().is_empty())
        {
            h.line + 2
        } else {
            h.line + 1
        };
        let body = lines
            .get(body_start..end)
            .map(|b| b.join("\n"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let title = h.text.replace("**", "");
        if title.to_ascii_lowercase().contains("unreleased") {
            continue;
        }
        if releases_only && !release(h) {
            // Folded only into a release of the same section: one above a higher
            // heading would join two sections.
            let same_section = i > 0 && !hs[at[i - 1].0 + 1..k].iter().any(|x| x.level < level);
            if same_section && let Some(prev) = out.last_mut() {
                prev.text.push_str(&format!("\n\n{title}\n\n{body}"));
            }
            continue;
        }
        let date = first_day(&title, Context::default());
        out.push(RawEntry {
            id: None,
            title,
            date,
            link: None,
            text: body,
            labels: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atx_entries_with_dates_and_a_folded_undated_heading() {
        let md = "# Changelog\n\n## [Unreleased]\n- wip\n\n## [2.0.0] - 2026-03-19\n### Removed\n- old thing\n\n## Updates\n- note\n\n## [1.9.0] - 2025-09-23\n- added\n";
        let e = parse(md, "CHANGELOG.md").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].date.as_deref(), Some("2026-03-19"));
        assert!(e[0].text.contains("old thing") && e[0].text.contains("note"));
        assert_eq!(e[1].title, "[1.9.0] - 2025-09-23");
    }

    #[test]
    fn a_single_release_with_sections_and_commented_templates() {
        let md = "# Changelog\n\n<!--\n## 0.0.4 - 2020-01-04\n-->\n\n## [1.0.0] - 2026-01-01\n### Removed\n- `GET /legacy`\n### Added\n- more\n";
        let e = parse(md, "CHANGELOG.md").unwrap();
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].date.as_deref(), Some("2026-01-01"));
        assert!(e[0].text.contains("GET /legacy") && e[0].text.contains("more"));
    }

    #[test]
    fn setext_entries() {
        let md = "vendor changelog\n================\n\n[2026-04-14] Version 2.6.7\n--------------------------\n**Api**\n- Deprecate `GET /x`\n\n[2026-03-01] Version 2.6.6\n--------------------------\n- fix\n";
        let e = parse(md, "CHANGELOG.md").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].date.as_deref(), Some("2026-04-14"));
        assert!(e[0].text.contains("Deprecate"));
    }
}
