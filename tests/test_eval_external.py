"""The external evaluation set loads, is well-formed, is split as documented, and is scored as documented.

No detector runs here (that is `make eval`): these tests keep the yardstick itself honest.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT / "tests" / "data" / "eval" / "external"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"tools_eval_{name}", ROOT / "tools" / "eval" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"tools_eval_{name}"] = module
    spec.loader.exec_module(module)
    return module


external = _load("external")
build = _load("build_external")
GOLD_TYPES = set(external.SCORED) | {external.IGNORE}


@pytest.fixture(scope="module")
def parts() -> dict[str, list[dict]]:
    return {part: external.load_part(part) for part in ("dev", "unseen")}


def test_both_parts_load_with_enough_samples_and_unseen_share(parts) -> None:
    dev, unseen = parts["dev"], parts["unseen"]
    assert len(dev) + len(unseen) >= 1500
    assert len(unseen) / (len(dev) + len(unseen)) >= 0.40
    assert not {r["id"] for r in dev} & {r["id"] for r in unseen}
    # the split is the documented hash rule, so nobody can move a sample between parts by hand
    assert all(not build.is_unseen(r["id"]) for r in dev)
    assert all(build.is_unseen(r["id"]) for r in unseen)


def test_every_sample_is_well_formed(parts) -> None:
    for row in parts["dev"] + parts["unseen"]:
        assert set(row) == {"id", "text", "spans", "lang", "locale", "source"}, row["id"]
        assert row["lang"] in {"en", "de", "fr", "it", "es"}, row["id"]
        for start, end, kind in row["spans"]:
            assert 0 <= start < end <= len(row["text"]), row["id"]
            assert kind in GOLD_TYPES, (row["id"], kind)
            assert row["text"][start:end].strip(), row["id"]


def test_the_set_covers_languages_types_and_real_mail(parts) -> None:
    rows = parts["dev"] + parts["unseen"]
    languages = {r["lang"] for r in rows}
    assert {"en", "de", "fr", "es"} <= languages
    labelled = {kind for r in rows for *_, kind in r["spans"]}
    assert {"PERSON", "STREET_ADDRESS", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "ID_NUMBER"} <= labelled
    assert any(r["source"] == "mail" and any(k == "PERSON" for *_, k in r["spans"]) for r in rows)
    assert len({r["source"] for r in rows}) >= 8


def test_every_source_names_its_origin_commit_and_licence(parts) -> None:
    for source in {r["source"] for r in parts["dev"] + parts["unseen"]}:
        folder = EXTERNAL / source
        text = (folder / "SOURCE").read_text(encoding="utf-8")
        assert "source:" in text
        if source != "mail":
            assert "commit:" in text and "licence:" in text
            assert (folder / "LICENSE").stat().st_size > 0


def test_the_unseen_part_is_not_plain_text() -> None:
    """A casual `grep` over the repository must not show unseen samples."""
    assert not list((EXTERNAL / "unseen").glob("*.jsonl"))
    packed = (EXTERNAL / external.UNSEEN_FILE).read_bytes()
    assert b'"text"' not in packed


def test_token_scoring_follows_the_documented_rules() -> None:
    text = "Call Anna Maria Rossi at +39 02 1234 5678, Milano."
    gold = [("PERSON", 5, 21), ("PHONE_NUMBER", 25, 41), ("IGNORE", 43, 49)]
    predicted = [
        ("PERSON", 5, 15),  # Anna Maria: 2 TP, Rossi missed
        ("LOCATION", 43, 49),  # dropped type, and an IGNORE span anyway
        ("US_BANK_NUMBER", 28, 41),  # an identifier type on a phone: ID_NUMBER false positives
        ("PHONE_NUMBER", 25, 41),
    ]
    counts = external.score_sample(text, gold, predicted)
    assert (counts.tp["PERSON"], counts.fn["PERSON"], counts.fp["PERSON"]) == (2, 1, 0)
    assert (counts.tp["PHONE_NUMBER"], counts.fn["PHONE_NUMBER"]) == (4, 0)  # 39, 02, 1234, 5678
    assert counts.fp["ID_NUMBER"] == 3  # 02, 1234, 5678
    # any personal data: 6 of 7 gold tokens found, no clean token marked ("Call", "at" stay clean)
    assert (counts.tp[external.ANY], counts.fn[external.ANY], counts.fp[external.ANY]) == (6, 1, 0)
    precision, recall, _f1, n = counts.prf("PERSON")
    assert (precision, n) == (1.0, 3) and recall == pytest.approx(2 / 3)


def test_dev_rows_round_trip_through_json() -> None:
    for path in (EXTERNAL / "dev").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert json.loads(line)["id"]
