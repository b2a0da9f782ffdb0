"""exposed-recipients: a mass mail whose To/Cc shows every recipient to all the others.

This is the Orange/Vodafone survey incident: hundreds of customers in To instead of Bcc.

Received mail (audit, check, serve) is judged as what it is. A post to a public mailing list shows
addresses its writers published themselves, and a patch mailed to a list and its maintainers in To+Cc is
how open-source review works (the maintainers' addresses are in the project's MAINTAINERS file): both are
at most a warning. The evidence must be in the message, not in its subject: the list among the
recipients plus its List-Id/List-Post header, or the list among the recipients plus a patch (a diff with
hunks, or git's diffstat) in the message itself. A customer survey has neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dlp.checks.address_rules import fnmatch_any
from dlp.checks.base import Check, vocabulary
from dlp.checks.mailboxes import posting_addresses
from dlp.model import Finding, PartKind, ScanMessage, Severity
from dlp.redact import redact_address


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    block_at: int = Field(10, ge=1)
    warn_at: int = Field(3, ge=1)
    shared_domains: list[str] = Field(
        default_factory=list,
        description="more shared mail providers (besides dlp/data/shared_mail_domains.txt): never internal",
    )
    list_domains: list[str] = vocabulary("list_domains", "mailing-list hosts (fnmatch patterns)")
    list_local_parts: list[str] = vocabulary("list_local_parts", "list-like local parts (fnmatch)")

    @model_validator(mode="after")
    def _order(self) -> Params:
        if self.warn_at > self.block_at:
            raise ValueError("warn_at must not be above block_at")
        return self


def envelope_exposure(message: ScanMessage, visible_external: list[str]) -> dict[str, int] | None:
    """How many SMTP (RCPT TO) recipients see the visible list, when the envelope is known (check, serve).

    A long RCPT list behind an undisclosed To is the right way to send a mass mail and shows nothing, so
    only recipients that are also visible count.
    """
    if not message.envelope_to:
        return None
    envelope = {a for a in message.envelope_recipients if "@" in a}
    return {
        "envelope_recipients": len(envelope),
        "envelope_recipients_visible": len(envelope & set(visible_external)),
    }


# A patch as git and diff(1) write it (also quoted in a review reply): a file header followed by a hunk,
# or git's diffstat summary line. "[PATCH]" in a subject or a Signed-off-by line alone is not a patch.
_DIFF = re.compile(
    r"(?m)^[> \t]*(?:diff --git a/\S+ b/\S+|-{3} \S.*\n[> \t]*\+{3} \S.*\n[> \t]*@@ -\d+(?:,\d+)? \+\d+)|"
    r"^[> \t]*\d+ files? changed(?:, \d+ insertions?\(\+\))?(?:, \d+ deletions?\(-\))?[ \t]*$"
)


def posted_to_list(message: ScanMessage, visible: list[str]) -> str | None:
    """The mailing list a received message went through, when one of its visible addresses is that list.

    A post to a public list (patch review on LKML Cc's a dozen maintainers) shows addresses its writers
    published themselves; it is not a mail merge with the customers in To. Both the List-* header and the
    list's own address among the recipients are needed, so one forged header does not lower the rule.
    """
    lists = posting_addresses(message)
    return next((address for address in visible if address in lists), None)


def carries_patch(message: ScanMessage) -> bool:
    """A diff with hunks (or git's diffstat) in the message's own text or a text attachment."""
    return any(part.kind != PartKind.HEADER and _DIFF.search(part.text) for part in message.parts)


class ExposedRecipients(Check):
    detector = "exposed-recipients"
    Params = Params

    @classmethod
    def compile(cls, rule, params: Params) -> tuple[re.Pattern[str], re.Pattern[str]]:
        return fnmatch_any(params.list_domains), fnmatch_any(params.list_local_parts)

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.list_domain, self.list_local = self.compiled

    def _is_list(self, address: str) -> bool:
        local, _, domain = address.rpartition("@")
        return bool(self.list_domain.match(domain) or self.list_local.match(local))

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        visible = [a for a in message.visible_recipients if not self.scope.is_internal(a, message)]
        received = self.scope.received
        # Received mail: a mailing list in Cc is no person whose address is shown to the others.
        lists = [a for a in visible if self._is_list(a)] if received else []
        external = [a for a in visible if a not in lists]
        count = len(external)
        if count < self.params.warn_at:
            return
        severity = Severity.BLOCK if count >= self.params.block_at else Severity.WARN
        # The list address is looked for among all visible addresses: a list host such as vger.kernel.org
        # is not counted as a person, and is still the list the message was posted to.
        mailing_list = posted_to_list(message, visible) if received else None
        patch_list = lists[0] if lists and mailing_list is None and carries_patch(message) else None
        if mailing_list is not None or patch_list is not None:
            severity = Severity.WARN  # addresses of a public list thread, shown by the list itself
        showing = [
            h for h in ("To", "Cc") if any(not self.scope.is_internal(a, message) for a in message.visible_in(h))
        ]
        fields = " and ".join(showing)
        shown = ", ".join(redact_address(a) for a in external[:3]) + (", …" if count > 3 else "")
        extra: dict[str, int] = {"external_addresses": count}
        text = f"{count} external addresses visible in {fields}: every recipient sees all the others"
        if mailing_list is not None:
            text += f" (a post to the mailing list {redact_address(mailing_list)}: at most a warning)"
            extra["mailing_list_post"] = 1
        elif patch_list is not None:
            text += (
                f" (a patch mailed to the list {redact_address(patch_list)} and its maintainers, as open-source "
                "review works: at most a warning)"
            )
            extra["patch_review"] = 1
        exposed = envelope_exposure(message, external)
        if exposed is not None:
            # At the SMTP door the envelope says who actually receives the message: when those recipients
            # are the ones listed in To/Cc, the exposure is certain, not a drafting accident.
            extra.update(exposed)
            text = (
                f"{count} external addresses visible in {fields}; {exposed['envelope_recipients_visible']} of the "
                f"{exposed['envelope_recipients']} SMTP recipients are among them and see all the others"
            )
        yield self.finding(
            text,
            scan_message=message,
            field=fields.replace(" and ", "+"),
            value=", ".join(sorted(external)),
            excerpt=shown,
            where=f"{fields}:{count >= self.params.block_at}",
            count=count,
            severity=severity,
            extra=extra,
            recipients=tuple(external),
        )
