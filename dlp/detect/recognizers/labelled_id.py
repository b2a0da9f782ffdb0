"""NATIONAL_ID: a government, social-security, tax or health-record number named as such by its label.

Stock Presidio finds record numbers by shape alone (its driver's-licence, bank-number and passport
patterns take any 7-12 digit run), which is how it scores on clinical forms; on real mail every such hit
was something else (on the external eval's real mail: 124 id detections by stock, none a person's id:
message ids, version and port numbers, URL paths). What makes a number an identifier of a person in
text is the label written in front of it: "NHC: 7892657", "NASS: 73 46509365 65", "SSN 078-05-1120",
"Personalausweisnummer: L01X00T47", "numéro de sécurité sociale : 1 85 05 78 006 084 36". So the label
is part of the match; a number without one stays unreported (issue 13's evidence rule).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from dlp.detect.recognizers.prefilter import PrefilteredPatternRecognizer

NO = r"(?:number|no\.?|nr\.?|num\.?|#|n[º°o]\.?|nummer|numéro|numero|número)"
# Labels that name a person's identifier by themselves, in the languages dlp serves.
ID_LABEL = (
    r"(?:social\s+security(?:\s+" + NO + r")?|national\s+insurance(?:\s+" + NO + r")?|ni\s+number|nino|"
    r"national\s+id(?:entity)?(?:\s+(?:card|" + NO + r"))?|id(?:entity)?\s+card(?:\s+" + NO + r")?|"
    r"passport(?:\s+" + NO + r")?|tax\s+(?:id|identification)(?:\s+" + NO + r")?|taxpayer\s+id|"
    r"medical\s+record(?:\s+" + NO + r")?|patient\s+id|nhs\s+" + NO + r"|"
    r"(?-i:SSN|MRN|NHS|NINO|NHC|NASS|NAF|NUSS|DNI|NIE|NIF|NIR)|historia\s+cl[íi]nica|n[º°o]\.?\s*(?:de\s+)?historia(?:\s+cl[íi]nica)?|"
    r"(?:n[º°o]\.?|número)\s+(?:de\s+)?(?:la\s+)?seguridad\s+social|(?:n[º°o]\.?|número)\s+de\s+afiliaci[óo]n|"
    r"tarjeta\s+sanitaria|"
    r"personalausweis(?:nummer|-?nr\.?)?|ausweis(?:nummer|-?nr\.?)|reisepass(?:nummer|-?nr\.?)?|"
    r"steuer-?id(?:entifikationsnummer)?|sozialversicherungs(?:nummer|-?nr\.?)|"
    r"rentenversicherungs(?:nummer|-?nr\.?)|krankenversicherungs(?:nummer|-?nr\.?)|"
    r"(?:n[º°o]\.?|numéro)\s+(?:de\s+)?s[ée]curit[ée]\s+sociale|carte\s+vitale|carte\s+d'identit[ée]|"
    r"passeport|codice\s+fiscale|tessera\s+sanitaria|carta\s+d'identit[àa]|passaporto)"
)
# The value: digits in groups (spaces, dots, slashes, hyphens), optionally with a letter prefix or check
# letter ("X1234567L", "AB 12 34 56 C", "879475839/710", "12 150385 M 123"); at least five digits in all.
VALUE = (
    r"(?=(?:[^\d\n]{0,3}\d){5})(?:[A-Z]{1,3}[ -]?)?\d+(?:[ ./-](?:\d+|[A-Z](?=[ ./-]\d))){0,7}"
    r"(?:[ -]?[A-Z](?![\w]))?"
)
REQUIRES = re.compile(
    r"(?i)ssn|social|insurance|ni\s+number|nino|national|id|passport|tax|medical|mrn|nhs|nhc|nass|naf|nuss|"
    r"dni|nie|nif|nir|historia|seguridad|afiliaci|sanitaria|ausweis|reisepass|steuer|versicherung|curit|vitale|"
    r"passeport|fiscale|passaporto"
)


class LabelledIdRecognizer(PrefilteredPatternRecognizer):
    REQUIRES = REQUIRES
    PATTERNS = [
        Pattern(
            "identifier after its label",
            rf"(?i)(?<=\b{ID_LABEL}\s{{0,2}}(?:is|:|#|=|-)?\s{{0,3}})(?-i:{VALUE})(?![\w-])",
            0.8,
        ),
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="NATIONAL_ID",
            name="LabelledIdRecognizer",
            patterns=self.PATTERNS,
            supported_language=supported_language,
        )
