"""What the cross-recipient value index costs: build time and memory for N recipients, and matching time.

    .venv/bin/python scripts/bench_value_index.py [N]        (default 100000)
    .venv/bin/python scripts/bench_value_index.py N --match M   (match only the first M messages)
    .venv/bin/python scripts/bench_value_index.py N --campaign DIR
        writes a per-recipient campaign of N rows to DIR (one row's referral line carries the next
        customer's phone), plus DIR/leak-only.yaml, a rules file that leaves only the rules that need
        no Presidio (to time the leak checks end to end: `dlp preflight DIR --rules DIR/leak-only.yaml`).

Writes a synthetic recipient list (ids, full names, emails, phones, street addresses, and shared
columns: city, plan) to a temporary folder, builds the index the way `dlp preflight` does (streamed
list, header + Presidio column classification), then matches one rendered-size message per recipient,
each carrying its own values plus, every 1,000th, another recipient's phone.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for tests/support

from dlp.recipients import RecipientList
from dlp.valueindex import IndexSettings, build_index
from tests.support.synthetic import CITIES, STREETS, email, person


def row(i: int) -> list[str]:
    first, last = person(i)
    return [
        f"C-{i:07d}",
        f"{first} {last}{i}",
        email(first, last, i, "example.org"),
        f"+1 {200 + i % 700:03d} 555 {i % 10000:04d}",
        f"{i % 9000 + 1} {STREETS[i % len(STREETS)]} {i // 9000}",
        CITIES[i % len(CITIES)][0],
        ["basic", "plus", "gold"][i % 3],
    ]


def write_list(path: Path, count: int, referral: bool = False) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("customer_id,name,email,phone,street_address,city,plan" + (",referrer_phone\n" if referral else "\n"))
        for i in range(count):
            extra = [row(i + 1)[3] if i == count // 2 else ""] if referral else []
            fh.write(",".join(row(i) + extra) + "\n")


CAMPAIGN = """name: Order confirmations (benchmark)
from: "Acme Shop <orders@acme.example>"
to: "{{ name }} <{{ email }}>"
subject: "Your order, {{ name }}"
body:
  text: body.txt.j2
  html: body.html.j2
recipients: customers.csv
"""
TEXT = """Dear {{ name }},

your order for customer {{ customer_id }} ships to {{ street_address }}, {{ city }}.
We will call {{ phone }} if anything changes. Your {{ plan }} plan renews next month.
{% if referrer_phone %}You were referred by a friend: {{ referrer_phone }}.{% endif %}
Thank you for shopping with us.
"""
HTML = """<p>Dear {{ name }},</p><p>your order ships to {{ street_address }}, {{ city }}.</p>
<p><a href="https://acme.example/orders/{{ customer_id }}">Track your order</a></p>
<img src="https://pixel.adnet.example/o.gif?e={{ email | urlencode }}" alt="">
"""
LEAK_ONLY = """rules:
  - id: personal-data
    enabled: false
  - id: sensitive-data
    enabled: false
  - id: bulk-personal-data
    parameters: {entities: []}
"""


def write_campaign(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_list(folder / "customers.csv", count, referral=True)
    (folder / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (folder / "body.txt.j2").write_text(TEXT, encoding="utf-8")
    (folder / "body.html.j2").write_text(HTML, encoding="utf-8")
    (folder / "leak-only.yaml").write_text(LEAK_ONLY, encoding="utf-8")
    print(f"wrote {folder}/campaign.yaml with {count:,} recipients")


def main(count: int, match: int | None = None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="dlp-bench-"))
    path = folder / "customers.csv"
    write_list(path, count)
    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    started = time.perf_counter()
    index = build_index(RecipientList(path), IndexSettings(), analyze=None)
    built = time.perf_counter() - started
    gc.collect()
    grown = process.memory_info().rss - before
    print(f"recipients: {count:,}  file: {path.stat().st_size / 1e6:.1f} MB")
    print(
        f"index build: {built:.1f} s, {len(index):,} keys, index arrays {index.nbytes() / 2**20:.1f} MiB, "
        f"RSS +{grown / 2**20:.0f} MiB"
    )

    started = time.perf_counter()
    found = 0
    size = 0
    matched_count = count if match is None else min(match, count)
    for i in range(matched_count):
        cid, name, email, phone, street, city, plan = row(i)
        text = (
            f"Dear {name},\n\nyour order for customer {cid} ships to {street}, {city}. We will call {phone} "
            f"and write to {email}. Your {plan} plan renews next month; thank you for shopping with us.\n"
        )
        if i % 1000 == 0:
            text += f"You were referred by a friend: {row((i + 1) % count)[3]}.\n"
        size += len(text)
        found += sum(1 for m in index.find(text) if i not in m.owners)
    matched = time.perf_counter() - started
    print(
        f"matching: {matched_count:,} messages ({size / 1e6:.1f} MB of text) in {matched:.1f} s "
        f"({matched_count / matched:,.0f} msg/s); other recipients' values found: {found}"
    )


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if len(sys.argv) > 3 and sys.argv[2] == "--campaign":
        write_campaign(Path(sys.argv[3]), size)
    elif len(sys.argv) > 3 and sys.argv[2] == "--match":
        main(size, int(sys.argv[3]))  # match only the first N messages (a quick look at a big index)
    else:
        main(size)
