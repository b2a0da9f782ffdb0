"""Findings -> verdict: allowlists, disabled rules, aggregation of repeats, --fail-on.

The same finding repeated across messages (one fingerprint: same rule, same value, same place in the
template) is reported once with a count and the recipients it reached, so a leak in the footer of a
20,000-recipient campaign is one line, not 20,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from dlp.model import Finding, Severity, Verdict
from dlp.rules import RuleSet

MAX_RECIPIENTS_LISTED = 20
MAX_LOCATIONS_LISTED = 20


def is_allowlisted(finding: Finding, ruleset: RuleSet) -> bool:
    allow = ruleset.allowlist
    if finding.fingerprint in allow.fingerprints:
        return True
    return finding.value is not None and allow.allows_value(finding.value)


def aggregate(findings: Iterable[Finding]) -> list[Finding]:
    merged: dict[str, Finding] = {}
    recipients: dict[str, dict[str, None]] = {}
    counts: dict[str, int] = {}
    locations: dict[str, list] = {}
    for finding in findings:
        key = finding.fingerprint or repr((finding.rule, finding.message, finding.location))
        if key not in merged:
            merged[key] = finding
            recipients[key] = dict.fromkeys(finding.recipients)
            counts[key] = 1
            locations[key] = []
            continue
        counts[key] += 1
        # Audits need every place a problem occurred, not just the first: keep a bounded sample.
        if len(locations[key]) < MAX_LOCATIONS_LISTED and finding.location != merged[key].location:
            locations[key].append(finding.location)
        if finding.severity.rank > merged[key].severity.rank:
            merged[key] = replace(merged[key], severity=finding.severity)
        bucket = recipients[key]
        for recipient in finding.recipients:
            bucket.setdefault(recipient, None)
    out = []
    for key, finding in merged.items():
        everyone = list(recipients[key])
        occurrences = counts[key]
        out.append(
            replace(
                finding,
                count=finding.count if finding.count > 1 else occurrences,
                recipients=tuple(everyone[:MAX_RECIPIENTS_LISTED]),
                recipients_total=len(everyone),
                also_at=tuple(dict.fromkeys(locations[key])),
                extra={**finding.extra, "messages": occurrences} if occurrences > 1 else finding.extra,
            )
        )
    return out


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    worst = max((f.severity.rank for f in findings), default=-1)
    if worst >= Severity.BLOCK.rank:
        return Verdict.BLOCK
    if worst >= Severity.WARN.rank:
        return Verdict.WARN
    return Verdict.PASS


def kept_findings(findings: Iterable[Finding], ruleset: RuleSet) -> list[Finding]:
    """The findings that count: enabled rules, not allowlisted (one per message: the problems' occurrences)."""
    return [
        f
        for f in findings
        if (f.rule not in ruleset.rules or ruleset.enabled(f.rule)) and not is_allowlisted(f, ruleset)
    ]


def merged(kept: list[Finding]) -> tuple[Verdict, list[Finding]]:
    result = aggregate(kept)
    result.sort(key=lambda f: (-f.severity.rank, f.rule, f.location.message or 0))
    return verdict_of(result), result


def apply_policy(findings: Iterable[Finding], ruleset: RuleSet) -> tuple[Verdict, list[Finding]]:
    return merged(kept_findings(findings, ruleset))


def exit_code(verdict: Verdict, fail_on: str = "block") -> int:
    if verdict == Verdict.BLOCK:
        return 1
    if verdict == Verdict.WARN and fail_on == "warn":
        return 1
    return 0
