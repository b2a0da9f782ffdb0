# ruff: noqa: E501  (the log lines are data, kept one to a line as a program prints them)
"""Big received messages for the cost tests and `scripts/bench_big_message.py` (issue 13, item 5).

A bug report pastes megabytes of program output under a few lines of prose; a long letter is megabytes of
prose. Both are generated here, deterministic, every line different (a repeated line is analysed once,
which would flatter the cost), in the shapes real logs have: dmesg with and without a syslog prefix, PCI
and memory maps, USB enumeration, a hex dump, a kernel .config, a call trace. The personal data planted
in them is what a scan must still find, wherever in the message it stands.
"""

from __future__ import annotations

from email.message import EmailMessage

from tests.support.synthetic import CITIES, STREETS, person

BUILDER = "dorian.stoll@posteo.de"  # in the kernel's version line, the log's first line (a real provider: reserved domains are nobody's)
TAIL_ADDRESS = "jonas.novak@gmx.net"  # in the log's very last line: past every piece boundary
TIME_SERVER = "81.2.69.160"  # a public address a time daemon logged
PROSE_NAME = "Maria Gonzalez"
PROSE = (
    f"Hi all,\n\nafter resume the touch screen stays dead. {PROSE_NAME} from our lab reproduced it on her\n"
    "Surface Pro 7 with the same kernel; the full dmesg, kern.log and .config are below.\n\nThanks,\nDorian\n\n"
)


def _log_line(i: int) -> str:
    stamp = f"[{i * 0.0131:12.6f}]"
    host = f"Mar 22 19:{(i // 60) % 60:02d}:{i % 60:02d} capstone kernel: "
    kind = i % 12
    if kind == 0:
        return f"{stamp} pci 0000:00:{i % 32:02x}.{i % 8}: reg 0x{(i * 16) % 4096:x}: [mem 0x{0xFE000000 + i * 4096:08x}-0x{0xFE000FFF + i * 4096:08x} 64bit]"
    if kind == 1:
        return f"{host}{stamp} usb {i % 4}-{i % 7}: New USB device found, idVendor=045e, idProduct={i % 65536:04x}, bcdDevice={i % 10}.{i % 100:02d}"
    if kind == 2:
        return f"{stamp} sd {i % 6}:0:0:0: [sd{chr(97 + i % 4)}] {15649200 + i * 512} 512-byte logical blocks: ({i % 64}.01 GB/{i % 60}.46 GiB)"
    if kind == 3:
        return f"{host}{stamp} ACPI: \\_SB_.PCI0.GP{i % 20:02d}: _OSC: OS supports [ExtendedConfig ASPM ClockPM Segments MSI HPX-Type3]"
    if kind == 4:
        # (each group holds a hex letter: four all-digit groups can pass Luhn and read as a formatted card)
        return f"{i * 16:08x}: {' '.join(f'{(i * 7 + k * 13) % 256:02x}{0xA0 + (i + k) % 96:02x}' for k in range(8))}  ................"
    if kind == 5:
        return (
            f"CONFIG_DRIVER_{i:05d}_{'ABCDEFGH'[i % 8]}={'ymn'[i % 3]}" if i % 2 else f"# CONFIG_SOC_{i:05d} is not set"
        )
    if kind == 6:
        return f"{stamp} RIP: 0010:__queue_work+0x{i % 4096:x}/0x{4096 + i % 512:x}"
    if kind == 7:
        return f"{host}{stamp} e1000e 0000:00:1f.{i % 8}: Interrupt Throttling Rate (ints/sec) set to dynamic conservative mode"
    if kind == 8:
        return (
            f"{stamp} x86/fpu: xstate_offset[{i % 10}]: {576 + i % 1000:4d}, xstate_sizes[{i % 10}]: {64 + i % 256:4d}"
        )
    if kind == 9:
        return f"Mar 22 18:{(i // 60) % 60:02d}:{i % 60:02d} capstone ntpdate[{700 + i % 300}]: adjust time server {TIME_SERVER} offset 0.{i % 1000000:06d} sec"
    if kind == 10:
        return f"{stamp} Memory: {i * 4 % 999999}K/8388608K available ({i % 14000}K kernel code, {i % 2900}K rwdata)"
    return f'{host}{stamp} audit: type=1400 audit({1572480817 + i}.{i % 1000:03d}:{i}): apparmor="STATUS" operation="profile_load" pid={i}'


def kernel_log(chars: int) -> str:
    """About `chars` characters of program output, every line different; the builder's address in the
    first line, the time server's address throughout, a person's address in the last line."""
    lines = [f"[    0.000000] Linux version 5.3.8-1-surface ({BUILDER}) (gcc version 9.2.1 20190827) #2 SMP PREEMPT"]
    size = len(lines[0])
    i = 1
    while size < chars:
        line = _log_line(i)
        lines.append(line)
        size += len(line) + 1
        i += 1
    lines.append(f"[{i * 0.0131:12.6f}] usbcore: registered new interface driver ipts by {TAIL_ADDRESS}")
    return "\n".join(lines) + "\n"


def prose(chars: int) -> str:
    """About `chars` characters of letters people wrote (NER runs on all of it), every sentence different."""
    out: list[str] = []
    size = 0
    i = 0
    while size < chars:
        first, last = person(i)
        friend_first, friend_last = person(i * 7 + 3)
        street = STREETS[i % len(STREETS)]
        city = CITIES[i % len(CITIES)][0]
        paragraph = (
            f"On day {i} of the trial {first} {last} met {friend_first} {friend_last} near {street} in {city}. "
            f"They talked for {i % 90 + 5} minutes about the {i % 17 + 2} open questions, the budget of "
            f"{1000 + i * 13} euros and the next review, planned for week {i % 52 + 1}.\n\n"
        )
        out.append(paragraph)
        size += len(paragraph)
        i += 1
    return "".join(out)


def bug_report(log_chars: int) -> bytes:
    """A received bug report: a few lines of prose, then `log_chars` of program output."""
    return _message("[BUG] touch screen dead after resume, full logs", PROSE + kernel_log(log_chars))


def long_letter(chars: int) -> bytes:
    return _message("Minutes of the trial, all sessions", prose(chars))


def _message(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Dorian Stoll <dorian@example.org>"
    message["To"] = "linux-surface@lists.example.org"
    message["Subject"] = subject
    message["Message-ID"] = "<bug-1@example.org>"
    message.set_content(body)
    return bytes(message)
