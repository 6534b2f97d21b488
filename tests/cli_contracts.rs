//! Contracts as `apiwatch map` and `apiwatch run` read them: every error names its
//! file, line and column and says how to fix it; paths stay inside the repository.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use predicates::prelude::*;

#[test]
fn a_good_contract_loads_and_maps() {
    let dir = map_with(GOOD_CONTRACT, true);
    apiwatch()
        .arg("--root")
        .arg(dir.path())
        .arg("map")
        .assert()
        .success()
        .stdout(predicate::str::contains("acme").and(predicate::str::contains("platform")));
}

#[test]
fn bad_toml_names_file_and_line() {
    let err = map_error(
        &GOOD_CONTRACT.replace("team = \"platform\"", "team = platform"),
        false,
    );
    assert!(err.contains("contracts/acme/contract.toml:6:"), "{err}");
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let err = map_error(
        &GOOD_CONTRACT.replace(
            "[pin]\nversion = \"1\"",
            "[pin]\nversion = \"1\"\nverison = \"2\"",
        ),
        false,
    );
    assert!(err.contains("contracts/acme/contract.toml:10:1"), "{err}");
    assert!(err.contains("verison"), "{err}");
}

#[test]
fn missing_owner_is_an_error() {
    let err = map_error(
        &GOOD_CONTRACT.replace("[owners]\nteam = \"platform\"\n", ""),
        false,
    );
    assert!(err.contains("contracts/acme/contract.toml:1:1"), "{err}");
    assert!(err.contains("[owners]"), "{err}");
}

#[test]
fn blank_team_and_bad_repo_errors_point_at_their_values() {
    let err = map_error(
        &GOOD_CONTRACT.replace(
            "team = \"platform\"",
            "team = \"  \"\nrepo = \"acme-platform\"",
        ),
        false,
    );
    assert!(
        err.contains("contract.toml:6:8") && err.contains("owners.team"),
        "{err}"
    );
    assert!(
        err.contains("contract.toml:7:8") && err.contains("owners.repo"),
        "{err}"
    );
}

#[test]
fn unknown_operation_reference_names_its_line() {
    let err = map_error(&GOOD_CONTRACT.replace("GET /things", "GET /thingz"), true);
    assert!(err.contains("contracts/acme/contract.toml:15:"), "{err}");
    assert!(err.contains("GET /thingz"), "{err}");
}

#[test]
fn credential_values_instead_of_variable_names_are_refused() {
    let contract = format!(
        "{GOOD_CONTRACT}\n[sandbox]\nbase_url = \"https://sb.example\"\nauth = \"api-key\"\ncredentials = {{ api_key = \"sk_live_123\" }}\n"
    );
    let err = map_error(&contract, false);
    assert!(err.contains("contract.toml:20:27"), "{err}");
    assert!(err.contains("environment variable"), "{err}");
    assert!(
        !err.contains("sk_live_123"),
        "the secret-looking value must not be echoed: {err}"
    );
}

/// A uses file with a typo gave "0 in use" and a green CI; a contract's typo said
/// only that the name is unknown. Both now fail, with the operation meant.
#[test]
fn unknown_operations_are_errors_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let uses = dir.path().join("uses.txt");
    std::fs::write(&uses, "createContact\nlistContact\n").unwrap();
    let out = apiwatch()
        .arg("diff")
        .arg(repo().join("snapshots/crm-contacts/contacts.json"))
        .arg(repo().join("demo/upstream/crm-contacts/contacts.yaml"))
        .arg("--uses")
        .arg(&uses)
        .args(["--fail-on", "error"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("uses.txt: `listContact` is not an operation of either spec; did you mean `listContacts`?")
            && !err.contains("`createContact`"),
        "{err}"
    );
    let err = map_error(&GOOD_CONTRACT.replace("GET /things", "listThing"), true);
    assert!(err.contains("`listThing` is not an operation of the pinned spec (openapi); did you mean `listThings`?"), "{err}");
}

/// Duplicate `[[uses]]` entries were accepted silently; a missing credential was
/// named without saying what needs it.
#[test]
fn duplicate_uses_are_errors_and_missing_credentials_say_what_needs_them() {
    let twice = GOOD_CONTRACT.to_owned() + "\n[[uses]]\noperation = \"GET /things\"\n";
    let err = map_error(&twice, false);
    assert!(
        err.contains("contract.toml:18:13: `GET /things` is already listed in [[uses]] (line 15): list each operation once"),
        "{err}"
    );
    let private = GOOD_CONTRACT.replace(
        "file = \"upstream.yaml\"",
        "file = \"upstream.yaml\"\ntoken_env = \"ACME_SPEC_TOKEN_FOR_TEST\"",
    );
    let dir = map_with(&private, false);
    let out = apiwatch()
        .env_remove("ACME_SPEC_TOKEN_FOR_TEST")
        .arg("--root")
        .arg(dir.path())
        .arg("map")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("credentials not set: ACME_SPEC_TOKEN_FOR_TEST (for spec `openapi`)"),
        "{text}"
    );
}

/// A `file =` with a typo was a night of `source-unreachable` (and, three nights
/// later, an issue about a "breaking change"). It is a contract error at once; in a
/// run, that contract is reported invalid and the others are checked.
#[test]
fn a_missing_local_file_is_a_contract_error_at_once() {
    let err = map_error(
        &GOOD_CONTRACT.replace("upstream.yaml", "upstrem.yaml"),
        false,
    );
    assert!(
        err.contains(
            "contracts/acme/contract.toml:12:8: `file` names `upstrem.yaml`, which does not exist"
        ),
        "{err}"
    );
}

/// `pin.snapshots` was used as given: `../` or an absolute path made `apiwatch pin`
/// write outside the repository, and two contracts sharing a folder overwrote each
/// other's pinned spec.
#[test]
fn snapshot_folders_stay_under_snapshots_and_belong_to_one_contract() {
    for bad in [
        "../elsewhere",
        "/tmp/apiwatch-pin",
        "snapshots/../../x",
        "snapshots",
        "other/acme",
    ] {
        let contract = GOOD_CONTRACT.replace(
            "version = \"1\"",
            &format!("version = \"1\"\nsnapshots = \"{bad}\""),
        );
        let err = map_error(&contract, false);
        assert!(
            err.contains("contracts/acme/contract.toml:10:13:")
                && err.contains(
                    "`pin.snapshots` must be a folder under `snapshots/` (like `snapshots/acme`)"
                ),
            "{bad}: {err}"
        );
    }
    let dir = map_with(
        &GOOD_CONTRACT.replace(
            "version = \"1\"",
            "version = \"1\"\nsnapshots = \"snapshots/shared\"",
        ),
        false,
    );
    std::fs::create_dir_all(dir.path().join("contracts/beta")).unwrap();
    std::fs::write(
        dir.path().join("contracts/beta/contract.toml"),
        GOOD_CONTRACT.replace(
            "version = \"1\"",
            "version = \"1\"\nsnapshots = \"snapshots/shared/\"",
        ),
    )
    .unwrap();
    let out = apiwatch()
        .arg("--root")
        .arg(dir.path())
        .args(["pin", "acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("snapshot folder `snapshots/shared` is also contract beta's")
            && err.contains("snapshot folder `snapshots/shared` is also contract acme's"),
        "{err}"
    );
    assert!(
        !dir.path().join("snapshots/shared").exists(),
        "nothing pinned"
    );
}
