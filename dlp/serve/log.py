"""One structured JSON line per message on stderr: what an operator greps and a log shipper parses.

Only verdicts, rule ids, counts, sizes and timings: never an address, a subject or a found value.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, TextIO

_lock = threading.Lock()


def log_event(event: str, stream: TextIO | None = None, **fields: Any) -> None:
    record = {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "event": event, **fields}
    line = json.dumps(record, ensure_ascii=True, sort_keys=False)
    with _lock:
        out = stream or sys.stderr
        out.write(line + "\n")
        out.flush()
