"""template-error: a message that does not read as the author meant it to.

Undefined variables and render errors come from the renderer (per row, so the report can say "column
`first_name` missing in 37 rows"); leftover merge syntax (`{{ x }}`, `*|FNAME|*`, `%%name%%`,
`[FirstName]`) is found in the rendered text, whatever tool produced it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check, line_at
from dlp.model import Finding, PartKind, ScanMessage


class LeftoverPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    regex: str


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leftover_patterns: list[LeftoverPattern] = Field(default_factory=list)


class TemplateError(Check):
    rule_id = "template-error"
    Params = Params

    def __init__(self, rule, ctx) -> None:
        super().__init__(rule, ctx)
        self.leftover = [(p.name, re.compile(p.regex)) for p in self.params.leftover_patterns]

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for problem in message.problems:
            if problem.kind == "undefined" and problem.variable:
                text = (
                    f"undefined variable '{problem.variable}' in {problem.field}: the recipient row has no "
                    f"such column (or key)"
                )
                where = f"undefined:{problem.origin}:{problem.variable}"
            else:
                text = f"render error in {problem.field}: {problem.detail}"
                where = f"error:{problem.origin}:{problem.detail}"
            yield self.finding(
                text,
                scan_message=message,
                field=problem.field,
                line=problem.line,
                where=where,
                origin=problem.origin,
                extra={"variable": problem.variable} if problem.variable else None,
            )
        for part in message.parts:
            if part.kind in (PartKind.HEADER,) and part.field in ("From", "To", "Cc", "Reply-To"):
                continue
            for name, pattern in self.leftover:
                for match in pattern.finditer(part.text):
                    tag = match.group(0)
                    yield self.finding(
                        f"leftover merge syntax ({name}) in {part.field}: {tag[:40]}",
                        scan_message=message,
                        field=part.field,
                        line=line_at(part.text, match.start()),
                        value=tag,
                        excerpt=tag[:40],
                        where=f"leftover:{part.origin}",
                        origin=part.origin,
                    )
