//! What one changelog page may cost before it is read.
//!
//! Pages come from vendors' servers and CDNs; a broken or hostile one must not hang
//! the night. The checks here run before any parsing: a page over its size budget,
//! HTML nested deeper than browsers' own pages ever are (html5ever's tree builder
//! scans the open elements for each tag, so depth costs time per tag), or more
//! entries than a changelog has, is refused as unreadable, with the reason.

use super::ChangelogError;

/// The largest changelog page read (real ones are well under 1 MiB).
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// How deeply HTML elements may nest (real pages stay under 40).
pub const MAX_DEPTH: usize = 256;

/// Entries one changelog may hold; a page with more is refused rather than trimmed,
/// since which entries a trimmed page would drop is not ours to choose.
pub const MAX_ENTRIES: usize = 5_000;

/// How far down the open elements an end tag looks for its start tag; an end tag
/// without one close by is ignored, as browsers do for stray end tags.
const END_TAG_REACH: usize = 64;

/// Elements that never hold content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];

/// Elements whose end tag may be left out: the next sibling closes them, so they do
/// not nest by accident.
const IMPLIED_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
    "colgroup", "caption", "html", "head", "body",
];

/// Elements whose content is text, not markup.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

fn over(source_name: &str, what: String) -> ChangelogError {
    ChangelogError::OverBudget {
        source_name: source_name.to_owned(),
        what,
    }
}

/// Refuses a page over the size budget.
pub fn check_size(len: usize, source_name: &str) -> Result<(), ChangelogError> {
    if len > MAX_PAGE_BYTES {
        return Err(over(
            source_name,
            format!("{len} bytes, over the {MAX_PAGE_BYTES}-byte budget for a changelog page"),
        ));
    }
    Ok(())
}

/// Refuses a page with more entries than the budget; `seen` may stop counting at
/// one past the budget.
pub fn check_entries(seen: usize, source_name: &str) -> Result<(), ChangelogError> {
    if seen > MAX_ENTRIES {
        return Err(over(
            source_name,
            format!("more than {MAX_ENTRIES} entries, over the budget for one changelog"),
        ));
    }
    Ok(())
}

/// Refuses HTML nested deeper than [`MAX_DEPTH`], in one pass over the markup.
///
/// The count follows tags the way a browser builds the tree closely enough to bound
/// its depth: void and self-closing-by-omission elements do not nest, raw text
/// (scripts, styles) holds no tags, comments are skipped, and an end tag closes its
/// nearest start tag with whatever was left open inside it.
pub fn check_html_depth(page: &str, source_name: &str) -> Result<(), ChangelogError> {
    let depth = html_depth(page, MAX_DEPTH);
    if depth > MAX_DEPTH {
        return Err(over(
            source_name,
            format!("HTML nested more than {MAX_DEPTH} elements deep, over the budget"),
        ));
    }
    Ok(())
}

/// The deepest nesting of `page`, counted up to one past `stop`.
pub fn html_depth(page: &str, stop: usize) -> usize {
    let bytes = page.as_bytes();
    let mut open: Vec<&str> = Vec::new();
    let mut deepest = 0;
    // Open `<svg>`/`<math>` elements: inside them, `<x/>` closes itself.
    let mut foreign = 0usize;
    let is_foreign = |n: &str| n.eq_ignore_ascii_case("svg") || n.eq_ignore_ascii_case("math");
    let mut i = 0;
    while let Some(lt) = memchr(b'<', bytes, i) {
        i = lt + 1;
        let rest = &page[i..];
        if rest.starts_with("!--") {
            // `<!-->` and `<!--->` end at once (as browsers read them); otherwise the
            // comment ends at the first `-->` or `--!>`.
            i = if rest.starts_with("!-->") {
                i + 4
            } else if rest.starts_with("!--->") {
                i + 5
            } else {
                let plain = find_from(page, "-->", i + 3).map(|e| e + 3);
                let bang = find_from(page, "--!>", i + 3).map(|e| e + 4);
                match (plain, bang) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).unwrap_or(bytes.len()),
                }
            };
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('?') {
            i = memchr(b'>', bytes, i).map_or(bytes.len(), |e| e + 1);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = &page[name_start..name_start + name_len];
        let end = tag_end(bytes, name_start + name_len);
        i = end;
        let lower = name.to_ascii_lowercase();
        if closing {
            let reach = open.len().saturating_sub(END_TAG_REACH);
            if let Some(at) = open[reach..]
                .iter()
                .rposition(|o| o.eq_ignore_ascii_case(name))
            {
                foreign -= open[reach + at..].iter().filter(|o| is_foreign(o)).count();
                open.truncate(reach + at);
            }
            continue;
        }
        if VOID.contains(&lower.as_str()) || IMPLIED_END.contains(&lower.as_str()) {
            continue;
        }
        if RAW_TEXT.contains(&lower.as_str()) {
            let close = format!("</{lower}");
            i = find_from_ignore_case(page, &close, i).unwrap_or(bytes.len());
            continue;
        }
        if foreign > 0 && bytes[end.saturating_sub(2)..end] == *b"/>" {
            continue;
        }
        foreign += usize::from(is_foreign(name));
        open.push(name);
        deepest = deepest.max(open.len());
        if deepest > stop {
            break;
        }
    }
    deepest
}

/// Where a tag that starts at `from` (after its name) ends: past its `>`. A quote
/// opens a value only right after `=` (spaces allowed), as the tokenizer reads it.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    let mut after_equals = false;
    for (k, b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (None, b'"' | b'\'') if after_equals => quote = Some(*b),
            (Some(q), b) if *b == q => quote = None,
            (None, b'>') => return k + 1,
            _ => {}
        }
        if quote.is_none() && !b.is_ascii_whitespace() {
            after_equals = *b == b'=';
        }
    }
    bytes.len()
}

fn memchr(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|b| *b == needle)
        .map(|p| p + from)
}

fn find_from(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    haystack.get(from..)?.find(needle).map(|p| p + from)
}

/// Finds an ASCII `needle` (lower case) ignoring case, in linear time.
fn find_from_ignore_case(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let n = needle.as_bytes();
    let mut i = from;
    while let Some(lt) = memchr(n[0], bytes, i) {
        if bytes.len() >= lt + n.len() && bytes[lt..lt + n.len()].eq_ignore_ascii_case(n) {
            return Some(lt);
        }
        i = lt + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_markup_is_shallow_and_hostile_nesting_is_deep() {
        let page = "<!DOCTYPE html><html><head><style>a<b{}</style><script>if (a<b) x('<div>')</script></head>\
            <body><main><article id=a><h2>T</h2><p>one<p>two<ul><li>x<li>y</ul><br><img src=x>\
            <!-- <div><div><div> --><svg><path d='M0'/></svg></article></main></body></html>";
        assert_eq!(html_depth(page, 100), 3, "main > article > ul (or svg)");
        let icons = format!("<svg>{}</svg>", "<path d='M0 0'/>".repeat(1000));
        assert_eq!(html_depth(&icons, 300), 1, "self-closed inside svg");
        assert!(
            html_depth(&"<div/>".repeat(1000), 300) > 300,
            "HTML ignores the slash"
        );
        assert!(html_depth(&"<div>".repeat(1000), 300) > 300);
        assert!(html_depth(&"<article><h2>t</h2><p>x".repeat(1000), 300) > 300);
        // Stray and unclosed inline elements inside closed blocks do not add up.
        assert!(html_depth(&"<div><b>x<span>y</div>".repeat(10_000), 300) <= 3);
        // Upper-case and attributes with `>` in quotes.
        assert_eq!(html_depth("<DIV title='a>b'><Div>x</div></DIV>", 10), 2);
        assert_eq!(html_depth("<a title = \"x>y\">t</a>", 10), 1);
    }

    /// Markup that tokenizers read differently must not hide depth from the scan.
    #[test]
    fn tricks_that_hid_depth_from_the_scan_are_seen() {
        let deep = "<div>".repeat(1000);
        for hide in ["<!-->", "<!--->", "<!-- x --!>", "<div '>", "<p \"a>"] {
            assert!(html_depth(&format!("{hide}{deep}"), 300) > 300, "{hide}");
        }
        // Ruby annotations outside <ruby> nest.
        assert!(html_depth(&"<rt>x".repeat(1000), 300) > 300);
    }
}
