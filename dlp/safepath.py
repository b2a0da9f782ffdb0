"""Files a campaign names stay inside its folder, and only regular files are read.

A campaign names files in many places (templates, the recipient list, rule files, and attachment paths
that are templates filled from row data: `statements/{{ id }}`). A row value `../../../../etc/passwd`, a
symlink to `/etc/shadow`, or a name that is really `/dev/zero` or a FIFO must never be read: the first two
would mail a system file to a customer, the last two hang the scan or exhaust memory. Everything that opens
a campaign's file goes through `inside` and `read_regular`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafePath(Exception):
    """A path that must not be read; `reason` is safe to print (it never repeats the path)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inside(base: Path, relative: str) -> Path:
    """`relative` resolved (symlinks followed) under `base`; UnsafePath when it ends up outside."""
    if "\x00" in relative:
        raise UnsafePath("contains a NUL character")
    if Path(relative).is_absolute():
        raise UnsafePath("is an absolute path, outside the campaign folder")
    root = base.resolve()
    resolved = (root / relative).resolve()
    if not resolved.is_relative_to(root):
        how = "'..'" if ".." in Path(relative).parts else "a symlink"
        raise UnsafePath(f"leaves the campaign folder (through {how})")
    return resolved


def not_regular(path: Path) -> str | None:
    """Why `path` (which exists) is not a regular file, or None. Follows symlinks, like open() would."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: the caller's open() reports it with its usual message
    return None if stat.S_ISREG(mode) else _kind(mode)


def _kind(mode: int) -> str:
    kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
    return f"is {kind}, not a regular file"


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file. Opened without blocking and checked on the open descriptor, so a FIFO
    or device swapped in after a check can neither hang the read nor stream forever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafePath(_kind(mode))
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)
