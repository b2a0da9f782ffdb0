"""Redaction and keyed fingerprints: the two ways a personal value may appear in output.

Redaction keeps just enough shape for a human to recognise which value is meant (first character,
length class, domain of an address) and never enough to recover it. Fingerprints are HMAC-SHA256 with a
secret key: a plain hash of a 9-digit SSN is brute-forced in seconds, a keyed one is not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_ENV = "DLP_FINGERPRINT_KEY"
KEY_FILE_ENV = "DLP_FINGERPRINT_KEY_FILE"


def redact_address(address: str) -> str:
    """`anna.smith@example.org` -> `a***@example.org`: the domain is what tells a reviewer most."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return redact_value(address)
    return f"{local[:1]}***@{domain}" if local else f"***@{domain}"


def redact_value(value: str, entity_type: str | None = None) -> str:
    """Mask a value, keeping its kind recognisable: `4111 1111 1111 1111` -> `4*** **** **** **11`."""
    value = value.strip()
    if entity_type == "EMAIL_ADDRESS" or ("@" in value and " " not in value):
        return redact_address(value)
    if len(value) <= 3:
        return "***"
    digits = sum(ch.isdigit() for ch in value)
    if digits >= max(4, len(value) // 2):
        # Numbers: keep the first and last digit shape only for long ones.
        keep_tail = 2 if digits >= 10 else 0
        out = []
        seen = 0
        for ch in value:
            if ch.isdigit():
                seen += 1
                out.append(ch if seen == 1 or seen > digits - keep_tail else "*")
            else:
                out.append(ch)
        return "".join(out)
    words = value.split()
    return " ".join(w[:1] + "*" * min(max(len(w) - 1, 2), 6) for w in words)


def _load_key() -> bytes:
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    key_path = Path(os.environ.get(KEY_FILE_ENV) or Path.home() / ".config" / "dlp" / "fingerprint.key")
    try:
        return key_path.read_bytes().strip()
    except OSError:
        pass
    key = secrets.token_hex(32).encode()
    try:
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:
        return key_path.read_bytes().strip()
    except OSError:
        # Read-only home: fingerprints stay stable within this run only; better than failing a scan.
        pass
    return key


_KEY: bytes | None = None


def fingerprint(rule: str, value: str | None, where: str) -> str:
    """Stable id of a finding: the rule, a keyed hash of the value and where in the template it arises.

    Line numbers are deliberately not part of it, so a baseline survives edits above the finding and
    a new value on an old line gets a new fingerprint.
    """
    global _KEY
    if _KEY is None:
        _KEY = _load_key()
    normalised = " ".join((value or "").lower().split())
    digest = hmac.new(_KEY, f"{rule}\x00{normalised}\x00{where}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
