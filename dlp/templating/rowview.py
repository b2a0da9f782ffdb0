"""A recipient's row as a platform's object (`contact`, `customer`, `person`, `.Subscriber.Attribs`).

Platforms name a contact's fields their own way (`contact.FIRSTNAME`, `person.first_name`); the row
keeps the export's names. The view finds a field by exact name, by case/separator-blind key, or by
meaning (`dlp.columns.FieldLookup`), and raises KeyError otherwise so the engine reports it undefined.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dlp.columns import FieldLookup


class RowView(Mapping[str, Any]):
    def __init__(self, row: Mapping[str, Any]) -> None:
        self._lookup = FieldLookup(row)
        self._row = row

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str):
            raise KeyError(key)
        found, value = self._lookup.value(key)
        if not found:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup.value(key)[0]
