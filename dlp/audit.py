"""`dlp audit`: the same checks over past sends, plus what only an archive shows.

Archive items stream in from `dlp.sources.archive`, become ScanMessages through the same MIME walk as
`dlp check`, and go through the one pipeline. Around it, the audit keeps its own books: how many
messages were read, scanned and unreadable (with each reason — nothing is dropped), and a summary by
sender, month and campaign, so a compliance reviewer sees where problems cluster. The books are
bounded: counters, not message lists, so memory does not grow with the archive.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from dlp.analysis import AnalyzedMessage
from dlp.checks import load_ruleset
from dlp.checks.scope import ScanScope
from dlp.errors import InputError
from dlp.model import Finding, Report, ScanMessage, Severity
from dlp.pipeline import ProgressHook, Scanner
from dlp.redact import redact_address, redact_list_id, redact_path, scrub_text, stable_hash
from dlp.sources.archive import ArchiveItem, read_archive
from dlp.sources.email_message import parse_bytes, to_scan_message

MAX_LISTED = 10_000  # entries named in each of the unreadable and skipped lists (the counts go on)
MAX_GROUP_KEYS = 5_000  # distinct senders/campaigns tracked before rare ones are pruned
TOP_ROWS = 10
MIN_SUBJECT_REPEATS = 3
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|r|i|tr|rv)\s*:\s*)+", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


@dataclass
class _Group:
    messages: int = 0
    block: int = 0
    warn: int = 0
    addressees: set[int] = field(default_factory=set)  # up to MIN_SUBJECT_REPEATS hashed To addresses

    def merge(self, other: _Group) -> None:
        self.messages += other.messages
        self.block += other.block
        self.warn += other.warn
        for addressee in other.addressees:
            if len(self.addressees) >= MIN_SUBJECT_REPEATS:
                break
            self.addressees.add(addressee)


@dataclass
class AuditBooks:
    read: int = 0
    scanned: int = 0
    unreadable: int = 0
    skipped: int = 0
    damaged: int = 0  # files with a file-level problem (listed under unreadable, not counted as messages)
    unreadable_list: list[list[str]] = field(default_factory=list)
    skipped_list: list[list[str]] = field(default_factory=list)
    store_files: int = 0  # a mail store's own files (Maildir++ markers, Dovecot indexes): named, not mail
    store_list: list[list[str]] = field(default_factory=list)
    by_sender: dict[str, _Group] = field(default_factory=dict)
    by_month: dict[str, _Group] = field(default_factory=dict)
    by_campaign: dict[str, _Group] = field(default_factory=dict)
    notes: Counter = field(default_factory=Counter)
    recipients: set[int] = field(default_factory=set)  # hashes of distinct To/Cc addresses, for the summary

    def unreadable_message(self, label: str, reason: str) -> None:
        self.unreadable += 1
        if len(self.unreadable_list) < MAX_LISTED:
            self.unreadable_list.append([redact_path(label), reason])

    def lost(self, item: ArchiveItem) -> None:
        if item.metadata:
            self.store_files += 1
            if len(self.store_list) < MAX_LISTED:
                self.store_list.append([redact_path(item.label), item.reason or "mail store file"])
            return
        if item.skipped:
            self.skipped += 1
            if len(self.skipped_list) < MAX_LISTED:
                self.skipped_list.append([redact_path(item.label), item.reason or "not mail"])
            return
        if item.damaged:
            self.damaged += 1
            if len(self.unreadable_list) < MAX_LISTED:
                self.unreadable_list.append([redact_path(item.label), item.reason or "damaged"])
            return
        self.read += 1
        self.unreadable_message(item.label, item.reason or "unreadable")

    def record(self, message: ScanMessage, findings: list[Finding]) -> None:
        block = sum(1 for f in findings if f.severity == Severity.BLOCK)
        warn = sum(1 for f in findings if f.severity == Severity.WARN)
        for books, key in (
            (self.by_sender, sender_key(message)),
            (self.by_month, month_key(message)),
            (self.by_campaign, campaign_key(message)),
        ):
            group = books.get(key)
            if group is None:
                if len(books) >= MAX_GROUP_KEYS:
                    _prune(books)
                group = books[key] = _Group()
            group.messages += 1
            group.block += block
            group.warn += warn
            if books is self.by_campaign and len(group.addressees) < MIN_SUBJECT_REPEATS:
                group.addressees.add(stable_hash(repr(message.header("To"))))  # alike in every process
        for note in message.notes:
            self.notes[note.split(": ", 1)[-1].split(";")[0]] += 1

    def merge(self, other: AuditBooks) -> None:
        """Add the books of the next part of the archive (in archive order): the same books as one pass while
        each group book stays under MAX_GROUP_KEYS (past it, both prune rare groups, at different moments)."""
        for name in ("read", "scanned", "unreadable", "skipped", "damaged", "store_files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in (
            (self.unreadable_list, other.unreadable_list),
            (self.skipped_list, other.skipped_list),
            (self.store_list, other.store_list),
        ):
            mine.extend(theirs[: max(0, MAX_LISTED - len(mine))])
        for books, more in (
            (self.by_sender, other.by_sender),
            (self.by_month, other.by_month),
            (self.by_campaign, other.by_campaign),
        ):
            for key, group in more.items():
                if key not in books and len(books) >= MAX_GROUP_KEYS:
                    _prune(books)
                books.setdefault(key, _Group()).merge(group)
        self.notes.update(other.notes)
        self.recipients |= other.recipients

    def sections(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "audit": {
                "title": "Audit",
                "columns": ["item", "count"],
                "rows": [
                    ["messages read", self.read],
                    ["messages scanned", self.scanned],
                    ["messages unreadable", self.unreadable],
                    ["files skipped (not mail, listed)", self.skipped],
                    ["files damaged", self.damaged],
                    ["mail-store files (indexes, markers; listed)", self.store_files],
                ],
                "read": self.read,
                "scanned": self.scanned,
                "unreadable": self.unreadable,
                "skipped": self.skipped,
                "damaged": self.damaged,
                "store_files": self.store_files,
            }
        }
        columns = ["group", "messages", "block findings", "warn findings"]
        worst_first = sorted(self.by_sender.items(), key=lambda kv: (-kv[1].block, -kv[1].warn, -kv[1].messages))
        out["audit-by-sender"] = {"title": "By sender", "columns": columns, "rows": _rows(worst_first[:TOP_ROWS])}
        out["audit-by-month"] = {"title": "By month", "columns": columns, "rows": _rows(sorted(self.by_month.items()))}
        campaigns: dict[str, _Group] = {}
        other = _Group()
        for key, group in self.by_campaign.items():
            # A subject that names its addressee ("Your contract, Anna Rossi") repeats for that one person:
            # only a subject sent to several different addressees is a campaign, safe to show.
            if key.startswith("subject: ") and len(group.addressees) < MIN_SUBJECT_REPEATS:
                other.messages += group.messages
                other.block += group.block
                other.warn += group.warn
            else:
                campaigns[key] = group
        ranked = sorted(campaigns.items(), key=lambda kv: (-kv[1].block, -kv[1].warn, -kv[1].messages))[:TOP_ROWS]
        if other.messages:
            ranked.append(("(other subjects)", other))
        out["audit-by-campaign"] = {
            "title": f"By campaign (List-Id, or a subject sent to {MIN_SUBJECT_REPEATS}+ addressees)",
            "columns": columns,
            "rows": _rows(ranked),
        }
        if self.unreadable_list:
            out["audit-unreadable"] = {
                "title": f"Unreadable ({self.unreadable} messages, {self.damaged} damaged files)",
                "columns": ["where", "reason"],
                "rows": self.unreadable_list,
            }
        if self.skipped_list:
            out["audit-skipped"] = {
                "title": f"Skipped, not read ({self.skipped} files)",
                "columns": ["file", "reason"],
                "rows": self.skipped_list,
            }
        if self.store_list:
            out["audit-store-files"] = {
                "title": f"Mail-store files, not messages ({self.store_files})",
                "columns": ["file", "what"],
                "rows": self.store_list,
            }
        return out

    def nothing_scanned(self, paths: Sequence[str | Path]) -> str:
        """The message for a run that scanned nothing (never a PASS): what was found instead, named."""
        where = ", ".join(str(p) for p in paths)
        found = self.unreadable_list[:5] + self.skipped_list[:5]
        listed = "; ".join(f"{label}: {reason}" for label, reason in found)
        more = self.unreadable + self.damaged + self.skipped - len(found)
        tail = f" (and {more} more)" if more > 0 else ""
        if not found:
            return f"no message was found in {where}: nothing was scanned"
        return f"no message was scanned in {where}: {listed}{tail}"


def _rows(groups: Iterable[tuple[str, _Group]]) -> list[list[Any]]:
    return [[key, g.messages, g.block, g.warn] for key, g in groups]


def _prune(books: dict[str, _Group]) -> None:
    """Lossy counting: drop the groups seen once so a personalised subject per message cannot grow memory."""
    for key in [k for k, g in books.items() if g.messages <= 1]:
        del books[key]


def sender_key(message: ScanMessage) -> str:
    senders = message.named_addresses("From")
    return redact_address(senders[0][1]) if senders else "(no sender)"


def month_key(message: ScanMessage) -> str:
    return message.month(default="(no date)")


def campaign_key(message: ScanMessage) -> str:
    """List-Id, else the subject without reply prefixes and with digits masked. Subjects are shown only once
    sent to several addressees (see `AuditBooks.sections`), since a subject may name its addressee."""
    for value in message.header("List-Id"):
        return f"list: {redact_list_id(value)[:120]}"  # a List-Id can name a person: masked like a file name
    subject = next(iter(message.header("Subject")), "")
    return "subject: " + (_DIGITS.sub("#", _REPLY_PREFIX.sub("", subject)).strip()[:120] or "(none)")


class AuditScanner(Scanner):
    """The pipeline's scanner, with the audit's books kept per message."""

    books: AuditBooks

    def findings_for(self, analyzed: AnalyzedMessage) -> list[Finding]:
        findings = super().findings_for(analyzed)
        message = analyzed.message
        self.books.scanned += 1
        self.books.recipients.update(stable_hash(address) for address in message.visible_recipients)
        self.books.record(message, findings)
        return findings


def messages_from(items: Iterable[ArchiveItem], books: AuditBooks) -> Iterator[ScanMessage]:
    index = 0
    for item in items:
        if item.data is None:
            books.lost(item)
            continue
        books.read += 1
        if not item.data.strip():
            books.unreadable_message(item.label, "empty message")
            continue
        try:
            message = to_scan_message(parse_bytes(item.data), index=index, source=item.label)
            if item.note:
                message.notes.insert(0, item.note)
        except Exception as exc:  # the stdlib parser is lenient; anything it still raises is listed, not fatal
            reason = f"could not be parsed: {type(exc).__name__}: {scrub_text(str(exc))}"  # may quote a header
            books.unreadable_message(item.label, reason[:200])
            continue
        if not message.headers and not any(p.text.strip() for p in message.parts):
            books.unreadable_message(item.label, "no headers and no text: not an RFC 5322 message")
            continue
        index += 1
        yield message


def audit(
    paths: Sequence[str | Path],
    rules: Sequence[str | Path] = (),
    progress: ProgressHook | None = None,
    internal_domains: Iterable[str] = (),
    stdin: BinaryIO | None = None,
    scheduler: str | None = None,
) -> Report:
    """Audit `paths`; with `scheduler` (a Dask scheduler address) the archive is scanned on that cluster."""
    ruleset = load_ruleset([Path(r) for r in rules])
    scope = ScanScope(
        rules=ruleset,
        source=", ".join(str(p) for p in paths),
        sender_domains={d.lower().lstrip("@") for d in internal_domains},
    )
    if scheduler:
        from dlp.cluster import audit_on_cluster

        report, books = audit_on_cluster(
            scheduler, paths, scope, progress, books=AuditBooks, scanner=AuditScanner, messages=messages_from
        )
    else:
        scanner = AuditScanner.create(ruleset, scope)
        assert isinstance(scanner, AuditScanner)
        books = scanner.books = AuditBooks()
        items = read_archive(paths, stdin=stdin)
        report = scanner.scan(messages_from(items, books), progress)
    report.kind = "audit"
    if books.scanned == 0:
        raise InputError(books.nothing_scanned(paths))
    report.sections.update(books.sections())
    report.recipients = len(books.recipients)
    if books.unreadable:
        report.notes.append(
            f"{books.unreadable} of {books.read} messages could not be read; they are listed under "
            "'Unreadable messages' with the reason"
        )
    if books.damaged:
        report.notes.append(f"{books.damaged} file(s) could not be read to the end; each is named under 'Unreadable'")
    if books.skipped:
        report.notes.append(f"{books.skipped} file(s) were not read as mail; each is named under 'Skipped' with why")
    if len(books.unreadable_list) >= MAX_LISTED or len(books.skipped_list) >= MAX_LISTED:
        report.notes.append(f"only the first {MAX_LISTED} unreadable and skipped entries are named")
    for note, count in books.notes.most_common(5):
        report.notes.append(f"{count} message(s): {note}")
    return report
