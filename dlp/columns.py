"""What a recipient-list column means and how templates reach it, whatever the platform called it.

Audience exports name columns their own way (Mailchimp `Email Address`, `FNAME`; Brevo `FIRSTNAME`;
HubSpot `First Name`; Salesforce `FirstName`). Meaning is decided on a key that ignores case and
separators (`column_key`), through the table in `column_names.yaml`; templates reach a column by its
exported name and by a normalised snake_case name (`normalise_column`). Kept free of other dlp imports so
the model, the recipient list, the value index and the template engines can all use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
NAME_ROLES = ("full_name", "first_name", "last_name")
# Column names are few per list, but a JSONL list may give every row keys of its own: the caches of what a
# name means are bounded so a hostile list cannot grow them for the life of the process (`dlp serve`, the API).
NAME_CACHE = 4096


@lru_cache(maxsize=NAME_CACHE)
def column_key(name: str) -> str:
    """'First Name', 'FirstName', 'first_name', 'FIRST-NAME' -> 'firstname'."""
    return _NOT_ALNUM.sub("", name.casefold())


@lru_cache(maxsize=NAME_CACHE)
def normalise_column(name: str) -> str:
    """The snake_case name a template may use: 'Email Address' -> 'email_address', 'FirstName' -> 'first_name'."""
    spaced = _CAMEL.sub("_", name.strip())
    return _NOT_ALNUM.sub("_", spaced.casefold()).strip("_")


@cache
def _table() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).with_name("column_names.yaml")).read_text(encoding="utf-8"))


@cache
def _roles() -> dict[str, str]:
    return {key: role for role, keys in _table()["roles"].items() for key in keys}


@cache
def header_names(kind: str) -> tuple[str, ...]:
    """Exact header names (lower-cased) of a kind of column, in order of preference (`names:` in the table):
    email, id, street_address, full_name, name_part."""
    return tuple(_table()["names"][kind])


@cache
def header_words(kind: str) -> frozenset[str]:
    """Words of a header that tell what a column holds (`header_words:` in the table)."""
    return frozenset(_table()["header_words"][kind])


@lru_cache(maxsize=NAME_CACHE)
def column_role(name: str) -> str | None:
    """email, first_name, last_name, full_name, phone, birthday, street_address, platform_id, or None."""
    return _roles().get(column_key(name))


def columns_with_role(columns: Iterable[str], role: str) -> list[str]:
    return [c for c in columns if column_role(c) == role]


def template_names(columns: Mapping[str, Any]) -> dict[str, Any]:
    """A row as templates see it: every exported name, plus its normalised name where that is free."""
    out = dict(columns)
    for name, value in columns.items():
        alias = normalise_column(name)
        if alias and alias not in out:
            out[alias] = value
    return out


class FieldLookup:
    """Case- and separator-blind lookup of a row's field, for platforms whose field names are
    (`*|FNAME|*`, `%%FirstName%%`, `{contactfield=firstname}`, `{{ contact.FIRSTNAME }}`): the exact name,
    then the same key, then a column of the same meaning (`FNAME` finds `First Name`)."""

    def __init__(self, columns: Mapping[str, Any]) -> None:
        self.columns = columns
        self.by_key: dict[str, str] = {}
        self.by_role: dict[str, str] = {}
        for name in columns:
            self.by_key.setdefault(column_key(name), name)
            role = column_role(name)
            if role:
                self.by_role.setdefault(role, name)

    def find(self, name: str) -> str | None:
        """The column name `name` refers to, or None."""
        if name in self.columns:
            return name
        key = column_key(name)
        if key in self.by_key:
            return self.by_key[key]
        role = _roles().get(key)
        if role and role in self.by_role:
            return self.by_role[role]
        return None

    def value(self, name: str) -> tuple[bool, Any]:
        """(found, value); a full name is composed from first and last name columns when there is none."""
        column = self.find(name)
        if column is not None:
            return True, self.columns[column]
        if _roles().get(column_key(name)) == "full_name" and "first_name" in self.by_role:
            parts = [self.columns.get(self.by_role.get(r, "")) for r in ("first_name", "last_name")]
            return True, " ".join(str(p).strip() for p in parts if p is not None and str(p).strip())
        return False, None
