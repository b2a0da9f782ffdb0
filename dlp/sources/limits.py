"""Budgets for reading mail: how much one message, one line and one compressed file may cost.

They bound memory whatever the input (a gzip bomb, a 1 GB line, a mailbox with no separators), so one bad
file ends as an `unreadable` entry with its reason and the rest of an audit goes on. Each is a setting
with a safe default, read from the environment once per reader:

| variable | default | what |
|---|---|---|
| `DLP_MAX_MESSAGE_MB` | 100 | one message (raw bytes); a larger one is listed as unreadable, not scanned |
| `DLP_MAX_INFLATED_MB` | 1024 | bytes a compressed file may inflate to before it is treated as a bomb ... |
| `DLP_MAX_INFLATE_RATIO` | 100 | ... unless the file is big enough that ratio x its size is larger |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024
PIECE = 1 * MB  # inflate and split in pieces of this size: a line longer than this arrives in pieces


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 100 * MB
    max_inflated_bytes: int = 1024 * MB
    max_inflate_ratio: int = 100

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_message_bytes=_env_int("DLP_MAX_MESSAGE_MB", 100) * MB,
            max_inflated_bytes=_env_int("DLP_MAX_INFLATED_MB", 1024) * MB,
            max_inflate_ratio=_env_int("DLP_MAX_INFLATE_RATIO", 100),
        )

    def inflate_cap(self, compressed_size: int | None) -> int:
        """Inflated bytes allowed for one compressed file: a real 2 GB mbox.gz may inflate to 20 GB, a 3 MB
        bomb may not inflate to 3 GB."""
        return max(self.max_inflated_bytes, self.max_inflate_ratio * (compressed_size or 0))

    @property
    def message_mb(self) -> int:
        return self.max_message_bytes // MB
