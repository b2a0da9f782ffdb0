"""A lone listed surname in running German, French or Spanish text is a person; a noun, a place or an
institution written the same way is not (the languages without an NER model)."""

from __future__ import annotations

import pytest

from dlp.api import analyze_text


def _names(text: str, language: str) -> list[str]:
    return [e.text for e in analyze_text(text, language) if e.entity_type == "PERSON" and e.score >= 0.85]


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("Im Senat vertrat Hoffmann vor allem die Ressorts Wohlfahrt und Jugend.", "de", "Hoffmann"),
        ("Die Kollegen waren überrascht, und so machte Ruane im Herbst eine Tour durch Europa.", "de", "Ruane"),
        ("Le jury eut bien voulu condamner Vigouroux, mais il ne voulait pas qu'il soit puni.", "fr", "Vigouroux"),
        ("Después de la reunión, habló Fernández con los vecinos del barrio sobre las obras.", "es", "Fernández"),
    ],
)
def test_a_lone_surname_mid_sentence_is_a_name(text: str, language: str, name: str) -> None:
    assert name in _names(text, language)


@pytest.mark.parametrize(
    ("text", "language", "word"),
    [
        # German capitalises every noun: "Koch" (cook) and "Bauer" (farmer) are listed surnames too
        ("Der Senat tagte lange, und der neue Koch kochte für alle im großen Haus.", "de", "Koch"),
        ("Am Morgen fuhr der Bauer mit dem Traktor auf das Feld hinaus.", "de", "Bauer"),
        ("Wir fahren morgen nach Berlin und treffen dort die Kollegen.", "de", "Berlin"),  # a place after "nach"
        ("Toutefois la Ville et l'Etat pourront, d'un commun accord, modifier le contrat.", "fr", "Ville"),  # article
        ("Remitido por: Dra. Ruiz. Calle de Alcalá 23, 28014 Madrid, España.", "es", "España"),  # address parts
    ],
)
def test_a_noun_place_or_institution_is_not_a_name(text: str, language: str, word: str) -> None:
    assert word not in _names(text, language)


def test_english_leaves_lone_words_to_its_ner_model() -> None:
    from dlp.detect.recognizers.lone_name import LoneNameRecognizer

    assert LoneNameRecognizer("en").analyze("and so Hoffmann said it", ["PERSON"]) == []
