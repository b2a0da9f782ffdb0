"""Mailboxes that are nobody's personal data: roles, lists, robots, Message-IDs written like addresses.

Shared by the checks that must tell a person's address from a machine's or a list's in received mail
(bulk-personal-data, exposed-recipients, personal-data). The role words and list hosts themselves are
rule parameters in rules/default.yaml.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from dlp.model import ScanMessage

# Machine-made local parts (Message-IDs, bounce tokens): digit runs with separators, long hex, base64.
MACHINE_LOCAL = re.compile(
    r"^(?=(?:.*\d){8})(?=.*[.$=%]|.{20})[\w.+$=%-]{12,}$|^[0-9a-f.$-]{16,}$|"
    r"^(?=.*\d)(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9+/_-]{28,}$"
)
# A mail address written in text. The lookbehind lets a match start only where a run of address
# characters starts: without it the search retries at every position of one long token and a 5 MB
# word costs minutes (quadratic), with it the cost is linear.
ADDRESS_IN_TEXT = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_MAILTO = re.compile(r"<?mailto:([^>?\s]+)", re.IGNORECASE)


# The Sender a list robot writes on every copy it delivers (majordomo, ecartis, mailman, sympa, before
# List-Id existed and after): owner-LIST@host, LIST-bounce@host, LIST-owner@host, LIST-bounces+...@host.
LIST_ROBOT = re.compile(
    r"^(?:owner-(?P<a>[\w.+-]+)|(?P<b>[\w.+-]+?)-(?:bounces?|owner|request|admin)(?:\+[^@]*)?)@(?P<host>[\w.-]+)$",
    re.IGNORECASE,
)


def posting_addresses(message: ScanMessage) -> set[str]:
    """The message's own list as List-Id, List-Post and the list robot's Sender name it."""
    out = set(message.list_addresses)
    for value in message.header("List-Post"):
        out.update(m.group(1).strip().casefold() for m in _MAILTO.finditer(value))
    for _name, address in getaddresses(message.header("Sender")):
        robot = LIST_ROBOT.match(address.strip())
        if robot:
            out.add(f"{robot.group('a') or robot.group('b')}@{robot.group('host')}".casefold())
    return out
