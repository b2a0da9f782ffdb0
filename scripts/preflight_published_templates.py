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
import sys
import tempfile
from collections import Counter
from pathlib import Path

os.environ.setdefault("DLP_FINGERPRINT_KEY", "published-templates")

from dlp.api import preflight
from dlp.errors import InputError

DATA = {
    "email": "anna.meyer@example.com", "email_address": "anna.meyer@example.com", "name": "Anna",
    "action_url": "https://acme.example/a", "login_url": "https://acme.example/login", "username": "anna",
    "trial_length": "14 days", "trial_start_date": "May 1", "trial_end_date": "May 15",
    "support_email": "help@acme.example", "live_chat_url": "https://acme.example/chat",
    "help_url": "https://acme.example/help", "invite_sender_name": "the Acme team",
    "invite_sender_organization_name": "Acme", "operating_system": "Linux", "browser_name": "Firefox",
    "support_url": "https://acme.example/support", "purchase_date": "May 2", "credit_card_brand": "Visa",
    "credit_card_last_four": "4242", "billing_url": "https://acme.example/billing", "expiration_date": "June 1",
    "receipt_id": "R-10023", "date": "May 2", "total": "$42.00", "due_date": "May 30", "invoice_id": "I-3301",
    "receipt_details": [{"description": "Pro plan", "amount": "$42.00"}],
    "invoice_details": [{"description": "Pro plan", "amount": "$42.00"}],
    "trial_extension_url": "https://acme.example/extend", "feedback_url": "https://acme.example/feedback",
    "export_url": "https://acme.example/export", "close_account_url": "https://acme.example/close",
    "commenter_name": "the Acme team", "timestamp": "May 3", "body": "Looks good to us.",
    "notifications_url": "https://acme.example/notify", "value": "$42.00", "invoice_url": "https://acme.example/i",
    "attachment_details": [{"attachment_name": "notes.txt", "attachment_size": "2 KB", "attachment_type": "text",
                            "attachment_url": "https://acme.example/f"}],
    "something": "your data", "english": True, "receipt": True, "address01": "1234 Oak Street",
    "address02": "Apt 5", "city": "Portland", "state": "OR", "zip": "97205", "header": "Welcome",
    "text": "Thanks for joining.", "c2a_link": "https://acme.example/go", "c2a_button": "Start",
    "items": [{"text": "Trail shoes", "image": "https://acme.example/i.png", "price": "$89.00"}],
    "news": [{"header": "Spring", "text": "New trails open.", "image": "https://acme.example/n.png",
              "article": "Trails", "c2a_link": "https://acme.example/n", "c2a_button": "Read"}],
    "user": {"w_deal": [{"deal01": True, "header": "Deal", "text": "Half price", "image01": "https://acme.example/d.png",
                         "c2a_link": "https://acme.example/d", "c2a_button": "Shop"}]},
}  # fmt: skip
SECOND = {"email": "ben.olsen@example.net", "email_address": "ben.olsen@example.net", "name": "Ben",
          "address01": "88 Pine Avenue", "city": "Denver", "state": "CO", "zip": "80203"}  # fmt: skip
PLACEHOLDER = re.compile(r"^leftover merge syntax \((?:bracket|jinja)\) in ")
CAMPAIGN = """name: {name}
from: "Acme <hello@acme.example>"
to: "{{{{email}}}}"
subject: "Your Acme account"
body:
{body}
recipients: {people}
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
            body = "\n".join(f"  {kind}: {path.resolve()}" for kind, path in bodies.items() if path.exists())
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
