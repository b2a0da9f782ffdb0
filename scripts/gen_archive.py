"""Generate a large mbox (optionally gzip) of realistic sent mail, for measuring `dlp audit` at scale.

    python scripts/gen_archive.py OUT.mbox[.gz] --messages 100000

Newsletters to single named recipients (with a greeting), a few contract mails to one shared placeholder
address, and an occasional survey with everyone in To — the shapes `dlp audit` looks for.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for tests/support

from tests.support.synthetic import ITALIAN_FIRST_NAMES, ITALIAN_LAST_NAMES, random_person


def build(i: int, rng: random.Random) -> EmailMessage:
    first, last = random_person(rng, ITALIAN_FIRST_NAMES, ITALIAN_LAST_NAMES)
    msg = EmailMessage()
    msg["From"] = "Telco <news@telco.example>"
    msg["Date"] = format_datetime(datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=7 * i))
    msg["Message-ID"] = f"<m{i}@telco.example>"
    if i % 1000 == 999:
        msg["To"] = ", ".join(f"c{i}-{k}@client{k}.example" for k in range(15))
        msg["Subject"] = "Survey"
        msg.set_content("Tell us how we did.\n")
        return msg
    address = "xyz123@gmail.com" if i % 5000 == 17 else f"{first.lower()}.{last.lower()}{i}@mail{i % 9}.example"
    msg["To"] = f"{first} {last} <{address}>"
    msg["Subject"] = "Your monthly offers"
    msg["List-Id"] = "<offers.telco.example>"
    msg.set_content(f"Hi {first},\n\nThis month: unlimited data for 9.99 a month.\n\nThe Telco team\n")
    return msg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(1)
    opener = gzip.open if args.out.endswith(".gz") else open
    with opener(args.out, "wb") as out:
        for i in range(args.messages):
            out.write(b"From news@telco.example Mon Jan  1 00:00:00 2024\n")
            out.write(build(i, rng).as_bytes().replace(b"\nFrom ", b"\n>From "))
            out.write(b"\n")


if __name__ == "__main__":
    main()
