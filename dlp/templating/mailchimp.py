"""Mailchimp merge tags: a small interpreter (no Python engine exists for them).

Supported: `*|FIELD|*` (any audience field, found by exported name, by key or by meaning: `FNAME` finds
`First Name`), modifiers `*|UPPER:F|*`, `*|LOWER:F|*`, `*|TITLE:F|*`, `*|HTML:F|*` (unescaped),
`*|URL:F|*` (URL-encoded); conditions `*|IF:F|*`, `*|IF:F=v|*` (also `!= > < >= <=`), `*|IFNOT:F|*`,
`*|ELSEIF:...|*`, `*|ELSE:|*`, `*|END:IF|*`; `*|DATE:fmt|*` / `*|DATE|*`; the platform's own tags
(`*|UNSUB|*`, `*|LIST:ADDRESS|*`, `*|MC:SUBJECT|*`... see platform_tags.yaml) as placeholders or from
`vars:`. Not supported (a syntax error names the tag): `*|INTERESTED:...|*`, `*|FEEDBLOCK|*` and RSS
tags, `*|RANDOM:|*`, social content blocks (`*|TWITTER:FULLPROFILE|*`) and product-recommendation blocks,
`*|MC:TOC|*` content; social links (`*|FACEBOOK:PROFILEURL|*`, `*|TWITTER:TWEET|*`, `*|SHARE:...|*`) are
placeholder URLs.
A field in output position that the audience does not have is an undefined variable; in a condition it
is empty, as Mailchimp treats it.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dlp.columns import FieldLookup
from dlp.templating.base import Budget, Compiled, RenderFailure, RenderValues, TemplateSyntax, UndefinedNames, line_of
from dlp.templating.platform import tag_values
from dlp.templating.scan import spans

_CONDITION = re.compile(r"^\s*([^=!<>]+?)\s*(?:(=|!=|>=|<=|>|<)\s*(.*?))?\s*$")
UNSUPPORTED = ("INTERESTED", "FEEDBLOCK", "RSS", "RANDOM", "FACEBOOK", "TWITTER", "INSTAGRAM", "PRODUCT", "GROUPS")
MODIFIERS = {
    "UPPER": str.upper,
    "LOWER": str.lower,
    "TITLE": str.title,
    "URL": lambda v: quote(v, safe=""),
}
SOCIAL = ("FACEBOOK", "TWITTER", "INSTAGRAM", "LINKEDIN", "YOUTUBE", "PINTEREST")
_SOCIAL_LINK = re.compile(rf"^(?:(?:{'|'.join(SOCIAL)}):(?:\w*URL|LIKE|TWEET|SHARE|FOLLOW)|SHARE:.*)$", re.IGNORECASE)


def social_link(tag: str) -> str | None:
    """A social link tag's placeholder URL (the account's profile or a share link), else None."""
    if not _SOCIAL_LINK.match(tag.strip()):
        return None
    return "https://social.example.com/" + re.sub(r"[^a-z0-9]+", "/", tag.strip().lower()).strip("/")


PHP_DATE = {"Y": "%Y", "y": "%y", "m": "%m", "n": "%-m", "d": "%d", "j": "%-d", "F": "%B", "M": "%b", "D": "%a",
            "l": "%A", "H": "%H", "i": "%M"}  # fmt: skip


@dataclass
class _Node:
    kind: str  # text | tag | if
    value: str = ""
    line: int = 0
    branches: list[tuple[str | None, bool, list[_Node]]] = field(default_factory=list)  # (cond, negate, body)


@dataclass
class _State:
    """One render: where output goes, what was undefined, the budget."""

    lookup: FieldLookup
    out: list[str]
    undefined: list[str]
    budget: Budget
    subject: str | None
    size: int = 0


class MailchimpEngine:
    syntax = "mailchimp"

    def __init__(self, variables: Any) -> None:
        self.variables = variables
        self.platform = {k.upper(): v for k, v in tag_values("mailchimp", variables).items()}

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        return Compiled(source, _Program(_parse(source), html, self.platform, self.variables).render)


def _parse(source: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[_Node] = []
    body = root
    position = 0
    for start, end, _pair in spans(source, (("*|", "|*"),)):
        line = line_of(source, start)
        if start > position:
            body.append(_Node("text", source[position:start]))
        position = end
        tag = source[start + 2 : end - 2].strip()
        head, _, rest = tag.partition(":")
        head = head.upper()
        if head in ("IF", "IFNOT"):
            node = _Node("if", line=line)
            node.branches.append((rest, head == "IFNOT", []))
            body.append(node)
            stack.append(node)
            body = node.branches[-1][2]
        elif head in ("ELSEIF", "ELSE"):
            if not stack:
                raise TemplateSyntax(f"Mailchimp: *|{tag}|* without *|IF:...|*", line)
            stack[-1].branches.append((rest if head == "ELSEIF" else None, False, []))
            body = stack[-1].branches[-1][2]
        elif head == "END" and rest.strip().upper() == "IF":
            if not stack:
                raise TemplateSyntax("Mailchimp: *|END:IF|* without *|IF:...|*", line)
            stack.pop()
            body = stack[-1].branches[-1][2] if stack else root
        elif (head.split("_")[0] in UNSUPPORTED or head in UNSUPPORTED) and social_link(tag) is None:
            raise TemplateSyntax(
                f"Mailchimp: *|{tag[:40]}|* is not supported by dlp (its content is chosen by Mailchimp at send "
                f"time); replace it by the text it stands for to pre-flight this campaign",
                line,
            )
        else:
            body.append(_Node("tag", tag, line))
    if stack:
        raise TemplateSyntax("Mailchimp: *|IF:...|* without *|END:IF|*", stack[-1].line)
    if position < len(source):
        body.append(_Node("text", source[position:]))
    return root


class _Program:
    """The parsed tags and what rendering them needs; `render` is the bound render of the `Compiled`."""

    def __init__(self, nodes: list[_Node], html: bool, platform: dict[str, str], variables: Any) -> None:
        self.nodes = nodes
        self.html = html
        self.platform = platform
        self.variables = variables

    def render(self, values: RenderValues) -> str:
        lookup = FieldLookup({**self.variables, **(values.row or {})})
        out: list[str] = []
        undefined: list[str] = []
        budget = Budget()
        self._emit(self.nodes, _State(lookup, out, undefined, budget, values.subject))
        if undefined:
            raise UndefinedNames(undefined)
        return budget.output("".join(out))

    def _emit(self, nodes: list[_Node], state: _State) -> None:
        for node in nodes:
            state.budget.tick()
            if node.kind == "text":
                state.out.append(node.value)
                state.size += len(node.value)
            elif node.kind == "tag":
                text = self._tag(node.value, state)
                state.out.append(text)
                state.size += len(text)
            else:
                for condition, negate, body in node.branches:
                    if condition is None or self._test(condition, state.lookup) != negate:
                        self._emit(body, state)
                        break
            if state.size > state.budget.max_output:
                raise RenderFailure(f"render budget exceeded: output larger than {state.budget.max_output} characters")

    def _tag(self, tag: str, state: _State) -> str:
        lookup, undefined = state.lookup, state.undefined
        upper = tag.upper()
        if upper == "MC:SUBJECT" and state.subject is not None:
            return html_lib.escape(state.subject, quote=False) if self.html else state.subject
        if upper in self.platform:
            return self.platform[upper]
        if (link := social_link(tag)) is not None:
            return link
        head, _, rest = tag.partition(":")
        head_upper = head.upper()
        if head_upper == "DATE":
            return _date(rest)
        escape = self.html
        transform = None
        if head_upper == "HTML" and rest:
            escape, tag = False, rest
        elif head_upper in MODIFIERS and rest:
            transform, tag = MODIFIERS[head_upper], rest
        found, value = lookup.value(tag.strip())
        if not found:
            undefined.append(tag.strip())
            return ""
        text = "" if value is None else str(value)
        if transform is not None:
            text = transform(text)
        return html_lib.escape(text, quote=False) if escape else text

    def _test(self, condition: str, lookup: FieldLookup) -> bool:
        match = _CONDITION.match(condition)
        if not match:
            return False
        name, operator, expected = match.groups()
        found, value = lookup.value(name.strip())
        actual = "" if not found or value is None else str(value).strip()
        if operator is None:
            return bool(actual)
        expected = (expected or "").strip().strip("'\"")
        if operator in ("=", "!="):
            return (actual.casefold() == expected.casefold()) == (operator == "=")
        try:
            a, b = float(actual), float(expected)
        except ValueError:
            a, b = actual, expected  # type: ignore[assignment]
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[operator]


def _date(php_format: str) -> str:
    today = dt.date.today()
    if not php_format:
        return today.strftime("%m/%d/%Y")
    return "".join(today.strftime(PHP_DATE[c]) if c in PHP_DATE else c for c in php_format)
