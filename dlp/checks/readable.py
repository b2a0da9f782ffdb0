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
# A line that reads as code whatever its indentation (a shell script, a Makefile or a CI file pasted with two
# spaces, or none, in a question to a list): a variable assignment, a command, an indented YAML key, a
# continuation, a line ending in a brace or semicolon, shell operators, command-line flags, a `${VAR}`
# glued to a path. A sentence with a leftover merge tag ("Hi {{ first_name }}, your parcel ...") has none.
CODE_LINE = re.compile(
    r"^\s*(?:export\s+|local\s+|readonly\s+|declare\s+)?[A-Za-z_]\w*(?:\[[^\]\n]*\])?[:+?]?=(?!=)|"
    r"^\s*(?:\$|#|>>>)\s+[a-z./]|"
    r"^\s*(?:sudo|echo|printf|export|fi|done|esac|elif|gcc|g\+\+|clang|cmake|git|npm|npx|yarn|pip3?|docker|"
    r"kubectl|helm|curl|wget|mkdir|chmod|chown|grep|sed|awk|python3?|perl|ruby|node|cargo|mvn|gradle|apt-get|"
    r"yum|dnf|brew|ssh|scp|rsync|tar|source)\s+\S|"
    r"^\s+-?\s*[a-z_][\w.-]*:(?:\s|$)|"
    r"\\\s*$|[;{(\[]\s*$|\}\)?;\s*$|^\s*\}|\$\(|\$\{\{|&&|\|\||\d>&\d|\s\|\s*[a-z]|"
    r"\$\{[^}\n]{1,60}\}(?:[/\w-]|\.\w)|[/\w=.-]\$\{|"
    r"(?:^|\s)--?[A-Za-z][\w-]*(?:[=\s]|$).*\s--?[A-Za-z]"
)
# What is inside a `{{ }}` or `{% %}` tag is not the line's shape (`{{ name | upper }}` is no shell pipe).
_TAG_INSIDE = re.compile(r"(?<=\{\{)[^{}\n]*(?=\}\})|(?<=\{%)[^\n]*?(?=%\})")


def is_code_line(line: str) -> bool:
    return bool(CODE_LINE.search(_TAG_INSIDE.sub("", line)))


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


def code_paragraph_lines(lines: list[str]) -> set[int]:
    """Numbers of the lines of paragraphs (runs of non-blank lines) where at least half the lines read as
    code (`CODE_LINE`): a pasted script whose continuation lines are not themselves code-shaped
    (`${SRC}/main.c` after `gcc ... \\`) is code as a whole; one code-shaped line in prose is not."""
    out: set[int] = set()
    block: list[int] = []
    for number, line in enumerate([*lines, ""]):
        if line.strip():
            block.append(number)
            continue
        if block and 2 * sum(1 for n in block if is_code_line(lines[n])) >= len(block):
            out.update(block)
        block = []
    return out


def _plain_prose(text: str) -> str:
    """The text with code blanked out, line for line (line numbers stay right)."""
    out: list[str] = []
    in_fence = in_patch = False
    lines = text.split("\n")
    code = code_paragraph_lines(lines)
    for number, line in enumerate(lines):
        if number in code:
            out.append("")
            continue
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
