"""Rule files: YAML data validated on load, layered like gitleaks' `[extend] useDefault`.

`rules/default.yaml` defines the catalogue. A user file may change a rule's severity or parameters by
id, disable it, extend its list parameters, add allowlisted values/addresses/domains, or add a whole new
pattern rule (`detector: pattern`) without writing code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dlp.errors import InputError
from dlp.model import RuleInfo, RulesFileInfo, Severity
from dlp.yamlio import line_of, load_yaml, validate

RULE_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def default_rules_path() -> Path:
    """The shipped catalogue: `rules/` in a checkout, `dlp/_rules/` in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "rules" / "default.yaml", here / "_rules" / "default.yaml"):
        if candidate.exists():
            return candidate
    raise InputError("the default rules file is missing from the installation; reinstall dlp")


class PatternSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    regex: str
    score: float = Field(default=0.8, ge=0, le=1)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"regex does not compile: {exc}") from None
        return value


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str | None = None
    severity: Severity | None = None
    enabled: bool | None = None
    remediation: str | None = None
    detector: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    extend: dict[str, list[Any]] = Field(
        default_factory=dict, description="list parameters to append to instead of replacing"
    )
    patterns: list[PatternSpec] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError("rule ids are lower-case words joined by '-', like 'exposed-recipients'")
        return value


class AllowlistSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    values: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    fingerprints: list[str] = Field(default_factory=list)


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = 1
    rules: list[RuleSpec] = Field(default_factory=list)
    allowlist: AllowlistSpec = Field(default_factory=AllowlistSpec)
    vocabulary: dict[str, list[str]] = Field(
        default_factory=dict, description="shared word lists (list hosts, salutations); later files extend them"
    )
    recognizers: list[dict[str, Any]] = Field(
        default_factory=list, description="extra Presidio pattern recognizers, Presidio's YAML format"
    )
    fingerprint_key_file: str | None = Field(
        default=None,
        description="a file holding the team's fingerprint key (relative to this rules file), so baselines and "
        "allowlisted fingerprints match on every machine; DLP_FINGERPRINT_KEY(_FILE) override it",
    )


@dataclass
class Rule:
    id: str
    description: str
    severity: Severity
    remediation: str
    detector: str
    enabled: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)
    patterns: list[PatternSpec] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    defined_in: str = ""
    # Where in `defined_in` the rule was last written: "" -> its entry's line, a parameter name -> that
    # parameter's line, so a parameter the detector refuses is an error naming the file AND the line.
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, parameter: str = "") -> int | None:
        return self.lines.get(parameter) or self.lines.get("")


@dataclass
class Allowlist:
    values: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    fingerprints: set[str] = field(default_factory=set)

    def allows_value(self, value: str) -> bool:
        normalised = " ".join(value.lower().split())
        return normalised in self.values or self.allows_address(normalised)

    def allows_address(self, address: str) -> bool:
        address = address.strip().lower()
        if address in self.addresses:
            return True
        _, at, domain = address.rpartition("@")
        return bool(at) and any(domain == d or domain.endswith("." + d) for d in self.domains)


@dataclass
class RuleSet:
    rules: dict[str, Rule]
    allowlist: Allowlist
    recognizers: list[dict[str, Any]]
    files: list[str]
    fingerprint_key_file: Path | None = None  # the project's shared key (the last rules file naming one wins)
    vocabulary: dict[str, list[str]] = field(default_factory=dict)  # shared word lists, name -> words

    def get(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def enabled(self, rule_id: str) -> bool:
        rule = self.rules.get(rule_id)
        return bool(rule and rule.enabled)

    def describe(self) -> dict[str, RuleInfo]:
        """Every rule as in effect, for the report (SARIF and HTML describe rules from this)."""
        return {
            r.id: RuleInfo(r.id, r.description, r.severity, r.remediation, r.enabled, dict(r.parameters), r.defined_in)
            for r in self.rules.values()
        }

    def file_hashes(self) -> list[RulesFileInfo]:
        out = []
        for name in self.files:
            try:
                digest = hashlib.sha256(Path(name).read_bytes()).hexdigest()
            except OSError:
                digest = ""
            out.append(RulesFileInfo(name, digest))
        return out


def read_rules_file(path: Path) -> RulesFile:
    return _read_rules_file(path)[0]


def _read_rules_file(path: Path) -> tuple[RulesFile, yaml.Node | None]:
    data, node = load_yaml(path)
    return validate(RulesFile, data, node, path, "rules file"), node


def read_ruleset(extra: list[Path] | None = None, *, include_default: bool = True) -> RuleSet:
    """Read the default catalogue, then layer each extra file over it, in order. Pure data: the detectors'
    parameters are validated by the registry (`dlp.checks.load_ruleset`, what every entry point calls)."""
    files = ([default_rules_path()] if include_default else []) + list(extra or [])
    rules: dict[str, Rule] = {}
    allowlist = Allowlist()
    recognizers: list[dict[str, Any]] = []
    key_file: Path | None = None
    vocabulary: dict[str, list[str]] = {}
    for path in files:
        spec, node = _read_rules_file(Path(path))
        if spec.fingerprint_key_file:
            key_file = (Path(path).parent / spec.fingerprint_key_file).resolve()
        for index, rule_spec in enumerate(spec.rules):
            _apply(rules, rule_spec, str(path), _spec_lines(node, index, rule_spec))
        allowlist.values |= {" ".join(v.lower().split()) for v in spec.allowlist.values}
        allowlist.addresses |= {a.strip().lower() for a in spec.allowlist.addresses}
        allowlist.domains |= {d.strip().lower().lstrip("@") for d in spec.allowlist.domains}
        allowlist.fingerprints |= set(spec.allowlist.fingerprints)
        recognizers.extend(spec.recognizers)
        for name, words in spec.vocabulary.items():
            vocabulary.setdefault(name, []).extend(words)
    return RuleSet(
        rules=rules,
        allowlist=allowlist,
        recognizers=recognizers,
        files=[str(f) for f in files],
        vocabulary=vocabulary,
        fingerprint_key_file=key_file,
    )


def _spec_lines(node: yaml.Node | None, index: int, spec: RuleSpec) -> dict[str, int]:
    """The line of a rules file's `index`-th rule entry ("") and of each parameter it sets or extends."""
    lines = {"": line_of(node, ("rules", index))}
    for section, names in (("parameters", spec.parameters), ("extend", spec.extend)):
        for name in names:
            lines[name] = line_of(node, ("rules", index, section, name))
    return {name: line for name, line in lines.items() if line}


def _apply(rules: dict[str, Rule], spec: RuleSpec, path: str, lines: dict[str, int] | None = None) -> None:
    lines = lines or {}
    existing = rules.get(spec.id)
    if existing is None:
        missing = [k for k in ("description", "severity") if getattr(spec, k) is None]
        if missing:
            raise InputError(
                f"rule '{spec.id}' is not in the catalogue, so a new rule needs "
                f"{' and '.join(missing)} (or fix the id: `dlp rules list` shows the known ones)",
                path=path,
                line=lines.get(""),
            )
        rules[spec.id] = Rule(
            id=spec.id,
            description=spec.description or "",
            severity=spec.severity or Severity.WARN,
            remediation=spec.remediation or "",
            detector=spec.detector or spec.id,
            enabled=spec.enabled if spec.enabled is not None else True,
            parameters=dict(spec.parameters),
            patterns=list(spec.patterns),
            keywords=list(spec.keywords),
            defined_in=path,
            lines=dict(lines),
        )
        for key, values in spec.extend.items():
            rules[spec.id].parameters[key] = list(rules[spec.id].parameters.get(key, [])) + list(values)
        return
    if spec.description is not None:
        existing.description = spec.description
    if spec.severity is not None:
        existing.severity = spec.severity
    if spec.enabled is not None:
        existing.enabled = spec.enabled
    if spec.remediation is not None:
        existing.remediation = spec.remediation
    if spec.detector is not None:
        existing.detector = spec.detector
    existing.parameters.update(spec.parameters)
    for key, values in spec.extend.items():
        current = existing.parameters.get(key, [])
        if not isinstance(current, list):
            raise InputError(f"rule '{spec.id}': 'extend.{key}' needs a list parameter", path=path, line=lines.get(key))
        existing.parameters[key] = list(current) + list(values)
    if spec.patterns:
        existing.patterns = list(existing.patterns) + list(spec.patterns)
    if spec.keywords:
        existing.keywords = list(existing.keywords) + list(spec.keywords)
    if existing.defined_in != path:
        existing.lines = {}
    existing.defined_in = path
    existing.lines.update(lines)
