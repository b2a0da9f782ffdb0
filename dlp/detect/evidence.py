"""Evidence filters: a weak pattern is reported only with the evidence that makes it that entity.

Purview rates a match by pattern + checksum + keyword within a window; Presidio's own recognizers for a
driver's licence, a passport or a bank number match any short alphanumeric token or digit run, case
insensitive, and real mail is full of those: `x86`, `e1000e`, `p1022` in a kernel pull request, a
15-digit order id, a git `index 4e1c0a2..9b7f3d1 100644` line, `1.2.3.4` after "version", a kernel-log
`[12345.678901]`, a Java stack frame, the FSF's postal address in every GPL header. Each filter below is
small and named (detect-secrets style): it says why one kind of match is not personal data. A filter
only removes; it never adds a finding.

Context is read where both analysis paths see it (`dlp.analysis`): the entity's own line, plus the last
few words before that line, so analysing a line in its window and analysing the whole part agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from dlp.detect.catalogue import OTHER_NUMBER_LABEL

DATA = Path(__file__).parent / "data"
CONTEXT_WORDS_BEFORE = 6  # the words before a line that its analysis window holds (dlp.analysis)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def before(text: str, start: int) -> str:
    """The entity's line up to it, after the last few words of the lines before."""
    line_start = text.rfind("\n", 0, start) + 1
    earlier = text[max(0, line_start - 200) : line_start].split()[-CONTEXT_WORDS_BEFORE:]
    return " ".join(earlier) + "\n" + text[line_start:start]


def same_line(text: str, start: int, end: int) -> str:
    line_start, line_end = line_bounds(text, start, end)
    return text[line_start:line_end]


@cache
def _lines(name: str) -> tuple[str, ...]:
    """A word list shipped as data (`dlp/detect/data/NAME.txt`): one entry a line, `#` comments."""
    lines = (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


# -- driver's licence, passport, bank number: a context word, and the shape such ids are written in -----

LICENCE_CONTEXT = re.compile(
    r"(?i)driv(?:er'?s?|ing)[\s-]+licen[cs]e|licen[cs]e\s*(?:number|no\b|nr\b|#|id\b)|\bDLN?\s*(?:#|no\b|number|:)|"
    r"\bdriver\s*(?:id|lic)|permis\s+de\s+conduire|führerschein|patente\s+di\s+guida|licencia\s+de\s+conducir|"
    r"carn[eé]\s+de\s+conducir"
)
PASSPORT_CONTEXT = re.compile(r"(?i)passport|passeport|reisepass|pasaporte|passaporto")
BANK_CONTEXT = re.compile(
    r"(?i)\bbank\b|\baccount\s*(?:number|no\b|nr\b|#)|\bacct\b|\ba/c\b|routing|checking|savings|"
    r"kontonummer|numéro\s+de\s+compte|numero\s+di\s+conto|número\s+de\s+cuenta"
)
WEAK_CONTEXT = {"US_DRIVER_LICENSE": LICENCE_CONTEXT, "US_PASSPORT": PASSPORT_CONTEXT, "US_BANK_NUMBER": BANK_CONTEXT}
# CPU architectures, buses and versions that an id-shaped regex takes for a licence ("x86", "i386", "v5").
TECH_TOKEN = re.compile(
    r"(?i)^(?:x86|x64|i[3-6]86|amd64|arm(?:v?\d+\w*)?|aarch64|ppc\d*\w*|s390x?|mips\d*\w*|riscv\d*|sparc\d*|"
    r"ia64|m68k|sh\d|v\d{1,2}|p\d{3,4}|r\d{1,4}|rc\d+|gen\d+|usb\d|pcie?\d*|ddr\d|h26\d|mp\d)$"
)


def weak_id_without_evidence(entity_type: str, text: str, start: int, end: int) -> bool:
    """A driver's licence, passport or bank number needs its name nearby, and is written in capitals."""
    context = WEAK_CONTEXT.get(entity_type)
    if context is None:
        return False
    value = text[start:end]
    if any(ch.islower() for ch in value) or TECH_TOKEN.match(value):
        return True  # ids are printed in capitals: "mt7530", "e1000e", "p1022" are device names
    return not context.search(before(text, start) + text[end : end + 30].split("\n")[0])


# -- payment cards: Luhn (the recognizer) plus card context, card formatting or an issuer's shape ----------

CARD_CONTEXT = re.compile(
    r"(?i)\b(?:card|cards|credit|debit|visa|master\s?card|amex|american\s+express|discover|diners|jcb|maestro|"
    r"cc|cvv|cvc|pan|expir\w*|exp\.?|karte|kreditkarte|carte|tarjeta|carta|cartão|kaart)\b"
)
EXPIRY = re.compile(r"(?<![\d/])(?:0[1-9]|1[0-2])\s?/\s?(?:\d{2}|20\d{2})(?![\d/])")  # "09/27" next to it: a card row
CARD_FORMATTED = re.compile(r"^\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}$|^\d{4}([ -])\d{6}\2\d{4,5}$")
HASH_NEIGHBOUR = re.compile(r"[0-9a-fA-F]")
GIT_INDEX = re.compile(r"^\s*index\s+[0-9a-f]{6,64}\.\.[0-9a-f]{6,64}")


# Issuer prefixes (IIN ranges) and the lengths each network issues: with the Luhn check the recognizer
# already made, a strong validator by itself (a random digit run passes all three about once in 500).
ISSUERS = (
    (re.compile(r"^4"), (13, 16, 19)),  # Visa
    (re.compile(r"^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)"), (16,)),  # Mastercard
    (re.compile(r"^3[47]"), (15,)),  # American Express
    (re.compile(r"^(?:6011|65|64[4-9]|62)"), (16, 17, 18, 19)),  # Discover, UnionPay
    (re.compile(r"^(?:30[0-5]|36|38|39)"), (14, 15, 16, 17, 18, 19)),  # Diners Club
    (re.compile(r"^35(?:2[89]|[3-8]\d)"), (16, 17, 18, 19)),  # JCB
    (re.compile(r"^(?:50|5[6-9]|6\d)"), tuple(range(12, 20))),  # Maestro and national debit schemes
)


def issuer_shaped(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in ISSUERS)


# -- hex dumps: a row of equal-width hex groups is bytes, whatever digits the bytes happen to be ----------

HEX_TOKEN = re.compile(r"[0-9a-fA-F]+")
HEX_LETTER = re.compile(r"[a-fA-F]")
# The offset that opens a dump row: "00000010:" (xxd, kernel print_hex_dump), "0000020" (hexdump, od: only
# with a full row after it, as a table's first column may be a customer number).
DUMP_OFFSET = re.compile(r"[0-9a-fA-F]{6,16}:")
BARE_DUMP_OFFSET = re.compile(r"[0-9a-fA-F]{6,16}")
# A register dump in a kernel oops: "RAX: 0000000000000000 RBX: ffff88003c2e8000 RCX: 4111111111111111".
REGISTER_DUMP = re.compile(r"(?:\b[A-Z][A-Z0-9]{1,3}:[ \t]*[0-9a-fA-F]{8,16}\b.*?){3}")
DUMP_ROW_GROUPS = 6  # xxd, hexdump and od print eight groups a row; a card is at most five


def in_hex_dump_row(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a run of groups in a hex-dump row (xxd, hexdump, od, a kernel's memory or
    register dump): groups of one width after a dump offset, or in a longer run of such groups that holds a
    hex letter ("0000: 4532 0151 1283 0366 0a00 ..."). A card written in prose has neither."""
    line_start, line_end = line_bounds(text, start, end)
    line = text[line_start:line_end]
    if REGISTER_DUMP.search(line):
        return True
    tokens = [(m.start() + line_start, m.end() + line_start) for m in re.finditer(r"\S+", line)]
    inside = [i for i, (lo, hi) in enumerate(tokens) if lo < end and hi > start]
    if not inside:
        return False
    width = tokens[inside[0]][1] - tokens[inside[0]][0]

    def group(i: int) -> bool:
        if not 0 <= i < len(tokens):
            return False
        lo, hi = tokens[i]
        return hi - lo == width and HEX_TOKEN.fullmatch(text, lo, hi) is not None

    if not all(group(i) for i in inside):
        return False
    first, last = inside[0], inside[-1]
    while group(first - 1):
        first -= 1
    while group(last + 1):
        last += 1
    groups = last - first + 1
    if first > 0:
        lo, hi = tokens[first - 1]
        if DUMP_OFFSET.fullmatch(text, lo, hi):
            return True
        leads = first - 1 == _first_field(tokens, text)
        if groups >= DUMP_ROW_GROUPS and leads and BARE_DUMP_OFFSET.fullmatch(text, lo, hi):
            return True
    run = text[tokens[first][0] : tokens[last][1]]
    return (groups >= DUMP_ROW_GROUPS or (width >= 8 and groups >= 2)) and bool(HEX_LETTER.search(run))


def _first_field(tokens: list[tuple[int, int]], text: str) -> int:
    """The index of a line's first token after a kernel-log timestamp ("[   12.345678]")."""
    for i, (lo, hi) in enumerate(tokens):
        if not (text[lo] == "[" or text[hi - 1] == "]"):
            return i
    return len(tokens)


def card_without_evidence(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type != "CREDIT_CARD":
        return False
    value = text[start:end]
    line = same_line(text, start, end)
    if GIT_INDEX.match(line) or in_hex_dump_row(text, start, end):
        return True
    left = text[start - 1] if start else ""
    right = text[end] if end < len(text) else ""
    if (left and HASH_NEIGHBOUR.match(left)) or (right and HASH_NEIGHBOUR.match(right)):
        return True  # a run of hex digits: a hash, a key, a message id
    if text[start - 2 : start] == ".." or text[end : end + 2] == "..":
        return True  # git's <hash>..<hash>
    line_before = text[text.rfind("\n", 0, start) + 1 : start]
    context = before(text, start) + " " + text[end : end + 40].split("\n")[0]
    if CARD_CONTEXT.search(context):
        return False
    token = line_before.split()[-1] if line_before and not line_before[-1].isspace() else ""
    if token and (token[-1] in "/=?&#+%" or "://" in token):
        return True  # a URL's path or query token
    if OTHER_NUMBER_LABEL.search(line_before):
        return True  # "Order 112-4402983-1190632", "Invoice #4532015112830366"
    return not (CARD_FORMATTED.match(value) or EXPIRY.search(line) or issuer_shaped(value))


# -- IP addresses: a version number is not one --------------------------------------------------------

VERSION_CUE = re.compile(
    r"(?i)(?:\bv|\bver\.?|\bversion|\brelease|\brelease[ds]?|\brev\.?|\brevision|\bbuild|\bfirmware|\bkernel|\bupdate[ds]?|"
    r"\bupgraded?|\bpatch|\bpackage|\bjdk|\bjava|\bpython|\bgcc|\bnode|\bbios|\bsdk|\bapi|\bdriver|\bversión|"
    r"\bversione)[\s:=]*$"
)


GIT_SIGNATURE = re.compile(r"(?:^|\n)-- ?\r?\n\Z")
DIFF_FILE_HEADER = re.compile(r"^(?:---|\+\+\+) \S+\t")


def version_number_as_ip(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type != "IP_ADDRESS" or ":" in text[start:end]:
        return False
    left = text[max(0, start - 30) : start]
    if re.search(r"[\w.\-]\Z", left) or re.match(r"[.\-]?\w", text[end : end + 2]):
        return True  # "1.2.3.4.5", "gcc-4.8.5.1", "2.0.0.1-SNAPSHOT": part of a longer version string
    if DIFF_FILE_HEADER.match(same_line(text, start, end)):
        return True  # "--- setup.c<TAB>6 Oct 2002 11:38:14 -0000<TAB>1.1.2.5": a CVS diff's file revision
    if GIT_SIGNATURE.search(left) and text[end : end + 1] in ("", "\n", "\r"):
        return True  # git format-patch's signature: "-- " and the git version on the next line
    return bool(VERSION_CUE.search(left.split("\n")[-1].rstrip("( ")))


# -- phone numbers: log timestamps and decimals are not ------------------------------------------------

DECIMAL = re.compile(r"^\d+\.\d{3,}$")
ZIP_PLUS_FOUR = re.compile(r"^\d{5}-\d{4}$")  # "Boston, MA 02110-1301": phones are grouped 3-3-4
HEX_DUMP = re.compile(r"(?:^|\s)(?:[0-9a-fA-F]{2}\s+){7,}")  # eight byte pairs in a row, as dumps print them
DATE_TAIL = re.compile(r"(?:^|\s)(?:19|20)\d{2}\s+[+-][01]\d[0-5]\d$")  # "... 23:34:35 2017 -0500"


def not_dialled(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type != "PHONE_NUMBER":
        return False
    value = text[start:end].strip()
    bracketed = value.startswith("[") or text[max(0, start - 3) : start].rstrip().endswith("[")
    value = value.strip("[]() ")
    before = text[max(0, start - 16) : start]  # what the checks below look at: never the whole text
    if before[-6:].rstrip().endswith(":") and re.search(r"\d:\d\d:?\s*$", before):
        return True  # the seconds of "23:34:35 2017 -0500" and what follows: a timestamp
    if re.search(r"\d:\d\d[.,]$", before):
        return True  # the fraction of "07:27:13.280858 2020": a log timestamp and its year
    if HEX_DUMP.search(same_line(text, start, end)) and re.fullmatch(r"\d\d(?: \d\d)+", value):
        return True  # "16 03 03 00 4a 02 00": bytes of a hex dump
    if text[end : end + 1] == "/" or re.match(r"\d{1,2}\.\d{1,3}\.\d{1,3}(?:$|/)", value):
        return True  # "ClamAV 0.91.2/5229": a version and a signature number
    if DECIMAL.match(value) or ZIP_PLUS_FOUR.match(value) or DATE_TAIL.search(value):
        return True  # "[12345.678901]": a kernel-log timestamp or a measurement, never dialled
    return bracketed and text[end : end + 3].lstrip().startswith("]") and "." in value


# -- names: stack frames and code are not people ---------------------------------------------------------

# Frames, not messages: "Caused by: ...: user Jane Doe not found" may well name a person.
STACK_FRAME = re.compile(
    r"^\s*(?:at\s+\S.*\((?:[\w$.-]+\.(?:java|kt|scala|groovy|clj|js|mjs|ts|cs|rb):\d+(?::\d+)?|Native\s+Method|"
    r"Unknown\s+Source)\)\s*$|at\s+[\w$.<>/]+\(.*\)|at\s+[\w$.]+\.[\w$<>]+\s*$|File\s+\"[^\"]+\",\s+line\s+\d+|"
    r"#\d+\s+0x[0-9a-f]+|\.{3}\s+\d+\s+more|Traceback\s+\(most\s+recent\s+call\s+last\))"
)


LOG_LINE = re.compile(r"^\s*(?:<\d>)?\[\s*\d+\.\d+\]")  # a kernel-log line: "[  381.304409] Hardware name: ..."
NOT_A_NAME_START = re.compile(r"^(?:the|a|an|this|that|our|your|my|his|her|their|its)\s", re.IGNORECASE)


def stack_frame_as_name(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type != "PERSON":
        return False
    line = same_line(text, start, end)
    return bool(STACK_FRAME.match(line) or LOG_LINE.match(line) or NOT_A_NAME_START.match(text[start:end]))


# -- street addresses: organisations' addresses and licence boilerplate -----------------------------------

LICENCE_TEXT = re.compile(
    r"(?i)free\s+software\s+foundation|general\s+public\s+licen[cs]e|\bGNU\b|licen[cs]ed?\s+under|"
    r"apache\s+licen[cs]e|software\s+foundation|this\s+program\s+is\s+(?:free|distributed)|copyright\s+\(c\)"
)


@cache
def _organisation_addresses() -> re.Pattern[str]:
    """Well-known organisations' postal addresses (data file): printed in licence headers and footers."""
    alternatives = [r"\s+".join(re.escape(word) for word in line.split()) for line in _lines("organisation_addresses")]
    return re.compile(r"(?i)(?:" + "|".join(alternatives) + r")\b")


def organisation_address(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type != "STREET_ADDRESS":
        return False
    if _organisation_addresses().search(text[start:end]):
        return True
    return bool(LICENCE_TEXT.search(before(text, start) + same_line(text, start, end)))


# -- bank accounts: an organisation's own, printed in its legal footer -------------------------------------

BANK_MARKER = re.compile(r"\b(?:BIC|SWIFT|Swift|Bankverbindung|Bank details)\b")
# Company-register and tax markers of a legal footer (Impressum): a company's identity, not a person's.
REGISTRATION_MARKER = re.compile(
    r"\b(?:VAT|USt-?Id(?:Nr)?\.?|TVA|P\.?\s?IVA|RPR|RPM|RCS|HRB|HRA|Amtsgericht|Registergericht|"
    r"Handelsregister|KvK|Company\s+(?:No|number|registration)|Registered\s+(?:office|in)|Reg\.?\s?No)\b"
)


def organisation_bank_account(entity_type: str, text: str, start: int, end: int) -> bool:
    """An IBAN beside a BIC/SWIFT in a legal footer (VAT number, register court, registered office just
    before it): the sending company's own account, printed on every mail it sends."""
    if entity_type != "IBAN_CODE":
        return False
    line = same_line(text, start, end)
    return bool(BANK_MARKER.search(line)) and bool(REGISTRATION_MARKER.search(before(text, start) + " " + line))


# -- credentials: placeholders are not secrets ---------------------------------------------------------

PLACEHOLDER_SECRET = re.compile(
    r"(?i)^(?:[*x•.#_-]+|<[^>]*>|\$\{[^}]*\}|\$\w+|%\w+%|\{\{[^}]*\}\}|\[[^\]]*\]|"
    r"(?:your|my|enter|new)[-_ ]?(?:password|passwort|pass|secret|token|key|pw|pwd)\w*|password|passwort|"
    r"secret|changeme|change[-_]?me|none|null|nil|empty|redacted|hidden|removed|masked|example|sample|dummy|"
    r"foobar|\*+\w*\*+)$"
)


def placeholder_credential(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type != "CREDENTIAL":
        return False
    value = text[start:end].strip("\"'“”‘’«»")
    return bool(PLACEHOLDER_SECRET.match(value)) or value[:1] in "=:"


# An address range as /proc/iomem, dmesg and memory maps print it: "01100000-0145528f", "fe000000-fe000fff".
HEX_RANGE = re.compile(r"[0-9a-fA-F]{4,16}-[0-9a-fA-F]{4,16}")
HEX_RANGE_TYPES = frozenset({"ES_NIF", "ES_NIE", "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NHS"})


def hex_range_as_id(entity_type: str, text: str, start: int, end: int) -> bool:
    """An id-shaped half of a hexadecimal address range ("01100000-0145528f : Kernel code") is memory."""
    if entity_type not in HEX_RANGE_TYPES:
        return False
    lo, hi = max(0, start - 17), min(len(text), end + 17)
    return any(m.start() <= start and end <= m.end() for m in HEX_RANGE.finditer(text, lo, hi))


# -- Spanish DNI/NIE: one number in 23 has a valid check letter, so a log's "8388834K/" needs more ------------

SPANISH_ID_CONTEXT = re.compile(
    r"(?i)\b(?:dni|nif|nie|d\.\s?n\.\s?i|n\.\s?i\.\s?[fe]|documento|identidad|identificaci[oó]n|identification|"
    r"identity|id\s+card|carn[eé]t?|extranjer[oa]|fiscal|pasaporte|passport|tax\s+id|codice|personalausweis)"
)
PROSE_LEFT = " \t\n(\"'«“‘¿¡"  # a word in prose opens after a space, a bracket or a quote
PROSE_RIGHT = " \t\r\n.,;:)\"'»”’!?"
MACHINE_ROW = re.compile(r"^\s*(?:<\d{1,3}>)?\[\s*\d+\.\d+\]|^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ")


def spanish_id_without_evidence(entity_type: str, text: str, start: int, end: int) -> bool:
    """A DNI (8 digits and its letter) or NIE written as a word of prose, or any form after its name.

    Presidio takes 7 or 8 digits and a letter, any case, so every 23rd memory size or log field passes its
    check letter ("Memory: 8388834K/8388608K available"). DNIs are printed with all 8 digits and a capital
    letter; without "DNI"/"NIF"/"NIE" nearby only that shape, standing alone in a line a person wrote, counts.
    """
    if entity_type not in ("ES_NIF", "ES_NIE"):
        return False
    if SPANISH_ID_CONTEXT.search(before(text, start) + " " + text[end : end + 30].split("\n")[0]):
        return False
    value = text[start:end].replace("-", "")
    digits = sum(ch.isdigit() for ch in value)
    if not value[-1].isupper() or (entity_type == "ES_NIF" and digits != 8):
        return True
    left = text[start - 1] if start else " "
    right = text[end] if end < len(text) else " "
    if left not in PROSE_LEFT or right not in PROSE_RIGHT:
        return True  # "size=12345678Z", "12345678Z/", a field glued to its key
    return bool(MACHINE_ROW.match(same_line(text, start, end)))


Filter = Callable[[str, str, int, int], bool]
# Every filter, by name: an entity any of them matches is not reported. Order does not matter.
FILTERS: dict[str, Filter] = {
    "weak id without evidence": weak_id_without_evidence,
    "card without evidence": card_without_evidence,
    "version number as IP": version_number_as_ip,
    "timestamp or postcode as phone": not_dialled,
    "stack frame, log line or phrase as name": stack_frame_as_name,
    "organisation or licence address": organisation_address,
    "placeholder credential": placeholder_credential,
    "hexadecimal address range as id": hex_range_as_id,
    "Spanish id without its name or its printed shape": spanish_id_without_evidence,
    "organisation's bank account in its legal footer": organisation_bank_account,
}


def filtered_by(entity_type: str, text: str, start: int, end: int) -> str | None:
    """The name of the first filter that says this match is not `entity_type`, else None."""
    for name, rejects in FILTERS.items():
        if rejects(entity_type, text, start, end):
            return name
    return None
