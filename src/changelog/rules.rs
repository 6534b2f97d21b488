//! The classification rules: `rules.toml`, read once, plus a contract's keywords.
//!
//! An entry is read a sentence at a time (a bullet, a line, a sentence of a
//! paragraph, and its title): a kind is raised by a sentence that has one of the
//! kind's phrases and none of its negations, and that is neither a plan or policy
//! ("we will announce a sunset date") nor housekeeping ("fix a typo"). Labels the
//! vendor put on the entry raise kinds from their own vocabulary.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::Deserialize;

use super::Kind;
use crate::config::Keywords;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    #[serde(default)]
    markers: Vec<String>,
    phrases: Vec<String>,
    #[serde(default)]
    with_due: Vec<String>,
    negations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelFile {
    breaking: Vec<String>,
    deprecation: Vec<String>,
    sunset: Vec<String>,
    removal: Vec<String>,
    new: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    hypotheticals: Vec<String>,
    housekeeping: Vec<String>,
    breaking: KindFile,
    deprecation: KindFile,
    sunset: KindFile,
    removal: KindFile,
    new: KindFile,
    labels: LabelFile,
}

/// One kind's compiled rules.
pub struct KindRules {
    pub kind: Kind,
    markers: RegexSet,
    phrases: RegexSet,
    with_due: RegexSet,
    negations: RegexSet,
    labels: RegexSet,
}

/// Every kind's rules.
pub struct Rules {
    silent: RegexSet,
    pub kinds: Vec<KindRules>,
}

const SOURCE: &str = include_str!("rules.toml");

fn set(patterns: &[String]) -> Result<RegexSet, regex::Error> {
    RegexSet::new(patterns.iter().map(|p| format!("(?i){p}")))
}

impl Rules {
    fn load() -> Result<Rules, String> {
        let file: RulesFile = toml::from_str(SOURCE).map_err(|e| e.to_string())?;
        let compile = |kind: Kind, k: &KindFile, labels: &[String]| -> Result<KindRules, String> {
            Ok(KindRules {
                kind,
                markers: set(&k.markers).map_err(|e| e.to_string())?,
                phrases: set(&k.phrases).map_err(|e| e.to_string())?,
                with_due: set(&k.with_due).map_err(|e| e.to_string())?,
                negations: set(&k.negations).map_err(|e| e.to_string())?,
                labels: set(labels).map_err(|e| e.to_string())?,
            })
        };
        let silent: Vec<String> = file
            .hypotheticals
            .iter()
            .chain(&file.housekeeping)
            .cloned()
            .collect();
        Ok(Rules {
            silent: set(&silent).map_err(|e| e.to_string())?,
            kinds: vec![
                compile(Kind::Breaking, &file.breaking, &file.labels.breaking)?,
                compile(
                    Kind::Deprecation,
                    &file.deprecation,
                    &file.labels.deprecation,
                )?,
                compile(Kind::Sunset, &file.sunset, &file.labels.sunset)?,
                compile(Kind::Removal, &file.removal, &file.labels.removal)?,
                compile(Kind::New, &file.new, &file.labels.new)?,
            ],
        })
    }

    /// The built-in rules. `rules.toml` is part of the binary and checked by the
    /// tests, so it cannot fail to load in a build that passed them.
    pub fn builtin() -> &'static Rules {
        static RULES: LazyLock<Rules> = LazyLock::new(|| match Rules::load() {
            Ok(r) => r,
            #[allow(clippy::panic)] // a defect of the build, caught by `rules_load`
            Err(e) => panic!("src/changelog/rules.toml: {e}"),
        });
        &RULES
    }

    /// Whether a sentence announces nothing whatever its words (the vendor's own
    /// marks aside).
    pub fn silent(&self, sentence: &str) -> bool {
        self.silent.is_match(sentence) && !self.kinds.iter().any(|k| k.markers.is_match(sentence))
    }

    /// The kinds a section heading ("### Removed", "**Breaking changes**") gives
    /// the items under it.
    pub fn section(&self, heading: &str) -> Vec<Kind> {
        let lower = heading.to_lowercase();
        self.kinds
            .iter()
            .filter(|k| k.labelled(heading) && !k.negated(&lower))
            .map(|k| k.kind)
            .collect()
    }
}

/// How a sentence raises a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raise {
    No,
    Yes,
    /// Only if the sentence names a due point.
    WithDue,
}

impl KindRules {
    /// Whether `sentence` (lower-cased) raises this kind; `extra` are the
    /// contract's plain phrases for it.
    pub fn raises(&self, sentence: &str, extra: &[String]) -> Raise {
        if self.markers.is_match(sentence) {
            return Raise::Yes;
        }
        if self.negations.is_match(sentence) {
            return Raise::No;
        }
        if self.phrases.is_match(sentence)
            || extra.iter().any(|w| sentence.contains(&w.to_lowercase()))
        {
            Raise::Yes
        } else if self.with_due.is_match(sentence) {
            Raise::WithDue
        } else {
            Raise::No
        }
    }

    /// Whether the sentence says the opposite of this kind (or is about something
    /// else), so that its section's heading does not give it the kind either.
    pub fn negated(&self, sentence: &str) -> bool {
        !self.markers.is_match(sentence) && self.negations.is_match(sentence)
    }

    /// Whether one of the vendor's labels raises this kind ("Non-breaking change"
    /// does not raise `breaking`).
    pub fn labelled(&self, label: &str) -> bool {
        self.labels.is_match(label.trim()) && !self.negated(&label.to_lowercase())
    }
}

/// A contract's extra phrases for a kind.
pub fn extra(keywords: &Keywords, kind: Kind) -> &[String] {
    match kind {
        Kind::Breaking => &keywords.breaking,
        Kind::Deprecation => &keywords.deprecation,
        Kind::Sunset => &keywords.sunset,
        Kind::Removal => &keywords.removal,
        Kind::New => &keywords.new,
        Kind::Other => &[],
    }
}

/// Whether the full stop between `before` and `after` follows an abbreviation.
fn abbreviation(before: &str, after: &str) -> bool {
    const SHORT: &[&str] = &[
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g",
        "i.e", "etc", "vs", "approx", "no", "fig", "inc", "ltd", "co", "mr", "ms", "dr", "st",
    ];
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    SHORT.contains(&word.as_str())
        || word.chars().count() == 1
        || after
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit())
}

/// The sentences of an entry: its lines, and the sentences within a line.
pub fn sentences(text: &str) -> impl Iterator<Item = String> {
    #[allow(clippy::expect_used)] // a constant pattern, checked by the tests
    static END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[.!?;](\s+|$)|\n").expect("regex"));
    // A bullet wrapped over several lines is one sentence.
    #[allow(clippy::expect_used)]
    static WRAPPED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\n[ \t]+([^-*+\s])").expect("regex"));
    let joined = WRAPPED.replace_all(text, " $1").into_owned();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let rest = &joined[at..];
            if rest.is_empty() {
                return None;
            }
            // A full stop after an abbreviation (`Sept. 30`, `e.g. the`) or before a
            // lower-case word ends no sentence.
            let end = END
                .find_iter(rest)
                .find(|m| {
                    !(m.as_str().starts_with('.')
                        && abbreviation(&rest[..m.start()], &rest[m.end()..]))
                })
                .map_or(rest.len(), |m| m.end());
            let sentence = rest[..end].trim().to_owned();
            at += end;
            if !sentence.is_empty() {
                return Some(sentence);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_load() {
        let rules = Rules::load().unwrap();
        assert_eq!(rules.kinds.len(), 5);
    }

    #[test]
    fn sentences_split_at_ends_and_lines() {
        let s: Vec<String> =
            sentences("Version 1.2 is out. It removes `a.b`; see v2.0.1\n- next item!").collect();
        assert_eq!(
            s,
            [
                "Version 1.2 is out.",
                "It removes `a.b`;",
                "see v2.0.1",
                "- next item!"
            ]
        );
    }
}
