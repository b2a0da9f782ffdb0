"""Lines no person wrote: log output, hex dumps, configs, armoured base64. NER is skipped on them, patterns
are not.

A bug report pastes a megabyte of `dmesg`, `journalctl` or syslog under three lines of prose. spaCy's NER
over that costs most of the message's scan (minutes and gigabytes before) and what it finds there is
noise: driver names, firmware strings and hostnames read as people. An identifier in a log line (an
address, an IP, a phone number, a card number) is still found by the pattern recognizers, which keep
running on every line. Only shapes that a program prints are matched; a line of prose that begins with a
date ("2019-10-30: Anna called") is not one of them, since a log line's timestamp is followed by a level,
a process or a host, never by prose.
"""

from __future__ import annotations

import bisect
import re

from dlp.detect.evidence import WEAK_CONTEXT
from dlp.detect.recognizers.phone import PHONE_CONTEXT

_TIME = r"\d\d:\d\d:\d\d(?:[.,]\d+)?"
MACHINE_LINE = re.compile(
    r"^[ \t>]*(?:"
    # kernel ring buffer (dmesg, also with a syslog level "<6>"): [    0.000000] or [Tue Oct 29 10:00:00 2019]
    r"(?:<\d{1,3}>)?\[\s*\d+\.\d{3,9}\]|\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d " + _TIME + r" \d{4}\]|"
    # syslog / journalctl: "Oct 30 22:46:31 host process[123]: ...", "... host kernel: ...", "... host [TAG] ..."
    r"[A-Z][a-z]{2} [ \d]\d " + _TIME + r" [\w.-]+ \S|"
    # ISO timestamps followed by a level, a bracketed field, or a logger/process name with a colon
    # ("util.py[DEBUG]:", "sshd[123]:"), maybe after a " - " separator
    r"\d{4}-\d\d-\d\d[T ]" + _TIME + r"(?:Z|[+-]\d\d:?\d\d)?[ \t]+(?:-[ \t]+)?"
    r"(?:\[|<|(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRIT|CRITICAL|FATAL|SEVERE)\b|[\w.-]+(?:\[\w+\])?:\s)|"
    # hex dumps: "00000010: 6c6f 6361 ..." / "ffff8881: 00 01 02 ..." (od, xxd, hexdump -C, kernel dumps)
    r"[0-9a-fA-F]{4,16}:(?:[ \t]+[0-9a-fA-F]{2,8}){4,}|[0-9a-fA-F]{7,16}(?:[ \t]+[0-9a-fA-F]{2}){8,}|"
    # a kernel .config: "CONFIG_USB_MON=y", "# CONFIG_SOC_TI is not set"
    r"#?[ \t]*CONFIG_[A-Z0-9_]+(?:=|[ \t]+is not set)|"
    # a shell or config comment, a root prompt: "# Partition Types", "# cat /proc/iomem" (not "#hashtag")
    r"#(?:[ \t].*)?$"
    r")"
)
# One armoured-base64 token on a line (PGP signatures, inline certificates, uuencoded blobs).
BASE64_LINE = re.compile(r"^[ \t>]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*$")


def is_machine_line(line: str) -> bool:
    """Whether `line` is printed by a program (a log, a hex dump, a base64 run), not written by a person."""
    return bool(MACHINE_LINE.match(line) or BASE64_LINE.match(line))


def machine_skips(window: str, line: str | None = None) -> frozenset[str]:
    """Entity types not looked for in a window around a line a program printed: those that need a word
    the window (for a phone: the line itself) does not hold.

    A phone number in a log is written after a phone word on its own line ("Tel: ..", "call ..", a
    modem's "number"); without one, the digit runs of a log (timestamps, sector counts, dates, clock
    seconds, the epoch after the line "PM: Magic number: ...") are what phonenumbers' matcher finds
    there, 14 regions over every run: half the cost of a megabyte log, and only false findings (issue
    13). A driver's licence, passport or bank number is reported only with its name within the words the
    window holds (`dlp.detect.evidence.weak_id_without_evidence`); without it its patterns' thousands of
    matches in a log (every 5-9 digit run, every `x86`) are built, scored and dropped for nothing.
    """
    line = window if line is None else line
    return frozenset(
        entity for entity, needed in _NEEDS_WORD.items() if not needed.search(line if entity in _ON_LINE else window)
    )


_NEEDS_WORD = {"PHONE_NUMBER": PHONE_CONTEXT, **WEAK_CONTEXT}
_ON_LINE = frozenset({"PHONE_NUMBER"})  # its word must be on the line itself, not in the lines before


class NeededWords:
    """`machine_skips` for many windows of one text: each word searched once over the whole text, then
    looked up per window (a megabyte log has 20,000 windows; four searches in each cost a second)."""

    def __init__(self, text: str) -> None:
        self.hits = {
            entity: ([m.start() for m in found], [m.end() for m in found])
            for entity, needed in _NEEDS_WORD.items()
            for found in [list(needed.finditer(text))]
        }

    def skips(self, lo: int, hi: int, line_lo: int, line_hi: int) -> frozenset[str]:
        """The entity types with no needed word inside text[lo:hi] (text[line_lo:line_hi] for a phone)."""
        out = []
        for entity, (starts, ends) in self.hits.items():
            start, end = (line_lo, line_hi) if entity in _ON_LINE else (lo, hi)
            first = bisect.bisect_left(starts, start)  # hits are ordered and disjoint: the first after it ends first
            if first == len(starts) or ends[first] > end:
                out.append(entity)
        return frozenset(out)
