"""How a scan is cut into partitions that give the same report as one pass.

Preflight: consecutive row ranges of the recipient list. The list-level facts (the value index, list
health, shared addresses) are computed once by the client from the whole list; a partition holds only its
rows. Audit: the archive is walked here exactly as `dlp.sources.archive.read_archive` walks it (same
order, same links read once, same skipped and store files named), but files are not read: each becomes a
unit of work, and consecutive units are grouped into partitions of about `partition_bytes`. A plain mbox
larger than that is cut into byte ranges at `From ` lines where one pass over the file would start a new
message anyway (after a blank line, with a date; never in an mboxcl2 file, whose `Content-Length` may keep
a `From ` line inside a body), so each range splits into exactly the messages one pass finds there.
"""

from __future__ import annotations

import itertools
import mmap
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dlp.errors import InputError
from dlp.model import Recipient
from dlp.redact import redact_path
from dlp.sources.archive import _Walker, meant_as_mail, read_archive
from dlp.sources.item import ArchiveItem
from dlp.sources.limits import PIECE, Limits
from dlp.sources.mbox import is_from_line
from dlp.sources.sniff import HEAD_SIZE, classify
from dlp.sources.stream import Peekable, compression_of, plain

MB = 1024 * 1024
ROWS_ENV = "DLP_CLUSTER_PARTITION_ROWS"
BYTES_ENV = "DLP_CLUSTER_PARTITION_MB"
DEFAULT_ROWS = 2_000  # ~10 s of analysis per partition on one core: scheduling costs ~ms, retries stay cheap
DEFAULT_MB = 16
MAX_FILES = 2_000  # files per audit partition (a Maildir of tiny messages)
PARTITIONS_PER_THREAD = 4
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:")
_CUT = re.compile(rb"\n\r?\n(?=From )")


def rows_per_partition(expected_rows: int | None, threads: int) -> int:
    configured = env_number(ROWS_ENV, 0) if os.environ.get(ROWS_ENV, "").strip() else None
    return max(1, int(partition_size(configured, expected_rows or DEFAULT_ROWS, threads, DEFAULT_ROWS, 50)))


def env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise InputError(f"{name} must be a number, not '{raw}'") from None
    if not value > 0:
        raise InputError(f"{name} must be above 0, not '{raw}'")
    return value


@dataclass(frozen=True)
class FileUnit:
    """One file of the archive, read whole by a worker as `read_archive` would read it."""

    path: str
    named: bool
    size: int

    def describe(self) -> str:
        return redact_path(self.path)


@dataclass(frozen=True)
class MboxRange:
    """Bytes [start, end) of a plain mbox; `part` numbers the ranges of one file (messages are numbered
    on from the ranges before it, counted by a worker first)."""

    path: str
    start: int
    end: int
    strict: bool
    part: int

    def describe(self) -> str:
        return f"{redact_path(self.path)} bytes {self.start:,}-{self.end:,}"


Entry = ArchiveItem | FileUnit | MboxRange


@dataclass
class ArchivePartition:
    number: int
    entries: list[Entry] = field(default_factory=list)
    size: int = 0

    def describe(self) -> str:
        units = [e for e in self.entries if not isinstance(e, ArchiveItem)]
        if not units:
            return f"{len(self.entries)} skipped or unreadable entries"
        shown = ", ".join(u.describe() for u in units[:3])
        return shown + (f" and {len(units) - 3} more files" if len(units) > 3 else "")


@dataclass(frozen=True)
class RowRange:
    number: int
    first_row: int
    last_row: int

    def describe(self) -> str:
        return f"rows {self.first_row:,}-{self.last_row:,}"


class _Planner(_Walker):
    """The archive walk without the reading: a regular file not seen before becomes a `FileUnit`; every
    problem the walk itself finds (unreadable, not regular, a second link) stays the walker's own item."""

    def file(self, path: Path, named: bool) -> Iterator[ArchiveItem]:
        try:
            info = os.stat(path)
        except OSError:
            yield from super().file(path, named)
            return
        key = (info.st_dev, info.st_ino)
        if not stat.S_ISREG(info.st_mode) or key in self.seen_files:
            yield from super().file(path, named)
            return
        self.seen_files.add(key)
        yield FileUnit(str(path), named, info.st_size)  # type: ignore[misc]


def mbox_cuts(unit: FileUnit, split_bytes: int) -> tuple[bool, list[int]] | None:
    """(strict, cut offsets) for a plain mbox worth splitting, else None (read whole)."""
    if unit.size <= split_bytes:
        return None
    try:
        with open(unit.path, "rb") as fh:
            first = fh.read(PIECE)
            head = Peekable(plain(first, fh.read)).head(HEAD_SIZE)
            if compression_of(first):
                return None
            kind = classify(head, unit.named or meant_as_mail(Path(unit.path)))
            if kind.name not in ("mbox", "mbox-classic"):
                return None
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if _CONTENT_LENGTH.search(data):
                    return None  # mboxcl2: a length may keep a From line inside a body; one worker reads it
                cuts: list[int] = []
                target = split_bytes
                while target < len(data):
                    found = _CUT.search(data, target)
                    while found is not None:
                        start = found.end()
                        line_end = data.find(b"\n", start)
                        line = data[start : line_end + 1 if line_end >= 0 else len(data)]
                        if is_from_line(line):
                            break
                        found = _CUT.search(data, found.end())
                    if found is None:
                        break
                    cuts.append(found.end())
                    target = found.end() + split_bytes
    except (OSError, ValueError):
        return None  # the worker reading it whole names the problem, as one pass would
    return (kind.name == "mbox", cuts) if cuts else None


def partition_size(configured: float | None, total: int, threads: int, default: float, floor: float) -> float:
    """The configured size, else the default, but small enough that every worker thread gets several
    partitions (a retry then costs little and no thread idles while one partition finishes)."""
    if configured is not None:
        return configured
    return max(floor, min(default, total / (PARTITIONS_PER_THREAD * max(threads, 1))))


def plan_archive(
    paths: Iterable[str | Path], limits: Limits, threads: int = 1, max_files: int = MAX_FILES
) -> list[ArchivePartition]:
    """The archive as ordered partitions; every entry `read_archive` would yield is in exactly one."""
    paths = list(paths)
    if any(str(p) == "-" for p in paths):
        raise InputError("standard input ('-') cannot be audited on a cluster: save it to a file the workers can read")
    entries = list(read_archive(paths, limits=limits, walker=_Planner(limits)))
    total = sum(e.size for e in entries if isinstance(e, FileUnit))
    configured = env_number(BYTES_ENV, 0) * MB if os.environ.get(BYTES_ENV, "").strip() else None
    partition_bytes = int(partition_size(configured, total, threads, DEFAULT_MB * MB, 64 * 1024))
    partitions: list[ArchivePartition] = []
    current = ArchivePartition(0)

    def close() -> None:
        nonlocal current
        if current.entries:
            partitions.append(current)
            current = ArchivePartition(len(partitions))

    for entry in entries:
        if isinstance(entry, FileUnit):
            cuts = mbox_cuts(entry, partition_bytes)
            if cuts is not None:
                strict, offsets = cuts
                bounds = [0, *offsets, entry.size]
                for part, (start, end) in enumerate(itertools.pairwise(bounds)):
                    close()
                    current.entries.append(MboxRange(entry.path, start, end, strict, part))
                    current.size = end - start
                close()
                continue
            current.size += entry.size
        current.entries.append(entry)
        units = sum(1 for e in current.entries if not isinstance(e, ArchiveItem))
        if current.size >= partition_bytes or units >= max_files:
            close()
    close()
    return partitions


def row_partitions(recipients: Iterable[Recipient], rows_per_partition: int) -> Iterator[tuple[RowRange, list]]:
    """Consecutive row ranges of the list, each with its rows: the only part of the list a worker gets."""
    batch: list[Recipient] = []
    number = 0
    for recipient in recipients:
        batch.append(recipient)
        if len(batch) >= rows_per_partition:
            yield RowRange(number, batch[0].row, batch[-1].row), batch
            number += 1
            batch = []
    if batch:
        yield RowRange(number, batch[0].row, batch[-1].row), batch
