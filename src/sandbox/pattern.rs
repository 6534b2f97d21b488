//! A string that matches a `pattern`, for generated bodies.
//!
//! The pattern is parsed with `regex-syntax` and walked: literals as written, a
//! class's first range (or a random one), repetitions at their minimum (at least
//! once for `+`-like ones), the first branch of an alternation (or a random one).
//! The result is checked against the pattern and the length bounds; a pattern this
//! cannot satisfy (look-arounds are not in `regex`'s syntax anyway) gives `None`
//! and the caller falls back to a plain value.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::generate::Rng;

/// A string matching `pattern` within `min..=max` characters, if one is found.
pub fn sample(pattern: &str, rng: &mut Rng, min: usize, max: Option<usize>) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let re = regex::Regex::new(pattern).ok()?;
    for attempt in 0..8 {
        let mut out = String::new();
        // The first attempt takes the first choice everywhere; later ones vary.
        walk(&hir, rng, attempt > 0, &mut out, 0);
        // Patterns are unanchored unless they say so: padding at the end keeps a
        // match when the pattern does not end with `$`.
        while out.chars().count() < min && !pattern.ends_with('$') {
            out.push('x');
        }
        let len = out.chars().count();
        if re.is_match(&out) && len >= min && max.is_none_or(|m| len <= m) {
            return Some(out);
        }
    }
    None
}

fn walk(hir: &Hir, rng: &mut Rng, vary: bool, out: &mut String, depth: usize) {
    if depth > 64 || out.len() > 4096 {
        return;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(c)) => {
            let ranges = c.ranges();
            let pick = if vary {
                rng.below(ranges.len() as u64) as usize
            } else {
                0
            };
            // Prefer a printable character from the range.
            if let Some(r) = ranges.get(pick).or(ranges.first()) {
                let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                let printable = lo.max(0x30).min(hi);
                let code = if vary && hi > lo {
                    lo + rng.below(u64::from(hi - lo + 1).min(26)) as u32
                } else if (0x20..0x7f).contains(&lo) || hi < 0x30 {
                    lo
                } else {
                    printable
                };
                out.push(char::from_u32(code).unwrap_or('a'));
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            if let Some(r) = c.ranges().first() {
                out.push(char::from(r.start().max(0x30).min(r.end())));
            }
        }
        HirKind::Repetition(rep) => {
            let extra = if vary { rng.below(3) as u32 } else { 0 };
            let n = rep.min.max(1).saturating_add(extra);
            let n = rep.max.map_or(n, |m| n.min(m)).min(64);
            let n = if rep.min == 0 && !vary {
                rep.min.max(n.min(1))
            } else {
                n
            };
            for _ in 0..n {
                walk(&rep.sub, rng, vary, out, depth + 1);
            }
        }
        HirKind::Capture(cap) => walk(&cap.sub, rng, vary, out, depth + 1),
        HirKind::Concat(parts) => {
            for p in parts {
                walk(p, rng, vary, out, depth + 1);
            }
        }
        HirKind::Alternation(branches) => {
            let i = if vary {
                rng.below(branches.len() as u64) as usize
            } else {
                0
            };
            if let Some(b) = branches.get(i) {
                walk(b, rng, vary, out, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_vendors_use() {
        let mut rng = Rng::new(1);
        for (pattern, min, max) in [
            (r"^[0-9]{5}$", 0, None),
            (r"^\+?[1-9]\d{1,14}$", 0, None),
            (r"^(AC|PN)[0-9a-f]{32}$", 0, None),
            (r"^[A-Z]{2}-\d+$", 0, Some(10)),
            (r"^\d{4}-\d{2}-\d{2}$", 0, None),
            (r"[a-z]+", 3, Some(5)),
            (
                r"^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@example\.com$",
                0,
                None,
            ),
        ] {
            let v = sample(pattern, &mut rng, min, max).unwrap_or_else(|| panic!("{pattern}"));
            assert!(
                regex::Regex::new(pattern).unwrap().is_match(&v),
                "{pattern}: {v}"
            );
        }
        assert_eq!(
            sample(r"^a{5}$", &mut rng, 0, Some(3)),
            None,
            "cannot be met"
        );
    }
}
