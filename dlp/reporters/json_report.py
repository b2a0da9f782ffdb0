"""The JSON report of SPEC: field names are the contract, more may be added.

`findings` holds one entry per problem (`dlp.problems`): SPEC's fields (rule, severity, message,
location, excerpt, count, fingerprint) describe it, `messages`/`recipients_total` say how far it
reaches and `occurrences` lists every message it was found in, by recipient row (campaigns) or by
file, position and Message-ID (audits).
"""

from __future__ import annotations

import json
from typing import Any

from dlp import __version__
from dlp.model import Report, ReportSection


def report_dict(report: Report, *, show_values: bool = False) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "messages": report.messages,
        "recipients": report.recipients,
        "findings": report.counts(),
        "seconds": round(report.seconds, 3),
    }
    if report.wall_seconds is not None:
        summary["wall_seconds"] = round(report.wall_seconds, 3)
    if report.baselined:
        summary["baselined"] = report.baselined
    out: dict[str, Any] = {
        "tool": "dlp",
        "version": __version__,
        "verdict": report.verdict.value,
        "summary": summary,
        "findings": [p.to_dict(show_values=show_values) for p in report.problems],
    }
    if report.started_at:
        out["started_at"] = report.started_at
    if report.source:
        out["source"] = report.source
    if report.rule_files:
        out["rules_files"] = [{"path": f.path, "sha256": f.sha256} for f in report.rule_files]
    if report.notes:
        out["notes"] = report.notes
    if report.sections:
        out["sections"] = {
            name: value.to_dict() if isinstance(value, ReportSection) else value
            for name, value in report.sections.items()
        }
    if report.hints:
        out["remediation"] = report.hints
    return out


def render(report: Report, *, show_values: bool = False) -> str:
    """Indented, except each occurrence on one line: 40,000 of them stay greppable and a few MB, not 28."""
    data = report_dict(report, show_values=show_values)
    compact: dict[str, str] = {}
    for index, finding in enumerate(data["findings"]):
        marker = f"\x00occurrences-{index}\x00"
        lines = [json.dumps(o, ensure_ascii=False, separators=(",", ":")) for o in finding["occurrences"]]
        compact[json.dumps(marker)] = "[\n      " + ",\n      ".join(lines) + "\n    ]" if lines else "[]"
        finding["occurrences"] = marker
    text = json.dumps(data, indent=2, ensure_ascii=False)
    for marker, replacement in compact.items():
        text = text.replace(marker, replacement, 1)
    return text + "\n"
