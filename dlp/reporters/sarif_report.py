"""SARIF 2.1.0 output, so code-scanning dashboards and CI annotations can show dlp findings.

Severity maps to SARIF `level` (block→error, warn→warning, info→note); the keyed fingerprint goes into
`partialFingerprints` so a dashboard tracks one finding across runs the same way our allowlists do.
Values are redacted exactly as in the JSON report: the SARIF file is as shareable as the JSON one.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from dlp import __version__
from dlp.checks import load_ruleset
from dlp.model import Finding, Report, Severity
from dlp.redact import strip_controls
from dlp.rules import RuleSet

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.BLOCK: "error", Severity.WARN: "warning", Severity.INFO: "note"}


def _rule_descriptor(rule_id: str, ruleset: RuleSet | None, hint: str | None) -> dict[str, Any]:
    rule = ruleset.rules.get(rule_id) if ruleset else None
    out: dict[str, Any] = {"id": rule_id, "name": rule_id}
    if rule is not None:
        out["shortDescription"] = {"text": rule.description}
        out["defaultConfiguration"] = {"level": LEVEL[rule.severity]}
    remediation = hint or (rule.remediation if rule is not None else None)
    if remediation:
        out["help"] = {"text": remediation}
    return out


def _location(finding: Finding, default_source: str, shown: dict[str, Any]) -> dict[str, Any]:
    """`shown` is the location as to_dict prints it: an archive path naming a person is masked there."""
    loc = finding.location
    artifact = shown.get("source") or strip_controls(default_source) or "message"
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact}}
    if loc.line:
        physical["region"] = {"startLine": loc.line}
    if shown.get("template"):  # the renderer knows where in the templates the value arises: point there
        folder = PurePosixPath(artifact).parent if artifact != "message" else PurePosixPath(".")
        physical = {"artifactLocation": {"uri": str(folder / shown["template"])}}
        if loc.template_line:
            physical["region"] = {"startLine": loc.template_line}
            if loc.template_column:
                physical["region"]["startColumn"] = loc.template_column
    message = f"message {loc.message}" if loc.message is not None else None
    logical = [bit for bit in (message, shown.get("field"), shown.get("part")) if bit]
    out: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        out["logicalLocations"] = [{"fullyQualifiedName": " / ".join(logical), "kind": "member"}]
    return out


def _result(finding: Finding, rule_index: int, default_source: str, show_values: bool) -> dict[str, Any]:
    data = finding.to_dict(show_values=show_values)
    text = data["message"]
    if data.get("excerpt"):
        text += f" ({data['excerpt']})"
    properties = {k: data[k] for k in ("count", "entity_type", "origin", "recipients", "recipients_total") if k in data}
    properties["severity"] = finding.severity.value
    if "recipient" in data["location"]:
        properties["recipient"] = data["location"]["recipient"]
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [_location(finding, default_source, data["location"])],
        "partialFingerprints": {"dlpFingerprint/v1": finding.fingerprint},
        "properties": properties,
    }


def report_dict(report: Report, *, show_values: bool = False, ruleset: RuleSet | None = None) -> dict[str, Any]:
    if ruleset is None:
        ruleset = load_ruleset([])
    rule_ids = list(dict.fromkeys(f.rule for f in report.findings))
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dlp",
                        "version": __version__,
                        "rules": [_rule_descriptor(r, ruleset, report.hints.get(r)) for r in rule_ids],
                    }
                },
                "results": [_result(f, index[f.rule], report.source, show_values) for f in report.findings],
                "properties": {
                    "verdict": report.verdict.value,
                    "messages": report.messages,
                    "recipients": report.recipients,
                    "notes": [strip_controls(n) for n in report.notes],
                },
            }
        ],
    }


def render(report: Report, *, show_values: bool = False) -> str:
    return json.dumps(report_dict(report, show_values=show_values), indent=2, ensure_ascii=False) + "\n"
