"""Real mail written by other people, and the header forms that made the stdlib raise: every message is
read and scanned (or listed with its reason), a header the stdlib rejects is read raw and noted."""

from __future__ import annotations

import base64
import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest
from sources_helpers import THIRD_PARTY, audit, dlp, message, read, verdict_exit_code

import dlp as dlp_api
from dlp.sources.email_message import parse_bytes, to_scan_message

# Every message file of these folders is one message: the true count is the number of files.
SINGLE_MESSAGE_FOLDERS = ["enmime", "enmime-low-quality", "mime4j-testmsgs", "stalwart-dovecot-malformed"]
NOT_MAIL = {"LICENSE", "COPYING", "NOTICE", "SOURCE"}


def _true_count(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.name not in NOT_MAIL)


@pytest.mark.parametrize("name", SINGLE_MESSAGE_FOLDERS)
def test_every_third_party_message_is_read_and_walked(name: str) -> None:
    folder = THIRD_PARTY / name
    messages, unreadable, skipped = read(folder)
    assert len(messages) == _true_count(folder) and not unreadable
    assert {Path(s.source).name for s in skipped} == NOT_MAIL & {p.name for p in folder.iterdir()}
    for item in messages:
        scan = to_scan_message(parse_bytes(item.data), source=item.label)
        assert scan.parts, item.label  # something was read from every message


def test_audit_of_real_low_quality_mail_scans_every_message() -> None:
    """enmime's low-quality fixtures are `.raw` files: before, 0 of 12 were read and the audit passed."""
    folder = THIRD_PARTY / "enmime-low-quality"
    run = audit(folder)
    assert run.code == verdict_exit_code(run.json), run.stderr
    assert (run.books["read"], run.books["scanned"], run.books["unreadable"]) == (12, 12, 0)
    assert set(run.named("audit-skipped")) == {"LICENSE", "SOURCE"}


def test_real_list_archive_and_maildir_copy_agree(tmp_path: Path) -> None:
    """The same real list messages as an mbox and as a Maildir tree give the same count."""
    source = THIRD_PARTY / "mime4j-rlug" / "mime4j-rlug.mbox"
    box = mailbox.mbox(source)
    (tmp_path / "Mail" / "lists").mkdir(parents=True)
    target = mailbox.Maildir(tmp_path / "Mail" / "lists" / "rlug", create=True)  # a LAYOUT=fs subfolder
    for msg in box:
        target.add(msg)
    run = audit(source, tmp_path / "Mail")
    assert run.code == verdict_exit_code(run.json) and run.books["scanned"] == 2 * len(box) == 10


def test_outlook_msg_is_read_with_headers_bodies_and_attachments() -> None:
    folder = THIRD_PARTY / "apache-poi"
    messages, unreadable, _ = read(folder)
    assert len(messages) == 3 and not unreadable
    by_name = {Path(m.source).name: to_scan_message(parse_bytes(m.data)) for m in messages}
    quick = by_name["quick.msg"]
    assert quick.header("Subject") == ["Test the content transformer"]
    assert any("quick brown fox" in p.text for p in quick.parts)
    with_attachments = by_name["attachment_test_msg.msg"]
    assert [p for p in with_attachments.parts if p.kind == "attachment"] or with_attachments.unreadable
    run = dlp("check", str(folder / "simple_test_msg.msg"), "--format", "json")
    assert run.code == verdict_exit_code(run.json), run.stderr
    assert run.json["summary"]["messages"] == 1


HEADER_CASES = {
    "sendmail-unlisted": b"From: a@telco.example\nTo: unlisted-recipients:; (no To-header on input)\nSubject: x\n\n",
    "newline-in-name": b"From: =?utf-8?q?Anna=0A_Rossi?= <a@telco.example>\nTo: b@client.example\nSubject: x\n\n",
    "crlf-in-name-b": b"From: a@telco.example\nTo: =?utf-8?b?QW5uYQ0KUm9zc2k=?= <x@client.example>\nSubject: x\n\n",
}


@pytest.mark.parametrize("case", sorted(HEADER_CASES))
def test_headers_the_stdlib_rejects_are_read_raw_and_noted(case: str) -> None:
    data = HEADER_CASES[case] + b"Your card 4111 1111 1111 1111 was declined.\n"
    scan = to_scan_message(parse_bytes(data))
    assert any("could not parse" in note for note in scan.notes)
    assert all("\n" not in value for _name, value in scan.headers)
    run = dlp("check", "-", "--format", "json", input=data)
    assert run.code == 1, run.stderr  # a verdict (the card), not "internal error"
    report = dlp_api.scan_message(parse_bytes(data))
    assert report.verdict == "block"


def _nested(levels: int) -> bytes:
    out = b"From: a@telco.example\nTo: b@client.example\nSubject: deep\nMIME-Version: 1.0\n"
    for i in range(levels):
        out += b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
    out += b"Content-Type: text/plain\n\nSSN 536-22-8451\n"
    for i in reversed(range(levels)):
        out += b"--b%d--\n" % i
    return out


def test_thousand_level_nesting_gets_a_verdict() -> None:
    run = dlp("check", "-", "--format", "json", input=_nested(1000))
    # The SSN sits below the nesting limit: what could not be read is a blocking finding, never a pass.
    assert run.code == 1 and run.json["verdict"] == "block", run.stderr
    unscanned = [f for f in run.json["findings"] if f["rule"] == "unscanned-attachment"]
    assert unscanned and "nesting" in unscanned[0]["message"]


def test_garbage_base64_is_noted_or_listed_never_scanned_as_junk() -> None:
    def part(payload: bytes) -> bytes:
        head = b"From: a@telco.example\nTo: b@client.example\nSubject: x\nContent-Type: text/plain\n"
        return head + b"Content-Transfer-Encoding: base64\n\n" + payload + b"\n"

    truncated = to_scan_message(parse_bytes(part(base64.b64encode(b"SSN 536-22-8451, call me")[:-3])))
    assert any("malformed base64" in n for n in truncated.notes)
    assert any("536-22-8451" in p.text for p in truncated.parts)  # decoded as far as it goes, not lost
    junk = to_scan_message(parse_bytes(part(b"!!@@##$$ \x01\x02 garbage ==abc")))
    assert junk.unreadable and "binary" in junk.unreadable[0].reason
    assert not any(p.kind == "text" for p in junk.parts)


def test_utf16_without_bom_is_read_with_a_note(tmp_path: Path) -> None:
    data = message(1, body="Your card 4111 1111 1111 1111 was declined.\n").decode().encode("utf-16-le")
    (tmp_path / "exported.eml").write_bytes(data)
    [item], _, _ = read(tmp_path)
    assert "UTF-16-LE" in item.note
    run = dlp("check", str(tmp_path / "exported.eml"), "--format", "json")
    assert run.code == 1, run.stderr


def test_apple_emlx_is_read(tmp_path: Path) -> None:
    raw = message(1)
    (tmp_path / "12.emlx").write_bytes(b"%d\n" % len(raw) + raw + b'<?xml version="1.0"?><plist></plist>\n')
    [item], _, _ = read(tmp_path)
    assert item.data == raw


def test_check_of_a_fifo_or_device_exits_2(tmp_path: Path) -> None:
    run = dlp("check", "/dev/zero")
    assert run.code == 2 and "character device" in run.stderr


def test_api_scan_message_with_a_compat32_message_decodes_names() -> None:
    """Django builds compat32 messages: encoded words are decoded like any other message's."""
    from email.mime.text import MIMEText

    msg = MIMEText("Hello\n")
    msg["From"] = "=?utf-8?q?J=C3=B6rg?= <j@telco.example>"
    msg["To"] = "b@client.example"
    scan = to_scan_message(msg)
    assert scan.header("From") == ["Jörg <j@telco.example>"]
    assert isinstance(EmailMessage(), EmailMessage)
