"""What the human-facing reporters (rich, html) show, decided once: banner, rule summary, one entry per
problem, report sections. Each reporter only draws this; neither decides wording or counts itself.

Wording depends on what was scanned: a preflight blocks a send ("do not send"), an audit reports mail
that already left ("found in past sends").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dlp.model import Report, ReportSection, Severity, Verdict
from dlp.problems import Problem, affected, counted, recipient_sample, row_ranges
from dlp.redact import strip_controls

MAX_RECIPIENTS_SHOWN = 3


def banner(report: Report) -> str:
    if report.kind == "audit":
        unread = unreadable_text(report)
        return {
            Verdict.BLOCK: "BLOCK — personal data found in past sends",
            Verdict.WARN: "WARN — problems found in past sends",
            Verdict.PASS: f"PASS — nothing found in {'the messages scanned' if unread else 'past sends'}",
        }[report.verdict] + (f"; {unread}" if unread else "")
    return {
        Verdict.BLOCK: "BLOCK — do not send",
        Verdict.WARN: "WARN — review before sending",
        Verdict.PASS: "PASS — nothing found",
    }[report.verdict]


def unreadable_text(report: Report) -> str:
    """`2 messages could not be read` for an audit that could not read everything, else "": a PASS must
    never read as if every message had been scanned (the unreadable ones are listed in the report)."""
    section = ReportSection.of("audit", report.sections.get("audit")) if report.kind == "audit" else None
    if section is None:
        return ""
    messages, files = int(section.data.get("unreadable", 0)), int(section.data.get("damaged", 0))
    parts = [f"{counted(messages, 'message')} could not be read"] if messages else []
    if files:
        parts.append(f"{counted(files, 'file')} could not be read to the end")
    return ", ".join(parts)


def baselined_text(report: Report) -> str:
    """`3 known findings left out by the baseline`, or "" without a baseline."""
    return f"{counted(report.baselined, 'known finding')} left out by the baseline" if report.baselined else ""


def title(report: Report) -> str:
    campaign = report.sections.get("campaign")
    name = campaign.get("name") if isinstance(campaign, dict) else None
    return strip_controls(str(name or report.source or ""))


_TAG = re.compile(r"\{\{\s*(.+?)\s*\}\}|\*\|\s*(.+?)\s*\|\*|%%\s*(.+?)\s*%%")


def field_label(name: str | None) -> str:
    """`attachment:lease-{{ account_id }}.txt` -> `attachment lease-‹account_id›.txt`: the file name pattern
    a reader recognises, not template syntax; `body.text` -> `text body`."""
    if not name:
        return "-"
    plain = {
        "body.text": "text body",
        "body.html": "HTML body",
        "body.raw": "body",
        "body.html.hidden": "HTML body's hidden text (comments, hidden fields)",
    }.get(name)
    if plain:
        return plain
    kind, colon, rest = name.partition(":")
    if colon and kind == "attachment":
        return "attachment " + _TAG.sub(lambda m: f"‹{next(g for g in m.groups() if g)}›", rest)
    return strip_controls(name)


def message_text(problem: Problem) -> str:
    text = problem.message
    if problem.field and problem.field.startswith("attachment:") and problem.field in text:
        text = text.replace(problem.field, field_label(problem.field))
    for raw, plain in (
        ("body.html.hidden", "the HTML body's hidden text"),
        ("body.text", "the text body"),
        ("body.html", "the HTML body"),
    ):
        text = text.replace(f"in {raw}", f"in {plain}")
    return strip_controls(text)


def where(problem: Problem) -> str:
    """The template location when the renderer knows it, else the part of the message."""
    if problem.template is not None:
        return f"{problem.template.label()} ({field_label(problem.field)})"
    return field_label(problem.field)


def occurrence_label(report: Report, problem: Problem) -> str:
    """Which messages: recipient rows for a campaign, file#position for an audit (never a 0-based index)."""
    rows = problem.rows
    if rows:
        return f"row{'s' if len(rows) > 1 else ''} {row_ranges(rows)}"
    sources = list(dict.fromkeys(f.location.source for f in problem.occurrences if f.location.source))
    if report.kind in ("audit", "check") and sources:
        from dlp.redact import redact_path

        shown = [redact_path(s) for s in sources[:3]]
        return ", ".join(shown) + (f" (+{len(sources) - 3} more)" if len(sources) > 3 else "")
    return ""


@dataclass
class Card:
    """One problem as a person reads it."""

    problem: Problem
    severity: str
    rule: str
    what: str
    where: str
    reach: str
    messages: int
    recipients: int
    examples: list[str]
    recipients_shown: list[str]
    recipients_more: int
    occurrences: str
    hint: str
    snippet: str = ""  # the template line (template text, never row data)
    preview: list[tuple[str, str]] = field(default_factory=list)
    preview_field: str = ""
    preview_subject: str = ""
    preview_row: int | None = None
    preview_first_line: int = 1


def cards(report: Report, *, show_values: bool, recipients_shown: int = MAX_RECIPIENTS_SHOWN) -> list[Card]:
    out = []
    for problem in report.problems:
        sample = recipient_sample(problem, recipients_shown, show_values=show_values)
        preview = problem.preview
        out.append(
            Card(
                problem=problem,
                severity=problem.severity.value,
                rule=problem.rule,
                what=message_text(problem),
                where=where(problem),
                reach=affected(problem),
                messages=problem.messages,
                recipients=problem.recipients,
                examples=problem.examples(show_values=show_values),
                recipients_shown=sample.shown,
                recipients_more=sample.more,
                occurrences=occurrence_label(report, problem),
                hint=_hint(report, problem.rule),
                snippet=problem.template.snippet if problem.template is not None else "",
                preview=preview.pieces(show_values=show_values) if preview is not None else [],
                preview_field=field_label(preview.field) if preview is not None else "",
                preview_subject=preview.subject if preview is not None else "",
                preview_row=preview.row if preview is not None else None,
                preview_first_line=preview.first_line if preview is not None else 1,
            )
        )
    return out


def _hint(report: Report, rule: str) -> str:
    info = report.rules.get(rule)
    return strip_controls(report.hints.get(rule) or (info.remediation if info is not None else ""))


@dataclass
class RuleRow:
    rule: str
    severity: Severity
    problems: int
    messages: int
    recipients: int
    hint: str


def rule_rows(report: Report) -> list[RuleRow]:
    """Per rule: how many problems, and how many distinct messages and recipients they reach together."""
    by_rule: dict[str, list[Problem]] = {}
    for problem in report.problems:
        by_rule.setdefault(problem.rule, []).append(problem)
    rows = []
    for rule, problems in by_rule.items():
        messages = {(f.location.source, f.location.message) for p in problems for f in p.occurrences}
        recipients: set[str] = set()
        totals = 0
        for problem in problems:
            recipients.update(problem.recipient_addresses())
            totals = max(totals, problem.recipients)
        rows.append(
            RuleRow(
                rule,
                max((p.severity for p in problems), key=lambda s: s.rank),
                len(problems),
                len(messages),
                max(len(recipients), totals),
                _hint(report, rule),
            )
        )
    rows.sort(key=lambda r: (-r.severity.rank, r.rule))
    return rows


@dataclass
class Section:
    """A report section (recipient-list health, audit books) as a titled table, cleaned for display."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    worst_rows: list[dict[str, Any]] = field(default_factory=list)
    identity: str = ""


def sections(report: Report) -> list[Section]:
    out = []
    for name, value in report.sections.items():
        section = ReportSection.of(name, value)
        if section is None:
            continue
        worst = section.data.get("worst_rows") or []
        out.append(
            Section(
                name=name,
                title=strip_controls(section.title),
                columns=[strip_controls(str(c)) for c in section.columns],
                rows=[[strip_controls(str(cell)) for cell in row] for row in section.rows],
                caption=strip_controls(section.caption),
                worst_rows=[{k: strip_controls(str(v)) for k, v in item.items()} for item in worst],
                identity=strip_controls(str(section.data.get("identity") or "")),
            )
        )
    return out


def scanned_text(report: Report) -> str:
    """`1 message, 1 recipient` / `6 messages, 6 recipients`: how much the report covers."""
    messages = counted(report.messages, "message", grouped=False)
    return f"{messages}, {counted(report.recipients, 'recipient', grouped=False)}"


def summary_text(report: Report) -> str:
    counts = report.counts()
    text = f"{scanned_text(report)}, {counts['block']} block, {counts['warn']} warn, {counts['info']} info findings"
    if report.wall_seconds is not None:
        text += f" in {report.wall_seconds:.1f}s ({report.seconds:.1f}s of it on the messages)"
    else:
        text += f" in {report.seconds:.2f}s"
    if report.baselined:
        text += f"; {baselined_text(report)}"
    return text
