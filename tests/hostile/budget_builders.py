"""Hostile inputs for the budget tests, built on the fly (a 2 GB bomb does not belong in git).

Every builder writes a real file of its format with the real library or the format's own structure: a
PDF readable by pypdf, an OOXML zip readable by python-docx, a mail readable by the stdlib.
"""

from __future__ import annotations

import functools
import io
import zipfile
import zlib
from email.message import EmailMessage

from docx import Document

from tests.support.synthetic import email, person


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer holds `text` (Helvetica, one line per line), with a valid xref."""
    lines = text.split("\n")
    ops = ["BT", "/F1 11 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    # Compressed, as every real PDF writer does: the text is not readable in the raw bytes.
    stream = zlib.compress("\n".join(ops).encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_BODY_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_BODY_CLOSE = b"</w:body></w:document>"


def docx_with_body(chunk: bytes, repeat: int) -> bytes:
    """A real .docx (python-docx's own package) whose word/document.xml body is `chunk` * `repeat`,
    streamed into the zip: a 2 GB body costs no memory to build and deflates to ~2 MB."""
    base = zipfile.ZipFile(io.BytesIO(docx_bytes(["seed"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            if info.filename == "word/document.xml":
                continue
            target.writestr(info, base.read(info.filename))
        with target.open("word/document.xml", "w", force_zip64=True) as stream:
            stream.write(_BODY_OPEN)
            block = chunk * max(1, (1 << 20) // len(chunk))
            written = 0
            while written + len(block) // len(chunk) <= repeat:
                stream.write(block)
                written += len(block) // len(chunk)
            stream.write(chunk * (repeat - written))
            stream.write(_BODY_CLOSE)
    return out.getvalue()


@functools.cache
def inflation_bomb_docx(inflated: int) -> bytes:
    """One paragraph whose text run is `inflated` bytes of 'a': the zip bomb shape (ratio ~1000:1).
    Deflating 2 GB takes ~9 s of CPU, so each test process builds a given bomb once."""
    return docx_with_body(b"a" * 4096, inflated // 4096) if inflated else b""


def many_paragraphs_docx(count: int) -> bytes:
    """`count` tiny paragraphs: small on disk, millions of XML elements once parsed."""
    return docx_with_body(b"<w:p><w:r><w:t>x</w:t></w:r></w:p>", count)


def raw_deflate_ratio(data: bytes) -> float:
    return len(data) / max(1, len(zlib.compress(data)))


def mail_with_attachment(
    data: bytes,
    *,
    filename: str | None,
    maintype: str = "application",
    subtype: str = "octet-stream",
    body: str = "Please find the file attached.\n",
    to: str = "Carol Jones <carol.jones@example.net>",
) -> bytes:
    message = EmailMessage()
    message["From"] = "Acme Billing <billing@acme.example>"
    message["To"] = to
    message["Subject"] = "Your documents"
    message["Message-ID"] = "<budget-probe@acme.example>"
    message.set_content(body)
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    if filename is None:  # add_attachment always writes a disposition; a nameless part has none
        part = list(message.iter_attachments())[-1]
        del part["Content-Disposition"]
    return bytes(message)


def customer_csv(rows: int) -> str:
    """A customer export: id, name, email, phone, city (every row a different person)."""
    lines = ["customer_id,name,email,phone,city"]
    for i in range(rows):
        f, surname = person(i)
        lines.append(
            f"C{100000 + i},{f} {surname},{email(f, surname, i)},"
            f"+1 415 {200 + i % 700:03d} {i % 10000:04d},Springfield"
        )
    return "\n".join(lines) + "\n"


def mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' flag of one member in a zip's local and central headers (zipfile cannot write
    encrypted members; a reader must still refuse to read them as plain bytes)."""
    out = bytearray(data)
    encoded = name.encode()
    # (signature, offset of the flags, offset of the name length, offset of the name)
    for signature, flags, length_at, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        position = out.find(signature)
        while position >= 0:
            length = int.from_bytes(out[position + length_at : position + length_at + 2], "little")
            if out[position + name_at : position + name_at + length] == encoded:
                out[position + flags] |= 0x1
            position = out.find(signature, position + 4)
    return bytes(out)
