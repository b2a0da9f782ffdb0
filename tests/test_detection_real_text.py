"""False-positive classes found on text nobody here wrote, each with its true-positive twin.

Hex-dump rows are bytes, not card numbers; a kernel's memory size is not a Spanish DNI; version strings,
timestamps, ISBNs, prices and ranges are not phone numbers; UK addresses as Royal Mail prints them are
addresses. Each twin is the same value written the way a person writes it, so a filter cannot pass by
being over-broad.
"""

from __future__ import annotations

import pytest

from dlp.api import analyze_text


def _found(entity_type: str, text: str) -> list[str]:
    return [e.text for e in analyze_text(text) if e.entity_type == entity_type and e.score >= 0.5]


# -- 1. hex dumps ----------------------------------------------------------------------------------------

XXD = (
    "The firmware blob starts like this (xxd):\n"
    "00000000: 4532 0151 1283 0366 0a00 0000 0000 0000  E2.Q...f........\n"
    "00000010: 0100 0000 1c00 0000 5469 6d65 2073 6572  ........Time ser\n"
)
KERNEL_HEX_DUMP = (
    "[  412.118329] usb 2-1.4: bad descriptor, dumping it:\n"
    "[  412.118334] 00000000: 4111 1111 1111 1111 0000 0000 0000 0000  A...............\n"
    "[  412.118337] 00000010: 0902 2000 0101 0080 fa09 0400 0002 ff00  .. .............\n"
)
HEXDUMP_NO_COLON = (
    "$ hexdump payload.bin | head -2\n"
    "0000000 5454 5454 5454 5454 3a30 2031 0a32 3a30\n"
    "0000010 6e6f 6e65 0a00 0000 0000 0000 0000 0000\n"
)
MEMORY_DUMP = (
    "Stack dump at ffff880037a03e48:\n"
    "ffff880037a03e48: 41111111 11111111 ffffffff 8107b4e5\n"
    "ffff880037a03e58: 00000000 00000000 ffff8800 3c2e8000\n"
)
REGISTERS = (
    "[ 7131.445103] RIP: 0010:ext4_es_lookup_extent+0x4d/0x1d0\n"
    "[ 7131.445110] RAX: 0000000000000000 RBX: 4111111111111111 RCX: ffff88003c2e8000\n"
)


@pytest.mark.parametrize("text", [XXD, KERNEL_HEX_DUMP, HEXDUMP_NO_COLON, MEMORY_DUMP, REGISTERS])
def test_a_hex_dump_row_is_not_a_card_number(text: str) -> None:
    assert _found("CREDIT_CARD", text) == []


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("Card: 4532 0151 1283 0366 exp 09/27, thanks!", "4532 0151 1283 0366"),
        # a table row whose first column is a customer number: not a dump offset
        ("customer card expiry name\n100234 4111 1111 1111 1111 09/27 Anna Rossi\n", "4111 1111 1111 1111"),
        ("Please charge 5454 5454 5454 5454 for the deposit.", "5454 5454 5454 5454"),
        # the decoded column of a dump that holds a typed card number is that card number
        ("00000000: 3431 3131 3131 3131 3131 3131 3131 3131  4111111111111111\n", "4111111111111111"),
    ],
)
def test_a_card_number_written_by_a_person_is_still_found(text: str, card: str) -> None:
    assert card in _found("CREDIT_CARD", text)


# -- 2. Spanish DNI / NIE --------------------------------------------------------------------------------

DMESG = (
    "[    0.000000] Memory: 8388834K/8388608K available (6147K kernel code, 1283K rwdata, 2144K rodata)\n"
    "[    0.000000] SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=4, Nodes=1\n"
)


@pytest.mark.parametrize(
    "text",
    [
        DMESG,
        "Memory: 8388834K/8388608K available",  # the same line without the kernel timestamp
        "cache size=12345678Z; flags=0x1\n",  # a field glued to its key
        "Our build 8388834k shipped",  # lower case: no DNI is printed so
    ],
)
def test_a_memory_size_or_log_field_is_not_a_spanish_id(text: str) -> None:
    assert _found("ES_NIF", text) == [] and _found("ES_NIE", text) == []


@pytest.mark.parametrize(
    ("text", "entity_type", "value"),
    [
        ("Mi DNI es 12345678Z, para la factura.", "ES_NIF", "12345678Z"),
        ("NIF 8388834K", "ES_NIF", "8388834K"),  # seven digits, but named
        ("Cliente: Juan Pérez, 12345678Z, Calle Mayor 5, Madrid", "ES_NIF", "12345678Z"),  # the printed shape
        ("Su NIE X1234567L caduca en marzo.", "ES_NIE", "X1234567L"),
    ],
)
def test_a_spanish_id_in_prose_or_after_its_name_is_found(text: str, entity_type: str, value: str) -> None:
    assert value in _found(entity_type, text)


# -- 3. phone numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # a reference list: the ISBN after its label, and the same shape with a valid check digit without it
        ("Smith, J. (2004). Hidden Figures. London: Penguin. ISBN 0-306-40615-2.", "0-306-40615-2"),
        ("Further reading: Knuth, The Art of Computer Programming, 0-201-89683-4, 1997.", "0-201-89683-4"),
        ("ISBN-13: 978-0-306-40615-7 (paperback)", "978-0-306-40615-7"),
        # a US address whose ZIP+4 code is written with a space (usaddress's labelled data)
        ("123 1/2 SE Some Ave., North Bend, Oregon, 97212 4321", "97212 4321"),
        # a Spanish social security number (NASS) outside its labelled line
        ("Domicilio: 37 45673567 04.\nLocalidad: Madrid", "37 45673567 04"),
        # package and kernel versions (dpkg.log, uname), a driver's version and date, an epoch in brackets,
        # a kernel-log timestamp with "x86" read as an extension, a block count before "-byte"
        ("We upgraded python3-tk to 3.4.3-1~14.04.2 and ureadahead to 0.100.0-16.", "3.4.3-1~14.04.2"),
        ("We upgraded python3-tk to 3.4.3-1~14.04.2 and ureadahead to 0.100.0-16.", "0.100.0-16"),
        ("[   50.544960] [drm] Initialized drm 1.1.0 20060810", "20060810"),
        ("rtc_cmos 00:01: setting system clock to 2019-10-31T23:37:27 UTC (1572565047)", "1572565047"),
        ("[    0.844119] x86: Booted up 1 node, 1 CPUs", "0.844119"),
        ("[sdb] 15649200 512-byte logical blocks: (8.01 GB/7.46 GiB)", "15649200 512"),
    ],
)
def test_a_book_number_zip_code_id_or_version_is_not_a_phone(text: str, number: str) -> None:
    assert not any(number in found or found in number for found in _found("PHONE_NUMBER", text))


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Call me at 1-415-555-0143 tonight, not at the ISBN desk.", "1-415-555-0143"),
        ("Call 415.555.0100 after version 2.6.32-5 is out.", "415.555.0100"),  # dotted, grouped 3-3-4
        ("Mon portable : 06.12.34.56.78", "06.12.34.56.78"),
        ("Call (415) 555-0134 today", "(415) 555-0134"),
        ("Call our Oregon office: +1 503 555 0143", "+1 503 555 0143"),
        # Spanish abbreviations of "teléfono" and "móvil" (MEDDOCAN's clinical reports)
        ("Irunlarrea, 3 31008 Pamplona Tfno. 848428434 Fax 848422528", "848428434"),
        ("avisando a la madre al número de movil: 653 343 435", "653 343 435"),
        ("Hospital Clínico, 18071 Granada. Telf.: 667051570, e-mail: x@example.es", "667051570"),
    ],
)
def test_a_phone_number_next_to_those_shapes_is_still_found(text: str, phone: str) -> None:
    assert phone in _found("PHONE_NUMBER", text)


# -- 4. UK addresses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # a street without a house number, held by its Royal Mail postcode
        (
            "Royal Opera House, Bow St, Covent Garden, London, WC2E 9DD, United Kingdom",
            "Bow St, Covent Garden, London, WC2E 9DD",
        ),
        ("Castle Court Shopping Centre Castle Street Caerphilly CF83 1NY", "Castle Street Caerphilly CF83 1NY"),
        ("Victoria Institute, The Blvd, ST6 6BD, United Kingdom", "The Blvd, ST6 6BD"),
        # a flat and a building before the street
        (
            "Flat 14, Ziggurat Building, 60-66 Saffron Hill, London, EC1N 8QX, United Kingdom",
            "Flat 14, Ziggurat Building, 60-66 Saffron Hill, London, EC1N 8QX",
        ),
        (
            "Please send it to Flat 3, 12 High Street, Oxford OX1 4AB by Friday.",
            "Flat 3, 12 High Street, Oxford OX1 4AB",
        ),
        # a named house in a village, the county on its own
        (
            "Rose Cottage, Church Lane, Little Snoring, Fakenham NR21 0HU",
            "Church Lane, Little Snoring, Fakenham NR21 0HU",
        ),
        (
            "We moved to Unit 5, Riverside Industrial Estate, Dartford DA1 5PP last year.",
            "Riverside Industrial Estate, Dartford DA1 5PP",
        ),
        # Royal Mail's building-range prefixes before the number or the street
        (
            "Deliveries go to the rear of 5a, High Street, Gateshead NE8 1BH.",
            "rear of 5a, High Street, Gateshead NE8 1BH",
        ),
        (
            "Shops 1-3\nIndustrial Estate, Tame Road\nLONDON\nE6 7HS",
            "Shops 1-3\nIndustrial Estate, Tame Road\nLONDON\nE6 7HS",
        ),
        # the town's postcode district alone under the town
        ("64 Melbourne Road\nLondon\nE10\nUnited Kingdom", "64 Melbourne Road\nLondon\nE10"),
    ],
)
def test_a_uk_address_is_found_whole(text: str, address: str) -> None:
    assert any(address in found for found in _found("STREET_ADDRESS", text))


@pytest.mark.parametrize(
    "text",
    [
        "The new Model X5 3DS ships in May.",  # a product code shaped like a postcode, no street
        "I left the Park Lane hotel at 9 and drove to LS1 4AP.",  # a street named in passing, then a postcode
        "Meet me on Oxford Street at noon.",  # a street without a postcode
        "London\nE10\n",  # a town and a district, no street
    ],
)
def test_a_postcode_or_street_alone_is_not_an_address(text: str) -> None:
    assert _found("STREET_ADDRESS", text) == []
