"""A self-contained HTML report: the record a compliance officer files and a marketer acts on.

One page, no external URL (styles inline, no scripts, no fonts or images fetched), printable. It states
what was scanned, when, with which dlp and which rules files (with their SHA-256), and the verdict; then
one card per problem: where it arises in the template, how many messages and recipients it reaches, a
preview of one affected message as its recipient reads it (the leaking span highlighted, every personal
value masked), and the affected recipients in a collapsed list. Its size stays bounded whatever the
campaign size: each card lists at most `MAX_LISTED` occurrences (the JSON report has all of them).

Rendered with Jinja2 autoescaping from the same redacted values as the JSON report, so an HTML page
can never show more than `--format json` would (and a value cannot inject markup into it).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from dlp import __version__
from dlp.model import Report
from dlp.problems import Problem
from dlp.redact import redact_path, strip_controls
from dlp.reporters import view

MAX_CARDS = 200
MAX_LISTED = 100  # occurrences listed per card
MAX_LISTED_ALL = 3_000  # and in all cards together: an audit with 200 problems stays a page, not megabytes


@cache
def _template() -> Template:
    env = Environment(loader=PackageLoader("dlp.reporters", ""), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("report.html.j2")


def _listed(problem: Problem, show_values: bool, limit: int) -> tuple[list[str], list[list[str]]]:
    """The card's collapsed list: recipient rows for a campaign, file#position and Message-ID for mail."""
    campaign = any(f.location.row is not None for f in problem.occurrences)
    rows: list[list[str]] = []
    for finding in problem.occurrences[:limit]:
        loc = finding.location.to_dict(show_values=show_values)
        example = strip_controls(finding.safe_excerpt(show_values=show_values) or "")
        if campaign:
            rows.append([str(finding.location.row or ""), loc.get("recipient", ""), example])
        else:
            rows.append([loc.get("source", ""), loc.get("message_id", ""), example])
    columns = ["row", "recipient", "example"] if campaign else ["message (file#position)", "Message-ID", "example"]
    return columns, rows


def render(report: Report, *, show_values: bool = False) -> str:
    cards = view.cards(report, show_values=show_values)
    shown = cards[:MAX_CARDS]
    items: list[dict[str, Any]] = []
    limit = max(10, min(MAX_LISTED, MAX_LISTED_ALL // max(1, len(shown))))
    for card in shown:
        columns, listed = _listed(card.problem, show_values, limit)
        total = len(card.problem.occurrences)
        items.append(
            {
                **card.__dict__,
                "listed": listed,
                "listed_columns": columns,
                "listed_total": total,
                "listed_more": max(0, total - len(listed)),
            }
        )
    campaign = report.sections.get("campaign")
    audit = report.kind in ("audit", "check")
    wall = (
        f"{report.wall_seconds:.1f} s in all ({report.seconds:.1f} s of it on the messages)"
        if report.wall_seconds
        else ""
    )
    return _template().render(
        verdict=report.verdict.value,
        verdict_class=report.verdict.value if report.verdict.value != "pass" else "info",
        banner=view.banner(report),
        title=view.title(report),
        campaign_name=strip_controls(str(campaign.get("name") or "")) if isinstance(campaign, dict) else "",
        source=strip_controls(report.source if show_values else redact_path(report.source)) if report.source else "",
        scope={"audit": "past sends (an archive audit)", "check": "one message"}.get(
            report.kind, "a campaign before sending"
        ),
        started_at=report.started_at,
        time_text=wall or f"{report.seconds:.2f} s on the messages",
        rule_files=[{"path": strip_controls(f.path), "sha256": f.sha256} for f in report.rule_files],
        messages=report.messages,
        recipients=report.recipients,
        counts=report.counts(),
        baselined=report.baselined,
        by_rule=view.rule_rows(report),
        cards=items,
        more_cards=max(0, len(cards) - len(shown)),
        reach_label="Found in" if audit else "Reaches",
        affected_label="Affected messages" if audit else "Affected recipients",
        sections=view.sections(report),
        notes=[strip_controls(n) for n in report.notes],
        show_values=show_values,
        version=__version__,
    )
