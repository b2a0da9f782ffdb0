"""`dlp preview`: one message exactly as one recipient gets it, before reading any finding.

The values printed are the user's own recipient data shown to the user on purpose (that is what a
preview is for); nothing here goes into a report, so no redaction applies. Only the chosen row is
rendered; the list is streamed up to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlp.campaign import load_campaign
from dlp.errors import InputError
from dlp.model import PartKind, ScanMessage
from dlp.render import CampaignRenderer


@dataclass
class Preview:
    text: str
    problems: int


def _render_row(campaign_path: str | Path, row: int) -> tuple[CampaignRenderer, ScanMessage, str]:
    campaign = load_campaign(campaign_path)
    renderer = CampaignRenderer(campaign)
    recipients = campaign.recipient_list()
    if campaign.spec.mode == "broadcast":
        return renderer, renderer.render(0, {"recipients": [r.columns for r in recipients]}, None), "broadcast"
    if row < 1:
        raise InputError(f"--row counts recipients from 1, not {row}", path=recipients.path)
    count = 0
    for recipient in recipients:
        count = recipient.row
        if recipient.row == row:
            where = f"row {row} of {recipients.path.name}" + (f" (line {recipient.line})" if recipient.line else "")
            return renderer, renderer.render(row - 1, dict(recipient.columns), recipient), where
    raise InputError(f"--row {row}: the recipient list has {count} rows", path=recipients.path)


def preview(campaign_path: str | Path, row: int = 1) -> Preview:
    renderer, message, where = _render_row(campaign_path, row)
    lines = [f"# {where}; {renderer.note}", ""]
    lines += [f"{name}: {value}" for name, value in message.headers]
    for part in message.parts:
        if part.kind == PartKind.TEXT:
            lines += ["", f"--- text ({part.origin}) ---", part.text.rstrip("\n")]
        elif part.kind == PartKind.HTML:
            lines += ["", f"--- html as text ({part.origin}) ---", part.text.rstrip("\n")]
    attachments = [p for p in message.parts if p.kind == PartKind.ATTACHMENT]
    if attachments or message.unreadable:
        lines += ["", "--- attachments ---"]
        lines += [f"{p.filename or p.field} ({len(p.text)} characters of text)" for p in attachments]
        lines += [f"{u.field} (unreadable: {u.reason})" for u in message.unreadable]
    if message.problems:
        lines += ["", "--- template problems (this message would be blocked: template-error) ---"]
        for problem in message.problems:
            if problem.kind == "undefined" and problem.variable:
                lines.append(f"undefined variable '{problem.variable}' in {problem.field}")
            else:
                lines.append(f"render error in {problem.field}: {problem.detail}")
    return Preview("\n".join(lines) + "\n", len(message.problems))
