"""The check registry: every check class, each naming the rule (detector) it reports under.

Explicit, not discovered: what runs is what is listed here, whatever happens to be imported. Two
classes may report under one rule (e.g. shared-address in a recipient list and across an archive);
each does nothing where it does not apply.
"""

from __future__ import annotations

from pydantic import ValidationError

from dlp.checks.address_checks import DisposableAddress, InvalidAddress, PlaceholderAddress
from dlp.checks.archive_shared_address import ArchiveSharedAddress
from dlp.checks.attachments import UnscannedAttachment
from dlp.checks.base import Check, ScanContext
from dlp.checks.bulk_data import BulkPersonalData
from dlp.checks.cross_recipient import CrossRecipientLeak
from dlp.checks.exposed_recipients import ExposedRecipients
from dlp.checks.pattern_rule import PatternRule
from dlp.checks.personal_data import PersonalData, SensitiveData
from dlp.checks.pii_in_link import PiiInLink
from dlp.checks.recipient_list import DuplicateRecipient, SharedAddress
from dlp.checks.template_error import TemplateError
from dlp.checks.unsafe_path import UnsafeAttachmentPath
from dlp.errors import InputError
from dlp.rules import RuleSet

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


def build_checks(ruleset: RuleSet, ctx: ScanContext, only: set[str] | None = None) -> list[Check]:
    checks = []
    for rule in ruleset.rules.values():
        if not rule.enabled or (only is not None and rule.id not in only):
            continue
        checks.extend(cls(rule, ctx) for cls in check_classes(rule.detector))
    return checks
