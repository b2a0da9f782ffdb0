"""Every file under an audited folder is read or named: Maildir, Maildir++ and LAYOUT=fs trees, loose
files of any name, links and loops, FIFOs and devices; a run that scans nothing exits 2."""

from __future__ import annotations

import mailbox
import os
import signal
from pathlib import Path

import pytest
from sources_helpers import audit, message, read, verdict_exit_code

from dlp.sources.archive import read_archive


def maildir(path: Path, *bodies: bytes, cur: int = 0) -> None:
    """A Maildir at `path` with messages in new/ (and the first `cur` of them in cur/)."""
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for n, body in enumerate(bodies):
        folder = "cur" if n < cur else "new"
        name = f"17000000{n:02d}.M{n}P1.host" + (":2,S" if folder == "cur" else "")
        (path / folder / name).write_bytes(body)


@pytest.fixture
def mail_tree(tmp_path: Path) -> Path:
    """Mail/ as Dovecot LAYOUT=fs, Maildir++, mbsync and notmuch leave it: 14 messages in all."""
    root = tmp_path / "Mail"
    n = iter(range(100))
    maildir(root, message(next(n)), message(next(n)), cur=1)  # 2: the root Maildir (INBOX)
    maildir(root / "Sent", message(next(n)), message(next(n)))  # 2: a non-dot subfolder (LAYOUT=fs, mbsync)
    maildir(root / "bar" / "baz", message(next(n)))  # 1: nested non-dot folders
    maildir(root / ".Archive", message(next(n)), message(next(n)))  # 2: Maildir++ dot folder
    (root / ".Archive" / "maildirfolder").write_bytes(b"")
    maildir(root / ".Archive.2023", message(next(n)))  # 1
    (root / "loose.eml").write_bytes(message(next(n)))  # 1: a loose file in a mail folder
    (root / "bar" / "msg.1").write_bytes(message(next(n)))  # 1: any name (MH-style)
    (root / "copied-out").mkdir()
    (root / "copied-out" / "1700000000.M1P1.host:2,S").write_bytes(message(next(n)))  # 1: Maildir name, no cur/
    (root / "copied-out" / "bounce.raw").write_bytes(message(next(n)))  # 1
    (root / "Sent" / "tmp" / "1700000099.M9P9.host").write_bytes(message(99))  # a delivery in progress
    (root / "dovecot-uidlist").write_bytes(b"3 V1700000000 N3\n")
    (root / ".notmuch" / "xapian").mkdir(parents=True)
    (root / ".notmuch" / "xapian" / "postlist.glass").write_bytes(b"\x00\x01binary index")
    (root / "notes.yaml").write_bytes(b"owner: me\nexported: 2024-01-01\n")
    (root / "export.mbox").write_bytes(
        b"".join(b"From a@b.example Mon Jan  1 00:00:00 2024\n" + message(next(n)) + b"\n" for _ in range(2))
    )  # 2
    return root


TRUE_COUNT = 14


def test_every_layout_is_read_and_nothing_else_is_silent(mail_tree: Path) -> None:
    messages, unreadable, skipped = read(mail_tree)
    assert len(messages) == TRUE_COUNT and not unreadable
    # The stdlib's Maildir reader sees only the root's cur/new: the other 12 need no layout to be found.
    assert len(mailbox.Maildir(mail_tree, create=False)) == 2
    named = {Path(i.source).name: i.reason for i in skipped}
    assert "tmp/" in named["1700000099.M9P9.host"]
    assert "not mail" in named["notes.yaml"]
    assert "mail store" in named["dovecot-uidlist"] and "notmuch" in named["postlist.glass"]
    assert "mail store" in named["maildirfolder"]


def test_audit_counts_and_names_every_skip(mail_tree: Path) -> None:
    run = audit(mail_tree)
    assert run.code == verdict_exit_code(run.json), run.stderr
    books = run.books
    assert (books["read"], books["scanned"], books["unreadable"]) == (TRUE_COUNT, TRUE_COUNT, 0)
    assert books["skipped"] == 2 and books["store_files"] == 3
    skipped = run.named("audit-skipped")
    assert set(skipped) == {"1700000099.M9P9.host", "notes.yaml"}
    assert set(run.named("audit-store-files")) == {"dovecot-uidlist", "maildirfolder", "postlist.glass"}
    assert run.json["summary"]["messages"] == TRUE_COUNT


def test_a_symlink_loop_is_read_once(mail_tree: Path) -> None:
    (mail_tree / ".Loop").symlink_to(".")
    (mail_tree / "bar" / "up").symlink_to("..")
    (mail_tree / "again.eml").symlink_to("loose.eml")
    messages, _unreadable, skipped = read(mail_tree)
    assert len(messages) == TRUE_COUNT
    named = {Path(i.source).name: i.reason for i in skipped}
    assert "already read" in named[".Loop"] and "already read" in named["up"]
    # The link and its target are one file: read once, the other path named.
    assert "already read" in named.get("again.eml", "") + named.get("loose.eml", "")


def _alarm(seconds: int):
    def expired(*_args):
        raise TimeoutError("the reader blocked")

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)


def test_fifo_and_devices_are_named_never_opened(mail_tree: Path) -> None:
    fifo = mail_tree / "Sent" / "new" / "pipe"
    os.mkfifo(fifo)
    _alarm(20)
    try:
        messages, _unreadable, skipped = read(mail_tree)
        assert len(messages) == TRUE_COUNT
        assert "FIFO" in {Path(i.source).name: i.reason for i in skipped}["pipe"]
        # Named on the command line: listed as unreadable, and with nothing scanned the audit exits 2.
        run = audit(fifo, "/dev/zero")
        assert run.code == 2
        assert "FIFO" in run.stderr and "character device" in run.stderr and "/dev/zero" in run.stderr
        run = audit(mail_tree / "Sent" / "new" / "pipe", mail_tree / "loose.eml")
        assert run.code == verdict_exit_code(run.json) and run.books["damaged"] == 1 and run.books["scanned"] == 1
    finally:
        signal.alarm(0)


def test_any_name_whose_content_is_mail_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("a.raw", "msg.1", "1700000000.M1P1.host:2,S", "message.txt", "NOEXT"):
        (folder / name).write_bytes(message(1, body=f"File {name}.\n"))
    run = audit(folder)
    assert run.code == verdict_exit_code(run.json), run.stderr
    assert (run.books["read"], run.books["scanned"], run.books["skipped"]) == (5, 5, 0)


def test_nothing_scanned_is_never_a_pass(tmp_path: Path) -> None:
    folder = tmp_path / "not-mail"
    folder.mkdir()
    (folder / "README.md").write_text("# exported\n")
    (folder / "data.bin").write_bytes(bytes(range(256)))
    run = audit(folder)
    assert run.code == 2
    assert "no message was scanned" in run.stderr
    assert "README.md" in run.stderr and "data.bin" in run.stderr and "binary" in run.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run = audit(empty)
    assert run.code == 2 and "no message was found" in run.stderr


def test_order_is_stable_and_labels_name_the_file(mail_tree: Path) -> None:
    first = [i.label for i in read_archive([mail_tree])]
    assert first == [i.label for i in read_archive([mail_tree])]
    assert any(label.endswith("export.mbox#2") for label in first)
