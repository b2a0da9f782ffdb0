"""template-error: a message that does not read as the author meant it to.

Undefined variables and render errors come from the renderer (per row, so the report can say "column
`first_name` missing in 37 rows"); leftover merge syntax (`{{ x }}`, `*|FNAME|*`, `%%name%%`,
`[FirstName]`) is found in the rendered text, whatever tool produced it.

Received mail (audit, check, serve, scan_message: messages dlp did not render) has its own semantics:
a leftover tag there is still a sender's mistake a reader sees, but `{{` is also everyday syntax in
code, and a binary part decoded as text is noise. So on received mail the patterns run only over text a
person reads (`dlp.checks.readable`): subject, text and HTML bodies and text attachments, without code
blocks, patches, quoted lines, HTML `<pre>`/`<code>`, and never over binary or undecodable parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check, line_at
from dlp.checks.readable import readable_text
from dlp.htmltext import HIDDEN_FIELD
from dlp.model import Finding, PartKind, ScanMessage
from dlp.redact import redact_value, scrub_text


def _row_values(message: ScanMessage) -> list[str]:
    """The row's own values, so an error that echoes one (`{% include email %}`) prints it masked."""
    if message.recipient is None:
        return []
    return [str(v) for v in message.recipient.columns.values() if isinstance(v, str | int | float)]


class LeftoverPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    regex: str


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leftover_patterns: list[LeftoverPattern] = Field(default_factory=list)


class TemplateError(Check):
    detector = "template-error"
    Params = Params

    @classmethod
    def compile(cls, rule, params: Params) -> list[tuple[str, re.Pattern[str]]]:
        return [(p.name, re.compile(p.regex)) for p in params.leftover_patterns]

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.leftover = self.compiled

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for problem in message.problems:
            variable = self._shown_variable(problem.variable, problem.origin)
            if problem.kind == "undefined" and problem.variable:
                text = (
                    f"undefined variable '{variable}' in {problem.field}: the recipient row has no such column (or key)"
                )
                # Keys taken from row data differ per row yet are one problem: one finding across messages.
                key = problem.variable if variable == problem.variable else "(row data)"
                where = f"undefined:{problem.origin}:{key}"
            else:
                text = f"render error in {problem.field}: {scrub_text(problem.detail, _row_values(message))}"
                where = f"error:{problem.origin}:{problem.detail}"
            yield self.finding(
                text,
                scan_message=message,
                field=problem.field,
                line=problem.line,
                where=where,
                origin=problem.origin,
                extra={"variable": variable} if variable else None,
            )
        yield from self._leftovers(message)

    def _shown_variable(self, variable: str | None, origin: str) -> str | None:
        """A name written in the template is safe to print; anything else came from row data (the key in
        `{% if vip_notes[email] %}` is the recipient's address) and is masked."""
        if not variable:
            return None
        source = self.scope.template_sources.get(origin, "")
        if re.search(rf"(?<!\w){re.escape(variable)}(?!\w)", source):
            return variable
        return f"{redact_value(variable)} (a key taken from row data, masked)"

    def _leftovers(self, message: ScanMessage) -> Iterable[Finding]:
        received = self.scope.campaign is None  # not rendered by dlp: only what a person reads counts
        row_values = _row_values(message)
        for part in message.parts:
            if part.kind in (PartKind.HEADER,) and part.field in ("From", "To", "Cc", "Reply-To"):
                continue
            if part.field == HIDDEN_FIELD:  # comments (`<!--*|IF:MC_PREVIEW_TEXT|*-->`) are no leftover a person reads
                continue
            text = part.text
            if received:
                if not any(pattern.search(text) for _name, pattern in self.leftover):
                    continue  # the common case: no tag-like text at all, no need to look closer
                text = readable_text(part)
            for name, pattern in self.leftover:
                for match in pattern.finditer(text):
                    tag = match.group(0)
                    # Row data rendered inside a leftover tag ("[FirstName, fallback=Anna Meyer]") stays masked.
                    shown = scrub_text(tag[:40], row_values)
                    yield self.finding(
                        f"leftover merge syntax ({name}) in {part.field}: {shown}",
                        scan_message=message,
                        field=part.field,
                        line=line_at(text, match.start()),
                        value=tag,
                        excerpt=shown,
                        where=f"leftover:{part.origin}",
                        origin=part.origin,
                    )
