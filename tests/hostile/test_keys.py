"""The fingerprint key (issue 20): an empty or short key makes fingerprints of SSNs brute-forceable, an
unreadable key file must say which file, and a key that cannot be kept must be said, not silently changed."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import write_campaign
from hostile import cli

import dlp.redact as redact
from dlp.api import preflight, scan_message
from dlp.errors import InputError

MAIL = EmailMessage()
MAIL["From"] = "care@acme.example"
MAIL["To"] = "bob@example.org"
MAIL["Subject"] = "x"
MAIL.set_content("Your SSN is 536-22-8451.\n")


@pytest.fixture
def fresh_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Forget the key loaded by earlier tests and any key set for the suite; the home is a temp folder."""
    monkeypatch.setattr(redact, "_KEY", None)
    monkeypatch.setattr(redact, "_KEY_WARNING", None)
    monkeypatch.delenv(redact.KEY_ENV, raising=False)
    monkeypatch.delenv(redact.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def use_key_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv(redact.KEY_FILE_ENV, str(path))


@pytest.mark.parametrize("content", [b"", b"\n", b"abc\n", b"fifteen-chars-x"], ids=["empty", "newline", "3", "15"])
def test_short_key_file_is_exit_2_naming_the_file(fresh_key, tmp_path: Path, content: bytes) -> None:
    key = tmp_path / "fingerprint.key"
    key.write_bytes(content)
    use_key_file(fresh_key, key)
    run = cli("check", "-", "--format", "json", input=MAIL.as_bytes())
    assert run.code == 2 and str(key) in run.stderr and "at least 16 characters" in run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr and run.stdout == ""
    with pytest.raises(InputError, match="fingerprint key"):
        scan_message(MAIL)


def test_short_key_in_the_environment_is_refused(fresh_key, tmp_path: Path) -> None:
    fresh_key.setenv(redact.KEY_ENV, "abc")
    run = cli("check", "-", input=MAIL.as_bytes())
    assert run.code == 2 and "DLP_FINGERPRINT_KEY" in run.stderr and "at least 16" in run.stderr
    campaign = write_campaign(
        tmp_path / "c",
        'name: t\nfrom: "A <a@acme.example>"\nto: "{{ email }}"\nsubject: s\nbody: {text: b.txt}\nrecipients: p.csv\n',
        {"b.txt": "Hi\n", "p.csv": "email\nx@example.org\n"},
    )
    with pytest.raises(InputError, match="DLP_FINGERPRINT_KEY"):
        preflight(campaign)
    assert cli("preflight", str(campaign)).code == 2
    (tmp_path / "sent").mkdir()
    (tmp_path / "sent" / "m.eml").write_bytes(MAIL.as_bytes())
    assert cli("audit", str(tmp_path / "sent")).code == 2


def test_unreadable_key_file_is_exit_2_naming_the_file(fresh_key, tmp_path: Path) -> None:
    key = tmp_path / "fingerprint.key"
    key.mkdir()  # unreadable as a file even for root (chmod 000 is not, when tests run as root)
    use_key_file(fresh_key, key)
    run = cli("check", "-", input=MAIL.as_bytes())
    assert run.code == 2 and str(key) in run.stderr and "cannot read the fingerprint key file" in run.stderr
    assert "internal error" not in run.stderr


def test_key_that_cannot_be_created_scans_with_a_note(fresh_key, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the home's parent should be")
    fresh_key.setenv("HOME", str(blocker / "home"))  # creating ~/.config/dlp fails, as on a read-only home
    run = cli("check", "-", "--format", "json", input=MAIL.as_bytes())
    assert run.code == 1 and run.json["verdict"] == "block"  # it still scanned
    assert any("fingerprints are not stable across runs" in note for note in run.json["notes"])
    rich = cli("check", "-", input=MAIL.as_bytes())
    assert "fingerprints are not stable across runs" in " ".join(rich.stdout.split())


def test_created_key_is_private_long_and_stable(fresh_key, tmp_path: Path) -> None:
    first = cli("check", "-", "--format", "json", input=MAIL.as_bytes()).json
    key = tmp_path / "home" / ".config" / "dlp" / "fingerprint.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes().strip()) >= 64
    fresh_key.setattr(redact, "_KEY", None)  # as a new process would: read the key back from the file
    second = cli("check", "-", "--format", "json", input=MAIL.as_bytes()).json
    assert [f["fingerprint"] for f in first["findings"]] == [f["fingerprint"] for f in second["findings"]]
    assert "notes" not in first or not any("not stable" in n for n in first["notes"])
