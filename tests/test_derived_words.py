"""Word lists derived from an installed package are parsed once, then read from a cache file.

The German place names and common nouns (`lone_name._german_words`) come from parsing the 25 MB of the
`german-nouns` package: ~1 s of CPU in every process that met a capitalised word in German text. Now
the first process writes each list to a cache file and later ones read it back; a file from another
package version, a file cut short or a cache directory nobody can write only means parsing again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlp.detect.recognizers import lone_name
from dlp.namelists import derived_words

LISTS = {"place": ["berlin", "london"], "common": ["koch", "senat", "straße"]}


def _build_counting(calls: list[int]):
    def build() -> dict[str, list[str]]:
        calls.append(1)
        return LISTS

    return build


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DLP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_list_is_built_once_then_read_back(cache: Path) -> None:
    calls: list[int] = []
    assert derived_words("nouns", "place", "v1", _build_counting(calls)) == frozenset(LISTS["place"])
    assert sorted(p.name for p in cache.iterdir()) == ["nouns.common.words", "nouns.place.words"]  # no temp left
    assert derived_words("nouns", "place", "v1", _build_counting(calls)) == frozenset(LISTS["place"])
    assert derived_words("nouns", "common", "v1", _build_counting(calls)) == frozenset(LISTS["common"])
    assert calls == [1]


def test_another_source_version_or_a_cut_file_is_rebuilt(cache: Path) -> None:
    calls: list[int] = []
    derived_words("nouns", "place", "v1", _build_counting(calls))
    assert derived_words("nouns", "place", "v2", _build_counting(calls)) == frozenset(LISTS["place"])
    assert len(calls) == 2
    path = cache / "nouns.place.words"
    path.write_text(path.read_text(encoding="utf-8")[:-3], encoding="utf-8")  # the end marker lost
    assert derived_words("nouns", "place", "v2", _build_counting(calls)) == frozenset(LISTS["place"])
    assert len(calls) == 3


def test_an_unwritable_cache_only_costs_a_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DLP_CACHE_DIR", str(blocker / "cache"))
    calls: list[int] = []
    for _ in range(2):
        assert derived_words("nouns", "common", "v1", _build_counting(calls)) == frozenset(LISTS["common"])
    assert calls == [1, 1]


def test_the_cached_german_lists_equal_the_parsed_package(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = lone_name._derive_german_words()
    assert {"berlin", "london", "hamburg"} <= parsed["place"] and {"koch", "senat"} <= parsed["common"]
    key = lone_name._german_nouns_key()
    for kind in ("place", "common"):
        assert derived_words("german-nouns", kind, key, lone_name._derive_german_words) == parsed[kind]

    def no_parsing() -> dict:
        raise AssertionError("parsed the package again although its cache files are current")

    monkeypatch.setattr(lone_name, "_derive_german_words", no_parsing)
    lone_name._german_words.cache_clear()
    try:
        assert lone_name._german_words("place") == parsed["place"]
        assert lone_name.known_place("Berlin") and not lone_name.known_place("Hoffmann")
    finally:
        lone_name._german_words.cache_clear()
