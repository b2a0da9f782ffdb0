"""Splitting an mbox stream into messages: mboxo/mboxrd, mboxcl2 (`Content-Length`), and mailboxes whose
`From ` lines have no blank line before them.

A separator is a `From ` line with the shape `From <sender> <date>` (asctime, as written by MTAs and mail
clients, or an RFC 5322 date), wherever it is; a body line such as "From here on..." is not one. A
mailbox whose first line has no such date (some exporters write `From sender` alone) falls back to the
classic rule: `From ` at the start of a line after a blank line. A `Content-Length:` header (mboxcl2) is
trusted only when the declared length ends right before the next separator (or the end): then a
`From `-shaped line inside the body stays in the body; a stale length is ignored and the message is
split where the separators say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dlp.sources.item import ArchiveItem
from dlp.sources.limits import Limits
from dlp.sources.stream import OverBudget, StreamProblem

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MON = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = rb"\d{1,2}:\d{2}(?::\d{2})?"
_ZONE = rb"(?:[A-Z]{1,5}|[+-]\d{4})"
_ASCTIME = rb"(?:" + _DAY + rb",?\s+)?" + _MON + rb"\s+\d{1,2}\s+" + _TIME + rb"(?:\s+" + _ZONE + rb")?\s+\d{4}"
_RFC5322 = rb"(?:" + _DAY + rb",?\s+)?\d{1,2}\s+" + _MON + rb"\s+\d{4}\s+" + _TIME
FROM_LINE = re.compile(rb"From \S*\s+(?:" + _ASCTIME + rb"|" + _RFC5322 + rb")(?:\s|$)")
HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
UTF8_BOM = b"\xef\xbb\xbf"  # Windows editors save .eml files with it; it is no part of the message
_CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d{1,12})\s*$", re.IGNORECASE)


def is_from_line(line: bytes) -> bool:
    return FROM_LINE.match(line) is not None


def _blank(line: bytes) -> bool:
    return line in (b"\n", b"\r\n")


class _Pushback:
    def __init__(self, items: Iterable[bytes]) -> None:
        self._items = iter(items)
        self._back: list[bytes] = []

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return self._back.pop() if self._back else next(self._items)

    def push(self, items: list[bytes]) -> None:
        self._back.extend(reversed(items))


@dataclass
class _Message:
    number: int
    lines: list[bytes] = field(default_factory=list)
    size: int = 0
    too_big: bool = False
    in_headers: bool = True
    content_length: int | None = None
    body: int = 0  # body bytes so far
    candidates: list[int] = field(default_factory=list)  # separator-shaped lines kept in the body by Content-Length
    length_reached: bool = False

    def protected(self) -> bool:
        """Inside a body whose Content-Length has not been reached yet."""
        return self.content_length is not None and not self.in_headers and not self.too_big and not self.length_reached


def split_mbox(
    stream: Iterable[bytes], source: str, limits: Limits, strict: bool, first_number: int = 0
) -> Iterator[ArchiveItem]:
    """Messages of an mbox (a stream of lines from `stream.lines`); `strict`: separators need a date.
    `first_number`: messages before this stream, when it is a byte range of a larger mbox (`dlp.cluster`)."""
    lines = _Pushback(stream)
    current: _Message | None = None
    number = first_number
    previous_blank = True
    at_line_start = True

    def finish(message: _Message) -> ArchiveItem:
        if message.too_big:
            return ArchiveItem(
                source,
                message.number,
                reason=f"message larger than {limits.message_mb} MB (DLP_MAX_MESSAGE_MB): not scanned",
            )
        data = b"".join(message.lines)
        if not data.strip():
            return ArchiveItem(source, message.number, reason="empty message in mbox")
        return ArchiveItem(source, message.number, data=data)

    try:
        while True:
            line = next(lines, None)
            if line is None:
                if current is not None and current.protected() and current.candidates:
                    # The data ended before the declared Content-Length: it was stale; split where the
                    # separator-shaped lines are.
                    cut = current.candidates[0]
                    rest = current.lines[cut:]
                    current.lines = current.lines[:cut]
                    yield finish(current)
                    lines.push(rest)
                    current, at_line_start, previous_blank = None, True, True
                    continue
                break
            if number == first_number and current is None:
                line = line.removeprefix(UTF8_BOM)
            starts = at_line_start
            at_line_start = line.endswith(b"\n")
            separator = starts and line.startswith(b"From ") and (is_from_line(line) if strict else previous_blank)
            if starts and not separator and not strict and line.startswith(b"From ") and current is not None:
                # Netscape and Eudora wrote "From - " with no date and no blank line before it: a separator
                # when a header line follows (a body line "From here on" is never followed by one).
                following = next(lines, None)
                if following is not None:
                    lines.push([following])
                    separator = HEADER_LINE.match(following) is not None
            if current is not None and current.length_reached:
                # Just past the declared Content-Length: a separator (after at most one blank line) confirms it.
                if starts and line.startswith(b"From ") and (not strict or is_from_line(line)):
                    separator = True
                elif _blank(line):
                    pass  # blank lines between the declared end and the next separator
                elif current.candidates:
                    # The length was stale: split where the first separator-shaped line was.
                    cut = current.candidates[0]
                    rest = current.lines[cut:]
                    current.lines = current.lines[:cut]
                    yield finish(current)
                    lines.push([*rest, line])
                    current, at_line_start, previous_blank = None, True, True
                    continue
                else:
                    current.length_reached = False
                    current.content_length = None
            if separator and current is not None and current.protected():
                current.candidates.append(len(current.lines))
                separator = False
            if separator:
                if current is not None:
                    yield finish(current)
                number += 1
                current = _Message(number)
                previous_blank = False
                continue
            previous_blank = _blank(line)
            if current is None:
                if not line.strip():
                    continue
                number += 1  # content before the first From_ line: still a message, never dropped
                current = _Message(number)
            current.size += len(line)
            if current.size > limits.max_message_bytes:
                current.too_big, current.lines, current.candidates = True, [], []
            elif not current.too_big:
                current.lines.append(line)
            if current.in_headers:
                if _blank(line):
                    current.in_headers = False
                    current.length_reached = current.content_length == 0
                elif starts:
                    match = _CONTENT_LENGTH.match(line)
                    if match:
                        current.content_length = int(match.group(1))
            elif current.content_length is not None and not current.length_reached:
                current.body += len(line)
                if current.body == current.content_length:
                    current.length_reached = True
                elif current.body > current.content_length:
                    current.content_length = None  # stale: ends mid-line; separators decide
                    if current.candidates:
                        cut = current.candidates[0]
                        rest = current.lines[cut:]
                        current.lines = current.lines[:cut]
                        yield finish(current)
                        lines.push(rest)
                        current, at_line_start, previous_blank = None, True, True
    except OverBudget as exc:
        yield ArchiveItem(
            source, current.number if current else 0, reason=f"{exc}; reading stopped here", damaged=current is None
        )
        return
    except StreamProblem as exc:
        # The message being read when the data ran out is incomplete: list it, do not scan half a message.
        if current is not None:
            yield ArchiveItem(source, current.number, reason=f"cut off: {exc}")
        else:
            yield ArchiveItem(source, 0, reason=str(exc), damaged=True)
        return
    if current is not None:
        yield finish(current)
