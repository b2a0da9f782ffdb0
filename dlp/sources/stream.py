"""Bytes in, bounded pieces out: reading a file or stdin, inflating gzip/bzip2/xz, splitting lines.

Every step holds at most a piece (1 MiB) plus what the caller keeps: a gzip bomb or a 1 GB line never
sits in memory whole. Inflation stops at a budget (`Limits.inflate_cap`), and a stream that ends early or
is corrupt raises `StreamProblem` after everything before the damage has been handed on, so the reader
can list the cut-off message and keep the rest.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Iterable, Iterator

from dlp.sources.limits import MB, PIECE

Reader = Callable[[int], bytes]


class StreamProblem(Exception):
    """The data could not be read to its end (truncated or corrupt compression, or over a budget)."""


class OverBudget(StreamProblem):
    """Inflating went past the budget: likely a decompression bomb; the rest of the file is not read."""


def compression_of(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4] in b"123456789" and head[4:10] == b"1AY&SY":
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return None


def _decompressor(kind: str):
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)


def inflate(kind: str, first: bytes, read: Reader, cap: int) -> Iterator[bytes]:
    """The inflated bytes of a gzip/bzip2/xz stream (several members too), in pieces of at most PIECE."""
    pending = first
    total = 0
    while True:
        decoder = _decompressor(kind)
        while not decoder.eof:
            try:
                if kind == "gzip":  # zlib keeps what it did not consume in unconsumed_tail
                    if not pending:
                        pending = read(PIECE)
                        if not pending:
                            raise StreamProblem(f"{kind} stream ends early (file truncated)")
                    out = decoder.decompress(pending, PIECE)
                    pending = decoder.unconsumed_tail
                elif decoder.needs_input:
                    if not pending:
                        pending = read(PIECE)
                        if not pending:
                            raise StreamProblem(f"{kind} stream ends early (file truncated)")
                    out = decoder.decompress(pending, PIECE)
                    pending = b""
                else:
                    out = decoder.decompress(b"", PIECE)
            except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
                raise StreamProblem(f"{kind} data corrupt ({exc})") from None
            if out:
                total += len(out)
                if total > cap:
                    raise OverBudget(
                        f"inflates to more than {cap // MB} MB (a decompression bomb?); "
                        "the budget is DLP_MAX_INFLATED_MB / DLP_MAX_INFLATE_RATIO"
                    )
                yield out
        pending = decoder.unused_data
        if not pending:
            pending = read(PIECE)
        if not pending.strip(b"\x00"):
            return
        if compression_of(pending) != kind:
            raise StreamProblem(f"unexpected data after the end of the {kind} stream")


def plain(first: bytes, read: Reader) -> Iterator[bytes]:
    piece = first
    while piece:
        yield piece
        piece = read(PIECE)


def lines(chunks: Iterable[bytes], piece: int = PIECE) -> Iterator[bytes]:
    """Lines with their line ends; a line longer than `piece` arrives in pieces (only the last ends in \\n)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        parts = pending.split(b"\n")
        pending = parts.pop()
        for line in parts:
            yield line + b"\n"
        if len(pending) > piece:
            yield pending
            pending = b""
    if pending:
        yield pending


class Peekable:
    """A chunk stream whose first bytes can be looked at before it is consumed."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer: list[bytes] = []
        self._size = 0
        self._error: StreamProblem | None = None

    def head(self, size: int) -> bytes:
        """At least `size` bytes (fewer at the end of the stream or before damage)."""
        while self._size < size and self._error is None:
            try:
                chunk = next(self._chunks, None)
            except StreamProblem as exc:  # raised again where the stream is read past what came before it
                self._error = exc
                break
            if chunk is None:
                break
            self._buffer.append(chunk)
            self._size += len(chunk)
        return b"".join(self._buffer)

    @property
    def error(self) -> StreamProblem | None:
        return self._error

    def __iter__(self) -> Iterator[bytes]:
        while self._buffer:
            yield self._buffer.pop(0)
        self._size = 0
        if self._error is not None:
            raise self._error
        yield from self._chunks

    def read_all(self, limit: int) -> bytes | None:
        """Everything (None when it is larger than `limit`; the rest is then not read)."""
        out: list[bytes] = []
        size = 0
        for chunk in self:
            size += len(chunk)
            if size > limit:
                return None
            out.append(chunk)
        return b"".join(out)
