//! FILES: the one way apiwatch writes a file it keeps — snapshots, state, caches,
//! reports — so that a crash or a full disk never leaves half a file behind.

use std::io::Write;
use std::path::Path;

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

/// Removes the temp files [`write_atomic`] leaves when its process is killed
/// mid-write (`.<name>.<pid>.tmp`, up to a whole spec each) under `dir`, if the
/// process that wrote them is gone. Returns how many were removed.
pub fn remove_stale_temp_files(dir: &Path) -> usize {
    fn walk(dir: &Path, depth: usize, removed: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && depth > 0 {
                walk(&path, depth - 1, removed);
            } else if kind.is_file()
                && temp_file_pid(&entry.file_name().to_string_lossy())
                    .is_some_and(|pid| !process_alive(pid, &path))
                && std::fs::remove_file(&path).is_ok()
            {
                *removed += 1;
            }
        }
    }
    let mut removed = 0;
    walk(dir, 4, &mut removed);
    removed
}

/// The writer's pid in a temp file name `.<name>.<pid>.tmp`.
fn temp_file_pid(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, pid) = inner.rsplit_once('.')?;
    pid.parse().ok()
}

/// Whether the process that wrote `path` may still be writing it: on Linux, its
/// pid is alive; elsewhere, the file was touched in the last hour.
fn process_alive(pid: u32, path: &Path) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_files_of_dead_writers_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snapshots/crm");
        std::fs::create_dir_all(&snap).unwrap();
        // A pid that cannot be running (above Linux's pid_max).
        let dead = snap.join(".openapi.json.4194305.tmp");
        let mine = snap.join(format!(".openapi.json.{}.tmp", std::process::id()));
        let kept = snap.join("openapi.json");
        for f in [&dead, &mine, &kept] {
            std::fs::write(f, "{}").unwrap();
        }
        assert_eq!(remove_stale_temp_files(dir.path()), 1);
        assert!(!dead.exists() && mine.exists() && kept.exists());
        assert_eq!(temp_file_pid(".changelog.json.12.tmp"), Some(12));
        assert_eq!(temp_file_pid("openapi.json"), None);
        assert_eq!(temp_file_pid(".hidden.tmp"), None);
    }
}

/// A kept JSON file that exists but cannot be read as what it should be.
#[derive(Debug, thiserror::Error)]
#[error("{path} is corrupt ({message})")]
pub struct Corrupt {
    pub path: String,
    pub message: String,
}

/// Reads a JSON file apiwatch keeps: `Ok(None)` when there is none, an error naming
/// the file when it is there but unreadable — never a silent "empty".
pub fn read_kept<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, Corrupt> {
    let corrupt = |message: String| Corrupt {
        path: path.display().to_string(),
        message,
    };
    match read_bounded(path, MAX_KEPT_BYTES) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(corrupt(e.to_string())),
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| corrupt(e.to_string())),
    }
}

/// The largest state or snapshot file read (a symlink to `/dev/zero` must not
/// exhaust memory).
pub const MAX_KEPT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads at most `limit` bytes of a file; more is an error, not a hang.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "over the {limit}-byte limit"
        )));
    }
    Ok(bytes)
}

/// The last good copy of a kept file: `<name>.bak` beside it.
pub fn backup_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Writes a kept JSON file atomically, first keeping the current one as
/// `<name>.bak` if it is readable (a corrupt file never overwrites a good backup).
pub fn write_kept<T: serde::Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    if let Ok(current) = std::fs::read(path)
        && serde_json::from_slice::<serde_json::Value>(&current).is_ok()
    {
        write_atomic(&backup_path(path), &current)?;
    }
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    #[test]
    fn a_kept_file_backs_up_only_a_good_previous_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("issues.json");
        assert!(read_kept::<serde_json::Value>(&path).unwrap().is_none());
        write_kept(&path, &serde_json::json!({"n": 1})).unwrap();
        write_kept(&path, &serde_json::json!({"n": 2})).unwrap();
        let bak: serde_json::Value = read_kept(&backup_path(&path)).unwrap().unwrap();
        assert_eq!(bak["n"], 1);
        std::fs::write(&path, "{\"n\": ").unwrap();
        assert!(
            read_kept::<serde_json::Value>(&path)
                .unwrap_err()
                .to_string()
                .contains("is corrupt")
        );
        write_kept(&path, &serde_json::json!({"n": 3})).unwrap();
        let bak: serde_json::Value = read_kept(&backup_path(&path)).unwrap().unwrap();
        assert_eq!(
            bak["n"], 1,
            "the corrupt copy did not replace the good backup"
        );
    }
}

#[cfg(test)]
mod bounded_tests {
    use super::*;

    /// A snapshot or state file that is a symlink to `/dev/zero` was read without
    /// end.
    #[test]
    fn an_endless_file_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("changelog.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_kept::<serde_json::Value>(&link)
            .unwrap_err()
            .to_string();
        assert!(err.contains("over the 268435456-byte limit"), "{err}");
        assert_eq!(
            read_bounded(&link, 10).unwrap_err().to_string(),
            "over the 10-byte limit"
        );
    }
}
