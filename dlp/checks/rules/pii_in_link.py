"""pii-in-link: personal data in the paths and query strings of links.

A tracking pixel or ad link carrying `?email=anna%40example.org` hands the address to whoever runs that
domain (and to every proxy and log on the way), whether or not anyone clicks. Links are parsed (href,
src, srcset, bare URLs in text), their path segments and query/fragment parameters URL-decoded (twice:
trackers double-encode) and, where a value looks like base64, decoded too. A third-party domain is a
warning naming the domain; the sender's own domains (an unsubscribe link) are informational.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check
from dlp.checks.mailboxes import ADDRESS_IN_TEXT
from dlp.detect.catalogue import kind_word
from dlp.htmltext import all_links
from dlp.model import Finding, Part, PartKind, ScanMessage, Severity
from dlp.redact import fingerprint, redact_value
from dlp.valueindex import PHONE_WORDS, ValueIndex, header_words

BASE64_RE = re.compile(r"^[A-Za-z0-9+/_-]{8,}={0,2}$")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = Field("US", description="phone numbers without a country code are read in this region")
    own_domain_severity: Severity = Field(Severity.INFO, description="links to the sender's own domains")


@dataclass(frozen=True)
class Piece:
    """One decoded piece of a URL and where it came from ('query:email', 'path', 'fragment:u')."""

    where: str
    text: str
    encoding: str  # "url", "base64"


@dataclass(frozen=True)
class Hit:
    kind: str  # what a user reads: "the recipient's email address"
    value: str
    entity_type: str
    piece: Piece
    own: bool = False  # the recipient's own value: the same template problem in every message


def pieces(url: str) -> Iterator[Piece]:
    parts = urlsplit(url)
    for segment in parts.path.split("/"):
        if segment:
            yield from _decoded("path", unquote(segment))
    for name, section in (("query", parts.query), ("fragment", parts.fragment)):
        if not section:
            continue
        if "=" in section:
            for key, value in parse_qsl(section, keep_blank_values=True):
                if not value:  # "?anna@example.org" or "?a=1&anna@example.org": the key is the data
                    yield from _decoded(name, key)
                else:
                    yield from _decoded(f"{name}:{safe_key(key)}", value)
        else:
            yield from _decoded(name, unquote_plus(section))


# A campaign's links are mostly the template's own (a logo, a footer), the same in every message: what is
# read from a URL alone is remembered for the last few thousand URLs and parameter names.
@lru_cache(maxsize=4096)
def _pieces(url: str) -> tuple[Piece, ...]:
    return tuple(pieces(url))


@lru_cache(maxsize=1024)
def _phone_key(where: str) -> bool:
    """Whether a parameter name ('query:phone') says its value is a phone number."""
    return bool(set(header_words(where.partition(":")[2])) & PHONE_WORDS)


@lru_cache(maxsize=4096)
def _host(url: str) -> str | None:
    return host_of(url)


def safe_key(key: str) -> str:
    """Parameter names go into the report; a name that looks like data is not shown."""
    if len(key) > 32 or "@" in key or sum(ch.isdigit() for ch in key) >= 4:
        return "…"
    return key


def _decoded(where: str, text: str) -> Iterator[Piece]:
    if "%" in text:
        text = unquote_plus(text)
    yield Piece(where, text, "url")
    if BASE64_RE.match(text):
        padded = text + "=" * (-len(text) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(padded)
                decoded = raw.decode("utf-8")
            except (binascii.Error, ValueError):
                continue
            if decoded.isprintable() and any(ch.isalpha() for ch in decoded):
                yield Piece(where, decoded, "base64")
                break


def host_of(url: str) -> str | None:
    try:
        parts = urlsplit(url if "://" in url or url.startswith("//") else "")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "") or not parts.hostname:
        return None
    return parts.hostname.lower()


def email_hashes(addresses: Iterable[str]) -> dict[str, str]:
    """Ad networks 'anonymise' addresses by hashing them; an unsalted hash is the address to anyone with it."""
    out = {}
    for address in addresses:
        normalised = address.strip().lower().encode()
        out.update({hashlib.new(name, normalised).hexdigest(): name for name in ("md5", "sha1", "sha256")})
    return out


def recipient_addresses(message: ScanMessage) -> set[str]:
    """Whose message this is: the campaign row's address, else (check, serve, audit) the To/Cc addresses."""
    if message.recipient is not None:
        return {address.lower() for address in message.addressees if address}
    return {address for address in message.addressees if "@" in address}


class PiiInLink(Check):
    detector = "pii-in-link"
    Params = Params

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        index = self.scope.recipient_index
        own_emails = recipient_addresses(message)
        own_identity = index.identity_of(message.recipient.identity) if index and message.recipient else None
        hashes = email_hashes(own_emails)
        for part in message.content_parts:
            html = part.raw if part.kind in (PartKind.HTML, PartKind.ATTACHMENT) else None
            seen: set[tuple[str, str]] = set()
            for url in all_links(part.text, html):
                host = _host(url)
                if host is None:
                    continue
                for hit in self._hits(url, own_emails, hashes, index, own_identity):
                    if (host, hit.kind) in seen:
                        continue
                    seen.add((host, hit.kind))
                    yield self._finding(message, part, host, hit)

    def _hits(
        self, url: str, own_emails: set[str], hashes: dict[str, str], index: ValueIndex | None, own: int | None
    ) -> Iterator[Hit]:
        for piece in _pieces(url):
            lowered = piece.text.lower()
            mine = next((address for address in own_emails if address in lowered), None)
            if mine is not None:
                yield Hit("the recipient's email address", mine, "EMAIL_ADDRESS", piece, own=True)
            elif piece.text.lower() in hashes:
                yield Hit(
                    f"a {hashes[lowered]} hash of the recipient's email address", piece.text, "HASH", piece, own=True
                )
            for address in ADDRESS_IN_TEXT.findall(piece.text):
                if address.lower() not in own_emails and not self.scope.is_internal(address):
                    yield Hit("an email address", address, "EMAIL_ADDRESS", piece)
            if piece.text.strip().startswith("+") or _phone_key(piece.where):
                try:
                    number = phonenumbers.parse(piece.text, self.params.region)
                except phonenumbers.NumberParseException:
                    number = None
                if number is not None and phonenumbers.is_valid_number(number):
                    yield Hit("a phone number", piece.text, "PHONE_NUMBER", piece)
            if index is not None:
                for match in index.find(piece.text):
                    profile = index.column(match.column)
                    if profile.kind == "EMAIL_ADDRESS":
                        continue  # addresses are reported above, with the domain rules
                    mine = own is not None and own in match.owners
                    whose = "the recipient's" if mine else "another recipient's"
                    value = piece.text[match.start : match.end]
                    kind = f"{whose} {kind_word(profile.kind)} ({profile.name})"
                    yield Hit(kind, value, profile.kind or "", piece, own=mine)

    def _finding(self, message: ScanMessage, part: Part, host: str, hit: Hit) -> Finding:
        internal = self.scope.is_internal(f"x@{host}", message)
        label = hit.piece.where.replace("query:", "?").replace("fragment:", "#")
        encoded = " (base64-encoded)" if hit.piece.encoding == "base64" else ""
        finding = self.finding(
            f"{hit.kind}{encoded} in a link to {host}"
            + (" (the sender's own domain)" if internal else " (a third-party domain)"),
            scan_message=message,
            field=part.field,
            value=hit.value,
            excerpt=f"{host} {label}={redact_value(hit.value, hit.entity_type)}",
            entity_type=hit.entity_type,
            where=f"{part.origin}:{host}:{hit.piece.where}:{hit.kind}",
            severity=self.params.own_domain_severity if internal else None,
            extra={"domain": host, "in": hit.piece.where, "encoding": hit.piece.encoding},
        )
        if hit.own:
            # Every recipient's own address in the same link is one problem of the template, reported once
            # with the recipients it reaches: the fingerprint leaves the (per-recipient) value out.
            where = f"{part.origin}:{host}:{hit.piece.where}:{hit.kind}"
            finding = finding.with_changes(fingerprint=fingerprint(self.rule.id, None, where))
        return finding
