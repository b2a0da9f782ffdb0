"""The aiosmtpd handler: scan at end of DATA, then reject, relay or defer, and log one line per message.

Nothing is acknowledged before it is safe: 250 only after the upstream accepted, 550 5.7.1 for a block
(nothing relayed), 451 when the scan or the upstream failed, so the client keeps the message.
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
from datetime import UTC, datetime
from typing import Any, TextIO

from dlp.serve.config import ServeConfig
from dlp.serve.headers import verdict_value, with_verdict_header
from dlp.serve.relay import RelayResult, clean_text, relay_message
from dlp.serve.scanning import ScanOutcome, scan_bytes

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
    reason = clean_text(outcome.reason, limit=200)
    return f"550 5.7.1 dlp blocked this message [{shown}]: {reason} (id {queue_id})"


class DLPHandler:
    def __init__(
        self,
        config: ServeConfig,
        scan_pool: concurrent.futures.Executor,
        relay_pool: concurrent.futures.Executor,
        log: JsonLog,
    ) -> None:
        self.config = config
        self.scan_pool = scan_pool
        self.relay_pool = relay_pool
        self.log = log
        self.inflight = 0  # messages between end of DATA and our reply, so shutdown can wait for them

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.inflight += 1
        try:
            return await self._handle(session, envelope)
        finally:
            self.inflight -= 1

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
        loop = asyncio.get_running_loop()
        outcome: ScanOutcome | None = None
        try:
            outcome = await asyncio.wait_for(
                loop.run_in_executor(self.scan_pool, scan_bytes, data, mail_from, tuple(rcpt_tos)),
                timeout=self.config.scan_timeout,
            )
        except Exception as exc:  # includes TimeoutError: no verdict in time is no verdict
            if os.environ.get("DLP_DEBUG"):
                traceback.print_exc(file=sys.stderr)
            fields["error"] = type(exc).__name__
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
        payload = with_verdict_header(data, header)
        try:
            result: RelayResult = await loop.run_in_executor(
                self.relay_pool, relay_message, self.config.relay, mail_from, rcpt_tos, payload, envelope.mail_options
            )
        except Exception as exc:  # a bug in the relay path must still leave the message with the client
            result = RelayResult(f"451 4.3.0 relay failed ({type(exc).__name__}); try again later", "deferred")
        fields.update(upstream_code=result.upstream_code, relay_ms=round(result.seconds * 1000, 1))
        if result.refused:
            fields["upstream_refused_recipients"] = result.refused
        reply = result.reply
        if result.action == "relayed":
            reply = f"{reply} (id {queue_id})"
        self._done(result.action, reply, started, level="warning" if result.refused else "info", **fields)
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
