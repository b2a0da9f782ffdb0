"""personal-data on received mail (audit, check, serve): values in mail others wrote that are nobody's.

Detection reports every value shaped like personal data, and must (`make eval` scores it on text where
a relay's IP or a list's address can be real personal data). A message that was received, though,
carries machinery that is nobody's: the IPs of the relays in its trace and its bounces, the list and
role mailboxes it went through, Message-IDs inside archive links, and "names" that are code identifiers
in a pasted patch. Warning on them in an audit buries the real findings (24% of the warnings on 357
clean real messages were these). Preflight (a campaign dlp renders) keeps reporting all of them: there
every character is the sender's template, and an address in a link goes to the recipient.

`why_not_personal` names the class of an entity to ignore, or None; the classes are:
- relay: an IP in a trace line (Received:, Reporting-MTA:, a bounce's "host mx[1.2.3.4] said"), or an
  IP that identifies nobody outside a network (private, loopback, link-local, documentation ranges);
- mailbox: a role, list or robot mailbox (the rule's role_local_parts, list_domains, list_local_parts,
  the message's own list from List-Id/List-Post), or a Message-ID written like an address;
- link: an address inside a URL (archive links carry Message-IDs: https://lore.kernel.org/r/<id>);
- code: a name NER found in code (a patch, an indented or fenced block, also quoted) with no address
  next to it on its line, so a copyright or author line ("Copyright (C) 2005 Ann Lee <ann@x.org>") and
  a trailer ("Reviewed-by: Ann Lee <ann@x.org>") are still reported; or a font of a CSS font list in
  the source of an HTML mail shown as text ("font-family: Helvetica Neue, Arial");
- placeholder: an address nobody can own (RFC 2606/6761 reserved names: example.com/.net/.org and their
  subdomains, "example" under any other suffix (example.co.jp), the .example, .invalid, .test, .localhost
  TLDs, localhost) or one masked out ("xxxx@xxxx.com", "***@***", "xxxx@wanadoo.fr"), and the display
  name written with such an address ("Original Reviewer <original-reviewer@example.com>" in a tool's
  test mail, "Joe Recipient <Joe_Recipient@example.com>" in a mail library's sample); the same name
  with a real address is still reported;
- version: a dotted number written as a version ("binutils 2.10.0.9", "version 1.2.3.4", "gcc-3.0.4.1")
  read as an IPv4 address;
- heading: a capitalised word starting a numbered changelog item or a commit subject ("3. Fix eh_frame.",
  "PCI: pci_ids: Add Loongson IDs") that no name list knows as a common given name or surname;
- header: anything but an address in a machine-written header line in a body (a bounce's returned
  headers, a text/rfc822-headers part, headers pasted into a question, a header block whose broken folding
  pushed it into the body): anti-spam reports (`X-Forefront-Antispam-Report: SFS:(...)(201702281549075)`),
  signatures, trace and delivery-status fields are numbers and tokens a program wrote, not a person's
  phone, id or name. The headers a person writes or that name people (Subject, From, To, Cc, Reply-To,
  Sender, Comments, Keywords, Thread-Topic, Content-Description, Content-Disposition's file name, and X-
  headers named for a sender, recipient, author, subject, organisation or comment) stay scanned, and an
  address or IP in any header line is judged as everywhere else (Final-Recipient, X-Original-To name a real
  mailbox; X-Originating-IP is the client's);
- ip-phone: a dotted quad ("(193.252.22.65") read as a phone number: an IP, reported as one or not.
"""

from __future__ import annotations

import bisect
import ipaddress
import re

from dlp.checks.mailboxes import MACHINE_LOCAL, posting_addresses
from dlp.checks.readable import FENCE, INDENTED_CODE, PATCH_START
from dlp.detect.entities import Entity
from dlp.model import Part, PartKind, ScanMessage
from dlp.namelists import STRONG, read_names

# A header line of a message's trace or a delivery report, quoted or pasted into a body.
TRACE_HEADER = re.compile(
    r"^[ \t>]*(?:X-)?(?:Received|Reporting-MTA|Remote-MTA|Received-From-MTA|Diagnostic-Code|"
    r"Authentication-Results|ARC-Authentication-Results|Received-SPF|X-Spam-[\w-]+|X-MS-Exchange-[\w-]+|"
    r"X-Forefront-[\w-]+|X-Postfix-[\w-]+|X-Barracuda-[\w-]+|X-Virus-[\w-]+)\s*:",
    re.IGNORECASE,
)
# A relay named with its address, as MTAs write it in trace and bounce text: "mx.example.com[192.0.2.1]",
# "(mail.example.org [192.0.2.1])", "from [192.0.2.1]", "helo=...", "client-ip=".
RELAY_BEFORE = re.compile(
    r"(?:[\w-]+(?:\.[\w-]+)+\s?|\bfrom\s|\bby\s|\bhost\s|\(\S*\s?)\[$|(?:client-ip|helo|ip)=$|"
    r"\bdesignates\s$|"  # SPF: "domain of x@y designates 192.0.2.1 as permitted sender"
    r"\bconnected\s+to\s$|\(TCP\|$"  # qmail "Connected to 1.2.3.4 but ...", a DSN's "(TCP|1.2.3.4|port|...)"
)
# What a mail server writes after a remote host's IP in a bounce (qmail, Exim, Postfix).
RELAY_AFTER = re.compile(
    r"\]?:?\s*(?:failed after I sent the message|does not like (?:recipient|sender)|said:|"
    r"refused to talk to me|\|\d+\|)",
    re.IGNORECASE,
)
URL = re.compile(r"(?:https?|ftp)://\S+|www\.[\w-]+\.\S+", re.IGNORECASE)
ADDRESS_ON_LINE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
RECEIVED_CLASSES = {
    "relay": "relay or private IPs",
    "mailbox": "role, list or robot mailboxes",
    "link": "addresses inside links",
    "code": "names in code",
    "placeholder": "documentation or masked addresses and their names",
    "version": "version numbers",
    "heading": "changelog and commit-subject words",
    "header": "values in machine-written header lines",
    "ip-phone": "IP addresses read as phone numbers",
}
# RFC 2606 / RFC 6761: names reserved so that nobody can own them.
RESERVED_TLDS = frozenset({"example", "invalid", "test", "localhost"})
# RFC 2606's example.com/.net/.org, and the same name under any other suffix: registries keep "example"
# for documentation too (JPRS: example.jp, example.co.jp, example.ne.jp), and mail tools anonymise their
# samples that way (`kijitora@neko.example.jp`, `user@example.onmicrosoft.com`).
RESERVED_DOMAINS = re.compile(
    r"(?:^|\.)example\.(?:(?:co|ne|or|ac|ad|ed|go|gr|lg|com|net|org|edu|gov|ltd|plc|gen|biz|info|onmicrosoft)\.)?"
    r"[a-z]{2,}$|^localhost$"
)
MASK = re.compile(r"^[xX*#_.-]+$")  # a local part or domain label typed over: "xxxx", "***"
MASKED_LOCAL = re.compile(r"^(?:[xX]{3,}|[*#]{3,})$")  # typed over at a real domain: "xxxx@", "***@"
# A CSS declaration's font list in the source of an HTML mail shown as text: "font-family: Helvetica, Arial".
FONT_LIST = re.compile(r"font(?:-family)?\s*:[^;:{}\n\"]*$", re.IGNORECASE)
# A display name (or its first words) before its address on the same line: 'Joe Recipient <joe@example.com>',
# '"Sender, Jane" (jane@...)'.
ADDRESS_AFTER_NAME = re.compile(r'(?:,?[ \t]+[\w.\'’-]+){0,3}["\'»]?[ \t]*[<(\[][ \t]*(?:mailto:)?([\w.+-]+@[\w.-]+)')
VERSION_BEFORE = re.compile(
    r"(?:\b(?:version|ver\.|release|rel\.|revision|rev\.|changes\s+(?:from|since|in|to))"
    r"(?:\s+(?:of\s+)?[\w+.-]+){0,3}?\s+v?|[a-z][\w+]*-v?|\bv)$",
    re.IGNORECASE,
)
IP_CUE = re.compile(
    r"\b(?:ip|ipv4|address|addr|inet|host|server|gateway|gw|dns|nameserver|ping|from|via|to|at)\s*[:=]?\s*$", re.I
)
# What starts a numbered changelog item or a commit subject ("3. ", "2) ", "PCI: pci_ids: ", a Subject's
# "Re: [PATCH v2 3/7] test: ").
# A trailer or address line's key ("Reported-by:", "Cc:", "M:") names a person, it is no subject prefix.
HEADING_BEFORE = re.compile(
    r"^[ \t>]*(?:(?:re|fwd?|aw|sv|wg):[ \t]*)*(?:\[[^\]\n]{1,40}\][ \t]*)*"
    r"(?:\d{1,3}[.)]|(?!(?:[\w-]+-by|cc|to|from|author|[mr]|re|fwd?|aw|sv|wg)\s*:)(?:[\w/.+-]+:[ \t]*){1,3})[ \t]*$",
    re.IGNORECASE,
)
CONTINUATION_LINES = 8  # how far back a folded trace header's continuation looks for its name
# A header line a program wrote (see the module docstring, class "header"), also quoted; folded
# continuation lines belong to it. X- headers are machine-written unless named for a person or their words.
MACHINE_HEADER = re.compile(
    r"^[ \t>]*(?:X-(?![\w-]*(?:from|to|sender|cc|recipient|rcpt|reply|author|comment|keyword|subject|name|"
    r"organi[sz]ation|topic|summary|note)s?[ \t]*:)[\w-]+|ARC-[\w-]+|DKIM-[\w-]+|DomainKey-Signature|"
    r"Authentication-Results|Received(?:-SPF)?|Return-Path|Delivered-To|Envelope-To|Message-ID|In-Reply-To|"
    r"References|Resent-Message-ID|MIME-Version|Content-(?:Transfer-Encoding|ID|Language|Length|MD5)|"
    r"Thread-Index|Accept-Language|List-[\w-]+|Precedence|Importance|Priority|Auto-Submitted|User-Agent|"
    r"Reporting-MTA|Remote-MTA|Received-From-MTA|Diagnostic-Code|Final-Recipient|Original-Recipient|Action|"
    r"Status|Arrival-Date|Last-Attempt-Date|Will-Retry-Until|Feedback-Type|Source-IP|Original-Mail-From|"
    r"Original-Rcpt-To|Reported-Domain|Authentication-Results-Original|Spamdiagnostic[\w-]*)[ \t]*:",
    re.IGNORECASE,
)
ANY_HEADER = re.compile(r"^[ \t>]*[A-Za-z][\w-]*:[ \t]")
WRAPPED_LINES = 6  # unindented lines a returned header may be wrapped over in a bounce
# What a wrapped header line has and a person's sentence after a pasted header does not: "=", ";",
# brackets, a host name ("(10.152.250.59) by SG2APC01HT234.eop-APC01.prod.protection.outlook.com").
MACHINE_WRAP = re.compile(r"[;=\[\]<>]|\w[\w-]*\.[\w-]+\.[\w-]+")
MACHINE_HEADER_LINES = 40  # a DKIM signature or an anti-spam report folds over many lines
# What a machine header line can truly say about a person: a mailbox (Final-Recipient, X-Original-To) or the
# client's IP (X-Originating-IP; relays are told apart by `is_relay_ip`). Everything else there is tokens.
SAID_BY_HEADERS = frozenset({"EMAIL_ADDRESS", "IP_ADDRESS"})
BODY_KINDS = (PartKind.TEXT, PartKind.HTML, PartKind.ATTACHMENT)
DOTTED_QUAD = re.compile(r"^[(\[]?\d{1,3}(?:\.\d{1,3}){3}[)\]]?$")


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end


def in_trace_header(text: str, offset: int) -> bool:
    """Whether `offset` is in a trace header line, or in a folded continuation of one."""
    return in_header_line(text, offset, TRACE_HEADER, CONTINUATION_LINES)


def in_machine_header(text: str, offset: int) -> bool:
    """Whether `offset` is in a machine-written header line in a body, or in a continuation of one: folded,
    or (as Outlook's bounces print the returned headers) wrapped without indent, up to a blank line or the
    next header."""
    return in_header_line(text, offset, MACHINE_HEADER, MACHINE_HEADER_LINES, wrapped=WRAPPED_LINES)


def in_header_line(text: str, offset: int, header: re.Pattern[str], lines: int, wrapped: int = 0) -> bool:
    """Whether `offset` is in a line `header` matches, or in one of its folded continuation lines (indented,
    or after a quoted-printable soft break "=" when a returned message is shown still encoded); `wrapped`:
    how many unindented lines may follow the header line before the offset's line."""
    start, end = _line_bounds(text, offset)
    for _ in range(lines):
        line = text[start:end]
        if header.match(line):
            return True
        if start == 0 or not line.strip():
            return False
        soft_break = text[start - 2 : start - 1] == "=" or text[start - 3 : start - 1] == "=\r"
        if not soft_break and not QUOTE_PREFIX.sub("", line)[:1].isspace():
            if wrapped <= 0 or ANY_HEADER.match(line) or not MACHINE_WRAP.search(line):
                return False  # an unfolded line that is no header of this kind, or a person's sentence
            wrapped -= 1
        start, end = _line_bounds(text, start - 1)
    return False


def is_relay_ip(text: str, entity: Entity) -> bool:
    try:
        address = ipaddress.ip_address(entity.text.strip("[]"))
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        return True  # private, loopback, link-local, documentation, reserved: nobody outside a network
    if in_trace_header(text, entity.start):
        return True
    if RELAY_AFTER.match(text, entity.end, entity.end + 60):
        return True
    return bool(RELAY_BEFORE.search(text[max(0, entity.start - 80) : entity.start]))


class ReceivedMailFilter:
    """What personal-data ignores in received mail; built once per check from the rule's parameters."""

    def __init__(self, role_local: re.Pattern[str], list_domain: re.Pattern[str], list_local: re.Pattern[str]):
        self.role_local = role_local
        self.list_domain = list_domain
        self.list_local = list_local
        self._code_cache: tuple[int, set[int], list[int]] | None = None

    def is_mailbox(self, address: str, message: ScanMessage) -> bool:
        address = address.rpartition("=")[2]  # "smtp.mailfrom=sales@x" in an Authentication-Results trace
        local, _, domain = address.casefold().rpartition("@")
        if not local:
            return False
        if self.role_local.match(local) or self.list_local.match(local) or self.list_domain.match(domain):
            return True
        return bool(MACHINE_LOCAL.match(address.rpartition("@")[0])) or address.casefold() in posting_addresses(message)

    def why_not_personal(self, entity: Entity, part: Part, message: ScanMessage) -> str | None:
        text = part.text
        if (
            entity.entity_type not in SAID_BY_HEADERS
            and part.kind in BODY_KINDS
            and in_machine_header(text, entity.start)
        ):
            return "header"
        if entity.entity_type == "PHONE_NUMBER" and DOTTED_QUAD.match(entity.text.strip()):
            return "ip-phone"
        if entity.entity_type == "IP_ADDRESS":
            if is_relay_ip(text, entity):
                return "relay"
            return "version" if is_version(text, entity) else None
        if entity.entity_type == "EMAIL_ADDRESS":
            if is_placeholder_address(entity.text):
                return "placeholder"
            if self.is_mailbox(entity.text, message):
                return "mailbox"
            if _inside_url(text, entity.start):
                return "link"
            return None
        if entity.entity_type == "PERSON":
            after = ADDRESS_AFTER_NAME.match(text, entity.end, min(len(text), entity.end + 200))
            if after and is_placeholder_address(after.group(1)):
                return "placeholder"
            start, end = _line_bounds(text, entity.start)
            if (
                part.kind in (PartKind.TEXT, PartKind.ATTACHMENT)
                and self._in_code(part, entity.start)
                and not ADDRESS_ON_LINE.search(text, entity.end, end)
            ):
                return "code"
            if is_heading_word(text, entity, start, end):
                return "heading"
            if FONT_LIST.search(text, max(start, entity.start - 200), entity.start):
                return "code"
        return None

    def _in_code(self, part: Part, offset: int) -> bool:
        key = id(part.text)
        if self._code_cache is None or self._code_cache[0] != key:
            self._code_cache = (key, code_lines(part.text), [m.start() for m in _NEWLINE.finditer(part.text)])
        _key, code, newlines = self._code_cache
        return bisect.bisect_left(newlines, offset) in code


_NEWLINE = re.compile(r"\n")
QUOTE_PREFIX = re.compile(r"^(?:[ \t]*>)+ ?")
PATCH_LINE = re.compile(
    r"^(?:[ +\-\\]|@@ |diff |index |new file|deleted file|similarity|rename |old mode|new mode|Binary files|$)"
)


def code_lines(text: str) -> set[int]:
    """Numbers of the lines that are code: a patch (while its lines look like diff lines), a fenced
    block, an indented block. Quoted lines are judged without their '>' (a quoted patch is code, a quoted
    greeting is not); the author's reply after a quoted patch is prose again."""
    out: set[int] = set()
    in_fence = in_patch = False
    for number, raw in enumerate(text.split("\n")):
        line = QUOTE_PREFIX.sub("", raw)
        if FENCE.match(line):
            in_fence = not in_fence
            out.add(number)
            continue
        if in_patch and not PATCH_LINE.match(line):
            in_patch = False
        if not in_patch and PATCH_START.match(line):
            in_patch = True
        if in_fence or in_patch or INDENTED_CODE.match(line):
            out.add(number)
    return out


def is_placeholder_address(address: str) -> bool:
    """An address nobody can own: a reserved domain (RFC 2606/6761) or one typed over with a mask."""
    local, _, domain = address.strip("<>").casefold().rpartition("@")
    if not local or not domain:
        return False
    domain = domain.rstrip(".")
    if domain.rpartition(".")[2] in RESERVED_TLDS or RESERVED_DOMAINS.search(domain):
        return True
    if MASKED_LOCAL.match(local):
        return True  # "xxxx@wanadoo.fr", "****@gmail.com": the mailbox was typed over, whoever's it was
    name = domain.rpartition(".")[0] or domain
    return bool(MASK.match(local)) and all(MASK.match(label) for label in name.split("."))


def is_version(text: str, entity: Entity) -> bool:
    """A dotted number written as a software version: a few words after a version word or a changelog's
    "changes from", after a program's name joined by a dash or a "v" ("version 1.2.3.4", "release of
    Linux binutils 2.10.0.18", "Changes from binutils 2.10.0.9", "gcc-3.0.4.1", "v1.2.3.4"), or one of five
    or more numbers ("2.11.92.0.12"). An IP after an address
    word ("ping 8.8.8.8", "from host 1.2.3.4") or in prose ("my router is 81.2.69.160") stays an IP."""
    line_start = text.rfind("\n", 0, entity.start) + 1
    before = text[max(line_start, entity.start - 40) : entity.start]
    if text[entity.end : entity.end + 2][:1] == "." and text[entity.end + 1 : entity.end + 2].isdigit():
        return True  # five or more numbers: no IPv4 has them
    if entity.start > 0 and text[entity.start - 1 : entity.start] == ".":
        return True
    if IP_CUE.search(before):
        return False
    return bool(VERSION_BEFORE.search(before))


def is_heading_word(text: str, entity: Entity, start: int, end: int) -> bool:
    """A capitalised verb or noun opening a changelog item or a commit subject, not a common name:
    "3. Fix eh_frame.", "PCI: pci_ids: Add Loongson IDs". A name there ("3. Ann Lee reported ...",
    "Reviewed-by: Ann Lee") has a strong first or last name, or an address on the line."""
    if not HEADING_BEFORE.match(text[start : entity.start]) or ADDRESS_ON_LINE.search(text, entity.end, end):
        return False
    first, last = read_names("first_names"), read_names("last_names")
    return not any(first.get(w) == STRONG or last.get(w) == STRONG for w in entity.text.split())


def _inside_url(text: str, offset: int) -> bool:
    start, end = _line_bounds(text, offset)
    return any(m.start() <= offset < m.end() for m in URL.finditer(text, start, end))
