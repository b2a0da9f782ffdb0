"""Redaction and keyed fingerprints: the two ways a personal value may appear in output.

Redaction keeps just enough shape for a human to recognise which value is meant (first character,
length class, domain of an address) and never enough to recover it. Fingerprints are HMAC-SHA256 with a
secret key: a plain hash of a 9-digit SSN is brute-forced in seconds, a keyed one is not.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from dlp.errors import InputError
from dlp.namelists import STRONG as STRONG_NAME
from dlp.namelists import read_names

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
    # Only a real address keeps its domain: `pass@word123` or a handle `@anna_rossi` is masked like any value.
    if entity_type == "EMAIL_ADDRESS" or _EMAIL.fullmatch(value):
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


# ... and lone surrogates: a file name that is not valid UTF-8 arrives as `os.fsdecode` surrogates
# (U+DC80-U+DCFF for the raw bytes), which no UTF-8 output can encode.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_EMAIL = re.compile(r"[^\s<>()\[\],;:\"'/\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_LETTERS = re.compile(r"[^\W\d_]{3,}")
_DIGIT_GROUPS = re.compile(r"\d(?:[\d .-]*\d)?")
_EXTENSION = re.compile(r"(\.[A-Za-z0-9]{1,5}){1,2}$")


def strip_controls(text: str) -> str:
    """Terminal escapes (ESC, CSI, OSC, bidi overrides) in a file name or header never reach a terminal or
    a report raw: each becomes a visible `\\xNN`."""
    return _CONTROL.sub(_shown, text)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:  # a raw byte kept by surrogateescape
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else "?"


@cache
def _plain_words() -> frozenset[str]:
    text = resources.files("dlp.data").joinpath("filename_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _mask_words(text: str, *, keep_plain: bool) -> str:
    """Cut every word of 3+ letters to its first letter, except (when `keep_plain`) words that only say what
    a document is; addresses become `a***@domain` first, so their domain stays readable."""
    text = _EMAIL.sub(lambda m: "\x00" + redact_address(m.group(0)) + "\x00", text)
    pieces = text.split("\x00")
    for i in range(0, len(pieces), 2):  # even pieces are outside the masked addresses
        pieces[i] = _LETTERS.sub(
            lambda m: m.group(0) if keep_plain and m.group(0).lower() in _plain_words() else m.group(0)[0] + "***",
            pieces[i],
        )
    return "".join(pieces)


def redact_filename(name: str) -> str:
    """`Anna.Rossi_SSN_536-22-8451.txt` -> `A***.R***_SSN_###-##-####.txt`: the extension and the shape stay,
    so a reviewer can tell which attachment is meant; names, numbers and addresses do not."""
    match = _EXTENSION.search(name)
    stem, ext = (name[: match.start()], match.group(0)) if match and match.start() > 0 else (name, "")
    masked = _mask_words(stem, keep_plain=True)
    return strip_controls(re.sub(r"\d", "#", masked) + ext)


def redact_message_id(value: str) -> str:
    """`<20240301.anna.meyer@mail.example>` -> `<20240301.a***.m***@mail.example>`: the domain and the digits
    (times, counters) stay to find the message; words, which may be a name, do not."""
    value = strip_controls(value.strip())
    local, at, domain = value.rpartition("@")
    if not at:
        return _mask_words(value, keep_plain=False)
    return _LETTERS.sub(lambda m: m.group(0)[0] + "***", local) + at + domain


def redact_list_id(value: str) -> str:
    """`Acme News <news.acme.example>` keeps plain words and the list's domain-like tail; anything else that
    could name a person (`Anna Meyer's list <anna.meyer.example.com>`) is masked."""
    value = strip_controls(value.strip())
    phrase, _, rest = value.partition("<")
    ident = rest.rstrip(">").strip()
    out = _mask_words(phrase, keep_plain=True)
    if ident:
        labels = ident.split(".")
        head, tail = labels[:-2], labels[-2:]
        masked = [_mask_words(label, keep_plain=True) for label in head]
        out = f"{out}<{'.'.join([*masked, *tail])}>"
    return _DIGIT_GROUPS.sub(lambda m: m.group(0) if sum(c.isdigit() for c in m.group(0)) < 6 else "#", out)


_DATE = re.compile(r"\d{4}[-.]\d{2}(?:[-.]\d{2})?|\d{2}[-.]\d{2}[-.]\d{4}")


# Folder names mail stores and clients give themselves: never a person, whatever the name lists hold.
_STORE_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
        cur new tmp inbox sent drafts draft trash junk spam archive archives outbox mail mails maildir mbox
        items deleted folders folder imap local home users user var spool
        """,
    )
)
_SEGMENT_WORD = re.compile(r"[^\W\d_]{3,}")  # "gz", "de", "Li" are listed somewhere; too short to tell
_SEPARATOR = re.compile(r"([/\\])")
# File types in a file name say nothing about whose it is: `anna.meyer.mbox` is still Anna Meyer's.
_FILE_WORDS = frozenset(re.findall(r"\S+", "eml emlx msg txt mbox mbx zip tar raw html htm pdf csv json log xml"))


def _ranks(word: str) -> tuple[int, int]:
    key = word[:1].upper() + word[1:].lower()
    return read_names("first_names").get(key, 0), read_names("last_names").get(key, 0)


def _is_person(words: list[str]) -> bool:
    """One to four words the name lists all hold: one name that is no ordinary word ("Anna Meyer",
    "kenneth"), or a given name then a surname ("John Smith")."""
    ranks = [_ranks(w) for w in words]
    if not 1 <= len(words) <= 4 or not all(max(r) for r in ranks):
        return False
    return any(STRONG_NAME in r for r in ranks) or (len(words) > 1 and bool(ranks[0][0]) and bool(ranks[-1][1]))


def _mask_person_segment(segment: str) -> str:
    """`Anna Meyer`, `anna.meyer.mbox`, `kenneth-lay` -> `A*** M***`: a folder (or file) name made only of a
    person's name (`_is_person`); a Maildir++ folder (`.Customers.John Smith`) is read level by level. The
    store's own folders, document words and anything else in the name (`test_anna_case`) keep it."""
    if segment.startswith(".") and "." in segment[1:]:
        return ".".join(_mask_person_segment(level) for level in segment.split("."))
    words = [m for m in _SEGMENT_WORD.finditer(segment) if m.group(0).lower() not in _FILE_WORDS]
    kept = _plain_words()
    if any(m.group(0).lower() in kept or m.group(0).lower() in _STORE_WORDS for m in words):
        return segment
    if not _is_person([m.group(0) for m in words]):
        return segment
    out = segment
    for match in reversed(words):
        out = out[: match.start()] + match.group(0)[0] + "***" + out[match.end() :]
    return out


def redact_path(path: str) -> str:
    """A source path or archive label as shown in a report: an address in a folder or file name becomes
    `a***@domain`, a person's name (`Mail/Anna Meyer/cur`) `A*** M***`, a grouped long number (an SSN, a
    phone or card number) `#`; plain digit runs (Maildir timestamps, message numbers), dates and the
    store's own folders (cur, INBOX, Sent, Archive) stay, so the message can be found."""
    path = _EMAIL.sub(lambda m: "\x00" + redact_address(m.group(0)) + "\x00", strip_controls(path))
    pieces = path.split("\x00")
    for i in range(0, len(pieces), 2):  # even pieces are outside the masked addresses
        parts = _SEPARATOR.split(pieces[i])
        pieces[i] = "".join(p if j % 2 else _mask_person_segment(p) for j, p in enumerate(parts))
    path = "".join(pieces)

    def number(match: re.Match[str]) -> str:
        text = match.group(0)
        keep = sum(c.isdigit() for c in text) < 6 or text.isdigit() or _DATE.fullmatch(text)
        return text if keep else "#"

    return _DIGIT_GROUPS.sub(number, path)


def scrub_text(text: str, values: Iterable[str] = ()) -> str:
    """Free text that may echo data (an error message): known values, addresses and number groups masked."""
    for value in sorted({v for v in values if len(v) >= 3}, key=len, reverse=True):
        text = text.replace(value, redact_value(value))
    text = _EMAIL.sub(lambda m: redact_address(m.group(0)), text)
    text = _DIGIT_GROUPS.sub(lambda m: m.group(0) if sum(c.isdigit() for c in m.group(0)) < 3 else "#", text)
    return strip_controls(text)


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


def _load_key(project_file: Path | None = None) -> tuple[bytes, str | None, str]:
    """The HMAC key, a warning when it could not be kept (fingerprints change between runs), and where it
    came from: "env", "env-file", "project" (a rules file's `fingerprint_key_file:`) or "user"."""
    env = os.environ.get(KEY_ENV)
    if env:
        return _checked(env.encode(), f"in {KEY_ENV}"), None, "env"
    if os.environ.get(KEY_FILE_ENV):
        return *_read_key_file(default_key_path()), "env-file"
    if project_file is not None:
        key, warning = _read_key_file(project_file, create=False)
        return key, warning, "project"
    return *_read_key_file(default_key_path()), "user"


def _read_key_file(key_path: Path, *, create: bool = True) -> tuple[bytes, str | None]:
    try:
        return _checked(key_path.read_bytes().strip(), "file", key_path), None
    except (FileNotFoundError, NotADirectoryError):
        if not create:
            raise FingerprintKeyError(
                "the fingerprint key file named by `fingerprint_key_file:` does not exist; create it once for the "
                f"team (openssl rand -hex 32 > {key_path}) and share it like other project secrets",
                path=key_path,
            ) from None
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
_KEY_PROJECT: Path | None = None  # the project key file the loaded key was read for
_KEY_SOURCE = "user"


def fingerprint_key_warning(project_file: Path | None = None) -> str | None:
    """Load the key now (raising on a bad one, so a scan fails before it starts) and return any warning.

    `project_file` is the key file a rules file names (`fingerprint_key_file:`), shared by a team so
    baselines and allowlisted fingerprints match on every machine; environment variables override it."""
    global _KEY, _KEY_WARNING, _KEY_PROJECT, _KEY_SOURCE
    if _KEY is None or project_file != _KEY_PROJECT:
        _KEY, _KEY_WARNING, _KEY_SOURCE = _load_key(project_file)
        _KEY_PROJECT = project_file
    return _KEY_WARNING


def key_source() -> str:
    """Where the fingerprint key came from: "env", "env-file", "project" or "user" (per user, per machine)."""
    if _KEY is None:
        fingerprint_key_warning()
    return _KEY_SOURCE


def portable_key_note(using: str | None) -> str | None:
    """A warning when fingerprints that must match across machines (an allowlist, a baseline) are keyed with
    this user's own key: the same finding has another fingerprint for a colleague or in CI."""
    if not using or key_source() != "user":
        return None
    return (
        f"{using} are matched with your per-user fingerprint key ({default_key_path()}): on another machine or "
        f"in CI they will not match. Share one key: `fingerprint_key_file:` in a rules file, or {KEY_ENV}"
    )


def key_id() -> str:
    """A name for the key that reveals nothing about it: two baselines with the same id were keyed alike."""
    if _KEY is None:
        fingerprint_key_warning()
    assert _KEY is not None
    return hmac.new(_KEY, b"dlp fingerprint key id", hashlib.sha256).hexdigest()[:16]


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


def use_key(key: bytes) -> None:
    """Fingerprint with this key from now on: a cluster worker takes the client's (`dlp.cluster`), so a
    finding found on any machine has the fingerprint one machine gives it."""
    global _KEY, _KEY_WARNING
    _KEY, _KEY_WARNING = _checked(key, "shipped by the client"), None


def current_key() -> bytes:
    fingerprint_key_warning()
    assert _KEY is not None
    return _KEY


def stable_hash(text: str) -> int:
    """A 64-bit hash of `text` that every process computes alike (`hash()` is salted per process): counts
    and indexes built on cluster workers (`dlp.cluster`) are merged or looked up by it elsewhere."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
