"""An RFC 5322 message (stdlib `email`, policy=default) as a ScanMessage: headers, bodies, attachments.

Used by `dlp check`, `dlp serve`, `dlp.scan_message` and audits, so a message is read the same way
whichever door it came in by.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage, Message

from dlp.extract import extract_text
from dlp.htmltext import visible_text
from dlp.model import Part, PartKind, ScanMessage, UnreadableAttachment

SCANNED_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject")


def parse_bytes(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _decoded_text(part: Message) -> tuple[str, str | None]:
    """Text of a part and, if its charset was wrong or unknown, a note saying it was replaced."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset), None
    except (LookupError, UnicodeDecodeError) as exc:
        return payload.decode("utf-8", errors="replace"), f"charset {charset!r} could not decode the part ({exc})"


def _header_text(message: Message, name: str) -> list[str]:
    values = []
    for value in message.get_all(name, []) or []:
        try:
            values.append(str(value))
        except Exception:  # malformed encoded-words: keep what can be read
            values.append(
                str(value.encode("utf-8", "replace"), "utf-8", "replace") if isinstance(value, str) else repr(value)
            )
    return values


def to_scan_message(message: Message, index: int = 0, source: str = "") -> ScanMessage:
    headers: list[tuple[str, str]] = []
    parts: list[Part] = []
    for name in SCANNED_HEADERS:
        for value in _header_text(message, name):
            headers.append((name, value))
            kind = PartKind.SUBJECT if name == "Subject" else PartKind.HEADER
            parts.append(Part(kind, name, value, origin=name.lower()))
    notes: list[str] = []
    unreadable = []
    for number, part in enumerate(message.walk() if message.is_multipart() else [message]):
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        path = f"part[{number}]"
        if filename or disposition == "attachment":
            name = filename or f"{path}.bin"
            data = part.get_payload(decode=True) or b""
            extracted = extract_text(name, data, content_type)
            if extracted.text is None:
                unreadable.append((f"attachment:{name}", extracted.reason or "unreadable"))
                continue
            parts.append(
                Part(
                    PartKind.ATTACHMENT,
                    f"attachment:{name}",
                    extracted.text,
                    origin=path,
                    raw=extracted.raw,
                    filename=name,
                    content_type=content_type,
                )
            )
        elif content_type == "text/html":
            text, note = _decoded_text(part)
            parts.append(
                Part(PartKind.HTML, "body.html", visible_text(text), origin=path, raw=text, content_type=content_type)
            )
            if note:
                notes.append(note)
        elif content_type.startswith("text/"):
            text, note = _decoded_text(part)
            parts.append(Part(PartKind.TEXT, "body.text", text, origin=path, content_type=content_type))
            if note:
                notes.append(note)
    return ScanMessage(
        index=index,
        headers=headers,
        parts=parts,
        source=source,
        message_id=str(message.get("Message-ID", "") or "") or None,
        envelope_from=str(message.get("From", "") or "") or None,
        unreadable=[UnreadableAttachment(field, reason) for field, reason in unreadable],
        notes=notes,
    )
