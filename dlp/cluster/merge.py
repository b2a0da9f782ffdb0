"""Partial scans -> the one-pass scan: findings in message order, cross-message checks finished once.

The client builds the same checks a one-machine scan builds (same rules, same order) but never shows
them a message. Partitions arrive in order; each one's per-message findings are appended (audit message
numbers moved on by the messages before the partition), and the state of the checks that look across
messages is handed to the client's checks exactly as one pass would have built it:

- personal-data's held-back values (a value in every message is the sender's): held findings are
  appended in order, per-value message counts and the message total are summed (messages of different
  partitions are different messages, so the sums are exact);
- archive `shared-address`: each partition's sightings (one per message to one address) are recorded in
  archive order, so the mailbox books are the ones one pass builds;
- the audit's books (`AuditBooks.merge`), and recipient counts by a hash that is the same in every process.

List-level checks (shared-address and duplicate-recipient in a list, the list health section) finish on
the client, which computed the list's facts once. A check class not known here that keeps state to its
`finish` cannot be merged blindly: the run stops with a clear message instead of reporting wrongly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from dlp.analysis.stage import no_ner_notes
from dlp.checks.addressing import AddressCheck
from dlp.checks.base import Check
from dlp.checks.entity import EntityCheck
from dlp.checks.rules.duplicate_recipient import DuplicateRecipient
from dlp.checks.rules.shared_address import SharedAddress
from dlp.cluster.tasks import PartialScan
from dlp.errors import InputError
from dlp.model import Finding

FINISHED_HERE = (EntityCheck, SharedAddress, DuplicateRecipient, AddressCheck)


def refuse_unmergeable(checks: Iterable[Check]) -> None:
    unknown = sorted(
        {c.rule.id for c in checks if type(c).finish is not Check.finish and not isinstance(c, FINISHED_HERE)}
    )
    if unknown:
        raise InputError(
            f"rule(s) {', '.join(unknown)} look across messages in a way dlp cannot yet merge from a cluster; "
            "run without --scheduler, or disable them"
        )


def _moved(finding: Finding, offset: int) -> Finding:
    if not offset or finding.location.message is None:
        return finding
    return replace(finding, location=replace(finding.location, message=finding.location.message + offset))


class Merge:
    """Folds partial scans, in partition order, into the client's checks and totals."""

    def __init__(self, checks: list[Check], *, renumber: bool) -> None:
        refuse_unmergeable(checks)
        self.checks = checks
        self.renumber = renumber  # audit: message numbers count on across partitions
        self.findings: list[Finding] = []
        self.messages = 0
        self.recipients: set[int] = set()
        self.no_ner: Counter = Counter()
        self.seconds = 0.0

    def add(self, partial: PartialScan) -> None:
        offset = self.messages if self.renumber else 0
        self.findings.extend(_moved(f, offset) for f in partial.findings)
        for position, (held, messages_with, seen) in partial.held.items():
            check = self.checks[position]
            assert isinstance(check, EntityCheck)
            check._held.extend(_moved(f, offset) for f in held)
            check._messages_with.update(messages_with)
            check._messages_seen += seen
        if partial.sightings:
            archive = next(c for c in self.checks if isinstance(c, SharedAddress))
            for sighting in partial.sightings:
                archive.record(replace(sighting, index=sighting.index + offset))
        self.no_ner.update(partial.no_ner)
        self.messages += partial.messages
        self.recipients |= partial.recipients
        self.seconds += partial.seconds

    def finish(self) -> list[Finding]:
        """Every check's `finish`, in the checks' order, as `Scanner.scan` calls them."""
        out = list(self.findings)
        for check in self.checks:
            out.extend(check.finish())
        return out

    def notes(self) -> list[str]:
        """The analysis stage's note (languages checked with patterns only), from every worker's counts: the
        stage's own wording, given the cluster's sum as its detector's counts."""
        if not self.no_ner:
            return []
        return no_ner_notes(self.no_ner)
