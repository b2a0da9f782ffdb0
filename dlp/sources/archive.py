"""Reading past sends: any folder tree of mail, mbox files (plain, gzip, bzip2, xz), single messages
of any name, Outlook .msg, stdin.

Every regular file under a folder is looked at and either read as mail (its content decides, see
`dlp.sources.sniff`) or named as skipped with the reason, so no Maildir/Maildir++/`LAYOUT=fs`/mbsync/
notmuch/mu layout can hide messages: there is no layout to guess. Links are followed, but a folder or
file reached twice (a `.Loop -> .` link, a second path) is read once; FIFOs and devices are never
opened. Everything streams, one message in memory at a time, within the budgets of
`dlp.sources.limits`; whatever could not be read (a truncated gzip, a bomb, an unreadable file) is
yielded as an `ArchiveItem` with a reason.
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from dlp.errors import InputError
from dlp.sources.item import ArchiveItem
from dlp.sources.limits import PIECE, Limits
from dlp.sources.mbox import UTF8_BOM, split_mbox
from dlp.sources.sniff import HEAD_SIZE, MAIL_SUFFIXES, Kind, classify
from dlp.sources.stream import OverBudget, Peekable, Reader, StreamProblem, compression_of, inflate, lines, plain

__all__ = ["ArchiveItem", "one_message", "read_archive", "read_bytes"]

COMPRESSED_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".tgz"})
_FILE_TYPES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


# Files a mail store keeps beside the messages (Maildir++, Dovecot, Courier, mbsync, MH, notmuch, mu, Thunderbird).
_STORE_FILES = frozenset(
    {
        "maildirfolder", "dovecot-uidlist", "dovecot-keywords", "dovecot.mailbox.log", "subscriptions",
        ".mbsyncstate", ".uidvalidity", ".mh_sequences", "courierimapuiddb", "courierimapkeywords",
        "courierimapsubscribed", ".noindex", ".noupdate", ".isyncuidmap.db", "msgfilterrules.dat",
    }
)  # fmt: skip
_STORE_PREFIXES = ("dovecot.index", "dovecot.list.index", "dovecot-uidvalidity", ".mbsyncstate.", "mu-")
_STORE_FOLDERS = frozenset({".notmuch", "xapian"})


def store_file(path: Path) -> str | None:
    """Why `path` is a mail store's own file (an index, a marker), or None."""
    name = path.name
    if name in _STORE_FILES or name.startswith(_STORE_PREFIXES) or name.endswith(".msf"):
        return "a mail store's own file (index or marker), not a message"
    if any(part in _STORE_FOLDERS for part in path.parent.parts):
        return "part of a notmuch database, not a message"
    return None


def _file_type(mode: int) -> str:
    for test, name in _FILE_TYPES:
        if test(mode):
            return name
    return "not a regular file"


def meant_as_mail(path: Path) -> bool:
    """A mail suffix (also under .gz/.bz2/.xz) or a Maildir cur/new folder: non-mail content is an error."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
    return bool(suffixes and suffixes[-1] in MAIL_SUFFIXES) or path.parent.name in ("cur", "new")


def _whole(source: str, chunks: Peekable, limits: Limits, kind: Kind) -> Iterator[ArchiveItem]:
    data = chunks.read_all(limits.max_message_bytes)
    if data is None:
        yield ArchiveItem(
            source, 1, reason=f"message larger than {limits.message_mb} MB (DLP_MAX_MESSAGE_MB): not scanned"
        )
        return
    if kind.name == "emlx":  # Apple Mail: a byte count line, the message, then an XML property list
        count, _, rest = data.lstrip().partition(b"\n")
        yield ArchiveItem(source, 1, data=rest[: int(count)], note="Apple Mail .emlx")
        return
    if kind.name == "outlook":
        from dlp.sources.outlook import OutlookError, outlook_to_bytes

        try:
            converted, note = outlook_to_bytes(data)
        except OutlookError as exc:
            yield ArchiveItem(source, 1, reason=str(exc))
            return
        yield ArchiveItem(source, 1, data=converted, note=note or "Outlook .msg read with extract-msg")
        return
    if kind.name == "body":
        note = "no header lines: the whole text was scanned as a body"
        yield ArchiveItem(source, 1, data=b"\n" + data.lstrip(b"\r\n"), note=note)
        return
    yield ArchiveItem(source, 1, data=data.removeprefix(UTF8_BOM).lstrip(b"\r\n\t "))


def _read_content(
    source: str, first: bytes, read: Reader, size: int | None, meant: bool, limits: Limits, skip_unknown: bool
) -> Iterator[ArchiveItem]:
    """The messages of one stream of bytes (a file's or stdin's), whatever its packaging."""
    compressed = compression_of(first)
    chunks = Peekable(inflate(compressed, first, read, limits.inflate_cap(size)) if compressed else plain(first, read))
    try:
        head = chunks.head(HEAD_SIZE)
        if chunks.error is not None and not head.strip():
            yield ArchiveItem(source, 1, reason=f"cannot be read: {chunks.error}")
            return
        kind = classify(head, meant)
        if kind.name == "utf16":
            yield from _read_utf16(source, chunks, kind.detail, limits, skip_unknown)
            return
        if kind.name in ("empty", "not-mail"):
            if meant or not skip_unknown:
                reason = kind.detail if kind.name == "empty" else f"not an RFC 5322 message ({kind.detail})"
                yield ArchiveItem(source, 1, reason=reason)
            else:
                yield ArchiveItem(source, 0, reason=kind.detail, skipped=True)
            return
        if kind.name in ("mbox", "mbox-classic"):
            yield from split_mbox(lines(chunks), source, limits, strict=kind.name == "mbox")
            return
        yield from _whole(source, chunks, limits, kind)
    except OverBudget as exc:
        yield ArchiveItem(source, 1, reason=f"{exc}; not scanned")
    except StreamProblem as exc:
        yield ArchiveItem(source, 1, reason=f"cut off: {exc}")


def _read_utf16(source: str, chunks: Peekable, encoding: str, limits: Limits, skip: bool) -> Iterator[ArchiveItem]:
    data = chunks.read_all(limits.max_message_bytes * 2)
    if data is None:
        yield ArchiveItem(source, 1, reason=f"UTF-16 file larger than {2 * limits.message_mb} MB: not scanned")
        return
    text = data.decode(encoding, errors="replace").encode("utf-8")
    note = f"the file is {encoding.upper()} text; converted to UTF-8 to be read"
    for item in _read_content(source, text[:PIECE], _Buffer(text, PIECE).read, None, True, limits, skip):
        yield item if item.data is None else ArchiveItem(item.source, item.number, data=item.data, note=note)


class _Buffer:
    def __init__(self, data: bytes, start: int) -> None:
        self.data, self.position = data, start

    def read(self, size: int) -> bytes:
        out = self.data[self.position : self.position + size]
        self.position += len(out)
        return out


def read_bytes(data: bytes, source: str, limits: Limits | None = None) -> Iterator[ArchiveItem]:
    """The messages in one blob (a message, an mbox, compressed or not): what `dlp check -` reads."""
    buffer = _Buffer(data, PIECE)
    yield from _read_content(source, data[:PIECE], buffer.read, len(data), True, limits or Limits.from_env(), False)


def read_input(name: str, stdin: BinaryIO | None = None, limits: Limits | None = None) -> bytes:
    """The bytes `dlp check` was given: a regular file (never a FIFO or a device: they could block or never
    end) or standard input, at most DLP_MAX_MESSAGE_MB."""
    limits = limits or Limits.from_env()
    too_big = f"larger than {limits.message_mb} MB (DLP_MAX_MESSAGE_MB): not scanned"
    if name == "-":
        data = (stdin or sys.stdin.buffer).read(limits.max_message_bytes + 1)
        if len(data) > limits.max_message_bytes:
            raise InputError(too_big, path="<stdin>")
        return data
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read message: {exc.strerror}", path=name) from None
    with os.fdopen(fd, "rb") as raw:
        mode = os.fstat(raw.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"cannot read message: {_file_type(mode)}, not a regular file", path=name)
        data = raw.read(limits.max_message_bytes + 1)
    if len(data) > limits.max_message_bytes:
        raise InputError(too_big, path=name)
    return data


def one_message(data: bytes, source: str, limits: Limits | None = None) -> ArchiveItem:
    """The one message `dlp check` was given (plain, an mbox of one, gzip/bzip2/xz, Outlook .msg, UTF-16),
    or InputError: nothing to scan, unreadable, or several messages (never a verdict on the first alone)."""
    if not data.strip():
        raise InputError("empty message", path=source)
    found: ArchiveItem | None = None
    count = 0
    for item in read_bytes(data, source, limits):
        if item.data is None:
            raise InputError(item.reason or "cannot be read", path=source)
        count += 1
        found = found or item
    if count > 1:
        raise InputError(
            f"this holds {count} messages (an mbox): `dlp check` scans one message; "
            "use `dlp audit` for a mailbox (`dlp audit -` reads standard input)",
            path=source,
        )
    if found is None:
        raise InputError("no message found", path=source)
    return found


@dataclass
class _Walker:
    limits: Limits
    seen_dirs: set[tuple[int, int]] = field(default_factory=set)
    seen_files: set[tuple[int, int]] = field(default_factory=set)

    def file(self, path: Path, named: bool) -> Iterator[ArchiveItem]:
        source = str(path)
        try:
            info = os.stat(path)
        except OSError as exc:
            yield ArchiveItem(
                source, 0, reason=f"could not read: {exc.strerror or exc}", damaged=named, skipped=not named
            )
            return
        if not stat.S_ISREG(info.st_mode):
            reason = f"{_file_type(info.st_mode)}: only regular files are read"
            yield ArchiveItem(source, 0, reason=reason, damaged=named, skipped=not named)
            return
        key = (info.st_dev, info.st_ino)
        if key in self.seen_files:
            yield ArchiveItem(
                source, 0, reason="the same file as one already read (a link): not read twice", skipped=True
            )
            return
        self.seen_files.add(key)
        try:
            # O_NONBLOCK: should the file have been swapped for a FIFO since the stat, opening must not hang.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            yield ArchiveItem(source, 0, reason=f"could not read: {exc.strerror or exc}", damaged=True)
            return
        with os.fdopen(fd, "rb") as raw:
            if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
                yield ArchiveItem(source, 0, reason="not a regular file: not read", damaged=True)
                return
            try:
                first = raw.read(PIECE)
                meant = named or meant_as_mail(path)
                yield from _read_content(source, first, raw.read, info.st_size, meant, self.limits, not named)
            except OSError as exc:
                yield ArchiveItem(source, 0, reason=f"could not read: {exc.strerror or exc}", damaged=True)

    def folder(self, root: Path) -> Iterator[ArchiveItem]:
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                info = os.stat(folder)
            except OSError as exc:
                yield ArchiveItem(str(folder), 0, reason=f"could not read: {exc.strerror or exc}", skipped=True)
                continue
            key = (info.st_dev, info.st_ino)
            if key in self.seen_dirs:
                reason = "a link to a folder already read (a symlink loop or a second path): not read twice"
                yield ArchiveItem(str(folder), 0, reason=reason, skipped=True)
                continue
            self.seen_dirs.add(key)
            try:
                with os.scandir(folder) as entries:
                    names = sorted(entry.name for entry in entries)
            except OSError as exc:
                yield ArchiveItem(
                    str(folder), 0, reason=f"could not list the folder: {exc.strerror or exc}", damaged=True
                )
                continue
            in_tmp = folder.name == "tmp" and (folder.parent / "cur").is_dir() and (folder.parent / "new").is_dir()
            subfolders = []
            for name in names:
                path = folder / name
                try:
                    is_dir = path.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    subfolders.append(path)
                elif in_tmp:
                    reason = "in a Maildir tmp/ folder: a delivery in progress, not a message yet"
                    yield ArchiveItem(str(path), 0, reason=reason, skipped=True)
                elif store_file(path):
                    yield ArchiveItem(str(path), 0, reason=store_file(path), skipped=True, metadata=True)
                elif path.is_symlink() and not path.exists():
                    yield ArchiveItem(str(path), 0, reason="a broken link: nothing to read", skipped=True)
                else:
                    yield from self.file(path, named=False)
            stack.extend(reversed(subfolders))


def check_paths(paths: Iterable[str | Path]) -> None:
    """Every path is checked before anything is read: a typo is exit 2 at once."""
    for raw in paths:
        if str(raw) == "-":
            continue
        try:
            Path(raw).stat()
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                raise InputError("no such file or folder", path=raw) from None
            raise InputError(f"cannot read: {exc.strerror}", path=raw) from None


def read_archive(
    paths: Iterable[str | Path],
    stdin: BinaryIO | None = None,
    limits: Limits | None = None,
    walker: _Walker | None = None,
) -> Iterator[ArchiveItem]:
    """Every message (or unreadable or skipped thing) under `paths`, in a stable order; '-' is stdin (a
    message or an mbox, compressed or not). `walker`: a `_Walker` subclass that plans instead of reading
    (`dlp.cluster.plan`) walks the same tree in the same order."""
    limits = limits or Limits.from_env()
    walker = walker or _Walker(limits)
    paths = list(paths)
    check_paths(paths)
    for raw in paths:
        if str(raw) == "-":
            stream = stdin or sys.stdin.buffer
            yield from _read_content("<stdin>", stream.read(PIECE), stream.read, None, True, limits, False)
            continue
        path = Path(raw)
        if path.is_dir():
            yield from walker.folder(path)
        else:
            yield from walker.file(path, named=True)


def first_items(items: Iterable[ArchiveItem], count: int) -> list[ArchiveItem]:
    return list(itertools.islice(items, count))
