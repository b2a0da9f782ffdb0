"""Where each rule's documentation page lives, and what the page says.

Every rule of the default catalogue has one page, `docs/rules/<rule-id>.md`. The same text serves three
readers: a person browsing the repository, `dlp rules show ID` (which prints the page's example), and
SARIF's `helpUri`. An installed wheel carries the pages as `dlp/_docs/rules/`, so `rules show` works offline
and outside a checkout. This module only knows paths and page text (standard library only), so reporters
and the CLI can import it without pulling in the checks.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

DOCS_RELATIVE = "docs/rules"
DOCS_URL_ENV = "DLP_RULE_DOCS_URL"  # e.g. https://git.example.com/acme/dlp/blob/main/docs/rules
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)


def rule_doc_path(rule_id: str) -> str:
    """The page's path relative to the project root: what the README and the rule table link to."""
    return f"{DOCS_RELATIVE}/{rule_id}.md"


@cache
def docs_dir() -> Path | None:
    """`docs/rules/` in a checkout, `dlp/_docs/rules/` in an installed wheel; None if neither is there."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "docs" / "rules", here / "_docs" / "rules"):
        if candidate.is_dir():
            return candidate
    return None


def documented_rule_ids() -> set[str]:
    folder = docs_dir()
    return {page.stem for page in folder.glob("*.md")} if folder else set()


def rule_doc_file(rule_id: str) -> Path | None:
    """The page on this machine, or None for a rule without one (a rule defined in a user's rules file)."""
    folder = docs_dir()
    if folder is None:
        return None
    page = folder / f"{rule_id}.md"
    return page if page.is_file() else None


def rule_doc_url(rule_id: str) -> str | None:
    """The link to put in reports (SARIF `helpUri`), None when the rule has no page (a user's own rule).

    `$DLP_RULE_DOCS_URL/<id>.md` when the variable says where the pages are published; else the page in
    the repository named by the installed package's metadata (`[project.urls]`, a github.com repository);
    else the page's path relative to the project root. The project has no public home yet, so no URL is
    baked in: a guessed one would be a dead link in every report.
    """
    if rule_doc_file(rule_id) is None:
        return None
    base = os.environ.get(DOCS_URL_ENV, "").strip().rstrip("/")
    if base:
        return f"{base}/{rule_id}.md"
    repository = repository_url()
    if repository:
        return f"{repository}/blob/main/{rule_doc_path(rule_id)}"
    return rule_doc_path(rule_id)


@cache
def repository_url() -> str | None:
    """The repository URL in the metadata of the distribution that installed this package (its name is
    looked up, not assumed: the distribution is `maildlp`, the import package `dlp`)."""
    from importlib.metadata import PackageNotFoundError, metadata, packages_distributions

    for distribution in packages_distributions().get(__package__ or "dlp", []):
        try:
            urls = metadata(distribution).get_all("Project-URL") or []
        except PackageNotFoundError:
            continue
        for entry in urls:
            label, _, url = entry.partition(",")
            url = url.strip().rstrip("/")
            if label.strip().lower() in ("repository", "source", "homepage") and url.startswith("https://github.com/"):
                return url
    return None


def page_sections(text: str) -> dict[str, str]:
    """A page's `## Heading` sections by heading, each body stripped (the title and lead go under "")."""
    sections: dict[str, str] = {}
    matches = list(_HEADING.finditer(text))
    sections[""] = text[: matches[0].start() if matches else len(text)].strip()
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[match.group(1)] = text[match.end() : end].strip()
    return sections


_NAMED_FENCE = re.compile(r"^```(\w+)[ \t]+(\S+)[ \t]*$", re.MULTILINE)


def label_file_blocks(markdown: str) -> str:
    """A page's example files are fenced blocks named after their language (```` ```csv people.csv ````);
    renderers take only the language, so each block gets its file name as a line of its own above it."""
    return _NAMED_FENCE.sub(lambda m: f"`{m.group(2)}`:\n\n```{m.group(1)}", markdown)


def rule_page_sections(rule_id: str) -> dict[str, str]:
    page = rule_doc_file(rule_id)
    return page_sections(page.read_text(encoding="utf-8")) if page else {}
