"""Recipient lists: CSV (delimiter sniffed) or JSONL, streamed row by row.

Rows are never dropped: a ragged row, a bad byte or a bad JSON line stops the run with the file and row,
because a silently skipped recipient is a recipient nobody checked.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlp.columns import column_key, columns_with_role, header_names
from dlp.errors import InputError
from dlp.model import Recipient
from dlp.safepath import not_regular

EMAIL_COLUMNS = header_names("email")
ID_COLUMNS = header_names("id")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class ListSettings:
    email_column: str | None = None
    identity_columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ListSchema:
    """What we learned from the header: which column is the address, which tell people apart."""

    columns: tuple[str, ...]
    email_column: str
    identity_columns: tuple[str, ...]
    identity_kind: str  # "id", "name" or "address"


_DATA_LIKE = re.compile(r"@|\d{3}")


def shown_columns(columns: tuple[str, ...]) -> str:
    """The header for an error message. A file without a header row has a customer in its first row, and an
    error must not print them: if any cell looks like data (an address, a number), say so instead."""
    if any(_DATA_LIKE.search(c) for c in columns):
        return (
            f"{len(columns)} columns, and the first row holds an address or number, so it looks like data, "
            f"not a header row (values not shown); add a header row such as email,first_name,last_name"
        )
    return ", ".join(columns) or "none"


def _lower_map(columns: tuple[str, ...]) -> dict[str, str]:
    """Column by its key: case and separators never change what a column means ('E-Mail' == 'email')."""
    out: dict[str, str] = {}
    for column in columns:
        out.setdefault(column.strip().lower(), column)
        out.setdefault(column_key(column), column)
    return out


def _find(lower: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((lower[k] for name in names if (k := column_key(name)) in lower), None)


def resolve_schema(path: Path, columns: tuple[str, ...], settings: ListSettings) -> ListSchema:
    lower = _lower_map(columns)
    if settings.email_column:
        if settings.email_column not in columns and settings.email_column.lower() not in lower:
            raise InputError(
                f"email_column '{settings.email_column}' is not a column of the recipient list "
                f"(columns: {shown_columns(columns)})",
                path=path,
                line=1,
            )
        email_column = lower.get(settings.email_column.lower(), settings.email_column)
    else:
        found = _find(lower, EMAIL_COLUMNS) or next(iter(columns_with_role(columns, "email")), None)
        if found is None:
            raise InputError(
                f"no email column in the recipient list (looked for {', '.join(EMAIL_COLUMNS)}; "
                f"columns are: {shown_columns(columns)}); set email_column in the campaign file",
                path=path,
                line=1,
            )
        email_column = found
    if settings.identity_columns:
        missing = [c for c in settings.identity_columns if _find(lower, (c,)) is None]
        if missing:
            raise InputError(f"identity_columns {missing} are not columns of the recipient list", path=path, line=1)
        identity = tuple(lower.get(c.lower()) or lower[column_key(c)] for c in settings.identity_columns)
        kind = "configured"
    elif found_id := _find(lower, ID_COLUMNS):
        identity, kind = (found_id,), "id"
    elif full := columns_with_role(columns, "full_name"):
        identity, kind = (full[0],), "name"
    elif (first := columns_with_role(columns, "first_name")) and (last := columns_with_role(columns, "last_name")):
        identity, kind = (first[0], last[0]), "name"
    else:
        identity, kind = (email_column,), "address"
    return ListSchema(columns, email_column, identity, kind)


def make_recipient(row_number: int, row: dict[str, Any], schema: ListSchema, line: int | None = None) -> Recipient:
    email = str(row.get(schema.email_column) or "").strip()
    parts = [str(row.get(c) or "").strip() for c in schema.identity_columns]
    identity = " ".join(p for p in parts if p).lower() or email.lower()
    return Recipient(row=row_number, email=email, identity=identity, columns=row, line=line)


class RecipientList:
    """Iterable over a recipient file; iterating twice re-reads it (streaming, bounded memory)."""

    def __init__(self, path: Path, settings: ListSettings | None = None) -> None:
        self.path = path
        self.settings = settings or ListSettings()
        if not path.exists():
            raise InputError("recipient file not found", path=path)
        if (reason := not_regular(path)) is not None:
            raise InputError(f"the recipient file {reason}", path=path)
        self.kind = "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"
        self.schema = self._read_schema()

    def _read_schema(self) -> ListSchema:
        if self.kind == "jsonl":
            first = next(self._jsonl_rows(), None)
            columns = tuple(first[1].keys()) if first else ()
        else:
            with self._open() as fh:
                reader = csv.reader(fh, dialect=self._dialect())
                try:
                    columns = tuple(c.strip() for c in next(reader, []))
                except UnicodeDecodeError as exc:
                    raise self._decode_error(exc, 1) from None
                except csv.Error as exc:
                    raise InputError(f"not a readable CSV header: {exc}", path=self.path, line=1) from None
            if not columns:
                raise InputError("the recipient file is empty (no header row)", path=self.path, line=1)
            dupes = {c for c, n in Counter(columns).items() if n > 1}  # not columns.count: 100k columns hung
            if dupes:
                raise InputError(
                    f"duplicate column names in the header: {shown_columns(tuple(sorted(dupes)))}",
                    path=self.path,
                    line=1,
                )
        return resolve_schema(self.path, columns, self.settings)

    def _open(self) -> io.TextIOWrapper:
        try:
            return open(self.path, encoding="utf-8-sig", errors="strict", newline="")
        except OSError as exc:
            raise InputError(f"cannot read recipient file: {exc.strerror}", path=self.path) from None

    def _dialect(self) -> type[csv.Dialect] | csv.Dialect:
        try:
            with self._open() as fh:
                sample = fh.read(SNIFF_BYTES)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc, None) from None
        try:
            sniffed = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t|")
        except csv.Error:
            return csv.excel

        class Exported(csv.excel):
            """Only the delimiter is sniffed (from the header): quoting is standard CSV, with doubled quotes
            inside quoted fields (`"{""city"": ""Oslo""}"`), which a header alone cannot show the sniffer."""

            delimiter = sniffed.delimiter

        return Exported

    def _decode_error(self, exc: UnicodeDecodeError, line: int | None) -> InputError:
        return InputError(
            f"not UTF-8 text ({exc.reason} near byte {exc.start}); save the file as UTF-8 "
            f"(for example: iconv -f latin1 -t utf-8 {self.path.name} > fixed.csv)",
            path=self.path,
            line=line,
        )

    def _jsonl_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, "rb") as fh:
            for line_number, raw in enumerate(fh, start=1):
                try:
                    text = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise self._decode_error(exc, line_number) from None
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"not a JSON object: {exc.msg}", path=self.path, line=line_number) from None
                except RecursionError:
                    raise InputError("JSON nested too deeply", path=self.path, line=line_number) from None
                if not isinstance(obj, dict):
                    raise InputError("each line must be a JSON object", path=self.path, line=line_number)
                yield line_number, obj

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number in the file, row) pairs."""
        if self.kind == "jsonl":
            yield from self._jsonl_rows()
            return
        dialect = self._dialect()
        with self._open() as fh:
            reader = csv.reader(fh, dialect=dialect)
            try:
                header = [c.strip() for c in next(reader)]
                for fields in reader:
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue
                    if len(fields) != len(header):
                        raise InputError(
                            f"row has {len(fields)} fields but the header has {len(header)} "
                            f"(a stray delimiter or quote?)",
                            path=self.path,
                            line=reader.line_num,
                        )
                    yield reader.line_num, dict(zip(header, fields, strict=True))
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc, reader.line_num + 1) from None
            except csv.Error as exc:
                raise InputError(f"CSV error: {exc}", path=self.path, line=reader.line_num) from None

    def __iter__(self) -> Iterator[Recipient]:
        for row_number, (line, row) in enumerate(self.rows(), start=1):
            yield make_recipient(row_number, row, self.schema, line)
