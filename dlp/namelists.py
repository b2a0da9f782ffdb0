"""The given-name and surname lists, read once per process by whoever needs them first.

Detection (`dlp.detect.name_lexicon`) reads them as evidence for names in text; redaction (`dlp.redact`)
reads them to mask a person's name in a folder of a source path. The files ship with the detector's data
(`dlp/detect/data/names`, built by scripts/build_name_data.py); reading them is plain data access, kept
at the bottom layer so both can share one copy in memory.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

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
