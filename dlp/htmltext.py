"""What a reader of an HTML part sees: visible text plus alt/title attributes, via a real HTML parser.

Script, style and template contents are not shown to a reader; image alt text and link titles are
(screen readers, blocked images), so personal data hidden there still leaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from selectolax.lexbor import LexborHTMLParser as HTMLParser

INVISIBLE = "script, style, noscript, template, head > meta"
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
VISIBLE_ATTRIBUTES = ("alt", "title", "aria-label")
# A table row reads as one line, its cells apart by a space: a value split over cells
# (`<td>536</td><td>-</td><td>22</td>…`) is one value, as on screen.
CELL_TAGS = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# A separator cell between digit groups joins them: "536 - 22 - 8451" -> "536-22-8451".
_SPLIT_GROUPS = re.compile(r"(?<=\d) ?([-./]) ?(?=\d)")


# HTML5 tree building costs time quadratic in the depth of open elements (lexbor: 20,000 nested <div>s
# take 2 s, 100,000 take minutes). No real mail nests anywhere near this; markup deeper than it is
# flattened before parsing (the deeper tags dropped, their text and the outer structure kept), so a
# nesting bomb is read in linear time and its text is still scanned.
MAX_DEPTH = 1000
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
# Closed implicitly by their next sibling in real markup: not counted as nesting.
_IMPLIED_END = frozenset(
    [
        "p",
        "li",
        "td",
        "th",
        "tr",
        "option",
        "dt",
        "dd",
        "tbody",
        "thead",
        "tfoot",
        "colgroup",
        "rb",
        "rt",
        "rp",
        "optgroup",
    ]
)


def _flattened(html: str) -> str:
    if html.count("<") <= MAX_DEPTH:
        return html
    depth = 0
    dropped = False
    out: list[str] = []
    last = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or name in _IMPLIED_END or self_closing:
            continue
        if closing:
            depth -= 1
            deep = depth >= MAX_DEPTH
        else:
            deep = depth >= MAX_DEPTH
            depth += 1
        if deep:
            out.append(html[last : match.start()])
            out.append(" ")
            last = match.end()
            dropped = True
        depth = max(depth, 0)
    if not dropped:
        return html
    out.append(html[last:])
    return "".join(out)


# The HTML5 parser checks each attribute of a tag against the ones before it (duplicates are dropped):
# time quadratic in a tag's attribute count (20,000 attributes take 0.7 s, 300,000 minutes). Real tags have
# a few dozen; past MAX_ATTRIBUTES the rest of the tag is moved after it as text, so it is still scanned.
MAX_ATTRIBUTES = 1000
_LONG_TAG = re.compile(r"<[A-Za-z][^<>]{20000,}>")
_ATTRIBUTE = re.compile(r"""\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")


def _few_attributes(html: str) -> str:
    def fix(match: re.Match[str]) -> str:
        tag = match.group(0)
        attributes = _ATTRIBUTE.finditer(tag)
        for _ in range(MAX_ATTRIBUTES):
            if next(attributes, None) is None:
                return tag
        extra = next(attributes, None)
        if extra is None:
            return tag
        return f"{tag[: extra.start()]}> {tag[extra.start() : -1]} "

    return _LONG_TAG.sub(fix, html) if len(html) > 20000 else html


def parse_html(html: str) -> HTMLParser:
    """The parsed markup, in time linear in its size whatever its nesting (see MAX_DEPTH) or the number of
    attributes of a tag (MAX_ATTRIBUTES)."""
    return HTMLParser(_flattened(_few_attributes(html)))


def visible_text(html: str) -> str:
    return _lines(_visible_chunks(html))


def visible_text_pair(html: str, strip: Callable[[str], str]) -> tuple[str, str]:
    """(visible text of `strip(html)`, visible text of `html`) from one parse of `html`: for markup whose
    extra characters (`dlp.provenance` markers) sit only in text and quoted attribute values, so the parse
    tree is the same with or without them and only the line clean-up differs."""
    joined = _visible_chunks(html)
    return _lines(strip(joined)), _lines(joined)


HIDDEN_FIELD = "body.html.hidden"
# Values a reader does not see but the message carries to every recipient: comments, hidden form fields,
# <template>/<noscript> content, meta content. (Script and style are code and CSS, not read here.)
_HIDDEN_CONTAINERS = "noscript, template"
_HIDDEN_ATTRIBUTES = ("value", "content", "placeholder")


def hidden_text(html: str) -> str:
    """Text an HTML part carries that `visible_text` leaves out, one piece per line: personal data
    hidden in a comment or a hidden input still leaves with the message, so it is scanned too."""
    tree = parse_html(html)
    root = tree.root
    if root is None:
        return ""
    chunks: list[str] = [node.text(deep=True, separator=" ") for node in tree.css(_HIDDEN_CONTAINERS)]
    for node in root.traverse(include_text=False):
        if node.tag == "-comment":
            chunks.append(_TAG.sub(" ", node.comment_content or ""))
            continue
        for attribute in _HIDDEN_ATTRIBUTES:
            value = node.attributes.get(attribute)
            if value:
                chunks.append(value)
    return "\n".join(" ".join(chunk.split()) for chunk in chunks if chunk and chunk.strip())


def _visible_chunks(html: str) -> str:
    tree = parse_html(html)
    for node in tree.css(INVISIBLE):
        node.decompose()
    root = tree.root
    if root is None:
        return ""
    chunks: list[str] = []
    for node in root.traverse(include_text=True):
        previous = node.prev
        if previous is not None and previous.tag in BLOCK_TAGS:
            chunks.append("\n")  # text after a block element (`<div>536-22-8451</div>Hello`) is a new line
        if node.tag == "-text":
            chunks.append(node.text(deep=False) or "")
            continue
        if node.tag in BLOCK_TAGS:
            chunks.append("\n")
        elif node.tag in CELL_TAGS:
            chunks.append(" ")
        for attribute in VISIBLE_ATTRIBUTES:
            value = node.attributes.get(attribute)
            if value:
                chunks.append(f"\n{value}\n")
    return "".join(chunks)


def _lines(joined: str) -> str:
    # Each substitution runs once over the whole text: neither a space run nor a digit-group separator
    # reaches over a line break (and a line break is no digit to the lookarounds), so this is the same as
    # cleaning every line on its own, without a regex call per line.
    lines = "\n".join(line.strip() for line in _SPACES.sub(" ", joined).split("\n"))
    return _BLANK_LINES.sub("\n\n", _SPLIT_GROUPS.sub(r"\1", lines)).strip()


# A URL written out in text: scheme or www., up to whitespace or a closing bracket/quote. Trailing
# sentence punctuation is not part of it.
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def bare_urls(text: str) -> list[str]:
    """URLs written out in plain text (a text part, an attachment, link text)."""
    out = []
    for match in _BARE_URL.finditer(text):
        url = match.group().rstrip(_TRAILING)
        out.append(url if "://" in url else "http://" + url)
    return out


def all_links(text: str, html: str | None) -> list[str]:
    """href/src (and srcset) of the markup plus bare URLs of the text, each once, in order."""
    found: list[str] = []
    if html:
        for node in parse_html(html).css("[href], [src], [srcset]"):
            for attribute in ("href", "src"):
                value = node.attributes.get(attribute)
                if value:
                    found.append(value)
            for candidate in (node.attributes.get("srcset") or "").split(","):
                if candidate.strip():
                    found.append(candidate.split()[0])
    found.extend(bare_urls(text))
    return list(dict.fromkeys(found))
