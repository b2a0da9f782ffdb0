"""Mautic tokens: a small interpreter (Mautic renders them in PHP; no Python engine exists).

Supported: `{contactfield=alias}` and `{leadfield=alias}` (any column, found by alias, key or meaning),
with a default after a pipe (`{contactfield=firstname|there}`); `{ownerfield=alias}` from `vars:`
(`owner: {firstname: ...}`) or a placeholder; Mautic's own tokens (`{unsubscribe_url}`,
`{unsubscribe_text}`, `{webview_url}`, `{webview_text}`, `{tracking_pixel}`, `{signature}`...) as
placeholders; `{pagelink=N}`, `{assetlink=N}`, `{formlink=N}` as placeholder URLs. Not supported (a
syntax error names the token): `{dynamiccontent="..."}` and `{focus=N}` (chosen by Mautic's segment
filters), and Twig. A `{token}` dlp does not know stays in the output and is a leftover tag.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import partial
from typing import Any

from dlp.columns import FieldLookup
from dlp.templating.base import Compiled, RenderValues, TemplateSyntax, UndefinedNames, line_of
from dlp.templating.platform import substitute

_TOKEN = re.compile(r"\{(contactfield|leadfield|ownerfield|pagelink|assetlink|formlink)=([^{}|]*)(?:\|([^{}]*))?\}")
_UNSUPPORTED = re.compile(r"\{(dynamiccontent|focus)=[^{}]*\}|\{%|\{\{")
OWNER_PLACEHOLDERS = {"firstname": "Alex", "lastname": "Example", "email": "owner@example.com", "signature": ""}


class MauticEngine:
    syntax = "mautic"

    def __init__(self, variables: Any) -> None:
        self.variables = variables

    def compile(self, source: str, *, name: str, html: bool) -> Compiled:
        prepared = substitute(source, "mautic", self.variables)
        bad = _UNSUPPORTED.search(prepared)
        if bad:
            raise TemplateSyntax(
                f"Mautic: '{bad.group(0)}' is not supported by dlp (dynamic content and Twig are chosen or run by "
                f"Mautic at send time); replace it by the text it stands for to pre-flight this campaign",
                line_of(prepared, bad.start()),
            )
        return Compiled(prepared, partial(_render, prepared, html, self.variables))


def _render(source: str, html: bool, variables: Any, values: RenderValues) -> str:
    lookup = FieldLookup(values.row or {})
    owner = variables.get("owner") if isinstance(variables.get("owner"), dict) else {}
    undefined: list[str] = []

    def token(match: re.Match[str]) -> str:
        kind, alias, default = match.group(1), match.group(2).strip(), match.group(3)
        if kind in ("pagelink", "assetlink", "formlink"):
            return f"https://mautic.example.com/{kind.removesuffix('link')}/{alias}"
        if kind == "ownerfield":
            text = str(owner.get(alias, OWNER_PLACEHOLDERS.get(alias, "")))
        else:
            found, value = lookup.value(alias)
            if not found and default is None:
                undefined.append(alias)
                return ""
            text = "" if value is None else str(value)
            if not text.strip() and default is not None:
                text = default
        return html_lib.escape(text, quote=False) if html else text

    text = _TOKEN.sub(token, source)
    if undefined:
        raise UndefinedNames(undefined)
    return text
