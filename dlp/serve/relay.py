"""Hand a scanned message to the upstream MTA (smtplib) and turn its answer into ours.

The client gets 250 only after the upstream accepted the message. Upstream down, a timeout or a 4xx
becomes 451 (the client keeps the message and retries); a 5xx from the upstream is passed through
(retrying cannot help, and the client must bounce it). A connection is opened per message: simple,
and one broken connection never takes other messages with it.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass

from dlp.serve.config import RelayConfig

# ESMTP MAIL parameters passed on when the upstream offers them; SIZE is computed by smtplib itself.
PASSED_MAIL_OPTIONS = {"BODY": "8bitmime", "SMTPUTF8": "smtputf8"}


@dataclass(frozen=True)
class RelayResult:
    reply: str  # the SMTP reply line for our client
    action: str  # relayed | deferred | refused-upstream
    upstream_code: int | None = None  # the upstream's code (logged; its text may hold addresses, so it is not)
    refused: int = 0  # recipients refused by the upstream although others were accepted
    seconds: float = 0.0


def clean_text(text: bytes | str, limit: int = 300) -> str:
    """An upstream reply text made safe to put in ours: one line of printable ASCII."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = " ".join(text.split())
    line = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in line)
    return line[:limit]


def _from_code(code: int, text: bytes | str, stage: str) -> RelayResult:
    if 500 <= code < 600:
        return RelayResult(f"{code} {clean_text(text)}", "refused-upstream", code)
    return RelayResult(f"451 4.4.0 upstream deferred the message at {stage}: {clean_text(text)}", "deferred", code)


def _connect(config: RelayConfig) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=str(config.cafile) if config.cafile else None)
    if config.tls == "tls":
        return smtplib.SMTP_SSL(
            config.host, config.port, local_hostname=config.helo, timeout=config.timeout, context=context
        )
    smtp = smtplib.SMTP(config.host, config.port, local_hostname=config.helo, timeout=config.timeout)
    if config.tls == "starttls":
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            smtp.close()
            raise _Deferred("451 4.7.0 upstream does not offer STARTTLS, which the relay requires")
        smtp.starttls(context=context)
        smtp.ehlo()
    return smtp


class _Deferred(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def relay_message(
    config: RelayConfig,
    mail_from: str,
    rcpt_tos: Sequence[str],
    data: bytes,
    mail_options: Sequence[str] = (),
) -> RelayResult:
    started = time.perf_counter()
    result = _relay(config, mail_from, list(rcpt_tos), data, mail_options)
    return RelayResult(result.reply, result.action, result.upstream_code, result.refused, time.perf_counter() - started)


def _relay(
    config: RelayConfig, mail_from: str, rcpt_tos: list[str], data: bytes, mail_options: Sequence[str]
) -> RelayResult:
    try:
        smtp = _connect(config)
    except _Deferred as exc:
        return RelayResult(exc.reply, "deferred")
    except (OSError, smtplib.SMTPException) as exc:
        return RelayResult(f"451 4.4.1 upstream unavailable ({type(exc).__name__}); try again later", "deferred")
    try:
        smtp.ehlo_or_helo_if_needed()
        if config.user:
            smtp.login(config.user, config.password or "")
        options = []
        for option in mail_options:
            keyword = option.partition("=")[0].upper()
            if keyword in PASSED_MAIL_OPTIONS and smtp.has_extn(PASSED_MAIL_OPTIONS[keyword]):
                options.append(option)
        refused = smtp.sendmail(mail_from, rcpt_tos, data, mail_options=options)
    except smtplib.SMTPAuthenticationError as exc:
        return RelayResult("451 4.7.0 the relay could not authenticate to the upstream", "deferred", exc.smtp_code)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        temporary = [c for c in codes if c < 500]
        if temporary or not codes:
            return RelayResult(
                "451 4.4.0 upstream deferred the recipients; try again later", "deferred", min(codes, default=None)
            )
        first = next(iter(exc.recipients.values()))
        return _from_code(first[0], first[1], "RCPT")
    except smtplib.SMTPSenderRefused as exc:
        return _from_code(exc.smtp_code, exc.smtp_error, "MAIL")
    except smtplib.SMTPDataError as exc:
        return _from_code(exc.smtp_code, exc.smtp_error, "DATA")
    except smtplib.SMTPResponseException as exc:
        return _from_code(exc.smtp_code, exc.smtp_error, "connect")
    except (OSError, smtplib.SMTPException) as exc:
        return RelayResult(
            f"451 4.4.2 lost the upstream connection ({type(exc).__name__}); try again later", "deferred"
        )
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    if refused:
        # The upstream took the message for some recipients: answering 4xx would make the client send it
        # again to those, so the message is acknowledged and the refusals are logged for the operator.
        return RelayResult("250 2.0.0 relayed (some recipients refused upstream)", "relayed", 250, len(refused))
    return RelayResult("250 2.0.0 relayed", "relayed", 250)
