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

from dlp.errors import InputError

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


MIN_KEY_LENGTH = 16  # characters; the generated key has 64 hex characters


class FingerprintKeyError(InputError):
    """A fingerprint key that would make fingerprints guessable or cannot be read: exit 2, naming where."""


def default_key_path() -> Path:
    return Path(os.environ.get(KEY_FILE_ENV) or Path.home() / ".config" / "dlp" / "fingerprint.key")


def _checked(key: bytes, where: str, path: Path | None = None) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        what = "is empty" if not key else f"has only {len(key)} characters"
        fix = (
            f"delete it to have dlp create a new random key, or write one: openssl rand -hex 32 > {path}"
            if path is not None
            else "use a long random value, e.g. the output of: openssl rand -hex 32"
        )
        # An empty or short HMAC key makes a fingerprint of an SSN as easy to brute-force as a plain hash.
        raise FingerprintKeyError(
            f"the fingerprint key {where} {what}; a key needs at least {MIN_KEY_LENGTH} characters: {fix}",
            path=path,
        )
    return key


def _load_key() -> tuple[bytes, str | None]:
    """The HMAC key and, when it could not be kept, a warning that fingerprints change between runs."""
    env = os.environ.get(KEY_ENV)
    if env:
        return _checked(env.encode(), f"in {KEY_ENV}"), None
    key_path = default_key_path()
    try:
        return _checked(key_path.read_bytes().strip(), "file", key_path), None
    except (FileNotFoundError, NotADirectoryError):
        pass  # no key yet: create one below
    except OSError as exc:
        raise FingerprintKeyError(
            f"cannot read the fingerprint key file ({exc.strerror or exc}); make it a file this user can read, "
            f"or set {KEY_ENV} or {KEY_FILE_ENV}",
            path=key_path,
        ) from None
    key = secrets.token_hex(32).encode()
    try:
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:
        # Another dlp process created it a moment ago: use theirs, so both agree.
        return _checked(key_path.read_bytes().strip(), "file", key_path), None
    except OSError as exc:
        # Read-only home: scan anyway, but say that baselines and allowlisted fingerprints will not match.
        return key, (
            f"fingerprints are not stable across runs: the key file {key_path} could not be created "
            f"({exc.strerror or exc}); set {KEY_ENV} or {KEY_FILE_ENV} to keep baselines and allowlists working"
        )
    return key, None


_KEY: bytes | None = None
_KEY_WARNING: str | None = None


def fingerprint_key_warning() -> str | None:
    """Load the key now (raising on a bad one, so a scan fails before it starts) and return any warning."""
    global _KEY, _KEY_WARNING
    if _KEY is None:
        _KEY, _KEY_WARNING = _load_key()
    return _KEY_WARNING


def fingerprint(rule: str, value: str | None, where: str) -> str:
    """Stable id of a finding: the rule, a keyed hash of the value and where in the template it arises.

    Line numbers are deliberately not part of it, so a baseline survives edits above the finding and
    a new value on an old line gets a new fingerprint.
    """
    if _KEY is None:
        fingerprint_key_warning()
    assert _KEY is not None
    normalised = " ".join((value or "").lower().split())
    digest = hmac.new(_KEY, f"{rule}\x00{normalised}\x00{where}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
