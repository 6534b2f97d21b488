//! A conservative model of where GitHub turns `@login` into a live mention.
//!
//! Shared by the `sanitize` fuzz target and `tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]`), so both judge `report::escape` by one rule.
//!
//! The model follows CommonMark for the parts that hide text from the mention
//! filter (code spans, fenced code blocks) and decodes what turns into an `@` in
//! the rendered text (`&#64;`, `&#x40;`, `&commat;`, `\@`); GFM table cells are
//! split at unescaped pipes first ([`table_cell_mentions`]). The mention rule is
//! html-pipeline's `MentionFilter`: an `@` at the start of a text node or after a
//! non-word character (`[^A-Za-z0-9_]`, ASCII only, as in Ruby), then a login
//! (`[A-Za-z0-9][A-Za-z0-9-]*`) that is not followed by a word character; an
//! `@org/team` team mention counts too. It errs on the strict side: indented code
//! blocks, HTML and link destinations are treated as plain text.

/// One character of rendered text: whether it sits in code (no mentions, links or
/// HTML there) and whether it was written escaped (`\[`, an entity).
#[derive(Debug, Clone, Copy)]
struct Cell {
    ch: char,
    code: bool,
    escaped: bool,
}

/// The live mentions in `markdown`, as the logins (or `org/team`) they would ping.
pub fn live_mentions(markdown: &str) -> Vec<String> {
    mentions_in(&render(markdown))
}

/// [`live_mentions`] of a GFM table cell's content: the row is split at pipes not
/// escaped by a backslash (even inside code spans), then `\|` reads as `|`.
pub fn table_cell_mentions(cell: &str) -> Vec<String> {
    let chars: Vec<char> = cell.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('\\', Some('|')) => {
                current.push('|');
                i += 2;
            }
            ('|', _) => {
                parts.push(std::mem::take(&mut current));
                i += 1;
            }
            (c, _) => {
                current.push(c);
                i += 1;
            }
        }
    }
    parts.push(current);
    parts.iter().flat_map(|p| live_mentions(p)).collect()
}

/// Whether all of `markdown` but whitespace renders as code (spans or fenced blocks).
pub fn all_code(markdown: &str) -> bool {
    render(markdown)
        .iter()
        .all(|c| c.code || c.ch.is_whitespace())
}

/// What in `markdown` GitHub would turn into a link or markup outside code: an
/// issue reference (`#12`, `GH-12`), an autolinked `github.com` URL (hosts are
/// case-insensitive), or an unescaped `<`, `[` or `]`. Each as a short description.
pub fn live_links(markdown: &str) -> Vec<String> {
    let rendered = render(markdown);
    let mut found = Vec::new();
    for (i, c) in rendered.iter().enumerate().filter(|(_, c)| !c.code) {
        let next = rendered.get(i + 1).filter(|n| !n.code).map(|n| n.ch);
        if !c.escaped && matches!(c.ch, '<' | '[' | ']') {
            found.push(format!("markup {:?}", c.ch));
        }
        if c.ch == '#' && next.is_some_and(|n| n.is_ascii_digit()) {
            found.push("issue reference #N".to_owned());
        }
    }
    // Code breaks the text: NUL stands for it.
    let plain: String = rendered
        .iter()
        .map(|c| if c.code { '\0' } else { c.ch })
        .collect();
    let lower = plain.to_ascii_lowercase();
    if (0..10).any(|d| lower.contains(&format!("gh-{d}"))) {
        found.push("issue reference GH-N".to_owned());
    }
    for scheme in ["https://", "http://"] {
        for (i, _) in plain.match_indices(scheme) {
            if lower[i + scheme.len()..].starts_with("github.com/") {
                found.push(format!("link {}", &plain[i..]));
            }
        }
    }
    found
}

fn mentions_in(cells: &[Cell]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if c.code || c.ch != '@' {
            continue;
        }
        // A code span just before starts a new text node: `^` matches there.
        let starts_node = match i.checked_sub(1).map(|p| cells[p]) {
            None => true,
            Some(prev) => prev.code || !is_word(prev.ch),
        };
        if !starts_node {
            continue;
        }
        if let Some(login) = mention_at(&cells[i + 1..]) {
            found.push(login);
        }
    }
    found
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The login after an `@`, when what follows makes it a mention.
fn mention_at(rest: &[Cell]) -> Option<String> {
    let text: Vec<char> = rest.iter().take_while(|c| !c.code).map(|c| c.ch).collect();
    if !text.first().is_some_and(char::is_ascii_alphanumeric) {
        return None;
    }
    let len = text
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '-')
        .count();
    let login: String = text[..len].iter().collect();
    let after = &text[len..];
    match after.first() {
        None => Some(login),
        Some('/') => {
            // `@org/team`: a team slug starts with a letter.
            let slug: String = after[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '-' || **c == '_')
                .collect();
            slug.starts_with(|c: char| c.is_ascii_alphabetic())
                .then(|| format!("{login}/{slug}"))
        }
        Some('.') => {
            // Dots then the end, a space, or a non-word character.
            let dots = after.iter().take_while(|c| **c == '.').count();
            match after.get(dots) {
                None => Some(login),
                Some(c) if !is_word(*c) => Some(login),
                Some(_) => None,
            }
        }
        Some(c) if !is_word(*c) => Some(login),
        Some(_) => None,
    }
}

/// Rendered characters of a document: fenced blocks and code spans marked as code,
/// escapes and `@` entities decoded. Paragraphs (split at blank lines) pair their
/// backticks separately, as CommonMark does.
fn render(markdown: &str) -> Vec<Cell> {
    let mut out = Vec::new();
    let mut paragraph = String::new();
    let mut fence: Option<(char, usize)> = None;
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let opener = fence_marker(trimmed).filter(|_| indent <= 3);
        match (fence, opener) {
            (Some((ch, n)), Some((c2, m)))
                if ch == c2 && m >= n && trimmed.trim_start_matches(ch).trim().is_empty() =>
            {
                push_code(&mut out, line);
                fence = None;
            }
            (Some(_), _) => push_code(&mut out, line),
            (None, Some(marker)) => {
                inline(&mut out, &std::mem::take(&mut paragraph));
                push_code(&mut out, line);
                fence = Some(marker);
            }
            (None, None) if line.trim().is_empty() => {
                inline(&mut out, &std::mem::take(&mut paragraph));
                push_text(&mut out, line);
            }
            (None, None) => paragraph.push_str(line),
        }
    }
    inline(&mut out, &paragraph);
    out
}

fn fence_marker(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = line.chars().take_while(|c| *c == ch).count();
    // A backtick fence's info string may not contain a backtick.
    (n >= 3 && !(ch == '`' && line[n..].contains('`'))).then_some((ch, n))
}

fn push_code(out: &mut Vec<Cell>, text: &str) {
    out.extend(text.chars().map(|ch| Cell {
        ch,
        code: true,
        escaped: false,
    }));
}

fn push_text(out: &mut Vec<Cell>, text: &str) {
    out.extend(text.chars().map(|ch| Cell {
        ch,
        code: false,
        escaped: false,
    }));
}

/// One paragraph's inline content: backslash escapes, entities, code spans.
fn inline(out: &mut Vec<Cell>, text: &str) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1).is_some_and(char::is_ascii_punctuation) {
            out.push(Cell {
                ch: chars[i + 1],
                code: false,
                escaped: true,
            });
            i += 2;
        } else if c == '&' {
            let (cell, used) = match entity(&chars[i..]) {
                Some((ch, used)) => (
                    Cell {
                        ch,
                        code: false,
                        escaped: true,
                    },
                    used,
                ),
                None => (
                    Cell {
                        ch: '&',
                        code: false,
                        escaped: false,
                    },
                    1,
                ),
            };
            out.push(cell);
            i += used;
        } else if c == '`' {
            let n = run(&chars, i);
            match closing(&chars, i + n, n) {
                Some(close) => {
                    push_code(out, &chars[i..close + n].iter().collect::<String>());
                    i = close + n;
                }
                None => {
                    push_text(out, &"`".repeat(n));
                    i += n;
                }
            }
        } else {
            out.push(Cell {
                ch: c,
                code: false,
                escaped: false,
            });
            i += 1;
        }
    }
}

/// Length of the backtick run at `at`.
fn run(chars: &[char], at: usize) -> usize {
    chars[at..].iter().take_while(|c| **c == '`').count()
}

/// Start of the next backtick run of exactly `n` from `from`.
fn closing(chars: &[char], from: usize, n: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let m = run(chars, j);
            if m == n {
                return Some(j);
            }
            j += m;
        } else {
            j += 1;
        }
    }
    None
}

/// An entity that decodes to `@` (or any numeric one), and how many chars it used.
fn entity(chars: &[char]) -> Option<(char, usize)> {
    let end = chars.iter().take(34).position(|c| *c == ';')?;
    let body: String = chars[1..end].iter().collect();
    let ch = if body == "commat" {
        '@'
    } else if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
        (!hex.is_empty() && hex.len() <= 6)
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .and_then(char::from_u32)?
    } else if let Some(dec) = body.strip_prefix('#') {
        (!dec.is_empty() && dec.len() <= 7 && dec.chars().all(|c| c.is_ascii_digit()))
            .then(|| dec.parse::<u32>().ok())
            .flatten()
            .and_then(char::from_u32)?
    } else {
        return None;
    };
    Some((ch, end + 1))
}

#[cfg(test)]
mod tests {
    use super::live_mentions;

    #[test]
    fn the_model_sees_mentions_where_github_renders_them() {
        assert_eq!(live_mentions("hi @octocat!"), ["octocat"]);
        assert_eq!(live_mentions("@octocat"), ["octocat"]);
        assert_eq!(live_mentions("cc @acme/platform"), ["acme/platform"]);
        assert_eq!(live_mentions("`x`@octocat"), ["octocat"]);
        assert_eq!(live_mentions("a &#64;octocat"), ["octocat"]);
        assert_eq!(live_mentions("@octocat."), ["octocat"]);
    }

    #[test]
    fn table_cells_split_at_unescaped_pipes() {
        assert_eq!(super::table_cell_mentions("`a|@octocat`"), ["octocat"]);
        assert!(super::table_cell_mentions("`a\\|@octocat`").is_empty());
        assert!(super::all_code("``a`b``"));
        assert!(!super::all_code("`a` b"));
    }

    #[test]
    fn the_model_sees_links_outside_code_only() {
        assert_eq!(super::live_links("see #12").len(), 1);
        assert_eq!(super::live_links("GH-3").len(), 1);
        assert_eq!(
            super::live_links("https://GitHub.com/o/r/issues/1").len(),
            1
        );
        assert_eq!(super::live_links("<img> [x]").len(), 3);
        assert!(super::live_links("`#12` \\[x\\] &lt; #\u{200B}1").is_empty());
    }

    #[test]
    fn the_model_sees_no_mention_where_github_renders_none() {
        assert!(live_mentions("mail dev@example.com").is_empty());
        assert!(live_mentions("`@octocat`").is_empty());
        assert!(live_mentions("``a ` @octocat``").is_empty());
        assert!(live_mentions("```\n@octocat\n```\n").is_empty());
        assert!(live_mentions("@\u{200B}octocat").is_empty());
        assert!(live_mentions("@octo_cat").is_empty());
        assert!(live_mentions("@octocat.x").is_empty());
    }
}
