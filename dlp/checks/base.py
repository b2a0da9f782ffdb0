"""What a check is, and the shared machinery for building findings.

A check is one small class per rule: it reads analysed messages (and, for list- or archive-level rules,
keeps state until `finish`) and yields `Finding`s. It reads the scan's frozen scope (`ScanScope`) and
writes nothing shared; it never decides the verdict and never formats output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from dlp.analysis.stage import AnalyzedMessage
from dlp.checks.scope import ScanScope
from dlp.model import Finding, Location, ScanMessage
from dlp.redact import fingerprint, redact_value
from dlp.rules import Rule


class NoParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check:
    """A detector: the code that runs a rule. Subclasses set `detector` (the name a rule's `detector:` field
    refers to, by default the rule's id) and, if they take parameters, a pydantic `Params` model."""

    detector: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParameters

    def __init__(self, rule: Rule, scope: ScanScope, *, params: Any = None, compiled: Any = None) -> None:
        """`params` and `compiled` come from the compiled rule set (`dlp.checks.compile_rules`), built once
        and shared by every scan; a check built without them compiles its own."""
        self.rule = rule
        self.scope = scope
        self.params: Any = params if params is not None else self.Params.model_validate(rule.parameters)
        self.compiled: Any = compiled if compiled is not None else self.compile(rule, self.params)

    @classmethod
    def compile(cls, rule: Rule, params: Any) -> Any:
        """What this detector builds from its rule once, for every scan: matchers, regexes, tables.

        Must not depend on the scan (the sender, the list): that belongs in the scope."""
        return None

    def entities_needed(self) -> frozenset[str]:
        """The entity types this check reads from the analysis stage; none means it never needs detection."""
        return frozenset()

    def check(self, analyzed: AnalyzedMessage) -> Iterable[Finding]:
        """Findings for one analysed message; checks that read no entities implement `check_message`."""
        return self.check_message(analyzed.message)

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        return ()

    def finish(self) -> Iterable[Finding]:
        return ()

    def notes(self) -> list[str]:
        """What this check has to say about the scan as a whole (read after `finish`), for the report."""
        return []

    # -- helpers --------------------------------------------------------------------------------

    def finding(
        self,
        message_text: str,
        *,
        scan_message: ScanMessage | None = None,
        field: str | None = None,
        line: int | None = None,
        value: str | None = None,
        excerpt: str | None = None,
        entity_type: str | None = None,
        where: str | None = None,
        origin: str | None = None,
        count: int = 1,
        severity=None,
        score: float | None = None,
        extra: dict[str, Any] | None = None,
        recipients: tuple[str, ...] = (),
    ) -> Finding:
        recipient = scan_message.recipient.email if scan_message and scan_message.recipient else None
        location = Location(
            message=scan_message.index if scan_message else None,
            field=field,
            line=line,
            recipient=recipient or None,
            source=scan_message.source if scan_message and scan_message.source else (self.scope.source or None),
            message_id=scan_message.message_id if scan_message else None,
            row=(scan_message.recipient.row or None) if scan_message and scan_message.recipient else None,
        )
        where_key = where if where is not None else (origin or field or "")
        # A check may pick a lower severity (warn below a threshold); the rule's severity is the ceiling, so
        # a user who sets a rule to warn never gets a block from it.
        if severity is None or severity.rank > self.rule.severity.rank:
            severity = self.rule.severity
        return Finding(
            rule=self.rule.id,
            severity=severity,
            message=message_text,
            location=location,
            fingerprint=fingerprint(self.rule.id, value, where_key),
            value=value,
            excerpt=excerpt,
            entity_type=entity_type,
            count=count,
            origin=origin,
            score=score,
            extra=extra or {},
            recipients=recipients or ((recipient,) if recipient else ()),
            where=where_key,
        )


_LABEL_WORD = re.compile(r"^[^\W\d_][^\W\d_'’-]*:?$")


def excerpt_for(text: str, start: int, end: int, entity_type: str | None) -> str:
    """A redacted excerpt: up to three label words before the value ("Date of birth:") and the masked value.

    Only lower-case words and words ending in ':' are kept as labels, so a neighbouring name never leaks.
    """
    before = text[max(0, start - 40) : start].split("\n")[-1].split()
    label: list[str] = []
    for word in reversed(before[-3:]):
        if _LABEL_WORD.match(word) and (
            word.islower()
            or word.endswith(":")
            or (word[:1].isupper() and word.rstrip(":").lower() in {"date", "account", "customer", "dob"})
        ):
            label.insert(0, word)
        else:
            break
    masked = redact_value(text[start:end], entity_type)
    return (" ".join(label) + " " + masked).strip()


def line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def vocabulary(name: str, description: str | None = None) -> Any:
    """A list parameter filled from the shared `vocabulary:` of the rules files (`resolve_vocabulary`),
    then extended by any words the rule lists itself."""
    return Field(default_factory=list, description=description, json_schema_extra={"vocabulary": name})
