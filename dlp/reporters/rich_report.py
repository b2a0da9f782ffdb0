"""The terminal report: verdict banner, findings grouped by rule, details, summary. Only this knows Rich."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dlp.model import Finding, Report, Severity, Verdict
from dlp.redact import redact_address, strip_controls

STYLE = {Verdict.BLOCK: "bold white on red", Verdict.WARN: "bold black on yellow", Verdict.PASS: "bold white on green"}
SEVERITY_STYLE = {Severity.BLOCK: "bold red", Severity.WARN: "yellow", Severity.INFO: "cyan"}
BANNER = {
    Verdict.BLOCK: "BLOCK — do not send",
    Verdict.WARN: "WARN — review before sending",
    Verdict.PASS: "PASS — nothing found",
}
MAX_DETAIL_ROWS = 40


def _plain(value: Any, style: str = "") -> Text:
    """Data as literal text: never parsed as Rich markup (`List-Id: x [/bold]` must not crash the report),
    and with control characters made visible (an ESC in a file name must not reach the terminal)."""
    return Text(strip_controls(str(value)), style=style)


def _recipients(findings: list[Finding], show_values: bool) -> str:
    seen: dict[str, None] = {}
    total = 0
    for finding in findings:
        total += max(finding.recipients_total, len(finding.recipients))
        for recipient in finding.recipients:
            seen.setdefault(recipient, None)
    shown = [r if show_values else redact_address(r) for r in list(seen)[:3]]
    more = max(len(seen), total) - len(shown)
    return ", ".join(shown) + (f" +{more}" if more > 0 else "")


def _group_key(finding: Finding) -> tuple:
    return (
        finding.rule,
        finding.severity,
        finding.entity_type,
        finding.location.field,
        finding.origin,
        finding.message,
    )


def build(report: Report, *, show_values: bool = False) -> Group:
    banner = Text(f" {BANNER[report.verdict]} ", style=STYLE[report.verdict], justify="center")
    title = report.sections.get("campaign", {}).get("name") or report.source
    renderables: list[Any] = [Panel(banner, title=_plain(title) if title else None, expand=True)]

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule].append(finding)
    ordered_rules = sorted(by_rule, key=lambda rule: (-max(f.severity.rank for f in by_rule[rule]), rule))
    if by_rule:
        table = Table(title="Findings by rule", expand=True)
        table.add_column("rule", style="bold", no_wrap=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("findings", justify="right")
        table.add_column("messages", justify="right")
        table.add_column("recipients", ratio=2)
        table.add_column("where", ratio=2)
        for rule in ordered_rules:
            findings = by_rule[rule]
            worst = max((f.severity for f in findings), key=lambda s: s.rank)
            messages = {f.location.message for f in findings if f.location.message is not None}
            occurrences = sum(f.extra.get("messages", 1) for f in findings)
            wheres = list(dict.fromkeys(f.location.field or "-" for f in findings))
            table.add_row(
                _plain(rule),
                Text(worst.value, style=SEVERITY_STYLE[worst]),
                str(len(findings)),
                str(max(len(messages), occurrences if len(findings) == 1 else len(messages))),
                _plain(_recipients(findings, show_values)),
                _plain(", ".join(wheres[:4]) + (" …" if len(wheres) > 4 else "")),
            )
        renderables.append(table)

        hints = Table(title="What to do", show_header=False, expand=True, box=None)
        hints.add_column("rule", style="bold", no_wrap=True)
        hints.add_column("hint")
        for rule in ordered_rules:
            if report.hints.get(rule):
                hints.add_row(_plain(rule), _plain(report.hints[rule]))
        renderables.append(hints)

        groups: dict[tuple, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            groups[_group_key(finding)].append(finding)
        detail = Table(title="Details", expand=True)
        detail.add_column("sev", no_wrap=True)
        detail.add_column("rule", no_wrap=True)
        detail.add_column("what", ratio=3)
        detail.add_column("where", ratio=2)
        detail.add_column("msgs", justify="right")
        detail.add_column("excerpt", ratio=2)
        for findings in list(groups.values())[:MAX_DETAIL_ROWS]:
            first = findings[0]
            messages = sum(f.extra.get("messages", 1) for f in findings)
            where = " · ".join(
                bit
                for bit in (
                    first.location.field,
                    f"line {first.location.line}" if first.location.line else "",
                    first.location.part or "",
                    f"({first.origin})" if first.origin else "",
                )
                if bit
            )
            excerpts = list(dict.fromkeys(f.safe_excerpt(show_values=show_values) or "" for f in findings))
            detail.add_row(
                Text(first.severity.value, style=SEVERITY_STYLE[first.severity]),
                _plain(first.rule),
                _plain(first.message),
                _plain(where),
                str(messages),
                _plain(excerpts[0] + (f" (+{len(excerpts) - 1} more)" if len(excerpts) > 1 else "")),
            )
        if len(groups) > MAX_DETAIL_ROWS:
            detail.caption = Text(f"{len(groups) - MAX_DETAIL_ROWS} more groups: use --format json for every finding")
        renderables.append(detail)

    for name, section in report.sections.items():
        renderable = _section(name, section)
        if renderable is not None:
            renderables.append(renderable)

    counts = report.counts()
    summary = Text.assemble(
        ("Summary: ", "bold"),
        f"{report.messages} messages, {report.recipients} recipients, ",
        (f"{counts['block']} block", SEVERITY_STYLE[Severity.BLOCK]),
        ", ",
        (f"{counts['warn']} warn", SEVERITY_STYLE[Severity.WARN]),
        ", ",
        (f"{counts['info']} info", SEVERITY_STYLE[Severity.INFO]),
        f" findings in {report.seconds:.2f}s",
    )
    renderables.append(summary)
    for note in report.notes:
        renderables.append(_plain(f"note: {note}", style="dim"))
    return Group(*renderables)


def _section(name: str, section: Any) -> Any:
    """Extra report sections (e.g. recipient-list health) given as {"title": ..., "rows": [[k, v], ...]}."""
    if not isinstance(section, dict) or "rows" not in section:
        return None
    table = Table(title=_plain(section.get("title", name)), expand=False)
    for column in section.get("columns", ["item", "value"]):
        table.add_column(_plain(column))
    for row in section["rows"]:
        table.add_row(*(_plain(cell) for cell in row))
    if section.get("caption"):
        table.caption = _plain(section["caption"])
    if section.get("worst_rows"):
        return Group(table, _worst_rows(section))
    return table


def _worst_rows(section: dict[str, Any]) -> Table:
    """The recipient-list health section's worst rows (addresses already redacted by the check)."""
    table = Table(title="Worst rows", expand=False)
    for column in ("row", "address", "issues"):
        table.add_column(column)
    for item in section["worst_rows"]:
        table.add_row(_plain(item.get("row", "")), _plain(item.get("address", "")), _plain(item.get("issues", "")))
    if section.get("identity"):
        table.caption = _plain(f"people told apart by: {section['identity']}")
    return table


def print_report(report: Report, console: Console | None = None, *, show_values: bool = False) -> None:
    (console or Console()).print(build(report, show_values=show_values))


def print_rules(rows: list[tuple[str, str, bool, str]]) -> None:
    """The rule catalogue as a table: (id, severity, enabled, what it catches)."""
    table = Table(title="dlp rules", show_lines=True)
    for column in ("id", "severity", "enabled", "catches"):
        table.add_column(column)
    for rule_id, severity, enabled, description in rows:
        styled = Text(severity, style=SEVERITY_STYLE[Severity(severity)])
        table.add_row(_plain(rule_id), styled, "yes" if enabled else "no", _plain(description))
    Console().print(table)


def render(report: Report, *, show_values: bool = False, width: int = 120) -> str:
    """The report as plain text (no colour codes), for --output files."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    console.print(build(report, show_values=show_values))
    return buffer.getvalue()


# The progress bar lives in its own module; importable from here for callers that know this one.
from dlp.reporters.progress import RateColumn, progress_bar  # noqa: E402, F401
