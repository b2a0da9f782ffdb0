"""The overlap indexes answer exactly what the all-pairs loops they replaced answered (dlp.detect.spans)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.engine import _drop_overlaps
from dlp.detect.entities import Entity
from dlp.detect.name_repeat import repeated_names
from dlp.detect.spans import DisjointSpans, SpanIndex

spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=40)


def _entities(pairs) -> list[Entity]:
    types = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER")
    return [Entity(types[i % 3], s, s + n, 0.5 + (i % 5) / 10, "x" * n, "t") for i, (s, n) in enumerate(pairs)]


@settings(max_examples=300, deadline=None)
@given(spans, st.integers(0, 70), st.integers(0, 15))
def test_span_index_finds_exactly_the_overlapping_entities(pairs, start, width) -> None:
    entities = _entities(pairs)
    end = start + width
    expected = sorted((e.start, e.end, e.entity_type) for e in entities if e.start < end and start < e.end)
    found = sorted((e.start, e.end, e.entity_type) for e in SpanIndex(entities).overlapping(start, end))
    assert found == expected


@settings(max_examples=300, deadline=None)
@given(spans)
def test_disjoint_spans_keep_what_the_all_pairs_loop_kept(pairs) -> None:
    entities = _entities(pairs)
    kept: list[Entity] = []
    taken = DisjointSpans()
    for entity in entities:
        brute = any(entity.start < k.end and k.start < entity.end for k in kept)
        assert taken.overlaps(entity.start, entity.end) == brute
        if not brute:
            kept.append(entity)
            taken.add(entity.start, entity.end)
    assert all(
        not (a.start < b.end and b.start < a.end)
        for a in _drop_overlaps(entities)
        for b in _drop_overlaps(entities)
        if a is not b
    )


def test_a_pasted_list_of_thousands_of_names_marks_every_repeat() -> None:
    """The shape that was quadratic: one confident full name, then its surname thousands of times."""
    text = "Anna Meyer wrote. " + "Meyer, " * 5000
    names = repeated_names(text, [Entity("PERSON", 0, 10, 0.9, "Anna Meyer", "spacy")])
    assert len(names) == 5000 and all(text[e.start : e.end] == "Meyer" for e in names)
