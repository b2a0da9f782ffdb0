"""Pre-flight every published Postmark and SendGrid template of a corpus folder, unchanged.

    .venv/bin/python scripts/preflight_published_templates.py TEMPLATES_DIR

TEMPLATES_DIR holds `postmark/<layout>/<template>/content.{txt,html}` and `sendgrid/**/*.html` (the team
corpus layout). Each template becomes a campaign of two recipients with the data its variables name
(the same data for every template), is pre-flighted as a user would, and one line per template says
the syntax dlp detected, the verdict and the findings by rule; a summary counts templates that
rendered, and findings that are not the templates' own bracketed placeholders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

os.environ.setdefault("DLP_FINGERPRINT_KEY", "published-templates")

from dlp.api import preflight
from dlp.errors import InputError

# The row the tests render Postmark's templates with, plus the fields SendGrid's marketing templates use.
ROW = Path(__file__).resolve().parent.parent / "tests" / "data" / "platforms" / "published_template_row.json"
DATA = {
    **json.loads(ROW.read_text(encoding="utf-8")),
    "english": True,
    "receipt": True,
    "address01": "1234 Oak Street",
    "address02": "Apt 5",
    "city": "Portland",
    "state": "OR",
    "zip": "97205",
    "header": "Welcome",
    "text": "Thanks for joining.",
    "c2a_link": "https://acme.example/go",
    "c2a_button": "Start",
    "items": [{"text": "Trail shoes", "image": "https://acme.example/i.png", "price": "$89.00"}],
    "news": [
        {
            "header": "Spring",
            "text": "New trails open.",
            "image": "https://acme.example/n.png",
            "article": "Trails",
            "c2a_link": "https://acme.example/n",
            "c2a_button": "Read",
        }
    ],
    "user": {
        "w_deal": [
            {
                "deal01": True,
                "header": "Deal",
                "text": "Half price",
                "image01": "https://acme.example/d.png",
                "c2a_link": "https://acme.example/d",
                "c2a_button": "Shop",
            }
        ]
    },
}
SECOND = {"email": "ben.olsen@example.net", "email_address": "ben.olsen@example.net", "name": "Ben",
          "address01": "88 Pine Avenue", "city": "Denver", "state": "CO", "zip": "80203"}  # fmt: skip
PLACEHOLDER = re.compile(r"^leftover merge syntax \((?:bracket|jinja)\) in ")
CAMPAIGN = """name: {name}
from: "Acme <hello@acme.example>"
to: "{{{{email}}}}"
subject: "Your Acme account"
body:
{body}
recipients: {people.name}
vars: {{sender_name: Acme, list_address: "Acme, 400 Harbor Way", sender_city: Portland, sender_state: OR,
       sender_zip: "97201"}}
"""


def templates(root: Path) -> list[tuple[str, dict[str, Path]]]:
    out = []
    for folder in sorted((root / "postmark").glob("*/*")):
        out.append((f"postmark/{folder.parent.name}/{folder.name}", {
            "text": folder / "content.txt", "html": folder / "content.html"}))  # fmt: skip
    for path in sorted((root / "sendgrid").rglob("*.html")):
        out.append((f"sendgrid/{path.relative_to(root / 'sendgrid')}", {"html": path}))
    return out


def main(root: Path) -> int:
    totals: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        people = Path(tmp) / "people.jsonl"
        people.write_text(json.dumps(DATA) + "\n" + json.dumps({**DATA, **SECOND}) + "\n", encoding="utf-8")
        for name, bodies in templates(root):
            # Files named in a campaign must lie in its folder: each body is copied in, as a user would.
            lines = []
            for kind, path in bodies.items():
                if path.exists():
                    copy = Path(tmp) / f"{kind}{''.join(path.suffixes)}"
                    shutil.copyfile(path, copy)
                    lines.append(f"  {kind}: {copy.name}")
            body = "\n".join(lines)
            campaign = Path(tmp) / "campaign.yaml"
            campaign.write_text(CAMPAIGN.format(name=name, body=body, people=people), encoding="utf-8")
            totals["templates"] += 1
            try:
                report = preflight(campaign)
            except InputError as exc:
                totals["exit 2"] += 1
                print(f"{name}: exit 2: {exc}")
                continue
            syntax = next((n.split()[2] for n in report.notes if n.startswith("Template syntax:")), "?")
            other = [f for f in report.findings if not PLACEHOLDER.match(f.message)]
            placeholders = sorted({(f.value or "")[:40] for f in report.findings if PLACEHOLDER.match(f.message)})
            totals["rendered"] += 1
            totals[f"syntax {syntax}"] += 1
            totals["with other findings"] += bool(other)
            print(
                f"{name}: {syntax} {report.verdict}; placeholders {placeholders or '-'}; other "
                f"{[(f.rule, f.message[:60]) for f in other] or '-'}"
            )
    print("summary:", dict(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/templates")))
