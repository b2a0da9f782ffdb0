"""PERSON where the mail itself introduces a name: "Dear Maria Rossi", "Herr Müller", "Customer: Jo Bell".

Small NER models miss many names (and every name in a language without a model), but mail announces
names with salutations, titles and form labels in every language we serve. One to three capitalised
words after such a cue are a name; role words ("Dear Customer") are removed later with the other PERSON
noise (`dlp.detect.postprocess`).
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

CUE = (
    r"(?:dear|hi|hello|mr\.?|mrs\.?|ms\.?|miss|dr\.?|prof\.?|herr|frau|hallo|liebe[r]?|monsieur|madame|mme\.?|"
    r"mlle\.?|m\.|bonjour|cher|chère|signor[a]?|sig\.(?:ra)?|gentile|egregio|caro|cara|señor[a]?|sr\.|sra\.|"
    r"estimad[oa]|don|doña|hola|happy\s+birthday,?|congratulations,?|"
    r"(?:customer|client|account\s+holder|cardholder|tenant|lessee|patient|employee|beneficiary|recipient|"
    r"name|full\s+name|kunde|kundin|nom|nome|nombre|titular|inhaber(?:in)?|"
    r"surname|last\s+name|first\s+name|given\s+name|family\s+name|apellidos?|nachname|vorname|cognome|prénom|"
    r"nom\s+de\s+famille|médic[oa]|medic[oa]|médecin|arzt|ärztin|paciente|patient(?:e|in)?)\s*:)"
)
WORD = r"[A-ZÀ-Ý][a-zà-ÿ'’\-]+"
PARTICLES = r"(?:(?:van|von)[ \t](?:der|den)|de[ \t]l[ao]s?|van|von|de|del|della|di|da|le|la)"
NAME = rf"(?-i:{WORD}(?:[ \t](?:{WORD}|{PARTICLES}[ \t]{WORD})){{0,3}})"  # on one line


class IntroducedNameRecognizer(PatternRecognizer):
    # On the cue's line, or on the next line after a form label ("Name:\nMaria Rossi"); not after a line
    # that ends in a title-like abbreviation ("Sexo: M.\nFecha de Ingreso").
    PATTERNS = [
        Pattern(
            "name after a salutation, title or label",
            rf"(?<=\b{CUE}(?:[ \t]{{1,2}}|(?<=:)[ \t]?\n[ \t]?)){NAME}\b",
            0.85,
        )
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="PERSON",
            name="IntroducedNameRecognizer",
            patterns=self.PATTERNS,
            supported_language=supported_language,
        )
