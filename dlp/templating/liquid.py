"""Liquid (Shopify, Klaviyo, Braze, Customer.io) with python-liquid, inside its own resource limits.

python-liquid is given no loader (it reads no file; `{% include %}`, `{% render %}` and Braze's
`{{content_blocks.${name}}}` are syntax errors naming the tag) and bounds loops, output and context
depth itself (limits below). The row is also reachable as `customer`, `person`, `contact`, `subscriber`,
`user` and `custom_attribute` (Shopify/Customer.io/Klaviyo/Braze style), Braze's `${first_name}` attribute
syntax is read as `first_name`, Braze's and Klaviyo's dialects are rewritten (`liquid_dialects`), the
platforms' link tags take their optional link text (`{% unsubscribe 'Opt out' %}`), and the platforms'
own filters are added (`dlp.templating.liquid_filters`: Shopify's `money`/`img_url`/`format_address`...,
Klaviyo's `lookup` and Django-style names, Braze's).
"""

from __future__ import annotations

import contextvars
import re
from functools import partial
from typing import Any

import liquid
from liquid.exceptions import LiquidError, LiquidSyntaxError, ResourceLimitError, UndefinedError

from dlp.templating.base import MAX_OUTPUT_CHARS, Compiled, RenderFailure, RenderValues, TemplateSyntax, Tracker
from dlp.templating.liquid_dialects import braze, filtered_conditions
from dlp.templating.liquid_filters import platform_filters
from dlp.templating.platform import substitute
from dlp.templating.rowview import RowView

ROW_OBJECTS = ("customer", "person", "contact", "subscriber", "user", "custom_attribute")
_OTHER_FILE = re.compile(r"\{%-?\s*(include|render)\b|\{\{-?\s*(content_blocks\.[\w.]+)")
_LINK_TAG_TEXT = re.compile(
    r"\{%-?\s*(unsubscribe|unsubscribe_url|unsubscribe_link|manage_preferences|manage_preferences_url|web_view"
    r"|view_in_browser_url)\s+(?:\"[^\"]*\"|'[^']*')\s*-?%\}"
)
_BRAZE_ATTRIBUTE = re.compile(r"\$\{([A-Za-z_][\w ]*)\}")
_TRACKER: contextvars.ContextVar[Tracker | None] = contextvars.ContextVar("dlp_liquid_tracker", default=None)


class _MarkerUndefined(liquid.Undefined):
    """An undefined variable: empty to filters and tests, a marker when output (see base.Tracker)."""

    __slots__ = ()

    def __str__(self) -> str:
        tracker = _TRACKER.get()
        if tracker is None:
            return ""
        hint = self.hint or ""
        name = hint.removesuffix(" is undefined") if hint.endswith(" is undefined") and "'" not in hint else self.name
        return str(tracker.missing(name))


def _lookup(obj: Any, key: Any) -> Any:
    try:
        return obj[key]
    except (KeyError, TypeError, IndexError):
        tracker = _TRACKER.get()
        return tracker.missing(str(key)) if tracker is not None else ""


class _Environment(liquid.Environment):
    loop_iteration_limit = 100_000
    output_stream_limit = MAX_OUTPUT_CHARS
    context_depth_limit = 30
    local_namespace_limit = 1_000_000


class LiquidEngine:
    syntax = "liquid"

    def __init__(self, variables: Any) -> None:
        self.variables = variables
        self.envs = {html: _Environment(undefined=_MarkerUndefined, autoescape=html) for html in (False, True)}
        for env in self.envs.values():
            env.filters.update(platform_filters(variables))  # Shopify's, Klaviyo's and Braze's own filters
            env.filters["lookup"] = _lookup  # Klaviyo: {{ person|lookup:'Favorite Color' }}

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = substitute(_LINK_TAG_TEXT.sub(r"{% \1 %}", source), "liquid", self.variables)
        prepared = _BRAZE_ATTRIBUTE.sub(lambda m: m.group(1).strip().replace(" ", "_"), prepared)
        prepared = filtered_conditions(braze(prepared))
        other_file = _OTHER_FILE.search(prepared)
        if other_file:
            raise TemplateSyntax(
                f"Liquid: '{other_file.group(1) or other_file.group(2)}' reads another template, which dlp does not: "
                f"paste that snippet in",
                prepared.count("\n", 0, other_file.start()) + 1,
            )
        try:
            template = self.envs[html].from_string(prepared)
        except LiquidSyntaxError as exc:
            raise TemplateSyntax(f"Liquid: {exc.message}", _line(exc)) from None
        except LiquidError as exc:
            raise TemplateSyntax(f"Liquid: {exc}", _line(exc)) from None
        return Compiled(prepared, partial(_render, template))


def _render(template: Any, values: RenderValues) -> str:
    tracker = Tracker()
    context = dict(values.merged)
    if values.row is not None:
        view = RowView(values.row)
        for name in ROW_OBJECTS:
            context.setdefault(name, view)
    token = _TRACKER.set(tracker)
    try:
        text = template.render(**context)
    except ResourceLimitError as exc:
        raise RenderFailure(f"render budget exceeded: {exc.message if hasattr(exc, 'message') else exc}") from None
    except UndefinedError as exc:
        raise RenderFailure(str(exc), _line(exc)) from None
    except LiquidError as exc:
        raise RenderFailure(f"Liquid: {exc}", _line(exc)) from None
    finally:
        _TRACKER.reset(token)
    return tracker.finish(text)


def _line(exc: Exception) -> int | None:
    token = getattr(exc, "token", None)
    if token is None or not getattr(token, "source", None):
        return None
    return token.source.count("\n", 0, token.start_index) + 1
