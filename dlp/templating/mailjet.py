"""Mailjet's templating language, translated to Jinja and rendered by the Jinja sandbox.

Mailjet's language is Jinja-like with its own names: `{{var:x}}` reads the message's variables (here the
recipient's row and `vars:`), `{{data:x}}` the contact's properties (the row), `{{var:x:"default"}}`
gives a default, `{% if var:x %}`/`{% elseif %}`/`{% else %}`/`{% endif %}`, `{% for i in var:items %}`,
`{% set x = ... %}`, `!` for not, and functions (`Upper()`, `Round()`...). The translation rewrites only
those (`var:x` -> `var.x`, `elseif` -> `elif`...), so what runs is Jinja's sandbox with nothing added but
the pure functions in FUNCTIONS. Mailjet's own tags (`[[UNSUB_LINK_EN]]`, `[[PERMALINK]]`,
`[[POSTAL_ADDRESS]]`...) are placeholders, `[[EMAIL_TO]]` the recipient's address. A variable without a
default that the row does not have is undefined in output (Mailjet stops such a message) and false in a
condition. `HasOpenedSince()`/`HasClickedSince()` are false: a pre-flight contact has no history.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import jinja2

from dlp.templating.base import Compiled, RenderValues, TemplateSyntax, line_of
from dlp.templating.jinja import KeyFirstSandbox, render_bounded
from dlp.templating.platform import placeholder
from dlp.templating.rowview import RowView
from dlp.templating.scan import replace

_CODE = (("{{", "}}"), ("{%", "%}"))  # found by scan.replace, in linear time
_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")
_DEFAULTED = re.compile(r"\b(var|data):([\w.-]+)\s*:\s*(\"[^\"]*\"|'[^']*'|[\w.]+)")
_NAMESPACED = re.compile(r"\b(var|data):([\w-]+)")
_HYPHENATED = re.compile(r"(?<![\w.:-])([A-Za-z_]\w*(?:-[A-Za-z_]\w*)+)(?![\w(-])")
_NOT = re.compile(r"!(?!=)")
_SYSTEM = re.compile(r"\[\[([A-Z][A-Z0-9_]*)\]\]")
# Mailjet's system tags -> dlp placeholder names (platform_tags.yaml); UNSUB_LINK_XX is any language.
SYSTEM_TAGS = {
    "PERMALINK": "web_version_url", "SHORT_PERMALINK": "web_version_url", "PERMALINK_LABEL": "web_version_text",
    "UNSUB_LINK": "unsubscribe_url", "POSTAL_ADDRESS": "list_address", "DELIVERY_INFO": "list_description",
    "HEADLINE": "preview_text", "SENDER_NAME": "sender_name", "COMPANY": "company",
}  # fmt: skip
ELSEIF = re.compile(r"\{%-?\s*elseif\b")


def _number(value: Any) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


FUNCTIONS = {
    "Upper": lambda v: str(v).upper(),
    "Lower": lambda v: str(v).lower(),
    "Capitalize": lambda v: str(v)[:1].upper() + str(v)[1:],
    "Round": lambda v, n=0: round(_number(v), int(_number(n))),
    "Abs": lambda v: abs(_number(v)),
    "Floor": lambda v: int(_number(v) // 1),
    "Ceil": lambda v: -int(-_number(v) // 1),
    "Length": lambda v: len(v) if hasattr(v, "__len__") else 0,
    "Min": lambda *a: min(_number(v) for v in a),
    "Max": lambda *a: max(_number(v) for v in a),
    "HasOpenedSince": lambda *a: False,
    "HasClickedSince": lambda *a: False,
}


class _ConditionUndefined(jinja2.ChainableUndefined):
    """A missing variable: false and empty in conditions and loops, an error when printed."""

    __slots__ = ()

    def __str__(self) -> str:
        self._fail_with_undefined_error()
        return ""  # pragma: no cover - the line above raises


def _outside_strings(code: str, rewrite: Any) -> str:
    """Apply `rewrite` to the code of one tag, leaving its string literals as written."""
    out, position = [], 0
    for match in _STRING.finditer(code):
        out.append(rewrite(code[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(rewrite(code[position:]))
    return "".join(out)


def _tag(code: str, _pair: int) -> str:
    code = _DEFAULTED.sub(lambda m: f"{m.group(1)}.{m.group(2).replace('-', '_')}|mj_default({m.group(3)})", code)

    def names(text: str) -> str:
        text = _NAMESPACED.sub(lambda m: f"{m.group(1)}.{m.group(2).replace('-', '_')}", text)
        text = _HYPHENATED.sub(lambda m: m.group(1).replace("-", "_"), text)
        return _NOT.sub(" not ", text)

    code = _outside_strings(code, names)
    return ELSEIF.sub(lambda m: m.group(0).replace("elseif", "elif"), code)


def translate(source: str) -> str:
    """Mailjet syntax as Jinja (see the module docstring); line numbers are kept."""
    return replace(source, _CODE, _tag)


def _mj_default(value: Any, default: Any) -> Any:
    if isinstance(value, jinja2.Undefined) or value is None or value == "":
        return default
    return value


class MailjetEngine:
    syntax = "mailjet"

    def __init__(self, variables: Any) -> None:
        self.variables = variables
        self.envs = {}
        for html in (False, True):
            env = KeyFirstSandbox(undefined=_ConditionUndefined, autoescape=html, keep_trailing_newline=True)
            env.globals.update(FUNCTIONS)
            env.filters["mj_default"] = _mj_default
            self.envs[html] = env

    def system_tags(self, source: str) -> str:
        def tag(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "EMAIL_TO":
                return "{{ var.email }}"
            key = "UNSUB_LINK" if re.fullmatch(r"UNSUB_LINK_[A-Z]{2}", name) else name
            spec = SYSTEM_TAGS.get(key)
            return placeholder(spec, self.variables) if spec else match.group(0)

        return _SYSTEM.sub(tag, source)

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = translate(self.system_tags(source))
        try:
            template = self.envs[html].from_string(prepared)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateSyntax(f"Mailjet: {exc.message}", exc.lineno) from None
        except RecursionError:
            raise TemplateSyntax("Mailjet: template nested too deeply", line_of(prepared, 0)) from None
        return Compiled(prepared, partial(_render, template, prepared, self.variables))


def _render(template: jinja2.Template, source: str, variables: Any, values: RenderValues) -> str:
    row = values.row or {}
    context = dict(values.merged)
    context["var"] = RowView({**variables, **row})
    context["data"] = RowView(row)
    return render_bounded(template, source, context, "Mailjet")
