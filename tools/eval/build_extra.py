"""Builds the extra evaluation part (tests/data/eval/external/extra/): more real labelled text, scored apart.

The external set's dev/unseen split is kept as it is (its numbers stay comparable across rounds); this
part adds text from public sources that the set does not use, so a change is also measured on text its
author never looked at while tuning:

- MEDDOCAN's *training* documents (the set uses its dev and test parts): Spanish clinical case reports
  with hand-labelled phone and fax numbers, record/insurance/licence numbers, street addresses, e-mail
  addresses and names, labelled exactly as the set labels MEDDOCAN (`build_external.meddocan`).

    .venv/bin/python tools/eval/build_extra.py [--mirrors /work/.mirror]
    .venv/bin/python tools/eval/external.py --parts extra --no-stock --no-corpus
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.eval.build_external import OUT, SOURCES, Mirror, meddocan  # noqa: E402

MEDDOCAN_TRAIN = replace(
    SOURCES["meddocan"],
    name="meddocan-train",
    paths=("corpus/train/brat/*",),
    what=SOURCES["meddocan"].what.replace("(MEDDOCAN 2019, brat)", "(MEDDOCAN 2019 training part, brat)"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=OUT / "extra")
    args = parser.parse_args()
    source = MEDDOCAN_TRAIN
    samples = meddocan(Mirror(args.mirrors, source.repo, source.commit), source, count=500)
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(s.as_json(), ensure_ascii=False, sort_keys=True) for s in sorted(samples, key=lambda s: s.id)]
    (args.out / f"{source.name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "SOURCE").write_text(
        f"source: https://github.com/{source.repo}\ncommit: {source.commit}\npaths: {', '.join(source.paths)}\n"
        f"licence: {source.licence} (text: {source.licence_path}, copied to LICENSE)\nwhat: {source.what}\n",
        encoding="utf-8",
    )
    licence = Mirror(args.mirrors, source.repo, source.commit).read(source.licence_path)
    (args.out / "LICENSE").write_text(licence, encoding="utf-8")
    print(f"{len(samples)} samples -> {args.out}")


if __name__ == "__main__":
    main()
