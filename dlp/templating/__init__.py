"""Template languages of the platforms campaigns come from, each rendered sandboxed and bounded.

`syntax:` in a campaign file picks one; without it, `detect_syntax` reads the templates. Where a real
Python engine exists it is used (Jinja2, python-liquid, pybars3 for Handlebars, chevron for Mustache;
Brevo and Mailjet are translated to Jinja and reuse its sandbox); Mailchimp merge tags, Mautic tokens,
the AMPscript subset and Listmonk's Go templates have no Python engine and get small, strictly bounded
interpreters here (one module each). Every engine implements `Engine.compile` -> `Compiled.render`
with the errors of `dlp.templating.base`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from dlp.templating.base import Compiled, RenderFailure, RenderValues, TemplateSyntax, UndefinedNames

SYNTAXES = ("jinja", "liquid", "handlebars", "mustache", "mailchimp", "mautic", "ampscript", "brevo", "go", "mailjet")

__all__ = ["SYNTAXES", "Compiled", "Detection", "RenderFailure", "RenderValues", "TemplateSyntax", "UndefinedNames"]


class Engine(Protocol):
    syntax: str

    def compile(self, source: str, *, name: str, html: bool) -> Compiled: ...


def engine_for(syntax: str, variables: Mapping[str, Any]) -> Engine:
    """The engine of a syntax other than plain Jinja (which the renderer compiles itself)."""
    if syntax == "liquid":
        from dlp.templating.liquid import LiquidEngine

        return LiquidEngine(variables)
    if syntax == "handlebars":
        from dlp.templating.handlebars import HandlebarsEngine

        return HandlebarsEngine(variables)
    if syntax == "mustache":
        from dlp.templating.mustache import MustacheEngine

        return MustacheEngine(variables)
    if syntax == "mailchimp":
        from dlp.templating.mailchimp import MailchimpEngine

        return MailchimpEngine(variables)
    if syntax == "mautic":
        from dlp.templating.mautic import MauticEngine

        return MauticEngine(variables)
    if syntax == "ampscript":
        from dlp.templating.ampscript import AmpscriptEngine

        return AmpscriptEngine(variables)
    if syntax == "brevo":
        from dlp.templating.brevo import BrevoEngine

        return BrevoEngine(variables)
    if syntax == "go":
        from dlp.templating.gotemplate import GoEngine

        return GoEngine(variables)
    if syntax == "mailjet":
        from dlp.templating.mailjet import MailjetEngine

        return MailjetEngine(variables)
    raise ValueError(f"unknown template syntax '{syntax}'")


# ---- detection --------------------------------------------------------------------------------------

EXTENSIONS = {
    ".j2": "jinja", ".jinja": "jinja", ".jinja2": "jinja", ".liquid": "liquid", ".hbs": "handlebars",
    ".handlebars": "handlebars", ".mustache": "mustache", ".ampscript": "ampscript", ".tmpl": "go",
    ".gotmpl": "go",
}  # fmt: skip
# Signals of each syntax in template text, strongest first; a syntax's score is its number of hits.
SIGNALS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "go": [
        ("{{ .Field }}", re.compile(r"\{\{-?\s*\.[A-Z]\w*")),
        ("Listmonk functions",
         re.compile(r"\{\{-?\s*(?:UnsubscribeURL|ManageURL|OptinURL|MessageURL|TrackView|TrackLink)\b")),
        ("{{ end }}", re.compile(r"\{\{-?\s*end\s*-?\}\}")),
        ("{{ if .Field }} / {{ index .Field }}",
         re.compile(r"\{\{-?\s*(?:if|range|with|index|len|printf|print|eq|ne|lt|le|gt|ge|not|and|or|html|urlquery)"
                    r"\s[^{}]*?(?<![\w.])\.[A-Za-z]")),
    ],
    "mailjet": [
        ("{{var:x}} / {% if var:x %}", re.compile(r"\{[{%][^{}]*?\b(?:var|data):[A-Za-z_]")),
        ("Mailjet [[TAGS]]",
         re.compile(r"\[\[(?:UNSUB_LINK(?:_[A-Z]{2})?|PERMALINK|SHORT_PERMALINK|PERMALINK_LABEL)\]\]")),
    ],
    "brevo": [("{{ contact.X }} / {{ params.X }}", re.compile(r"\{[{%][^{}]*?\b(?:contact|params)\.\w"))],
    "mailchimp": [("*|MERGE|* tags", re.compile(r"\*\|[A-Za-z0-9_:=!<> \"'.-]+\|\*"))],
    "mautic": [
        ("{contactfield=...}", re.compile(r"\{(?:contactfield|leadfield|ownerfield)=")),
        ("Mautic tokens",
         re.compile(r"\{(?:unsubscribe_url|unsubscribe_text|webview_url|webview_text|tracking_pixel)\}")),
    ],
    "ampscript": [
        ("%%[ ... ]%% / %%=...=%%", re.compile(r"%%\[|%%=")),
        ("%%Attribute%%", re.compile(r"%%[A-Za-z_][\w ]*%%")),
    ],
    "handlebars": [
        ("{{#each}} / {{#if}} / {{else}}",
         re.compile(r"\{\{~?\s*(?:#(?:each|if|unless|with)\b|else\b|/(?:each|if|unless|with)\b)")),
        ("{{#ifEq}} / {{#equals}} (Iterable, SendGrid)",
         re.compile(r"\{\{~?\s*#(?:ifEq|ifNotEq|ifGt|ifLt|ifGte|ifLte|ifContainsStr|equals|notEquals|greaterThan"
                    r"|lessThan)\b")),
        ("{{helper arg}}",  # a call: neither Jinja nor Liquid nor Go (`.x` arguments) reads `{{name arg}}`
         re.compile(r"\{\{~?\s*(?!else\b|end\b)[A-Za-z]\w*\s+(?![^{}]*\b(?:if|else|and|or|not|in|is)\b)"
                    r"(?:\"|'|\.\./|[A-Za-z@])[^{}|%()]*\}\}")),
        ("{{{raw}}} / {{this.x}}", re.compile(r"\{\{\{|\{\{\s*this\b|\{\{\s*@(?:index|key|first|last)")),
        ("SendGrid tags", re.compile(r"<%asm_\w+%>|\[Sender_\w+\]")),
    ],
    "mustache": [("{{#section}} / {{^inverted}}", re.compile(r"\{\{\s*[#^][A-Za-z_][\w.]*\s*\}\}"))],
    "liquid": [
        ("Liquid tags", re.compile(r"\{%-?\s*(?:assign|capture|unless|case|when|elsif|endunless|endcase|endcapture|"
                                   r"increment|decrement|tablerow|echo|liquid|unsubscribe|manage_preferences|web_view)\b")),
        ("Liquid filters", re.compile(r"\|\s*(?:upcase|downcase|capitalize|default|date|append|prepend|split|"
                                      r"strip_html|escape|url_encode|plus|minus|times|divided_by):")),
        ("Liquid filters", re.compile(r"\|\s*(?:upcase|downcase|capitalize|strip_html|url_encode)\b")),
        ("Braze ${attribute}", re.compile(r"\{\{\s*\$\{")),
    ],
    "jinja": [
        ("Jinja tags", re.compile(r"\{%-?\s*(?:set|macro|block|extends|include|import|filter|call|with|endwith)\b")),
        ("Jinja comments / filters", re.compile(r"\{#|\|\s*(?:e|safe|title|round|int|format)\b(?!:)")),
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Detection:
    syntax: str
    reason: str


def detect_syntax(sources: list[tuple[str | None, str]]) -> Detection:
    """The syntax of a campaign's templates: a telling file extension, else the strongest signals."""
    for name, _source in sources:
        for suffix, syntax in EXTENSIONS.items():
            if name and name.lower().endswith(suffix):
                return Detection(syntax, f"file extension {suffix} of {name}")
    scores: dict[str, int] = {}
    evidence: dict[str, str] = {}
    for syntax, signals in SIGNALS.items():
        for label, pattern in signals:
            hits = sum(len(pattern.findall(source)) for _name, source in sources)
            if hits:
                scores[syntax] = scores.get(syntax, 0) + hits
                evidence.setdefault(syntax, label)
    # Brevo is Jinja-like: its contact./params. mappings decide even among Jinja/Liquid signals.
    if scores.get("brevo"):
        return Detection("brevo", f"{evidence['brevo']} ({scores['brevo']}x)")
    if scores.get("mailjet"):  # `var:`/`data:` names are Mailjet's alone, whatever else the template holds
        return Detection("mailjet", f"{evidence['mailjet']} ({scores['mailjet']}x)")
    if scores.get("go"):
        return Detection("go", f"{evidence['go']} ({scores['go']}x)")
    if scores.get("handlebars") and scores.get("mustache"):
        scores["handlebars"] += scores.pop("mustache")  # sections are Handlebars too
    if not scores:
        return Detection("jinja", "no other platform's syntax found")
    best = max(scores, key=lambda s: (scores[s], -SYNTAXES.index(s)))
    return Detection(best, f"{evidence[best]} ({scores[best]}x)")
