//! Markdown changelogs: one entry per release heading.
//!
//! Vendors use ATX (`## [1.2.0] - 2026-03-19`) and Setext (`[2026-04-14] Version 2.6.7`
//! underlined with dashes) headings; a document title sits above the entries. A
//! heading with a date or a version is a release at any level; other headings at or
//! below its level ("## Updates", "### Removed") belong to it, and "Unreleased" is
//! skipped.

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
        // Commented-out sections (Keep-a-Changelog templates) are not releases: a
        // comment opens on a line of its own; a `<!--` quoted in a sentence or in
        // code opens nothing, and a complete comment at a line's end is dropped.
        if in_comment {
            in_comment = !t.contains("-->");
            continue;
        }
        if t.trim_start().starts_with("<!--") {
            in_comment = !t.contains("-->");
            continue;
        }
        let t = match t.find("<!--") {
            Some(start) if t[start..].contains("-->") && !t[..start].contains('`') => {
                t[..start].trim_end()
            }
            _ => t,
        };
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
///
/// Every release heading is an entry, whatever its level (semantic-release puts
/// majors at `#` and the rest at `##`). An entry's text runs to the next release
/// heading, or to a heading above its own level that is not a release (a new
/// section of the document, `# Node SDK`). In a file without release headings, the
/// level with the most headings is read instead.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<RawEntry>, ChangelogError> {
    let lines: Vec<&str> = text.lines().collect();
    let hs = headings(&lines);
    let releases: Vec<bool> = hs.iter().map(release).collect();
    let entry_at: Vec<bool> = if releases.contains(&true) {
        releases.clone()
    } else {
        let level = (1..=6)
            .map(|l| {
                (
                    hs.iter().filter(|h| h.level == l).count(),
                    std::cmp::Reverse(l),
                )
            })
            .max()
            .filter(|(n, _)| *n >= 2)
            .map(|(_, std::cmp::Reverse(l))| l);
        let Some(level) = level else {
            return Ok(Vec::new());
        };
        hs.iter().map(|h| h.level == level).collect()
    };
    budget::check_entries(entry_at.iter().filter(|e| **e).count(), source_name)?;
    let mut out: Vec<RawEntry> = Vec::new();
    for (k, h) in hs.iter().enumerate() {
        if !entry_at[k] {
            continue;
        }
        // The body ends at the next entry, or at a section heading above this one.
        let end = hs[k + 1..]
            .iter()
            .zip(&entry_at[k + 1..])
            .find(|(x, is_entry)| **is_entry || x.level < h.level)
            .map_or(lines.len(), |(x, _)| x.line);
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
