"""What a check may know about the scan besides the message in hand: one frozen scope per scan.

The scope is built by the entry point before any check exists (rules, source, the sender's domains, the
template sources, the recipient list) and never changes afterwards; checks read it and write nothing into
it. What the recipient list alone can tell (its value index, its health pass) is costly, so it is built
lazily, once per scan, on first use, and held by the scope instead of module-global caches: two scans
never share or leak list facts. The report sections those facts make (inferred columns, list health)
come from here, in the order the facts were built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dlp.checks.recipient_list_pass import ListPass, health_section, run_pass
from dlp.domains import why_never_internal, within
from dlp.model import ScanMessage
from dlp.rules import RuleSet
from dlp.valueindex import ValueIndex, build_index, columns_section, index_settings, presidio_columns

SECTION_COLUMNS = "recipient-columns"
SECTION_LIST = "recipient_list"
_OWN_CACHE_LIMIT = 10_000  # one entry per distinct sender of an audit: keep it bounded


@dataclass
class _Facts:
    """The lazily built facts of one scan (a memo, not a channel: each is computed from the scope alone)."""

    built: dict[str, Any] = field(default_factory=dict)
    own: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanScope:
    """Everything a check may know about the scan besides the message in hand; frozen for the scan."""

    rules: RuleSet
    source: str = ""
    sender_domains: frozenset[str] = frozenset()
    template_sources: Mapping[str, str] = field(default_factory=dict)
    recipient_list: Any = None  # dlp.recipients.RecipientList when scanning a campaign
    campaign: Any = None  # dlp.campaign.Campaign when scanning a campaign
    notes: tuple[str, ...] = ()  # what the entry point has to say (e.g. how templates were rendered)
    compiled: Any = None  # dlp.checks.CompiledRules: the rule set's matchers, built once (set by the Scanner)
    _facts: _Facts = field(default_factory=_Facts, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sender_domains", frozenset(d.lower() for d in self.sender_domains))
        object.__setattr__(self, "notes", tuple(self.notes))

    # -- the sender's own domains ---------------------------------------------------------------------

    @property
    def received(self) -> bool:
        """Mail dlp did not render (audit, check, serve, the API): no campaign, no template."""
        return self.campaign is None

    def _shared_domains(self) -> list[str]:
        rule = self.rules.rules.get("exposed-recipients")
        return list(rule.parameters.get("shared_domains", [])) if rule else []

    def domain_notes(self) -> list[str]:
        """Why a configured sender domain is not treated as the sender's own (a shared provider, a suffix)."""
        extra = self._shared_domains()
        notes = []
        for domain in sorted(self.sender_domains):
            reason = why_never_internal(domain, extra)
            if reason is not None:
                notes.append(f"{domain} is not treated as the sender's own domain: {reason}")
        return notes

    def is_internal(self, address: str, message: ScanMessage | None = None) -> bool:
        """The sending organisation's own address: the campaign's domains, plus (for audited or hooked
        messages, where each message has its own sender) the domain of that message's From.

        A shared mail provider or a public suffix is never the organisation's own, whoever claims it
        (see `dlp.domains`): otherwise a sender at gmail.com makes every gmail recipient "internal"."""
        domain = address.rpartition("@")[2].strip().lower().rstrip(">")
        domains = self._own(self.sender_domains)
        if message is not None and message.own_domains:
            domains = domains | self._own(message.own_domains)
        return within(domain, domains)

    def _own(self, domains: frozenset[str]) -> frozenset[str]:
        cache = self._facts.own
        cached = cache.get(domains)
        if cached is not None:
            return cached
        if len(cache) > _OWN_CACHE_LIMIT:
            cache.clear()
        extra = self._shared_domains()
        out = cache[domains] = frozenset(d for d in domains if why_never_internal(d, extra) is None)
        return out

    # -- the recipient list's facts, built once on first use -------------------------------------------

    @property
    def recipient_index(self) -> ValueIndex | None:
        """The list's identifying values, shared by cross-recipient-leak, bulk-personal-data and
        pii-in-link; None outside a campaign."""
        if self.recipient_list is None:
            return None
        index = self._facts.built.get(SECTION_COLUMNS)
        if index is None:
            rule = self.rules.rules.get("cross-recipient-leak")
            settings = index_settings(rule.parameters if rule is not None else {})
            index = build_index(self.recipient_list, settings, presidio_columns(self.rules.recognizers))
            self._facts.built[SECTION_COLUMNS] = index
        return index

    def use_recipient_index(self, index: ValueIndex) -> None:
        """This scan's index, built elsewhere: a cluster client builds it once and ships it to every worker
        (`dlp.cluster`), where the list itself is not."""
        self._facts.built[SECTION_COLUMNS] = index

    @property
    def list_pass(self) -> ListPass | None:
        """The one streamed pass over the recipient list (shared, duplicated and badly formed addresses);
        None outside a campaign."""
        if self.recipient_list is None:
            return None
        result = self._facts.built.get(SECTION_LIST)
        if result is None:
            result = run_pass(self.recipient_list, self.rules, self.sender_domains, self.compiled)
            self._facts.built[SECTION_LIST] = result
        return result

    def sections(self) -> dict[str, dict[str, Any]]:
        """The report sections of the facts this scan built, in the order they were built."""
        out: dict[str, dict[str, Any]] = {}
        for key, fact in self._facts.built.items():
            out[key] = columns_section(fact) if key == SECTION_COLUMNS else health_section(fact)
        return out
