//! HTML changelog pages: entries located by the contract's CSS selectors.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use super::dates::DayOrder;
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

/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "li",
    "br",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "pre",
    "ul",
    "ol",
    "table",
    "section",
    "blockquote",
    "dl",
    "dt",
    "dd",
    "header",
    "footer",
];
/// Elements whose text is a separate word from its neighbours' (`<td>GET</td><td>/v1/x</td>`
/// is `GET /v1/x`, not `GET/v1/x`).
const SEPARATE: &[&str] = &[
    "td", "th", "code", "kbd", "span", "a", "button", "label", "strong", "em", "b", "i", "small",
    "time", "mark", "var", "samp",
];

fn text_within(el: ElementRef<'_>, skip: &HashSet<NodeId>) -> String {
    let mut out = String::new();
    let mut apart = false;
    // The block each text is in: text after a block closes (`<h2>Title</h2>May 1`)
    // is a new paragraph as much as text in a block that opens.
    let mut last_block: Option<NodeId> = None;
    for node in own_nodes(el, skip) {
        if let Some(t) = node.value().as_text() {
            let block = node
                .ancestors()
                .take_while(|a| a.id() != el.id())
                .find(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| BLOCKS.contains(&e.name()))
                })
                .map_or(el.id(), |a| a.id());
            if last_block.is_some_and(|b| b != block) && !t.trim().is_empty() {
                out.push_str("\n\n");
            }
            if !t.trim().is_empty() {
                last_block = Some(block);
            }
            let joins_a_word = out
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || ")]}`'\"".contains(c))
                && t.chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || "/{[(`$@".contains(c));
            if apart && joins_a_word {
                out.push(' ');
            }
            apart = false;
            out.push_str(t);
        } else if let Some(e) = node.value().as_element() {
            if BLOCKS.contains(&e.name()) {
                out.push_str("\n\n");
            } else if SEPARATE.contains(&e.name()) {
                apart = true;
            }
        }
    }
    squash(&out)
}

/// Entries of a page, and the order of day and month its language implies.
pub struct Page {
    pub entries: Vec<RawEntry>,
    pub order: DayOrder,
}

/// Where an entry's labels are looked for without a `labels` selector and without a
/// body selector (with one, everything outside the body, title and date is a label).
const LABEL_CLASSES: &str = ".tag, .tags a, .label, .pill, .badge, .chip, .category, [class*=tag], [class*=label], [class*=badge], [class*=pill], [class*=categor]";

/// A label is a short phrase ("Breaking change", "Tagged: Marketing, Update"), not
/// a byline or a paragraph.
const MAX_LABEL_CHARS: usize = 60;

/// Entries of a page. Malformed HTML is parsed the way browsers do (html5ever), once
/// the page is known to be within the depth budget.
pub fn parse(
    page: &str,
    selectors: &Selectors,
    source_name: &str,
    base_url: Option<&str>,
) -> Result<Page, ChangelogError> {
    budget::check_html_depth(page, source_name)?;
    let doc = Html::parse_document(page);
    let order = doc
        .root_element()
        .value()
        .attr("lang")
        .map(DayOrder::from_locale)
        .unwrap_or_default();
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
    let label_sel = selector(
        selectors.labels.as_deref().unwrap_or(LABEL_CLASSES),
        source_name,
    )?;
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
    let mut missing = Missing::default();
    for el in entries {
        let title_el = first(el, &title_sel, &nested);
        let title = title_el
            .map(|t| text_within(t, &nested))
            .unwrap_or_default();
        let date_el = first(el, &date_sel, &nested);
        let date = date_el.map(|d| {
            d.value()
                .attr("datetime")
                .map(str::to_owned)
                .unwrap_or_else(|| text_within(d, &nested))
        });
        let body_el = body_sel.as_ref().and_then(|sel| first(el, sel, &nested));
        let text = match (&body_sel, body_el) {
            (Some(_), Some(b)) => text_within(b, &nested),
            (Some(_), None) => String::new(),
            (None, _) => text_within(el, &nested),
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
        missing.count(&title, date.as_deref(), &text);
        // The vendor's tags: what the labels selector names; without one, what lies
        // outside the body (when the body is given) or what is classed as a tag.
        let mut labels: Vec<String> = Vec::new();
        let mut add = |t: String| {
            if !t.is_empty() && t.chars().count() <= MAX_LABEL_CHARS && !labels.contains(&t) {
                labels.push(t);
            }
        };
        if selectors.labels.is_none()
            && let Some(body) = body_el
        {
            let mut apart: HashSet<NodeId> = nested.clone();
            apart.extend(
                [Some(body), title_el, date_el]
                    .into_iter()
                    .flatten()
                    .map(|e| e.id()),
            );
            // Links outside the body ("Permalink", "Read more") are not tags.
            let in_link = |n: &NodeRef<'_, Node>| {
                n.ancestors()
                    .take_while(|a| a.id() != el.id())
                    .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a"))
            };
            for node in own_nodes(el, &apart) {
                if let Some(t) = node.value().as_text()
                    && !in_link(&node)
                {
                    add(squash(t));
                }
            }
        } else {
            for l in own_nodes(el, &nested)
                .filter_map(ElementRef::wrap)
                .filter(|e| label_sel.matches_with_scope(e, Some(el)))
            {
                add(text_within(l, &nested));
            }
        }
        out.push(RawEntry {
            id: link.clone().or(anchor),
            title,
            date,
            link,
            text,
            labels,
        });
    }
    missing.check(selectors, out.len(), source_name)?;
    Ok(Page {
        entries: out,
        order,
    })
}

/// How many entries came without what the contract's selectors should find.
#[derive(Default)]
struct Missing {
    title: usize,
    date: usize,
    body: usize,
}

impl Missing {
    fn count(&mut self, title: &str, date: Option<&str>, text: &str) {
        self.title += usize::from(title.is_empty());
        // A date the selector found but that cannot be read fully (`May 4`) is still
        // there: only a selector that finds nothing says the layout changed.
        self.date += usize::from(date.is_none_or(|d| d.trim().is_empty()));
        self.body += usize::from(text.is_empty());
    }

    /// Most entries without a title, date or body the contract names a selector for
    /// is a redesign that kept the entry element: as unreadable as one that did not.
    fn check(&self, sel: &Selectors, n: usize, source_name: &str) -> Result<(), ChangelogError> {
        let checks = [
            ("title", &sel.title, self.title, "no title"),
            ("date", &sel.date, self.date, "no date"),
            ("body", &sel.body, self.body, "no body"),
        ];
        for (what, given, missing, said) in checks {
            if let Some(selector) = given
                && n >= 2
                && missing * 2 > n
            {
                return Err(ChangelogError::Redesign {
                    source_name: source_name.to_owned(),
                    why: format!(
                        "{missing} of {n} entries have {said} (the {what} selector `{selector}` finds nothing in them)"
                    ),
                });
            }
        }
        Ok(())
    }
}
