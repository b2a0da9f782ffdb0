"""Text as a reader sees it, before detection: invisible characters out, look-alike characters folded.

An SSN written `5​3​6-2­2-8⁠451` (zero-width spaces, a soft hyphen, a word joiner), `５３６－２２－８４５１`
(full-width), `536 22 8451` (no-break spaces) or with NULs between its digits reads as the SSN on
screen, and pattern recognizers must see it so too. Steps: drop control and format characters (Unicode
`Cf`: zero-width spaces and joiners, soft hyphen, BOM, direction marks; C0 controls but tab and line
breaks), NFKC (full-width digits and letters, no-break, thin and figure spaces, ligatures), dashes
folded to `-`.

The scanned text of a part IS the normalised text: offsets, line numbers and excerpts refer to it (an
excerpt is redacted anyway), so no mapping back is needed.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"


@cache
def _drop(astral: bool) -> re.Pattern[str]:
    """Control and format characters as one character class, built on first use (a walk over the code
    points), not at import. A class of BMP characters only is a table lookup per character (~0.1 s per
    million); one with astral ranges is a range scan per character, so it runs only on text that has any.
    """
    top = sys.maxunicode if astral else 0xFFFF
    codes = [c for c in range(32) if chr(c) not in "\t\n\r\x0b\x0c"]
    codes += [c for c in range(0x7F, top + 1) if c < 0xA0 or unicodedata.category(chr(c)) == "Cf"]
    return re.compile("[" + "".join(re.escape(chr(c)) for c in codes) + "]+")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_DASH = re.compile(f"[{_DASHES}]")
# Fast path: text with nothing to drop or fold (most ASCII mail) is returned as is.
_NEEDS_WORK = re.compile(r"[^\t\n\r\x0b\x0c\x20-\x7e]")


def normalise(text: str) -> str:
    if not _NEEDS_WORK.search(text):
        return text
    text = _DASH.sub("-", _drop(bool(_ASTRAL.search(text))).sub("", text))
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
