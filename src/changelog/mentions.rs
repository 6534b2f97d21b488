//! Operations an entry mentions: `METHOD /path`, bare `/paths` (with `*` wildcards
//! kept), full URLs on an API host, paths written without their leading slash when
//! the pinned spec has them, and the spec's own operationIds.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::Mention;
use crate::spec::model::ApiModel;
use crate::spec::path::match_key;

/// What of the pinned spec(s) is worth recognising in changelog text.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub operation_ids: Vec<String>,
    /// Match keys ([`match_key`]) of the spec's paths, with and without base path.
    pub path_keys: HashSet<String>,
}

impl Known {
    pub fn from_models(models: &[ApiModel<'_>]) -> Known {
        let mut ids = BTreeSet::new();
        let mut path_keys = HashSet::new();
        for m in models {
            for o in &m.operations {
                if let Some(id) = &o.operation_id {
                    ids.insert(id.clone());
                }
                path_keys.insert(o.key.clone());
                path_keys.insert(match_key("", &o.path));
            }
        }
        Known {
            operation_ids: ids.into_iter().collect(),
            path_keys,
        }
    }
}

/// Endings that make a path a file, not an endpoint (`.json` is left out: Twilio's
/// and Mandrill's endpoints end in it).
const FILE_EXTENSIONS: &[&str] = &[
    "yaml", "yml", "md", "html", "htm", "txt", "conf", "cfg", "toml", "xml", "pdf", "png", "csv",
    "log", "sh",
];

const PATH_CHARS: &str = r"[A-Za-z0-9_.{}:~*-]";

#[allow(clippy::expect_used)] // constant patterns, checked by the tests below
static METHOD_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+`?((?:https?://[A-Za-z0-9.-]+(?::\d+)?)?/(?:{PATH_CHARS}|/)*)"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static BARE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[\s(`'\x22*_])(/[A-Za-z0-9*]{PATH_CHARS}*(?:/{PATH_CHARS}+)*/?)"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"https?://([A-Za-z0-9.-]+)(?::\d+)?(/(?:{PATH_CHARS}|/)*)"
    ))
    .expect("regex")
});
#[allow(clippy::expect_used)]
static RELATIVE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[\s(`'\x22*_])([A-Za-z][A-Za-z0-9_.-]*(?:/{PATH_CHARS}+)+/?)"
    ))
    .expect("regex")
});

/// A path without the punctuation and emphasis that follow it in prose
/// (`*GET /v1/customers*`); a `*` after a slash is a wildcard and stays.
fn trim(path: &str) -> String {
    let mut p = path.trim_end_matches(['.', ',', ':', ';']);
    while let Some(rest) = p.strip_suffix('*') {
        if rest.ends_with('/') {
            break;
        }
        p = rest.trim_end_matches(['.', ',', ':', ';']);
    }
    p.to_owned()
}

/// The path of a URL on an API host (`https://a.klaviyo.com/api/templates/`), not
/// a link to the vendor's docs or blog.
fn api_path(host: &str, path: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let first = host.split('.').next().unwrap_or("");
    let api_host = first == "api"
        || first == "a"
        || first.ends_with("api")
        || host.contains(".api.")
        || host.contains("-api.");
    let docs = [
        "/docs",
        "/blog",
        "/changelog",
        "/en/",
        "/reference",
        "/guides",
    ]
    .iter()
    .any(|d| path.starts_with(d));
    (api_host && !docs && path.len() > 1).then(|| trim(path))
}

/// Operations mentioned in text.
pub fn mentions(text: &str, known: &Known) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    // Where a path was already read (as part of `METHOD /path` or a URL).
    let mut covered: Vec<std::ops::Range<usize>> = Vec::new();
    for c in METHOD_PATH.captures_iter(text) {
        let Some(m) = c.get(2) else { continue };
        covered.push(m.range());
        let path = match URL.captures(m.as_str()) {
            Some(u) => match api_path(&u[1], &u[2]) {
                Some(p) => p,
                None => continue,
            },
            None => trim(m.as_str()),
        };
        out.push(Mention {
            method: Some(c[1].to_owned()),
            path: Some(path),
            operation_id: None,
        });
    }
    // Matches of one pattern come in order and do not overlap, and the URL pass
    // only adds ranges outside those of `METHOD /path`: kept sorted, a position is
    // looked up by binary search (a page of thousands of paths stays linear-ish).
    covered.sort_by_key(|r| r.start);
    let within = |ranges: &[std::ops::Range<usize>], at: usize| {
        let i = ranges.partition_point(|r| r.start <= at);
        i > 0 && ranges[i - 1].end > at
    };
    let mut urls: Vec<std::ops::Range<usize>> = Vec::new();
    let inside = |covered: &[std::ops::Range<usize>],
                  urls: &[std::ops::Range<usize>],
                  at: usize| { within(covered, at) || within(urls, at) };
    for c in URL.captures_iter(text) {
        let (Some(m), Some(p)) = (c.get(0), c.get(2)) else {
            continue;
        };
        if inside(&covered, &urls, m.start()) {
            continue;
        }
        urls.push(m.range());
        if let Some(path) = api_path(&c[1], p.as_str()) {
            out.push(Mention {
                method: None,
                path: Some(path),
                operation_id: None,
            });
        }
    }
    for c in BARE_PATH.captures_iter(text) {
        let Some(m) = c.get(1) else { continue };
        if inside(&covered, &urls, m.start()) {
            continue;
        }
        let path = trim(m.as_str());
        // A lone word like `/v1` is not an endpoint, nor is a file (`/etc/x.yaml`) or
        // the target of a Markdown link (`[guide](/docs/api)`).
        let file = path.rsplit('/').next().is_some_and(|last| {
            last.rsplit_once('.')
                .is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext))
        });
        let link_target = text[..m.start()].ends_with("](");
        let known_path = known.path_keys.contains(&match_key("", &path));
        if ((path.matches('/').count() < 2 && !path.contains(['{', '*'])) && !known_path)
            || file
            || link_target
        {
            continue;
        }
        out.push(Mention {
            method: None,
            path: Some(path),
            operation_id: None,
        });
    }
    // `crm/v3/objects/contacts`: a path without its slash, taken only when the pinned
    // spec has it (otherwise any `a/b` in prose would be one).
    if !known.path_keys.is_empty() {
        for c in RELATIVE_PATH.captures_iter(text) {
            let Some(m) = c.get(1) else { continue };
            if inside(&covered, &urls, m.start()) || text[..m.start()].ends_with("](") {
                continue;
            }
            let path = format!("/{}", trim(m.as_str()));
            if known.path_keys.contains(&match_key("", &path)) {
                out.push(Mention {
                    method: None,
                    path: Some(path),
                    operation_id: None,
                });
            }
        }
    }
    for id in &known.operation_ids {
        let found = text.match_indices(id.as_str()).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + id.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if found {
            out.push(Mention {
                method: None,
                path: None,
                operation_id: Some(id.clone()),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(m: &[Mention]) -> Vec<String> {
        m.iter().map(Mention::shown).collect()
    }

    #[test]
    fn files_and_doc_links_are_not_endpoints() {
        let m = mentions(
            "see /etc/apiwatch/config.yaml and the [guide](/docs/api/contacts); `GET /v2/contacts/{id}` and /Calls/{Sid}/Feedback.json",
            &Known::default(),
        );
        assert_eq!(
            paths(&m),
            ["/Calls/{Sid}/Feedback.json", "GET /v2/contacts/{id}"]
        );
    }

    #[test]
    fn urls_on_api_hosts_wildcards_and_paths_without_a_slash() {
        let known = Known {
            operation_ids: vec!["getContact".into()],
            path_keys: [match_key("", "/crm/v3/objects/contacts")]
                .into_iter()
                .collect(),
        };
        let m = mentions(
            "Calls to https://a.klaviyo.com/api/templates/{id}/render/ and POST https://api.example.com/v1/invoices/upcoming change; \
             see https://developers.klaviyo.com/en/docs/changelog_ for more. Everything under /v1/invoices/* and crm/v3/objects/contacts, \
             but not and/or nor getContactList; getContact is affected.",
            &known,
        );
        assert_eq!(
            paths(&m),
            [
                "getContact",
                "/api/templates/{id}/render/",
                "/crm/v3/objects/contacts",
                "/v1/invoices/*",
                "POST /v1/invoices/upcoming"
            ]
        );
    }
}
