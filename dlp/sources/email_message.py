"""An RFC 5322 message (stdlib `email`, policy=default) as a ScanMessage: headers, bodies, attachments.

Used by `dlp check`, `dlp serve`, `dlp.scan_message` and `dlp audit`, so a message is read the same way
whichever door it came in by. Real archives are messy, so the walk is defensive: every part gets an
IMAP-style path ("1.2") for the report, undecodable charsets are replaced and noted, forwarded messages
(message/rfc822) are walked inside, and pathological input (nesting hundreds deep, huge attachments) is
cut off with a note and an `unscanned-attachment` finding instead of a hang or a crash.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses

from dlp.extract import extract_text
from dlp.htmltext import visible_text
from dlp.model import Part, PartKind, Recipient, ScanMessage, UnreadableAttachment

SCANNED_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject")
MAX_DEPTH = 25  # MIME nesting levels walked; real mail rarely passes 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # text extraction above this is skipped and reported
MAX_PARTS = 500


def parse_bytes(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def clean_text(text: str) -> str:
    """Raw 8-bit bytes in headers come back as surrogates; make them printable (U+FFFD), never crash later."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def header_values(message: Message, name: str) -> list[str]:
    values = []
    for value in message.get_all(name, []) or []:
        try:
            text = str(value)
        except Exception:  # malformed encoded-words: keep what can be read
            text = repr(value)
        values.append(clean_text(text))
    return values


def first_header(message: Message, name: str) -> str | None:
    values = header_values(message, name)
    return values[0] if values else None


def _decoded_text(part: Message) -> tuple[str, str | None]:
    """Text of a part and, if its charset was wrong or unknown, a note saying it was replaced."""
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception as exc:  # broken transfer encoding
        return clean_text(str(part.get_payload())), f"transfer encoding could not be decoded ({type(exc).__name__})"
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset), None
    except (LookupError, UnicodeDecodeError) as exc:
        reason = "unknown charset" if isinstance(exc, LookupError) else "bytes not valid in that charset"
        return payload.decode("utf-8", errors="replace"), f"charset {charset!r}: {reason}; undecodable bytes replaced"


@dataclass
class _Walk:
    parts: list[Part] = field(default_factory=list)
    unreadable: list[UnreadableAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    count: int = 0

    def note(self, path: str, text: str) -> None:
        self.notes.append(f"part {path}: {text}" if path else text)


def _walk(part: Message, path: str, depth: int, walk: _Walk) -> None:
    walk.count += 1
    if walk.count > MAX_PARTS:
        if walk.count == MAX_PARTS + 1:
            walk.unreadable.append(UnreadableAttachment(f"part {path}", f"more than {MAX_PARTS} MIME parts"))
        return
    if depth > MAX_DEPTH:
        walk.unreadable.append(
            UnreadableAttachment(f"part {path}", f"MIME nesting deeper than {MAX_DEPTH} levels was not scanned")
        )
        return
    content_type = part.get_content_type()
    for defect in getattr(part, "defects", []) or []:
        walk.note(path, f"MIME defect: {type(defect).__name__}")
    if content_type == "message/rfc822" or (part.is_multipart() and content_type.startswith("message/")):
        inner = part.get_payload()
        inner_messages = inner if isinstance(inner, list) else [inner]
        for number, nested in enumerate(inner_messages, 1):
            if not isinstance(nested, Message):
                continue
            nested_path = f"{path}.{number}" if path else str(number)
            headers = [f"{name}: {value}" for name in SCANNED_HEADERS for value in header_values(nested, name)]
            if headers:
                walk.parts.append(
                    Part(PartKind.TEXT, "forwarded.headers", "\n".join(headers), origin=f"part {nested_path}")
                )
            _walk(nested, nested_path, depth + 1, walk)
        return
    if part.is_multipart():
        children = part.get_payload()
        for number, child in enumerate(children if isinstance(children, list) else [], 1):
            _walk(child, f"{path}.{number}" if path else str(number), depth + 1, walk)
        return
    path = path or "1"
    filename = part.get_filename()
    disposition = part.get_content_disposition()
    if filename or disposition == "attachment":
        _attachment(part, path, clean_text(filename or f"part-{path}"), content_type, disposition, walk)
    elif content_type == "text/html":
        text, note = _decoded_text(part)
        walk.parts.append(
            Part(
                PartKind.HTML,
                "body.html",
                visible_text(text),
                origin=f"part {path}",
                raw=text,
                content_type=content_type,
            )
        )
        if note:
            walk.note(path, note)
    elif content_type.startswith("text/"):
        text, note = _decoded_text(part)
        walk.parts.append(Part(PartKind.TEXT, "body.text", text, origin=f"part {path}", content_type=content_type))
        if note:
            walk.note(path, note)
    elif content_type.startswith("image/") and (disposition == "inline" or part.get("Content-ID")):
        return  # an inline picture of the HTML body (logo, banner): part of the layout, not a document
    else:
        _attachment(part, path, f"part-{path}", content_type, disposition, walk)


def _attachment(part: Message, path: str, name: str, content_type: str, disposition: str | None, walk: _Walk) -> None:
    label = f"attachment:{name}"
    try:
        data = part.get_payload(decode=True) or b""
    except Exception as exc:
        walk.unreadable.append(UnreadableAttachment(label, f"could not decode ({type(exc).__name__})"))
        return
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_ATTACHMENT_BYTES:
        size = len(data) / 1024 / 1024
        limit = MAX_ATTACHMENT_BYTES // 1024 // 1024
        walk.unreadable.append(UnreadableAttachment(label, f"{size:.0f} MB is above the {limit} MB scanning limit"))
        return
    extracted = extract_text(name, data, content_type)
    walk.unreadable.extend(UnreadableAttachment(label, reason) for reason in extracted.unscanned)
    if extracted.text is None:
        walk.unreadable.append(UnreadableAttachment(label, extracted.reason or "unreadable"))
        return
    walk.parts.append(
        Part(
            PartKind.ATTACHMENT,
            label,
            extracted.text,
            origin=f"part {path}",
            raw=extracted.raw,
            filename=name,
            content_type=content_type,
        )
    )


def sender_domains_of(message: Message, envelope_from: str | None = None) -> frozenset[str]:
    values = header_values(message, "From") + header_values(message, "Sender")
    if envelope_from:
        values.append(envelope_from)
    return frozenset(a.rpartition("@")[2].lower() for _n, a in getaddresses(values) if "@" in a)


def addressee(message: Message) -> Recipient | None:
    """The one person a message is for (a single To address, no Cc): their own name and address in it are
    personalisation, exactly as for a campaign row."""
    to = [(n, a) for n, a in getaddresses(header_values(message, "To")) if "@" in a]
    if len(to) != 1 or header_values(message, "Cc"):
        return None
    name, address = to[0]
    name = name.strip()
    return Recipient(
        row=0, email=address.strip(), identity=name or address.strip().lower(), columns={"name": name} if name else {}
    )


def to_scan_message(message: Message, index: int = 0, source: str = "") -> ScanMessage:
    headers: list[tuple[str, str]] = []
    parts: list[Part] = []
    for name in SCANNED_HEADERS:
        for value in header_values(message, name):
            headers.append((name, value))
            kind = PartKind.SUBJECT if name == "Subject" else PartKind.HEADER
            parts.append(Part(kind, name, value, origin=name.lower()))
    for name in ("Date", "List-Id", "Message-ID"):
        headers.extend((name, value) for value in header_values(message, name))
    walk = _Walk()
    _walk(message, "", 0, walk)
    return ScanMessage(
        index=index,
        headers=headers,
        parts=parts + walk.parts,
        source=source,
        message_id=first_header(message, "Message-ID"),
        envelope_from=first_header(message, "From"),
        unreadable=walk.unreadable,
        notes=walk.notes,
        own_domains=sender_domains_of(message),
        recipient=addressee(message),
    )
