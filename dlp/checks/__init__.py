"""The check registry: every check class, each naming the rule (detector) it reports under.

Explicit, not discovered: what runs is what is listed here, whatever happens to be imported. Two
classes may report under one rule (e.g. shared-address in a recipient list and across an archive);
each does nothing where it does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from dlp.checks.address_checks import DisposableAddress, InvalidAddress, PlaceholderAddress
from dlp.checks.archive_shared_address import ArchiveSharedAddress
from dlp.checks.attachments import UnscannedAttachment
from dlp.checks.base import Check
from dlp.checks.bulk_data import BulkPersonalData
from dlp.checks.cross_recipient import CrossRecipientLeak
from dlp.checks.exposed_recipients import ExposedRecipients
from dlp.checks.pattern_rule import PatternRule
from dlp.checks.personal_data import PersonalData, SensitiveData
from dlp.checks.pii_in_link import PiiInLink
from dlp.checks.recipient_list import DuplicateRecipient, SharedAddress
from dlp.checks.scope import ScanScope
from dlp.checks.template_error import TemplateError
from dlp.checks.unsafe_path import UnsafeAttachmentPath
from dlp.errors import InputError
from dlp.rules import Rule, RuleSet

REGISTERED: tuple[type[Check], ...] = (
    ArchiveSharedAddress,
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
    CHECKS.setdefault(_cls.rule_id, []).append(_cls)


def check_classes(detector: str) -> list[type[Check]]:
    return CHECKS.get(detector, [])


def validate_parameters(ruleset: RuleSet) -> None:
    """Fail fast, naming the file, when a rule has no detector or its parameters do not fit."""
    for rule in ruleset.rules.values():
        classes = check_classes(rule.detector)
        if not classes:
            known = ", ".join(sorted(CHECKS))
            raise InputError(
                f"rule '{rule.id}' names detector '{rule.detector}', which dlp does not have (known: {known})",
                path=rule.defined_in,
            )
        if PatternRule in classes and not rule.patterns:
            raise InputError(f"rule '{rule.id}' uses detector 'pattern' but lists no patterns", path=rule.defined_in)
        for cls in classes:
            try:
                cls.Params.model_validate(rule.parameters)
            except ValidationError as exc:
                error = exc.errors()[0]
                loc = ".".join(str(p) for p in error["loc"])
                raise InputError(f"rule '{rule.id}' parameter '{loc}': {error['msg']}", path=rule.defined_in) from None


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
