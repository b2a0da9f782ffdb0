"""RoleNameRecognizer: a surname after what the person is ("le brigadier Marié", "Trainer Klopp")."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.role_name import RoleNameRecognizer

CASES = [
    "Le nommé [[Emile Delagoutte]], demeurant rue de Vanves, est marchand.",
    "mais prétend que le brigadier [[Marié]] l'avait d'abord traité",
    "M. l'instituteur [[Brandevin]], nouvellement arrivé dans le pays",
    "según el presidente [[Sánchez]] en la rueda de prensa",
    "Am Ende sagte Trainer [[Klopp]], das Spiel sei verloren.",
    "The ruling by Judge [[John J. Brody]] was upheld.",
    # capitalised roles before organisations and places are not people
    "He joined General Motors in 1990.",
    "We stayed at the President Hotel.",
    "Turn left into King Street.",
    "le maire de Paris a parlé",
]


@pytest.mark.parametrize("marked", CASES)
def test_role_name(marked: str) -> None:
    expected, found = expected_and_found(RoleNameRecognizer(), "PERSON", marked)
    assert found == expected
