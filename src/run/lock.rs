//! One writer at a time: a run that files issues or records state holds an advisory
//! lock on the state folder (`.apiwatch/lock`). A second run on the same root stops
//! at once and says who holds it; it never files beside the first.
//!
//! The lock is the operating system's (`flock`), so it dies with its process: a run
//! killed with `kill -9` leaves the file but not the lock, and the next run takes it
//! over and says so.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The state folder's lock, held until dropped.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    /// Who held it last without letting go (a run that was killed), if anyone.
    pub taken_over: Option<String>,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{path}: another apiwatch run is using this state folder ({holder}); wait for it to finish, or stop it — two runs at once would file the same issues twice"
    )]
    Held { path: String, holder: String },
    #[error("{path}: cannot lock the state folder: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub fn lock_path(state_dir: &Path) -> PathBuf {
    state_dir.join("lock")
}

impl StateLock {
    /// Takes the lock on `state_dir`, without waiting.
    pub fn acquire(state_dir: &Path) -> Result<StateLock, LockError> {
        let path = lock_path(state_dir);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut before = String::new();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                // Best effort: the holder wrote who it is right after locking.
                let _ = file.read_to_string(&mut before);
                return Err(LockError::Held {
                    path: path.display().to_string(),
                    holder: holder_or_unknown(&before),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.read_to_string(&mut before).map_err(io)?;
        let me = format!(
            "pid {} since {}",
            std::process::id(),
            jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M:%S UTC")
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(me.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(StateLock {
            file,
            taken_over: (!before.trim().is_empty()).then(|| holder_or_unknown(&before)),
        })
    }
}

fn holder_or_unknown(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    // The file is ours, but a hostile checkout could fill it: keep it short and plain.
    let plain: String = line
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " :-.".contains(*c))
        .take(80)
        .collect();
    if plain.is_empty() {
        "holder unknown".to_owned()
    } else {
        plain
    }
}

impl Drop for StateLock {
    /// A clean release empties the file: a non-empty unlocked file means a run died.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::acquire(dir.path()).unwrap();
        assert!(first.taken_over.is_none());
        let err = StateLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id()))
                && err.contains("another apiwatch run"),
            "{err}"
        );
        drop(first);
        let again = StateLock::acquire(dir.path()).unwrap();
        assert!(
            again.taken_over.is_none(),
            "a clean release is not a takeover"
        );
    }

    #[test]
    fn a_lock_left_by_a_killed_run_is_taken_over_and_said() {
        let dir = tempfile::tempdir().unwrap();
        // What a killed run leaves: its line, and no lock (the OS dropped it).
        std::fs::write(
            lock_path(dir.path()),
            "pid 4242 since 2026-11-30 02:00:00 UTC",
        )
        .unwrap();
        let lock = StateLock::acquire(dir.path()).unwrap();
        assert_eq!(
            lock.taken_over.as_deref(),
            Some("pid 4242 since 2026-11-30 02:00:00 UTC")
        );
    }
}
