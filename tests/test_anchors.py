"""Labelled patterns searched only near their labels find exactly what the whole-text search finds
(issue 13, item 5: the lookbehind of each labelled pattern was tried at every position of a megabyte log)."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.anchors import AnchoredRegex, anchor_labelled_patterns, split_lookbehind
from dlp.detect.recognizers import project_recognizers

FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
LABELLED = [
    (f"{recognizer.name}/{pattern.name}", pattern.regex)
    for recognizer in project_recognizers("en")
    for pattern in getattr(recognizer, "patterns", None) or []
    if split_lookbehind(pattern.regex)
]
# Labels, values and the glue between them, as mail writes them (and as a log line almost does).
FRAGMENTS = [
    "password: ", "Passwort ist x7!kz9", "SSN 078-05-1120", "date of birth:\n03/12/1990", "account no. 12345678",
    "IMEI 356938035643809", "code 123456 to verify", "Dear Anna,", "pin code:\n4711",
    "Mother's maiden name: Smith\nJones",
    "tax id: 12 345 678 901", "DOB (MM/DD/YYYY): 03/12/1990", "Hi Bob\n", "security answer is Fluffy Dog",
    "[    0.000000] acpi_id[0x01] lapic_id[0x00] enabled", "Kundennummer: 4711 0815 22", "n° de client 998877",
    "\n", " ", "\t", ":", "12345", "x", "Customer ID ", "born on 4 July 1976",
]


def test_the_project_has_labelled_patterns_to_anchor() -> None:
    names = {name.split("/")[0] for name, _ in LABELLED}
    assert {"LabelledIdRecognizer", "AccountNumberRecognizer", "CredentialRecognizer", "DateOfBirthRecognizer"} <= names


def test_only_a_leading_lookbehind_without_alternation_is_anchored() -> None:
    assert split_lookbehind(r"(?i)(?<=\bpin\s)\d{4}") == (r"(?i)(?:\bpin\s)", r"\d{4}")
    assert split_lookbehind(r"(?<=a[)(]b)c") == (r"(?:a[)(]b)", "c")
    assert split_lookbehind(r"(?<=pin\s)\d{4}|\d{6}") is None  # the second branch needs no label
    assert split_lookbehind(r"(?<![\d-])\d{4}") is None  # a negative lookbehind anchors nothing
    assert split_lookbehind(r"\bpin\s\d{4}") is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14))
def test_anchored_search_finds_what_the_whole_search_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    for name, pattern in LABELLED:
        whole = [m.span() for m in regex.compile(pattern, FLAGS).finditer(text)]
        anchored = [m.span() for m in AnchoredRegex(pattern, FLAGS).finditer(text)]
        assert anchored == whole, name


def test_a_label_far_from_others_is_still_found_in_a_long_log() -> None:
    log = "".join(f"[{i:5d}.000000] usb 1-1: idVendor=045e, idProduct=09c0\n" for i in range(3000))
    text = log + "Account number: 12345678 (the customer's)\n" + log
    (pattern,) = [p for n, p in LABELLED if n.startswith("AccountNumber")]
    anchored = AnchoredRegex(pattern, FLAGS)
    assert [m.group() for m in anchored.finditer(text)] == ["12345678"]
    assert sum(hi - lo for lo, hi in anchored.regions(text)) < 1000  # the log itself is never searched


def test_recognizers_keep_their_anchored_regex() -> None:
    """Presidio reuses a pattern's compiled regex when it was compiled with the flags it analyses with."""
    recognizer = next(r for r in project_recognizers("en") if r.name == "LabelledIdRecognizer")
    anchor_labelled_patterns(recognizer)  # (a detector built earlier in this process may have done it)
    text = "Hello,\nmy SSN: 078-05-1120\nBye"
    results = recognizer.analyze(text, ["NATIONAL_ID"])
    assert [text[r.start : r.end] for r in results] == ["078-05-1120"]
    assert isinstance(recognizer.patterns[0].compiled_regex, AnchoredRegex)
