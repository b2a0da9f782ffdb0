"""The terminal report: verdict banner, rules, one row per problem, sections, summary. Only this knows Rich.

What is shown (wording, counts, grouping) comes from `dlp.reporters.view`, shared with the HTML report."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dlp.model import Report, Severity, Verdict
from dlp.redact import strip_controls
from dlp.reporters import view

STYLE = {Verdict.BLOCK: "bold white on red", Verdict.WARN: "bold black on yellow", Verdict.PASS: "bold white on green"}
SEVERITY_STYLE = {Severity.BLOCK: "bold red", Severity.WARN: "yellow", Severity.INFO: "cyan"}
MAX_DETAIL_ROWS = 40


def _plain(value: Any, style: str = "") -> Text:
    """Data as literal text: never parsed as Rich markup (`List-Id: x [/bold]` must not crash the report),
    and with control characters made visible (an ESC in a file name must not reach the terminal)."""
    return Text(strip_controls(str(value)), style=style)


def _recipients(card: view.Card) -> str:
    text = ", ".join(card.recipients_shown)
    if card.recipients_more:
        text += f" +{card.recipients_more:,} more"
    return text


def _card(number: int, card: view.Card) -> Group:
    severity = Severity(card.severity)
    head = Text.assemble(
        f"{number:>2}. ", (f"{severity.value.upper():5}", SEVERITY_STYLE[severity]), " ", (card.rule, "bold"), "  "
    )
    head.append_text(_plain(card.what))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True, justify="right", min_width=12)
    grid.add_column()
    grid.add_row("where", _plain(card.where))
    if card.snippet:
        grid.add_row("template", _plain(card.snippet, "cyan"))
    grid.add_row("reach", _plain(card.reach + (f" ({card.occurrences})" if card.occurrences else "")))
    if card.examples:
        grid.add_row("example", _plain("; ".join(card.examples)))
    if card.recipients_shown:
        grid.add_row("to", _plain(_recipients(card)))
    return Group(head, grid)


def build(report: Report, *, show_values: bool = False) -> Group:
    banner = Text(f" {view.banner(report)} ", style=STYLE[report.verdict], justify="center")
    title = view.title(report)
    renderables: list[Any] = [Panel(banner, title=_plain(title) if title else None, expand=True)]

    rule_rows = view.rule_rows(report)
    if rule_rows:
        table = Table(title="Findings by rule", expand=True)
        table.add_column("rule", style="bold", no_wrap=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("problems", justify="right")
        table.add_column("messages", justify="right")
        table.add_column("recipients", justify="right")
        for row in rule_rows:
            table.add_row(
                _plain(row.rule),
                Text(row.severity.value, style=SEVERITY_STYLE[row.severity]),
                str(row.problems),
                f"{row.messages:,}",
                f"{row.recipients:,}",
            )
        renderables.append(table)

        hints = Table(title="What to do", show_header=False, expand=True, box=None)
        hints.add_column("rule", style="bold", no_wrap=True)
        hints.add_column("hint")
        for row in rule_rows:
            if row.hint:
                hints.add_row(_plain(row.rule), _plain(row.hint))
        renderables.append(hints)

        cards = view.cards(report, show_values=show_values)
        renderables.append(Text("Problems (one entry each, however many messages it reaches)", style="bold"))
        for number, card in enumerate(cards[:MAX_DETAIL_ROWS], 1):
            renderables.append(_card(number, card))
        if len(cards) > MAX_DETAIL_ROWS:
            renderables.append(
                _plain(f"{len(cards) - MAX_DETAIL_ROWS} more problems: use --format json or html for all", "dim")
            )

    for section in view.sections(report):
        renderables.append(_section(section))

    counts = report.counts()
    summary = Text.assemble(
        ("Summary: ", "bold"),
        view.scanned_text(report) + ", ",
        (f"{counts['block']} block", SEVERITY_STYLE[Severity.BLOCK]),
        ", ",
        (f"{counts['warn']} warn", SEVERITY_STYLE[Severity.WARN]),
        ", ",
        (f"{counts['info']} info", SEVERITY_STYLE[Severity.INFO]),
        " findings" + view.summary_text(report).partition(" findings")[2],
    )
    renderables.append(summary)
    for note in report.notes:
        renderables.append(_plain(f"note: {note}", style="dim"))
    return Group(*renderables)


def _section(section: view.Section) -> Any:
    """Extra report sections (recipient-list health, audit books) as tables."""
    table = Table(title=_plain(section.title), expand=False)
    for column in section.columns:
        table.add_column(_plain(column))
    for row in section.rows:
        table.add_row(*(_plain(cell) for cell in row))
    if section.caption:
        table.caption = _plain(section.caption)
    if section.worst_rows:
        return Group(table, _worst_rows(section))
    return table


def _worst_rows(section: view.Section) -> Table:
    """The recipient-list health section's worst rows (addresses already redacted by the check)."""
    table = Table(title="Worst rows", expand=False)
    for column in ("row", "address", "issues"):
        table.add_column(column)
    for item in section.worst_rows:
        table.add_row(_plain(item.get("row", "")), _plain(item.get("address", "")), _plain(item.get("issues", "")))
    if section.identity:
        table.caption = _plain(f"people told apart by: {section.identity}")
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
