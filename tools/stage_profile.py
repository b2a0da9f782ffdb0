"""Where one process spends a preflight's CPU time, stage by stage (exclusive, low overhead).

    .venv/bin/python tools/stage_profile.py build/bench/newsletter-20000/campaign.yaml

Runs the preflight's pipeline in this process (no analysis workers) with a timer around each stage:
render (Jinja, provenance markers, HTML-to-text), prepare (normalise), the analysis stage's planning and
filling (skeleton windows, value windows, shape checks, Presidio), the per-part entity lookup the checks
trigger, each check's `check`, the recipient value index's `find`/`matches`, and the report (policy,
problem grouping, template locations). Times are exclusive: a check's time excludes the value-index
lookups and entity lookups it makes, which have rows of their own. Developer tool, not in the package.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

_TOTAL: dict[str, float] = defaultdict(float)
_CALLS: dict[str, int] = defaultdict(int)
_clock = time.process_time  # CPU time: the machine is shared, wall time depends on the load
_STACK: list[list] = []  # [name, started, time spent in children]


def _enter(name: str) -> None:
    _STACK.append([name, _clock(), 0.0])


def _leave() -> None:
    name, started, children = _STACK.pop()
    elapsed = _clock() - started
    _TOTAL[name] += elapsed - children
    _CALLS[name] += 1
    if _STACK:
        _STACK[-1][2] += elapsed


def timed(name: str, function: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        _enter(name)
        try:
            result = function(*args, **kwargs)
            if isinstance(result, Iterator) and not isinstance(result, (list, dict)):
                _leave()
                return _timed_iter(name, result)
            if name.startswith("check:") and not isinstance(result, list):
                result = list(result)  # a check written as a generator does its work while iterated
            return result
        finally:
            if _STACK and _STACK[-1][0] == name:
                _leave()

    return wrapper


def _timed_iter(name: str, iterator: Iterator) -> Iterator:
    while True:
        _enter(name)
        try:
            item = next(iterator)
        except StopIteration:
            _leave()
            return
        _leave()
        yield item


def patch(owner: object, attribute: str, name: str) -> None:
    setattr(owner, attribute, timed(name, getattr(owner, attribute)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/stage_profile.py", description=__doc__.splitlines()[0])
    parser.add_argument("campaign", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("DLP_FINGERPRINT_KEY", "bench-key-not-secret")
    os.environ["DLP_WORKERS"] = "0"

    import dlp.api
    import dlp.pipeline
    from dlp.analysis.provenance import ProvenanceAnalyzer, ShapeCheck
    from dlp.analysis.segments import SegmentAnalyzer
    from dlp.checks import REGISTERED
    from dlp.detect.engine import get_detector
    from dlp.render import CampaignRenderer
    from dlp.valueindex import ValueIndex

    get_detector()  # the model's load is start-up, not per message
    patch(CampaignRenderer, "render", "render")
    patch(dlp.pipeline, "prepare", "prepare")
    patch(ProvenanceAnalyzer, "missing_parts", "analysis: plan + shape checks (missing_parts)")
    patch(ProvenanceAnalyzer, "fill", "analysis: Presidio/spaCy (fill)")
    patch(ProvenanceAnalyzer, "_make_plan", "analysis: plan (skeleton, value windows)")
    patch(ShapeCheck, "possible", "analysis: shape check (recognizers' regexes)")
    patch(ProvenanceAnalyzer, "analyze_part", "analysis: per-part lookup (analyze_part)")
    patch(SegmentAnalyzer, "analyze_text", "analysis: skeleton window lookup (analyze_text)")
    for cls in REGISTERED:
        method = "check" if "check" in vars(cls) else "check_message"
        if method in vars(cls):
            patch(cls, method, f"check: {cls.detector}")
        if "finish" in vars(cls):
            patch(cls, "finish", f"finish: {cls.detector}")
    for method in ("find", "matches"):
        if hasattr(ValueIndex, method):
            patch(ValueIndex, method, f"value index: {method}")
    patch(dlp.pipeline, "build_report", "report: build_report (policy, problems)")
    patch(dlp.api, "annotate", "report: annotate (template locations)")

    started = time.perf_counter()
    cpu = _clock()
    report = dlp.api.preflight(args.campaign)
    wall = time.perf_counter() - started
    cpu = _clock() - cpu
    messages = report.messages
    accounted = sum(_TOTAL.values())
    print(f"{messages:,} messages in {wall:.2f} s wall, {cpu:.2f} s CPU ({1000 * cpu / messages:.3f} ms CPU/msg)")
    print(f"{'stage (CPU time, exclusive)':58} {'seconds':>8} {'ms/msg':>8} {'calls':>9}")
    rows = sorted(_TOTAL.items(), key=lambda item: -item[1])
    rows.append(("(rest: pipeline loop, scope, list reading)", cpu - accounted))
    for name, seconds in rows:
        print(f"{name:58} {seconds:8.2f} {1000 * seconds / messages:8.3f} {_CALLS.get(name, 0):9,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
