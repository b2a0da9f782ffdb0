"""An index of every recipient's identifying values, so a message can be asked "whose data is this?".

A per-message scanner sees "a phone number"; only a tool holding the whole list can see "Bob's phone
number in Alice's message". Matching must stay near-linear in the rendered size whatever the list size,
so values are normalised to token sequences and stored as 64-bit hashes in one dict: a message is
tokenised once and each token n-gram is one dict lookup (no loop over recipients, no raw values kept in
memory). An Aho-Corasick automaton over the same keys costs ~270 MB for 100,000 recipients; the hashed
dict ~70 MB.

Normalisation (applied to list values and message text alike): case-folded alphanumeric tokens, so
case, whitespace and punctuation do not matter ("Anne-Marie  SMITH" == "anne marie smith"); runs of
digit groups are joined ("12,345" == "12 345" == "12345", "(415) 555-0187" == "415.555.0187"); phone
numbers are stored in their E.164, national-significant and national forms (`phonenumbers`).

Which columns are identifying is decided per column, from its header and from a Presidio analysis of a
sample of its values; the result is shown in the report. Values shared by many people (a city, a plan)
never identify anyone: a value held by more than `max_owners` people is dropped.
"""

from __future__ import annotations

import itertools
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import phonenumbers

from dlp import progress_events
from dlp.columns import NAME_ROLES, column_role, columns_with_role, header_names, header_words
from dlp.detect.catalogue import EMAIL, ID, INDEX_TYPES, PERSON, PHONE, STREET
from dlp.redact import redact_address, stable_hash

_TOKEN = re.compile(r"[^\W_]+")
_SPLIT_HEADER = re.compile(r"[^a-z0-9]+")


EMAIL_HEADERS = frozenset(header_names("email"))
NAME_HEADERS = frozenset(header_names("full_name"))
NAME_PARTS = frozenset(header_names("name_part"))
PHONE_WORDS = header_words("phone")
ID_LAST_WORDS = header_words("id_last")
ID_WORDS = header_words("id")
NOT_ID_WORDS = header_words("not_id")
BIRTH_WORDS = header_words("birth")
STREET_WORDS = header_words("street")
CATEGORICAL = header_words("categorical")
RELATION_WORDS = header_words("relation")
NAME_PART_HOW = "name part (identifies nobody alone; indexed as full name)"
ROLE_KINDS: dict[str, tuple[str | None, str]] = {
    "email": (EMAIL, "header"),
    "first_name": (None, NAME_PART_HOW),
    "last_name": (None, NAME_PART_HOW),
    "full_name": (PERSON, "header"),
    "phone": (PHONE, "header"),
    "birthday": ("DATE_OF_BIRTH", "header"),
    "street_address": (STREET, "header"),
    "platform_id": (None, "platform record id or bookkeeping, not personal data"),
}
PRESIDIO_TYPES = INDEX_TYPES
SAMPLE_ROWS = 200
RECENT_TEXTS = 16
MAX_COLUMNS = 255
MAX_DIGIT_GROUPS = 6  # "+1 (415) 555-0187 x" : a number written in up to this many groups
# Words of one indexed value. Matching tries every window up to the longest value at each position, so a
# 10 KB "name" cell (1,500 words) made matching cubic (130 s per message); no name, street address or id
# runs past this, and a cell that does is free text, not an identifier.
MAX_VALUE_WORDS = 12
PRESIDIO_SAMPLE = 20


# ---- normalisation ----------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The normalised words of a text: case-folded runs of letters and digits."""
    return [w.casefold() for w in _TOKEN.findall(text)]


def normal_form(text: str) -> str:
    return key_of(words(text))


def key_of(parts: Iterable[str]) -> str:
    """The normal form: digit-only sequences joined ('#4155550187'), anything else space-joined words."""
    parts = list(parts)
    if parts and all(w.isdigit() for w in parts):
        return "#" + "".join(parts)
    return " ".join(parts)


def value_keys(value: str, kind: str, region: str) -> list[str]:
    """Every normal form a value may take in a message (phones: international and national forms)."""
    parts = words(value)
    if not parts:
        return []
    keys = [key_of(parts)]
    if kind == PHONE:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return keys
        national = phonenumbers.national_significant_number(number)
        # +1 415 555 0187 / 415 555 0187; +44 20 7946 0958 / 020 7946 0958 (trunk prefix 0).
        keys.extend((f"#{number.country_code}{national}", f"#{national}", f"#0{national}"))
    return list(dict.fromkeys(keys))


def strong_enough(key: str, kind: str, min_digits: int, min_chars: int) -> bool:
    """Short values ('12', 'Al') match everywhere by chance; a first name alone identifies nobody."""
    if key.startswith("#"):
        return len(key) - 1 >= min_digits
    if kind == PERSON and " " not in key:
        return False
    return len(key.replace(" ", "")) >= min_chars


# ---- column classification ----------------------------------------------------------------------------


@dataclass
class ColumnProfile:
    """What a recipient-list column holds, and whether its values identify the row's person."""

    name: str
    kind: str | None  # EMAIL_ADDRESS, PHONE_NUMBER, PERSON, ID, STREET_ADDRESS, another Presidio type, or None
    how: str  # why: "header", "presidio 18/20", "shared values", ...
    sources: tuple[str, ...] = ()  # the list columns it is built from (a full name from first + last)
    reference: bool = False  # its values are other rows' values: it is about someone else
    shape: ColumnShape | None = None  # what the sampled values look like (`column_shape`)

    @property
    def indexed(self) -> bool:
        return self.kind is not None and not self.reference


@dataclass(frozen=True)
class ColumnShape:
    """The column pass: what a column's sampled values are, before the first message is analysed.

    `luhn_share` is for digit columns of card length: the share of values passing the Luhn check. A card
    column passes almost always; random tokens and ids pass about one time in ten, so a Luhn-valid value
    of such a column is a coincidence, not a card (at 1,000,000 recipients, dozens of false blocks)."""

    sampled: int
    distinct: int
    kind: str  # "empty", "digits", "token" (one word mixing letters and digits), "words", "mixed"
    own_name: bool  # the row's own name (first/last/full name by header)
    identifier: bool  # typed as anything but a name (address, phone, id, street, date): letters in it are no name
    luhn_share: float | None = None

    @property
    def cardinality(self) -> float:
        return self.distinct / self.sampled if self.sampled else 0.0

    @property
    def card_coincidence(self) -> bool:
        """Luhn-valid values here are chance (a token or id column), not payment cards."""
        return self.luhn_share is not None and self.luhn_share < CARD_LUHN_SHARE

    def describe(self) -> str:
        bits = [f"{self.distinct} distinct of {self.sampled}", self.kind]
        if self.luhn_share is not None:
            bits.append(f"Luhn-valid {self.luhn_share:.0%}" + (" (chance: not cards)" if self.card_coincidence else ""))
        return ", ".join(bits)


CARD_LUHN_SHARE = 0.5  # under this share of Luhn-valid card-length values, a column holds no cards
_CARD_DIGITS = re.compile(r"\d(?:[ -]?\d){11,18}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def column_shape(name: str, values: list[str], kind: str | None) -> ColumnShape:
    """Type, cardinality, own name or identifier, and the Luhn share of card-length digit values."""
    distinct = len({v.lower() for v in values})
    digits = [re.sub(r"[ -]", "", v) for v in values if _CARD_DIGITS.fullmatch(v)]
    luhn = None
    if len(digits) >= 10 and len(digits) * 2 > len(values):
        luhn = sum(luhn_valid(d) for d in digits) / len(digits)
    if not values:
        shape = "empty"
    elif all(re.fullmatch(r"[\d \-+().]+", v) for v in values):
        shape = "digits"
    elif all(" " not in v and re.search(r"\d", v) and re.search(r"[^\W\d_]", v) for v in values):
        shape = "token"
    elif all(not re.search(r"\d", v) for v in values):
        shape = "words"
    else:
        shape = "mixed"
    role = column_role(name)
    own_name = role in NAME_ROLES
    # Typed as anything but a name (an address, phone, id, street address, birth date): its words are no name.
    identifier = (kind is not None and kind != PERSON) or role in ("email", "phone", "platform_id", "street_address")
    return ColumnShape(len(values), distinct, shape, own_name, identifier or shape in ("digits", "token"), luhn)


def header_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return [w for w in _SPLIT_HEADER.split(spaced) if w]


def classify_by_header(name: str) -> tuple[str | None, str] | None:
    """(kind, reason) when the header alone decides; None when the values must be looked at."""
    lowered = name.strip().lower()
    words = header_words(name)
    if RELATION_WORDS & set(words):
        return None, "about another person (not this row's own)"
    role = column_role(name)  # exported names of every platform: 'Email Address', 'FNAME', 'LEID'
    if role in ROLE_KINDS:
        return ROLE_KINDS[role]
    if lowered in EMAIL_HEADERS or (words and words[-1] in {"email", "mail"}):
        return EMAIL, "header"
    if PHONE_WORDS & set(words):
        return PHONE, "header"
    if BIRTH_WORDS & set(words):
        return "DATE_OF_BIRTH", "header"
    if lowered in NAME_PARTS:
        return None, NAME_PART_HOW
    if lowered in NAME_HEADERS:
        return PERSON, "header"
    if CATEGORICAL & set(words):
        return None, "shared attribute"
    if "ip" in words:
        return "IP_ADDRESS", "header"
    if STREET_WORDS & set(words):
        return STREET, "header"
    if NOT_ID_WORDS & set(words):
        return None  # order_date, account_balance: the values decide
    if words and (words[-1] in ID_LAST_WORDS or ID_WORDS & set(words)):
        return ID, "header"
    return None


def classify_columns(
    columns: tuple[str, ...], sample: list[dict[str, Any]], analyze: Any | None
) -> list[ColumnProfile]:
    """Header first; else Presidio on up to 20 sample values; columns of few distinct values are shared."""
    profiles: list[ColumnProfile] = []
    for column in columns:
        values = [str(v).strip() for row in sample if (v := row.get(column)) is not None and str(v).strip()]
        distinct = len(set(v.lower() for v in values))
        decided = classify_by_header(column)
        if decided is not None:
            kind, how = decided
        elif not values:
            kind, how = None, "empty"
        elif analyze is None:
            kind, how = None, "not classified (no detector)"
        else:
            kind, how = _presidio_kind(list(dict.fromkeys(values))[:PRESIDIO_SAMPLE], analyze)
        if kind not in (None, EMAIL) and len(values) >= 20 and distinct < len(values) / 2:
            kind, how = None, f"shared values ({distinct} distinct in {len(values)})"
        profiles.append(ColumnProfile(column, kind, how, (column,), shape=column_shape(column, values, kind)))
    if not any(p.kind == PERSON for p in profiles):
        first = next(iter(columns_with_role(columns, "first_name")), None)
        last = next(iter(columns_with_role(columns, "last_name")), None)
        if first and last:
            profiles.append(ColumnProfile(f"{first} + {last}", PERSON, "full name from name parts", (first, last)))
    return profiles


def _presidio_kind(values: list[str], analyze: Any) -> tuple[str | None, str]:
    """Analyse the sample as one text (one spaCy call); a type wins if it covers most of most values."""
    text = ""
    spans = []
    for value in values:
        spans.append((len(text), len(text) + len(value)))
        text += value + "\n\n"
    votes: Counter[str] = Counter()
    for entity in analyze(text):
        for start, end in spans:
            if entity.start >= start and entity.end <= end and (entity.end - entity.start) >= 0.6 * (end - start):
                votes[entity.entity_type] += 1
                break
    if votes:
        kind, count = votes.most_common(1)[0]
        if count * 2 > len(values):
            return ("ID" if kind == "ACCOUNT_NUMBER" else kind), f"presidio {count}/{len(values)}"
    return None, f"presidio: no personal data in {len(values)} samples"


# ---- the index ------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1
COMMON_CODE = -1  # a key held by too many people to identify anyone
_NO_CODES: tuple[int, ...] = ()


@dataclass(frozen=True)
class Match:
    """A value of the index found in a text: where, and whose (identity numbers) and which column."""

    start: int
    end: int
    owners: tuple[int, ...]
    column: int


@dataclass
class IndexSettings:
    portable: bool = False  # keys hashed alike in every process (an index built here, used on cluster workers)
    region: str = "US"
    max_owners: int = 3
    min_digits: int = 5
    min_chars: int = 5


class _Builder:
    """What `add_row` collects, in flat typed arrays (13 bytes a key, 12 a row), until the index is frozen."""

    def __init__(self) -> None:
        self.keys = array("Q")  # 64-bit hashes of normal forms
        self.seqs = array("I")  # the row (its position in the list) each key came from
        self.columns = array("B")  # which indexed column
        self.identities = array("Q")  # per row: the hash of its identity
        self.rows = array("i")  # per row: its row number
        self.addresses = array("I")  # per row: its address as reports show it, by number in `shown`
        self.shown: dict[str, int] = {}  # "a***@example.org" -> its number (few: first letters x domains)


@dataclass(eq=False)
class ValueIndex:
    """Hashed normal forms of identifying values -> (identity, column) codes; see the module docstring.

    Stored compactly for lists of a million rows: the keys are one sorted array of 64-bit hashes with a
    parallel array of codes (identity << 8 | column; several rows for a value a few people share, one
    `COMMON_CODE` row for a value many share), looked up with one `searchsorted` per text. An identity is
    the position of the first row that has it; the rows' numbers, identity hashes and addresses are flat
    arrays too. Built by `add_row` into typed arrays, frozen (sorted, shared values settled) by `settle`
    or on first use; numpy arrays are never written after that, so processes forked from the one that
    built the index share its pages.
    """

    settings: IndexSettings
    profiles: list[ColumnProfile] = field(default_factory=list)
    max_words: int = 1
    rows: int = 0
    dropped_shared: int = 0
    too_long: int = 0  # values of more than MAX_VALUE_WORDS words, not indexed
    indexed_profiles: list[ColumnProfile] = field(default_factory=list, init=False)
    _recent: dict[str, list[Match]] = field(default_factory=dict, init=False, repr=False)
    column_values: Counter[int] = field(default_factory=Counter, init=False, repr=False)
    column_pairs: Counter[tuple[int, int]] = field(default_factory=Counter, init=False, repr=False)
    _building: _Builder | None = field(default_factory=_Builder, init=False, repr=False)
    _starts: set[int] = field(default_factory=set, init=False, repr=False)  # first words of multi-word values
    keys: Any = field(default=None, init=False, repr=False)  # numpy uint64, sorted
    codes: Any = field(default=None, init=False, repr=False)  # numpy int32/int64, parallel to keys
    starts: Any = field(default=None, init=False, repr=False)  # numpy uint64, sorted
    identity_keys: Any = field(default=None, init=False, repr=False)  # numpy uint64, sorted identity hashes
    identity_idents: Any = field(default=None, init=False, repr=False)  # the identity number of each
    identity_rows: Any = field(default=None, init=False, repr=False)  # per row position: its row number
    _addresses: Any = field(default=None, init=False, repr=False)  # per row: number of its shown address
    _shown: list[str] = field(default_factory=list, init=False, repr=False)

    @property
    def digest(self) -> Any:
        """The key hash: Python's own (fastest; salted per process, the same in processes forked after the
        index was built), or one every process computes alike when the index is shipped to other machines
        (`portable`, for `dlp.cluster`)."""
        return stable_hash if self.settings.portable else hash

    def __post_init__(self) -> None:
        # A code keeps the column number in its low byte: 255 identifying columns is far beyond any list.
        self.indexed_profiles = [p for p in self.profiles if p.indexed][:MAX_COLUMNS]

    def __len__(self) -> int:
        """How many keys (a value's normal forms; a shared value counts once per owner)."""
        self._ensure()
        return len(self.keys)

    def nbytes(self) -> int:
        """The bytes the frozen index holds in its arrays (what `make bench-leak` reports)."""
        self._ensure()
        arrays = (self.keys, self.codes, self.starts, self.identity_keys, self.identity_idents, self.identity_rows)
        return sum(a.nbytes for a in arrays) + self._addresses.nbytes + sum(len(a) for a in self._shown)

    def identity_of(self, identity: str) -> int | None:
        self._ensure()
        wanted = self.digest(identity) & _MASK64
        at = int(np.searchsorted(self.identity_keys, np.uint64(wanted)))
        if at < len(self.identity_keys) and int(self.identity_keys[at]) == wanted:
            return int(self.identity_idents[at])
        return None

    def column(self, code: int) -> ColumnProfile:
        return self.indexed_profiles[code]

    def add_row(self, identity: str, row: int, email: str, columns: dict[str, Any]) -> None:
        building = self._building
        assert building is not None, "rows are added before the index is first used"
        seq = self.rows
        self.rows += 1
        building.identities.append(self.digest(identity) & _MASK64)
        building.rows.append(row)
        # Only the address as a report shows it is kept (no raw value in memory), and each shown form once.
        shown = redact_address(email)
        building.addresses.append(building.shown.setdefault(shown, len(building.shown)))
        digest = self.digest
        for number, profile in enumerate(self.indexed_profiles):
            value = " ".join(str(columns.get(c) or "").strip() for c in profile.sources).strip()
            if not value:
                continue
            self.column_values[number] += 1
            for key in value_keys(value, profile.kind or "", self.settings.region):
                if key.count(" ") >= MAX_VALUE_WORDS:
                    self.too_long += 1
                    continue
                if strong_enough(key, profile.kind or "", self.settings.min_digits, self.settings.min_chars):
                    if " " in key:
                        self.max_words = max(self.max_words, key.count(" ") + 1)
                        self._starts.add(digest(key.partition(" ")[0]) & _MASK64)
                    building.keys.append(digest(key) & _MASK64)
                    building.seqs.append(seq)
                    building.columns.append(number)

    def settle(self) -> None:
        """Freeze the index, and find columns about someone else from the data: when most values of column A
        are other rows' values of column B (a `recommended_by` phone is another customer's `phone`), A is a
        reference, not the row's own value; its entries are removed so the value stays its real owner's."""
        self._ensure()
        references: dict[int, int] = {}
        for (a, b), hits in self.column_pairs.items():
            ratio_a, ratio_b = hits / max(self.column_values[a], 1), hits / max(self.column_values[b], 1)
            ref, other = (a, b) if (ratio_a, a) > (ratio_b, b) else (b, a)
            if hits >= 2 and max(ratio_a, ratio_b) >= 0.5:
                references.setdefault(ref, other)
        if not references:
            return
        for ref, other in references.items():
            profile = self.indexed_profiles[ref]
            profile.reference = True
            profile.how = f"its values are other rows' {self.indexed_profiles[other].name}: about another person"
        referenced = np.isin(self.codes & 0xFF, list(references)) & (self.codes != COMMON_CODE)
        self.keys, self.codes = self.keys[~referenced], self.codes[~referenced]

    def _ensure(self) -> None:
        if self._building is not None:
            self._freeze()

    def _freeze(self) -> None:
        """The builder's arrays -> sorted keys and codes. A value several rows hold is settled here as
        adding them one by one would have: in row order, the same person's second row adds nothing, a
        value reaching more than `max_owners` people becomes common, and every row whose value equals
        another person's value of another column counts that pair of columns (for `settle`)."""
        building = self._building
        assert building is not None
        self._building = None
        identities = np.frombuffer(building.identities, dtype=np.uint64) if self.rows else np.zeros(0, np.uint64)
        # An identity is the position of the first row that has it (the same person on two rows is one).
        order = np.argsort(identities, kind="stable")
        ordered = identities[order]
        firsts = np.ones(len(ordered), dtype=bool)
        firsts[1:] = ordered[1:] != ordered[:-1]
        group = np.cumsum(firsts) - 1
        code_type = np.int32 if self.rows < (1 << 23) else np.int64
        canonical = np.empty(len(ordered), dtype=code_type)
        canonical[order] = order[firsts][group]
        del group
        self.identity_keys = ordered[firsts]
        self.identity_idents = order[firsts].astype(code_type)
        del order, ordered, firsts
        self.identity_rows = np.frombuffer(building.rows, dtype=np.int32).copy() if self.rows else np.zeros(0, np.int32)
        self._addresses = (
            np.frombuffer(building.addresses, dtype=np.uint32).copy() if self.rows else np.zeros(0, np.uint32)
        )
        self._shown = list(building.shown)
        self.starts = np.array(sorted(self._starts), dtype=np.uint64)
        self._starts = set()

        # Sorted by key, then in the order the rows were added; each builder array is let go once copied, so
        # a million rows' keys are held about twice at the peak, not five times.
        count = len(building.keys)
        if not count:
            self.keys, self.codes = np.zeros(0, np.uint64), np.zeros(0, code_type)
            return
        order = np.argsort(np.frombuffer(building.keys, dtype=np.uint64), kind="stable")
        keys = np.frombuffer(building.keys, dtype=np.uint64)[order]
        building.keys = array("Q")
        seqs = np.frombuffer(building.seqs, dtype=np.uint32)[order]
        building.seqs = array("I")
        columns = np.frombuffer(building.columns, dtype=np.uint8)[order]
        building.columns = array("B")
        del order
        codes = canonical[seqs]  # the identity of each key's row, then the column in the low byte
        codes <<= 8
        codes |= columns
        starts = np.ones(count, dtype=bool)
        starts[1:] = keys[1:] != keys[:-1]
        ends = np.ones(count, dtype=bool)
        ends[:-1] = starts[1:]
        # Keys only one row holds (nearly all) are final; the rest are settled row by row, as one would add
        # them, and written back over the first rows of their run.
        keep = starts & ends
        shared_at = np.flatnonzero(starts & ~ends)
        pairs: set[tuple[int, int, int]] = set()
        if len(shared_at):
            run_ends = np.flatnonzero(ends)
            shared_ends = (run_ends[np.searchsorted(run_ends, shared_at)] + 1).tolist()
            for first, last in zip(shared_at.tolist(), shared_ends, strict=True):
                idents = (codes[first:last] >> 8).tolist()
                held = self._settle_value(idents, columns[first:last].tolist(), seqs[first:last].tolist(), pairs)
                codes[first : first + len(held)] = held
                keep[first : first + len(held)] = True
        del starts, ends, seqs, columns
        for _seq, number, other in pairs:
            self.column_pairs[(min(number, other), max(number, other))] += 1
        self.keys, self.codes = keys[keep], codes[keep]

    def _settle_value(self, idents: list[int], columns: list[int], seqs: list[int], pairs: set) -> list[int]:
        """One key's rows, in row order -> its codes (or [COMMON_CODE]); collisions go into `pairs`."""
        held: list[tuple[int, int]] = []
        for ident, column, seq in zip(idents, columns, seqs, strict=True):
            if not held:
                held.append((ident, column))
                continue
            if any(owner == ident for owner, _ in held):
                continue
            pairs.update((seq, column, other) for other in {c for _, c in held} - {column})
            if len({owner for owner, _ in held}) + 1 > self.settings.max_owners:
                self.dropped_shared += 1
                return [COMMON_CODE]
            held.append((ident, column))
        return [(ident << 8) | column for ident, column in held]

    def matches(self, text: str) -> list[Match]:
        """`find`, remembered for the last few texts: three checks read the same parts of one message."""
        cached = self._recent.get(text)
        if cached is None:
            cached = list(self.find(text))
            self._recent[text] = cached
            if len(self._recent) > RECENT_TEXTS:
                self._recent.pop(next(iter(self._recent)))
        return cached

    def _codes_of(self, at: int, key: int) -> tuple[int, ...]:
        """The codes of `key`, found at `at` (its first row) in the sorted keys."""
        keys, codes = self.keys, self.codes
        out = [int(codes[at])]
        at += 1
        while at < len(keys) and int(keys[at]) == key:
            out.append(int(codes[at]))
            at += 1
        return tuple(out)

    def find(self, text: str) -> Iterator[Match]:
        """Every indexed value in `text`, longest first at each position.

        A window of several words is tried only where its first word starts some multi-word value (a
        small set), or where it is a run of digit groups (a phone or id written with separators), so
        most words of a message are one candidate; every candidate of the text is looked up at once.
        """
        self._ensure()
        found = [(m.group().casefold(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        count = len(found)
        if not count or not len(self.keys):
            return
        # close[i]: how many words from i on belong together (a few spaces or punctuation, no paragraph);
        # digits[i]: how many of those are digit groups.
        close = [1] * count
        digits = [0] * count
        for i in range(count - 1, -1, -1):
            is_digit = found[i][0].isdigit()
            if i + 1 < count:
                gap = found[i + 1][1] - found[i][2]
                together = gap <= 3 and "\n\n" not in text[found[i][2] : found[i + 1][1]]
                close[i] = close[i + 1] + 1 if together else 1
                digits[i] = (digits[i + 1] + 1 if together else 1) if is_digit else 0
            else:
                digits[i] = 1 if is_digit else 0
        digest, max_words = self.digest, self.max_words
        if max_words > 1 and len(self.starts):
            firsts = np.array([digest(w[0]) & _MASK64 for w in found], dtype=np.uint64)
            begins = _members(self.starts, firsts).tolist()
        else:
            begins = [False] * count
        # Every candidate window (position, words), longest first at each position, then one lookup.
        candidates: list[tuple[int, int]] = []
        hashes: list[int] = []
        for position in range(count):
            longest = min(close[position], max_words if begins[position] else 1)
            longest = max(longest, min(digits[position], MAX_DIGIT_GROUPS))
            for n in range(longest, 0, -1):
                window = found[position : position + n]
                if n <= digits[position]:
                    key = "#" + "".join(w[0] for w in window)
                elif n > 1 and (n > close[position] or not begins[position]):
                    continue
                else:
                    key = " ".join(w[0] for w in window)
                candidates.append((position, n))
                hashes.append(digest(key) & _MASK64)
        wanted = np.array(hashes, dtype=np.uint64)
        at = np.searchsorted(self.keys, wanted)
        hit = self.keys[np.minimum(at, len(self.keys) - 1)] == wanted
        hits: dict[tuple[int, int], int] = {candidates[i]: int(at[i]) for i in np.flatnonzero(hit).tolist()}
        position = 0
        index = 0
        while position < count:
            match = None
            while index < len(candidates) and candidates[index][0] < position:
                index += 1
            while index < len(candidates) and candidates[index][0] == position:
                candidate = candidates[index]
                index += 1
                where = hits.get(candidate)
                if where is None or match is not None:
                    continue
                codes = self._codes_of(where, hashes[index - 1])
                if codes == (COMMON_CODE,):
                    continue
                n = candidate[1]
                window = found[position : position + n]
                match = (n, Match(window[0][1], window[-1][2], tuple(c >> 8 for c in codes), codes[0] & 0xFF))
            if match is None:
                position += 1
            else:
                position += match[0]
                yield match[1]

    def describe(self, ident: int) -> tuple[int, str]:
        """(row number, address as reports show it: `a***@example.org`) of an identity; the row number is
        not personal data, and the raw address is not kept."""
        self._ensure()
        return int(self.identity_rows[ident]), self._shown[int(self._addresses[ident])]


def _members(sorted_keys: Any, wanted: Any) -> Any:
    """Which of `wanted` are in `sorted_keys` (a sorted numpy array), as a boolean array."""
    at = np.searchsorted(sorted_keys, wanted)
    return sorted_keys[np.minimum(at, len(sorted_keys) - 1)] == wanted


# ---- building, once per recipient list ------------------------------------------------------------------


def build_index(recipient_list: Any, settings: IndexSettings, analyze: Any | None) -> ValueIndex:
    """Two streamed passes over the list: a sample to classify columns, then every row into the index."""
    sample = [r.columns for r in itertools.islice(iter(recipient_list), SAMPLE_ROWS)]
    columns = tuple(recipient_list.schema.columns) if sample or recipient_list.schema.columns else ()
    index = ValueIndex(settings=settings, profiles=classify_columns(columns, sample, analyze))
    progress_events.phase("indexing values", unit="rows")
    for count, recipient in enumerate(recipient_list, 1):
        index.add_row(recipient.identity, recipient.row, recipient.email, recipient.columns)
        if count % 500 == 0:
            progress_events.advance(count)
    index.settle()
    return index


def index_settings(params: dict[str, Any], *, portable: bool = False) -> IndexSettings:
    """Settings from the cross-recipient-leak rule's parameters, so one index serves all three checks.
    `portable`: hashed alike in every process, for an index shipped to cluster workers (`dlp.cluster`)."""
    fields = {k: v for k, v in params.items() if k in IndexSettings.__dataclass_fields__ and k != "portable"}
    return IndexSettings(**fields, portable=portable)


def presidio_columns(recognizers: list[dict[str, Any]]) -> Any:
    """Presidio over sample cells, to classify columns whose header says nothing."""
    from dlp.detect.engine import get_detector

    def analyze(text: str) -> list:
        return get_detector(extra_recognizers=recognizers).analyze(text, entities=PRESIDIO_TYPES)

    return analyze


def columns_section(index: ValueIndex) -> dict[str, Any]:
    """The inferred column types, as a report section (rich table; JSON under `sections`)."""
    return {
        "title": "Recipient columns (inferred)",
        "columns": ["column", "type", "identifying", "why"],
        "rows": [[p.name, p.kind or "-", "yes" if p.indexed else "no", p.how] for p in index.profiles],
        # The column pass (type, cardinality, Luhn share), by column: what the provenance fast path uses.
        "shapes": {p.name: p.shape.describe() for p in index.profiles if p.shape is not None},
        "recipients_indexed": index.rows,
        "values_shared_by_many": index.dropped_shared,
        "values_too_long": index.too_long,
        "caption": f"{index.rows} rows indexed for cross-recipient-leak; {index.dropped_shared} values held by more "
        f"than {index.settings.max_owners} people ignored as identifying nobody"
        + (f"; {index.too_long} values of more than {MAX_VALUE_WORDS} words not indexed" if index.too_long else ""),
    }


def column_key(name: str) -> str:
    """A column's name as templates and rows may both spell it ('First Name' == 'first_name')."""
    return "_".join(w for w in _SPLIT_HEADER.split(name.lower()) if w)


def column_shapes(scope: Any) -> dict[str, ColumnShape]:
    """The column pass of the scan's recipient list (`ScanScope.recipient_index`), by `column_key`; empty
    without a list."""
    index = scope.recipient_index
    if index is None:
        return {}
    return {column_key(p.name): p.shape for p in index.profiles if p.shape is not None}
