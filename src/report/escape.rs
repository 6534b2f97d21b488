//! Text from vendors (spec fragments, changelog entries, a server's headers and
//! error pages) rendered into Markdown that GitHub shows: issue bodies, the job
//! summary, `report.md`. Whatever the text holds, it must not ping anyone (`@name`),
//! link into an issue's timeline (`#12`, `GH-12`, `owner/repo#12`, an issue URL),
//! embed markup (`<img>`, `<a href>`, `![](…)`, `[x](…)`), forge apiwatch's hidden
//! markers (`<!-- -->`), or close a code span or fence apiwatch opened.
//!
//! Three renderings, each safe for any input:
//! - [`code`]: an inline code span whose fence is longer than any backtick run in
//!   the text (GitHub renders nothing inside code: no mention, no link, no HTML);
//! - [`fenced`]: a code block, the same way;
//! - [`text`]: running text, where backtick-quoted parts become [`code`] spans and
//!   the rest is escaped (links, HTML and code delimiters backslash- or
//!   entity-escaped, every `@` and `#` that GitHub could link broken with a
//!   zero-width space). Emphasis is left as written: it cannot link or ping.

/// Breaks a mention or reference without changing how the text reads.
const ZWSP: char = '\u{200B}';

/// A link to github.com, whatever the case of its host: GitHub would add it to the
/// linked issue's timeline. `redirect.github.com` links are not.
#[allow(clippy::expect_used)] // a constant pattern, checked by the tests below
static GITHUB_URL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)(?:https?://)?(?:[^\s/@]*@)?(?:www\.)?github\.com/").expect("regex")
});

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Inside code, `<!--` is inert, but apiwatch finds its own hidden markers by
/// their text: a quoted one is broken so that it can never be taken for one.
fn unmarked(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("<!--") {
        std::borrow::Cow::Owned(text.replace("<!--", "<!\u{200B}--"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `text` as one inline code span, on one line.
pub fn code(text: &str) -> String {
    let one_line: String = unmarked(text)
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if one_line.trim().is_empty() {
        return "` `".to_owned();
    }
    let fence = "`".repeat(longest_backtick_run(&one_line) + 1);
    // A span that starts or ends with a backtick needs a space against its fence.
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

/// `text` as a fenced code block (`info` after the opening fence), each line
/// prefixed with `indent`; no line of the text can close it.
pub fn fenced(text: &str, info: &str, indent: &str) -> String {
    // CommonMark ends a line at a lone `\r` too: a line `str::lines` would not split
    // there would lose its indent and end the block early.
    let text = unmarked(text).replace("\r\n", "\n").replace('\r', "\n");
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    let mut out = format!("{indent}{fence}{info}\n");
    for line in text.lines() {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(indent);
    out.push_str(&fence);
    out.push('\n');
    out
}

/// Running text on one line: `quoted` parts (between single backticks) as code
/// spans, everything else escaped.
pub fn text(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(one_line.len() + 16);
    let mut rest = one_line.as_str();
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        match after.find('`') {
            Some(close) if close > 0 => {
                prose(&rest[..open], &mut out);
                out.push_str(&code(&after[..close]));
                rest = &after[close + 1..];
            }
            _ => {
                prose(&rest[..=open], &mut out);
                rest = after;
            }
        }
    }
    prose(rest, &mut out);
    out
}

/// Escapes running text into `out`.
fn prose(s: &str, out: &mut String) {
    let s = GITHUB_URL.replace_all(s, "https://redirect.github.com/");
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            // A mention needs no word character before it; an e-mail address has one.
            // Emphasis is left alone, so `_x_@name` counts as a boundary too.
            '@' if next.is_some_and(|n| n.is_ascii_alphanumeric())
                && !prev.is_some_and(|p| p.is_ascii_alphanumeric()) =>
            {
                out.push('@');
                out.push(ZWSP);
            }
            '#' if next.is_some_and(|n| n.is_ascii_digit()) => {
                out.push('#');
                out.push(ZWSP);
            }
            '-' if next.is_some_and(|n| n.is_ascii_digit())
                && i >= 2
                && chars[i - 2..i]
                    .iter()
                    .collect::<String>()
                    .eq_ignore_ascii_case("gh") =>
            {
                out.push('-');
                out.push(ZWSP);
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether GitHub could render a mention of `login` in `md`, outside code: an
    /// `@login` whose `@` is not after a word character and not broken by a ZWSP.
    fn live_mention(md: &str, login: &str) -> bool {
        let mut in_code = false;
        let mut outside = String::new();
        let mut run = 0;
        let mut fence = 0;
        for c in md.chars().chain(std::iter::once('\0')) {
            if c == '`' {
                run += 1;
                continue;
            }
            if run > 0 {
                if !in_code {
                    in_code = true;
                    fence = run;
                } else if run == fence {
                    in_code = false;
                }
                run = 0;
                outside.push(' ');
            }
            if !in_code {
                outside.push(c);
            }
        }
        let needle = format!("@{login}");
        outside.match_indices(&needle).any(|(i, _)| {
            !outside[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphanumeric())
        })
    }

    #[test]
    fn no_mention_survives_whatever_precedes_it() {
        for attack in [
            "thanks @octocat!",
            "`x`@octocat",
            "a `b` c`@octocat",
            "``@octocat``",
            "**x**@octocat",
            "_x_@octocat",
            "~~x~~@octocat",
            "<b>x</b>@octocat",
            "x.@octocat",
            "text/html; charset=utf-8; @octocat",
            "[link](https://x)@octocat",
            "`unclosed @octocat",
            "```\n@octocat\n```",
            "\\`@octocat",
        ] {
            let md = text(attack);
            assert!(!live_mention(&md, "octocat"), "{attack:?} -> {md:?}");
        }
        assert_eq!(text("mail dev@example.com"), "mail dev@example.com");
    }

    #[test]
    fn references_markup_and_markers_are_inert() {
        assert_eq!(text("fixed in #42"), "fixed in #\u{200B}42");
        assert_eq!(text("see GH-42"), "see GH-\u{200B}42");
        assert_eq!(text("vendor/sdk#42"), "vendor/sdk#\u{200B}42");
        for url in [
            "https://github.com/o/r/issues/1",
            "https://GitHub.com/o/r/issues/1",
            "HTTP://WWW.GITHUB.COM/o/r/issues/1",
            "https://x@github.com/o/r/issues/1",
            "www.github.com/o/r/issues/1",
        ] {
            assert_eq!(
                text(url),
                "https://redirect.github.com/o/r/issues/1",
                "{url}"
            );
        }
        assert_eq!(
            text("<img src=x onerror=y> ![t](https://e/x.png) <!-- apiwatch:issue=k -->"),
            "&lt;img src=x onerror=y&gt; !\\[t\\](https://e/x.png) &lt;!-- apiwatch:issue=k --&gt;"
        );
        assert_eq!(
            text("use #/components/schemas/X"),
            "use #/components/schemas/X"
        );
    }

    #[test]
    fn quoted_parts_stay_code_and_code_cannot_be_closed_from_inside() {
        assert_eq!(text("property `name` removed"), "property `name` removed");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(
            code("<!-- apiwatch:state x -->"),
            "`<!\u{200B}-- apiwatch:state x -->`"
        );
        let block = fenced("x\r@octocat <img src=x>\r\ny", "diff", "  ");
        assert_eq!(
            block, "  ```diff\n  x\n  @octocat <img src=x>\n  y\n  ```\n",
            "a lone CR keeps its indent"
        );
        let block = fenced("```\n@octocat\n````", "diff", "  ");
        assert!(
            block.starts_with("  `````diff\n") && block.ends_with("  `````\n"),
            "{block}"
        );
    }
}
