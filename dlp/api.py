"""The stable Python API (SPEC): analyze_text, scan_message, preflight.

Each is a thin door onto the same pipeline the CLI uses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from email.message import Message
from pathlib import Path

from dlp.checks import compile_rules, load_ruleset
from dlp.checks.scope import ScanScope
from dlp.detect.engine import get_detector
from dlp.detect.entities import Entity
from dlp.errors import InputError
from dlp.model import Report
from dlp.pipeline import ProgressHook, Scanner
from dlp.sources.email_message import to_scan_message


def analyze_text(text: str, language: str = "en") -> list[Entity]:
    """Entities (SPEC catalogue) in `text`; organisations and bare dates are not reported.

    `language` is used when the text is too short to tell its language; a paragraph that is clearly German,
    French, Italian or Spanish is analysed as such (mail does not announce its language). Scores are
    returned as found: the rules report at 0.5 (PERSON at 0.85).
    """
    return get_detector().analyze(text, language=language)


def preflight(
    campaign_path: str | Path,
    rules: Sequence[str | Path] = (),
    progress: ProgressHook | None = None,
    scheduler: str | None = None,
) -> Report:
    """Render every message of a campaign and scan it. Raises InputError on bad input.

    `scheduler`: a Dask scheduler address (`tcp://host:8786`); the rows are scanned on that cluster and the
    report is the same as on this machine (`dlp.cluster`)."""
    # Imported here: templates, the parallel runner and the cluster are for campaigns only, and a process
    # that scans one received message (`dlp check`, `dlp serve`'s scanners) should not pay for them.
    from dlp.campaign import load_campaign
    from dlp.locate import annotate
    from dlp.parallel import preflight_rows
    from dlp.render import CampaignRenderer

    campaign = load_campaign(campaign_path)
    ruleset = load_ruleset([*campaign.rule_files(), *(Path(r) for r in rules)])
    renderer = CampaignRenderer(campaign)
    scope = ScanScope(
        rules=ruleset,
        source=str(campaign.path),
        sender_domains=campaign.sender_domains,
        template_sources=renderer.sources,
        recipient_list=campaign.recipient_list(),
        campaign=campaign,
        notes=(renderer.note,),
    )
    if scheduler:
        from dlp.cluster import preflight_on_cluster

        report = preflight_on_cluster(scheduler, scope, renderer, progress)
    else:
        scanner = Scanner.create(ruleset, scope)
        report = preflight_rows(scanner, campaign, renderer, progress)
    if report.messages == 0:
        # A list with a header and no rows renders nothing: "PASS in 0 messages" would be a false all-clear.
        raise InputError(
            "the recipient list has no data rows: nothing was rendered or scanned",
            path=getattr(scope.recipient_list, "path", campaign.path),
        )
    report.source = str(campaign.path)
    report.kind = "preflight"
    report.sections.setdefault("campaign", {"name": campaign.spec.name, "mode": campaign.spec.mode})
    annotate(report, renderer)
    return report


class MessageScanner:
    """Scans single messages against one compiled rule set, reusing the detector and its line cache.

    `dlp serve` and repeated API calls scan many unrelated messages: the rules are read and compiled
    (matchers, regexes, the typo-domain table) and the spaCy model loaded once, while the checks and the
    scope are built afresh per message from them, so no state (list- or archive-level findings) leaks
    from one sender's message into another's verdict.
    """

    def __init__(self, rules: Sequence[str | Path] = (), internal_domains: Iterable[str] = ()) -> None:
        self.ruleset = load_ruleset([Path(r) for r in rules])
        self.internal_domains = {d.strip().lower().lstrip("@") for d in internal_domains if d.strip()}
        # Compiled once: the rules' matchers and tables, and the detector (spaCy loads now, not on the first
        # message) with its line cache; each message gets fresh checks and a fresh scope from them.
        self.compiled = compile_rules(self.ruleset)
        stage = Scanner.create(self.ruleset, workers=0, compiled=self.compiled).stage
        self._analyzer = stage.analyzer if stage is not None else None

    def scan(
        self,
        msg: Message,
        *,
        envelope_from: str | None = None,
        envelope_to: Sequence[str] = (),
        source: str = "",
    ) -> Report:
        scan = to_scan_message(msg, source=source)  # reads the sender's domains (From, Sender) once
        scope = ScanScope(rules=self.ruleset, source=source, sender_domains=scan.own_domains | self.internal_domains)
        if envelope_from is not None:
            scan.envelope_from = envelope_from
        scan.envelope_to = list(envelope_to)
        # One message never starts a process pool: `dlp serve` runs its own scanner processes, and a pool
        # forked inside a server would copy its listening socket and threads.
        scanner = Scanner.create(self.ruleset, scope, workers=0, analyzer=self._analyzer, compiled=self.compiled)
        report = scanner.scan([scan])
        report.source = source
        report.kind = "check"
        return report


# Most recently used first out: each scanner holds compiled rules and an analyzer with its line cache (tens of
# MB when warm), and a long-running web app may pass many internal-domain sets or edit its rules file often.
MAX_SCANNERS = 8
_SCANNERS: OrderedDict[tuple, MessageScanner] = OrderedDict()
_SCANNERS_LOCK = threading.Lock()


def _scanner_for(rules: Sequence[str | Path], internal_domains: Iterable[str]) -> MessageScanner:
    """One MessageScanner per rule files (and their modification times) and internal domains, the last
    MAX_SCANNERS of them kept: a web app calling scan_message before every send pays for reading rules
    once, still sees an edited rules file, and does not keep every earlier version alive."""
    files = tuple(Path(r).resolve() for r in rules)
    stamps = tuple(f.stat().st_mtime_ns if f.exists() else None for f in files)
    key = (files, stamps, tuple(sorted(internal_domains)))
    with _SCANNERS_LOCK:
        scanner = _SCANNERS.get(key)
        if scanner is None:
            scanner = MessageScanner(rules, internal_domains)
            _SCANNERS[key] = scanner
            while len(_SCANNERS) > MAX_SCANNERS:
                _SCANNERS.popitem(last=False)
        _SCANNERS.move_to_end(key)
        return scanner


def scan_message(
    msg: Message,
    rules: Sequence[str | Path] = (),
    *,
    envelope_from: str | None = None,
    envelope_to: Sequence[str] = (),
    internal_domains: Iterable[str] = (),
) -> Report:
    """Scan one message before it is sent (Django, Flask-Mail, scripts); raises InputError on bad rules.

    `msg` may be an `email.message.EmailMessage` or any stdlib `Message` (Django's `message()`,
    Flask-Mail's `msg.as_bytes()` parsed). `envelope_to` is the SMTP recipient list when it differs from
    To/Cc (Bcc sends); addresses at `internal_domains` and at the From domain are not "external".
    """
    return _scanner_for(rules, internal_domains).scan(msg, envelope_from=envelope_from, envelope_to=envelope_to)
