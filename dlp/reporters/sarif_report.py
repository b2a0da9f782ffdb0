"""SARIF 2.1.0 output, so code-scanning dashboards and CI annotations can show dlp findings.

One result per problem (`dlp.problems`), located where it arises: the template file, line and column
for a campaign (the subject or an address on its line of the campaign file), the archive file for an
audit. URIs are relative (to the directory dlp ran in, `%SRCROOT%`, when the file is under it, else to
the campaign folder, `CAMPAIGNROOT`), with the bases in `originalUriBaseIds`, so a report made in CI
points at files in the repository. Rules are described as they were in effect (user overrides
included) from the report, with `helpUri` to the rule's page in docs/rules/.

Severity maps to `level` (block→error, warn→warning, info→note); the problem's keyed fingerprint goes
into `partialFingerprints`. Values are redacted exactly as in the JSON report.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any

from dlp import __version__
from dlp.model import Report, RuleInfo, Severity
from dlp.problems import Problem, affected, row_ranges
from dlp.redact import strip_controls
from dlp.reporters import view

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.BLOCK: "error", Severity.WARN: "warning", Severity.INFO: "note"}
HELP_URI_ENV = "DLP_RULE_DOCS_URL"  # where docs/rules/ is published (e.g. your fork's web view)


@cache
def _project_url() -> str | None:
    """The repository URL from the package metadata (`[project.urls]`), when the distribution names one."""
    try:
        urls = metadata("dlp").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("repository", "source", "homepage") and url.strip().startswith("https://"):
            return url.strip().rstrip("/")
    return None


def help_uri(rule_id: str) -> str:
    """The rule's page, docs/rules/<id>.md: under DLP_RULE_DOCS_URL, else the repository named in the package
    metadata, else as a path relative to the dlp checkout (a SARIF viewer shows it as a reference)."""
    base = os.environ.get(HELP_URI_ENV)
    if base:
        return f"{base.rstrip('/')}/{rule_id}.md"
    project = _project_url()
    if project and "github.com" in project:
        return f"{project}/blob/main/docs/rules/{rule_id}.md"
    return f"docs/rules/{rule_id}.md"


def _rule_descriptor(rule_id: str, info: RuleInfo | None, hint: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule_id, "name": rule_id, "helpUri": help_uri(rule_id)}
    if info is not None:
        out["shortDescription"] = {"text": strip_controls(info.description or rule_id)}
        out["defaultConfiguration"] = {"level": LEVEL[info.severity], "enabled": info.enabled}
        if info.parameters:
            out["properties"] = {"parameters": info.parameters}
    remediation = hint or (info.remediation if info is not None else None)
    if remediation:
        out["help"] = {"text": strip_controls(remediation)}
    return out


class _Uris:
    """Relative URIs and the bases they are relative to."""

    def __init__(self, report: Report) -> None:
        self.cwd = Path.cwd().resolve()
        source = Path(report.source) if report.source else None
        self.campaign_dir = source.resolve().parent if source is not None and source.is_file() else None
        self.bases: dict[str, dict[str, str]] = {}

    def uri(self, path: str) -> tuple[str, str | None]:
        """(uri, uriBaseId) for a file named relative to the campaign folder or absolute."""
        candidate = Path(path)
        if not candidate.is_absolute() and self.campaign_dir is not None:
            candidate = self.campaign_dir / candidate
        try:
            resolved = candidate.resolve()
        except OSError:
            return path, None
        for base_id, base in (("%SRCROOT%", self.cwd), ("CAMPAIGNROOT", self.campaign_dir)):
            if base is None:
                continue
            try:
                relative = resolved.relative_to(base).as_posix()
            except ValueError:
                continue
            self.bases.setdefault(base_id, {"uri": base.as_uri() + "/"})
            return relative, base_id
        return resolved.as_uri(), None


def _location(problem: Problem, report: Report, uris: _Uris, show_values: bool) -> dict[str, Any]:
    shown = problem.first.location.to_dict(show_values=show_values)
    physical: dict[str, Any]
    position = ""
    if problem.template is not None:
        uri, base = uris.uri(problem.template.file)
        physical = {"artifactLocation": {"uri": uri}}
        if base:
            physical["artifactLocation"]["uriBaseId"] = base
        if problem.template.line:
            region: dict[str, Any] = {"startLine": problem.template.line}
            if problem.template.column:
                region["startColumn"] = problem.template.column
            physical["region"] = region
    else:
        # An archive path can name a person (a Maildir per customer): the masked form, as in JSON. The
        # message's position in the file (`archive.mbox#3`) is a logical location, not part of the URI.
        artifact = shown.get("source") or strip_controls(report.source) or "message"
        path, _, position = artifact.partition("#")
        uri, base = uris.uri(path) if path not in ("<stdin>", "message") else (path, None)
        physical = {"artifactLocation": {"uri": uri}}
        if base:
            physical["artifactLocation"]["uriBaseId"] = base
    out: dict[str, Any] = {"physicalLocation": physical}
    logical = view.field_label(problem.field)
    if position:
        logical = f"message {position} / {logical}"
    if logical and logical != "-":
        out["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": "member"}]
    return out


def _result(problem: Problem, rule_index: int, report: Report, uris: _Uris, show_values: bool) -> dict[str, Any]:
    examples = problem.examples(show_values=show_values)
    text = f"{view.message_text(problem)}: {affected(problem)}"
    if examples:
        text += f" (e.g. {examples[0]})"
    properties: dict[str, Any] = {
        "severity": problem.severity.value,
        "count": problem.count,
        "messages": problem.messages,
        "recipients": problem.recipients,
    }
    for key in ("entity_type", "origin"):
        value = getattr(problem, key)
        if value:
            properties[key] = value
    if problem.rows:
        properties["rows"] = row_ranges(problem.rows)
    return {
        "ruleId": problem.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[problem.severity],
        "message": {"text": strip_controls(text)},
        "locations": [_location(problem, report, uris, show_values)],
        "partialFingerprints": {"dlpFingerprint/v1": problem.fingerprint},
        "properties": properties,
    }


def report_dict(report: Report, *, show_values: bool = False) -> dict[str, Any]:
    problems = report.problems
    rule_ids = list(dict.fromkeys(p.rule for p in problems))
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    uris = _Uris(report)
    results = [_result(p, index[p.rule], report, uris, show_values) for p in problems]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dlp",
                "version": __version__,
                **({"informationUri": _project_url()} if _project_url() else {}),
                "rules": [_rule_descriptor(r, report.rules.get(r), report.hints.get(r)) for r in rule_ids],
            }
        },
        "results": results,
        "properties": {
            "verdict": report.verdict.value,
            "messages": report.messages,
            "recipients": report.recipients,
            "notes": [strip_controls(n) for n in report.notes],
        },
    }
    if uris.bases:
        run["originalUriBaseIds"] = uris.bases
    if report.started_at:
        run["invocations"] = [{"executionSuccessful": True, "startTimeUtc": report.started_at.replace("+00:00", "Z")}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, show_values: bool = False) -> str:
    return json.dumps(report_dict(report, show_values=show_values), indent=2, ensure_ascii=False) + "\n"
