"""Platform-provided tags (unsubscribe links, list address...) as placeholders; see platform_tags.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

FAMILIES = {
    "mailchimp": "mailchimp",
    "handlebars": "sendgrid_postmark",
    "mustache": "sendgrid_postmark",
    "mautic": "mautic",
    "ampscript": "ampscript",
    "liquid": "liquid",
    "brevo": "brevo",
    "go": "go",
}


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(Path(__file__).with_name("platform_tags.yaml").read_text(encoding="utf-8"))


def placeholder(name: str, variables: Mapping[str, Any]) -> str:
    spec = _data()["placeholders"][name]
    var = spec.get("var")
    if var and var in variables and variables[var] is not None:
        return str(variables[var])
    return str(spec["default"])


def tag_values(syntax: str, variables: Mapping[str, Any]) -> dict[str, str]:
    """Tag (upper-cased for Mailchimp names, as written otherwise) -> the text a recipient gets."""
    family = FAMILIES.get(syntax)
    if family is None:
        return {}
    return {tag: placeholder(name, variables) for tag, name in _data()["tags"][family].items()}


def substitute(source: str, syntax: str, variables: Mapping[str, Any]) -> str:
    """The source with the family's literal platform tags replaced by their placeholders."""
    values = tag_values(syntax, variables)
    if not values or syntax in ("mailchimp", "go"):
        return source  # those engines resolve platform tags by name while rendering
    # `{{ organization.name }}` is the campaign's own when `vars:` gives `organization`
    values = {tag: text for tag, text in values.items() if _root(tag) not in variables}
    if not values:
        return source
    pattern = re.compile("|".join(re.escape(t) for t in sorted(values, key=len, reverse=True)), re.IGNORECASE)
    lowered = {t.lower(): v for t, v in values.items()}
    return pattern.sub(lambda m: lowered[m.group(0).lower()], source)


def _root(tag: str) -> str | None:
    match = re.match(r"\{\{\s*([A-Za-z_]\w*)", tag)
    return match.group(1) if match else None


def all_placeholder_texts(variables: Mapping[str, Any]) -> list[str]:
    return [placeholder(name, variables) for name in _data()["placeholders"]]
