"""The JSON report of SPEC: field names are the contract, more may be added."""

from __future__ import annotations

import json
from typing import Any

from dlp import __version__
from dlp.model import Report


def report_dict(report: Report, *, show_values: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tool": "dlp",
        "version": __version__,
        "verdict": report.verdict.value,
        "summary": {
            "messages": report.messages,
            "recipients": report.recipients,
            "findings": report.counts(),
            "seconds": round(report.seconds, 3),
        },
        "findings": [f.to_dict(show_values=show_values) for f in report.findings],
    }
    if report.source:
        out["source"] = report.source
    if report.notes:
        out["notes"] = report.notes
    if report.sections:
        out["sections"] = report.sections
    if report.hints:
        out["remediation"] = report.hints
    return out


def render(report: Report, *, show_values: bool = False) -> str:
    return json.dumps(report_dict(report, show_values=show_values), indent=2, ensure_ascii=False) + "\n"
