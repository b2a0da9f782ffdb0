"""`detector: pattern`: a rule written entirely in YAML (regexes plus optional keyword prefilter).

Lets a team add "our internal project code names must not leave the building" without code. Keywords
are a cheap substring test run before any regex, as in gitleaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dlp.checks.base import Check, line_at
from dlp.model import Finding, ScanMessage
from dlp.redact import redact_value


class PatternRule(Check):
    detector = "pattern"

    @classmethod
    def compile(cls, rule, params) -> tuple[list[tuple[str, re.Pattern[str]]], list[str]]:
        patterns = [(p.name, re.compile(p.regex, re.IGNORECASE | re.MULTILINE)) for p in rule.patterns]
        return patterns, [k.lower() for k in rule.keywords]

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.patterns, self.keywords = self.compiled

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for part in message.content_parts:
            if self.keywords and not any(k in part.text.lower() for k in self.keywords):
                continue
            for name, pattern in self.patterns:
                for match in pattern.finditer(part.text):
                    yield self.finding(
                        f"{self.rule.description.rstrip('.')} ({name}) in {part.field}",
                        scan_message=message,
                        field=part.field,
                        line=line_at(part.text, match.start()),
                        value=match.group(0),
                        excerpt=redact_value(match.group(0)),
                        where=f"{part.origin}:{name}",
                    )
