"""Reporters only format a Report; each is one module. `OutputFormat` is the exhaustive list of --format values."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

from dlp.errors import InputError
from dlp.model import Report
from dlp.problems import counted


class OutputFormat(StrEnum):
    RICH = "rich"
    JSON = "json"
    SARIF = "sarif"
    HTML = "html"


def summary_line(report: Report) -> str:
    from dlp.reporters import view

    counts = report.counts()
    return (
        f"{report.verdict.value.upper()}: {counts['block']} block, {counts['warn']} warn, "
        f"{counts['info']} info findings in {counted(report.messages, 'message', grouped=False)}"
    ) + "".join(f"; {extra}" for extra in (view.unreadable_text(report), view.baselined_text(report)) if extra)


def render_text(report: Report, fmt: OutputFormat, *, show_values: bool = False) -> str:
    """The report as a string in the given format (the rich format as plain text, for files)."""
    if fmt == OutputFormat.JSON:
        from dlp.reporters import json_report as module
    elif fmt == OutputFormat.SARIF:
        from dlp.reporters import sarif_report as module  # type: ignore[no-redef]
    elif fmt == OutputFormat.HTML:
        from dlp.reporters import html_report as module  # type: ignore[no-redef]
    else:
        from dlp.reporters import rich_report as module  # type: ignore[no-redef]
    return module.render(report, show_values=show_values)


def write_report(
    report: Report, fmt: OutputFormat, output: Path | None, *, show_values: bool = False, quiet: bool = False
) -> None:
    """Write the report where the user asked: a file, or stdout (the rich report drawn for the terminal)."""
    if output is not None:
        try:
            output.write_text(render_text(report, fmt, show_values=show_values), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror}", path=output) from None
        if not quiet:
            print(summary_line(report), file=sys.stderr)
        return
    if fmt != OutputFormat.RICH:
        sys.stdout.write(render_text(report, fmt, show_values=show_values))
    elif quiet:
        print(summary_line(report))
    else:
        from dlp.reporters import rich_report

        rich_report.print_report(report, show_values=show_values)
