"""Scan a message with the Python API before sending it: the pattern for Django, Flask-Mail or a script.

    python examples/hooks/send_with_check.py [SMTP_HOST:PORT]

Builds two messages — a normal one and one that pastes a customer's date of birth and card number —
scans each with `dlp.scan_message`, sends only those that do not block, and prints what happened.
Without an SMTP address it only scans.
"""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

import dlp


def build(subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "support@acme.example"
    msg["To"] = "jane.doe@client.example"
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def send_if_clean(msg: EmailMessage, smtp_address: str | None) -> bool:
    report = dlp.scan_message(msg)
    print(f"{msg['Subject']!r}: {report.verdict.value} {report.rule_ids}")
    if report.verdict == dlp.Verdict.BLOCK:
        for finding in report.findings:
            print(f"  {finding.severity.value} {finding.rule}: {finding.message}")
        return False
    if smtp_address:
        host, _, port = smtp_address.rpartition(":")
        with smtplib.SMTP(host, int(port)) as smtp:
            smtp.send_message(msg)
    return True


def main() -> int:
    smtp_address = sys.argv[1] if len(sys.argv) > 1 else None
    messages = [
        build("Your ticket is closed", "Hi Jane,\n\nWe closed ticket 4471. Reply to reopen it.\n"),
        build(
            "Account details",
            "Hi Jane,\n\nAs requested: date of birth 14/03/1986, card 4111 1111 1111 1111.\n",
        ),
    ]
    sent = [send_if_clean(msg, smtp_address) for msg in messages]
    return 0 if sent == [True, False] else 1


if __name__ == "__main__":
    raise SystemExit(main())
