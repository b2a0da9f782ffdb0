"""A self-contained HTML report, for attaching to a ticket or mailing to a reviewer.

Rendered with Jinja2 autoescaping from the same redacted dictionary as the JSON report, so an HTML page
can never show more than `--format json` would (and a value cannot inject markup into it).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from dlp import __version__
from dlp.model import Report, Severity, Verdict
from dlp.redact import strip_controls

BANNER = {
    Verdict.BLOCK: "BLOCK — do not send",
    Verdict.WARN: "WARN — review before sending",
    Verdict.PASS: "PASS — nothing found",
}


@cache
def _template() -> Template:
    env = Environment(loader=PackageLoader("dlp.reporters", ""), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("report.html.j2")


def _clean(value: Any) -> Any:
    """Section data comes from messages (subjects, List-Ids, paths): autoescaping stops markup, this stops
    terminal escapes for whoever `cat`s the file."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def render(report: Report, *, show_values: bool = False) -> str:
    by_rule: dict[str, list[Severity]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule].append(finding.severity)
    rows = [
        {
            "rule": rule,
            "severity": max(severities, key=lambda s: s.rank).value,
            "count": len(severities),
            "hint": report.hints.get(rule, ""),
        }
        for rule, severities in sorted(by_rule.items(), key=lambda item: (-max(s.rank for s in item[1]), item[0]))
    ]
    sections = [
        (name, _clean(section))
        for name, section in report.sections.items()
        if isinstance(section, dict) and isinstance(section.get("rows"), list)
    ]
    return _template().render(
        verdict=report.verdict.value,
        banner=BANNER[report.verdict],
        source=strip_controls(report.source),
        messages=report.messages,
        recipients=report.recipients,
        counts=report.counts(),
        seconds=report.seconds,
        by_rule=rows,
        findings=[f.to_dict(show_values=show_values) for f in report.findings],
        sections=sections,
        notes=[strip_controls(n) for n in report.notes],
        version=__version__,
    )
