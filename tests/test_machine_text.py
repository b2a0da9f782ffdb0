"""Lines a program printed get patterns, not NER (issue 13, item 5: bounded cost per message).

The log shapes are those of real bug reports (dmesg, journalctl/syslog, cloud-init, hex dumps, PGP
armour); the prose that looks like them (a date before a sentence, a month name in prose) is still prose.
"""

from __future__ import annotations

import pytest

from dlp.analysis import SegmentAnalyzer
from dlp.detect.engine import get_detector
from dlp.detect.machine_text import is_machine_line

MACHINE = [
    "[    0.000000] Linux version 5.3.8-1-surface-ipts-test (dorian@desktop) (gcc version 9.2.1 20190827)",
    "<6>[   12.345678] usb 1-1: new high-speed USB device number 2 using xhci_hcd",
    "> [   12.345678] Call Trace:",
    "[Tue Oct 29 10:00:00 2019] ACPI: Added _OSI(Module Device)",
    "Oct 31 04:57:54 desktop kernel: ipts 0000:00:16.4: Starting IPTS Driver",
    "Nov 17 19:31:28 capstone [CLOUDINIT] util.py[DEBUG]: Cloud-init v. 0.7.5 running 'modules:config'",
    "2015-11-17 19:31:23,021 - util.py[DEBUG]: Cloud-init v. 0.7.5 running 'init-local'",
    "2021-03-01T12:00:01.123Z INFO  [main] o.a.k.Foo: started",
    "2021-03-01 12:00:01 sshd[811]: Accepted publickey for root",
    "00000010: 6c6f 6361 6c68 6f73 7400 0000 0000 0000  localhost.......",
    "ffff8881: 00 01 02 03 04 05 06 07",
    "00000010  6c 6f 63 61 6c 68 6f 73  74 00 00 00 00 00 00 00  |localhost.......|",
    "iQIzBAEBCAAdFiEEh6h2oQ3yN3rT0p6yB3y5fC3sG0kFAl3b6zUACgkQB3y5fC3sG0k",
    # the kernel test robot's .config.gz: section titles read as names ("Partition Types", "Card Driver")
    "CONFIG_DRM_PANEL=y",
    "# CONFIG_BLK_SED_OPAL is not set",
    "# Partition Types",
    "#",
    ">> # cat /proc/iomem",
]
PROSE = [
    "Dear Anna,",
    "2019-10-30: Anna called about the order",
    "2019-10-30 10:00:00 Anna called me back about the refund.",
    "Oct 30 is when Maria Gonzalez starts with us.",
    "Please call me on +1 415 555 0134 tomorrow.",
    "Maria Gonzalez, 12 Main Street, Springfield",
    "[1] https://example.org/paper.pdf",
    "#metoo was trending when Maria Gonzalez posted it",
    "EE38 2200 2210 2014 5685",  # an IBAN in groups of four is no hex dump
]


@pytest.mark.parametrize("line", MACHINE)
def test_program_output_is_machine_text(line: str) -> None:
    assert is_machine_line(line)


@pytest.mark.parametrize("line", PROSE)
def test_prose_is_not_machine_text(line: str) -> None:
    assert not is_machine_line(line)


def test_log_lines_get_patterns_and_prose_gets_ner() -> None:
    """Counted, not timed: the characters given to spaCy's NER are the prose's, not the log's; the name
    in the prose is found by NER, the address and IP in log lines by their patterns."""
    detector = get_detector()
    log = "\n".join(
        f"[{i * 0.013:12.6f}] usb 1-{i % 4}: New USB device found, idVendor=045e, idProduct=09c0, bcdDevice=1.{i}"
        for i in range(400)
    )
    text = (
        "Hi all,\n\nMaria Gonzalez from our lab reproduced the hang on her laptop; the log is below.\n\n"
        + log
        + "\n[  55.123456] Linux version 5.3.8 (dorian.stoll@example.org) (gcc version 9.2.1)\n"
        + "Oct 31 04:57:54 desktop NetworkManager[811]: <info> dhcp4 (wlp1s0): address 81.2.69.160\n"
    )
    analyzer = SegmentAnalyzer(detector, ["PERSON", "EMAIL_ADDRESS", "IP_ADDRESS", "PHONE_NUMBER"])
    before = detector.ner_chars
    found = {(e.entity_type, e.text) for e in analyzer.analyze_text(text)}
    sent = detector.ner_chars - before
    assert ("PERSON", "Maria Gonzalez") in found
    assert ("EMAIL_ADDRESS", "dorian.stoll@example.org") in found
    assert ("IP_ADDRESS", "81.2.69.160") in found
    assert 0 < sent < 0.05 * len(log), sent


def test_bulk_personal_data_counts_phones_in_rows_not_in_a_pasted_log() -> None:
    """A dmesg full of number runs is no list of 60 people's phones (and phonenumbers' matcher over it
    was half the cost of the 1.1 MB message); a customer list pasted beside it still is."""
    from email.message import EmailMessage

    from dlp.api import scan_message

    log = "\n".join(
        f"[{i:5d}.{i * 7919 % 1000000:06d}] sd 0:0:0:0: [sda] 4{i:03d} 555 01{i:02d} 512-byte" for i in range(60)
    )
    rows = "\n".join(f"Customer {i};+1 415 555 01{i:02d};Springfield" for i in range(12))

    def bulk(body: str) -> list:
        message = EmailMessage()
        message["From"] = "Dev <dev@example.org>"
        message["To"] = "ops@example.net"
        message["Subject"] = "disk errors"
        message.set_content(body)
        return [f for f in scan_message(message).findings if f.rule == "bulk-personal-data"]

    assert bulk("Full log:\n\n" + log + "\n") == []
    (finding,) = bulk("Full log:\n\n" + log + "\n\nAnd the customers who called:\n" + rows + "\n")
    assert finding.extra["phone_numbers"] == 12


def test_a_phone_in_a_log_line_needs_a_phone_word_on_that_line() -> None:
    """Issue 13: a kernel log's digit runs are no phone numbers (timestamps, block counts, the epoch after
    "PM: Magic number"), and phonenumbers' matcher over all of them was half the log's cost; a modem or a
    PBX logging a number it dialled says so on the line, and that number is still found."""
    detector = get_detector()
    log = (
        "[  177.238228] PM:   Magic number: 2:375:735\n"
        "[  177.241710] rtc_cmos rtc_cmos: setting system clock to 2022-08-04T13:48:07 UTC (1659620887)\n"
        "[   40.582249] sd 5:0:0:0: [sdb] 15649200 512-byte logical blocks: (8.01 GB/7.46 GiB)\n"
        "Mar 22 19:50:04 pbx asterisk[811]: NOTICE: call to +44 20 7946 0958 answered\n"
    )
    assert all(is_machine_line(line) for line in log.splitlines())
    analyzer = SegmentAnalyzer(detector, ["PHONE_NUMBER"])
    phones = [e.text for e in analyzer.analyze_text(log) if e.entity_type == "PHONE_NUMBER"]
    assert phones == ["+44 20 7946 0958"], phones
