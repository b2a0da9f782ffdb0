"""The aiosmtpd handler: proxy the envelope upstream, scan at end of DATA, then reject, relay or defer.

Nothing is acknowledged before it is safe. MAIL and each RCPT are answered with the upstream's own
answer (so a recipient the upstream refuses is refused to the client, for that recipient only); the end
of DATA gets 550 5.7.1 for a block (nothing relayed), 451 when the scan or the upstream failed (the
client keeps the message), and 250 only after the upstream accepted the message. One JSON log line per
message, without addresses, subjects or values.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from dlp.serve.config import ServeConfig
from dlp.serve.headers import verdict_value, with_verdict_header
from dlp.serve.pool import ScannerPool
from dlp.serve.relay import RelayResult, Upstream
from dlp.serve.scanning import ScanOutcome

REJECT_RULES_LIMIT = 5


class JsonLog:
    """One JSON object per line; the fields are counts, codes, rule ids and timings, never addresses,
    subjects or matched values."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, event: str, level: str = "info", **fields: Any) -> None:
        record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": level, "event": event}
        record.update(fields)
        self.stream.write(json.dumps(record, sort_keys=False) + "\n")
        self.stream.flush()


def reject_reply(outcome: ScanOutcome, queue_id: str) -> str:
    rules = list(outcome.block_rules)
    shown = ", ".join(rules[:REJECT_RULES_LIMIT]) + (", …" if len(rules) > REJECT_RULES_LIMIT else "")
    return f"550 5.7.1 dlp blocked this message [{shown}]: {outcome.reason} (id {queue_id})"


def _control_character(address: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in address)


def _address_problem(address: str, smtputf8: bool, what: str, code: str) -> str | None:
    """Why an envelope address is refused, or None. Bytes that are not UTF-8 (a Latin-1 `jörg@`) and
    non-ASCII without SMTPUTF8 (RFC 6531) are refused here with a permanent reply: relayed, they failed
    upstream as a 451 the client would retry for days."""
    if _control_character(address):
        return f"501 {code} bad {what} address: it contains a NUL or another control character"
    if address.isascii():
        return None
    try:
        address.encode("utf-8")
    except UnicodeEncodeError:
        return f"501 {code} bad {what} address: it is not valid UTF-8"
    if not smtputf8:
        return f"553 5.6.7 non-ASCII {what} address without SMTPUTF8 (RFC 6531)"
    return None


class DLPHandler:
    def __init__(
        self,
        config: ServeConfig,
        scanners: ScannerPool,
        relay_pool: concurrent.futures.Executor,
        log: JsonLog,
    ) -> None:
        self.config = config
        self.scanners = scanners
        self.relay_pool = relay_pool
        self.log = log
        self.inflight = 0  # messages between end of DATA and our reply, so shutdown can wait for them

    # -- the upstream transaction, one per client transaction -------------------------------------------

    async def _upstream(self, session: Any, call: Callable[..., Any], *args: Any) -> Any:
        """Run one blocking upstream step on a relay thread, in order with the session's other steps."""
        future = self.relay_pool.submit(call, *args)  # not cancelled with our coroutine if the client hangs up
        session.dlp_pending = future
        return await asyncio.wrap_future(future)

    def end_upstream(self, session: Any) -> None:
        """Abort the session's upstream transaction, if any, once its running step (if any) is done."""
        upstream: Upstream | None = getattr(session, "dlp_upstream", None)
        session.dlp_upstream = None
        if upstream is None:
            return
        pending: concurrent.futures.Future | None = getattr(session, "dlp_pending", None)
        if pending is not None and not pending.done():
            pending.add_done_callback(lambda _f: self.relay_pool.submit(upstream.abort))  # after its step
        else:
            self.relay_pool.submit(upstream.abort)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list) -> str:
        problem = _address_problem(address, bool(getattr(envelope, "smtp_utf8", False)), "sender", "5.1.7")
        if problem:
            return problem
        self.end_upstream(session)  # a transaction the client abandoned with EHLO
        upstream = Upstream(self.config.relay)
        session.dlp_upstream = upstream
        result: RelayResult = await self._upstream(session, upstream.open, address, mail_options)
        if not result.accepted:
            session.dlp_upstream = None
            return result.reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return result.reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        problem = _address_problem(address, bool(getattr(envelope, "smtp_utf8", False)), "recipient", "5.1.3")
        if problem:
            return problem
        upstream: Upstream | None = getattr(session, "dlp_upstream", None)
        if upstream is None:
            return "451 4.4.2 lost the upstream connection; start the transaction again"
        result: RelayResult = await self._upstream(session, upstream.rcpt, address)
        if result.accepted:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return result.reply

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:
        self.end_upstream(session)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.end_upstream(session)
        return "221 Bye"

    async def handle_exception(self, error: Exception) -> str:
        """A bug in a hook: 451 so the client keeps the message; the exception's text (which can hold an
        address) goes neither to the client nor to the log."""
        if os.environ.get("DLP_DEBUG"):
            traceback.print_exception(error, file=sys.stderr)
        self.log.write("internal-error", level="error", error=type(error).__name__)
        return "451 4.3.0 dlp serve internal error; try again later"

    # -- the message --------------------------------------------------------------------------------------

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if hasattr(server, "message_received"):
            server.message_received()
        self.inflight += 1
        try:
            return await self._handle(session, envelope)
        finally:
            self.inflight -= 1
            session.dlp_relaying = False
            self.end_upstream(session)

    async def _handle(self, session: Any, envelope: Any) -> str:
        started = time.perf_counter()
        queue_id = uuid.uuid4().hex[:12]
        data: bytes = envelope.original_content or envelope.content or b""
        if isinstance(data, str):  # only if someone builds the server with decode_data=True
            data = data.encode("utf-8", "surrogateescape")
        rcpt_tos = list(envelope.rcpt_tos)
        mail_from = envelope.mail_from or ""
        fields: dict[str, Any] = {
            "id": queue_id,
            "peer": session.peer[0] if session.peer else None,
            "size": len(data),
            "recipients": len(rcpt_tos),
        }
        upstream: Upstream | None = getattr(session, "dlp_upstream", None)
        if upstream is not None and upstream.refused:
            fields["upstream_refused_recipients"] = upstream.refused
        outcome: ScanOutcome | None = None
        try:
            outcome = await self.scanners.scan(data, mail_from, tuple(rcpt_tos))
        except Exception as exc:  # a timeout, a dead scanner, a scan error: no verdict is no verdict
            if os.environ.get("DLP_DEBUG"):
                traceback.print_exc(file=sys.stderr)
            fields["error"] = type(exc).__name__
            fields["detail"] = str(exc)[:120]
            if not self.config.fail_open:
                reply = f"451 4.3.0 dlp could not scan the message; try again later (id {queue_id})"
                self._done("deferred", reply, started, verdict="error", **fields)
                return reply
            self.log.write(
                "fail-open",
                level="error",
                msg="SCAN FAILED: relaying the message UNSCANNED because --fail-open is set",
                **fields,
            )
        if outcome is not None:
            fields.update(
                verdict=outcome.verdict,
                rules=list(outcome.rules),
                findings=outcome.counts,
                scan_ms=round(outcome.seconds * 1000, 1),
            )
            if outcome.verdict == "block":
                reply = reject_reply(outcome, queue_id)
                self._done("rejected", reply, started, **fields)
                return reply
            header = verdict_value(outcome.verdict, outcome.rules)
        else:
            fields["verdict"] = "unscanned"
            header = "unscanned; scan-error"
        upstream = getattr(session, "dlp_upstream", None)  # still open (no RSET or hang-up meanwhile)?
        if upstream is None:
            result = RelayResult("451 4.4.2 lost the upstream connection; try again later", "deferred")
        else:
            session.dlp_relaying = True
            try:
                result = await self._upstream(session, upstream.data, with_verdict_header(data, header))
            except Exception as exc:  # a bug in the relay path must still leave the message with the client
                result = RelayResult(f"451 4.3.0 relay failed ({type(exc).__name__}); try again later", "deferred")
        fields.update(upstream_code=result.upstream_code, relay_ms=round(result.seconds * 1000, 1))
        reply = result.reply
        if result.action == "relayed":
            reply = f"{reply} (id {queue_id})"
        self._done(result.action, reply, started, **fields)
        return reply

    def _done(self, action: str, reply: str, started: float, level: str = "info", **fields: Any) -> None:
        self.log.write(
            "message",
            level=level,
            action=action,
            reply_code=int(reply[:3]),
            total_ms=round((time.perf_counter() - started) * 1000, 1),
            **fields,
        )
