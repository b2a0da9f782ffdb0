"""Mustache with chevron: no partials (chevron would read them from files), no lambdas (data is plain).

Undefined names are tracked at the root scope only, so a section's inner lookups still fall back to the
outer scopes as Mustache specifies. In text bodies `{{x}}` is not HTML-escaped.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import chevron
from chevron.tokenizer import ChevronError

from dlp.templating.base import (
    Compiled,
    RenderFailure,
    RenderValues,
    TemplateSyntax,
    Tracked,
    Tracker,
    check_name,
    line_of,
)
from dlp.templating.platform import substitute

_TAG = re.compile(r"\{\{\{?\s*([#/^>&]?)\s*([^{}]*?)\s*\}?\}\}")
_DOUBLE = re.compile(r"(?<!\{)\{\{(?![{#/^!>&=])")


class MustacheEngine:
    syntax = "mustache"

    def __init__(self, variables: Any) -> None:
        self.variables = variables

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = substitute(source, "mustache", self.variables)
        for match in _TAG.finditer(prepared):
            kind, body = match.groups()
            line = line_of(prepared, match.start())
            if kind == ">":
                raise TemplateSyntax("Mustache partials ({{> name}}) are not supported: paste the partial in", line)
            if not body.startswith("!"):
                check_name(body, line)
        if not html:
            prepared = _DOUBLE.sub("{{&", prepared)
        try:
            list(chevron.tokenizer.tokenize(prepared))
        except ChevronError as exc:
            raise TemplateSyntax(f"Mustache: {exc}", _line_in(str(exc))) from None
        return Compiled(prepared, partial(_render, prepared))


def _render(source: str, values: RenderValues) -> str:
    tracker = Tracker()
    try:
        text = chevron.render(source, Tracked(values.merged, tracker, deep=False), partials_path=None, partials_dict={})
    except RenderFailure:
        raise
    except Exception as exc:
        raise RenderFailure(f"Mustache: {type(exc).__name__}: {exc}") from None
    return tracker.finish(text)


def _line_in(text: str) -> int | None:
    match = re.search(r"line (\d+)", text)
    return int(match.group(1)) if match else None
