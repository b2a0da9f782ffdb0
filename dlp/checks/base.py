"""What a check is, and the shared machinery for building findings.

A check is one small class per rule: it reads messages (and, for list- or archive-level rules, keeps
state until `finish`) and yields `Finding`s. It never decides the verdict and never formats output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from dlp.detect.entities import Entity
from dlp.domains import why_never_internal, within
from dlp.model import Finding, Location, Part, ScanMessage
from dlp.redact import fingerprint, redact_value
from dlp.rules import Rule, RuleSet


class NoParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class ScanContext:
    """Everything a check may know about the scan besides the message in hand."""

    rules: RuleSet
    source: str = ""
    sender_domains: set[str] = field(default_factory=set)
    template_sources: dict[str, str] = field(default_factory=dict)
    analyze: Callable[[Part, ScanMessage], list[Entity]] | None = None
    notes: list[str] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)
    recipient_list: Any = None  # dlp.recipients.RecipientList when scanning a campaign
    campaign: Any = None  # dlp.campaign.Campaign when scanning a campaign
    _own_cache: dict[frozenset[str], frozenset[str]] = field(default_factory=dict, repr=False)

    def is_internal(self, address: str, message: ScanMessage | None = None) -> bool:
        """The sending organisation's own address: the campaign's domains, plus (for audited or hooked
        messages, where each message has its own sender) the domain of that message's From.

        A shared mail provider or a public suffix is never the organisation's own, whoever claims it
        (see `dlp.domains`): otherwise a sender at gmail.com makes every gmail recipient "internal"."""
        domain = address.rpartition("@")[2].strip().lower().rstrip(">")
        domains = self._own(frozenset(self.sender_domains), configured=True)
        if message is not None and message.own_domains:
            domains = domains | self._own(message.own_domains, configured=False)
        return within(domain, domains)

    def _own(self, domains: frozenset[str], *, configured: bool) -> frozenset[str]:
        cached = self._own_cache.get(domains)
        if cached is not None:
            return cached
        if len(self._own_cache) > 10_000:  # one entry per distinct sender of an audit: keep it bounded
            self._own_cache.clear()
        rule = self.rules.rules.get("exposed-recipients")
        extra = rule.param("shared_domains", []) if rule else []
        usable = set()
        for domain in domains:
            reason = why_never_internal(domain, extra)
            if reason is None:
                usable.add(domain)
            elif configured:
                note = f"{domain} is not treated as the sender's own domain: {reason}"
                if note not in self.notes:
                    self.notes.append(note)
        out = self._own_cache[domains] = frozenset(usable)
        return out


class Check:
    """Base class: subclasses set `rule_id` and, if they take parameters, a pydantic `Params` model."""

    rule_id: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParameters

    def __init__(self, rule: Rule, ctx: ScanContext) -> None:
        self.rule = rule
        self.ctx = ctx
        self.params: Any = self.Params.model_validate(rule.parameters)

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        return ()

    def finish(self) -> Iterable[Finding]:
        return ()

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
            source=scan_message.source if scan_message and scan_message.source else (self.ctx.source or None),
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
