//! CHANGELOG: vendor changelog pages and feeds in, dated and classified entries out.
//!
//! Vendors announce deprecations and breaking changes in changelogs weeks before the
//! spec changes. This stage does the reading:
//!
//! - [`html`], [`feed`] and [`markdown`] turn a page (CSS selectors per contract), an
//!   RSS/Atom feed, or a Markdown file (entries by heading) into [`Entry`] values with
//!   a stable id, title, date, link (resolved against the page URL) and plain text;
//! - [`classify`] tags each entry (breaking, deprecation, sunset, removal, new),
//!   extracts dates in the forms vendors write them and the operations it mentions;
//! - [`compare`] tells new, edited and vanished entries apart from the snapshot under
//!   `snapshots/<contract>/changelog.json`, and [`findings`] turns new announcements
//!   that touch operations in use into findings that join the spec-diff ones.
//!
//! A page whose selectors stop matching (a redesign) is itself a finding, never a
//! silent "no news".

pub mod budget;
pub mod classify;
pub mod compare;
pub mod dates;
pub mod feed;
pub mod findings;
pub mod html;
pub mod markdown;
pub mod mentions;
pub mod rules;

use serde::{Deserialize, Serialize};

use crate::config::{ChangelogKind, Selectors};

pub use budget::MAX_ENTRIES;

/// What an entry announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Breaking,
    Deprecation,
    Sunset,
    Removal,
    New,
    Other,
}

/// An operation an entry mentions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mention {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
}

impl Mention {
    /// How it is written: the operationId, else `METHOD /path` or `/path`.
    pub fn shown(&self) -> String {
        match (&self.method, &self.path, &self.operation_id) {
            (_, _, Some(id)) => id.clone(),
            (Some(m), Some(p), None) => format!("{m} {p}"),
            (_, Some(p), None) => p.clone(),
            (_, None, None) => String::new(),
        }
    }
}

/// One changelog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable across runs: the permalink, the feed's guid, or a hash of title + date.
    pub id: String,
    pub title: String,
    /// ISO 8601 date, or null when the entry has none.
    pub date: Option<String>,
    pub link: Option<String>,
    pub text: String,
    pub kinds: Vec<Kind>,
    /// When what the entry announces stops working: `YYYY-MM-DD`, `YYYY-MM`,
    /// `Q2 2027`, or `version 2025-01` when the vendor names a version.
    pub sunset_date: Option<String>,
    pub mentions: Vec<Mention>,
    /// The vendor's own tags on the entry ("Breaking change", "Deprecation").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// An entry as a parser found it, before classification.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub id: Option<String>,
    pub title: String,
    pub date: Option<String>,
    pub link: Option<String>,
    pub text: String,
    /// Tags, pills and feed categories: the vendor's own marking of the entry.
    pub labels: Vec<String>,
}

/// Why a changelog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChangelogError {
    #[error("{source_name}: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: not read: {what}")]
    OverBudget { source_name: String, what: String },
    /// Content, but no entry in it: the wrong kind, selectors that match nothing,
    /// a page that changed its layout.
    #[error("{source_name}: no changelog entries found: {why}")]
    NoEntries { source_name: String, why: String },
    /// Entries found, but most without what the selectors should find in them: a
    /// redesign that kept the entry element.
    #[error("{source_name}: {why} — did the page change its layout?")]
    Redesign { source_name: String, why: String },
    #[error("{source_name}: bad selector `{selector}`: {message}")]
    Selector {
        source_name: String,
        selector: String,
        message: String,
    },
}

impl ChangelogError {
    /// Whether the source was read but its layout is not what the contract says
    /// (as opposed to unreadable bytes).
    pub fn is_layout(&self) -> bool {
        matches!(
            self,
            ChangelogError::NoEntries { .. } | ChangelogError::Redesign { .. }
        )
    }
}

/// Guesses the kind of a changelog from its bytes and name.
pub fn detect_kind(bytes: &[u8], name: &str) -> ChangelogKind {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    if name.ends_with(".md") || name.ends_with(".markdown") {
        ChangelogKind::Markdown
    } else if head.contains("<rss") {
        ChangelogKind::Rss
    } else if head.contains("<feed") {
        ChangelogKind::Atom
    } else if head.trim_start().starts_with('<') {
        ChangelogKind::Html
    } else {
        ChangelogKind::Markdown
    }
}

/// Decodes bytes to text: BOM, then the document's own charset declaration, then UTF-8.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let declared = content_type
        .and_then(|ct| ct.split("charset=").nth(1))
        .map(|c| {
            c.trim_matches(|ch: char| ch == '"' || ch.is_whitespace())
                .to_owned()
        })
        .or_else(|| {
            let head =
                String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
            let i = head.find("charset=")?;
            let rest = &head[i + 8..];
            let rest = rest.trim_start_matches(['"', '\'']);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            Some(rest[..end].to_owned())
        });
    let encoding = declared
        .and_then(|d| encoding_rs::Encoding::for_label(d.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Where a changelog document came from and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// File path or URL, for messages.
    pub name: &'a str,
    pub kind: ChangelogKind,
    pub selectors: Option<&'a Selectors>,
    /// The page's URL, to resolve relative links.
    pub base_url: Option<&'a str>,
    /// The `Content-Type` it was served with (its charset is honoured).
    pub content_type: Option<&'a str>,
}

/// Parses a changelog document into classified entries; `known` holds what of the
/// pinned spec(s) is worth recognising in the text.
pub fn parse(
    bytes: &[u8],
    source: &Source<'_>,
    known: &mentions::Known,
    extra_keywords: &classify::Keywords,
) -> Result<Vec<Entry>, ChangelogError> {
    let Source {
        name: source_name,
        kind,
        selectors,
        base_url,
        content_type,
    } = *source;
    budget::check_size(bytes.len(), source_name)?;
    let no_entries = |why: String| ChangelogError::NoEntries {
        source_name: source_name.to_owned(),
        why,
    };
    if String::from_utf8_lossy(bytes).trim().is_empty() {
        return Err(no_entries("it is empty".into()));
    }
    let (raw, order) = match kind {
        ChangelogKind::Html => {
            let text = decode(bytes, content_type);
            let default = Selectors {
                entry: "article".into(),
                ..Selectors::default()
            };
            let page = html::parse(&text, selectors.unwrap_or(&default), source_name, base_url)?;
            (page.entries, page.order)
        }
        ChangelogKind::Rss | ChangelogKind::Atom => {
            let feed = feed::parse(bytes, source_name, base_url)?;
            (feed.entries, feed.order)
        }
        ChangelogKind::Markdown => (
            markdown::parse(&decode(bytes, content_type), source_name)?,
            dates::DayOrder::Unknown,
        ),
    };
    budget::check_entries(raw.len(), source_name)?;
    if raw.is_empty() {
        return Err(no_entries(why_none(bytes, kind, selectors)));
    }
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<Entry> = Vec::new();
    for r in raw {
        let mut entry = classify::classify(r, known, extra_keywords, order);
        match seen.get(&entry.id) {
            // Pages repeat entries (a "latest" box above the list): keep the first.
            // Without a permalink the id is title and date, which two different
            // posts can share: only the same text is a repeat then.
            Some(&i)
                if kind != ChangelogKind::Markdown
                    && out[i].title == entry.title
                    && (!entry.id.starts_with("entry-") || out[i].text == entry.text) =>
            {
                continue;
            }
            // Two releases of one title (in two sections of a file, or two
            // untitled posts) stay two entries: the later one is numbered.
            Some(_) => {
                let base = entry.id.clone();
                let mut n = 2;
                while seen.contains_key(&format!("{base}-{n}")) {
                    n += 1;
                }
                entry.id = format!("{base}-{n}");
            }
            None => {}
        }
        seen.insert(entry.id.clone(), out.len());
        out.push(entry);
    }
    Ok(out)
}

/// Why a document with content gave no entries, and what to do about it.
fn why_none(bytes: &[u8], kind: ChangelogKind, selectors: Option<&Selectors>) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let looks_html = head.trim_start().starts_with('<');
    let looks_markdown = head
        .lines()
        .any(|l| l.starts_with("# ") || l.starts_with("## ") || l.starts_with("[20"));
    match kind {
        ChangelogKind::Html if !looks_html && looks_markdown => {
            "read as HTML, but it looks like Markdown (kind = \"markdown\")".into()
        }
        ChangelogKind::Html => format!(
            "the entry selector `{}` matches nothing on the page",
            selectors.map_or("article", |s| s.entry.as_str())
        ),
        ChangelogKind::Rss | ChangelogKind::Atom => "the feed has no items".into(),
        ChangelogKind::Markdown if looks_html => {
            "read as Markdown, but it looks like an HTML page (kind = \"html\", with selectors)"
                .into()
        }
        ChangelogKind::Markdown => {
            "no release headings (such as `## [1.2.0] - 2026-03-19` or `[2026-03-19] Version 1.2.0`) in the Markdown".into()
        }
    }
}

/// A stable id for an entry without a permalink or guid.
/// Stable id for an entry without a permalink: title and date, and the start of the
/// text when there is no title (untitled entries differ by what they say).
pub fn derived_id(title: &str, date: Option<&str>, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let key = if title.trim().is_empty() {
        format!(
            "{}\0{}\0{}",
            title.trim(),
            date.unwrap_or(""),
            text.chars().take(200).collect::<String>()
        )
    } else {
        // Unchanged for titled entries: snapshots key on it.
        format!("{}\0{}", title.trim(), date.unwrap_or(""))
    };
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("entry-{hex}")
}

/// Collapses runs of whitespace, as pages indent their text freely.
pub fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, para) in text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&para);
    }
    out
}

/// Markdown link targets (`[guide](/docs/x)`) made absolute against the page they
/// are on, so that a reader of an issue elsewhere can follow them. Done where an
/// entry is quoted, not in the snapshot: stored texts stay as the vendor wrote them.
pub fn absolute_links(text: &str, base_url: &str) -> String {
    #[allow(clippy::expect_used)] // a constant pattern, checked by the tests
    static TARGET: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\]\(([^()\s]+)\)").expect("regex"));
    TARGET
        .replace_all(text, |c: &regex::Captures<'_>| {
            let target = &c[1];
            if target.contains("://") || target.starts_with("mailto:") {
                c[0].to_owned()
            } else {
                format!("]({})", resolve(target, Some(base_url)))
            }
        })
        .into_owned()
}

/// Resolves a link against the page it was found on.
pub fn resolve(link: &str, base_url: Option<&str>) -> String {
    match base_url.and_then(|b| reqwest::Url::parse(b).ok()) {
        Some(base) => base
            .join(link)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| link.to_owned()),
        None => link.to_owned(),
    }
}
