"""The floor for any fast path that analyses every distinct text with Presidio: only the lines no earlier
message had, each alone (no context words at all), in large spaCy batches, in one process.

    .venv/bin/python scripts/bench_floor.py [N]      (default 800 recipients of the bench newsletter)

Whatever a cache or a pool does, it cannot analyse less than this, so the printed rate (times the
cores) bounds what `make bench` can reach while findings stay those of analysing every message.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from dlp.analysis import line_spans
from dlp.bench import make_campaign
from dlp.campaign import load_campaign
from dlp.checks import load_ruleset
from dlp.detect.engine import get_detector
from dlp.render import CampaignRenderer, render_campaign


def new_lines(campaign_path: Path) -> tuple[int, list[str]]:
    """(messages, every line the campaign's messages have that no earlier message had)."""
    campaign = load_campaign(campaign_path)
    seen: set[str] = set()
    lines: list[str] = []
    messages = 0
    for message in render_campaign(campaign, CampaignRenderer(campaign)):
        messages += 1
        for part in message.content_parts:
            for start, end in line_spans(part.text):
                line = part.text[start:end].strip()
                if line and line not in seen:
                    seen.add(line)
                    lines.append(line)
    return messages, lines


def main() -> int:
    os.environ.setdefault("DLP_FINGERPRINT_KEY", "bench-key-not-secret")
    recipients = int(sys.argv[1]) if len(sys.argv) > 1 else 800
    campaign_path = make_campaign(Path(tempfile.mkdtemp(prefix="dlp-floor-")), recipients)
    entities = sorted({e for rule in load_ruleset().rules.values() for e in rule.parameters.get("entities", [])})
    detector = get_detector()
    messages, lines = new_lines(campaign_path)
    detector.analyze_many(lines[:50], entities=entities)  # warm up
    started = time.perf_counter()
    detector.analyze_many(lines, entities=entities)
    seconds = time.perf_counter() - started
    cores = os.cpu_count() or 1
    print(
        f"{messages} messages, {len(lines)} new lines ({len(lines) / messages:.2f} per message): "
        f"{seconds / messages * 1000:.1f} ms per message in one process, "
        f"so at most {cores * messages / seconds:,.0f} msg/s on {cores} cores"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
