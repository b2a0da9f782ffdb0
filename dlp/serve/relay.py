"""Hand a scanned message to the upstream smarthost with smtplib, and say what to answer the client.

The client is answered 250 only after the upstream said 250: until then the message is ours to lose.
Temporary trouble (upstream down, timeouts, 4xx, our own auth/TLS misconfiguration) becomes 451 so the
client keeps the message and retries; a permanent 5xx from upstream is passed through so the sender
gets the real reason.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from dlp.serve.config import ServeConfig


@dataclass(frozen=True)
class RelayOutcome:
    reply: str  # the SMTP reply line for our client
    delivered: bool
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)  # recipients upstream refused

    @property
    def code(self) -> int:
        return int(self.reply[:3])


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]


def _from_upstream(code: int, message: bytes | str, what: str) -> RelayOutcome:
    if 400 <= code < 500:
        return RelayOutcome(f"451 4.4.0 upstream {what} deferred: {code} {_text(message)}", False)
    if 500 <= code < 600:
        return RelayOutcome(f"{code} upstream {what} refused: {_text(message)}", False)
    return RelayOutcome(f"451 4.4.0 upstream {what} answered {code}: {_text(message)}", False)


def relay(
    config: ServeConfig,
    mail_from: str,
    rcpt_tos: Sequence[str],
    data: bytes,
    mail_options: Sequence[str] = (),
) -> RelayOutcome:
    try:
        with smtplib.SMTP(config.relay_host, config.relay_port, timeout=config.relay_timeout) as smtp:
            smtp.ehlo(config.hostname)
            if config.relay_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo(config.hostname)
            if config.relay_user:
                smtp.login(config.relay_user, config.relay_password or "")
            options = [
                opt
                for opt in mail_options
                if (opt.upper() == "SMTPUTF8" and smtp.has_extn("smtputf8"))
                or (opt.upper().startswith("BODY=") and smtp.has_extn("8bitmime"))
            ]
            refused = smtp.sendmail(mail_from, list(rcpt_tos), data, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        if any(400 <= code < 500 for code in codes):
            return RelayOutcome("451 4.4.0 upstream deferred the recipients; try again later", False)
        first = next(iter(exc.recipients.values()))
        return _from_upstream(first[0], first[1], "recipients")
    except smtplib.SMTPSenderRefused as exc:
        return _from_upstream(exc.smtp_code, exc.smtp_error, "sender")
    except smtplib.SMTPDataError as exc:
        return _from_upstream(exc.smtp_code, exc.smtp_error, "data")
    except smtplib.SMTPAuthenticationError as exc:
        return RelayOutcome(f"451 4.7.0 dlp could not log in to the upstream ({exc.smtp_code})", False)
    except smtplib.SMTPResponseException as exc:
        return _from_upstream(exc.smtp_code, exc.smtp_error, "server")
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return RelayOutcome(f"451 4.4.1 upstream unavailable ({type(exc).__name__}); try again later", False)
    return RelayOutcome("250 2.0.0 OK: scanned by dlp and relayed", True, dict(refused))
