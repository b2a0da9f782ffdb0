"""The team corpus block of `make eval` (`python tools/eval/corpus.py`): per-entity precision, recall and F1
of dlp's detector against stock Presidio.

The corpus is labelled inline, one sample a line, `LANG<TAB>text` with entities marked
`[[ENTITY_TYPE|value]]` (tests/data/eval/*.txt). A prediction is a true positive when it has the gold
type and overlaps a gold span not matched yet (mail has no canonical span boundaries: "742 Evergreen
Terrace" and "742 Evergreen Terrace, Springfield, IL 62704" are the same leak). dlp is scored at the
thresholds the product reports at (rules/default.yaml: min_score 0.5, PERSON 0.85); stock Presidio is
Presidio's AnalyzerEngine with its predefined recognizers and the same spaCy model, English, every
result it returns (its default threshold), since that is what it reports out of the box. Types outside
the catalogue (ORGANIZATION, DATE_TIME, LOCATION, NRP, URL) are not scored for either. Rows with n=0 are
types nobody labelled: only false positives (the FP column) count there.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

MARK = re.compile(r"\[\[([A-Z_]+)\|(.*?)\]\]")
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "eval"
UNSCORED = frozenset({"ORGANIZATION", "DATE_TIME", "LOCATION", "NRP", "URL"})
MIN_SCORE = 0.5
PERSON_MIN_SCORE = 0.85

Span = tuple[str, int, int]


@dataclass
class Sample:
    language: str
    text: str
    gold: list[Span]
    source: str = ""


def parse_marked(marked: str) -> tuple[str, list[Span]]:
    """'Call [[PHONE_NUMBER|555 0100]]' -> ('Call 555 0100', [('PHONE_NUMBER', 5, 13)])."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for match in MARK.finditer(marked):
        plain = marked[pos : match.start()]
        out.append(plain)
        length += len(plain)
        value = match.group(2)
        spans.append((match.group(1), length, length + len(value)))
        out.append(value)
        length += len(value)
        pos = match.end()
    out.append(marked[pos:])
    return "".join(out), spans


def load_corpus(paths: Iterable[Path]) -> list[Sample]:
    samples: list[Sample] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            language, _, marked = line.partition("\t")
            if not marked:
                raise ValueError(f"{path}:{number}: expected LANG<TAB>text")
            text, gold = parse_marked(marked.replace("\\n", "\n"))
            samples.append(Sample(language.strip(), text, gold, f"{path.name}:{number}"))
    return samples


@dataclass
class Counts:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def row(self, entity: str) -> tuple[float, float, float, int]:
        tp, fp, fn = self.tp[entity], self.fp[entity], self.fn[entity]
        precision = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp + fn


def score(samples: Iterable[Sample], predict: Callable[[Sample], list[Span]], keep_errors: int = 0) -> Counts:
    counts = Counts()
    for sample in samples:
        predicted = [p for p in predict(sample) if p[0] not in UNSCORED]
        matched: set[int] = set()
        for kind, start, end in predicted:
            hit = next(
                (
                    i
                    for i, (gk, gs, ge) in enumerate(sample.gold)
                    if i not in matched and gk == kind and start < ge and gs < end
                ),
                None,
            )
            if hit is None:
                counts.fp[kind] += 1
                if len(counts.errors) < keep_errors:
                    counts.errors.append(f"FP {kind} {sample.text[start:end]!r} ({sample.source})")
            else:
                matched.add(hit)
                counts.tp[kind] += 1
        for i, (kind, start, end) in enumerate(sample.gold):
            if i not in matched:
                counts.fn[kind] += 1
                if len(counts.errors) < keep_errors:
                    counts.errors.append(f"FN {kind} {sample.text[start:end]!r} ({sample.source})")
    return counts


def dlp_predictor() -> Callable[[Sample], list[Span]]:
    from dlp.detect.engine import get_detector

    detector = get_detector()

    def predict(sample: Sample) -> list[Span]:
        out = []
        for e in detector.analyze(sample.text, language=sample.language):
            threshold = PERSON_MIN_SCORE if e.entity_type == "PERSON" else MIN_SCORE
            if e.score >= threshold:
                out.append((e.entity_type, e.start, e.end))
        return out

    return predict


def stock_predictor() -> Callable[[Sample], list[Span]]:
    import logging

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from dlp.detect.engine import DetectorSettings
    from dlp.detect.offline import configure_offline

    configure_offline()
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": DetectorSettings.from_env().model}])
    engine = AnalyzerEngine(nlp_engine=nlp_engine)

    def predict(sample: Sample) -> list[Span]:
        return [(r.entity_type, r.start, r.end) for r in engine.analyze(text=sample.text, language="en")]

    return predict


def table(ours: Counts, stock: Counts | None, title: str) -> str:
    other = stock or Counts()
    entities = sorted(set(ours.tp) | set(ours.fn) | set(ours.fp) | set(other.tp) | set(other.fn) | set(other.fp))
    lines = [
        title,
        f"{'entity':<18} {'n':>5} | {'dlp P':>6} {'R':>6} {'F1':>6} {'FP':>5} |"
        f" {'stock P':>7} {'R':>6} {'F1':>6} {'FP':>5}",
        "-" * 84,
    ]
    for entity in entities:
        p, r, f, n = ours.row(entity)
        row = f"{entity:<18} {n:>5} | {p:>6.2f} {r:>6.2f} {f:>6.2f} {ours.fp[entity]:>5} |"
        if stock is None:
            lines.append(row + f" {'-':>7} {'-':>6} {'-':>6} {'-':>5}")
            continue
        sp, sr, sf, _ = stock.row(entity)
        lines.append(row + f" {sp:>7.2f} {sr:>6.2f} {sf:>6.2f} {stock.fp[entity]:>5}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path, help="corpus files (default: tests/data/eval/*.txt)")
    parser.add_argument("--errors", type=int, default=0, help="print up to N of dlp's errors")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Presidio")
    args = parser.parse_args(argv)
    paths = args.corpus or sorted(DEFAULT_CORPUS.glob("*.txt"))
    samples = load_corpus(paths)
    started = time.perf_counter()
    predict = dlp_predictor()
    ours = score(samples, predict, keep_errors=args.errors)
    stock_predict = None if args.no_stock else stock_predictor()
    stock = None if stock_predict is None else score(samples, stock_predict)
    english = [s for s in samples if s.language == "en"]
    print(table(ours, stock, f"All languages: {len(samples)} samples from {', '.join(p.name for p in paths)}"))
    print()
    ours_en = score(english, predict)
    stock_en = None if stock_predict is None else score(english, stock_predict)
    print(table(ours_en, stock_en, f"English only: {len(english)} samples"))
    for error in ours.errors:
        print(error)
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
