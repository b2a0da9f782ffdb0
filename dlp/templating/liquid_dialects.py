"""The Liquid dialects of Braze and Klaviyo, rewritten to the standard Liquid python-liquid parses.

Each rewrite keeps the line count, so errors still name the author's line:
- Braze writes output tags inside tags (`{% assign m = {{${date_of_birth}}} | date: "%B" %}`,
  `{% if {{a}} == {{b}} %}`): inside a tag, `{{ x }}` is `x`.
- Braze's `{% abort_message('reason') %}` stops that recipient's message. A pre-flight still scans the
  message as rendered up to there and past it (scanning a message that is not sent costs a false alarm at
  worst; skipping one that is sent would miss a leak), so the tag renders as nothing.
- Klaviyo (Django syntax) filters inside conditions (`{% if person|lookup:'Tier' == 'gold' %}`); Liquid
  does not, so each filtered operand is computed by an `{% assign %}` placed before the `if` it belongs to
  (filters are pure, so computing an `elsif` operand early changes nothing).
"""

from __future__ import annotations

import re

from dlp.templating.scan import replace, spans

# Each applied to one tag found by scan.spans (linear whatever the template holds).
_INNER_OUTPUT = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_ABORT = re.compile(r"\{%-?\s*abort_message\b")
_CONDITION = re.compile(r"\{%(-?)(\s*)(if|elsif|unless|endif|endunless)\b(.*?)(-?)%\}", re.DOTALL)
TAGS = (("{%", "%}"),)
OUTPUTS = (("{{", "}}"),)
_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")
_LOGIC = re.compile(r"(\s+(?:and|or)\s+)")
_COMPARE = re.compile(r"(\s*(?:==|!=|<>|>=|<=|>|<|\bcontains\b)\s*)")


def braze(source: str) -> str:
    """Output tags inside tags unwrapped; `abort_message` rendered as nothing."""

    def tag(text: str, _pair: int) -> str:
        if _ABORT.match(text):
            return "\n" * text.count("\n")
        return replace(text, OUTPUTS, lambda inner, _p: _INNER_OUTPUT.fullmatch(inner).group(1))  # type: ignore[union-attr]

    return replace(source, TAGS, tag)


def _protect(text: str) -> tuple[str, list[str]]:
    strings: list[str] = []

    def keep(match: re.Match[str]) -> str:
        strings.append(match.group(0))
        return f"\x00{len(strings) - 1}\x00"

    return _STRING.sub(keep, text), strings


def _restore(text: str, strings: list[str]) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: strings[int(m.group(1))], text)


def filtered_conditions(source: str) -> str:
    """`{% if x|f:'a' == 'b' %}` as `{% assign dlp_cond_1 = x|f:'a' %}{% if dlp_cond_1 == 'b' %}`."""
    inserts: dict[int, list[str]] = {}
    replacements: list[tuple[int, int, str]] = []
    openers: list[int] = []
    count = 0
    for start, end, _pair in spans(source, TAGS):
        match = _CONDITION.fullmatch(source, start, end)
        if match is None:
            continue
        dash, space, word, expression, end_dash = match.groups()
        if word in ("if", "unless"):
            openers.append(match.start())
        elif word in ("endif", "endunless"):
            if openers:
                openers.pop()
            continue
        protected, strings = _protect(expression)
        if "|" not in protected or not openers:
            continue
        assigns: list[str] = []
        pieces = _LOGIC.split(protected)
        for i in range(0, len(pieces), 2):
            sides = _COMPARE.split(pieces[i])
            for j in range(0, len(sides), 2):
                side = sides[j].strip()
                if "|" in side:
                    count += 1
                    name = f"dlp_cond_{count}"
                    assigns.append(f"{{% assign {name} = {_restore(side, strings)} %}}")
                    sides[j] = sides[j].replace(side, name)
            pieces[i] = "".join(sides)
        inserts.setdefault(openers[-1], []).extend(assigns)
        rewritten = f"{{%{dash}{space}{word}{_restore(''.join(pieces), strings)}{end_dash}%}}"
        replacements.append((match.start(), match.end(), rewritten))
    if not replacements:
        return source
    out: list[str] = []
    position = 0
    edits = sorted([(at, at, "".join(text)) for at, text in inserts.items()] + replacements)
    for start, end, text in edits:
        out.append(source[position:start])
        out.append(text)
        position = max(position, end)
    out.append(source[position:])
    return "".join(out)
