"""The upstream side of the relay: one smtplib transaction that runs alongside the client's.

The relay works as an SMTP proxy: the client's MAIL opens the upstream transaction, each RCPT is passed
to the upstream and its answer given back to the client for that recipient, and the end of DATA gets
the upstream's answer to the (scanned) message. So a recipient the upstream refuses (550, or 452 for a
full mailbox) is refused to the client for that recipient only, and the client bounces or retries that
copy: nothing is acknowledged that was not delivered. Upstream down or a timeout is 451 (the client keeps
the message and retries); an upstream 5xx is passed through (retrying cannot help).

Every method blocks (smtplib); the handler calls them on its relay threads, never on the event loop.
Upstream reply texts reach our client with addresses redacted and as one line of printable ASCII.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass

from dlp.redact import redact_address
from dlp.serve.config import RelayConfig

# ESMTP MAIL parameters passed on when the upstream offers them.
PASSED_MAIL_OPTIONS = {"BODY": "8bitmime", "SMTPUTF8": "smtputf8"}
_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


@dataclass(frozen=True)
class RelayResult:
    reply: str  # the SMTP reply line for our client
    action: str  # relayed | deferred | refused-upstream
    upstream_code: int | None = None  # the upstream's code (logged; its text may hold addresses, so it is not)
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.reply.startswith("2")


def clean_text(text: bytes | str, limit: int = 300) -> str:
    """An upstream reply text made safe to put in ours: addresses redacted, one line of printable ASCII."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = _ADDRESS.sub(lambda m: redact_address(m.group(0)), " ".join(text.split()))
    line = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in line)
    return line[:limit]


def _from_code(code: int, text: bytes | str, stage: str) -> RelayResult:
    if 500 <= code < 600:
        return RelayResult(f"{code} {clean_text(text)}", "refused-upstream", code)
    if 400 <= code < 500 and stage in ("MAIL", "RCPT"):  # a temporary refusal is the client's to retry
        return RelayResult(f"{code} {clean_text(text)}", "deferred", code)
    return RelayResult(f"451 4.4.0 upstream deferred the message at {stage}: {clean_text(text)}", "deferred", code)


class _Deferred(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


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


class Upstream:
    """One upstream transaction, opened by the client's MAIL and ended by its DATA, RSET or hang-up."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.recipients = 0
        self.refused = 0  # recipients the upstream refused (the client was told, per recipient)

    def open(self, mail_from: str, mail_options: Sequence[str] = ()) -> RelayResult:
        """Connect, authenticate and send MAIL FROM; the reply is the one for the client's MAIL."""
        try:
            self.smtp = _connect(self.config)
            self.smtp.ehlo_or_helo_if_needed()
            if self.config.user:
                self.smtp.login(self.config.user, self.config.password or "")
            options = []
            for option in mail_options:
                keyword = option.partition("=")[0].upper()
                if keyword in PASSED_MAIL_OPTIONS and self.smtp.has_extn(PASSED_MAIL_OPTIONS[keyword]):
                    options.append(option)
            code, text = self.smtp.mail(mail_from, options)
        except _Deferred as exc:
            self.close()
            return RelayResult(exc.reply, "deferred")
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            return RelayResult("451 4.7.0 the relay could not authenticate to the upstream", "deferred", exc.smtp_code)
        except smtplib.SMTPResponseException as exc:
            self.close()
            return _from_code(exc.smtp_code, exc.smtp_error, "connect")
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            self.close()
            return RelayResult(f"451 4.4.1 upstream unavailable ({type(exc).__name__}); try again later", "deferred")
        if code != 250:
            self.close()
            return _from_code(code, text, "MAIL")
        return RelayResult("250 2.1.0 sender ok", "open", code)

    def rcpt(self, address: str) -> RelayResult:
        """Pass one RCPT upstream: the client's recipient is accepted only if the upstream accepted it."""
        if self.smtp is None:
            return RelayResult("451 4.4.2 no upstream transaction; try again later", "deferred")
        try:
            code, text = self.smtp.rcpt(address)
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            self.close()
            return RelayResult(f"451 4.4.2 lost the upstream connection ({type(exc).__name__})", "deferred")
        if code in (250, 251):
            self.recipients += 1
            return RelayResult("250 2.1.5 recipient ok", "open", code)
        self.refused += 1
        return _from_code(code, text, "RCPT")

    def data(self, payload: bytes) -> RelayResult:
        """Send the scanned message; every recipient was accepted one by one, so one answer is for all."""
        started = time.perf_counter()
        result = self._data(payload)
        self.close()
        return RelayResult(result.reply, result.action, result.upstream_code, time.perf_counter() - started)

    def _data(self, payload: bytes) -> RelayResult:
        if self.smtp is None:
            return RelayResult("451 4.4.2 lost the upstream connection; try again later", "deferred")
        try:
            code, text = self.smtp.data(payload)
        except smtplib.SMTPResponseException as exc:
            return _from_code(exc.smtp_code, exc.smtp_error, "DATA")
        except (OSError, smtplib.SMTPException) as exc:
            return RelayResult(
                f"451 4.4.2 lost the upstream connection ({type(exc).__name__}); try again later", "deferred"
            )
        if code != 250:
            return _from_code(code, text, "DATA")
        return RelayResult("250 2.0.0 relayed", "relayed", code)

    def abort(self) -> None:
        """End the upstream transaction without a message (a block, a failed scan, RSET or hang-up)."""
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.rset()
        self.close()

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
