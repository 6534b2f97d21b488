//! A conservative model of where GitHub turns `@login` into a live mention.
//!
//! Shared by the `sanitize` fuzz target and `tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]`), so both judge the sanitiser by one rule.
//!
//! The model follows CommonMark for the parts that hide text from the mention
//! filter (code spans, fenced code blocks) and decodes what turns into an `@` in
//! the rendered text (`&#64;`, `&#x40;`, `&commat;`, `\@`). The mention rule is
//! html-pipeline's `MentionFilter`: an `@` at the start of a text node or after a
//! non-word character (`[^A-Za-z0-9_]`, ASCII only, as in Ruby), then a login
//! (`[A-Za-z0-9][A-Za-z0-9-]*`) that is not followed by a word character; an
//! `@org/team` team mention counts too. It errs on the strict side: indented code
//! blocks, HTML and link destinations are treated as plain text.

/// One character of rendered text and whether it sits in code (no mentions there).
#[derive(Debug, Clone, Copy)]
struct Cell {
    ch: char,
    code: bool,
}

/// The live mentions in `markdown`, as the logins (or `org/team`) they would ping.
pub fn live_mentions(markdown: &str) -> Vec<String> {
    let cells = render(markdown);
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
                push_code(&mut out, line);
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
    out.extend(text.chars().map(|ch| Cell { ch, code: true }));
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
            });
            i += 2;
        } else if c == '&' {
            let (ch, used) = entity(&chars[i..]).unwrap_or(('&', 1));
            out.push(Cell { ch, code: false });
            i += used;
        } else if c == '`' {
            let n = run(&chars, i);
            match closing(&chars, i + n, n) {
                Some(close) => {
                    push_code(out, &chars[i..close + n].iter().collect::<String>());
                    i = close + n;
                }
                None => {
                    out.extend((0..n).map(|_| Cell {
                        ch: '`',
                        code: false,
                    }));
                    i += n;
                }
            }
        } else {
            out.push(Cell { ch: c, code: false });
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
    } else if let Some(hex) = body
        .strip_prefix("#x")
        .or_else(|| body.strip_prefix("#X"))
    {
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
