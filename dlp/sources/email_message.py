"""An RFC 5322 message (stdlib `email`, policy=default) as a ScanMessage: headers, bodies, attachments.

Used by `dlp check`, `dlp serve`, `dlp.scan_message` and `dlp audit`, so a message is read the same way
whichever door it came in by. Real archives are messy, so the walk is defensive: every part gets an
IMAP-style path ("1.2") for the report, undecodable charsets are replaced and noted, forwarded messages
(message/rfc822) are walked inside, and pathological input (nesting hundreds deep, huge attachments) is
cut off with a note and an `unscanned-attachment` finding instead of a hang or a crash.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import quopri
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from dlp.extract import extract_text
from dlp.htmltext import HIDDEN_FIELD, hidden_text, visible_text
from dlp.model import Part, PartKind, Recipient, ScanMessage, UnreadableAttachment
from dlp.redact import redact_filename

SCANNED_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject")
MAX_DEPTH = 25  # MIME nesting levels walked; real mail rarely passes 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # text extraction above this is skipped and reported
MAX_PARTS = 500
FILE_NAME_FIELD = "attachment file name"
NOTES_ATTRIBUTE = "_dlp_parse_notes"  # notes the parser leaves on a message for `to_scan_message`
UNREADABLE_ATTRIBUTE = "_dlp_parse_unreadable"


# A MIME header (Content-Type, Content-Disposition) is parsed by the stdlib in time quadratic in its
# parameter count, and parsed again on every read: 100,000 `; p=v` parameters (1 MB) or an RFC 2231
# file name in 10,000 continuations took minutes. Real ones are well under a kilobyte (a long file name in
# RFC 2231 continuations a few); past MAX_MIME_HEADER characters only the parameters before it are read,
# and the walk says so for the part.
MAX_MIME_HEADER = 16 * 1024
_MIME_HEADERS = frozenset({"content-type", "content-disposition", "content-transfer-encoding"})


def _cut_parameters(value: str) -> str:
    head = value[:MAX_MIME_HEADER]
    return head[: head.rfind(";")] if ";" in head else head


class BoundedPolicy(email.policy.EmailPolicy):
    """policy.default, with MIME headers over MAX_MIME_HEADER cut to the parameters before that."""

    def header_fetch_parse(self, name, value):  # type: ignore[no-untyped-def]
        if len(value) > MAX_MIME_HEADER and name.lower() in _MIME_HEADERS:
            value = _cut_parameters(value)
        return super().header_fetch_parse(name, value)


BOUNDED = BoundedPolicy()


def parse_bytes(data: bytes) -> EmailMessage:
    """The message, never an exception: nesting too deep for the stdlib parser (it recurses once per
    level) falls back to the headers and the body as raw text, said on the message."""
    try:
        message = email.message_from_bytes(data, policy=BOUNDED)
    except RecursionError:
        return _flat(data)
    assert isinstance(message, EmailMessage)
    return message


def _flat(data: bytes) -> EmailMessage:
    head = BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
    body = head.get_payload()
    flat = EmailMessage()
    for key, value in head.items():
        if key.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            flat._headers.append((key, str(value)))  # raw, as received: parsed (or not) when read
    flat.set_content(body if isinstance(body, str) else str(body))
    reason = "MIME nesting too deep for the parser: the body was scanned as raw text, encoded parts not decoded"
    setattr(flat, UNREADABLE_ATTRIBUTE, [UnreadableAttachment("body", reason)])
    return flat


def clean_text(text: str) -> str:
    """Raw 8-bit bytes in headers come back as surrogates; make them printable (U+FFFD), never crash later."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded without the structured header parser (what compat32 would keep).
    decode_header is quadratic in the number of words (100,000 took 11 s): long values go in pieces cut
    at a space or after an encoded word's end (neither is inside one)."""
    if "=?" not in value:
        return value
    pieces, start = [], 0
    while start < len(value):
        cut = _PIECE_END.search(value, start + DECODE_PIECE)
        end = len(value) if cut is None else cut.end()
        pieces.append(_decode_piece(value[start:end]))
        start = end
    return "".join(pieces)


def _decode_piece(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # malformed encoded words: keep them as they are
        return value


# The stdlib's structured header parser is quadratic in a header's length (20,000 addresses in To: 4 s;
# 100,000 encoded words in a Subject ran out of 4 GB) and recursive in nested comments. Real headers are
# a few kilobytes; longer ones are read as raw text with their encoded words decoded, and said.
MAX_STRUCTURED_HEADER = 32 * 1024
DECODE_PIECE = 8 * 1024
MAX_COMMENT_DEPTH = 20
_PIECE_END = re.compile(r" |\?=")
_ADDRESS_HEADER_NAMES = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender", "resent-to", "resent-cc"})


def _shallow_comments(text: str) -> str:
    """Parentheses nested deeper than MAX_COMMENT_DEPTH become spaces (their text is kept): the address
    parsers recurse once per level, and 100,000 `(` in a To header was a RecursionError."""
    if text.count("(") <= MAX_COMMENT_DEPTH:
        return text
    out, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
            out.append(" " if depth > MAX_COMMENT_DEPTH else char)
        elif char == ")" and depth > 0:
            out.append(" " if depth > MAX_COMMENT_DEPTH else char)
            depth -= 1
        else:
            out.append(char)
    return "".join(out)


def _raw_items(message: Message) -> list[tuple[str, object]]:
    try:
        return list(message.raw_items())
    except AttributeError:  # a compat32 Message
        return list(message._headers)


def header_values(message: Message, name: str, notes: list[str] | None = None) -> list[str]:
    """Every value of a header, decoded. A value the stdlib's structured parser rejects (sendmail's
    `unlisted-recipients:; (no To-header on input)`, an encoded display name holding a line break) is
    read as raw text with its encoded words decoded, and said in `notes`, never raised."""
    values = []
    lname = name.lower()
    for key, value in _raw_items(message):
        if key.lower() != lname:
            continue
        raw = str(value)
        if len(raw) > MAX_STRUCTURED_HEADER:
            text = _decode_words(raw)
            if notes is not None:
                notes.append(f"header {key}: {len(raw):,} characters, read as raw text (too long to parse)")
        else:
            text = _parsed_header(message, key, value, notes)
        text = clean_text(text)
        if "\n" in text or "\r" in text:
            text = " ".join(text.split())
        if lname in _ADDRESS_HEADER_NAMES:
            text = _shallow_comments(text)
        values.append(text)
    return values


def _parsed_header(message: Message, key: str, value: object, notes: list[str] | None) -> str:
    try:
        text = str(message.policy.header_fetch_parse(key, value))
    except Exception as exc:
        if notes is not None:
            why = type(exc).__name__
            notes.append(f"header {key}: the standard library could not parse it ({why}); read as raw text")
        return _decode_words(str(value))
    if not isinstance(message.policy, email.policy.EmailPolicy):  # compat32 keeps encoded words
        return _decode_words(text)
    return text


def first_header(message: Message, name: str) -> str | None:
    values = header_values(message, name)
    return values[0] if values else None


def _safe(part: Message, method: str, *args, default=None):
    """`part.method(*args)`, or the same on a compat32 copy of its headers when the structured parser
    raises (a broken Content-Type or Content-Disposition parameter)."""
    try:
        return getattr(part, method)(*args)
    except Exception:
        shadow = Message()
        for key, value in _raw_items(part):
            shadow._headers.append((key, str(value)))
        try:
            return getattr(shadow, method)(*args)
        except Exception:
            return default


def _base64_payload(part: Message) -> tuple[bytes, str] | None:
    """A malformed base64 part decoded as far as it goes, with a note; None when it is not base64 or is
    well formed. (On malformed input the stdlib hands back the encoded text itself, silently.)"""
    if str(_safe(part, "get", "content-transfer-encoding", default="") or "").strip().lower() != "base64":
        return None
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    raw = payload.encode("ascii", "replace")
    try:
        binascii.a2b_base64(b"".join(raw.split()), strict_mode=True)
        return None
    except (binascii.Error, ValueError) as exc:
        problem = str(exc).rstrip(".")
    alphabet = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
    alphabet = alphabet[: len(alphabet) - len(alphabet) % 4]
    return binascii.a2b_base64(alphabet), f"malformed base64 ({problem}); decoded as far as it goes"


def _decoded_text(part: Message) -> tuple[str, str | None]:
    """Text of a part and, if its charset was wrong or unknown, a note saying it was replaced."""
    lenient = _base64_payload(part)
    notes = []
    if lenient is not None:
        payload, note = lenient
        notes.append(note)
    else:
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception as exc:  # broken transfer encoding
            why = f"transfer encoding could not be decoded ({type(exc).__name__})"
            return clean_text(str(part.get_payload())), why
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    charset = _safe(part, "get_content_charset") or "utf-8"
    try:
        text = payload.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        reason = "unknown charset" if isinstance(exc, LookupError) else "bytes not valid in that charset"
        text = payload.decode("utf-8", errors="replace")
        notes.append(f"charset {charset!r}: {reason}; undecodable bytes replaced")
    return text, "; ".join(notes) or None


def _junk(text: str) -> bool:
    """Decoded 'text' that is mostly replacement or control characters: binary, not something to read."""
    if not text:
        return False
    bad = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return bad > len(text) // 10


@dataclass
class _Walk:
    parts: list[Part] = field(default_factory=list)
    unreadable: list[UnreadableAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    header_notes: list[str] = field(default_factory=list)
    count: int = 0
    content_seen: bool = False  # some leaf part had a payload (even one not scanned, like an inline logo)
    outlook_levels: int = 0  # attached Outlook messages being walked, one inside another

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
    if part.policy is email.policy.default:  # a message parsed by the caller (dlp.api): same, bounded
        part.policy = BOUNDED
    for key, value in _raw_items(part):
        if key.lower() in _MIME_HEADERS and len(str(value)) > MAX_MIME_HEADER:
            walk.note(path, f"{key} header of {len(str(value)):,} characters: only its first {MAX_MIME_HEADER:,} read")
    content_type = _safe(part, "get_content_type", default="text/plain")
    for defect in getattr(part, "defects", []) or []:
        walk.note(path, f"MIME defect: {type(defect).__name__}")
    if content_type == "message/rfc822" or (part.is_multipart() and content_type.startswith("message/")):
        inner = part.get_payload()
        inner_messages = inner if isinstance(inner, list) else [inner]
        encoded = _encoded_message(part, inner_messages)
        if encoded is not None:
            inner_messages = [encoded]
            walk.note(path, "a forwarded message in a transfer encoding (RFC 2046 forbids it) was decoded and read")
        for number, nested in enumerate(inner_messages, 1):
            if not isinstance(nested, Message):
                continue
            nested_path = f"{path}.{number}" if path else str(number)
            headers = [
                f"{name}: {value}"
                for name in SCANNED_HEADERS
                for value in header_values(nested, name, walk.header_notes)
            ]
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
    try:
        payload = part.get_payload()
        walk.content_seen = walk.content_seen or bool(isinstance(payload, str | bytes) and payload.strip())
        _leaf(part, path, content_type, walk)
    except Exception as exc:  # whatever the stdlib still raises on one odd part ends as that part, listed
        walk.unreadable.append(UnreadableAttachment(f"part {path}", f"could not be read ({type(exc).__name__})"))


def _encoded_message(part: Message, inner: list) -> Message | None:
    """A message/rfc822 part sent in base64 or quoted-printable (Outlook and some list servers do): the
    stdlib parses the encoded text as if it were the message, so its headers and body would be scanned as
    base64 junk and the forwarded message never read. Decoded and parsed here instead."""
    cte = str(_safe(part, "get", "content-transfer-encoding", default="") or "").strip().lower()
    if cte not in ("base64", "quoted-printable") or len(inner) != 1 or not isinstance(inner[0], Message):
        return None
    try:
        raw = inner[0].as_bytes(policy=email.policy.compat32)
    except Exception:
        return None
    if cte == "base64":
        alphabet = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        decoded = binascii.a2b_base64(alphabet[: len(alphabet) - len(alphabet) % 4])
    else:
        decoded = quopri.decodestring(raw)
    return parse_bytes(decoded)


def _leaf(part: Message, path: str, content_type: str, walk: _Walk) -> None:
    filename = _safe(part, "get_filename")
    disposition = _safe(part, "get_content_disposition")
    if filename or disposition == "attachment":
        _attachment(part, path, clean_text(filename or f"part-{path}"), content_type, disposition, walk)
    elif content_type.startswith("text/") and _text_is_junk(part, path, walk):
        return
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
        hidden = hidden_text(text)
        if hidden:  # comments, hidden inputs: not shown, but sent to every recipient all the same
            hidden_part = Part(PartKind.TEXT, HIDDEN_FIELD, hidden, origin=f"part {path}", content_type=content_type)
            walk.parts.append(hidden_part)
        if note:
            walk.note(path, note)
    elif content_type.startswith("text/"):
        text, note = _decoded_text(part)
        walk.parts.append(Part(PartKind.TEXT, "body.text", text, origin=f"part {path}", content_type=content_type))
        if note:
            walk.note(path, note)
    elif content_type.startswith("image/") and (disposition == "inline" or _safe(part, "get", "Content-ID")):
        return  # an inline picture of the HTML body (logo, banner): part of the layout, not a document
    else:
        _attachment(part, path, f"part-{path}", content_type, disposition, walk)


def _text_is_junk(part: Message, path: str, walk: _Walk) -> bool:
    """A text part in malformed base64 that decodes to binary junk is listed, not scanned as text."""
    if _base64_payload(part) is None:
        return False
    text, _note = _decoded_text(part)
    if _junk(text):
        reason = "text part in malformed base64 that decodes to binary data: not scanned"
        walk.unreadable.append(UnreadableAttachment(f"part {path}", reason))
        return True
    return False


def _attachment(part: Message, path: str, name: str, content_type: str, disposition: str | None, walk: _Walk) -> None:
    # A sender's file name carries names and numbers (Anna_Rossi_SSN_536-22-8451.pdf): the label shown in
    # reports is redacted; Part.filename keeps the real one for choosing the extractor.
    label = f"attachment:{name if name == f'part-{path}' else redact_filename(name)}"
    if name != f"part-{path}":  # the file name is sent too (`Carol_Jones_SSN_536-22-8451.pdf`): scanned as text
        # Underscores joining words (a word character to every pattern) read as the spaces they stand for.
        walk.parts.append(Part(PartKind.HEADER, FILE_NAME_FIELD, name.replace("_", " "), origin=f"part {path}"))
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
    if data.startswith(_OLE_MAGIC) and _outlook_attachment(data, path, walk):
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


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OUTLOOK_LEVELS = 3  # .msg inside .msg inside .msg: deeper ones are listed unscanned


def _outlook_attachment(data: bytes, path: str, walk: _Walk) -> bool:
    """An Outlook message attached to a mail (Outlook's "forward as attachment"), read with extract-msg and
    walked like a forwarded message/rfc822 part; False when it is another OLE file (a .doc, an .xls)."""
    from dlp.sources.outlook import OutlookError, outlook_to_bytes

    if path.count(".") >= MAX_DEPTH or walk.outlook_levels >= _OUTLOOK_LEVELS:
        return False
    try:
        converted, note = outlook_to_bytes(data)
    except OutlookError:
        return False
    nested = parse_bytes(converted)
    nested_path = f"{path}.1"
    headers = [f"{name}: {value}" for name in SCANNED_HEADERS for value in header_values(nested, name)]
    if headers:
        walk.parts.append(Part(PartKind.TEXT, "forwarded.headers", "\n".join(headers), origin=f"part {nested_path}"))
    walk.note(path, f"an attached Outlook message was read with extract-msg{f' ({note})' if note else ''}")
    walk.outlook_levels += 1
    try:
        _walk(nested, nested_path, path.count(".") + 1, walk)
    finally:
        walk.outlook_levels -= 1
    return True


def sender_domains_of(message: Message, envelope_from: str | None = None) -> frozenset[str]:
    # From only: a Sender header (or anything else the author writes) on the recipients' domain must not
    # make those recipients "internal"; shared providers and public suffixes are filtered in is_internal.
    values = header_values(message, "From")
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


def _raw_body(message: Message, walk: _Walk) -> None:
    """When the MIME structure gives no text at all (boundaries the parser cannot match), the body as
    written is scanned rather than nothing: whatever text it holds is still read."""
    try:
        generated = message.as_bytes(policy=email.policy.compat32)
    except Exception:
        return
    body = generated.partition(b"\n\n")[2] if b"\n\n" in generated else b""
    text = clean_text(body.decode("utf-8", "surrogateescape"))
    if text.strip():
        walk.parts.append(Part(PartKind.TEXT, "body.raw", text, origin="body"))
        walk.notes.append("the MIME structure gave no text part; the body was scanned as written")


def to_scan_message(message: Message, index: int = 0, source: str = "") -> ScanMessage:
    headers: list[tuple[str, str]] = []
    parts: list[Part] = []
    walk = _Walk()
    walk.notes.extend(getattr(message, NOTES_ATTRIBUTE, []))
    walk.unreadable.extend(getattr(message, UNREADABLE_ATTRIBUTE, []))
    for name in SCANNED_HEADERS:
        for value in header_values(message, name, walk.header_notes):
            headers.append((name, value))
            kind = PartKind.SUBJECT if name == "Subject" else PartKind.HEADER
            parts.append(Part(kind, name, value, origin=name.lower()))
    for name in ("Date", "List-Id", "List-Post", "Sender", "Message-ID"):  # List-Post, Sender: list posts
        headers.extend((name, value) for value in header_values(message, name, walk.header_notes))
    try:
        _walk(message, "", 0, walk)
    except Exception as exc:  # a structure the walk did not foresee: the headers are kept, the body is listed
        reason = f"MIME structure could not be walked ({type(exc).__name__})"
        walk.unreadable.append(UnreadableAttachment("body", reason))
    if not walk.content_seen and not walk.unreadable:
        _raw_body(message, walk)
    return ScanMessage(
        index=index,
        headers=headers,
        parts=parts + walk.parts,
        source=source,
        message_id=first_header(message, "Message-ID"),
        envelope_from=first_header(message, "From"),
        unreadable=walk.unreadable,
        notes=list(dict.fromkeys(walk.header_notes)) + walk.notes,
        own_domains=sender_domains_of(message),
        recipient=addressee(message),
    )
