"""PERSON after a role or title word: "le nommé Delagoutte", "M. l'instituteur Brandevin", "Trainer Klopp",
"el presidente Sánchez", "Senator Warren".

News, minutes and letters write a person's surname alone after what the person is. French, Spanish and
Italian write the role in lower case ("le brigadier Marié", "il sindaco Sala"), which is evidence by
itself: a lower-case role word followed by a capitalised word. English and German capitalise the role
("President Obama", "Kanzlerin Merkel"), as they do organisations and places ("General Motors",
"President Hotel", "Minister Street"), so there the name must also be in the name lists and no word of it
may be an organisation, place or role word.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import _street_word, lexicon

# Lower case in French, Spanish and Italian prose: the role is the evidence.
LOWER_ROLES = (
    r"nommée?|jeune|sieur|dame|veuve|femme|épouse|docteur|abbé|curé|capitaine|lieutenant|général|colonel|"
    r"commandant|brigadier|sergent|caporal|gendarme|inspecteur|commissaire|juge|président|présidente|ministre|"
    r"préfet|maire|député|sénateur|professeur|instituteur|aviateur|cardinal|"
    r"presidente|presidenta|ministra|ministro|alcalde|alcaldesa|capitán|doctora?|profesora?|jueza?|rey|reina|"
    r"sindaco|generale|capitano|dottore|dottoressa|professore|professoressa|giudice|onorevole|"
    r"president|senator|governor|minister|chancellor|coach|judge|detective|inspector|sergeant|captain"
)
# Capitalised in English and German: the name must be a listed one as well.
TITLE_ROLES = (
    r"President|Senator|Governor|Minister|Chancellor|Secretary|General|Colonel|Captain|Sergeant|Lieutenant|"
    r"Detective|Inspector|Judge|Justice|Professor|Coach|Pope|King|Queen|Prince|Princess|Duke|Duchess|Lord|Lady|"
    r"Präsident|Präsidentin|Kanzler|Kanzlerin|Ministerin|Bürgermeister|Bürgermeisterin|Trainer|Trainerin|"
    r"Kapitän|Professorin|Pfarrer|Bischof|König|Königin|Prinz|Prinzessin|Kommissar|Richter|Richterin|"
    r"Sprecher|Sprecherin|Kollege|Kollegin|Stürmer|Torwart"
)
WORD = r"\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}'’]+)?"
NAME = rf"(?P<name>{WORD}(?:[ ](?:{WORD}|\p{{Lu}}\.|(?:de|del|da|di|von|van|le|la)[ ]{WORD})){{0,2}})"
ROLE_NAME = regex.compile(
    rf"(?<![\p{{L}}])(?:(?P<lower>(?:{LOWER_ROLES}))|(?P<title>(?:{TITLE_ROLES})))(?:[ ]l['’])?[ ]{NAME}(?![\p{{L}}\-])"
)
SCORE = 0.9  # placed by its role: above spaCy's 0.85, so it wins Presidio's de-duplication of equal spans


class RoleNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="RoleNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        from dlp.detect.postprocess import NOT_NAMES  # postprocess imports the recognizers package

        out = []
        for match in ROLE_NAME.finditer(text):
            words = match.group("name").split()
            if any(w.lower() in NOT_NAMES or _street_word(w) for w in words):
                continue
            if match.group("title") and not any(lexicon().any_name(w) for w in words):
                continue
            out.append(RecognizerResult("PERSON", *match.span("name"), SCORE))
        return out
