"""The values that flow through the pipeline: messages in, findings out.

Sources produce `ScanMessage`s, checks produce `Finding`s, the policy turns findings into a `Report`.
Raw personal values live only inside `Finding.value` and `Recipient`; everything meant for output goes
through `Finding.to_dict(show_values=...)`, so one function decides what may leak.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import getaddresses, parsedate_to_datetime
from enum import StrEnum
from typing import Any, ClassVar

from dlp.columns import NAME_ROLES, column_role
from dlp.redact import redact_address, redact_message_id, redact_path, redact_value, strip_controls


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"block": 2, "warn": 1, "info": 0}[self.value]


class Verdict(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    PASS = "pass"


class PartKind(StrEnum):
    HEADER = "header"
    SUBJECT = "subject"
    TEXT = "text"
    HTML = "html"
    ATTACHMENT = "attachment"


@dataclass(frozen=True)
class Recipient:
    """One row of a recipient list (or the addressee of an audited message).

    `identity` tells people apart (customer id, else name, else address) so that two rows of one
    person are not "two people" and two people on one address are.
    """

    row: int  # 1-based data row number in the recipient file (header is row 0)
    email: str
    identity: str
    columns: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    line: int | None = None  # line in the recipient file, for error messages

    @property
    def names(self) -> list[str]:
        """The recipient's own name values, used to tell personalisation from someone else's name."""
        return self.values_of(*NAME_ROLES)

    def values_of(self, *roles: str) -> list[str]:
        """The row's values of columns with these meanings (`dlp.columns`: 'First Name' == 'FNAME')."""
        out: list[str] = []
        _collect_roles(self.columns, roles, out, depth=0)
        return out


def _collect_roles(columns: Mapping[str, Any], roles: tuple[str, ...], out: list[str], depth: int) -> None:
    """Values of columns with these meanings, also inside the row's nested objects (a JSON row's
    `customer: {first_name}`, `shipping_address: {address1}` are the recipient's own); never inside lists,
    which hold other people as often as the recipient (attendees, contacts)."""
    for key, value in columns.items():
        if isinstance(value, Mapping):
            if depth < 3:
                _collect_roles(value, roles, out, depth + 1)
        elif isinstance(key, str) and column_role(key) in roles and isinstance(value, str) and value.strip():
            out.append(value.strip())


@dataclass(frozen=True)
class Part:
    """One scannable piece of a message: a header, the subject, a body part or an attachment.

    `text` is what a reader sees (visible text for HTML); `raw` keeps the source (HTML markup) for
    checks that need links. `origin` names the template the part came from, so fingerprints are tied to
    where a value arises in the campaign rather than to line numbers.
    """

    kind: PartKind
    field: str  # "Subject", "To", "body.text", "body.html", "attachment:receipt.csv"
    text: str
    origin: str = ""
    raw: str | None = None
    filename: str | None = None
    content_type: str | None = None
    # Which spans of `text` came from which template expression (`dlp.provenance`); None when unknown.
    provenance: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RenderProblem:
    """A template that failed for one message (undefined variable, render error)."""

    field: str
    kind: str  # "undefined" or "error"
    detail: str
    origin: str
    variable: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class UnreadableAttachment:
    field: str
    reason: str
    unsafe: bool = False  # refused, not failed: its path left the campaign folder or it is not a regular file


# Headers that address a message: who sends it and who gets it. Their text is the recipient checks' business,
# never content (a name in To is the addressee, not personal data someone wrote).
ADDRESS_HEADERS = frozenset({"From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Return-Path"})
SENDER_HEADERS = ("From", "Reply-To", "Sender")
_LIST_ID = re.compile(r"<([\w.+-]+?)\.([\w-]+(?:\.[\w-]+)+)>")


@dataclass
class ScanMessage:
    """A message exactly as it would be (or was) sent.

    It answers its own addressing questions (who sees it, whom it is for, who sent it, which list it went
    through), so every check reads one definition instead of parsing address headers its own way. They are
    computed on each use, not cached: the envelope is set after the message is built (serve, the API).
    """

    index: int
    headers: list[tuple[str, str]]
    parts: list[Part]
    recipient: Recipient | None = None
    source: str = ""  # campaign file or archive file the message came from
    message_id: str | None = None
    envelope_from: str | None = None
    envelope_to: list[str] = field(default_factory=list)
    problems: list[RenderProblem] = field(default_factory=list)
    unreadable: list[UnreadableAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a charset that had to be replaced
    own_domains: frozenset[str] = frozenset()  # the sender's domains, when each message has its own sender

    def header(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    # -- addressing ---------------------------------------------------------------------------------

    def named_addresses(self, *headers: str) -> list[tuple[str, str]]:
        """(display name, lower-cased address) of each mailbox in these headers, in order, "@" required."""
        values = [value for name in headers for value in self.header(name)]
        return [(name, address.strip().lower()) for name, address in getaddresses(values) if "@" in address]

    def visible_in(self, *headers: str) -> list[str]:
        """Distinct addresses shown in these headers (To and Cc unless named), lower-cased, in order."""
        return list(dict.fromkeys(address for _name, address in self.named_addresses(*(headers or ("To", "Cc")))))

    @property
    def visible_recipients(self) -> list[str]:
        """What every recipient sees: the distinct To and Cc addresses, lower-cased, in order."""
        return self.visible_in("To", "Cc")

    @property
    def envelope_recipients(self) -> list[str]:
        """The SMTP RCPT TO addresses (check, serve, the API), lower-cased, distinct, in order."""
        return list(dict.fromkeys(a.strip().lower() for _n, a in getaddresses(self.envelope_to) if a.strip()))

    @property
    def addressees(self) -> list[str]:
        """Whom this message is for: the recipient row's address in a campaign (kept as written, even empty:
        a row without an address is a finding, never a skipped row), else To, Cc and the envelope, lower-cased.
        """
        if self.recipient is not None:
            return [self.recipient.email.strip()]
        values = self.header("To") + self.header("Cc") + list(self.envelope_to)
        return list(dict.fromkeys(a.strip().lower() for _n, a in getaddresses(values) if a.strip()))

    @property
    def delivered_to(self) -> list[str]:
        """Every mailbox the message reaches (row, To, Cc, envelope), lower-cased: who must all be internal for
        an internal mail."""
        out = [*self.visible_recipients, *(a for a in self.envelope_recipients if "@" in a)]
        if self.recipient is not None and "@" in self.recipient.email:
            out.append(self.recipient.email.strip().lower())
        return list(dict.fromkeys(out))

    @property
    def sender_addresses(self) -> set[str]:
        """The sender's own mailboxes (From, Reply-To, Sender), lower-cased."""
        return {address for _name, address in self.named_addresses(*SENDER_HEADERS)}

    @property
    def list_addresses(self) -> set[str]:
        """The message's own mailing list, from List-Id (`<dev.ponymail.apache.org>` is dev@ponymail.apache.org)."""
        out: set[str] = set()
        for value in self.header("List-Id"):
            for local, domain in _LIST_ID.findall(value):
                out.add(f"{local}@{domain}".casefold())
        return out

    @property
    def content_parts(self) -> list[Part]:
        """What the message says, as opposed to whom it is addressed to: every part but the address headers."""
        return [p for p in self.parts if not (p.kind == PartKind.HEADER and p.field in ADDRESS_HEADERS)]

    def month(self, default: str = "unknown") -> str:
        """YYYY-MM of the Date header, for audit summaries and spans; `default` when absent or unparsable."""
        for value in self.header("Date"):
            try:
                return parsedate_to_datetime(value).strftime("%Y-%m")
            except (TypeError, ValueError, IndexError):
                continue
        return default


@dataclass(frozen=True)
class Location:
    message: int | None = None
    field: str | None = None
    line: int | None = None
    recipient: str | None = None  # raw address; redacted on output
    source: str | None = None
    message_id: str | None = None
    part: str | None = None
    # Where in the campaign's templates the value arises (`dlp.provenance`): file, line, column.
    template: str | None = None
    template_line: int | None = None
    template_column: int | None = None
    row: int | None = None  # the recipient's data row (1 = first row, as `dlp preview --row`): THE numbering

    def to_dict(self, *, show_values: bool) -> dict[str, Any]:
        """Source paths and Message-IDs can carry names and addresses (a Maildir folder per customer,
        `<date.anna.meyer@host>`): masked unless --show-values; control characters never pass."""
        out: dict[str, Any] = {}
        for key in (
            "message",
            "row",
            "field",
            "line",
            "source",
            "message_id",
            "part",
            "template",
            "template_line",
            "template_column",
        ):
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, str):
                if not show_values and key in ("source", "template"):
                    value = redact_path(value)
                elif not show_values and key == "message_id":
                    value = redact_message_id(value)
                value = strip_controls(value)
            out[key] = value
        if self.recipient is not None:
            out["recipient"] = strip_controls(self.recipient if show_values else redact_address(self.recipient))
        return out


@dataclass(frozen=True)
class Finding:
    """One problem, in one place (or, after aggregation, the same problem across many messages).

    `value` is the raw offending value and is printed only with --show-values; `excerpt` is always
    safe to print. `origin` says whether the value is literal in the template (it reaches every
    recipient) or injected by a variable.
    """

    rule: str
    severity: Severity
    message: str
    location: Location
    fingerprint: str = ""
    value: str | None = None
    excerpt: str | None = None
    entity_type: str | None = None
    count: int = 1
    origin: str | None = None
    recipients: tuple[str, ...] = ()
    recipients_total: int = 0
    score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    also_at: tuple[Location, ...] = ()  # where else an aggregated finding occurred (first few)
    where: str = ""  # where in the template (or message) the problem arises: the grouping key with rule and type

    def with_changes(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def safe_excerpt(self, *, show_values: bool) -> str | None:
        if show_values and self.value is not None:
            return self.value
        if self.excerpt is not None:
            return self.excerpt
        if self.value is not None:
            return redact_value(self.value, self.entity_type)
        return None

    def to_dict(self, *, show_values: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": strip_controls(self.message),
            "location": self.location.to_dict(show_values=show_values),
        }
        excerpt = self.safe_excerpt(show_values=show_values)
        if excerpt is not None:
            out["excerpt"] = strip_controls(excerpt)
        out["count"] = self.count
        out["fingerprint"] = self.fingerprint
        if self.entity_type:
            out["entity_type"] = self.entity_type
        if self.origin:
            out["origin"] = self.origin
        if self.score is not None:
            out["score"] = round(self.score, 2)
        if self.recipients:
            out["recipients"] = [r if show_values else redact_address(r) for r in self.recipients]
            out["recipients_total"] = max(self.recipients_total, len(self.recipients))
        if self.also_at:
            out["also_at"] = [loc.to_dict(show_values=show_values) for loc in self.also_at]
        if self.extra:
            out["details"] = {k: strip_controls(v) if isinstance(v, str) else v for k, v in self.extra.items()}
        return out


@dataclass(frozen=True)
class ReportSection:
    """A titled table a scan adds to its report (inferred recipient columns, list health, audit books).

    Sections built as plain dicts (`{"title", "columns", "rows", "caption", ...}`) are read through
    `ReportSection.of`; keys beyond the table (an audit's counters, a list's worst rows) stay in `data`."""

    title: str
    columns: tuple[str, ...] = ("item", "value")
    rows: tuple[tuple[Any, ...], ...] = ()
    caption: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    TABLE_KEYS: ClassVar[frozenset[str]] = frozenset({"title", "columns", "rows", "caption"})

    @classmethod
    def of(cls, name: str, value: Any) -> ReportSection | None:
        if isinstance(value, ReportSection):
            return value
        if not isinstance(value, dict) or not isinstance(value.get("rows"), list):
            return None
        return cls(
            title=str(value.get("title", name)),
            columns=tuple(str(c) for c in value.get("columns", ("item", "value"))),
            rows=tuple(tuple(row) if isinstance(row, list | tuple) else (row,) for row in value["rows"]),
            caption=str(value.get("caption") or ""),
            data={k: v for k, v in value.items() if k not in cls.TABLE_KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "columns": list(self.columns), "rows": [list(r) for r in self.rows]}
        if self.caption:
            out["caption"] = self.caption
        out.update(self.data)
        return out


@dataclass(frozen=True)
class RuleInfo:
    """A rule as it was in effect for this scan (user overrides applied): reporters describe rules from
    this, never from the default catalogue on disk."""

    id: str
    description: str
    severity: Severity
    remediation: str = ""
    enabled: bool = True
    parameters: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    defined_in: str = ""


@dataclass(frozen=True)
class RulesFileInfo:
    """A rules file that shaped the scan and the SHA-256 of its bytes, for the compliance record."""

    path: str
    sha256: str


@dataclass
class Report:
    """What every entry point returns: a verdict and the findings that led to it.

    `findings` are merged by fingerprint (one per value and place, the Python API's unit); `problems`
    (`dlp.problems`) group them by rule, place in the template and entity type, with every occurrence:
    what the reporters show. Reports built by hand get their problems from `findings` on first use."""

    verdict: Verdict
    findings: list[Finding]
    messages: int = 0
    recipients: int = 0
    seconds: float = 0.0
    source: str = ""
    notes: list[str] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)  # rule id -> remediation, for the rules that fired
    rules: dict[str, RuleInfo] = field(default_factory=dict)  # every rule in effect, overrides applied
    rule_files: list[RulesFileInfo] = field(default_factory=list)
    started_at: str = ""  # UTC, ISO 8601
    wall_seconds: float | None = None  # from process start (model loading included), set by the CLI
    baselined: int = 0  # findings left out because a --baseline file lists their fingerprint
    kind: str = "scan"  # "preflight" (before a send) or "audit"/"check" (mail already sent or in flight)
    _problems: list[Any] | None = field(default=None, repr=False)

    @property
    def problems(self) -> list[Any]:
        """`dlp.problems.Problem`s, worst first."""
        if self._problems is None:
            from dlp.problems import group

            self._problems = group(self.findings)
        return self._problems

    @problems.setter
    def problems(self, value: list[Any]) -> None:
        self._problems = value

    def counts(self) -> dict[str, int]:
        """Problems by severity: what the report lists (a date of birth in 5,000 messages is one)."""
        out = {s.value: 0 for s in Severity}
        for problem in self.problems:
            out[problem.severity.value] += 1
        return out

    @property
    def rule_ids(self) -> list[str]:
        return sorted({f.rule for f in self.findings})
