"""Text out of attachments, so personal data in a file is scanned like data in a body.

The extractor is chosen from the CONTENT first (`%PDF-`, a zip's members, OLE, gzip), then from the
declared type and the file name: a PDF sent with no name, no extension or labelled `text/plain` is
still read as a PDF. Bytes that are neither a known document nor text are not read as Latin-1 junk;
they are reported as unscanned.

Every extractor runs under the attachment budgets (`dlp.budgets`): inflated size and compression ratio
are checked on the zip directory before anything is inflated (zipfile never reads past a member's
declared size), elements (paragraphs, rows, cells, pages, members) and extracted characters are counted
as they come, and time is metered. A file over a budget is reported with the reason, never parsed
until the process runs out of memory.

A file we cannot read is reported as such by the caller (never passed silently): `extract_text`
returns the reason instead of text; `unscanned` lists pieces of a readable file that were not read
(an encrypted zip member, text past the character budget).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from dlp.budgets import BudgetExceeded, Meter, bounded, exceeded, int_limit, limit
from dlp.htmltext import visible_text
from dlp.redact import redact_filename, scrub_text

TEXT_SUFFIXES = frozenset(
    {
        ".txt",
        ".csv",
        ".tsv",
        ".md",
        ".json",
        ".jsonl",
        ".xml",
        ".ics",
        ".vcf",
        ".log",
        ".yaml",
        ".yml",
        ".eml",
        ".text",
        "",
    }
)
HTML_SUFFIXES = frozenset({".html", ".htm"})
MAX_ZIP_DEPTH = 2  # a zip in a zip is read; deeper nesting is reported
BIG_MEMBER = 1024 * 1024  # the ratio check applies to members inflating past this (tiny XML parts compress well)


@dataclass(frozen=True)
class Extracted:
    text: str | None
    reason: str | None = None  # why text is None
    raw: str | None = None  # markup, for link checks
    unscanned: tuple[str, ...] = field(default=())  # parts of the file that were not read, with the reason


class Unreadable(Exception):
    """A file that opened but whose text we cannot get at; the message is the reason shown to the user."""


# ---- what the bytes are -----------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes) -> str | None:
    """The document format the bytes are, whatever the name says: pdf, docx, xlsx, zip, ole, gzip."""
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:  # writers may put junk before the header
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    return None


_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13)) + b"\x7f"


def decode_text(data: bytes) -> str | None:
    """The text of bytes that are text (UTF-8, UTF-16 with or without BOM, else a legacy 8-bit charset);
    None for binary. Latin-1 accepts every byte, so it is tried only when the bytes look like text:
    almost no control characters. NUL bytes that are not UTF-16 (a CSV padded or separated with NULs by
    the program that wrote it) are dropped and the rest judged on its own: a customer list with a few
    NULs is still a customer list, so it is scanned, never passed over as binary."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    sample = data[:65536]
    nuls = sample.count(0)
    if nuls > len(sample) // 4:  # UTF-16 without a BOM: every other byte is NUL for Latin text
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        for encoding in ("utf-16-le", "utf-16-be") if odd > even else ("utf-16-be", "utf-16-le"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _printable_ratio(text[:4096]) > 0.95:
                return text
    if nuls:
        stripped = data.replace(b"\0", b"")
        return decode_text(stripped) if stripped else ""
    try:
        return data.decode("utf-8-sig")  # stray NULs in real UTF-8 are dropped by the normaliser
    except UnicodeDecodeError:
        pass
    controls = sum(sample.count(c) for c in _CONTROL)
    if controls > len(sample) // 100:
        return None
    return data.decode("cp1252", errors="replace")  # the usual legacy charset of mail (a superset of Latin-1)


def _printable_ratio(text: str) -> float:
    if not text:
        return 1.0
    return sum(1 for c in text if c.isprintable() or c in "\t\r\n") / len(text)


# ---- the entry point -------------------------------------------------------------------------------


def extract_text(filename: str, data: bytes, content_type: str | None = None) -> Extracted:
    """Text of one attachment, chosen by content, then declared type, then name; within the budgets."""
    meter = Meter(
        seconds=limit("DLP_ATTACHMENT_SECONDS"),
        seconds_name="DLP_ATTACHMENT_SECONDS",
        max_size=int_limit("DLP_MAX_ATTACHMENT_CHARS"),
        size_name="DLP_MAX_ATTACHMENT_CHARS",
        what="reading the attachment",
    )
    try:
        with bounded(meter):
            return _extract(filename, data, content_type, meter, depth=0)
    except BudgetExceeded as exc:
        return Extracted(None, str(exc))
    except MemoryError:
        return Extracted(None, "the file needs more memory to read than this process has")


def _extract(filename: str, data: bytes, content_type: str | None, meter: Meter, depth: int) -> Extracted:
    kind = sniff(data)
    suffix = _suffix(filename)
    declared = (content_type or "").lower()
    if kind is None:
        kind = _declared_kind(suffix, declared)
    if kind == "html":
        raw = decode_text(data)
        if raw is None:
            return Extracted(None, "binary content in a file named or labelled as HTML")
        meter.add(len(raw))
        return Extracted(visible_text(raw), raw=raw)
    if kind == "text":
        text = decode_text(data)
        if text is None:
            return Extracted(None, "binary content that no extractor recognises (not text, PDF or Office)")
        meter.add(len(text))
        return Extracted(text)
    if kind == "ole":
        return Extracted(None, "a legacy Office/Outlook file (OLE: .doc, .xls, .msg): no text extractor for it")
    if kind == "zip" and depth >= MAX_ZIP_DEPTH:
        return Extracted(None, f"a zip archive nested more than {MAX_ZIP_DEPTH} deep")
    extractor = BINARY_EXTRACTORS.get(kind or "")
    if extractor is None and kind != "zip":
        what = suffix or declared or "unknown"
        return Extracted(None, f"no text extractor for '{what}' files")
    try:
        if extractor is None:
            return _zip(data, meter, depth)  # its members' problems come back beside the text
        return Extracted(extractor(data, meter))
    except (Unreadable, BudgetExceeded) as exc:
        return Extracted(None, str(exc))
    except MemoryError:
        raise
    except Exception as exc:  # a corrupt file must become a finding, not a crash
        # The library's message can quote a member name or content ("Bad CRC-32 for file '…'"): scrubbed.
        return Extracted(None, f"could not read the {kind} file: {type(exc).__name__}: {scrub_text(str(exc))}"[:200])


def _suffix(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".j2":
        suffix = PurePath(PurePath(filename).stem).suffix.lower()
    return suffix


def _declared_kind(suffix: str, declared: str) -> str | None:
    by_suffix = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".zip": "zip", ".gz": "gzip"}
    if suffix in HTML_SUFFIXES or declared == "text/html":
        return "html"
    if suffix in by_suffix:
        return by_suffix[suffix]
    if suffix in TEXT_SUFFIXES or declared.startswith("text/"):
        return "text"
    return None


# ---- zip containers: sizes checked on the directory, before anything is inflated -------------------------


def check_zip(archive: zipfile.ZipFile, what: str) -> list[zipfile.ZipInfo]:
    """The members of a zip, refused as a whole when its directory announces a bomb.

    zipfile reads a member only up to its declared size, so declared sizes within the budget bound what
    inflating can cost, whatever the compressed bytes would really expand to.
    """
    members = archive.infolist()
    if len(members) > int_limit("DLP_MAX_ELEMENTS"):
        raise exceeded(f"the {what} has {len(members):,} members", "DLP_MAX_ELEMENTS")
    total = sum(m.file_size for m in members)
    if total > limit("DLP_MAX_INFLATED_BYTES"):
        raise exceeded(f"the {what} inflates to {total / 1024 / 1024:,.0f} MB", "DLP_MAX_INFLATED_BYTES")
    ratio = limit("DLP_MAX_COMPRESSION_RATIO")
    for member in members:
        if member.file_size > BIG_MEMBER and member.file_size > ratio * max(member.compress_size, 1):
            raise exceeded(
                f"the {what} member {redact_filename(member.filename)!r} inflates "
                f"{member.file_size // max(member.compress_size, 1):,} times (a zip bomb?)",
                "DLP_MAX_COMPRESSION_RATIO",
            )
    return members


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, meter: Meter) -> bytes:
    """A member's bytes, read in blocks: never more than its declared size, time checked as it goes."""
    chunks = []
    left = member.file_size
    with archive.open(member) as stream:
        while left > 0:
            block = stream.read(min(left, 1 << 20))
            if not block:
                break
            chunks.append(block)
            left -= len(block)
            meter.check()
    return b"".join(chunks)


def _zip(data: bytes, meter: Meter, depth: int) -> Extracted:
    archive = zipfile.ZipFile(io.BytesIO(data))
    texts: list[str] = []
    unscanned: list[str] = []
    for member in check_zip(archive, "zip archive"):
        if member.is_dir():
            continue
        if member.flag_bits & 0x1:
            unscanned.append(f"member {redact_filename(member.filename)!r} is encrypted")
            continue
        inner = _extract(member.filename, _read_member(archive, member, meter), None, meter, depth + 1)
        if inner.text is None:
            unscanned.append(f"member {redact_filename(member.filename)!r}: {inner.reason}")
            continue
        texts.append(f"== {member.filename} ==\n{inner.text}")
        unscanned.extend(f"member {redact_filename(member.filename)!r}: {u}" for u in inner.unscanned)
    if not texts and unscanned:
        return Extracted(None, "; ".join(unscanned)[:300])
    return Extracted("\n\n".join(texts), unscanned=tuple(unscanned))


def _gzip(data: bytes, meter: Meter) -> str:
    """gunzip with a length bound: the output stops at the inflated-size budget instead of filling memory."""
    cap = int_limit("DLP_MAX_INFLATED_BYTES")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    while pending and not inflater.eof:
        out += inflater.decompress(pending, cap + 1 - len(out))
        if len(out) > cap:
            raise exceeded("the gzip file inflates past the limit", "DLP_MAX_INFLATED_BYTES")
        pending = inflater.unconsumed_tail
        meter.check()
    inner = _extract("", bytes(out), None, meter, depth=1)
    if inner.text is None:
        raise Unreadable(f"inside the gzip file: {inner.reason}")
    return inner.text


# ---- documents ------------------------------------------------------------------------------------


def _counted(items: Iterable, meter: Meter, what: str) -> Iterable:
    """Items of a document, counted against the element budget (and the clock) as they are read."""
    cap = int_limit("DLP_MAX_ELEMENTS")
    for number, item in enumerate(items, 1):
        if number > cap:
            raise exceeded(f"the {what} has more than {cap:,} elements", "DLP_MAX_ELEMENTS")
        if number % 256 == 0:
            meter.check()
        yield item


def _pdf(data: bytes, meter: Meter) -> str:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-file chatter; the finding says it all
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise Unreadable("the PDF is encrypted with a password")
    pages = len(reader.pages)
    chunks = []
    for page in _counted(reader.pages, meter, "PDF"):
        text = page.extract_text() or ""
        meter.add(len(text))
        chunks.append(text)
    text = "\n\n".join(chunks)
    if not text.strip():
        # A scanned letter is an image: it may carry anything, and nothing here can read it.
        raise Unreadable(f"the PDF has no text layer ({pages} page(s); a scanned image?)")
    return text


def _count_xml(archive: zipfile.ZipFile, name: str, tags: tuple[str, ...], meter: Meter, what: str) -> None:
    """Count elements of one XML part with a streaming parser (each element dropped once counted) before a
    library builds its whole tree: 3 M empty paragraphs are 300 KB zipped and gigabytes as objects."""
    from lxml import etree

    cap = int_limit("DLP_MAX_ELEMENTS")
    counted = 0
    with archive.open(name) as stream:
        wanted = tuple(f"{{*}}{tag}" for tag in tags)
        for _event, element in etree.iterparse(stream, events=("end",), tag=wanted, resolve_entities=False):
            counted += 1
            if counted > cap:
                raise exceeded(f"the {what} has more than {cap:,} paragraphs, rows or cells", "DLP_MAX_ELEMENTS")
            if counted % 4096 == 0:
                meter.check()
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


def _docx(data: bytes, meter: Meter) -> str:
    import docx

    archive = zipfile.ZipFile(io.BytesIO(data))
    check_zip(archive, "document")
    _count_xml(archive, "word/document.xml", ("p", "tr", "tc"), meter, "document")
    document = docx.Document(io.BytesIO(data))
    chunks = []
    for paragraph in _counted(document.paragraphs, meter, "document"):
        chunks.append(paragraph.text)
        meter.add(len(paragraph.text))
    for table in document.tables:
        for row in _counted(table.rows, meter, "document"):
            line = "\t".join(cell.text for cell in row.cells)
            meter.add(len(line))
            chunks.append(line)
    # Letterheads and footers carry names, addresses and account numbers too.
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                chunks.extend(p.text for p in part.paragraphs)
    return "\n".join(chunks)


def _xlsx(data: bytes, meter: Meter) -> str:
    from openpyxl import load_workbook

    archive = zipfile.ZipFile(io.BytesIO(data))
    check_zip(archive, "workbook")
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    chunks = []
    cells_cap = int_limit("DLP_MAX_ELEMENTS") * 10
    cells = 0
    try:
        for sheet in workbook.worksheets:
            for row in _counted(sheet.iter_rows(values_only=True), meter, "workbook"):
                cells += len(row)
                if cells > cells_cap:
                    raise exceeded(f"the workbook has more than {cells_cap:,} cells", "DLP_MAX_ELEMENTS")
                values = ["" if v is None else str(v) for v in row]
                if any(values):
                    line = "\t".join(values)
                    meter.add(len(line))
                    chunks.append(line)
    finally:
        workbook.close()
    return "\n".join(chunks)


BINARY_EXTRACTORS: dict[str, Callable[[bytes, Meter], str]] = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "gzip": _gzip,
}
