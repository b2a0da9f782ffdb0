"""STREET_ADDRESS: a house number and a street, in US, UK and continental European forms.

spaCy's small models do not tag street addresses at all. A street-type word next to a house number is a
strong signal in every language we serve, so each form is a pattern: US/UK "742 Evergreen Terrace,
Springfield, IL 62704" / "221B Baker Street, London NW1 6XE"; German-style "Bahnhofstrasse 12, 8001
Zürich"; French "12 rue de la Paix, 75002 Paris"; Italian/Spanish "Via Roma 10, 00184 Roma", "Calle
Mayor 5, 28013 Madrid". City and postcode are included when they follow, so the whole address is one
entity (and one finding).
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

STREET_TYPES = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|terrace|ter|court|ct|way|place|pl|"
    r"parkway|pkwy|circle|cir|highway|hwy|square|sq|trail|trl|close|crescent|cres|gardens|grove|row|mews|"
    r"walk|hill|park|view|green|loop|pike|alley|plaza|point|ridge|run|crossing|heights|estate|wharf|"
    r"broadway)"
)
NAME_WORD = r"(?-i:[A-Z][a-zA-Z'\-]+|[0-9]+(?:st|nd|rd|th)|[A-Z]\.)"
CITY = r"(?-i:[A-Z][a-zA-Z\.\-']+(?:\s[A-Z][a-zA-Z\.\-']+){0,2})"
UK_POSTCODE = r"(?-i:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})"
US_TAIL = rf"(?:,?\s+{CITY},?\s+(?-i:[A-Z]{{2}})\.?\s+\d{{5}}(?:-\d{{4}})?)"
UK_TAIL = rf"(?:,\s*{CITY}(?:,\s*{CITY})?,?\s+{UK_POSTCODE})"
UNIT = r"(?:,?\s+(?:apt|apartment|suite|ste|unit|flat|fl|floor|#)\.?\s*[\w\-]{1,6})"
US_ADDRESS = (
    rf"\b\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?\s+(?:(?:N|S|E|W|North|South|East|West)\.?\s+)?(?:{NAME_WORD}\s+){{1,4}}"
    rf"{STREET_TYPES}\b\.?(?:\s+(?-i:N|S|E|W|NE|NW|SE|SW)\b\.?)?"
    rf"{UNIT}?(?:{US_TAIL}|{UK_TAIL})?"
)
# No street-type word ("27 Kingsway", "10 Downing"), but a city and a UK postcode or US state + ZIP after
# it: the postcode anchors the address.
ANCHORED = (
    rf"\b\d{{1,5}}[A-Za-z]?\s+(?:{NAME_WORD}\s?){{1,4}},\s*{CITY},?\s+"
    r"(?:(?-i:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})|(?-i:[A-Z]{2})\s+\d{5}(?:-\d{4})?)\b"
)
EU_POSTCODE_CITY = (
    r"(?:,?\s+(?:(?-i:[A-Z]{1,2})-)?\d{4,5}\s+(?-i:[A-ZÀ-Ý][\wÀ-ÿ'\-]+(?:[\s\-][A-ZÀ-Ý][\wÀ-ÿ'\-]+){0,2}))"
)
HOUSE_NO = r"\d{1,4}(?:\s?[a-zA-Z](?![\wÀ-ÿ]))?(?:\s?(?:bis|ter))?"
# Bahnhofstrasse 12 / Hauptstraße 5a / Am Rosenweg 3 / Kerkstraat 10
GERMANIC = (
    r"\b(?-i:[A-ZÄÖÜ][\wäöüßÄÖÜ\-]*)(?:strasse|straße|str\.|weg|gasse|platz|allee|ring|damm|ufer|steig|"
    r"pfad|chaussee|straat|laan|gracht|plein|kade)"
    rf"\s+{HOUSE_NO}{EU_POSTCODE_CITY}?"
)
GERMANIC_SPLIT = (
    r"\b(?-i:[A-ZÄÖÜ][\wäöüß\-]+)\s(?:Strasse|Straße|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm)"
    rf"\s+{HOUSE_NO}{EU_POSTCODE_CITY}?"
)
FR_TYPES = r"(?:rue|avenue|av\.|boulevard|bd|chemin|allée|place|impasse|quai|route|cours|passage|square|faubourg)"
STREET_NAME = r"(?:[\wÀ-ÿ'’\-\.]+\s){0,5}?[\wÀ-ÿ'’\-]+"
FRENCH = rf"\b{HOUSE_NO},?\s+{FR_TYPES}\s+{STREET_NAME}(?=,|\s+\d{{5}}\b|\s*$|\n|\.\s)(?:{EU_POSTCODE_CITY})?"
SOUTHERN_TYPES = (
    r"(?-i:Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Calle|Avenida|Avda\.|Av\.|Plaza|Paseo|Carrer|"
    r"Carretera|Camino|Ronda|Travesía|Rue|Avenue|Boulevard|Chemin|Place)"
)
SOUTHERN = rf"\b{SOUTHERN_TYPES}\s+{STREET_NAME},?\s+(?:n\.?\s?|nº\s?|no\.?\s?)?\d{{1,4}}[a-zA-Z]?\b{EU_POSTCODE_CITY}?"


class StreetAddressRecognizer(PatternRecognizer):
    PATTERNS = [
        Pattern("us/uk street address", US_ADDRESS, 0.7),
        Pattern("street and city anchored by a postcode", ANCHORED, 0.7),
        Pattern("germanic street address", GERMANIC, 0.7),
        Pattern("germanic street address, two words", GERMANIC_SPLIT, 0.7),
        Pattern("french street address", FRENCH, 0.7),
        Pattern("italian/spanish street address", SOUTHERN, 0.7),
    ]
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
        "wohnhaft",
        "domicile",
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )
