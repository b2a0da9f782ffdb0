"""Builds the extra evaluation part (tests/data/eval/external/extra/): more real labelled text, scored apart.

The external set's dev/unseen split is kept as it is (its numbers stay comparable across rounds); this
part adds text from public sources that the set does not use, so a change is also measured on text its
author never looked at while tuning:

- MEDDOCAN's *training* documents (the set uses its dev and test parts): Spanish clinical case reports
  with hand-labelled phone and fax numbers, record/insurance/licence numbers, street addresses, e-mail
  addresses and names, labelled exactly as the set labels MEDDOCAN (`build_external.meddocan`).
- ideal-postcodes/uk-clear-addressing's formatting fixtures: UK addresses as Royal Mail's rules print them
  (flats, named buildings, numberless streets, localities, post town and postcode), each written as a
  letter's lines and as one line; gold STREET_ADDRESS from the first premise or street line to the
  postcode, the organisation and department lines IGNORE. Fixtures with the placeholder "Locality Name"
  are left out.

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

from tools.eval.build_external import OUT, SOURCES, Mirror, Sample, Source, meddocan  # noqa: E402

MEDDOCAN_TRAIN = replace(
    SOURCES["meddocan"],
    name="meddocan-train",
    paths=("corpus/train/brat/*",),
    what=SOURCES["meddocan"].what.replace("(MEDDOCAN 2019, brat)", "(MEDDOCAN 2019 training part, brat)"),
)
UK_CLEAR_ADDRESSING = Source(
    "uk-clear-addressing",
    "ideal-postcodes/uk-clear-addressing",
    "b0dc095a84881bbfc2041c3331d3dfec421ca653",
    "MIT",
    "LICENSE",
    ("test/data/formatting.json",),
    "UK addresses formatted by Royal Mail's addressing rules (the library's formatting fixtures), as a letter's"
    " lines and as one line; STREET_ADDRESS from the first premise or street line to the postcode,"
    " organisation and department lines IGNORE",
)


def uk_addresses(mirror: Mirror, source: Source) -> list[Sample]:
    out: list[Sample] = []
    for fixture in json.loads(mirror.read(source.paths[0]))["fixtures"]:
        expected, raw = fixture["expected"], fixture["fixture"]
        lines = [str(expected[k]).strip() for k in ("line_1", "line_2", "line_3", "post_town", "postcode")]
        lines = [line for line in lines if line]
        if any("Locality Name" in line for line in lines):
            continue
        names = {str(raw.get("organisation_name", "")).strip(), str(raw.get("department_name", "")).strip()} - {""}
        first = next((i for i, line in enumerate(lines) if line not in names), len(lines))
        for separator in ("\n", ", "):
            text = separator.join(lines)
            start = sum(len(line) + len(separator) for line in lines[:first])
            spans = [[start, len(text), "STREET_ADDRESS"]]
            if first:
                spans.insert(0, [0, start - len(separator), "IGNORE"])
            out.append(Sample(text, spans, "en", "en-GB", source.name))
    return list({s.id: s for s in out}.values())


def write(out: Path, mirrors: Path, source: Source, samples: list[Sample]) -> None:
    """`out/<source>.jsonl` plus `out/<source>/SOURCE` and its LICENSE."""
    folder = out / source.name
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(s.as_json(), ensure_ascii=False, sort_keys=True) for s in sorted(samples, key=lambda s: s.id)]
    (out / f"{source.name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "SOURCE").write_text(
        f"source: https://github.com/{source.repo}\ncommit: {source.commit}\npaths: {', '.join(source.paths)}\n"
        f"licence: {source.licence} (text: {source.licence_path}, copied to LICENSE)\nwhat: {source.what}\n",
        encoding="utf-8",
    )
    licence = Mirror(mirrors, source.repo, source.commit).read(source.licence_path)
    (folder / "LICENSE").write_text(licence, encoding="utf-8")
    print(f"{len(samples)} samples -> {out / source.name}.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=OUT / "extra")
    args = parser.parse_args()
    med = MEDDOCAN_TRAIN
    write(args.out, args.mirrors, med, meddocan(Mirror(args.mirrors, med.repo, med.commit), med, count=500))
    uk = UK_CLEAR_ADDRESSING
    write(args.out, args.mirrors, uk, uk_addresses(Mirror(args.mirrors, uk.repo, uk.commit), uk))


if __name__ == "__main__":
    main()
