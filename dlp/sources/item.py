"""What an archive reader hands on: one message's bytes, or one thing that could not be read, with why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveItem:
    """One message (data) or one thing that could not be read as messages (reason)."""

    source: str  # the file (and, for Maildir, the message file) it came from
    number: int  # 1-based position of the message within `source` (0 for whole-file problems)
    data: bytes | None = None
    reason: str | None = None
    skipped: bool = False  # not mail at all (e.g. a README in the folder), listed but not "unreadable"
    damaged: bool = False  # a file-level problem (unreadable file, corrupt gzip) rather than one message
    metadata: bool = False  # a mail store's own file (index, marker): listed apart from skipped files
    note: str | None = None  # how it was read, when that is worth saying (e.g. converted from UTF-16)

    @property
    def label(self) -> str:
        return f"{self.source}#{self.number}" if self.number else self.source
