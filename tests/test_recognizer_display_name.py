"""DisplayNameRecognizer: names where mail's structure writes them (address headers, quote attributions)."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.display_name import DisplayNameRecognizer

CASES = [
    "From: [[Hervé BOUTEMY]] <herve.boutemy@example.fr>",
    'To: "[[Jack M. Nilles]]" <jn@example.com>',
    "Cc: r.od@example.com, [[Dalibor Topic]] <dt@example.com>, Maven Developers List <dev@example.org>",
    '>From: "[[Fenlason, Josh]]" <jf@example.com>',
    "From: [[angel Hall-Coulston]]\nSent: Sunday, July 19, 2020 3:12 PM",
    "From: [[Joel]] <jm@example.com>",
    "On Sun, Sep 3, 2017 at 19:38 [[abdullah alamoudi]] <ab@example.com> wrote:",
    "> On 10 Jul 2020, at 15:00, [[Antony Stone]] <as@example.org> wrote:",
    "> On Friday 10 July 2020 at 23:54:05, [[Jack M. Nilles]] wrote:",
    "On Thu, Jul 9, 2020 at 4:25 PM [[Darryl Philip Baker]] <\ndb@example.edu> wrote:",
    "On Sun, 05 Nov 2017 07:04:54 +0100, [[Hervé BOUTEMY]] <hb@example.fr>\nwrote:",
    "Le jeudi 16 novembre 2017, 18:13:15 CET [[Manfred Moser]] a écrit :",
    'Le 27 nov. 2017 23:02, "[[Manfred Moser]]" <mm@example.com> a écrit :',
    "Am 10.07.20 um 08:47 schrieb [[Mahmood Naderan]]:",
    "[[Manfred Moser]] wrote on 2017-11-08 21:35:",
    "2017-11-09 9:30 GMT+01:00 [[Jörg Schaible]] <js@example.com>:",
    ">From: js@example.com [mailto:js@example.com] On Behalf Of [[Joshua]]",
    # lists, robots, logins, phrases and placeholders are not people
    "To: Maven Developers List <dev@maven.example.org>",
    "From: Apache Jenkins Server <jenkins@builds.example.org>",
    "From: eika from Ru-Board <eika@example.com>",
    "From: dmallor <dmallor@example.com>",
    "From: GitBox <git@example.org>",
    "To: Vorname Nachname <user@mailserver.example>",
    "The patch I wrote:",
    'To: "users@httpd.example.org" <users@httpd.example.org>',
]


@pytest.mark.parametrize("marked", CASES)
def test_display_name(marked: str) -> None:
    expected, found = expected_and_found(DisplayNameRecognizer(), "PERSON", marked)
    assert found == expected
