//! The conditional-request cache: per URL, the validators (ETag, Last-Modified) and
//! the body they describe, under the state directory (`.apiwatch/http/`, ignored by
//! git). Entries are written atomically and only for bodies the caller validated.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::FetchedDoc;
use crate::files::write_atomic;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// sha256 of the body, checked when it is read back.
    pub sha256: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Cache {
    pub fn new(state_dir: &Path) -> Cache {
        Cache {
            dir: state_dir.join("http"),
        }
    }

    fn key(url: &str) -> String {
        hex(&Sha256::digest(url.as_bytes())[..12])
    }

    fn meta_path(&self, url: &str) -> PathBuf {
        self.dir.join(format!("{}.json", Self::key(url)))
    }

    fn body_path(&self, url: &str) -> PathBuf {
        self.dir.join(format!("{}.body", Self::key(url)))
    }

    /// The entry for a URL, if one was stored.
    pub fn lookup(&self, url: &str) -> Option<Entry> {
        let bytes = std::fs::read(self.meta_path(url)).ok()?;
        serde_json::from_slice::<Entry>(&bytes)
            .ok()
            .filter(|e| e.url == url)
    }

    /// The cached body, if it is intact.
    pub fn body(&self, entry: &Entry) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.body_path(&entry.url)).ok()?;
        (hex(&Sha256::digest(&bytes)) == entry.sha256).then_some(bytes)
    }

    /// Stores a validated document: body first, then the entry that points at it.
    pub fn store(&self, doc: &FetchedDoc) -> std::io::Result<()> {
        let entry = Entry {
            url: doc.source.clone(),
            etag: doc.etag.clone(),
            last_modified: doc.last_modified.clone(),
            sha256: hex(&Sha256::digest(&doc.bytes)),
            content_type: doc.content_type.clone(),
        };
        write_atomic(&self.body_path(&doc.source), &doc.bytes)?;
        let meta = serde_json::to_vec_pretty(&entry).map_err(std::io::Error::other)?;
        write_atomic(&self.meta_path(&doc.source), &meta)
    }

    /// Drops a URL's entry (its body no longer matches).
    pub fn forget(&self, url: &str) {
        let _ = std::fs::remove_file(self.meta_path(url));
    }
}
