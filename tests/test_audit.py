"""`dlp audit` on archives generated with the stdlib: planted problems are found, exactly; malformed
input is listed, never fatal, never silently dropped."""

from __future__ import annotations

import gzip
import mailbox
import random
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import run_dlp, verdict_exit_code

from dlp.cluster.samples import CARD, SHARED_PEOPLE, START, card_leak, contract
from tests.support.synthetic import ITALIAN_FIRST_NAMES, ITALIAN_LAST_NAMES

FIRST, LAST = ITALIAN_FIRST_NAMES, ITALIAN_LAST_NAMES
SHARED = "xyz123@gmail.com"


def newsletter(i: int, rng: random.Random) -> EmailMessage:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    msg = EmailMessage()
    msg["From"] = "Telco News <news@telco.example>"
    msg["To"] = f"{first} {last} <{first.lower()}.{last.lower()}{i}@mail{i % 7}.example>"
    msg["Subject"] = "Your monthly offers"
    msg["List-Id"] = "Offers <offers.telco.example>"
    msg["Date"] = format_datetime(START + timedelta(days=i))
    msg["Message-ID"] = f"<news-{i}@telco.example>"
    msg.set_content(f"Hi {first},\n\nThis month: unlimited data for 9.99 a month.\n\nThe Telco team\n")
    msg.add_alternative(f"<p>Hi {first},</p><p>This month: <b>unlimited data</b> for 9.99 a month.</p>", subtype="html")
    return msg


def survey(i: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "survey@telco.example"
    msg["To"] = ", ".join(f"{FIRST[k % 12].lower()}.{LAST[k % 10].lower()}{i}{k}@client{k}.example" for k in range(14))
    msg["Subject"] = "How did we do?"
    msg["Date"] = format_datetime(START + timedelta(days=40 + i))
    msg.set_content("Please answer our three-question survey.\n")
    return msg


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """~320 messages over mbox, mbox.gz, Maildir (with a subfolder) and a folder of .eml files."""
    root = tmp_path_factory.mktemp("archive")
    rng = random.Random(7)
    box = mailbox.mbox(root / "2024.mbox")
    for i in range(150):
        box.add(newsletter(i, rng))
    box.add(contract(SHARED_PEOPLE[0], SHARED, 3, attached=True))
    box.add(survey(1))
    box.flush()
    gz_box = mailbox.mbox(root / "plain-for-gz")
    for i in range(150, 250):
        gz_box.add(newsletter(i, rng))
    gz_box.add(card_leak(1))
    gz_box.flush()
    (root / "2025.mbox.gz").write_bytes(gzip.compress((root / "plain-for-gz").read_bytes()))
    (root / "plain-for-gz").unlink()
    maildir = mailbox.Maildir(root / "Maildir", create=True)
    for i in range(250, 300):
        maildir.add(newsletter(i, rng))
    maildir.add(contract(SHARED_PEOPLE[1], SHARED, 20, attached=True))
    sent = maildir.add_folder("Sent")
    sent.add(contract(SHARED_PEOPLE[2], SHARED, 30, attached=True))
    sent.add(survey(2))
    eml = root / "eml"
    eml.mkdir()
    for i in range(300, 315):
        (eml / f"{i}.eml").write_bytes(newsletter(i, rng).as_bytes())
    (eml / "leak.eml").write_bytes(card_leak(2).as_bytes())
    # the same Anna Rossi, first name only
    (eml / "again.eml").write_bytes(contract("Anna", SHARED, 50, attached=True).as_bytes())
    (eml / "README.md").write_text("# exported from the mail server\n")
    return root


EXPECTED_MESSAGES = 150 + 2 + 100 + 1 + 50 + 1 + 2 + 15 + 2


def test_audit_finds_exactly_the_planted_problems(archive: Path) -> None:
    run = run_dlp("audit", str(archive), "--format", "json")
    assert run.code == 1, run.stderr
    report = run.json
    assert report["summary"]["messages"] == EXPECTED_MESSAGES
    audit = report["sections"]["audit"]
    assert (audit["read"], audit["scanned"], audit["unreadable"], audit["skipped"]) == (
        EXPECTED_MESSAGES,
        EXPECTED_MESSAGES,
        0,
        1,
    )
    blocks = [f for f in report["findings"] if f["severity"] == "block"]
    by_rule: dict[str, list[dict]] = {}
    for finding in blocks:
        by_rule.setdefault(finding["rule"], []).append(finding)
    assert sorted(by_rule) == ["exposed-recipients", "sensitive-data", "shared-address"]
    # Two planted messages with everyone in To: one problem (the same rule, field and size), found in both.
    assert sum(f["messages"] for f in by_rule["exposed-recipients"]) == 2
    assert sum(len(f["occurrences"]) for f in by_rule["exposed-recipients"]) == 2
    [shared] = by_rule["shared-address"]
    assert shared["details"]["people"] == 3 and shared["details"]["messages"] == 4
    assert shared["location"]["field"] == "To"
    placeholders = [f for f in report["findings"] if f["rule"] == "placeholder-address"]
    assert [f["excerpt"] for f in placeholders] == ["x***@gmail.com"]  # the planted filler, nothing else
    cards = by_rule["sensitive-data"]
    assert {f["entity_type"] for f in cards} == {"CREDIT_CARD"}
    assert sum(f["count"] for f in cards) == 2
    sources = {loc["source"] for f in cards for loc in [f["location"], *f["occurrences"]]}
    assert any("2025.mbox.gz#" in s for s in sources) and any(s.endswith("leak.eml#1") for s in sources)
    # No newsletter (greeting its own addressee) is a shared address, exposed, or sensitive.
    assert "news@telco.example" not in run.stdout and SHARED not in run.stdout and CARD not in run.stdout
    campaigns = {row[0]: row[1] for row in report["sections"]["audit-by-campaign"]["rows"]}
    assert campaigns["list: Offers <offers.telco.example>"] == 315
    months = {row[0] for row in report["sections"]["audit-by-month"]["rows"]}
    assert {"2024-01", "2024-06", "2024-10"} <= months


def test_audit_rich_report_and_show_values(archive: Path) -> None:
    run = run_dlp("audit", str(archive / "eml"), str(archive / "Maildir"), "--show-values", "-f", "json")
    assert run.code == 1
    assert SHARED in run.stdout and CARD in run.stdout
    run = run_dlp("audit", str(archive / "eml"))
    assert "Audit" in run.stdout and "messages read" in run.stdout and "By campaign" in run.stdout


def _nested(depth: int) -> bytes:
    inner = EmailMessage()
    inner["Subject"] = "innermost"
    inner.set_content("bottom\n")
    for level in range(depth):
        outer = EmailMessage()
        outer["Subject"] = f"level {level}"
        outer.set_content("wrapper\n")
        outer.add_attachment(inner)
        inner = outer
    inner["From"] = "a@telco.example"
    inner["To"] = "b@client.example"
    return inner.as_bytes()


def test_malformed_archive_is_listed_not_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    good = newsletter(1, random.Random(1)).as_bytes()
    # A truncated mbox: the last message is cut mid-body (still scanned, as far as it goes).
    (bad / "truncated.mbox").write_bytes(
        b"From a@b Mon Jan  1 00:00:00 2024\n"
        + good
        + b"\nFrom a@b Mon Jan  1 00:00:00 2024\n"
        + good[: len(good) // 2]
    )
    # A truncated gzip: the cut-off message is listed as unreadable with the reason.
    rng = random.Random(3)
    many = b"".join(b"From a@b Mon Jan  1 00:00:00 2024\n" + newsletter(n, rng).as_bytes() + b"\n" for n in range(30))
    (bad / "cut.mbox.gz").write_bytes(gzip.compress(many)[:-40])
    # Broken MIME boundary, raw 8-bit headers, an empty file, binary garbage named .eml.
    (bad / "boundary.eml").write_bytes(
        b"From: a@telco.example\nTo: b@client.example\nSubject: broken\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\n\n--XYZ\nContent-Type: text/plain\n\nhello there\n--XY'
    )
    (bad / "8bit.eml").write_bytes(
        b"From: J\xf6rg M\xfcller <j@telco.example>\nTo: b@client.example\nSubject: Gr\xfc\xdfe \xff\xfe\n\nbody\n"
    )
    (bad / "empty.eml").write_bytes(b"")
    (bad / "garbage.eml").write_bytes(bytes(range(256)) * 10)
    (bad / "deep.eml").write_bytes(_nested(100))
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = "a@telco.example", "b@client.example", "backup"
    big.set_content("see attachment\n")
    big.add_attachment(b"x" * (50 * 1024 * 1024), maintype="application", subtype="octet-stream", filename="dump.bin")
    (bad / "big.eml").write_bytes(big.as_bytes())
    run = run_dlp("audit", str(bad), "--format", "json")
    assert run.code == verdict_exit_code(run.json) and "Traceback" not in run.stderr, run.stderr
    report = run.json
    audit = report["sections"]["audit"]
    unreadable = {row[0].rsplit("/", 1)[-1]: row[1] for row in report["sections"]["audit-unreadable"]["rows"]}
    assert any(k.startswith("cut.mbox.gz#") for k in unreadable), unreadable
    assert unreadable["empty.eml#1"] == "empty file"
    assert unreadable["garbage.eml#1"].startswith("not an RFC 5322 message")
    assert audit["read"] == audit["scanned"] + audit["unreadable"]
    # truncated mbox (2) + the gzip's messages before the cut (most of 30) + boundary, 8bit, deep, big
    assert audit["scanned"] >= 2 + 25 + 4
    unscanned = [f for f in report["findings"] if f["rule"] == "unscanned-attachment"]
    reasons = " ".join(f["message"] for f in unscanned)
    assert "scanning limit" in reasons and "nesting deeper" in reasons


def test_audit_bad_paths_and_stdin() -> None:
    run = run_dlp("audit", "/nonexistent/archive")
    assert run.code == 2 and "no such file" in run.stderr and "Traceback" not in run.stderr
    msg = card_leak(9)
    run = run_dlp("audit", "-", "--format", "json", input=msg.as_bytes())
    assert run.code == 1 and run.json["findings"][0]["location"]["source"] == "<stdin>#1"


def test_a_subject_naming_its_one_addressee_is_never_shown(tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "statements.mbox")
    for month in range(1, 5):
        msg = EmailMessage()
        msg["From"], msg["To"] = "billing@telco.example", "Anna Rossi <anna.rossi@mail.example>"
        msg["Subject"] = "Your statement, Anna Rossi"
        msg["Date"] = format_datetime(START + timedelta(days=31 * month))
        msg.set_content("Your statement is ready in your account.\n")
        box.add(msg)
    box.flush()
    run = run_dlp("audit", str(tmp_path / "statements.mbox"), "--format", "json")
    campaigns = [row[0] for row in run.json["sections"]["audit-by-campaign"]["rows"]]
    assert campaigns == ["(other subjects)"]
    assert "Rossi" not in run.stdout
