"""The campaign file (SPEC: Campaign file), validated on load with file:line errors."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dlp.budgets import int_limit
from dlp.errors import InputError
from dlp.recipients import ListSettings, RecipientList
from dlp.safepath import UnsafePath, inside, not_regular
from dlp.yamlio import line_of, load_yaml, validate


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class BodySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    html: str | None = None

    @model_validator(mode="after")
    def _one_body(self) -> BodySpec:
        if not self.text and not self.html:
            raise ValueError("body needs at least one of 'text' or 'html' (a template file name)")
        return self


class AttachmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = None
    template: str | None = None
    filename: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AttachmentSpec:
        if bool(self.path) == bool(self.template):
            raise ValueError("an attachment has exactly one of 'path' (a file) or 'template' (rendered)")
        return self


Syntax = Literal[
    "jinja", "liquid", "handlebars", "mustache", "mailchimp", "mautic", "ampscript", "brevo", "go", "mailjet"
]


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = ""
    from_: str = Field(alias="from")
    mode: Literal["per-recipient", "broadcast"] = "per-recipient"
    to: str | list[str]
    cc: str | list[str] = Field(default_factory=list)
    bcc: str | list[str] = Field(default_factory=list)
    reply_to: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    subject: str
    body: BodySpec
    attachments: list[AttachmentSpec] = Field(default_factory=list)
    recipients: str
    internal_domains: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    identity_columns: list[str] | None = None
    email_column: str | None = None
    # The template language (dlp.templating.SYNTAXES); detected from the templates when absent.
    syntax: Syntax | None = None
    vars: dict[str, Any] = Field(default_factory=dict)  # campaign-level values every template can use

    @field_validator("internal_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in value if d.strip()]


@dataclass
class Campaign:
    path: Path
    spec: CampaignSpec
    node: yaml.Node | None

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def line_of(self, *keys: str | int) -> int | None:
        return line_of(self.node, keys)

    def resolve(self, relative: str, *keys: str | int) -> Path:
        """A file the campaign names (`keys` locate it in the campaign file, for the error's line): inside
        the campaign folder after following symlinks, and a regular file when it exists (see dlp.safepath)."""
        try:
            path = inside(self.base_dir, relative)
        except UnsafePath as exc:
            raise InputError(
                f"'{relative}' {exc.reason}: files named in a campaign must be inside its folder "
                f"({self.base_dir.resolve()}); copy the file there",
                path=self.path,
                line=self.line_of(*keys) if keys else None,
            ) from None
        if (reason := not_regular(path)) is not None:
            raise InputError(f"'{relative}' {reason}", path=self.path, line=self.line_of(*keys) if keys else None)
        return path

    @property
    def to(self) -> list[str]:
        return _as_list(self.spec.to)

    @property
    def cc(self) -> list[str]:
        return _as_list(self.spec.cc)

    @property
    def bcc(self) -> list[str]:
        return _as_list(self.spec.bcc)

    @property
    def sender_domains(self) -> set[str]:
        """The sender's own domains: From's domain plus internal_domains ("not external")."""
        domains = set(self.spec.internal_domains)
        for _name, address in getaddresses([self.spec.from_]):
            if "@" in address and "{" not in address:
                domains.add(address.rpartition("@")[2].lower())
        return domains

    def recipient_list(self) -> RecipientList:
        path = self.resolve(self.spec.recipients, "recipients")
        settings = ListSettings(
            email_column=self.spec.email_column,
            identity_columns=tuple(self.spec.identity_columns) if self.spec.identity_columns else None,
            max_columns=int_limit("DLP_MAX_COLUMNS"),
        )
        return RecipientList(path, settings)

    def rule_files(self) -> list[Path]:
        out = []
        for index, name in enumerate(self.spec.rules):
            path = self.resolve(name, "rules", index)
            if not path.exists():
                raise InputError(f"rules file '{name}' not found", path=self.path, line=self.line_of("rules", index))
            out.append(path)
        return out


def load_campaign(path: str | Path) -> Campaign:
    path = Path(path)
    if path.is_dir():
        path = path / "campaign.yaml"
    if (reason := not_regular(path)) is not None:
        raise InputError(f"the campaign file {reason}", path=path)
    data, node = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError("a campaign file is a YAML mapping (key: value lines)", path=path, line=1)
    spec = validate(CampaignSpec, data, node, path, "campaign file")
    campaign = Campaign(path=path, spec=spec, node=node)
    for key, name in (("text", spec.body.text), ("html", spec.body.html)):
        if name and not campaign.resolve(name, "body", key).is_file():
            raise InputError(f"body {key} template '{name}' not found", path=path, line=campaign.line_of("body", key))
    for index, attachment in enumerate(spec.attachments):
        if attachment.template and not campaign.resolve(attachment.template, "attachments", index).is_file():
            raise InputError(
                f"attachment template '{attachment.template}' not found",
                path=path,
                line=campaign.line_of("attachments", index),
            )
    return campaign
