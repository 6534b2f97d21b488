//! SNAPSHOTS: the pinned, normalised specs under `snapshots/<contract>/`.
//!
//! A snapshot is only ever replaced by a document that parsed as OpenAPI, and
//! always through a temporary file in the same folder and a rename, so a failed or
//! partial fetch can never leave a truncated snapshot behind.

use std::path::Path;

pub use crate::files::write_atomic;
use crate::spec::{Document, SpecError, load, normalize};

/// Normalises a parsed spec and writes it as the snapshot at `path`.
pub fn pin(doc: &Document, path: &Path) -> std::io::Result<usize> {
    let text = normalize::to_snapshot(&doc.root);
    write_atomic(path, text.as_bytes())?;
    Ok(text.len())
}

/// Reads a pinned snapshot.
pub fn read(path: &Path) -> Result<Document, SpecError> {
    load::load_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new contents").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new contents");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
