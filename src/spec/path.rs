//! Operation matching keys.
//!
//! Two operations are "the same endpoint" when their method matches and their full
//! paths match after normalisation: the server's base path is prefixed (so a version
//! segment moving between `servers` and `paths` is not a change), trailing slashes
//! are dropped, and every `{parameter}` becomes `{}` (a renamed path parameter is the
//! same URL). A second, looser key also masks version-like segments (`v3`,
//! `2025-09`, `2010-04-01`); the diff uses it only to pair operations left over
//! after exact matching, and only one-to-one.

/// The path part of a server URL (`https://api.x.example/crm/v3` → `/crm/v3`).
pub fn server_base_path(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let path = if url.contains("://") {
        match rest.find('/') {
            Some(i) => &rest[i..],
            None => "",
        }
    } else {
        rest
    };
    // Server variables such as `{basePath}` cannot be resolved reliably: drop them.
    let path: String = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(|s| format!("/{s}"))
        .collect();
    path
}

/// The exact matching key of `path` under the base path `base`.
pub fn match_key(base: &str, path: &str) -> String {
    let mut out = String::with_capacity(base.len() + path.len());
    for seg in base.split('/').chain(path.split('/')) {
        if seg.is_empty() {
            continue;
        }
        out.push('/');
        if seg.starts_with('{') && seg.ends_with('}') {
            out.push_str("{}");
        } else {
            out.push_str(&mask_params_inside(seg));
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The looser key: [`match_key`] with version-like segments masked.
pub fn loose_key(exact: &str) -> String {
    exact
        .split('/')
        .map(|seg| {
            if is_version_segment(seg) {
                "{version}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `{id}.json` → `{}.json`: parameters inside a segment are renamed as freely.
fn mask_params_inside(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    let mut in_param = false;
    for c in seg.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn is_version_segment(seg: &str) -> bool {
    let b = seg.as_bytes();
    // v1, v2beta, V3
    if b.len() >= 2 && (b[0] == b'v' || b[0] == b'V') && b[1].is_ascii_digit() {
        return b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'.');
    }
    // 1.1, 2.0.3: a bare dotted version (Mailchimp Transactional's `/api/1.2`)
    if seg.contains('.')
        && seg
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
    {
        return true;
    }
    // 2025-09, 2010-04-01
    let parts: Vec<&str> = seg.split('-').collect();
    (parts.len() == 2 || parts.len() == 3)
        && parts[0].len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_from_server_urls() {
        assert_eq!(server_base_path("https://api.x.example/crm/v3"), "/crm/v3");
        assert_eq!(server_base_path("https://api.x.example"), "");
        assert_eq!(server_base_path("/v1/"), "/v1");
        assert_eq!(
            server_base_path("https://{region}.x.example/{basePath}/v2"),
            "/v2"
        );
    }

    #[test]
    fn trailing_slash_and_parameter_names_do_not_matter() {
        assert_eq!(
            match_key("", "/contacts/{id}/"),
            match_key("", "/contacts/{contactId}")
        );
        assert_eq!(match_key("/v3", "/contacts"), match_key("", "/v3/contacts"));
        assert_eq!(match_key("", "/Calls/{Sid}.json"), "/Calls/{}.json");
        assert_ne!(
            match_key("", "/messages/send.json"),
            match_key("", "/messages/send")
        );
        assert_eq!(match_key("", "/"), "/");
    }

    #[test]
    fn loose_key_masks_versions_only() {
        assert_eq!(
            loose_key(&match_key("", "/marketing/emails/2025-09/{id}")),
            loose_key(&match_key("", "/marketing/emails/2026-03/{emailId}"))
        );
        assert_eq!(loose_key("/crm/v3/lists"), "/crm/{version}/lists");
        assert_eq!(loose_key("/vip/list"), "/vip/list");
        assert_eq!(loose_key("/2010-04-01/Accounts"), "/{version}/Accounts");
        assert_eq!(loose_key("/api/1.2/templates"), "/api/{version}/templates");
        assert_eq!(loose_key("/files/report.1/x"), "/files/report.1/x");
        assert_eq!(loose_key("/items/12/x"), "/items/12/x");
    }
}
