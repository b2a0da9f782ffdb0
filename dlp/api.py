"""The stable Python API (SPEC): analyze_text, scan_message, preflight.

Each is a thin door onto the same pipeline the CLI uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from dlp.campaign import load_campaign
from dlp.checks.base import ScanContext
from dlp.detect.engine import get_detector
from dlp.detect.entities import Entity
from dlp.message_scan import MessageScanner
from dlp.model import Report
from dlp.pipeline import ProgressHook, Scanner
from dlp.render import CampaignRenderer, render_campaign
from dlp.rules import load_ruleset


def analyze_text(text: str, language: str = "en") -> list[Entity]:
    """Entities (SPEC catalogue) in `text`; organisations and bare dates are not reported."""
    return get_detector().analyze(text, language=language)


def preflight(
    campaign_path: str | Path, rules: Sequence[str | Path] = (), progress: ProgressHook | None = None
) -> Report:
    """Render every message of a campaign and scan it. Raises InputError on bad input."""
    campaign = load_campaign(campaign_path)
    ruleset = load_ruleset([*campaign.rule_files(), *(Path(r) for r in rules)])
    renderer = CampaignRenderer(campaign)
    ctx = ScanContext(
        rules=ruleset,
        source=str(campaign.path),
        sender_domains=campaign.sender_domains,
        template_sources=renderer.sources,
        recipient_list=campaign.recipient_list(),
        campaign=campaign,
    )
    scanner = Scanner.create(ruleset, ctx)
    report = scanner.scan(render_campaign(campaign, renderer), progress)
    report.source = str(campaign.path)
    report.sections.setdefault("campaign", {"name": campaign.spec.name, "mode": campaign.spec.mode})
    return report


_message_scanners: dict[tuple[str, ...], MessageScanner] = {}


def scan_message(msg: EmailMessage, rules: Sequence[str | Path] = ()) -> Report:
    """Scan one message before it is sent (Django, Flask-Mail, scripts).

    The detector and rules load on the first call and are reused by later calls with the same rules
    files, so calling this before every `send()` costs the scan, not the start-up.
    """
    key = tuple(str(r) for r in rules)
    scanner = _message_scanners.get(key)
    if scanner is None:
        scanner = _message_scanners[key] = MessageScanner.from_rule_files(rules)
    return scanner.scan(msg)
