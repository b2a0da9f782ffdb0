"""How an address looks on its own: filler typed in by staff, broken syntax, a typo'd domain, a throwaway domain.

Pure functions over one address, shared by the per-message checks (preflight rows, `dlp check`, audit)
and the recipient-list health pass, so both always agree on what counts as what. The word lists and
patterns come from the rule parameters (rules/default.yaml), so users extend them by rules file.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import tldextract
from disposable_email_domains import blocklist as _DISPOSABLE
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dlp.rules import PatternSpec

_SEPARATORS = re.compile(r"[._+\-/]")


def fnmatch_any(patterns: list[str]) -> re.Pattern[str]:
    """One regex for a list of fnmatch patterns (`owner-*`, `*-request`), matched case-insensitively."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(p.casefold())})" for p in patterns))


def split(address: str) -> tuple[str, str]:
    local, at, domain = address.strip().rpartition("@")
    return (local.lower(), domain.lower().rstrip(".")) if at else (address.strip().lower(), "")


# -- placeholder-address ------------------------------------------------------------------------------


class PlaceholderParams(BaseModel):
    """Parameters of `placeholder-address`; every list may be extended from a user rules file (`extend:`)."""

    model_config = ConfigDict(extra="forbid")
    filler_words: list[str] = Field(
        default_factory=list,
        description="local parts (separators and trailing digits ignored) that mean 'no address given'",
    )
    filler_domains: list[str] = Field(
        default_factory=list, description="domains (and their subdomains) that are reserved or never real mail"
    )
    filler_domain_words: list[str] = Field(
        default_factory=list, description="first label of a domain that marks it as made up: noemail.com, none.ch"
    )
    local_patterns: list[PatternSpec] = Field(
        default_factory=list, description="regexes matched against the whole local part (separators removed)"
    )
    freemail_domains: list[str] = Field(
        default_factory=list, description="free-mail domains where a local part with the sender's brand is filler"
    )
    brands: list[str] = Field(
        default_factory=list, description="brand names besides those derived from From and internal_domains"
    )
    min_brand_length: int = Field(3, ge=2)
    personal_entities: list[str] = Field(
        default_factory=list, description="entity types that make the message 'carry personal data' (block)"
    )
    min_score: float = Field(0.5, ge=0, le=1)

    @field_validator("filler_words", "filler_domains", "filler_domain_words", "freemail_domains", "brands")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower().lstrip("@") for v in value if v and v.strip()]


@dataclass(frozen=True)
class PlaceholderMatcher:
    words: frozenset[str]
    domains: tuple[str, ...]
    domain_words: frozenset[str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    freemail: frozenset[str]
    brands: tuple[str, ...]

    @classmethod
    def build(cls, params: PlaceholderParams, sender_domains: Iterable[str] = ()) -> PlaceholderMatcher:
        freemail = frozenset(params.freemail_domains)
        brands = set(params.brands)
        reserved = tuple(params.filler_domains)
        if any(_within(d.lower(), reserved) for d in sender_domains):
            # A sender on a reserved domain (care@acme.example) is a demo or test fixture: its recipients
            # are on reserved domains by design, so only the other filler signs apply.
            reserved = ()
        for domain in sender_domains:
            label = brand_of(domain)
            if label and domain.lower() not in freemail:
                brands.add(label)
        return cls(
            words=frozenset(_SEPARATORS.sub("", w) for w in params.filler_words),
            domains=reserved,
            domain_words=frozenset(params.filler_domain_words),
            patterns=tuple((p.name, re.compile(p.regex, re.IGNORECASE)) for p in params.local_patterns),
            freemail=freemail,
            brands=tuple(sorted(b for b in brands if len(b) >= params.min_brand_length)),
        )

    def reason(self, address: str) -> str | None:
        """Why `address` looks like filler, or None. Whole-local-part matches only: `anna.test` is a person."""
        local, domain = split(address)
        if not local or not domain:
            return None
        squashed = _SEPARATORS.sub("", local)
        stem = squashed.rstrip("0123456789")
        if squashed in self.words or (stem and stem in self.words):
            return "the local part is a word for 'no address' (from filler_words)"
        for reserved in self.domains:
            if _within(domain, (reserved,)):
                return f"reserved or made-up domain '{reserved}'"
        first = domain.split(".", 1)[0]
        if first.rstrip("0123456789") in self.domain_words:
            return f"made-up domain '{domain}'"
        for name, pattern in self.patterns:
            if pattern.fullmatch(squashed):
                return f"filler pattern ({name})"
        if domain in self.freemail:
            has_digit = any(c.isdigit() for c in squashed)
            for brand in self.brands:
                if brand in squashed and (has_digit or stem == brand):
                    return f"the sender's brand '{brand}' at a free-mail domain"
        return None


class PlaceholderMatchers:
    """placeholder-address compiled once: a matcher per set of sender domains (a campaign has one, an
    audited archive or a relay one per sender), built on first use and kept, bounded."""

    LIMIT = 256

    def __init__(self, params: PlaceholderParams) -> None:
        self.params = params
        self._by_domains: dict[frozenset[str], PlaceholderMatcher] = {}

    def for_domains(self, domains: frozenset[str]) -> PlaceholderMatcher:
        matcher = self._by_domains.get(domains)
        if matcher is None:
            if len(self._by_domains) > self.LIMIT:
                self._by_domains.clear()
            matcher = self._by_domains[domains] = PlaceholderMatcher.build(self.params, domains)
        return matcher


def _within(domain: str, parents: Iterable[str]) -> bool:
    return any(domain == p or domain.endswith("." + p) for p in parents)


def brand_of(domain: str) -> str:
    """`mail.acme-bank.co.uk` -> `acmebank`: the registrable name, as it would be typed into a local part."""
    parts = _offline_extract()(domain.strip().lower())
    # An unknown suffix (acme.example, a private TLD): the label before the last one is the name.
    name = parts.domain if parts.suffix else (parts.subdomain.rsplit(".", 1)[-1] or parts.domain)
    return _SEPARATORS.sub("", name)


@lru_cache(maxsize=1)
def _offline_extract() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot only: never fetch the list at scan time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


# -- invalid-address ----------------------------------------------------------------------------------


class InvalidParams(BaseModel):
    """Parameters of `invalid-address`."""

    model_config = ConfigDict(extra="forbid")
    major_domains: list[str] = Field(
        default_factory=list,
        description="real mail domains; a domain one edit away from one of them (and not itself listed) is a typo",
    )
    min_typo_name_length: int = Field(
        5, ge=2, description="major domains whose name (gmail in gmail.com) is shorter are too close to real words"
    )

    @field_validator("major_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower().lstrip("@") for v in value if v and v.strip()]


_DOMAIN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-."


def one_edit_variants(word: str) -> set[str]:
    """Every string one edit (delete, transpose, replace, insert) from `word`: a typo table built once,
    so checking a million addresses is a dict lookup each, not a million edit-distance computations."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _DOMAIN_ALPHABET}
    out |= {a + c + b for a, b in splits for c in _DOMAIN_ALPHABET}
    out.discard(word)
    return out


@dataclass(frozen=True)
class InvalidMatcher:
    known: frozenset[str]
    typos: dict[str, str]  # one-edit variant -> the major domain it is a typo of

    @classmethod
    def build(cls, params: InvalidParams) -> InvalidMatcher:
        typos: dict[str, str] = {}
        for target in params.major_domains:
            if len(target.split(".", 1)[0]) >= params.min_typo_name_length:
                for variant in one_edit_variants(target):
                    typos.setdefault(variant, target)
        return cls(known=frozenset(params.major_domains), typos=typos)

    def reason(self, address: str) -> tuple[str, str | None] | None:
        """(why, suggested domain) when the address cannot be a real mailbox, else None."""
        address = address.strip()
        if not address:
            return ("empty address", None)
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            return (_first_sentence(str(exc)), None)
        _local, domain = split(address)
        if domain in self.known:
            return None
        suggestion = self.typo_of(domain)
        if suggestion:
            return (f"domain '{domain}' looks like a typo of '{suggestion}'", suggestion)
        return None

    def typo_of(self, domain: str) -> str | None:
        target = self.typos.get(domain)
        if target is None:
            return None
        name, _, suffix = domain.partition(".")
        target_name, _, target_suffix = target.partition(".")
        if name == target_name and _offline_extract()(domain).suffix and (suffix, target_suffix) != ("co", "com"):
            return None  # hotmail.be is the Belgian hotmail, not a typo of hotmail.de
        return target


def _first_sentence(text: str) -> str:
    """email-validator's messages quote the address; keep only the reason so nothing raw leaks."""
    reason = text.split(". ", 1)[0].rstrip(".")
    return re.sub(r"'[^']*@[^']*'", "the address", reason)


# -- disposable-address -------------------------------------------------------------------------------


class DisposableParams(BaseModel):
    """Parameters of `disposable-address`: the maintained list plus local additions and exceptions."""

    model_config = ConfigDict(extra="forbid")
    extra_domains: list[str] = Field(default_factory=list)
    allow_domains: list[str] = Field(default_factory=list)

    @field_validator("extra_domains", "allow_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower().lstrip("@") for v in value if v and v.strip()]


@dataclass(frozen=True)
class DisposableMatcher:
    extra: frozenset[str]
    allow: frozenset[str]

    @classmethod
    def build(cls, params: DisposableParams) -> DisposableMatcher:
        return cls(extra=frozenset(params.extra_domains), allow=frozenset(params.allow_domains))

    def reason(self, address: str) -> str | None:
        _local, domain = split(address)
        labels = domain.split(".")
        # The domain and each parent (x.mailinator.com is mailinator.com), down to two labels.
        for i in range(0, max(len(labels) - 1, 1)):
            candidate = ".".join(labels[i:])
            if candidate in self.allow:
                return None
            if candidate in _DISPOSABLE or candidate in self.extra:
                return f"throwaway-mail domain '{candidate}'"
        return None
