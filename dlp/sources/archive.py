"""Reading past sends: .eml files, mbox files (plain or gzip), Maildir folders, folders of them, stdin.

Everything streams — one message in memory at a time — so a ten-year archive costs no more memory than
a day's. mbox is split here rather than with `mailbox.mbox`, which needs a seekable plain file and keeps
a table of every message's offset; Maildir goes through `mailbox.Maildir`. Nothing is dropped: every
message read is yielded, and everything that could not be read (a truncated gzip, an unreadable file, a
file that is not mail) is yielded too, as an `ArchiveItem` with a reason.
"""

from __future__ import annotations

import itertools
import mailbox
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dlp.errors import InputError

HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ".mbx", ".mail", ".txt", ".gz", ""}
MAX_MESSAGE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class ArchiveItem:
    """One message (data) or one thing that could not be read as messages (reason)."""

    source: str  # the file (and, for Maildir, the message file) it came from
    number: int  # 1-based position of the message within `source` (0 for whole-file problems)
    data: bytes | None = None
    reason: str | None = None
    skipped: bool = False  # not mail at all (e.g. a README in the folder), listed but not "unreadable"
    damaged: bool = False  # a file-level problem (unreadable file, corrupt gzip) rather than one message

    @property
    def label(self) -> str:
        return f"{self.source}#{self.number}" if self.number else self.source


class Truncated(Exception):
    """The compressed stream ended early; everything before the cut has been yielded."""


def _chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """The file's bytes, gunzipped if it is gzip — salvaging everything before a truncation or corruption."""
    with path.open("rb") as raw:
        first = raw.read(size)
        if not first.startswith(b"\x1f\x8b"):
            while first:
                yield first
                first = raw.read(size)
            return
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = first
        while True:
            if not pending:
                pending = raw.read(size)
                if not pending:
                    break
            try:
                out = inflater.decompress(pending)
            except zlib.error as exc:
                raise Truncated(f"gzip data corrupt ({exc})") from None
            pending = b""
            if out:
                yield out
            if inflater.eof:  # end of one gzip member; a multi-member file goes on with the next
                pending = inflater.unused_data or raw.read(size)
                if not pending.strip(b"\x00"):
                    return
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if not inflater.eof:
            raise Truncated("gzip stream ends early (file truncated)")


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        lines = pending.split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


def _sniff(head: bytes) -> str | None:
    """'mbox', 'message' or None (not mail)."""
    text = head.lstrip(b"\r\n\t ")
    if text.startswith(b"From "):
        return "mbox"
    first = text.split(b"\n", 1)[0]
    if HEADER_LINE.match(first):
        return "message"
    return None


def _read_whole(stream: Iterable[bytes], source: str) -> Iterator[ArchiveItem]:
    parts: list[bytes] = []
    size = 0
    for line in stream:
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            break
        parts.append(line)
    data = b"".join(parts)
    if size > MAX_MESSAGE_BYTES:
        yield ArchiveItem(source, 1, reason=f"message larger than {MAX_MESSAGE_BYTES // 1024 // 1024} MB: not scanned")
    else:
        yield ArchiveItem(source, 1, data=data)


def split_mbox(stream: Iterable[bytes], source: str) -> Iterator[ArchiveItem]:
    """Messages of an mbox stream: a 'From ' line at the start or after a blank line begins a message."""
    number = 0
    lines: list[bytes] = []
    size = 0
    previous_blank = True
    too_big = False

    def flush() -> ArchiveItem | None:
        if number == 0:
            return None
        if too_big:
            return ArchiveItem(source, number, reason="message larger than the scanning limit: not scanned")
        data = b"".join(lines)
        if not data.strip():
            return ArchiveItem(source, number, reason="empty message in mbox")
        return ArchiveItem(source, number, data=data)

    try:
        for line in stream:
            if line.startswith(b"From ") and previous_blank:
                item = flush()
                if item is not None:
                    yield item
                number += 1
                lines, size, too_big = [], 0, False
                previous_blank = False
                continue
            previous_blank = line in (b"\n", b"\r\n")
            if number == 0:
                if not line.strip():
                    continue
                number = 1  # content before the first From_ line: still a message, never dropped
            size += len(line)
            if size > MAX_MESSAGE_BYTES:
                too_big, lines = True, []
            elif not too_big:
                lines.append(line)
    except Truncated as exc:
        # The message being read when the data ran out is incomplete: list it, do not scan half a message.
        if number:
            yield ArchiveItem(source, number, reason=f"cut off: {exc}")
        else:
            yield ArchiveItem(source, 0, reason=str(exc), damaged=True)
        return
    item = flush()
    if item is not None:
        yield item


def _read_file(path: Path, named: bool = False) -> Iterator[ArchiveItem]:
    """Messages of one file. A file named on the command line or with a mail suffix that turns out not to
    be mail is unreadable (it was meant to be mail); any other non-mail file in a folder is skipped, listed."""
    source = str(path)
    try:
        lines = _lines(_chunks(path))
        head: list[bytes] = []
        for line in lines:
            head.append(line)
            if line.strip() or len(head) > 100:
                break
        kind = _sniff(b"".join(head))
        if kind is None:
            if named or path.suffix.lower() in MAIL_SUFFIXES - {"", ".txt"}:
                empty = not b"".join(head).strip()
                reason = "empty file" if empty else "not an RFC 5322 message (no header lines, no mbox 'From ' line)"
                yield ArchiveItem(source, 1, reason=reason)
            else:
                yield ArchiveItem(source, 0, reason="not a mail file", skipped=True)
            return
        stream = itertools.chain(head, lines)
        if kind == "mbox":
            yield from split_mbox(stream, source)
        else:
            yield from _read_whole(stream, source)
    except Truncated as exc:
        yield ArchiveItem(source, 1, reason=f"cut off: {exc}")
    except OSError as exc:
        yield ArchiveItem(source, 0, reason=f"could not read: {exc.strerror or exc}", damaged=True)


def _read_maildir(path: Path) -> Iterator[ArchiveItem]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        source = str(path / box._lookup(key))
        try:
            yield ArchiveItem(source, 1, data=box.get_bytes(key))
        except (OSError, KeyError) as exc:
            yield ArchiveItem(source, 1, reason=f"could not read: {exc}")
    for folder in sorted(box.list_folders()):
        yield from _read_maildir(path / f".{folder}")


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _read_directory(path: Path) -> Iterator[ArchiveItem]:
    if is_maildir(path):
        yield from _read_maildir(path)
        return
    for root, dirs, files in os.walk(path, onerror=None):
        dirs.sort()
        here = Path(root)
        for name in list(dirs):
            if is_maildir(here / name):
                dirs.remove(name)
                yield from _read_maildir(here / name)
        for name in sorted(files):
            file_path = here / name
            if name.startswith(".") or file_path.suffix.lower() not in MAIL_SUFFIXES:
                yield ArchiveItem(str(file_path), 0, reason="not a mail file (by its name)", skipped=True)
                continue
            yield from _read_file(file_path)


def read_archive(paths: Iterable[str | Path], stdin: BinaryIO | None = None) -> Iterator[ArchiveItem]:
    """Every message (or unreadable thing) under `paths`, in a stable order; '-' is stdin (one message)."""
    for raw in paths:
        if str(raw) == "-":
            stream = stdin or sys.stdin.buffer
            yield ArchiveItem("<stdin>", 1, data=stream.read())
            continue
        path = Path(raw)
        if path.is_dir():
            yield from _read_directory(path)
        elif path.is_file():
            yield from _read_file(path, named=True)
        else:
            raise InputError("no such file or folder", path=path)
