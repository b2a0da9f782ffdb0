"""`make eval`: dlp and stock Presidio on labelled text nobody on the team wrote (issue 19), per part.

Scoring is token-level. The text is cut into tokens (`\\w+` runs: words and numbers; punctuation and
spaces are not scored). A token's gold type is the type of the gold span it overlaps, or clean when none
does; tokens in an IGNORE span are not scored. A detector's predicted types for a token are the
(mapped) types of every predicted span overlapping it. For each type T:

- TP: a token with gold T that the detector marked T;
- FP: a token the detector marked T whose gold type is not T (clean or another type);
- FN: a token with gold T that the detector did not mark T.

"any personal data" ignores the type: a token is positive when its gold is any type, predicted when the
detector marked it with any scored type. Type mapping (`scored_type`): PERSON, STREET_ADDRESS,
EMAIL_ADDRESS, PHONE_NUMBER, DATE_OF_BIRTH, IP_ADDRESS, CREDIT_CARD and IBAN_CODE are scored as they are;
ORGANIZATION, LOCATION, DATE_TIME, NRP and URL are not personal data for dlp and are dropped (so stock
Presidio's LOCATION never counts as STREET_ADDRESS: stock has no address recognizer); every other type
(national IDs, US_SSN, passports, licences, bank and account numbers, credentials, crypto wallets) is
scored as ID_NUMBER. dlp runs at the thresholds its rules report at (min score 0.5, PERSON 0.85),
each sample in its own language; stock Presidio is AnalyzerEngine with its default recognizers, the
same spaCy model, English, default threshold (as `tools/eval/corpus.py`).

The third block is the team's own corpus (`python tools/eval/corpus.py`), kept for comparison.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT / "tests" / "data" / "eval" / "external"
UNSEEN_FILE = "unseen/unseen.jsonl.gz.b64"
SCORED = (
    "PERSON",
    "STREET_ADDRESS",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "ID_NUMBER",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
)
AS_IS = frozenset(SCORED) - {"ID_NUMBER"}
DROPPED = frozenset({"ORGANIZATION", "LOCATION", "DATE_TIME", "NRP", "URL", "GPE", "ORG", "FAC"})
IGNORE = "IGNORE"
ANY = "any personal data"
TOKEN = re.compile(r"\w+")
BY_LOCALE = ("PERSON", "STREET_ADDRESS")

Span = tuple[str, int, int]


def scored_type(entity_type: str) -> str | None:
    """A detector's entity type -> the type it is scored as (None: not personal data, dropped)."""
    if entity_type in AS_IS:
        return entity_type
    if entity_type in DROPPED:
        return None
    return "ID_NUMBER"


# ---------------------------------------------------------------- data


def load_part(part: str, root: Path = EXTERNAL) -> list[dict]:
    """'dev' -> the readable samples; 'unseen' -> the packed ones (scored, never read while tuning)."""
    if part in ("dev", "extra"):  # extra: more real text the set does not use (tools/eval/build_extra.py)
        rows = []
        for path in sorted((root / part).glob("*.jsonl")):
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return rows
    if part == "unseen":
        packed = (root / UNSEEN_FILE).read_bytes()
        text = gzip.decompress(base64.decodebytes(packed)).decode("utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    raise ValueError(f"unknown part {part!r} (dev, unseen or extra)")


# ---------------------------------------------------------------- scoring


@dataclass
class Counts:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)

    def add(self, other: Counts) -> None:
        self.tp.update(other.tp)
        self.fp.update(other.fp)
        self.fn.update(other.fn)

    def prf(self, kind: str) -> tuple[float, float, float, int]:
        tp, fp, fn = self.tp[kind], self.fp[kind], self.fn[kind]
        precision = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp + fn


def score_sample(text: str, gold: Iterable[Span], predicted: Iterable[Span]) -> Counts:
    """Token-level counts for one text (see the module docstring)."""
    gold = list(gold)
    mapped = [(t, s, e) for kind, s, e in predicted if (t := scored_type(kind))]
    counts = Counts()
    for token in TOKEN.finditer(text):
        start, end = token.span()
        truth = next((kind for kind, s, e in gold if s < end and start < e), None)
        if truth == IGNORE:
            continue
        marked = {kind for kind, s, e in mapped if s < end and start < e}
        for kind in marked:
            if kind == truth:
                counts.tp[kind] += 1
            else:
                counts.fp[kind] += 1
        if truth and truth not in marked:
            counts.fn[truth] += 1
        if truth and marked:
            counts.tp[ANY] += 1
        elif marked:
            counts.fp[ANY] += 1
        elif truth:
            counts.fn[ANY] += 1
    return counts


def gold_spans(row: dict) -> list[Span]:
    return [(kind, start, end) for start, end, kind in row["spans"]]


@dataclass
class PartResult:
    total: Counts = field(default_factory=Counts)
    by_locale: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_source: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[str] = field(default_factory=list)


def score_part(rows: list[dict], predict: Callable[[dict], list[Span]], keep_errors: int = 0) -> PartResult:
    result = PartResult()
    for row in rows:
        predicted = predict(row)
        counts = score_sample(row["text"], gold_spans(row), predicted)
        result.total.add(counts)
        result.by_locale[row["locale"]].add(counts)
        result.by_source[row["source"]].add(counts)
        if len(result.errors) < keep_errors and (sum(counts.fp.values()) or sum(counts.fn.values())):
            result.errors.append(_explain(row, predicted))
    return result


def _explain(row: dict, predicted: list[Span]) -> str:
    """One line per erring sample: gold spans missed or only partly found, detections on other text."""
    text = row["text"]
    spans = gold_spans(row)
    pred = [(t, s, e) for k, s, e in predicted if (t := scored_type(k))]
    missed, partial, extra = [], [], []
    for kind, start, end in spans:
        if kind == IGNORE:
            continue
        tokens = [m.span() for m in TOKEN.finditer(text, start, end)]
        found = [t for t in tokens if any(k == kind and s < t[1] and t[0] < e for k, s, e in pred)]
        if not found:
            missed.append(f"{kind}:{text[start:end]!r}")
        elif len(found) < len(tokens):
            got = " ".join(text[a:b] for a, b in found)
            partial.append(f"{kind}:{text[start:end]!r} found {got!r}")
    for kind, start, end in pred:
        if not any(gk in (kind, IGNORE) and gs < end and start < ge for gk, gs, ge in spans):
            extra.append(f"{kind}:{text[start:end]!r}")
    parts = [
        f"missed {missed}" if missed else "",
        f"partly {partial}" if partial else "",
        f"extra {extra}" if extra else "",
    ]
    return f"[{row['source']} {row['locale']} {row['id']}] " + " ".join(p for p in parts if p)


# ---------------------------------------------------------------- detectors


def cached(predict: Callable[[SimpleNamespace], list[Span]]) -> Callable[[dict], list[Span]]:
    memo: dict[str, list[Span]] = {}

    def run(row: dict) -> list[Span]:
        if row["id"] not in memo:
            memo[row["id"]] = predict(SimpleNamespace(text=row["text"], language=row["lang"]))
        return memo[row["id"]]

    return run


# ---------------------------------------------------------------- report


def _cells(counts: Counts | None, kind: str) -> str:
    if counts is None:
        return f"{'-':>6} {'-':>6} {'-':>6}"
    p, r, f, _ = counts.prf(kind)
    return f"{p:>6.2f} {r:>6.2f} {f:>6.2f}"


def type_table(ours: Counts, stock: Counts | None) -> list[str]:
    lines = [
        f"{'type':<18} {'tokens':>6} | {'dlp P':>6} {'R':>6} {'F1':>6} | {'stock P':>6} {'R':>6} {'F1':>6}",
        "-" * 76,
    ]
    kinds = [k for k in SCORED if ours.prf(k)[3] or ours.fp[k] or (stock and stock.fp[k])]
    for kind in [*kinds, ANY]:
        lines.append(f"{kind:<18} {ours.prf(kind)[3]:>6} | {_cells(ours, kind)} | {_cells(stock, kind)}")
    return lines


def locale_table(ours: PartResult, stock: PartResult | None, kind: str, minimum: int = 15) -> list[str]:
    """Per locale; locales with fewer than `minimum` gold tokens of `kind` are summed into one 'other' row."""
    lines = [f"{kind} by locale", f"{'locale':<16} {'tokens':>6} | {'dlp P':>6} {'R':>6} {'F1':>6} | {'stock F1':>8}"]
    other, other_stock, folded = Counts(), Counts(), 0

    def row(name: str, counts: Counts, stock_counts: Counts | None) -> str:
        stock_f1 = f"{stock_counts.prf(kind)[2]:>8.2f}" if stock_counts else f"{'-':>8}"
        return f"{name:<16} {counts.prf(kind)[3]:>6} | {_cells(counts, kind)} | {stock_f1}"

    for locale in sorted(ours.by_locale):
        counts = ours.by_locale[locale]
        stock_counts = stock.by_locale[locale] if stock else None
        n = counts.prf(kind)[3]
        if not n:
            continue
        if n < minimum:
            other.add(counts)
            if stock_counts:
                other_stock.add(stock_counts)
            folded += 1
            continue
        lines.append(row(locale, counts, stock_counts))
    if folded:
        lines.append(row(f"other ({folded})", other, other_stock if stock else None))
    return lines


def source_table(ours: PartResult, stock: PartResult | None) -> list[str]:
    lines = [f"{ANY} by source", f"{'source':<24} {'tokens':>6} | {'dlp P':>6} {'R':>6} {'F1':>6} | {'stock F1':>8}"]
    for source in sorted(ours.by_source):
        counts = ours.by_source[source]
        stock_f1 = f"{stock.by_source[source].prf(ANY)[2]:>8.2f}" if stock else f"{'-':>8}"
        lines.append(f"{source:<24} {counts.prf(ANY)[3]:>6} | {_cells(counts, ANY)} | {stock_f1}")
    return lines


def report(part: str, rows: list[dict], ours: PartResult, stock: PartResult | None) -> str:
    languages = Counter(r["lang"] for r in rows)
    head = (
        f"== External set, {part} part: {len(rows)} samples from {len({r['source'] for r in rows})} sources"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))}); token-level scores"
    )
    blocks = [head, *type_table(ours.total, stock and stock.total), ""]
    for kind in BY_LOCALE:
        blocks += [*locale_table(ours, stock, kind), ""]
    blocks += source_table(ours, stock)
    return "\n".join(blocks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--parts", default="dev,unseen", help="comma-separated: dev, unseen, extra (default dev,unseen)"
    )
    parser.add_argument("--errors", type=int, default=0, help="print up to N dlp errors on the DEV (or extra) part")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Presidio")
    parser.add_argument("--no-corpus", action="store_true", help="skip the team corpus block (tools/eval/corpus.py)")
    parser.add_argument("--sample", type=int, default=0, help="score only every Nth sample of each part")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tools.eval.corpus import dlp_predictor, stock_predictor
    from tools.eval.corpus import main as corpus_main

    started = time.perf_counter()
    ours_predict = cached(dlp_predictor())
    stock_predict = None if args.no_stock else cached(stock_predictor())
    for part in [p.strip() for p in args.parts.split(",") if p.strip()]:
        rows = load_part(part)
        if args.sample > 1:
            rows = rows[:: args.sample]
        keep = args.errors if part in ("dev", "extra") else 0
        ours = score_part(rows, ours_predict, keep_errors=keep)
        stock = None if stock_predict is None else score_part(rows, stock_predict)
        print(report(part, rows, ours, stock))
        for line in ours.errors:
            print(line)
        print()
    print(f"(external set: {time.perf_counter() - started:.1f} s)\n")
    if not args.no_corpus:
        print("== Team corpus (tests/data/eval/*.txt, written with the recognizers; span overlap scoring)")
        corpus_main(["--no-stock"] if args.no_stock else [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
