//! Changelog rules: what a vendor's changelog announced since the last snapshot,
//! and a changelog source that can no longer be read.

use super::rule_family;

rule_family! {
    /// A changelog announcement, or a changelog source's health.
    pub enum Changelog {
        BreakingAnnounced = "changelog-breaking-announced", Warning,
            "Vendor announced a breaking change to an operation in use",
            "Changelogs announce breaking changes before specs show them; owners get the lead time.";
        DeprecationAnnounced = "changelog-deprecation-announced", Warning,
            "Vendor announced a deprecation of an operation in use",
            "A deprecation is the start of the clock; migrating early avoids an outage.";
        SunsetAnnounced = "changelog-sunset-announced", Warning,
            "Vendor announced a sunset date for an operation in use",
            "The sunset date is when calls start failing; it belongs in the owners' plan.";
        RemovalAnnounced = "changelog-removal-announced", Warning,
            "Vendor announced the removal of an operation in use",
            "A removal announced in the changelog breaks calls once it ships.";
        EntryNew = "changelog-entry-new", Info,
            "New changelog entry",
            "Listed so nothing the vendor says goes unread; it touches no operation in use.";
        EntryEdited = "changelog-entry-edited", Info,
            "Changelog entry edited",
            "Vendors revise announcements (dates move); the diff shows what changed.";
        EntryRemoved = "changelog-entry-removed", Info,
            "Changelog entry no longer published",
            "A vanished announcement may mean a change was withdrawn.";
        SourceUnparseable = "changelog-source-unparseable", Warning,
            "Changelog source no longer parses",
            "A redesign that breaks the selectors must not read as 'no news'.";
        SnapshotMissing = "changelog-snapshot-missing", Info,
            "Changelog not snapshotted yet",
            "Without a snapshot every entry would look new; run `apiwatch changelog <contract> --update`.";
        SourceUnreachable = "changelog-source-unreachable", Warning,
            "Changelog source could not be fetched",
            "A changelog that cannot be read costs the lead time it gives, not the integration.";
    }
}
