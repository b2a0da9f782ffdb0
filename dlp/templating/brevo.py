"""Brevo (ex-Sendinblue) templates: Django-like, rendered by the Jinja sandbox with Brevo's objects.

`{{ contact.FIRSTNAME }}` reads the recipient's row (Brevo attribute names are upper case; the row is
found by name, key or meaning, so `contact.FIRSTNAME` finds `First Name`), `{{ params.X }}` the row and
`vars:`. Django filter arguments (`|default:"there"`) are read as Jinja's (`|default("there")`), and the
Django filters Brevo documents that Jinja lacks are added. Brevo's own `{{ unsubscribe }}`, `{{ mirror }}`,
`{{ update_profile }}` are placeholders. Not supported: Django template tags beyond Jinja's
(`{% cycle %}`, `{% now %}`...), which are syntax errors naming the tag.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import jinja2

from dlp.templating.base import Compiled, RenderValues, TemplateSyntax
from dlp.templating.jinja import KeyFirstSandbox, render_bounded
from dlp.templating.platform import substitute
from dlp.templating.rowview import RowView
from dlp.templating.scan import replace

_TAGS = (("{{", "}}"), ("{%", "%}"))  # found by scan.replace, in linear time
_DJANGO_FILTER_ARG = re.compile(r"\|\s*(\w+)\s*:\s*(\"[^\"]*\"|'[^']*'|[\w.]+)")


def _capfirst(value: Any) -> str:
    text = str(value)
    return text[:1].upper() + text[1:]


def _truncatechars(value: Any, length: int = 30) -> str:
    text = str(value)
    return text if len(text) <= int(length) else text[: max(int(length) - 1, 0)] + "…"


def _as_is(value: Any, *args: Any) -> str:
    return str(value)


FILTERS = {
    "capfirst": _capfirst,
    "truncatechars": _truncatechars,
    "floatformat": lambda v, n=-1: f"{float(v):.{abs(int(n))}f}" if str(v).strip() else "",
    "date": _as_is,
    "time": _as_is,
    "default_if_none": lambda v, d="": d if v is None else v,
    "linebreaksbr": lambda v: str(v).replace("\n", "<br>"),
    "slugify": lambda v: re.sub(r"[^\w]+", "-", str(v).lower()).strip("-"),
}


def _django_to_jinja(source: str) -> str:
    return replace(source, _TAGS, lambda tag, _pair: _DJANGO_FILTER_ARG.sub(r"|\1(\2)", tag))


class BrevoEngine:
    syntax = "brevo"

    def __init__(self, variables: Any) -> None:
        self.variables = variables
        self.envs = {}
        for html in (False, True):
            env = KeyFirstSandbox(undefined=jinja2.StrictUndefined, autoescape=html, keep_trailing_newline=True)
            env.filters.update(FILTERS)
            self.envs[html] = env

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = _django_to_jinja(substitute(source, "brevo", self.variables))
        try:
            template = self.envs[html].from_string(prepared)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateSyntax(f"Brevo: {exc.message}", exc.lineno) from None
        return Compiled(prepared, partial(_render, template, prepared, self.variables))


def _render(template: jinja2.Template, source: str, variables: Any, values: RenderValues) -> str:
    row = values.row or {}
    context = dict(values.merged)
    context["contact"] = RowView(row)
    context["params"] = RowView({**variables, **row})
    return render_bounded(template, source, context, "Brevo")
