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


def _names(text: str, language: str = "en") -> list[str]:
    return [e.text for e in analyze_text(text, language) if e.entity_type == "PERSON" and e.score >= 0.85]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Official language watchdog looking into John Baird's tweets", "John Baird"),  # possessive ending
        ('"I am thrilled to be alive," says Dr Kent Brantly, who survived the virus.', "Kent Brantly"),  # title
        ("@nelsoncardoz Hi Nelson, could we use your picture please?", "Nelson"),  # greeting
        ("Breaking: Edward Snowden Got Asylum in Russia, Lawyer Says", "Edward Snowden"),  # headline words
    ],
)
def test_a_name_span_holds_the_name_only(text: str, name: str) -> None:
    assert name in _names(text)


def test_a_third_name_word_that_is_a_listed_name_stays() -> None:
    assert "John Paul Jones" in _names("The bassist John Paul Jones joined the band in 1968.")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Hayes, 25 September 1963 -- 1 January 1965.", "Hayes"),  # a listed surname ending in s
        # a surname in no list and no English word, mid-sentence: spaCy's PERSON keeps its score
        ("He trained with heavyweight legend Joe Frazier, and later Bobick fought him.", "Bobick"),
        ("After the war he married Lily and they moved to Leeds.", "Lily"),  # a name that is also a word
        ("The meeting moved, so Ben will present the results.", "Ben"),
    ],
)
def test_a_lone_surname_in_running_text_is_a_name(text: str, word: str) -> None:
    assert word in _names(text)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # the same shapes where the word is software or a log message's first word
        ("And another one is that Gradle is an open source project; run gradle build to see.", "Gradle"),
        ("[Sat Jun 20 07:27:13 2020] [core:warn] AH00111: Config variable ${APACHE_LOG_DIR} is not defined", "Config"),
        ("Suspendisse potenti. Nullam sed dui magna. Lorem ipsum dolor sit amet.", "Nullam"),
        ("Saturday Night Live showed it over and over, the Nationally televised loss.", "Nationally"),
        ("Am o placa de baza, Chipset Ali M1542/M1543, Aladdin-V chipset.", "Ali"),  # after a capitalised word
        ("Vreau sa ma conectez la ZAPP, din Linux, pe portul USB", "din Linux"),  # a lower-case word in the span
        ("This request was received from a Linux device using Firefox.", "Firefox"),  # a tool after "using"
        ("The crash happens when I open the file using Krita on Manjaro.", "Manjaro"),
        ("Did you read the book Lily gave me? The lily in the garden is blooming.", "Lily"),  # written lower case too
    ],
)
def test_a_lone_capitalised_word_that_is_not_a_name_in_prose_is_not_reported(text: str, word: str) -> None:
    assert word not in _names(text)


def test_the_other_members_of_a_list_of_names_are_names() -> None:
    text = "Mais quant aux trois autres, Bozzi, Linge et Duburre, ils courent encore."
    assert {"Bozzi", "Linge", "Duburre"} <= set(_names(text, "fr"))


def test_a_list_with_one_name_lends_nothing() -> None:
    text = "Last week our colleague John Smith flew to Paris, London and Berlin for the meetings."
    assert set(_names(text)) == {"John Smith"}
