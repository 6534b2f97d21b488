//! HTML changelog pages: entries located by the contract's CSS selectors.

use scraper::{ElementRef, Html, Selector};

use super::{ChangelogError, RawEntry, resolve, squash};
use crate::config::Selectors;

/// Whether `s` is a CSS selector the HTML reader can use.
pub fn is_valid_selector(s: &str) -> bool {
    Selector::parse(s).is_ok()
}

fn selector(s: &str, source_name: &str) -> Result<Selector, ChangelogError> {
    Selector::parse(s).map_err(|e| ChangelogError::Selector {
        source_name: source_name.to_owned(),
        selector: s.to_owned(),
        message: e.to_string(),
    })
}

/// Visible text of an element, paragraphs kept apart.
pub fn text_of(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in el.descendants() {
        if let Some(t) = node.value().as_text() {
            out.push_str(t);
        } else if let Some(e) = node.value().as_element()
            && matches!(
                e.name(),
                "p" | "li" | "br" | "div" | "h1" | "h2" | "h3" | "h4" | "tr" | "pre"
            )
        {
            out.push_str("\n\n");
        }
    }
    squash(&out)
}

/// Entries of a page. Malformed HTML is parsed the way browsers do (html5ever).
pub fn parse(
    page: &str,
    selectors: &Selectors,
    source_name: &str,
    base_url: Option<&str>,
) -> Result<Vec<RawEntry>, ChangelogError> {
    let doc = Html::parse_document(page);
    let entry_sel = selector(&selectors.entry, source_name)?;
    let title_sel = selector(
        selectors.title.as_deref().unwrap_or("h1, h2, h3, h4"),
        source_name,
    )?;
    let date_sel = selectors
        .date
        .as_deref()
        .map(|s| selector(s, source_name))
        .transpose()?;
    let body_sel = selectors
        .body
        .as_deref()
        .map(|s| selector(s, source_name))
        .transpose()?;
    // Without a link selector, only a link in the title (or a marked permalink) is the
    // entry's own: links in the body point elsewhere (a migration guide shared by
    // several entries is no id).
    let link_sel = selector(
        selectors.link.as_deref().unwrap_or(
            "h1 a[href], h2 a[href], h3 a[href], h4 a[href], a.permalink[href], a[rel=bookmark]",
        ),
        source_name,
    )?;
    let mut out = Vec::new();
    for el in doc.select(&entry_sel) {
        let title = el
            .select(&title_sel)
            .next()
            .map(text_of)
            .unwrap_or_default();
        let date = match &date_sel {
            Some(sel) => el.select(sel).next().and_then(|d| {
                d.value()
                    .attr("datetime")
                    .map(str::to_owned)
                    .or_else(|| Some(text_of(d)))
            }),
            None => el
                .select(&selector("time", source_name)?)
                .next()
                .and_then(|d| {
                    d.value()
                        .attr("datetime")
                        .map(str::to_owned)
                        .or_else(|| Some(text_of(d)))
                }),
        };
        let text = match &body_sel {
            // The first match: on malformed pages a later entry can nest inside this one.
            Some(sel) => el.select(sel).next().map(text_of).unwrap_or_default(),
            None => text_of(el),
        };
        let link = el
            .select(&link_sel)
            .next()
            .and_then(|a| a.value().attr("href"))
            .map(|h| resolve(h, base_url));
        let anchor = el.value().attr("id").map(|id| match base_url {
            Some(b) => format!("{}#{id}", b.split('#').next().unwrap_or(b)),
            None => format!("#{id}"),
        });
        if title.is_empty() && text.is_empty() {
            continue;
        }
        out.push(RawEntry {
            id: link.clone().or(anchor),
            title,
            date,
            link,
            text,
        });
    }
    Ok(out)
}
