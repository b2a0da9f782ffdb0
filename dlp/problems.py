"""Findings grouped by problem: what a person fixes once, however many messages it reaches.

A check reports one finding per message (a date of birth in row 17's body). A reader acts on the
problem: "the date of birth from `{{ date_of_birth }}` at lease.txt.j2:7 goes to all 5,000 recipients".
A problem is (rule, where it arises in the template or message, entity type, severity); it keeps every
occurrence (message, recipient row, redacted excerpt, fingerprint) so the JSON report can list them all
while every reporter shows one entry per problem with right counts.

Numbering: a campaign recipient is named by its data row (1 = the first row under the header, as
`dlp preview --row` takes it) and nothing else; an audited message by its file and position
(`archive.mbox#3`) and Message-ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dlp.model import Finding, Location, Severity
from dlp.redact import fingerprint, redact_address, redact_value, strip_controls

MAX_EXAMPLES = 3
MAX_RECIPIENTS_LISTED = 20


@dataclass(frozen=True)
class TemplateSpot:
    """Where a problem arises in the campaign's templates: a file (relative to the campaign folder, or
    the campaign file itself for inline templates such as the subject), its 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None
    origin: str = ""  # the template's role: "body.text:lease.txt.j2", "subject", "attachments[0].filename"
    snippet: str = ""  # the template line itself (template text, not row data)

    def label(self) -> str:
        out = self.file
        if self.line:
            out += f":{self.line}"
            if self.column:
                out += f":{self.column}"
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": strip_controls(self.file)}
        if self.line:
            out["line"] = self.line
        if self.column:
            out["column"] = self.column
        return out


@dataclass(frozen=True)
class Preview:
    """A few lines of one affected message as its recipient reads them.

    `text` is raw; `spans` mark what must be masked on output ((start, end, entity type)), `leak` is the
    span of the problem itself (highlighted, and masked like the others unless --show-values)."""

    row: int | None
    field: str
    subject: str
    text: str
    first_line: int
    spans: tuple[tuple[int, int, str | None], ...] = ()
    leak: tuple[int, int, str | None] | None = None

    def pieces(self, *, show_values: bool) -> list[tuple[str, str]]:
        """The text as (kind, piece) with kind "text", "masked" or "leak", values masked unless show_values."""
        marks = sorted({*self.spans, *((self.leak,) if self.leak else ())}, key=lambda s: (s[0], -s[1]))
        out: list[tuple[str, str]] = []
        pos = 0
        for start, end, entity in marks:
            if start < pos:
                continue  # overlapping spans: the first (longest) wins
            out.append(("text", self.text[pos:start]))
            value = self.text[start:end]
            shown = value if show_values else redact_value(value, entity)
            kind = "leak" if self.leak is not None and start < self.leak[1] and end > self.leak[0] else "masked"
            out.append((kind, shown))
            pos = end
        out.append(("text", self.text[pos:]))
        return [(kind, strip_controls(piece)) for kind, piece in out if piece]


@dataclass
class Problem:
    """One problem and every finding (occurrence) of it, in scan order."""

    rule: str
    severity: Severity
    where: str
    entity_type: str | None
    occurrences: list[Finding]
    template: TemplateSpot | None = None
    preview: Preview | None = None

    @property
    def first(self) -> Finding:
        return self.occurrences[0]

    @property
    def message(self) -> str:
        return self.first.message

    @property
    def field(self) -> str | None:
        return self.first.location.field

    @property
    def origin(self) -> str | None:
        return self.first.origin

    @property
    def messages(self) -> int:
        """Distinct messages affected (an audit's message is its file and position)."""
        return len({(f.location.source, f.location.message) for f in self.occurrences})

    def recipient_addresses(self) -> list[str]:
        seen: dict[str, None] = {}
        for finding in self.occurrences:
            for address in finding.recipients:
                seen.setdefault(address, None)
        return list(seen)

    @property
    def recipients(self) -> int:
        listed = len(self.recipient_addresses())
        return max([listed, *(f.recipients_total for f in self.occurrences)])

    @property
    def rows(self) -> list[int]:
        return sorted({f.location.row for f in self.occurrences if f.location.row is not None})

    @property
    def count(self) -> int:
        """SPEC's `count`: a single occurrence keeps the check's own measure (addresses in To, people in a
        table); several occurrences count messages."""
        if len(self.occurrences) == 1:
            return self.first.count
        return self.messages

    @property
    def fingerprint(self) -> str:
        prints = {f.fingerprint for f in self.occurrences}
        if len(prints) == 1:
            return next(iter(prints))
        # Different values at one place (a column injected per row): the problem's id is its place.
        return fingerprint(self.rule, None, f"problem:{self.where}:{self.entity_type or ''}")

    def examples(self, *, show_values: bool) -> list[str]:
        out: dict[str, None] = {}
        for finding in self.occurrences:
            excerpt = finding.safe_excerpt(show_values=show_values)
            if excerpt:
                out.setdefault(strip_controls(excerpt), None)
            if len(out) >= MAX_EXAMPLES:
                break
        return list(out)

    def location(self) -> Location:
        return self.first.location

    def to_dict(self, *, show_values: bool) -> dict[str, Any]:
        first = self.first
        out = first.to_dict(show_values=show_values)
        out.pop("also_at", None)
        location = out["location"]
        if self.template is not None:
            location.pop("line", None)  # a line inside the rendered part: the template's line replaces it
            location.update(self.template.to_dict())
        out["severity"] = self.severity.value
        out["count"] = self.count
        out["fingerprint"] = self.fingerprint
        out["messages"] = self.messages
        addresses = self.recipient_addresses()
        if addresses:
            shown = addresses[:MAX_RECIPIENTS_LISTED]
            out["recipients"] = [strip_controls(a if show_values else redact_address(a)) for a in shown]
        out["recipients_total"] = self.recipients
        scores = [f.score for f in self.occurrences if f.score is not None]
        if scores:
            out["score"] = round(max(scores), 2)
        out["examples"] = self.examples(show_values=show_values)
        out["occurrences"] = [self._occurrence(f, show_values) for f in self.occurrences]
        return out

    def _occurrence(self, finding: Finding, show_values: bool) -> dict[str, Any]:
        """One message's finding, without what the problem already says (kept small: 40,000 of them)."""
        loc = finding.location.to_dict(show_values=show_values)
        out: dict[str, Any] = {}
        if finding.location.row is not None:
            out["row"] = finding.location.row
        elif "message" in loc:
            out["message"] = loc["message"]
        for key in ("source", "message_id", "recipient"):
            if key in loc and (key != "source" or finding.location.row is None):
                out[key] = loc[key]
        if loc.get("field") != self.field:
            out["field"] = loc.get("field")
        if self.template is None and "line" in loc:
            out["line"] = loc["line"]
        excerpt = finding.safe_excerpt(show_values=show_values)
        if excerpt is not None:
            out["excerpt"] = strip_controls(excerpt)
        if finding.count > 1:
            out["count"] = finding.count
        if finding.message != self.message:
            out["message_text"] = strip_controls(finding.message)
        out["fingerprint"] = finding.fingerprint
        return out


def problem_key(finding: Finding) -> tuple:
    where = finding.where or repr((finding.location.field, finding.message))
    return (finding.rule, where, finding.entity_type or "", finding.severity)


def group(findings: Iterable[Finding]) -> list[Problem]:
    """Findings (one per message, or already merged by fingerprint) into problems, worst and widest first."""
    problems: dict[tuple, Problem] = {}
    for finding in findings:
        key = problem_key(finding)
        problem = problems.get(key)
        if problem is None:
            problems[key] = Problem(finding.rule, finding.severity, key[1], finding.entity_type, [finding])
        else:
            problem.occurrences.append(finding)
    out = list(problems.values())
    out.sort(key=lambda p: (-p.severity.rank, p.rule, -p.messages, p.first.location.message or 0))
    return out


def row_ranges(rows: list[int]) -> str:
    """`1-5000` for every row, `2, 5-9, 12` otherwise: 5,000 affected rows in a few bytes."""
    if not rows:
        return ""
    spans: list[str] = []
    start = prev = rows[0]
    for row in rows[1:]:
        if row == prev + 1:
            prev = row
            continue
        spans.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = row
    spans.append(str(start) if start == prev else f"{start}-{prev}")
    return ", ".join(spans)


def counted(number: int, noun: str, *, grouped: bool = True) -> str:
    """`1 message`, `5,000 messages` (`5000 messages` with grouped=False, for lines scripts read)."""
    return (f"{number:,}" if grouped else str(number)) + f" {noun}{'s' if number != 1 else ''}"


def affected(problem: Problem) -> str:
    """How many messages and recipients, in words, right for 1 and for 5,000."""
    text = counted(problem.messages, "message")
    if problem.recipients:
        text += ", " + counted(problem.recipients, "recipient")
    return text


@dataclass
class RecipientSample:
    """The first few affected recipients, redacted, and how many more (never more than there are)."""

    shown: list[str] = field(default_factory=list)
    more: int = 0


def recipient_sample(problem: Problem, limit: int, *, show_values: bool) -> RecipientSample:
    addresses = problem.recipient_addresses()
    shown = [strip_controls(a if show_values else redact_address(a)) for a in addresses[:limit]]
    return RecipientSample(shown, max(0, problem.recipients - len(shown)))
