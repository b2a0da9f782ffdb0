"""Generated work for `make bench-cluster` and the cluster tests: problems placed across partitions.

A campaign whose list has cross-recipient leaks (a support note quoting ANOTHER customer's name and
phone, the other customer far away in the list), shared addresses (one mailbox for several customers)
and a duplicate row; an archive (a plain mbox large enough to be cut into byte ranges, a Maildir and a
folder of .eml files) where one mailbox receives contracts for different people in different files,
a card number leaks, and every newsletter carries the company's own footer phone.
"""

from __future__ import annotations

import csv
import mailbox
import random
import textwrap
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

FIRST = ["Anna", "Marco", "Giulia", "Luca", "Sara", "Paolo", "Elena", "Davide", "Chiara", "Matteo", "Laura", "Pietro"]
LAST = ["Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino"]
SHARED_MAILBOX = "xyz123@gmail.com"
SHARED_PEOPLE = ["Anna Rossi", "Marco Bianchi", "Giulia Verdi"]
CARD = "4111 1111 1111 1111"
START = datetime(2024, 1, 5, 9, 0, tzinfo=UTC)

CAMPAIGN = """
name: Support follow-up
from: "Acme Care <care@acme.example>"
to: "{{ name }} <{{ email }}>"
subject: "About your ticket, {{ name }}"
body:
  text: body.txt.j2
recipients: customers.csv
"""
BODY = """
Dear {{ name }},

thank you for contacting us about your account {{ customer_id }}.
Our notes: {{ note }}

Acme Care
"""


def _phone(i: int) -> str:
    return f"+1 415 555 {1000 + i % 9000:04d}"


def _name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}{'' if i < 120 else f'-{i}'}"


def _email(i: int) -> str:
    return f"{FIRST[i % len(FIRST)].lower()}.{LAST[(i // len(FIRST)) % len(LAST)].lower()}{i}@mail{i % 5}.example"


def make_campaign(directory: Path, recipients: int, seed: int = 18) -> Path:
    """A campaign of `recipients` rows; every 40th row's note quotes another customer (half a list away)
    by name and phone, every 50th row shares its address with the row after it, one row is repeated."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "body.txt.j2").write_text(textwrap.dedent(BODY).lstrip(), encoding="utf-8")
    (directory / "campaign.yaml").write_text(textwrap.dedent(CAMPAIGN).lstrip(), encoding="utf-8")
    with open(directory / "customers.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["customer_id", "name", "email", "phone", "note"])
        for i in range(recipients):
            email = _email(i)
            if i % 50 == 1:
                email = _email(i - 1)  # one mailbox, two customers
            note = rng.choice(["line restored", "refund issued", "router replaced", "plan changed"])
            if i % 40 == 7 and recipients > 2:
                other = (i + recipients // 2) % recipients
                note = f"spoke with {_name(other)} on {_phone(other)} about the invoice"
            row = [f"AC-{100000 + i}", _name(i), email, _phone(i), note]
            writer.writerow(row)
            if i == 3:
                writer.writerow(row)  # the same person twice
    return directory / "campaign.yaml"


def _newsletter(i: int, rng: random.Random) -> EmailMessage:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    msg = EmailMessage()
    msg["From"] = "Telco News <news@telco.example>"
    msg["To"] = f"{first} {last} <{first.lower()}.{last.lower()}{i}@mail{i % 7}.example>"
    msg["Subject"] = "Your monthly offers"
    msg["List-Id"] = "Offers <offers.telco.example>"
    msg["Date"] = format_datetime(START + timedelta(days=i % 700))
    msg["Message-ID"] = f"<news-{i}@telco.example>"
    msg.set_content(
        f"Hi {first},\n\nThis month: unlimited data for 9.99 a month.\n\n"
        "Questions? Call us on +1 800 555 0199.\nThe Telco team\n"
    )
    return msg


def contract(name: str, address: str, day: int, *, attached: bool = False) -> EmailMessage:
    """A contract mail greeting `name` at `address` (shared-address across an archive); `attached` adds the
    contract as a text attachment. Also used by tests/test_audit.py."""
    msg = EmailMessage()
    msg["From"] = "contracts@telco.example"
    msg["To"] = f"{name} <{address}>"
    msg["Subject"] = "Il suo contratto"
    msg["Date"] = format_datetime(START + timedelta(days=day))
    msg.set_content(f"Gentile {name},\n\nin allegato il suo contratto di abbonamento.\n")
    if attached:
        msg.add_attachment(
            b"Contratto mobile, piano Smart 20.\n", maintype="text", subtype="plain", filename="contratto.txt"
        )
    return msg


def card_leak(i: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "billing@telco.example"
    msg["To"] = f"billing{i}@client.example"
    msg["Subject"] = "Payment problem"
    msg["Date"] = format_datetime(START + timedelta(days=60 + i))
    msg.set_content(f"Hello,\n\nthe card {CARD} on file was declined.\n")
    return msg


def make_archive(directory: Path, messages: int, seed: int = 18) -> Path:
    """About `messages` messages: 80% in one plain mbox, the rest in a Maildir and .eml files; the shared
    mailbox gets a contract at the start, middle and end of the mbox and one in the Maildir."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    in_mbox = max(3, messages * 4 // 5)
    box = mailbox.mbox(directory / "sent.mbox")
    marks = {0: 0, in_mbox // 2: 1, in_mbox - 1: 2}
    for i in range(in_mbox):
        if i in marks:
            person = SHARED_PEOPLE[marks[i]]
            box.add(contract(person if marks[i] != 2 else person.split()[0], SHARED_MAILBOX, i % 700))
        elif i == in_mbox // 3:
            box.add(card_leak(1))
        else:
            box.add(_newsletter(i, rng))
    box.flush()
    maildir = mailbox.Maildir(directory / "Maildir", create=True)
    rest = max(2, messages - in_mbox)
    for i in range(in_mbox, in_mbox + rest // 2):
        maildir.add(_newsletter(i, rng))
    maildir.add(contract(SHARED_PEOPLE[2], SHARED_MAILBOX, 30))
    eml = directory / "eml"
    eml.mkdir(exist_ok=True)
    for i in range(in_mbox + rest // 2, in_mbox + rest):
        (eml / f"{i}.eml").write_bytes(_newsletter(i, rng).as_bytes())
    (eml / "README.md").write_text("# exported from the mail server\n", encoding="utf-8")
    return directory
