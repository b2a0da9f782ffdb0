"""Outlook `.msg` files (OLE compound documents) as RFC 5322 bytes, through `extract-msg`.

`extract-msg` rebuilds the message as an `EmailMessage` (transport headers, plain and HTML bodies,
attachments, embedded .msg attachments as message/rfc822), which is then walked like any other mail.
When that conversion fails on an odd attachment, the headers and bodies are kept and the failure is
said, rather than losing the whole message.
"""

from __future__ import annotations

import contextlib
import logging
from email.message import EmailMessage

from dlp.sources.email_message import clean_text


class OutlookError(Exception):
    """The file is an OLE document but not a readable Outlook message."""


_FIELDS = (("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Subject", "subject"))


def _fill_headers(out: EmailMessage, msg) -> None:
    """The sender, recipients and subject from the message's properties, where the transport headers
    (kept only for received mail) do not have them."""
    for name, attribute in _FIELDS:
        if out.get(name) is not None and str(out.get(name)).strip():
            continue
        value = getattr(msg, attribute, None)
        if not value:
            continue
        text = clean_text(" ".join(str(value).replace("\x00", " ").split()))
        del out[name]
        try:
            out[name] = text
        except (ValueError, TypeError):
            out[f"X-Unparsed-{name}"] = text


def _minimal(msg) -> EmailMessage:
    """Headers and bodies only, for a message whose attachments could not be converted."""
    out = EmailMessage()
    _fill_headers(out, msg)
    body = getattr(msg, "body", None) or ""
    out.set_content(clean_text(str(body)))
    html = getattr(msg, "htmlBody", None)
    if html:
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
        out.add_alternative(clean_text(text), subtype="html")
    return out


def outlook_to_bytes(data: bytes) -> tuple[bytes, str | None]:
    """The message as RFC 5322 bytes and, when something had to be left out, a note saying what."""
    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    try:
        msg = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:
        # extract-msg's own words (FileNotFoundError for a missing stream, OLE errors for a cut file) mean
        # little to a user: the file starts like an Office file and is not a whole Outlook message.
        why = "truncated or damaged" if isinstance(exc, OSError | EOFError | IndexError | ValueError) else "damaged"
        raise OutlookError(
            f"not a readable Outlook message: an OLE (Office) file, {why} or of another kind ({type(exc).__name__})"
        ) from None
    try:
        if not hasattr(msg, "asEmailMessage"):
            kind = type(msg).__name__
            converted = _minimal(msg)
            return converted.as_bytes(), f"Outlook item of type {kind}: read its fields and text only"
        try:
            converted = msg.asEmailMessage()
            _fill_headers(converted, msg)
            return converted.as_bytes(), None
        except Exception as exc:
            converted = _minimal(msg)
            note = f"Outlook attachments could not be converted ({type(exc).__name__}); headers and text read"
            return converted.as_bytes(), note
    finally:
        with contextlib.suppress(Exception):
            msg.close()
