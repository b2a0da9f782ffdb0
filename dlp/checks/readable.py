"""What a person reads in a received message, as opposed to what a parser can decode.

Checks written for messages dlp renders (every character is the sender's template) over-fire on received
mail: a base64 audio part decoded as Latin-1 is "text", `{{` is everyday syntax in code, patches and
stack traces, and a reply quotes other people's greetings and headers. These helpers give the checks
that need it (template-error, shared-address, bulk-personal-data) the author's readable text; they never
change what the detector sees.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from dlp.htmltext import parse_html, visible_text
from dlp.model import Part, PartKind

TEXT_SUFFIXES = frozenset({".txt", ".csv", ".tsv", ".md", ".html", ".htm", ".eml", ".text", ".vcf", ".ics"})
CODE_ELEMENTS = "pre, code, kbd, samp, tt, textarea, script, style, template"
MAX_NOISE_SHARE = 0.05  # control characters and U+FFFD in real text: a few at most
_NOISE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
FENCE = re.compile(r"^\s*(```|~~~)")
PATCH_START = re.compile(r"^(?:diff --git |diff -u|Index: \S|--- a/|\+\+\+ b/|@@ -\d)")
INDENTED_CODE = re.compile(r"^(?: {4}|\t)")
QUOTED = re.compile(r"^\s*>")
INLINE_CODE = re.compile(r"`[^`\n]+`")
# Where the author's own words end in a reply or forward (English, German, French, Italian, Spanish).
REPLY_HEADER = re.compile(
    r"(?im)^[ \t]*(?:On\b.{0,200}\bwrote:|Am\b.{0,200}\bschrieb\b.{0,40}:|Le\b.{0,200}\ba écrit\s*:|"
    r"Il\b.{0,200}\bha scritto:|El\b.{0,200}\bescribió:|-{2,}\s*Original Message\s*-{2,}|"
    r"-{2,}\s*(?:Forwarded|Weitergeleitete|Message transféré)\w*\s+\w*\s*-{2,}|Begin forwarded message:|"
    r"-----Ursprüngliche Nachricht-----|From:\s.+\n(?:Sent|Date|Gesendet):\s)"
)


def is_binary(part: Part) -> bool:
    """A part nobody reads as text: a non-text attachment decoded anyway, or text that is mostly noise."""
    if part.kind == PartKind.ATTACHMENT:
        content_type = (part.content_type or "").lower()
        suffix = PurePath(part.filename or "").suffix.lower()
        if not content_type.startswith("text/") and suffix not in TEXT_SUFFIXES:
            return True
    sample = part.text[:20000]
    return bool(sample) and len(_NOISE.findall(sample)) > MAX_NOISE_SHARE * len(sample)


def _plain_prose(text: str) -> str:
    """The text with code blanked out, line for line (line numbers stay right)."""
    out: list[str] = []
    in_fence = in_patch = False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
            out.append("")
            continue
        if not in_patch and PATCH_START.match(line):
            in_patch = True  # a patch runs to the end of its part
        if in_fence or in_patch or INDENTED_CODE.match(line) or QUOTED.match(line):
            out.append("")
            continue
        out.append(INLINE_CODE.sub(lambda m: " " * len(m.group()), line))
    return "\n".join(out)


def readable_text(part: Part) -> str:
    """What a person reads in a received part: no binary, no code, no quoted lines."""
    if is_binary(part):
        return ""
    if part.kind == PartKind.HTML and part.raw:
        tree = parse_html(part.raw)
        for node in tree.css(CODE_ELEMENTS):
            node.decompose()
        return _plain_prose(visible_text(tree.html or ""))
    return _plain_prose(part.text)


def own_words(text: str) -> str:
    """The author's own text of a reply or forward: up to the quoted message's header, without '>' lines."""
    match = REPLY_HEADER.search(text)
    head = text[: match.start()] if match else text
    return "\n".join("" if QUOTED.match(line) else line for line in head.split("\n"))
