"""Cache keys that do not hold the text they stand for.

The analysis caches are keyed by the text analysed (a line in its context, a value in its window). Kept
as the text itself, a key costs ~1-2 KB, and at a million recipients every per-recipient window is new:
a 16-byte BLAKE2 digest of the same fields keeps the caches' entries ~10x smaller, with a collision
chance (2^-64 at 2^32 entries) far below any other error the scan can make.
"""

from __future__ import annotations

from hashlib import blake2b

Key = bytes


def text_key(text: str, *fields: object) -> Key:
    """A digest of `text` and the small fields that qualify it (offsets, language, flags)."""
    digest = blake2b(digest_size=16)
    digest.update(repr(fields).encode())
    digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()
