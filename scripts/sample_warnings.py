"""A seeded random sample of the personal-data warnings of a `measure_clean_mail.py --dump`, for judging
by hand, and the false share of a judged sample re-read against a newer dump.

    python scripts/sample_warnings.py sample DUMP.jsonl --seed 13 -n 160 > /tmp/sample.txt
    python scripts/sample_warnings.py sample AFTER.jsonl --seed 1313 -n 80 --exclude FIRST_JUDGED.json
    python scripts/sample_warnings.py score DUMP.jsonl tools/eval/received_warnings_judged.json

`sample` prints each sampled finding (id, corpus, type, raw value, context) to read; the verdicts go into
the judgement file by id, with the value masked (`dlp.redact.redact_value`), so the file holds no
personal data. `score` says, for the judged sample, how many warnings the dump still raises and how many
of those are false: a fix that drops a true warning shows as a lost true positive, not as progress.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path


def warnings(dump: Path) -> list[dict]:
    rows = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["severity"] == "warn" and r["kind"].startswith("personal-data:")]


def sample(dump: Path, seed: int, n: int, exclude: Path | None = None) -> None:
    judged = set(json.loads(exclude.read_text(encoding="utf-8"))["verdicts"]) if exclude else set()
    rows = sorted((r for r in warnings(dump) if r["id"] not in judged), key=lambda r: r["id"])  # dump order aside
    picked = random.Random(seed).sample(rows, min(n, len(rows)))
    print(f"# {len(picked)} of {len(rows)} personal-data warnings, seed {seed}")
    for r in picked:
        print(f"{r['id']}\t{r['corpus']}\t{r['kind']}\t{r['value']!r}\t{r['field']}\t{r['context']!r}")


def score(dump: Path, judged_path: Path) -> None:
    judged = json.loads(judged_path.read_text(encoding="utf-8"))["verdicts"]
    now = {r["id"] for r in warnings(dump)}
    kept = Counter()
    for fid, v in judged.items():
        kept[(v["verdict"], fid in now)] += 1
    total_false = sum(n for (verdict, _), n in kept.items() if verdict == "false")
    print(f"judged: {len(judged)} ({total_false} false, {total_false / len(judged):.1%})")
    still = kept[("false", True)] + kept[("true", True)]
    print(
        f"still warned: {still}; false among them: {kept[('false', True)]} "
        f"({kept[('false', True)] / still:.1%}); true warnings lost: {kept[('true', False)]}"
    )
    classes = Counter(v.get("class", "") for fid, v in judged.items() if v["verdict"] == "false" and fid in now)
    print("false still warned, by class:", dict(classes.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("dump", type=Path)
    s.add_argument("--seed", type=int, default=13)
    s.add_argument("-n", type=int, default=160)
    s.add_argument("--exclude", type=Path, help="a judgement file whose findings are not drawn again")
    c = sub.add_parser("score")
    c.add_argument("dump", type=Path)
    c.add_argument("judged", type=Path)
    args = parser.parse_args()
    if args.cmd == "sample":
        sample(args.dump, args.seed, args.n, args.exclude)
    else:
        score(args.dump, args.judged)


if __name__ == "__main__":
    main()
