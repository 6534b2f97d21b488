//! RSS and Atom feeds (feed-rs reads RSS 0.9–2.0, Atom and JSON Feed alike).
//!
//! An item's identity is its guid; without one, its link alone (a title edited by
//! the vendor is an edit, not a new entry) unless other items share that link (then
//! the link and a hash of title and date); without either, a hash of what it says.
//! Categories ("Action Required", "Deprecation") are the entry's labels.

use super::dates::DayOrder;
use super::{ChangelogError, RawEntry, budget, derived_id, resolve, squash};

/// Entries of a feed, and the order of day and month its language implies.
pub struct Feed {
    pub entries: Vec<RawEntry>,
    pub order: DayOrder,
}

pub fn parse(
    bytes: &[u8],
    source_name: &str,
    base_url: Option<&str>,
) -> Result<Feed, ChangelogError> {
    // feed-rs invents an id for an item without a guid (from link and title, or at
    // random): identity is decided here instead.
    let builder = feed_rs::parser::Builder::new().id_generator(|_, _, _| String::new());
    let parser = match base_url {
        Some(uri) => builder.base_uri(Some(uri)).build(),
        None => builder.build(),
    };
    let feed = parser.parse(bytes).map_err(|e| ChangelogError::Parse {
        source_name: source_name.to_owned(),
        message: format!("not a readable RSS/Atom feed: {e}"),
    })?;
    budget::check_entries(feed.entries.len(), source_name)?;
    let order = feed
        .language
        .as_deref()
        .map(DayOrder::from_locale)
        .unwrap_or_default();
    // How many items share each link: a link several items point at (the
    // changelog's own page) is no identity for any of them.
    let mut links: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for e in &feed.entries {
        if let Some(l) = e.links.first() {
            *links.entry(resolve(&l.href, base_url)).or_default() += 1;
        }
    }
    let entries = feed
        .entries
        .into_iter()
        .map(|e| {
            let title = match e.title {
                Some(t) => plain(&t.content, source_name)?,
                None => String::new(),
            };
            let date = e
                .published
                .or(e.updated)
                .map(|d| d.format("%Y-%m-%d").to_string());
            let link = e.links.first().map(|l| resolve(&l.href, base_url));
            let body = e
                .content
                .and_then(|c| c.body)
                .or_else(|| e.summary.map(|s| s.content))
                .unwrap_or_default();
            let text = plain(&body, source_name)?;
            let id = if !e.id.trim().is_empty() {
                e.id
            } else if let Some(link) = link.as_ref().filter(|l| links.get(*l) == Some(&1)) {
                link.clone()
            } else if let Some(link) = &link {
                // A shared link: the link and what the item is.
                format!("{link}#{}", derived_id(&title, date.as_deref(), &text))
            } else {
                // Neither guid nor link: what the item says is all there is.
                derived_id(&title, date.as_deref(), &text)
            };
            let labels: Vec<String> = e
                .categories
                .iter()
                .map(|c| squash(c.label.as_deref().unwrap_or(&c.term)))
                .filter(|l| !l.is_empty())
                .collect();
            Ok(RawEntry {
                id: Some(id),
                title,
                date,
                link,
                text,
                labels,
            })
        })
        .collect::<Result<Vec<_>, ChangelogError>>()?;
    Ok(Feed { entries, order })
}

/// Feed bodies are often HTML: keep the words (within the depth budget).
fn plain(html: &str, source_name: &str) -> Result<String, ChangelogError> {
    if html.contains('<') {
        budget::check_html_depth(html, source_name)?;
        let frag = scraper::Html::parse_fragment(html);
        Ok(super::html::text_of(frag.root_element()))
    } else {
        Ok(squash(html))
    }
}
