//! Source rules: an upstream spec that cannot be fetched or read, or a contract
//! with nothing pinned to compare it with.

use super::rule_family;

rule_family! {
    /// A contract's upstream source or its snapshot is missing or unusable.
    pub enum Source {
        Unreachable = "source-unreachable", Error,
            "Upstream source could not be fetched",
            "Without the vendor's current spec, nothing else about this contract can be checked.";
        Invalid = "source-invalid", Error,
            "Upstream source is not a valid spec",
            "An error page or a broken file must never replace the pinned snapshot.";
        DanglingReference = "spec-dangling-reference", Info,
            "The spec refers to something it does not define",
            "A `$ref` to nothing reads as \"any value\" there: changes behind it cannot be seen. Tell the vendor.";
        NotAMethod = "spec-not-a-method", Warning,
            "A path item key is not an HTTP method",
            "An operation written under `GET:` or `Post` is not read by tools that follow the spec (methods are lower case): clients generated from it lose the operation. Tell the vendor.";
        SnapshotMissing = "snapshot-missing", Error,
            "No pinned snapshot",
            "Without a pin there is nothing to compare the vendor's spec with; run `apiwatch pin`.";
        ContractInvalid = "contract-invalid", Error,
            "The contract no longer holds",
            "A contract that fails validation is not checked at all, often after a re-pin renamed an operation in `[[uses]]`: its owners must fix it.";
    }
}
