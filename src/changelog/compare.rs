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
        let mut snapshot: Option<ChangelogSnapshot> = crate::files::read_kept(path)?;
        for e in snapshot
            .iter_mut()
            .flat_map(|s| s.sources.values_mut().flatten())
        {
            upgrade(e);
        }
        Ok(snapshot)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        crate::snapshot::write_atomic(path, text.as_bytes())
    }
}

/// Snapshots written before feed categories became labels kept them as a last
/// paragraph of the text: moved to the labels, so that the upgrade is not taken
/// for an edit of every categorised entry.
fn upgrade(e: &mut Entry) {
    if !e.labels.is_empty() {
        return;
    }
    if let Some((text, categories)) = e.text.rsplit_once("\n\nCategories: ")
        && !categories.contains('\n')
    {
        e.labels = categories.split(", ").map(str::to_owned).collect();
        e.text.truncate(text.len());
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

/// Tonight's entries against the snapshot's, by id. An entry whose id changed but
/// whose title did not (a vendor that moved its permalinks, or an upgrade of
/// apiwatch that reads a date it missed before) is the same entry, edited at most:
/// not a new announcement and a vanished one.
pub fn compare(before: &[Entry], now: &[Entry]) -> EntryChanges {
    let old: BTreeMap<&str, &Entry> = before.iter().map(|e| (e.id.as_str(), e)).collect();
    let current: BTreeMap<&str, &Entry> = now.iter().map(|e| (e.id.as_str(), e)).collect();
    // Unmatched snapshot entries by title, each to be claimed once.
    let mut orphans: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in before.iter().rev() {
        if !current.contains_key(e.id.as_str()) && !e.title.trim().is_empty() {
            orphans.entry(e.title.as_str()).or_default().push(e);
        }
    }
    let mut claimed: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut out = EntryChanges::default();
    for e in now {
        let earlier = old.get(e.id.as_str()).copied().or_else(|| {
            let b = orphans.get_mut(e.title.as_str())?.pop()?;
            claimed.insert(b.id.as_str());
            Some(b)
        });
        match earlier {
            None => out.new.push(e.clone()),
            Some(b) if b.title != e.title || b.text != e.text || b.date != e.date => {
                let a = format!("{}\n\n{}\n", b.title, b.text);
                let z = format!("{}\n\n{}\n", e.title, e.text);
                let diff = similar::TextDiff::from_lines(&a, &z)
                    .unified_diff()
                    .context_radius(2)
                    .header("before", "now")
                    .to_string();
                out.edited.push((b.clone(), e.clone(), diff));
            }
            Some(_) => {}
        }
    }
    out.vanished = before
        .iter()
        .filter(|e| !current.contains_key(e.id.as_str()) && !claimed.contains(e.id.as_str()))
        .cloned()
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_kept_in_old_snapshots_become_labels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changelog.json");
        std::fs::write(
            &path,
            r#"{"sources":{"feed":[{"id":"a","title":"t","date":null,"link":null,"text":"Body.\n\nCategories: Deprecation, Reports","kinds":["deprecation"],"sunset_date":null,"mentions":[]}]}}"#,
        )
        .unwrap();
        let snap = ChangelogSnapshot::read(&path).unwrap().unwrap();
        let e = &snap.sources["feed"][0];
        assert_eq!(e.text, "Body.");
        assert_eq!(e.labels, ["Deprecation", "Reports"]);
    }
}
