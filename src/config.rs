//! CONFIG: the configuration vocabulary the contract loader produces and the
//! stages read — which operations are in use, where documents live, how to
//! authenticate to them. Plain data at the bottom of the crate: it depends on
//! nothing else here, so the loader (`map`) does not depend on the stages.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The operations an integration uses, as written in its contract.
#[derive(Debug, Clone, Default)]
pub struct Uses {
    pub entries: Vec<UseEntry>,
}

impl Uses {
    /// A uses list: one operation per line (`GET /contacts/{id}` or an
    /// operationId); a trailing `[kind]` marks it compliance-critical; `#` starts a
    /// comment.
    pub fn parse(text: &str) -> Uses {
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (reference, compliance) = match line.rsplit_once('[') {
                Some((head, tail)) if tail.ends_with(']') => (
                    head.trim(),
                    Some(tail.trim_end_matches(']').trim().to_owned()),
                ),
                _ => (line, None),
            };
            entries.push(UseEntry {
                reference: reference.to_owned(),
                compliance,
            });
        }
        Uses { entries }
    }
}

#[derive(Debug, Clone)]
pub struct UseEntry {
    /// `GET /contacts/{id}` or an operationId.
    pub reference: String,
    /// Compliance kind, when the operation is compliance-critical.
    pub compliance: Option<String>,
}

/// Where a document lives upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    Url(String),
    File(PathBuf),
}

impl Location {
    /// The URL with its `{version}` placeholder filled (a vendor that publishes a
    /// spec per version: `…/openapi/{version}.json`); a file is as written.
    pub fn with_version(&self, version: &str) -> Location {
        match self {
            Location::Url(u) => Location::Url(u.replace("{version}", version)),
            other => other.clone(),
        }
    }

    /// Whether it names a version to fill (`{version}`).
    pub fn versioned(&self) -> bool {
        matches!(self, Location::Url(u) if u.contains("{version}"))
    }

    /// A command-line argument: an http(s) URL, else a file path.
    /// A file or URL given on the command line. Files are made absolute: a person
    /// may point at any file they can read (a contract may not; see
    /// [`confined_file`]).
    pub fn from_arg(arg: &str) -> Location {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            Location::Url(arg.to_owned())
        } else {
            Location::File(std::path::absolute(arg).unwrap_or_else(|_| PathBuf::from(arg)))
        }
    }

    /// The file it names, relative paths taken from `root`; None for a URL.
    pub fn file_path(&self, root: &Path) -> Option<PathBuf> {
        match self {
            Location::File(p) if p.is_absolute() => Some(p.clone()),
            Location::File(p) => Some(root.join(p)),
            Location::Url(_) => None,
        }
    }
}

/// The regular file `relative` names inside `root`, after symlinks: a contract's
/// local spec or changelog never reads outside the repository (`/proc/self/environ`
/// would echo the environment, tokens included, into error snippets), nor from a
/// FIFO or device that would block the night.
///
/// An absolute path can only come from the command line (contracts refuse them at
/// load, and [`Location::from_arg`] makes arguments absolute): it is read as given,
/// pipes included (`<(curl …)`).
pub fn confined_file(root: &Path, relative: &Path) -> Result<PathBuf, String> {
    if relative.is_absolute() {
        return Ok(relative.to_path_buf());
    }
    let jail = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let path = jail
        .join(relative)
        .canonicalize()
        .map_err(|e| e.to_string())?;
    if !path.starts_with(&jail) {
        return Err("it resolves to a file outside the repository; not read".to_owned());
    }
    if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return Err("not a regular file; not read".to_owned());
    }
    Ok(path)
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Url(u) => f.write_str(u),
            Location::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A credential a source needs (private docs, partner portals): the *name* of the
/// environment variable holding it, and the header it goes in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCredential {
    pub env: String,
    /// Default: `Authorization: Bearer <value>`; otherwise the raw value in this header.
    pub header: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangelogKind {
    Html,
    Rss,
    Atom,
    Markdown,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selectors {
    pub entry: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    /// The vendor's tags and pills on an entry ("Breaking change", "Deprecation").
    #[serde(default)]
    pub labels: Option<String>,
}

impl Selectors {
    /// Every selector given.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        [
            Some(&self.entry),
            self.title.as_ref(),
            self.date.as_ref(),
            self.body.as_ref(),
            self.link.as_ref(),
            self.labels.as_ref(),
        ]
        .into_iter()
        .flatten()
    }
}

/// Extra keywords per kind, from the contract (`[[changelog]] keywords = {...}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keywords {
    #[serde(default)]
    pub breaking: Vec<String>,
    #[serde(default)]
    pub deprecation: Vec<String>,
    #[serde(default)]
    pub sunset: Vec<String>,
    #[serde(default)]
    pub removal: Vec<String>,
    #[serde(default)]
    pub new: Vec<String>,
}
