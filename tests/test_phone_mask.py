"""The phone recognizer masks digit groups it would discard before phonenumbers' 14 region passes (minutes
per megabyte of kernel log before). What it reports on real text must not change."""

from __future__ import annotations

from dlp.detect.recognizers.phone import EmailPhoneRecognizer, mask_impossible_numbers

TEXTS = [
    "Call me on +41 44 668 18 00 or (555) 123-4567 tomorrow.",
    "Mobile: 07700 900123, office 030 12345678",
    "ID12 +49 30 1234567 is the hotline of the store",
]


def test_mask_keeps_offsets_and_hides_only_impossible_groups() -> None:
    text = "[    0.298311] e1000e 0000:00:1f.6 eth0: order 12 at 2019-10-31 04:15; call +44 20 7946 0958"
    masked = mask_impossible_numbers(text)
    assert len(masked) == len(text)
    assert "+44 20 7946 0958" in masked
    assert "0.298311" not in masked and "e1000e" not in masked and "2019-10-31 04" not in masked
    assert masked.count("e") >= text.count("e")  # only digit groups are masked, never words


def test_reported_phones_are_the_same_with_and_without_the_mask(monkeypatch) -> None:
    recognizer = EmailPhoneRecognizer()
    masked = [[(r.start, r.end, r.score) for r in recognizer.analyze(t, ["PHONE_NUMBER"])] for t in TEXTS]
    monkeypatch.setattr("dlp.detect.recognizers.phone.mask_impossible_numbers", lambda t: t)
    plain = [[(r.start, r.end, r.score) for r in recognizer.analyze(t, ["PHONE_NUMBER"])] for t in TEXTS]
    assert masked == plain
    assert all(found for found in masked)
