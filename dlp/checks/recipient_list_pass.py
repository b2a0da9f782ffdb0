"""The one streamed pass over a recipient list, and the "recipient-list health" report section it makes.

Per address it keeps a 64-bit hash of the address and of the first person seen there and that row
number: ~100 bytes per address, so a million rows stay near 100 MB. Only addresses that turn out shared
or duplicated get a full record. The same pass counts filler/invalid/disposable rows for the section,
using the same matchers as the per-message address checks, so both always agree. Built once per scan, on
first use, by the scan's scope (`dlp.checks.scope.ScanScope.list_pass`).
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field
from typing import Any

from dlp.checks.address_rules import (
    DisposableMatcher,
    DisposableParams,
    InvalidMatcher,
    InvalidParams,
    PlaceholderMatcher,
    PlaceholderParams,
)
from dlp.model import Finding, Severity
from dlp.redact import redact_address
from dlp.rules import RuleSet

ROW_SAMPLE = 20  # rows named per shared/duplicated address; the count is always exact
WORST_ROWS = 10


def _h(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@dataclass
class Group:
    """An address seen on more than one row: the people there and a sample of the rows."""

    address: str
    people: set[int] = field(default_factory=set)
    rows: list[int] = field(default_factory=list)
    row_count: int = 0
    duplicate_rows: int = 0  # rows repeating a person already seen at this address

    def add_row(self, row: int) -> None:
        self.row_count += 1
        if len(self.rows) < ROW_SAMPLE:
            self.rows.append(row)


@dataclass
class ListPass:
    rows: int = 0
    identity_kind: str = ""
    identity_columns: tuple[str, ...] = ()
    email_column: str = ""
    kinds: dict[str, int] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    worst: list[tuple[int, int, str, str]] = field(default_factory=list)  # (rank, -row, address, kinds)


def _matchers(rules: RuleSet, sender_domains: frozenset[str], compiled: Any = None) -> list[tuple[str, Any]]:
    """The address matchers of the enabled per-address rules, so the section counts what the rules report:
    the compiled rule set's own (`compiled`), else built here."""
    if compiled is not None:
        out: list[tuple[str, Any]] = []
        placeholder = compiled.compiled("placeholder-address")
        if placeholder is not None:
            out.append(("placeholder-address", placeholder.for_domains(sender_domains)))
        for rule_id in ("invalid-address", "disposable-address"):
            matcher = compiled.compiled(rule_id)
            if matcher is not None:
                out.append((rule_id, matcher))
        return out
    out = []
    if rules.enabled("placeholder-address"):
        params = PlaceholderParams.model_validate(rules.get("placeholder-address").parameters)
        out.append(("placeholder-address", PlaceholderMatcher.build(params, sender_domains)))
    if rules.enabled("invalid-address"):
        out.append(
            (
                "invalid-address",
                InvalidMatcher.build(InvalidParams.model_validate(rules.get("invalid-address").parameters)),
            )
        )
    if rules.enabled("disposable-address"):
        params_d = DisposableParams.model_validate(rules.get("disposable-address").parameters)
        out.append(("disposable-address", DisposableMatcher.build(params_d)))
    return out


def run_pass(recipient_list: Any, rules: RuleSet, sender_domains: frozenset[str], compiled: Any = None) -> ListPass:
    schema = recipient_list.schema
    result = ListPass(
        identity_kind=schema.identity_kind,
        identity_columns=tuple(schema.identity_columns),
        email_column=schema.email_column,
    )
    matchers = _matchers(rules, sender_domains, compiled)
    allowlist = rules.allowlist
    # address hash -> (person hash << 32) | row; person hash 0 = unknown person (no id/name on the row).
    first: dict[int, int] = {}
    for recipient in recipient_list:
        result.rows += 1
        address = recipient.email.strip().lower()
        if not address:
            _count(result, "empty address")
            _worst(result, Severity.WARN, recipient.row, "", "empty address")
            continue
        if allowlist.allows_address(address):
            continue
        kinds = [name for name, matcher in matchers if address and matcher.reason(address)]
        for kind in kinds:
            _count(result, kind)
        known_person = recipient.identity and recipient.identity != address
        person = (_h(recipient.identity) & 0xFFFFFFFF) or 1 if known_person else 0
        key = _h(address)
        seen = first.get(key)
        if seen is None:
            first[key] = (person << 32) | recipient.row
            if kinds:
                _worst(result, Severity.WARN, recipient.row, address, ", ".join(kinds))
            continue
        group = result.groups.get(key)
        if group is None:
            group = Group(address=address)
            first_person, first_row = seen >> 32, seen & 0xFFFFFFFF
            if first_person:
                group.people.add(first_person)
            group.add_row(first_row)
            result.groups[key] = group
        group.add_row(recipient.row)
        if person and person not in group.people:
            group.people.add(person)
        else:
            group.duplicate_rows += 1
        if len(group.people) >= 2:
            kinds.append("shared-address")
        if kinds:
            rank = Severity.BLOCK if "shared-address" in kinds else Severity.WARN
            _worst(result, rank, recipient.row, address, ", ".join(kinds))
    for group in result.groups.values():
        if len(group.people) >= 2:
            _count(result, "shared-address", group.row_count)
        if group.duplicate_rows:
            _count(result, "duplicate-recipient", group.duplicate_rows)
    return result


def _count(result: ListPass, kind: str, n: int = 1) -> None:
    result.kinds[kind] = result.kinds.get(kind, 0) + n


def _worst(result: ListPass, severity: Severity, row: int, address: str, kinds: str) -> None:
    item = (severity.rank, -row, address, kinds)
    if len(result.worst) < WORST_ROWS:
        heapq.heappush(result.worst, item)
    elif item > result.worst[0]:
        heapq.heapreplace(result.worst, item)


def health_section(result: ListPass) -> dict[str, Any]:
    """The report section: plain counts (JSON) and rows for the Rich table; addresses redacted."""
    worst = sorted(result.worst, reverse=True)
    by_kind = dict(sorted(result.kinds.items(), key=lambda kv: -kv[1]))
    identity = (
        f"{result.identity_kind} ({', '.join(result.identity_columns)})"
        if result.identity_kind != "address"
        else "address only (no id or name columns: shared addresses cannot be told apart)"
    )
    return {
        "title": "Recipient-list health",
        "columns": ["issue", "rows"],
        "rows": [["rows checked", result.rows], *[[k, v] for k, v in by_kind.items()]],
        "total_rows": result.rows,
        "issues": by_kind,
        "identity": identity,
        "worst_rows": [
            {"row": -neg_row, "address": redact_address(address) if address else "(empty)", "issues": kinds}
            for _rank, neg_row, address, kinds in worst
        ],
    }


def rows_text(group: Group) -> str:
    more = group.row_count - len(group.rows)
    return ", ".join(str(r) for r in sorted(group.rows)) + (f" and {more} more" if more > 0 else "")


def group_finding(
    check: Any, result: ListPass, group: Group, what: str, *, where: str, count: int, extra: dict | None = None
) -> Finding:
    """A finding about one address of the list and the rows that carry it."""
    return check.finding(
        f"{redact_address(group.address)} {what}",
        field=result.email_column,
        value=group.address,
        excerpt=redact_address(group.address),
        entity_type="EMAIL_ADDRESS",
        where=where,
        count=count,
        extra={**(extra or {}), "rows": sorted(group.rows), "row_count": group.row_count},
        recipients=(group.address,),
    )
