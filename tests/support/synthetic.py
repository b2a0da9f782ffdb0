"""Invented people for tests, benchmarks and generators: the one place their names, streets and cities live.

Every value here is made up. Two populations: an international customer base (newsletters, statements,
the benchmark) and an Italian telco's audited archive (`dlp audit` tests and `scripts/gen_archive.py`).
A generator that needs many DIFFERENT people walks the name pairs with `person(i)` instead of drawing at
random, so two rows never share a name unless a test wants them to.
"""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Iris",
    "Jonas", "Katie", "Liam", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa",
)  # fmt: skip
LAST_NAMES = (
    "Meyer", "Olsen", "Brown", "Rossi", "Garcia", "Novak", "Smith",
    "Lefevre", "Jansen", "Kowalski", "Murphy", "Schmidt", "Dubois", "Bianchi",
)  # fmt: skip
STREETS = ("Maple Avenue", "Oak Street", "Pine Road", "Cedar Lane", "Elm Street", "Birch Drive")
CITIES = (("Springfield", "IL", "62704"), ("Madison", "WI", "53703"), ("Austin", "TX", "73301"))
PLANS = ("Basic", "Plus", "Family")

# The audited archive: an Italian operator's customers.
ITALIAN_FIRST_NAMES = (
    "Anna", "Marco", "Giulia", "Luca", "Sara", "Paolo", "Elena", "Davide", "Chiara", "Matteo", "Laura", "Pietro",
)  # fmt: skip
ITALIAN_LAST_NAMES = (
    "Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino",
)  # fmt: skip


def person(i: int, first: tuple[str, ...] = FIRST_NAMES, last: tuple[str, ...] = LAST_NAMES) -> tuple[str, str]:
    """The i-th (first, last) pair: distinct for the first len(first) * len(last) values of i."""
    return first[i % len(first)], last[(i // len(first)) % len(last)]


def random_person(
    rng: random.Random, first: tuple[str, ...] = FIRST_NAMES, last: tuple[str, ...] = LAST_NAMES
) -> tuple[str, str]:
    return rng.choice(first), rng.choice(last)


def email(first: str, last: str, number: int | str = "", domain: str = "example.com") -> str:
    """`anna.meyer12@example.com`: the number keeps addresses apart when names repeat."""
    return f"{first.lower()}.{last.lower()}{number}@{domain}"
