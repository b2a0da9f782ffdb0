"""Fingerprints are what baselines and allowlists are built from, so a finding must keep its fingerprint:
across runs (another process, another hash seed), when the template line moves, and on another machine
(another folder, another home) with the same key. A different key, or a different value on the same line,
gives a different fingerprint (SPEC: never from line positions alone, keyed HMAC)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_dlp_process

import dlp.redact as redact
from dlp.api import preflight
from dlp.model import Finding

KEY = "fingerprint-test-key-0123456789"
OTHER_KEY = "another-team-key-9876543210-xyz"


def lease_copy(directory: Path, rows: int = 2) -> Path:
    """The lease-contract example (date of birth and account number in body and attachment), `rows` rows."""
    shutil.copytree(EXAMPLES / "lease-contract", directory)
    csv = directory / "customers.csv"
    csv.write_text("\n".join(csv.read_text(encoding="utf-8").splitlines()[: rows + 1]) + "\n", encoding="utf-8")
    return directory / "campaign.yaml"


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Use `key` for the next scans: the loaded key is forgotten, the home is a fresh folder (no key file)."""

    def use(key: str, home: str = "home") -> None:
        monkeypatch.setattr(redact, "_KEY", None)
        monkeypatch.setenv(redact.KEY_ENV, key)
        monkeypatch.delenv(redact.KEY_FILE_ENV, raising=False)
        monkeypatch.setenv("HOME", str(tmp_path / home))

    return use


def scan(campaign: Path) -> dict[tuple, Finding]:
    """{(rule, entity type, recipient, field): finding}; each key names one finding of the lease copy."""
    report = preflight(campaign)
    out = {(f.rule, f.entity_type, f.location.recipient, f.location.field): f for f in report.findings}
    assert len(out) == len(report.findings)  # the key tells findings apart
    return out


def fingerprints(campaign: Path) -> dict[tuple, str]:
    return {key: finding.fingerprint for key, finding in scan(campaign).items()}


def test_same_finding_same_fingerprint_on_another_machine_with_the_same_key(keyed, tmp_path: Path) -> None:
    keyed(KEY, home="alice")
    here = fingerprints(lease_copy(tmp_path / "alice" / "work" / "lease"))
    keyed(KEY, home="bob")  # another user, another checkout folder, the team's key
    there = fingerprints(lease_copy(tmp_path / "ci" / "build" / "lease-contract"))
    assert len(here) == 8  # 2 rows x (date of birth, account number) x (body, attachment)
    assert here == there
    assert len(set(here.values())) == len(here)  # and every finding has its own


def test_a_different_key_changes_every_fingerprint(keyed, tmp_path: Path) -> None:
    campaign = lease_copy(tmp_path / "lease")
    keyed(KEY)
    ours = fingerprints(campaign)
    keyed(OTHER_KEY)
    theirs = fingerprints(campaign)
    assert ours.keys() == theirs.keys()
    assert not set(ours.values()) & set(theirs.values())


def test_moving_the_line_keeps_the_fingerprint(keyed, tmp_path: Path) -> None:
    keyed(KEY)
    campaign = lease_copy(tmp_path / "lease")
    before = scan(campaign)
    body = campaign.parent / "lease.txt.j2"
    body.write_text("Reference: ACME-LEASE\nPlease keep this letter.\n\n" + body.read_text(encoding="utf-8"))
    after = scan(campaign)
    assert {k: f.fingerprint for k, f in after.items()} == {k: f.fingerprint for k, f in before.items()}
    moved = [key for key in before if key[3] == "body.text"]
    assert moved and all(after[key].location.line == before[key].location.line + 3 for key in moved)  # it moved


def test_a_new_value_on_an_old_line_gets_a_new_fingerprint(keyed, tmp_path: Path) -> None:
    keyed(KEY)
    campaign = lease_copy(tmp_path / "lease")
    before = fingerprints(campaign)
    csv = campaign.parent / "customers.csv"
    header, first, second = csv.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    row = first.split(",")
    old_dob = row[columns.index("date_of_birth")]
    row[columns.index("date_of_birth")] = "02/29/1968" if old_dob != "02/29/1968" else "03/01/1968"
    csv.write_text("\n".join([header, ",".join(row), second]) + "\n", encoding="utf-8")
    after = fingerprints(campaign)
    changed = {key for key in before if before[key] != after[key]}
    # Only the first row's date of birth (body and attachment) changed; a baseline must not hide it.
    assert changed == {key for key in before if key[1] == "DATE_OF_BIRTH" and key[2] == row[columns.index("email")]}
    assert len(changed) == 2


def test_fingerprints_are_the_same_in_another_process(keyed, tmp_path: Path) -> None:
    """Another run of the real executable, with another hash seed: nothing in a fingerprint depends on the
    process (set order, object ids, the time)."""
    keyed(KEY)
    campaign = lease_copy(tmp_path / "lease")
    in_process = sorted(fingerprints(campaign).values())
    run = run_dlp_process(
        "preflight", str(campaign), "--format", "json", env={redact.KEY_ENV: KEY, "PYTHONHASHSEED": "12345"}
    )
    assert run.code == 1, run.stderr
    occurrences = [o["fingerprint"] for problem in run.json["findings"] for o in problem["occurrences"]]
    assert sorted(occurrences) == in_process
