"""Text out of attachments, so personal data in a file is scanned like data in a body.

A file we cannot read is reported as such by the caller (never passed silently): `extract_text`
returns the reason instead of text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from dlp.htmltext import visible_text

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


@dataclass(frozen=True)
class Extracted:
    text: str | None
    reason: str | None = None  # why text is None
    raw: str | None = None  # markup, for link checks


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def extract_text(filename: str, data: bytes, content_type: str | None = None) -> Extracted:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".j2":
        suffix = PurePath(PurePath(filename).stem).suffix.lower()
    if suffix in HTML_SUFFIXES or content_type == "text/html":
        raw = _decode(data)
        return Extracted(visible_text(raw), raw=raw)
    if suffix in TEXT_SUFFIXES or (content_type or "").startswith("text/"):
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return Extracted(None, "binary content in a text-named file")
        return Extracted(_decode(data))
    extractor = BINARY_EXTRACTORS.get(suffix)
    if extractor is None:
        return Extracted(None, f"no text extractor for '{suffix or content_type or 'unknown'}' files")
    try:
        return Extracted(extractor(data))
    except Unreadable as exc:
        return Extracted(None, str(exc))
    except Exception as exc:  # a corrupt file must become a finding, not a crash
        return Extracted(None, f"could not read {suffix} file: {type(exc).__name__}: {exc}"[:200])


class Unreadable(Exception):
    """A file that opened but whose text we cannot get at; the message is the reason shown to the user."""


def _pdf(data: bytes) -> str:
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-file chatter; the finding says it all
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise Unreadable("the PDF is encrypted with a password")
    text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    if not text.strip():
        # A scanned letter is an image: it may carry anything, and nothing here can read it.
        raise Unreadable(f"the PDF has no text layer ({len(reader.pages)} page(s); a scanned image?)")
    return text


def _docx(data: bytes) -> str:
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    chunks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            chunks.append("\t".join(cell.text for cell in row.cells))
    # Letterheads and footers carry names, addresses and account numbers too.
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                chunks.extend(p.text for p in part.paragraphs)
    return "\n".join(chunks)


def _xlsx(data: bytes) -> str:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    chunks = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            if any(cells):
                chunks.append("\t".join(cells))
    return "\n".join(chunks)


BINARY_EXTRACTORS = {".pdf": _pdf, ".docx": _docx, ".xlsx": _xlsx}
