//! HTML changelog pages: entries located by the contract's CSS selectors.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use super::{ChangelogError, RawEntry, budget, resolve, squash};
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

/// Elements whose text is not what the page says (code, styles, templates).
const NOT_TEXT: &[&str] = &["script", "style", "template", "noscript"];

/// The nodes under `root`, in document order, without `skip`ped elements (entries
/// nested in this one on a malformed page) and without scripts and styles: each node
/// of a page belongs to one entry, so reading every entry is linear in the page.
fn own_nodes<'a>(
    root: ElementRef<'a>,
    skip: &'a HashSet<NodeId>,
) -> impl Iterator<Item = NodeRef<'a, Node>> + 'a {
    let mut stack: Vec<NodeRef<'a, Node>> = root.children().rev().collect();
    std::iter::from_fn(move || {
        loop {
            let node = stack.pop()?;
            if let Some(e) = node.value().as_element()
                && (skip.contains(&node.id()) || NOT_TEXT.contains(&e.name()))
            {
                continue;
            }
            stack.extend(node.children().rev());
            return Some(node);
        }
    })
}

/// The first element under `root` (not in a nested entry) that `sel` matches.
fn first<'a>(
    root: ElementRef<'a>,
    sel: &Selector,
    skip: &'a HashSet<NodeId>,
) -> Option<ElementRef<'a>> {
    own_nodes(root, skip)
        .filter_map(ElementRef::wrap)
        .find(|e| sel.matches_with_scope(e, Some(root)))
}

/// Visible text of an element, paragraphs kept apart.
pub fn text_of(el: ElementRef<'_>) -> String {
    text_within(el, &HashSet::new())
}

fn text_within(el: ElementRef<'_>, skip: &HashSet<NodeId>) -> String {
    let mut out = String::new();
    for node in own_nodes(el, skip) {
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

/// Entries of a page. Malformed HTML is parsed the way browsers do (html5ever), once
/// the page is known to be within the depth budget.
pub fn parse(
    page: &str,
    selectors: &Selectors,
    source_name: &str,
    base_url: Option<&str>,
) -> Result<Vec<RawEntry>, ChangelogError> {
    budget::check_html_depth(page, source_name)?;
    let doc = Html::parse_document(page);
    let entry_sel = selector(&selectors.entry, source_name)?;
    let title_sel = selector(
        selectors.title.as_deref().unwrap_or("h1, h2, h3, h4"),
        source_name,
    )?;
    let date_sel = selector(selectors.date.as_deref().unwrap_or("time"), source_name)?;
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
    let entries: Vec<ElementRef<'_>> = doc
        .select(&entry_sel)
        .take(budget::MAX_ENTRIES + 1)
        .collect();
    budget::check_entries(entries.len(), source_name)?;
    // On a malformed page a later entry can nest inside this one: it is its own.
    let nested: HashSet<NodeId> = entries.iter().map(|e| e.id()).collect();
    let mut out = Vec::new();
    for el in entries {
        let title = first(el, &title_sel, &nested)
            .map(|t| text_within(t, &nested))
            .unwrap_or_default();
        let date = first(el, &date_sel, &nested).map(|d| {
            d.value()
                .attr("datetime")
                .map(str::to_owned)
                .unwrap_or_else(|| text_within(d, &nested))
        });
        let text = match &body_sel {
            Some(sel) => first(el, sel, &nested)
                .map(|b| text_within(b, &nested))
                .unwrap_or_default(),
            None => text_within(el, &nested),
        };
        let link = first(el, &link_sel, &nested)
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
