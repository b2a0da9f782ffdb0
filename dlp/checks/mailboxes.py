"""Mailboxes that are nobody's personal data: roles, lists, robots, Message-IDs written like addresses.

Shared by the checks that must tell a person's address from a machine's or a list's in received mail
(bulk-personal-data, exposed-recipients, personal-data). The role words and list hosts themselves are
rule parameters in rules/default.yaml.
"""

from __future__ import annotations

import fnmatch
import re

from dlp.model import ScanMessage

# Machine-made local parts (Message-IDs, bounce tokens): digit runs with separators, long hex, base64.
MACHINE_LOCAL = re.compile(
    r"^(?=(?:.*\d){8})(?=.*[.$=%]|.{20})[\w.+$=%-]{12,}$|^[0-9a-f.$-]{16,}$|"
    r"^(?=.*\d)(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9+/_-]{28,}$"
)
LIST_ID = re.compile(r"<([\w.+-]+?)\.([\w-]+(?:\.[\w-]+)+)>")
_MAILTO = re.compile(r"<?mailto:([^>?\s]+)", re.IGNORECASE)


def fnmatch_any(patterns: list[str]) -> re.Pattern[str]:
    """One regex for a list of fnmatch patterns (`owner-*`, `*-request`), matched case-insensitively."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(p.casefold())})" for p in patterns))


def list_addresses(message: ScanMessage) -> set[str]:
    """The message's own list, from List-Id (`<dev.ponymail.apache.org>` is dev@ponymail.apache.org)."""
    out: set[str] = set()
    for value in message.header("List-Id"):
        for local, domain in LIST_ID.findall(value):
            out.add(f"{local}@{domain}".casefold())
    return out


def posting_addresses(message: ScanMessage) -> set[str]:
    """The message's own list as List-Id and List-Post name it."""
    out = list_addresses(message)
    for value in message.header("List-Post"):
        out.update(m.group(1).strip().casefold() for m in _MAILTO.finditer(value))
    return out
