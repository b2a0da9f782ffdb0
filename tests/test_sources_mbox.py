"""mbox variants and compressed archives: messages are split where a real separator is, gzip/bzip2/xz are
read, truncation and bombs are listed with the reason while the other files are still read."""

from __future__ import annotations

import bz2
import gzip
import lzma
import mailbox
import tracemalloc
from pathlib import Path

import pytest
from sources_helpers import FROM_LINE, THIRD_PARTY, audit, dlp, message, read, verdict_exit_code

from dlp.sources.archive import read_archive
from dlp.sources.limits import MB, Limits
from dlp.sources.mbox import is_from_line

BODY_WITH_FROM = "Hello,\n\nFrom here on, the meeting is on Mondays.\nFrom 9:00 to 10:00 in room 2.\n"


def test_from_line_shape() -> None:
    assert is_from_line(b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n")
    assert is_from_line(b"From 1719181181469318140@xxx Mon Dec 09 08:37:39 +0000 2019\n")  # Gmail Takeout
    assert is_from_line(b"From - Mon Jan 01 00:00:00 2001\n")  # Thunderbird
    assert is_from_line(b"From dev-return-1@x.apache.org Sat, 03 Oct 2020 10:00:00 +0000\n")
    assert not is_from_line(b"From here on, the meeting is on Mondays.\n")
    assert not is_from_line(b"From 9:00 to 10:00 in room 2.\n")
    assert not is_from_line(b"From: someone@example.com\n")


def test_mbox_without_blank_lines_is_split_like_the_stdlib(tmp_path: Path) -> None:
    """Separators directly after the previous message's last line: three messages, not one."""
    box = tmp_path / "no-blank.mbox"
    box.write_bytes(b"".join(FROM_LINE + message(n, to=f"p{n}@client.example").rstrip(b"\n") + b"\n" for n in range(3)))
    assert len(mailbox.mbox(box)) == 3
    messages, unreadable, _ = read(box)
    assert len(messages) == 3 and not unreadable
    run = audit(box)
    assert (run.books["read"], run.books["scanned"]) == (3, 3)
    assert not any(f["rule"] == "exposed-recipients" for f in run.json["findings"])


def test_body_lines_starting_with_from_are_not_separators(tmp_path: Path) -> None:
    box = tmp_path / "bodies.mbox"
    box.write_bytes(b"".join(FROM_LINE + message(n, body=BODY_WITH_FROM) + b"\n" for n in range(2)))
    messages, _, _ = read(box)
    assert len(messages) == 2
    assert all(b"From 9:00 to 10:00" in m.data for m in messages)


def test_mboxcl2_content_length_keeps_unescaped_from_lines_in_the_body(tmp_path: Path) -> None:
    def cl_message(n: int) -> bytes:
        body = f"Forwarded log:\n\nFrom sender@telco.example Mon Jan  1 00:00:00 2024\nline {n}\n".encode()
        head = message(n).split(b"\n\n", 1)[0]
        return FROM_LINE + head + f"\nContent-Length: {len(body)}\n\n".encode() + body + b"\n"

    box = tmp_path / "cl2.mbox"
    box.write_bytes(cl_message(1) + cl_message(2))
    messages, _, _ = read(box)
    assert len(messages) == 2
    assert b"line 1" in messages[0].data and b"Forwarded log" in messages[1].data
    # A stale Content-Length (too long) is not trusted: the separators decide.
    stale = FROM_LINE + message(1).replace(b"\n\n", b"\nContent-Length: 99999\n\n", 1) + b"\n" + FROM_LINE + message(2)
    (tmp_path / "stale.mbox").write_bytes(stale)
    messages, _, _ = read(tmp_path / "stale.mbox")
    assert len(messages) == 2


@pytest.mark.parametrize(
    ("suffix", "compress", "salvaged"),
    [(".gz", gzip.compress, 190), (".bz2", bz2.compress, 0), (".xz", lzma.compress, 150)],  # bzip2 cuts whole blocks
)
def test_compressed_mbox_and_eml_are_read(tmp_path: Path, suffix: str, compress, salvaged: int) -> None:
    mbox = b"".join(FROM_LINE + message(n) + b"\n" for n in range(4))
    (tmp_path / f"archive.mbox{suffix}").write_bytes(compress(mbox))
    (tmp_path / f"one.eml{suffix}").write_bytes(compress(message(9)))
    many = b"".join(FROM_LINE + message(n, body=f"Meeting {n * 7919} moved.\n") + b"\n" for n in range(200))
    (tmp_path / f"cut.mbox{suffix}").write_bytes(compress(many)[:-100])
    messages, unreadable, skipped = read(tmp_path)
    sources = [Path(m.source).name for m in messages]
    assert sources.count(f"archive.mbox{suffix}") == 4 and sources.count(f"one.eml{suffix}") == 1
    assert sources.count(f"cut.mbox{suffix}") >= salvaged and not skipped
    [cut] = unreadable
    assert "truncated" in cut.reason and cut.source.endswith(f"cut.mbox{suffix}")


def test_a_decompression_bomb_is_listed_and_the_audit_goes_on(tmp_path: Path) -> None:
    """300 MB of one line in 300 KB of gzip: stopped at the budget with the reason, memory bounded."""
    bomb = gzip.compress(FROM_LINE + b"Subject: x\n\n" + b"A" * (300 * MB), compresslevel=1)
    (tmp_path / "bomb.mbox.gz").write_bytes(bomb)
    (tmp_path / "good.mbox.gz").write_bytes(gzip.compress(b"".join(FROM_LINE + message(n) + b"\n" for n in range(3))))
    limits = Limits(max_message_bytes=8 * MB, max_inflated_bytes=64 * MB, max_inflate_ratio=100)
    tracemalloc.start()
    items = list(read_archive([tmp_path], limits=limits))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * MB, peak
    [bad] = [i for i in items if i.data is None]
    assert bad.source.endswith("bomb.mbox.gz") and "decompression bomb" in bad.reason
    assert sum(1 for i in items if i.data is not None) == 3


def test_a_message_over_the_size_limit_is_listed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DLP_MAX_MESSAGE_MB", "1")
    big = message(1, body="x" * (2 * MB))
    (tmp_path / "big.mbox").write_bytes(FROM_LINE + big + b"\n" + FROM_LINE + message(2))
    (tmp_path / "big.eml").write_bytes(big)
    messages, unreadable, _ = read(tmp_path)
    assert len(messages) == 1
    assert len(unreadable) == 2 and all("larger than 1 MB" in u.reason for u in unreadable)


def test_check_reads_gzip_and_mbox_on_stdin_or_exits_2() -> None:
    leak = message(1, body="Your card 4111 1111 1111 1111 was declined.\n")
    run = dlp("check", "-", "--format", "json", input=gzip.compress(leak))
    assert run.code == 1 and any(f["entity_type"] == "CREDIT_CARD" for f in run.json["findings"])
    run = dlp("check", "-", "--format", "json", input=FROM_LINE + leak)  # an mbox of one message
    assert run.code == 1
    three = b"".join(FROM_LINE + message(n) + b"\n" for n in range(3))
    run = dlp("check", "-", input=three)
    assert run.code == 2 and "3 messages" in run.stderr and "dlp audit" in run.stderr
    run = dlp("check", "-", input=bz2.compress(three))
    assert run.code == 2 and "3 messages" in run.stderr
    run = dlp("check", "-", input=gzip.compress(bytes(range(256)) * 4))
    assert run.code == 2 and "not an RFC 5322 message" in run.stderr
    run = dlp("check", "-", input=gzip.compress(leak)[:-20])
    assert run.code == 2 and "truncated" in run.stderr


def test_audit_reads_an_mbox_on_stdin(tmp_path: Path) -> None:
    three = b"".join(FROM_LINE + message(n) + b"\n" for n in range(3))
    run = audit("-", input=gzip.compress(three))
    assert run.code == verdict_exit_code(run.json) and (run.books["read"], run.books["scanned"]) == (3, 3)


def test_real_list_archives_match_the_stdlib_count() -> None:
    for box in [*sorted((THIRD_PARTY / "ponymail").glob("*.mbox")), THIRD_PARTY / "mime4j-rlug" / "mime4j-rlug.mbox"]:
        messages, unreadable, _ = read(box)
        assert len(messages) == len(mailbox.mbox(box)) and not unreadable, box.name


def _netscape(n: int, body: bytes, declared: int) -> bytes:
    """A Netscape/Eudora mailbox entry: "From - " with no date, a Content-Length that no longer fits the
    body (MimeKit's content-length.mbox.txt has such entries), no blank line before the next entry."""
    head = message(n).split(b"\n\n", 1)[0]
    return b"From - \n" + head + f"\nContent-Length: {declared}\n\n".encode() + body


def test_dateless_separators_without_blank_lines_are_split(tmp_path: Path) -> None:
    """Real 1996-97 Netscape mail (MimeKit's content-length test mailbox) was read as 19 messages of 29:
    its "From - " lines have no date and no blank line before them. A "From " line followed by a header
    line is a separator; one followed by prose stays in the body (the twin)."""
    body = b"See you.\nFrom here on, the meeting is on Mondays.\nthanks\n--\nAnn\n"
    box = tmp_path / "netscape.mbox"
    box.write_bytes(b"".join(_netscape(n, body, declared=len(body) - 12) for n in range(3)))
    assert len(mailbox.mbox(box)) == 6  # the stdlib also cuts at "From here on"
    messages, unreadable, _ = read(box)
    assert len(messages) == 3 and not unreadable
    assert all(b"From here on, the meeting" in m.data for m in messages)


def test_a_message_saved_with_a_byte_order_mark_is_read() -> None:
    """MimeKit's real ARF abuse report starts with a UTF-8 BOM: it was skipped as "not mail"."""
    report = THIRD_PARTY / "mimekit" / "feedback-report.txt"
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    messages, unreadable, skipped = read(report.parent)
    assert len(messages) == 1 and not unreadable, (unreadable, skipped)
    assert messages[0].data.startswith(b"From: <abusedesk@example.com>")
