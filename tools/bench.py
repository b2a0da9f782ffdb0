"""`make bench`: how fast `dlp preflight` is against naive Presidio and against rendering alone.

Generates a personalised newsletter campaign (the bundled examples/newsletter templates: name, points,
plan, unsubscribe token) with N recipients, then in one run measures
  - render-only: the campaign rendered into messages (Jinja2 + HTML visible text), no analysis;
  - naive Presidio: AnalyzerEngine on each whole rendered message (subject + bodies), on a sample;
  - dlp preflight: the real command in a subprocess, wall clock including start-up, with its peak
    memory (sum of proportional set sizes of it and its worker processes, sampled);
and prints messages/second for each and the ratios. `--straightforward-sample` also times dlp's own
straightforward path (every part analysed whole, no cache, no pool).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tests.support.synthetic import PLANS, email, random_person

ROOT = Path(__file__).resolve().parent.parent
CPU: dict[str, float] = {}  # CPU seconds (user + system) of each measurement, less sensitive to load than wall clock
TEMPLATES = ROOT / "examples" / "newsletter"


def make_campaign(directory: Path, recipients: int, seed: int = 8) -> Path:
    """The newsletter example with `recipients` generated rows; returns the campaign file."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("campaign.yaml", "newsletter.txt.j2", "newsletter.html.j2"):
        shutil.copyfile(TEMPLATES / name, directory / name)
    rng = random.Random(seed)
    with (directory / "customers.csv").open("w", encoding="utf-8") as out:
        out.write("customer_id,first_name,last_name,email,plan,points,unsubscribe_token\n")
        for i in range(recipients):
            first, last = random_person(rng)
            out.write(
                f"C{100000 + i},{first},{last},{email(first, last, f'.{i}')},"
                f"{rng.choice(PLANS)},{rng.randint(0, 5000)},{rng.getrandbits(64):016x}\n"
            )
    return directory / "campaign.yaml"


def render_only(campaign_path: Path, limit: int | None = None) -> tuple[int, float]:
    from dlp.campaign import load_campaign
    from dlp.render import CampaignRenderer, render_campaign

    campaign = load_campaign(campaign_path)
    renderer = CampaignRenderer(campaign)
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    for _message in render_campaign(campaign, renderer):
        count += 1
        if limit is not None and count >= limit:
            break
    CPU["render"] = time.process_time() - cpu
    return count, time.perf_counter() - started


def render_and_checks(campaign_path: Path, limit: int | None = None) -> tuple[int, float]:
    """The whole pipeline with analysis off (every part has no entities): rendering plus every check, so
    the cost of analysis is what `dlp preflight` adds to this."""
    import itertools

    from dlp.campaign import load_campaign
    from dlp.checks import load_ruleset
    from dlp.checks.scope import ScanScope
    from dlp.pipeline import Scanner
    from dlp.render import CampaignRenderer, render_campaign

    campaign = load_campaign(campaign_path)
    ruleset = load_ruleset(list(campaign.rule_files()))
    renderer = CampaignRenderer(campaign)
    scope = ScanScope(
        rules=ruleset,
        source=str(campaign.path),
        sender_domains=campaign.sender_domains,
        template_sources=renderer.sources,
        recipient_list=campaign.recipient_list(),
        campaign=campaign,
    )
    scanner = Scanner.create(ruleset, scope)
    scanner.stage = None  # analysis off: every check sees messages nobody analysed
    started, cpu = time.perf_counter(), time.process_time()
    report = scanner.scan(itertools.islice(render_campaign(campaign, renderer), limit))
    CPU["checks"] = time.process_time() - cpu
    return report.messages, time.perf_counter() - started


def naive_presidio(campaign_path: Path, sample: int) -> tuple[int, float]:
    """Stock use: one AnalyzerEngine call per message, on the whole rendered message."""
    from dlp.campaign import load_campaign
    from dlp.detect.engine import get_detector
    from dlp.render import CampaignRenderer, render_campaign

    engine = get_detector().engine
    engine.analyze(text="warm up", language="en")
    campaign = load_campaign(campaign_path)
    renderer = CampaignRenderer(campaign)
    started = time.perf_counter()
    count = 0
    for message in render_campaign(campaign, renderer):
        text = "\n\n".join(part.text for part in message.parts)
        engine.analyze(text=text, language="en")
        count += 1
        if count >= sample:
            break
    return count, time.perf_counter() - started


def straightforward(campaign_path: Path, sample: int, directory: Path) -> tuple[int, float]:
    """dlp's own straightforward path (every part whole, no cache, no pool) on the first `sample` rows."""
    from dlp.api import preflight
    from dlp.detect.engine import get_detector

    get_detector()
    sample_dir = directory / "sample"
    make_campaign(sample_dir, 0)
    with (campaign_path.parent / "customers.csv").open(encoding="utf-8") as src:
        lines = [next(src) for _ in range(sample + 1)]
    (sample_dir / "customers.csv").write_text("".join(lines), encoding="utf-8")
    os.environ["DLP_STRAIGHTFORWARD"] = "1"
    try:
        started = time.perf_counter()
        report = preflight(sample_dir / "campaign.yaml")
        return report.messages, time.perf_counter() - started
    finally:
        del os.environ["DLP_STRAIGHTFORWARD"]


def _tree_memory(pid: int) -> tuple[int, int]:
    """(sum of PSS, sum of RSS) in bytes of a process and its descendants, from /proc."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        pids.append(int(child))
        with contextlib.suppress(OSError):
            pids.extend(int(c) for c in Path(f"/proc/{child}/task/{child}/children").read_text().split())
    pss = rss = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return pss, rss


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children so far (from /proc)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def run_preflight(campaign_path: Path, report_path: Path, every: float = 0) -> tuple[float, int, int, int]:
    """Wall clock, exit code and peak (PSS, RSS) of `dlp preflight` and its workers. `every`: seconds between
    lines saying the memory so far (a long run that is stopped still tells how far it got: its own
    progress lines go to stderr)."""
    command = [sys.executable, "-m", "dlp", "preflight", str(campaign_path), "--format", "json"]
    command += ["--output", str(report_path)]
    started = time.perf_counter()
    proc = subprocess.Popen(command)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        said = time.perf_counter()
        while not done.is_set():
            pss, rss = _tree_memory(proc.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            now = time.perf_counter()
            if every and now - said >= every:
                said = now
                print(
                    f"  {now - started:7.0f} s: PSS now {pss / 2**20:,.0f} MiB (peak {peak[0] / 2**20:,.0f} MiB), "
                    f"CPU so far (live processes) {_cpu_seconds(proc.pid):,.0f} s, load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = proc.wait()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # dlp and the workers it waited for
    CPU["dlp"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU["dlp_user"] = after.ru_utime - before.ru_utime
    done.set()
    sampler.join()
    return seconds, code, peak[0], peak[1]


def _spacy_per_message(report_path: Path) -> str:
    """spaCy texts per message, as the report's analysis note states it (`dlp.analysis.provenance`)."""
    import json
    import re

    try:
        notes = json.loads(report_path.read_text(encoding="utf-8")).get("notes", [])
    except (OSError, ValueError):
        return "unknown (no report)"
    for note in notes:
        match = re.search(r"([\d,]+) texts through spaCy \(([\d.]+) per message\)", note)
        if match:
            return f"{match.group(2)} ({match.group(1)} texts)"
    return "unknown (no analysis note)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--naive-sample", type=int, default=100, help="messages for naive Presidio (0: skip)")
    parser.add_argument("--straightforward-sample", type=int, default=0, help="messages for dlp's own slow path")
    parser.add_argument("--render-limit", type=int, default=None, help="render at most this many (default all)")
    parser.add_argument("--dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--preflight-only", action="store_true", help="only the timed `dlp preflight` (long runs)")
    parser.add_argument("--memory-every", type=float, default=0, help="print memory every N seconds (0: at the end)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DLP_FINGERPRINT_KEY", "bench-key-not-secret")

    directory = args.dir / f"newsletter-{args.recipients}"
    campaign_path = directory / "campaign.yaml"
    if not (args.preflight_only and (directory / "customers.csv").exists()):
        print(f"generating {args.recipients:,} recipients in {directory} ...", flush=True)
        campaign_path = make_campaign(directory, args.recipients)
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, load average {os.getloadavg()[0]:.2f}", flush=True)

    results: dict[str, float] = {}
    if args.preflight_only:
        seconds, code, pss, rss = run_preflight(campaign_path, directory / "report.json", args.memory_every)
        print(f"dlp preflight        {args.recipients:>9,} messages in {seconds:8.2f} s (exit {code})")
        per_message = CPU["dlp"] / args.recipients * 1000
        print(f"CPU                  {CPU['dlp']:,.0f} s over all processes = {per_message:.2f} ms/msg")
        print(f"dlp peak memory      PSS {pss / 2**20:,.0f} MiB (RSS summed over processes {rss / 2**20:,.0f} MiB)")
        print(f"spaCy texts/message  {_spacy_per_message(directory / 'report.json')}")
        return 0 if code in (0, 1) else 2
    count, seconds = render_only(campaign_path, args.render_limit)
    results["render"], results["render_n"] = count / seconds, count
    print(f"render-only          {count:>9,} messages in {seconds:8.2f} s = {results['render']:10,.0f} msg/s")

    count, seconds = render_and_checks(campaign_path, args.render_limit)
    results["checks"], results["checks_n"] = count / seconds, count
    rate = results["checks"]
    print(f"render + checks      {count:>9,} messages in {seconds:8.2f} s = {rate:10,.0f} msg/s (analysis off)")

    if args.naive_sample:
        count, seconds = naive_presidio(campaign_path, args.naive_sample)
        results["naive"] = count / seconds
        print(f"naive Presidio       {count:>9,} messages in {seconds:8.2f} s = {results['naive']:10,.1f} msg/s")
    if args.straightforward_sample:
        count, seconds = straightforward(campaign_path, args.straightforward_sample, directory)
        results["straightforward"] = count / seconds
        print(
            f"dlp straightforward  {count:>9,} messages in {seconds:8.2f} s = {results['straightforward']:10,.1f} msg/s"
        )

    seconds, code, pss, rss = run_preflight(campaign_path, directory / "report.json", args.memory_every)
    if code not in (0, 1):
        print(f"dlp preflight failed with exit code {code}", file=sys.stderr)
        return 2
    results["dlp"] = args.recipients / seconds
    print(
        f"dlp preflight        {args.recipients:>9,} messages in {seconds:8.2f} s = {results['dlp']:10,.0f} msg/s "
        f"(wall clock incl. start-up; exit {code})"
    )
    print(f"dlp peak memory      PSS {pss / 2**20:,.0f} MiB (RSS summed over processes {rss / 2**20:,.0f} MiB)")
    print(f"spaCy texts/message  {_spacy_per_message(directory / 'report.json')}   (goal <= 0.05)")
    per = {name: CPU[name] / n * 1000 for name, n in (("render", results["render_n"]), ("checks", results["checks_n"]))}
    per["dlp"] = CPU["dlp"] / args.recipients * 1000
    print(
        f"CPU per message      render {per['render']:.2f} ms, render + checks {per['checks']:.2f} ms, dlp preflight "
        f"{per['dlp']:.2f} ms (user {CPU['dlp_user']:,.0f} s over all its processes, incl. start-up)"
    )
    print(f"load average now     {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)")
    if "naive" in results:
        print(f"dlp / naive Presidio = {results['dlp'] / results['naive']:,.1f}x   (goal >= 100x)")
    print(f"render-only / dlp    = {results['render'] / results['dlp']:,.1f}x   (goal <= 5x)")
    print(f"dlp / render+checks  = {results['dlp'] / results['checks']:,.2f}   (goal >= 0.33)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
