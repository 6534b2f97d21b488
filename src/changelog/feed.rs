//! RSS and Atom feeds (feed-rs reads RSS 0.9–2.0, Atom and JSON Feed alike).

use super::{ChangelogError, RawEntry, budget, resolve, squash};

pub fn parse(
    bytes: &[u8],
    source_name: &str,
    base_url: Option<&str>,
) -> Result<Vec<RawEntry>, ChangelogError> {
    let parser = match base_url {
        Some(uri) => feed_rs::parser::Builder::new().base_uri(Some(uri)).build(),
        None => feed_rs::parser::Builder::new().build(),
    };
    let feed = parser.parse(bytes).map_err(|e| ChangelogError::Parse {
        source_name: source_name.to_owned(),
        message: format!("not a readable RSS/Atom feed: {e}"),
    })?;
    budget::check_entries(feed.entries.len(), source_name)?;
    feed.entries
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
            let id = (!e.id.is_empty()).then_some(e.id).or_else(|| link.clone());
            // Vendors tag entries ("Breaking change", "Deprecation"): that is signal too.
            let categories: Vec<String> = e
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                .collect();
            let mut text = plain(&body, source_name)?;
            if !categories.is_empty() {
                text.push_str(&format!("\n\nCategories: {}", categories.join(", ")));
            }
            Ok(RawEntry {
                id,
                title,
                date,
                link,
                text,
            })
        })
        .collect()
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
