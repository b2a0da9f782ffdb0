"""Handlebars (SendGrid dynamic templates, Postmark's Mustachio) with pybars3.

pybars3 compiles to Python code over the data it is given and reads nothing else: partials and helpers
are only those registered here (no partials; SendGrid's documented helpers). Names starting with `_`
are refused at compile time, data is wrapped so a missing name is tracked (`base.Tracked`), and every
lookup ticks the render budget. `{{#if x}}` on a missing `x` is false, as on SendGrid; a missing name
in output position is an undefined variable. In text bodies `{{x}}` is not HTML-escaped.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any
from urllib.parse import quote

import pybars

from dlp.templating.base import (
    Compiled,
    Missing,
    RenderFailure,
    RenderValues,
    TemplateSyntax,
    Tracker,
    check_name,
    line_of,
    wrap,
)
from dlp.templating.platform import placeholder, substitute

_TAG = re.compile(r"\{\{~?\s*([#/^>]?)\s*([^{}]*?)\s*~?\}\}")
_DOUBLE = re.compile(r"(?<!\{)\{\{(?![{#/^!>&~])(\s*(?!else\b)[^{}]*?)\}\}(?!\})")
_WORD = re.compile(r"[A-Za-z_@][\w.@/-]*")


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, Missing) else str(value)


_BLOCK = re.compile(r"\{\{~?\s*(?:(#|/)\s*([\w.-]+)[^{}]*?|else\s+(if|unless)\b([^{}]*?))\s*~?\}\}")


def chain_else_if(source: str) -> str:
    """`{{else if x}}` (Handlebars 3+, used by SendGrid's templates) as the nested blocks pybars3 knows:
    `{{else}}{{#if x}}`, with one more `{{/if}}` where the outer block closes."""
    out: list[str] = []
    stack: list[list[Any]] = []  # [block name, extra closes]
    position = 0
    for match in _BLOCK.finditer(source):
        out.append(source[position : match.start()])
        position = match.end()
        sign, name, helper, rest = match.groups()
        if sign == "#":
            stack.append([name, 0])
            out.append(match.group(0))
        elif sign == "/":
            extra = stack.pop()[1] if stack else 0
            out.append("{{/" + "}}{{/".join(["if"] * extra + [name]) + "}}" if extra else match.group(0))
        else:
            if stack:
                stack[-1][1] += 1
            out.append("{{else}}{{#" + helper + " " + rest.strip() + "}}")
    out.append(source[position:])
    return "".join(out)


def _insert(this: Any, value: Any, default: str = "") -> str:
    """SendGrid: {{insert name "default=Customer"}}."""
    text = _text(value)
    return text or (default.removeprefix("default=") if isinstance(default, str) else "")


def _compare(test: Any) -> Any:
    def helper(this: Any, options: Any, a: Any, b: Any) -> Any:
        try:
            ok = test(a, b)
        except TypeError:
            ok = False
        return options["fn"](this) if ok else options["inverse"](this)

    return helper


def _number(value: Any) -> float:
    return float(str(value))


def _date_format(this: Any, value: Any, *args: Any, **kwargs: Any) -> str:
    return _text(value)


HELPERS = {
    "insert": _insert,
    "equals": _compare(lambda a, b: _text(a) == _text(b)),
    "notEquals": _compare(lambda a, b: _text(a) != _text(b)),
    "greaterThan": _compare(lambda a, b: _number(a) > _number(b)),
    "lessThan": _compare(lambda a, b: _number(a) < _number(b)),
    "and": lambda this, options, *args: options["fn"](this) if all(args) else options["inverse"](this),
    "or": lambda this, options, *args: options["fn"](this) if any(args) else options["inverse"](this),
    "formatDate": lambda this, value, *args: _text(value),
    "length": lambda this, value: str(len(value)) if hasattr(value, "__len__") else "0",
    "log": lambda this, *args, **kwargs: "",  # pybars' log prints to stdout
    # Iterable's documented helpers
    "defaultIfEmpty": lambda this, value, default="": _text(value) or _text(default),
    "ifEq": _compare(lambda a, b: _text(a) == _text(b)),
    "ifNotEq": _compare(lambda a, b: _text(a) != _text(b)),
    "ifGt": _compare(lambda a, b: _number(a) > _number(b)),
    "ifLt": _compare(lambda a, b: _number(a) < _number(b)),
    "ifGte": _compare(lambda a, b: _number(a) >= _number(b)),
    "ifLte": _compare(lambda a, b: _number(a) <= _number(b)),
    "ifContainsStr": _compare(lambda a, b: _text(b) in _text(a)),
    "dateFormat": _date_format,
    "capitalize": lambda this, value: _text(value)[:1].upper() + _text(value)[1:],
    "capitalizeFirst": lambda this, value: _text(value)[:1].upper() + _text(value)[1:],
    "urlEncode": lambda this, value: quote(_text(value), safe=""),
    # Mandrill's documented helpers (and Iterable's upper/lower)
    "upper": lambda this, value: _text(value).upper(),
    "lower": lambda this, value: _text(value).lower(),
    "title": lambda this, value: _text(value).title(),
    "url": lambda this, value: quote(_text(value), safe=""),
    "striptags": lambda this, value: re.sub(r"<[^>]*>", "", _text(value)),
    "date": _date_format,
}


def _or_variable(name: str, helper: Any) -> Any:
    """A helper whose name is also a common variable (`{{title}}`, `{{date}}`, `{{url}}`): without
    arguments it is the variable, as the template's author meant, not a call without a value."""

    def call(this: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:
            return this[name] if hasattr(this, "__getitem__") else ""
        return helper(this, *args, **kwargs)

    return call


for _name in ("defaultIfEmpty", "dateFormat", "capitalize", "capitalizeFirst", "urlEncode", "upper", "lower",
              "title", "url", "striptags", "date", "length"):  # fmt: skip
    HELPERS[_name] = _or_variable(_name, HELPERS[_name])

# The sending platform's own values, read as plain variables (Iterable, SendGrid/Postmark by name); a
# column of the same name wins. Placeholder names are dlp.templating.platform_tags.yaml's.
PLATFORM_VARIABLES = {
    "unsubscribeUrl": "unsubscribe_url", "hostedUnsubscribeUrl": "unsubscribe_url",
    "unsubscribeMessageTypeUrl": "unsubscribe_url", "viewInBrowserUrl": "web_version_url",
}  # fmt: skip
_CONTENT_SLOT = re.compile(r"\{\{\{?\s*@content\s*\}?\}\}")


BUILT_IN_BLOCKS = frozenset({"if", "unless", "each", "with"})
BUILT_IN = frozenset({"else", "lookup", "this"})
_ARGUMENTS = re.compile(r"\"[^\"]*\"|'[^']*'|\S+")


def _known_helper(kind: str, body: str, line: int) -> None:
    """A helper dlp does not have is named at compile time (pybars would read `{{price a b}}` as the
    variable `price` and report it undefined, which misleads): exit 2 with the helper and its line."""
    if kind not in ("", "#") or body.startswith(("!", "else")):
        return
    words = _ARGUMENTS.findall(body)
    if not words or (kind == "" and len(words) < 2):
        return  # a plain {{name}} is a variable
    name = words[0]
    if name in HELPERS or name in BUILT_IN or (kind == "#" and name in BUILT_IN_BLOCKS):
        return
    if kind == "#" and len(words) == 1:
        return  # {{#section}}: a Mustache-style section over a variable
    raise TemplateSyntax(
        f"Handlebars: helper '{name}' is not one dlp has (it has if/unless/each/with/lookup and SendGrid's "
        f"{', '.join(sorted(HELPERS))}); it is probably the sending application's own: replace it by the text "
        f"it produces to pre-flight this campaign",
        line,
    )


class HandlebarsEngine:
    syntax = "handlebars"

    def __init__(self, variables: Any) -> None:
        self.variables = variables
        self.compiler = pybars.Compiler()

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = substitute(source, "handlebars", self.variables)
        # Postmark layouts: {{{ @content }}} is where the template's body goes (`vars: {content: ...}`)
        content = str(self.variables.get("content", "") or "")
        prepared = _CONTENT_SLOT.sub(lambda m: content, prepared)
        for match in _TAG.finditer(prepared):
            kind, body = match.groups()
            line = line_of(prepared, match.start())
            if kind == ">":
                raise TemplateSyntax("Handlebars partials ({{> name}}) are not supported: paste the partial in", line)
            for word in _WORD.findall(body):
                check_name(word, line)
            _known_helper(kind, body, line)
        prepared = chain_else_if(prepared)
        if not html:
            prepared = _DOUBLE.sub(r"{{{\1}}}", prepared)
        try:
            template = self.compiler.compile(prepared)
        except Exception as exc:  # pybars raises PybarsError and parser errors of PyMeta
            raise TemplateSyntax(f"Handlebars: {_first_line(exc)}", _line_in(exc)) from None
        platform = {name: placeholder(tag, self.variables) for name, tag in PLATFORM_VARIABLES.items()}
        return Compiled(prepared, partial(_render, template, platform))


def _render(template: Any, platform: dict[str, str], values: RenderValues) -> str:
    tracker = Tracker()
    try:
        data = wrap({**platform, **values.merged}, tracker)
        text = str(template(data, helpers=HELPERS, partials={}))
    except RenderFailure:
        raise
    except Exception as exc:
        raise RenderFailure(f"Handlebars: {type(exc).__name__}: {_first_line(exc)}") from None
    return tracker.finish(text)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _line_in(exc: Exception) -> int | None:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None
