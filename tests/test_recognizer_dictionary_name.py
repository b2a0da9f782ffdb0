"""DictionaryNameRecognizer: a listed given name and surname (or a middle initial), in any language."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.dictionary_name import DictionaryNameRecognizer

CASES = [
    "nicht mehr ins Nationalteam von Trainer [[Raimond Domenech]].",
    "Das Team von Trainer [[Peter Müller]] reist morgen ab.",  # "Peter" is a word too, but mid-sentence
    "Signature files came from [[Daniel M. Jordan]] last week.",
    "Please forward this to [[Aurelio Tacchini]] in accounting.",
    "[[Priya Raman]] opened the ticket.",
    "la cuisinière [[Aurélie Dagnel]] et son mari",  # surname not listed, given name is
    "Thanks [[Maria Rossi]] for the update",
    # not names
    "Will Power is a great book.",
    "Best Regards",
    "Apache Software Foundation",
    "Linux Kernel Mailing List",
    "Mit freundlichen Grüßen",
    "Kaiser Wilhelm St is closed.",  # a street
    "Medina del Campo is in Spain.",
    "Read the Release Notes first.",
    "+++ linux/arch/mips/defconfig\tSun Nov  3 23:36:58 2002",
    "Only for the Big Endian systems.",
    "Beste Grüße\n\n--\nJonas",
    "Sehr geehrte Frau Schneider, anbei Ihre Unterlagen.",  # a title; the salutation recognizer has the name
]


@pytest.mark.parametrize("marked", CASES)
def test_dictionary_name(marked: str) -> None:
    expected, found = expected_and_found(DictionaryNameRecognizer(), "PERSON", marked)
    assert found == expected
