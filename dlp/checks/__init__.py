"""The detector registry: every detector class, each naming the detector name a rule's `detector:` refers to.

Explicit, not discovered: what runs is what is listed here, whatever happens to be imported. One rule
(YAML: id, severity, parameters) is run by one detector (code, `dlp/checks/rules/<rule>.py`); the
registry validates each rule's parameters against its detector's `Params` (`load_ruleset`), so
`dlp.rules` stays pure data, and compiles the rule set once (`compile_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dlp.checks.base import Check
from dlp.checks.rules.bulk_personal_data import BulkPersonalData
from dlp.checks.rules.cross_recipient_leak import CrossRecipientLeak
from dlp.checks.rules.disposable_address import DisposableAddress
from dlp.checks.rules.duplicate_recipient import DuplicateRecipient
from dlp.checks.rules.exposed_recipients import ExposedRecipients
from dlp.checks.rules.invalid_address import InvalidAddress
from dlp.checks.rules.pattern import PatternRule
from dlp.checks.rules.personal_data import PersonalData
from dlp.checks.rules.pii_in_link import PiiInLink
from dlp.checks.rules.placeholder_address import PlaceholderAddress
from dlp.checks.rules.sensitive_data import SensitiveData
from dlp.checks.rules.shared_address import SharedAddress
from dlp.checks.rules.template_error import TemplateError
from dlp.checks.rules.unsafe_attachment_path import UnsafeAttachmentPath
from dlp.checks.rules.unscanned_attachment import UnscannedAttachment
from dlp.checks.scope import ScanScope
from dlp.errors import InputError
from dlp.rules import Rule, RuleSet, read_ruleset

REGISTERED: tuple[type[Check], ...] = (
    ExposedRecipients,
    TemplateError,
    SensitiveData,
    PersonalData,
    UnscannedAttachment,
    UnsafeAttachmentPath,
    PatternRule,
    CrossRecipientLeak,
    BulkPersonalData,
    PiiInLink,
    SharedAddress,
    PlaceholderAddress,
    InvalidAddress,
    DisposableAddress,
    DuplicateRecipient,
)

CHECKS: dict[str, list[type[Check]]] = {}
for _cls in REGISTERED:
    CHECKS.setdefault(_cls.detector, []).append(_cls)


def check_classes(detector: str) -> list[type[Check]]:
    return CHECKS.get(detector, [])


def load_ruleset(extra: list[Path] | None = None, *, include_default: bool = True) -> RuleSet:
    """The default catalogue with each extra file layered over it (`dlp.rules.read_ruleset`), every rule's
    parameters validated against its detector: a bad rules file is exit 2 naming it, before any scan."""
    ruleset = read_ruleset(extra, include_default=include_default)
    resolve_vocabulary(ruleset)
    validate_parameters(ruleset)
    return ruleset


def resolve_vocabulary(ruleset: RuleSet) -> None:
    """Fill each parameter a detector takes from the shared vocabulary (a `Params` field marked
    `json_schema_extra={"vocabulary": name}`): the shared words, then any the rule lists itself."""
    for rule in ruleset.rules.values():
        for cls in check_classes(rule.detector):
            for field, info in cls.Params.model_fields.items():
                extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
                name = extra.get("vocabulary")
                if isinstance(name, str) and name in ruleset.vocabulary:
                    own = rule.parameters.get(field, [])
                    rule.parameters[field] = list(ruleset.vocabulary[name]) + (
                        list(own) if isinstance(own, list) else [own]
                    )


def validate_parameters(ruleset: RuleSet) -> None:
    """Fail fast, naming the file, when a rule has no detector or its parameters do not fit."""
    for rule in ruleset.rules.values():
        classes = check_classes(rule.detector)
        if not classes:
            known = ", ".join(sorted(CHECKS))
            raise InputError(
                f"rule '{rule.id}' names detector '{rule.detector}', which dlp does not have (known: {known})",
                path=rule.defined_in,
                line=rule.line_of(),
            )
        if PatternRule in classes and not rule.patterns:
            message = f"rule '{rule.id}' uses detector 'pattern' but lists no patterns"
            raise InputError(message, path=rule.defined_in, line=rule.line_of())
        for cls in classes:
            try:
                cls.Params.model_validate(rule.parameters)
            except ValidationError as exc:
                error = exc.errors()[0]
                loc = ".".join(str(p) for p in error["loc"])
                line = rule.line_of(str(error["loc"][0])) if error["loc"] else rule.line_of()
                raise InputError(
                    f"rule '{rule.id}' parameter '{loc}': {error['msg']}", path=rule.defined_in, line=line
                ) from None


@dataclass(frozen=True)
class CompiledDetector:
    """One detector of one enabled rule, with its parameters validated and its matchers built."""

    rule: Rule
    cls: type[Check]
    params: Any
    compiled: Any

    def build(self, scope: ScanScope) -> Check:
        return self.cls(self.rule, scope, params=self.params, compiled=self.compiled)


@dataclass(frozen=True)
class CompiledRules:
    """A rule set compiled once (parameters, regexes, matchers, the typo-domain table) and shared by every
    scan that uses it: `dlp serve` and the Python API build fresh checks per message from it for free."""

    ruleset: RuleSet
    detectors: tuple[CompiledDetector, ...]

    def checks(self, scope: ScanScope, only: set[str] | None = None) -> list[Check]:
        return [d.build(scope) for d in self.detectors if only is None or d.rule.id in only]

    def compiled(self, rule_id: str) -> Any:
        """The compiled matcher of an enabled rule (the first detector's), else None."""
        return next((d.compiled for d in self.detectors if d.rule.id == rule_id), None)


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    detectors = []
    for rule in ruleset.rules.values():
        if not rule.enabled:
            continue
        for cls in check_classes(rule.detector):
            params = cls.Params.model_validate(rule.parameters)
            detectors.append(CompiledDetector(rule, cls, params, cls.compile(rule, params)))
    return CompiledRules(ruleset, tuple(detectors))


def build_checks(ruleset: RuleSet | CompiledRules, scope: ScanScope, only: set[str] | None = None) -> list[Check]:
    compiled = ruleset if isinstance(ruleset, CompiledRules) else compile_rules(ruleset)
    return compiled.checks(scope, only)
