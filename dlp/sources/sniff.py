"""What a file holds, from its content and not its name: an mbox, one RFC 5322 message, an Outlook .msg,
Apple .emlx, UTF-16 text, or something that is not mail (and why).

People keep mail under every name (`*.raw`, `msg.1`, Maildir names copied out of `cur/`, `.txt`), so the
name only decides how strict the test is: a file that was meant as mail (named on the command line, a
mail suffix, inside a Maildir `cur/`/`new/`) is read as long as it is text; any other file must start
with a header block that names at least one mail header, so a YAML file or a README is skipped, named.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlp.sources.mbox import HEADER_LINE, UTF8_BOM, is_from_line
from dlp.sources.stream import compression_of

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path", "mime-version",
        "content-type", "content-transfer-encoding", "delivered-to", "sender", "reply-to", "in-reply-to",
        "references", "x-mailer", "user-agent", "dkim-signature", "authentication-results", "list-id",
        "x-original-to", "envelope-to", "x-received", "arc-seal", "resent-from", "resent-to", "thread-topic",
    }
)  # fmt: skip
HEAD_SIZE = 64 * 1024
MAIL_SUFFIXES = frozenset({".eml", ".msg", ".mbox", ".mbx", ".mail", ".emlx", ".mbs", ".raw"})


@dataclass(frozen=True)
class Kind:
    name: str  # mbox | mbox-classic | message | emlx | body | outlook | utf16 | empty | not-mail
    detail: str = ""  # the encoding for utf16, the reason for not-mail


def utf16_encoding(head: bytes) -> str | None:
    """'utf-16' (with a BOM), 'utf-16-le' or 'utf-16-be' (without): Windows tools write mail this way."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:512]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def looks_like_text(head: bytes) -> bool:
    if not head:
        return True
    control = sum(1 for b in head[:HEAD_SIZE] if (b < 0x20 and b not in (9, 10, 12, 13)) or b == 0x7F)
    return control <= len(head[:HEAD_SIZE]) // 100


def _mail_header_names(text: bytes) -> set[str]:
    names = set()
    for line in text.split(b"\n")[:200]:
        if not line.strip():
            break
        match = HEADER_LINE.match(line)
        if match:
            names.add(match.group(0)[:-1].decode("ascii").lower())
    return names


def classify(head: bytes, meant_as_mail: bool) -> Kind:
    if head.startswith(OLE_MAGIC):
        return Kind("outlook")
    compressed = compression_of(head)
    if compressed:
        return Kind("not-mail", f"{compressed} inside a compressed file: not read (decompress it once first)")
    if head.startswith(b"PK\x03\x04"):
        return Kind("not-mail", "a zip archive: not read (unpack it first, then audit the folder)")
    if head[257:262] == b"ustar":
        return Kind("not-mail", "a tar archive: not read (unpack it first, then audit the folder)")
    encoding = utf16_encoding(head)
    if encoding:
        return Kind("utf16", encoding)
    text = head.removeprefix(UTF8_BOM).lstrip(b"\r\n\t ")
    if not text:
        return Kind("empty", "empty file")
    first, _, rest = text.partition(b"\n")
    second = rest.split(b"\n", 1)[0]
    if first.startswith(b"From "):
        if is_from_line(first):
            return Kind("mbox")
        if meant_as_mail or HEADER_LINE.match(second):
            return Kind("mbox-classic")
    if first.strip().isdigit() and HEADER_LINE.match(second):
        return Kind("emlx")
    if HEADER_LINE.match(first) and (meant_as_mail or _mail_header_names(text) & MAIL_HEADERS):
        return Kind("message")
    if not looks_like_text(head):
        return Kind("not-mail", "binary data, not mail")
    if meant_as_mail:
        return Kind("body")
    return Kind("not-mail", "not mail: no header lines (From:, To:, Subject: ...) and no mbox 'From ' line")
