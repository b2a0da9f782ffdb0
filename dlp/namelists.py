"""The given-name and surname lists, read once per process by whoever needs them first.

Detection (`dlp.detect.name_lexicon`) reads them as evidence for names in text; redaction (`dlp.redact`)
reads them to mask a person's name in a folder of a source path. The files ship with the detector's data
(`dlp/detect/data/names`, built by scripts/build_name_data.py); reading them is plain data access, kept
at the bottom layer so both can share one copy in memory.

Word lists derived from another installed package (Wiktionary's German nouns: seconds to parse 25 MB)
are built once and kept in a cache file (`derived_words`), validated by the package's version and files.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

STRONG = 2
WEAK = 1  # also an ordinary word ("Will", "Rose", "Brown"): counts only next to a strong one


@cache
def read_names(name: str) -> dict[str, int]:
    """`first_names` or `last_names`: proper-case name -> STRONG or WEAK."""
    raw = resources.files("dlp").joinpath(f"detect/data/names/{name}.txt.gz").read_bytes()
    out: dict[str, int] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line.startswith("*"):
            out[line[1:]] = WEAK
        elif line:
            out[line] = STRONG
    return out


# ---------------------------------------------------------------- word lists derived from installed data

CACHE_ENV = "DLP_CACHE_DIR"


def cache_dir() -> Path:
    """Where derived word lists are kept: DLP_CACHE_DIR, else the user's cache directory (XDG)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlp"


def derived_words(name: str, kind: str, key: str, build: Callable[[], dict[str, Iterable[str]]]) -> frozenset[str]:
    """One word list derived from an installed data package (`build` returns every kind at once: seconds of
    parsing), built once and then read back from its own cache file (milliseconds) for as long as `key`
    (the package's version and files) holds.

    Nothing is downloaded: a missing, stale or unreadable file is rebuilt from the installed package, and
    an unwritable cache directory only means building it again next time. A file is written to a
    temporary name and renamed, so a process reading it never sees half of one."""
    found = _read_words(_cache_file(name, kind), key)
    if found is not None:
        return found
    built = {each: frozenset(words) for each, words in build().items()}
    for each, words in built.items():
        _write_words(_cache_file(name, each), key, words)
    return built[kind]


def _cache_file(name: str, kind: str) -> Path:
    return cache_dir() / f"{name}.{kind}.words"


_HEADER = "# dlp derived word list "
_END = "\t"  # the last line; words never hold a tab (the sources are tab- or comma-separated)


def _read_words(path: Path, key: str) -> frozenset[str] | None:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if lines[0] != _HEADER + key or lines[-1] != _END:
        return None  # another version of the source, or a file cut short
    return frozenset(lines[1:-1])


def _write_words(path: Path, key: str, words: frozenset[str]) -> None:
    body = "\n".join([_HEADER + key, *sorted(words), _END])
    temporary = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=path.name, suffix=".tmp", delete=False
        ) as out:
            temporary = out.name
            out.write(body)
        os.replace(temporary, path)
    except OSError:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
