"""The PERSON clean-up rules keep real names: a listed lone name keeps its score, a title is never a name."""

from __future__ import annotations

import pytest

from dlp.api import analyze_text
from dlp.detect.postprocess import person_score, plausible_person


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Kowalski will call you back.", True),  # a listed surname, not an English word
        ("Guido died in 1955.", True),
        ("Pixel is out of stock.", False),  # a product, not in the name lists
        ("Will is not enough.", False),  # a name that is also an ordinary word
        ("ENGLAND is printed on the label.", False),  # shouted: a place in an address block
        ("Your order is ready at our Austin store.", False),  # a city named like a person
    ],
)
def test_a_lone_word_keeps_its_score_only_when_listed(text: str, kept: bool) -> None:
    start = text.index("Austin") if "Austin" in text else 0
    end = text.index(" ", start)
    assert (person_score(text, start, end, 0.85) == 0.85) is kept


@pytest.mark.parametrize("title", ["Mr", "Mr.", "Mrs", "Dr.", "Herr", "Signora"])
def test_a_title_alone_is_not_a_name(title: str) -> None:
    assert not plausible_person(title)


def test_a_form_label_takes_a_name_on_the_next_line_but_a_title_does_not() -> None:
    found = {e.text for e in analyze_text("Nombre:\nRoberto Mendez\nSexo: M.\nFecha de Ingreso: 04/08/2015.", "es")}
    assert "Fecha de Ingreso" not in found and "Roberto Mendez" in found


def test_a_titled_name_is_one_finding() -> None:
    found = [(e.entity_type, e.text) for e in analyze_text("Dear Mr. Alvarez, we have received your claim.")]
    assert found == [("PERSON", "Alvarez")]


@pytest.mark.parametrize(
    ("span", "kept"),
    [
        ("Sandy Creek", False),  # a place word ends the run
        ("Trafalgar Dock", False),
        ("San Jose", False),  # a saint's prefix starts it
        ("Santa Clara", False),
        ("Kim Park", True),  # surnames that are also place words stay names
        ("Gómez Arena", True),
        ("Sat Jun", False),  # a log line's weekday and month
        ("Víctor Asensio Sánchez", True),
    ],
)
def test_places_and_dates_are_not_names(span: str, kept: bool) -> None:
    assert plausible_person(span) is kept


def test_a_name_pattern_that_ran_into_a_role_word_is_trimmed() -> None:
    from dlp.detect.postprocess import trimmed_person

    text = "Médico: Víctor Asensio Sánchez Servicio de Urgencias"
    start = text.index("Víctor")
    end = text.index(" de Urgencias")
    assert text[slice(*trimmed_person(text, start, end))] == "Víctor Asensio Sánchez"
