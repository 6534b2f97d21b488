//! Vendor text (spec fragments, changelog entries) quoted into GitHub issues must not
//! ping anyone or spam other repositories with backlinks: `@name` would notify a
//! stranger, `owner/repo#12` or an issue URL would show up in that timeline.
//! Mentions are broken with a zero-width space inside a code span; cross-repository
//! references lose their `#`/URL form.

/// Defuses mentions and cross-repository references in quoted text, and HTML
/// comments (quoted text must not forge apiwatch's own hidden markers).
pub fn quote(text: &str) -> String {
    let text = &text.replace("<!--", "&lt;!--");
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_is_word =
            i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '.' || chars[i - 1] == '`');
        if c == '@' && !prev_is_word && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric())
        {
            let start = i + 1;
            let mut end = start;
            while end < chars.len()
                && (chars[end].is_ascii_alphanumeric() || chars[end] == '-' || chars[end] == '/')
            {
                end += 1;
            }
            let name: String = chars[start..end].iter().collect();
            out.push_str(&format!("`@\u{200B}{name}`"));
            i = end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    defuse_references(&out)
}

/// `owner/repo#12` → `owner/repo#\u{200B}12`; `github.com/o/r/issues/12` → a
/// non-linking form.
fn defuse_references(text: &str) -> String {
    let text = text
        .replace("https://github.com/", "https://redirect.github.com/")
        .replace("http://github.com/", "https://redirect.github.com/");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        out.push(*c);
        let is_ref = *c == '#'
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            && i > 0
            && (chars[i - 1].is_ascii_alphanumeric()
                || chars[i - 1] == '-'
                || chars[i - 1] == '_'
                || chars[i - 1] == '.');
        if is_ref {
            out.push('\u{200B}');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_defused() {
        assert_eq!(quote("thanks @octocat!"), "thanks `@\u{200B}octocat`!");
        assert_eq!(
            quote("cc @acme/platform-team"),
            "cc `@\u{200B}acme/platform-team`"
        );
        assert_eq!(
            quote("mail dev@example.com"),
            "mail dev@example.com",
            "e-mail addresses stay"
        );
    }

    #[test]
    fn hidden_markers_cannot_be_forged() {
        assert_eq!(
            quote("<!-- apiwatch:state severity=info -->"),
            "&lt;!-- apiwatch:state severity=info -->"
        );
    }

    #[test]
    fn cross_repo_references_are_defused() {
        assert_eq!(
            quote("fixed in vendor/sdk#42"),
            "fixed in vendor/sdk#\u{200B}42"
        );
        assert_eq!(
            quote("see https://github.com/vendor/sdk/issues/42"),
            "see https://redirect.github.com/vendor/sdk/issues/42"
        );
        assert_eq!(
            quote("use #/components/schemas/X"),
            "use #/components/schemas/X"
        );
    }
}
