"""StreetAddressRecognizer: the address forms of each locale dlp serves and the common international ones."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.street_address import StreetAddressRecognizer, address_data, build_patterns

CASES = [
    # number first (US, UK, CA, AU)
    "Ship to [[742 Evergreen Terrace, Springfield, IL 62704]] today.",
    "Send it to [[221B Baker Street, London NW1 6XE]] please.",
    "[[1600 Pennsylvania Avenue NW, Washington, DC 20500]]",
    "Our new office: [[Flat 3, 12 High Street, Oxford OX1 4AW]]",
    "[[6507 Jackson Crescent Suite 034\nLake John, MO 65579]]",
    "[[55 Lake Ridge, Austin, TX 78701]]",  # a weak suffix ("Ridge") with city, state and ZIP
    "[[4 Dakota Rise\nLake Connor, NSW, 2093]]",
    # districts and counties before the postcode; the country alone after it is no part of the address
    "St Johns Centre, [[8 Rope Walk, Bedford, Bedfordshire, MK42 0XE]], United Kingdom",
    "[[53 Pirie Street\nMount Victoria\nWellington 6011]]\nNew Zealand",
    "Send it to [[10 Downing Street\nLondon\nSW1A 2AA]]\nUnited Kingdom",
    "[[317 conniston road, west palm beach, fl 33458]]",  # any case, held by state and ZIP
    # number after the street (DE, CH, AT, NL, IT, ES, PT, FI, HU, PL, GR, DK, SE)
    "Wohnhaft in der [[Bahnhofstrasse 45, 8001 Zürich]].",
    "[[Berliner Straße 5, 10115 Berlin]]",
    "[[Vollbrechtstraße 2/2\n25276 Strausberg]]",
    "[[Kerkstraat 10, 1017 GC Amsterdam]]",
    "Indirizzo: [[Via Roma 10, 00184 Roma]]",
    "Dirección: [[Calle de Alcalá, 42, 3º 2ª, 28014 Madrid]]",
    "Domicilio: [[C/Irunlarrea 3 31008 Pamplona]]",
    "Domicilio: [[Calle del Cobre, 3, 4 C]].",  # Spanish floor and door after the number
    "Domicilio: [[Avda. Pitis, 86, Sótano C]].",
    "Domicilio: [[Calle Joaquim Folguera, 3 - 5º 2ª]].",
    "Morada: [[Rua Augusta 123, 1100-053 Lisboa, Portugal]]",
    "Osoite: [[Mannerheimintie 12 B 4, 00100 Helsinki]]",
    "Cím: [[1061 Budapest, Andrássy út 12.]]",
    "[[ul. Długa 5, 00-238 Warszawa]]",
    "Διεύθυνση: [[Ερμού 25, 105 63 Αθήνα]]",
    "[[Ermou 25, 105 63 Athens, Greece]]",
    "[[Städtle 32\n9490 Vaduz]]",
    "[[Vestre Allé 9\n2666 Sorø]]",
    # number first, type first (FR) and Swiss/Belgian French with the number after
    "Adresse de livraison : [[12 rue de la Paix, 75002 Paris]]",
    "[[rue du Lac 6\n1830 Montreux]]",
    "[[boulevard Mallet\n20749 Perrot]]",  # no house number, held by the postcode line
    # PO boxes and US military mail
    "[[PO Box 1234, Springfield, IL 62704]]",
    "[[Postfach 10 20 30, 10115 Berlin]]",
    "[[PSC 1234, Box 5678, APO AE 09204]]",
    "[[USNS Comfort, FPO AA 34041]]",
    "[[Unit 2050 Box 4190, DPO AP 96278]]",
    # not addresses
    "Please use the side entrance on Oak Street when you visit.",
    "We have 5 Data Centers in Europe.",
    "Windows 10, 12345 Users affected",
    "Apache 2, 2019 Foundation",
    "see section 3 Main Points below",
    "Upgrade to Python 3 Street",
    "It is a 5 minute drive from the station.",
    "Blood pressure was 120/80 on 12.03.2024.",
    "#define INT0 0x11 /* route to int 0 of core 0 */",
    "(760) 431-8663 X-115   Carlsbad, CA 92008-7310",  # a phone extension is no house number
    "dans l'impasse du Rouet On se souvient que le 28 mai",
    "Ship to:\n[[742 Linden Road]]\n4111 1111 1111 1111",  # a card on the next line is no postcode
    "la rue Neuve devant 900 personnes",
    "Our shop at [[12 High Street]], Bedford, Bedfordshire, Luton is open.",  # towns without a postcode: not taken
]


@pytest.fixture(scope="module")
def recognizer() -> StreetAddressRecognizer:
    return StreetAddressRecognizer()


@pytest.mark.parametrize("marked", CASES)
def test_street_address(recognizer: StreetAddressRecognizer, marked: str) -> None:
    expected, found = expected_and_found(recognizer, "STREET_ADDRESS", marked)
    assert found == expected


def test_a_new_locale_is_data(recognizer: StreetAddressRecognizer) -> None:
    """Adding a street-type word to the data makes the form match, without code."""
    data = address_data()
    text = "Teslimat adresi Atatürk Bulvarı 45 olarak güncellendi."
    assert not any(p for p in recognizer.analyze(text, ["STREET_ADDRESS"]))
    extended = {**data, "separate_number_after": {**data["separate_number_after"], "tr": ["Bulvarı", "Caddesi"]}}
    custom = StreetAddressRecognizer()
    custom.patterns = build_patterns(extended)
    (found,) = custom.analyze(text, ["STREET_ADDRESS"])
    assert text[found.start : found.end] == "Atatürk Bulvarı 45"


def test_every_language_shares_one_compiled_set_of_patterns() -> None:
    """The address regexes are large: compiled once per process, not once per served language."""
    english, german = StreetAddressRecognizer("en"), StreetAddressRecognizer("de")
    (found,) = german.analyze("Bitte an Berliner Straße 5, 10115 Berlin senden.", ["STREET_ADDRESS"])
    assert found.start > 0
    assert all(
        a.compiled_regex is not None and a.compiled_regex is b.compiled_regex
        for a, b in zip(english.patterns, german.patterns, strict=True)
    )
