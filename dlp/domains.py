"""Which domains can belong to one organisation, and so make its addresses "internal".

An address is internal only when its domain is the sender's own: configured `internal_domains`, or the
campaign's or message's From domain. Two kinds of domain can never be that, whoever claims them: shared
mail providers (gmail.com: a bakery's survey from acme.bakery@gmail.com to fifteen gmail customers still
exposes fifteen strangers to each other), and public suffixes or single labels (`From: news@com` would
otherwise make every .com address internal). The provider list is data (`dlp/data/shared_mail_domains.txt`,
extendable by rules); the suffix list is tldextract's bundled snapshot, never fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import tldextract


@cache
def shared_mail_domains() -> frozenset[str]:
    text = resources.files("dlp.data").joinpath("shared_mail_domains.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


@cache
def offline_extract() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot only: no URL to fetch, no cache directory to write.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def within(domain: str, parents: Iterable[str]) -> bool:
    return any(domain == p or domain.endswith("." + p) for p in parents)


@lru_cache(maxsize=4096)
def public_suffix(domain: str) -> bool:
    """`com`, `co.uk`, `ch`, or a single label (`localhost`): not a domain one organisation owns."""
    if "." not in domain.strip("."):
        return True
    return not offline_extract()(domain).domain


def why_never_internal(domain: str, extra_shared: Iterable[str] = ()) -> str | None:
    """Why `domain` can never be the sender's own, or None when it can."""
    domain = domain.strip().lower().rstrip(".")
    if not domain:
        return "an empty domain"
    if within(domain, shared_mail_domains()) or within(domain, extra_shared):
        return "a shared mail provider (free mail or ISP): its addresses belong to unrelated people"
    if public_suffix(domain):
        return "a public suffix, not one organisation's domain"
    return None
