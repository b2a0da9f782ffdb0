"""STREET_ADDRESS: a house number and a street, in the forms of the locales mail is written in.

spaCy's small models do not tag street addresses at all. A street-type word next to a house number is a
strong signal in every language, so each address form is a pattern, built from the words and postcode
shapes in `dlp/detect/data/addresses.yaml` (a new locale is data there, not code here):

- number first, type word last: "742 Evergreen Terrace, Springfield, IL 62704", "221B Baker Street";
- number first, type word first: "12 rue de la Paix, 75002 Paris";
- type word first, number after: "Via Roma 10", "Rua Augusta 123, 1100-053 Lisboa", "ul. Długa 5";
- one word with a street suffix, number after: "Bahnhofstrasse 12", "Mannerheimintie 5 B 7";
- name, separate type word, number after: "Andrássy út 12", "Berliner Straße 5";
- a name and number anchored by a distinctive postcode: "Ermou 25, 105 63 Athens", "27 Kingsway, London WC2B 6UN";
- P.O. boxes ("PO Box 1234", "Postfach 10 20 30") and US military mail ("PSC 1234, Box 5678, APO AE 09204").

Units ("Apt 4B", "3º 2ª", ", 4 C", "Bajo C"), districts, city and postcode are included when they follow, so the whole
address is one entity (and one finding); a country alone after it is not part of it (it identifies nobody). Weak
US street suffixes that are also common nouns ("Center",
"Point") count only with a unit, city or postcode after them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml
from presidio_analyzer import Pattern, PatternRecognizer

UK_PATTERN = "UK street, with or without a number, anchored by a Royal Mail postcode"


@lru_cache(maxsize=1)
def address_data() -> dict:
    return yaml.safe_load(resources.files("dlp.detect").joinpath("data/addresses.yaml").read_text(encoding="utf-8"))


def _words(items) -> str:
    """An alternation of literal words, longest first (so "Str." is tried before "St")."""
    flat = sorted({str(w) for w in items}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w) for w in flat) + ")"


def _all(section: dict) -> list:
    return [w for words in section.values() for w in words]


def build_patterns(data: dict) -> list[Pattern]:
    upper = r"\p{Lu}"
    sp = r"[^\S\n]"  # a space that does not end the line
    word = rf"(?-i:{upper}[\p{{L}}'’\-]+)"
    # A word of a street name: capitalised (or all capitals), an ordinal ("5th"), or an initial ("J.", "C").
    name_word = rf"(?:{word}\.?|\d+(?:st|nd|rd|th)|(?-i:{upper})\.?)"
    connector = r"(?:am|an|der|im|de|del|della|di|da|la|le|les|sur|sous|en|upon|on)"
    city = rf"(?:{word}(?:\.?(?:{sp}|-){word}|{sp}{connector}{sp}{word}){{0,2}})"  # "St. Gallen", not "Zürich."
    postcodes = data["postcodes"]
    strong_pc = "(?-i:" + "|".join(f"(?:{p})" for p in postcodes["strong"].values()) + r")(?!\w)"
    plain = postcodes["plain"]
    # A postcode is not followed by another digit group on its line ("4111 1111 1111 1111" is a card).
    any_pc = "(?-i:" + "|".join(f"(?:{p})" for p in (*postcodes["strong"].values(), *plain.values()))
    any_pc += r")(?![\w-])(?![^\S\n]\d)"
    five_pc = rf"(?-i:{plain['five']})(?![\w-])(?![^\S\n]\d)"
    bare_pc = rf"(?:{strong_pc}|{five_pc})"  # a postcode with no city after it: never a bare 4 or 6 digits
    four_pc = rf"(?-i:{plain['four']})(?![\w-])"
    country = rf"(?-i:{_words(data['countries'])})(?!\w)"
    # "IL 62704", "NSW, 2000", "QC V9X 4K1": a state or province code, then its postcode.
    state_zip = rf"(?-i:[A-Z]{{2,3}})\.?,?\s+(?:\d{{5}}(?:-\d{{4}})?|\d{{4}}|{strong_pc})(?!\d)"
    province = rf"(?:{sp}\((?-i:[A-Z]{{2}})\))"  # "Cloz (TN)"
    uk = data["uk"]
    uk_postcode = rf"(?-i:{uk['postcode']})(?![\w-])"
    # "64 Melbourne Road\nLondon\nE10": a postcode district alone on the line under the town.
    uk_district_line = rf"{city}{sp}*\n{sp}*(?-i:{uk['district']})(?={sp}*(?:\n|$))"
    tail = (
        # suburb, district or county names may stand between the street and the city with its postcode
        rf"(?:,?\s+(?:{city}(?:(?:,{sp}*|{sp}*\n{sp}*){city}){{0,3}},?\s+(?:{state_zip}|{strong_pc}|{any_pc})"
        rf"|{any_pc},?(?:{sp}+|\n){city}{province}?|{bare_pc}"
        rf"|{city}(?=,?\s+{country})|{uk_district_line})"
        rf"(?:,?\s+{country}{sp}+{any_pc})?)"  # a country alone after the address is no part of it
    )
    unit_word = _words(data["unit_words"])
    # The unit's number or letter: "Flat 3", "Apt 4B", "Bâtiment B"; never a word ("shop at 12 High Street").
    unit_value = rf"(?:(?=[\w\-ºª]{{0,5}}\d|(?-i:[A-Z])\b)[\w\-ºª]{{1,6}}\b|{_words(data['unit_values'])}\b\.?)"
    unit_body = rf"{unit_word}\.?(?:{sp}?(?:no\.?|nr\.?|n\.?º?|#))?{sp}?{unit_value}"
    floor_door = rf"\d{{1,2}}\.?[ºª°](?:{sp}?\d{{1,2}}[ºª°]|{sp}?(?:izq|izda|dcha|dch|dto|esq|[A-Z])\b\.?)?"  # "3º 2ª"
    # Spanish floor and door after the number: "Calle del Cobre, 3, 4 C", "Avda. Pitis 86, 5C".
    floor_letter = rf"\d{{1,2}}(?:,?{sp}?(?-i:[A-Z])|(?-i:[A-Z]))(?!\w)"
    unit = rf"(?:(?:,?\s+|{sp}+[-–]{sp}+)(?:{unit_body}|{floor_door}|{floor_letter}))"
    unit_first = rf"(?:{unit_body},?\s+)?"  # "Flat 3, 12 High Street"
    # "12", "12a", "12 bis", "6-8", "2/2", "s/n" (no number), and the Nordic staircase and flat "12 B 4".
    house = (
        rf"(?:\d{{1,5}}(?:{sp}(?-i:[A-Z]){sp}?\d{{1,3}}(?!\d)|{sp}?(?-i:[A-Za-z])(?!\w))?"
        rf"(?:[-/]\d{{1,4}}[a-zA-Z]?)?(?:{sp}?(?:bis|ter)\b)?|s/n\b)"
    )
    number_mark = r"(?:n\.?[ºo°]?\.?|nº|no\.?|nr\.?|núm\.?|número|#)"
    street_name = rf"(?:[\p{{L}}'’\-\.]+{sp}){{0,5}}?[\p{{L}}'’\-]+"
    after_number = rf"(?:{unit}{{0,2}})(?:{tail})?"

    # A house number opens a word of its own: not the tail of a phone number or range ("431-8663 X-115").
    num_start = r"(?<![\d\-.)/])\b"
    suffix = data["number_first_suffix"]
    directional = rf"(?:{sp}+(?-i:{_words(suffix['directionals'])})\b\.?)?"
    lead = (
        rf"{num_start}{unit_first}\d{{1,6}}[A-Za-z]?(?:[-/]\d{{1,4}})?\s+(?:(?:N|S|E|W|North|South|East|West)\.?\s+)?"
        rf"(?:{name_word}\s+){{1,5}}"
    )
    strong_type = rf"{_words(_all(suffix['strong']))}s?\b\.?{directional}{unit}?{tail}?"
    weak_type = rf"{_words(_all(suffix['weak']))}s?\b\.?{directional}(?:{unit}{tail}?|{tail})"
    number_first_suffix = rf"{lead}(?:{strong_type}|{weak_type})"  # one pattern: the lead is scanned once
    anchored_us = (
        rf"{num_start}\d{{1,5}}[A-Za-z]?\s+(?:{name_word}\s?){{1,4}},\s*{city},?\s+(?:{strong_pc}|{state_zip})"
    )
    # Any case, held by a US state and ZIP code at the end: "317 conniston road, west palm beach, fl 33458".
    states = _words(data["us_states"])
    us_zip_anchored = (
        rf"{num_start}\d{{1,6}}[a-z]?{sp}(?:[\w.#'’\-]+,?{sp}){{1,9}}?{states},?{sp}+\d{{5}}(?:-\d{{4}})?(?![\w-])"
    )

    prefix_first = _words(_all(data["number_first_prefix"]))
    street_end = r"(?=,|\s+\d{4,5}\b|\s*$|\n|\.\s)"
    number_first_prefix = rf"\b{house},?\s+{prefix_first}\s+{street_name}{street_end}{after_number}"
    prefix_after = rf"(?-i:{_words(_all(data['prefix_number_after']))})"
    glued_prefix = rf"(?-i:{_words(_all(data['prefix_glued']))})"  # "C/Irunlarrea 3"
    number = rf"(?:{number_mark}{sp}?)?{house}\b"
    number_after_prefix = rf"\b(?:{prefix_after}{sp}+|{glued_prefix}{sp}*){street_name},?{sp}+{number}{after_number}"
    caseless = _words(_all(data["prefix_number_after_caseless"]))
    # No comma, and the name opens with an article or a capital: "rue du Lac 6", not "route to int 0".
    # ...and the number ends the street line: "rue Neuve devant 900" is prose.
    article = rf"(?:du|de|des|de{sp}la|de{sp}l'|d'|la|le|les)"
    french_name = rf"(?:{article}{sp}*|(?-i:{upper}))(?:[\p{{L}}'’\-]+{sp}){{0,2}}[\p{{L}}'’\-]+"
    line_end = rf"(?={sp}*(?:$|[,\n]|\d{{4}}))"
    number_after_caseless = rf"\b{caseless}{sp}+{french_name}{sp}+{number}{line_end}{after_number}"
    glued = rf"(?-i:{upper}[\p{{L}}\-]*?){_words(_all(data['glued_number_after']))}"
    number_after_glued = rf"\b{glued}\.?,?{sp}+{number}(?!\d){after_number}"
    separate = rf"(?-i:{_words(_all(data['separate_number_after']))})"
    city_first = rf"(?:{any_pc}{sp}+{city},{sp}*)?"
    number_after_separate = rf"\b{city_first}{word}(?:{sp}{word})?{sp}{separate}{sp}+{house}(?!\d)\.?{after_number}"
    # No type word at all: a capitalised name and house number, then a postcode and city, on the same line
    # after a comma or on the next line ("Ermou 25, 105 63 Athens", "Städtle 32\n9490 Vaduz").
    anchored_after = (
        rf"\b{word}(?:{sp}{word}){{0,3}}{sp}+\d{{1,4}}(?:/\d{{1,4}})?[a-zA-Z]?"
        rf"(?:,{sp}*(?:{strong_pc}|{five_pc})|{sp}*\n{sp}*(?:{strong_pc}|{five_pc}|{four_pc})){sp}+{city}"
        rf"(?:,?\s+{country})?(?={sp}*(?:$|[,.;)]|\n))"
    )
    # A street type and name without a number, held by the postcode and city under it: "boulevard Mallet\n20749 Perrot".
    numberless = rf"\b(?:{prefix_first}|{prefix_after}){sp}+{street_name},?\s+(?:{strong_pc}|{five_pc}){sp}+{city}"
    building = rf"(?:{word}{sp}){{1,3}}(?-i:{_words(uk['building_words'])})"
    uk_type = rf"(?-i:{_words(uk['street_types'])})\b\.?"
    # "Bow St, Covent Garden, London, WC2E 9DD", "Castle Street Caerphilly CF83 1NY", "The Blvd, ST6 6BD",
    # "Flat 14, Ziggurat Building, 60-66 Saffron Hill, London, EC1N 8QX": held by a Royal Mail postcode. A
    # building's name belongs to the address after a flat or unit; alone before the street it is the venue's.
    uk_anchored = (
        rf"\b(?:{unit_body},?\s+(?:{building},{sp}*)?)?(?:{house}{sp}+)?"
        rf"(?:(?-i:The){sp}+|(?:{name_word}{sp}+){{1,4}}){uk_type}(?:,?\s+{city}){{0,4}},?\s+{uk_postcode}"
    )
    po_words = "|".join(data["po_box_words"])
    po_box = rf"\b(?:{po_words}){sp}*(?:no\.?|#)?{sp}*\d{{1,6}}(?:{sp}\d{{2}}){{0,2}}(?!\d){tail}?"
    military = data["military"]
    mil_tail = rf",?\s+(?-i:{_words(military['post_offices'])}{sp}+{_words(military['regions'])}){sp}+\d{{5}}\b"
    mil_unit = rf"\b(?-i:{_words(military['units'])}){sp}+\d{{1,5}},?{sp}+(?-i:Box){sp}+\d{{1,5}}{mil_tail}"
    mil_ship = rf"\b(?-i:{_words(military['ships'])}){sp}+{word}(?:{sp}{word}){{0,2}}(?:{sp}\(\w+-\d+\))?{mil_tail}"
    return [
        Pattern("number, street name, street type (a weak type only with a unit or city)", number_first_suffix, 0.7),
        Pattern("street and city anchored by a postcode", anchored_us, 0.7),
        Pattern("number and street anchored by a US state and ZIP code", us_zip_anchored, 0.7),
        Pattern("number, street type, street name", number_first_prefix, 0.7),
        Pattern("street type, street name, number", number_after_prefix, 0.7),
        Pattern("street type in any case, street name, number", number_after_caseless, 0.7),
        Pattern("street name with a street suffix, number", number_after_glued, 0.7),
        Pattern("street name, street type word, number", number_after_separate, 0.7),
        Pattern("street name and number anchored by a postcode", anchored_after, 0.7),
        Pattern("street type and name above a postcode and city", numberless, 0.7),
        Pattern("post office box", po_box, 0.7),
        Pattern("us military address (unit)", mil_unit, 0.75),
        Pattern("us military address (ship)", mil_ship, 0.75),
        # last: `UkAddressRecognizer` runs it, only over texts holding a Royal Mail postcode
        Pattern(UK_PATTERN, uk_anchored, 0.7),
    ]


class StreetAddressRecognizer(PatternRecognizer):
    CONTEXT = [
        "address",
        "street",
        "live",
        "residence",
        "ship",
        "billing",
        "mailing",
        "adresse",
        "indirizzo",
        "dirección",
        "morada",
        "endereço",
        "osoite",
        "cím",
        "wohnhaft",
        "domicile",
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=[p for p in shared_patterns() if p.name != UK_PATTERN],
            context=self.CONTEXT,
            supported_language=supported_language,
        )


@lru_cache(maxsize=1)
def shared_patterns() -> tuple[Pattern, ...]:
    """The patterns of the bundled data, built once per process and shared by every language's recognizer.

    Presidio compiles a pattern on its first use and keeps the compiled regex on the `Pattern`, so shared
    patterns are compiled once, not once per served language (the address regexes are large)."""
    import regex

    patterns = tuple(build_patterns(address_data()))
    flags = PatternRecognizer("STREET_ADDRESS", patterns=[patterns[0]]).global_regex_flags
    for pattern in patterns:
        pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)
        pattern.compiled_with_flags = flags
    return patterns
