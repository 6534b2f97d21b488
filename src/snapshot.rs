//! SNAPSHOTS: the pinned, normalised specs under `snapshots/<contract>/`.
//!
//! A snapshot is only ever replaced by a document that parsed as OpenAPI, and
//! always through a temporary file in the same folder and a rename, so a failed or
//! partial fetch can never leave a truncated snapshot behind.

use std::io::Write;
use std::path::Path;

use crate::spec::{Document, SpecError, load, normalize};

/// Writes `contents` to `path` atomically (temp file in the same folder, then rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

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
