//! Which way a changed `pattern` moved, shown by example.
//!
//! Two regular expressions cannot be compared in general, but a change can be
//! shown: strings are drawn from each pattern's syntax tree (the shortest and
//! longest repetitions, the ends of each character range, every alternative), and a
//! string the old pattern accepts that the new one refuses proves the pattern
//! narrowed. No such string found says nothing for sure, so it stays a plain
//! "pattern changed". ECMA-262 syntax the Rust parser does not know (look-arounds,
//! back-references) is left undecided the same way.

use regex_syntax::hir::{Class, Hir, HirKind};

/// How many strings one node of the tree contributes, at most.
const SAMPLES: usize = 48;
/// Repetitions without an upper bound are tried this far past their minimum.
const UNBOUNDED: u32 = 40;
/// No sample grows longer than this (nested repetitions multiply).
const LONGEST: usize = 2048;

/// What a changed pattern does to the strings it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Some string accepted before is refused now (`narrowed`) and/or some string
    /// refused before is accepted now (`widened`): one example of each.
    Moved {
        narrowed: Option<String>,
        widened: Option<String>,
    },
    /// No example found either way (or a pattern could not be read).
    Unknown,
    /// The two read as the same expression (`\\d` and `[0-9]`): no change.
    Same,
}

pub fn compare(from: &str, to: &str) -> Verdict {
    let (Some((old, old_tree)), Some((new, new_tree))) = (compile(from), compile(to)) else {
        return Verdict::Unknown;
    };
    if old_tree == new_tree {
        return Verdict::Same;
    }
    let narrowed = samples(&old_tree)
        .into_iter()
        .find(|s| old.is_match(s) && !new.is_match(s));
    let widened = samples(&new_tree)
        .into_iter()
        .find(|s| new.is_match(s) && !old.is_match(s));
    if narrowed.is_none() && widened.is_none() {
        Verdict::Unknown
    } else {
        Verdict::Moved { narrowed, widened }
    }
}

fn compile(pattern: &str) -> Option<(regex::Regex, Hir)> {
    let pattern = &ecma_classes(pattern);
    let tree = regex_syntax::ParserBuilder::new()
        .nest_limit(64)
        .build()
        .parse(pattern)
        .ok()?;
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .ok()?;
    Some((re, tree))
}

/// ECMA-262's `\d` and `\w` are ASCII (Rust's are Unicode): spelled out, so that
/// `^\d+$` and `^[0-9]+$` read the same. Inside a class the spelled-out class nests
/// (`[\d-]` → `[[0-9]-]`), which Rust reads as a union.
fn ecma_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn samples(h: &Hir) -> Vec<String> {
    let mut out = match h.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
        HirKind::Class(Class::Unicode(class)) => {
            let mut chars = Vec::new();
            for r in class.ranges() {
                chars.push(r.start());
                chars.push(r.end());
                if let Some(mid) = char::from_u32((u32::from(r.start()) + u32::from(r.end())) / 2) {
                    chars.push(mid);
                }
            }
            spread(chars.into_iter().map(String::from).collect())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut chars = Vec::new();
            for r in class.ranges() {
                chars.extend([r.start(), r.end()].map(char::from));
            }
            spread(chars.into_iter().map(String::from).collect())
        }
        HirKind::Capture(c) => samples(&c.sub),
        HirKind::Repetition(rep) => {
            let inner = samples(&rep.sub);
            let top = rep.max.unwrap_or(rep.min.saturating_add(UNBOUNDED));
            let mut counts = vec![rep.min, rep.min.saturating_add(1).min(top), top];
            counts.dedup();
            let mut out = Vec::new();
            // A few of the inner strings, from the first to the last (the last are
            // the longest: a bounded `{1,64}` inside a repetition must show its 64).
            let step = inner.len().div_ceil(6).max(1);
            let picked: Vec<&String> = inner.iter().step_by(step).chain(inner.last()).collect();
            for n in counts {
                let n = n.min(256) as usize;
                for s in &picked {
                    out.push(s.repeat(n.min(LONGEST / s.len().max(1))));
                }
                // The inner samples taken in turn, for mixed strings.
                let mut mixed = String::new();
                for s in inner.iter().cycle().take(n) {
                    if mixed.len() + s.len() > LONGEST {
                        break;
                    }
                    mixed.push_str(s);
                }
                out.push(mixed);
            }
            out
        }
        HirKind::Concat(parts) => {
            let mut acc = vec![String::new()];
            for part in parts {
                let next = samples(part);
                let mut joined = Vec::with_capacity(acc.len() * next.len());
                for a in &acc {
                    for b in next.iter().filter(|b| a.len() + b.len() <= LONGEST) {
                        joined.push(format!("{a}{b}"));
                    }
                }
                acc = spread(joined);
            }
            acc
        }
        HirKind::Alternation(alts) => alts.iter().flat_map(samples).collect(),
    };
    out.dedup();
    spread(out)
}

/// At most [`SAMPLES`] of the strings, taken evenly across the list.
fn spread(mut all: Vec<String>) -> Vec<String> {
    if all.len() <= SAMPLES {
        return all;
    }
    let step = all.len() as f64 / SAMPLES as f64;
    let picked: Vec<String> = (0..SAMPLES)
        .map(|i| std::mem::take(&mut all[(i as f64 * step) as usize]))
        .collect();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(from: &str, to: &str) -> (bool, bool) {
        match compare(from, to) {
            Verdict::Moved { narrowed, widened } => (narrowed.is_some(), widened.is_some()),
            Verdict::Unknown | Verdict::Same => (false, false),
        }
    }

    #[test]
    fn a_bounded_repetition_narrows_an_unbounded_one() {
        assert_eq!(moved("^[a-z]+$", "^[a-z]{1,8}$"), (true, false));
        assert_eq!(moved("^[a-z]{1,8}$", "^[a-z]+$"), (false, true));
    }

    #[test]
    fn a_bound_inside_a_repetition_is_reached() {
        assert_eq!(
            moved(
                r"^([a-z0-9]{1,64}\.){1,8}[a-z]{2,24}$",
                r"^([a-z0-9]{1,63}\.){1,8}[a-z]{2,24}$"
            ),
            (true, false)
        );
    }

    #[test]
    fn a_smaller_class_narrows_and_a_larger_widens() {
        assert_eq!(moved("^[a-z0-9]+$", "^[a-z]+$"), (true, false));
        assert_eq!(moved("^[A-Z]{2}$", "^[A-Za-z]{2}$"), (false, true));
        assert_eq!(
            moved("^(draft|sent)$", "^(draft|sent|failed)$"),
            (false, true)
        );
    }

    #[test]
    fn respelled_patterns_show_no_narrowing() {
        assert_eq!(compare("^[0-9]+$", r"^\d+$"), Verdict::Same);
        assert_eq!(compare("^[0-9]{5}$", "^[0-9]{5,5}$"), Verdict::Same);
        assert_eq!(moved(r"^\w+$", "^[A-Za-z0-9_]+$"), (false, false));
        assert_eq!(moved(r"^[\d-]{3}$", "^[0-9-]{3}$"), (false, false));
        assert_eq!(moved("^[a-c]$", "^(a|b|c)$"), (false, false));
        // An escaped backslash is not a class.
        assert_eq!(moved(r"^\\d$", r"^\\d$"), (false, false));
    }

    #[test]
    fn syntax_rust_does_not_read_is_undecided() {
        assert_eq!(compare("^(?=a)a+$", "^a$"), Verdict::Unknown);
    }
}
