//! Tonight's entries against the snapshot: new, edited (with a text diff), vanished.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Entry;

/// `snapshots/<contract>/changelog.json`: the entries last accepted, per source.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChangelogSnapshot {
    pub sources: BTreeMap<String, Vec<Entry>>,
}

impl ChangelogSnapshot {
    /// The snapshot, or none when there is none yet. An unreadable one (a bad merge,
    /// a truncated write) is an error: read as empty, every entry would look new.
    pub fn read(path: &Path) -> Result<Option<ChangelogSnapshot>, crate::files::Corrupt> {
        crate::files::read_kept(path)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        crate::snapshot::write_atomic(path, text.as_bytes())
    }
}

/// How tonight's entries differ from the snapshot's.
#[derive(Debug, Default)]
pub struct EntryChanges {
    pub new: Vec<Entry>,
    /// (before, after, unified text diff)
    pub edited: Vec<(Entry, Entry, String)>,
    pub vanished: Vec<Entry>,
}

pub fn compare(before: &[Entry], now: &[Entry]) -> EntryChanges {
    let old: BTreeMap<&str, &Entry> = before.iter().map(|e| (e.id.as_str(), e)).collect();
    let current: BTreeMap<&str, &Entry> = now.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut out = EntryChanges::default();
    for e in now {
        match old.get(e.id.as_str()) {
            None => out.new.push(e.clone()),
            Some(b) if b.title != e.title || b.text != e.text || b.date != e.date => {
                let a = format!("{}\n\n{}\n", b.title, b.text);
                let z = format!("{}\n\n{}\n", e.title, e.text);
                let diff = similar::TextDiff::from_lines(&a, &z)
                    .unified_diff()
                    .context_radius(2)
                    .header("before", "now")
                    .to_string();
                out.edited.push(((*b).clone(), e.clone(), diff));
            }
            Some(_) => {}
        }
    }
    out.vanished = before
        .iter()
        .filter(|e| !current.contains_key(e.id.as_str()))
        .cloned()
        .collect();
    out
}
