"""Scan a message with the Python API before handing it to SMTP: send it only if dlp does not block it.

    python examples/pre-send/scan_before_send.py                 # dry run: build, scan, print the verdict
    python examples/pre-send/scan_before_send.py --leak          # the same mail with a card number in it
    python examples/pre-send/scan_before_send.py --smtp 127.0.0.1:1025   # really send when it passes

The same two lines work in Django (`dlp.scan_message(django_msg.message())`) or Flask-Mail
(`dlp.scan_message(email.message_from_bytes(msg.as_bytes()))`) right before `send()`.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
from email.message import EmailMessage

import dlp


def build(leak: bool) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Acme Billing <billing@acme.example>"
    msg["To"] = "jordan.lee@example.org"
    msg["Subject"] = "Your invoice is ready"
    body = "Hello,\n\nYour invoice for March is ready in your account.\n"
    if leak:
        body += "\nWe charged the card 4111 1111 1111 1111.\n"
    msg.set_content(body + "\nAcme Billing\n")
    return msg


def main() -> int:
    parser = argparse.ArgumentParser(description="Scan a message with dlp before sending it.")
    parser.add_argument("--leak", action="store_true", help="put a card number in the message")
    parser.add_argument("--smtp", help="HOST:PORT to send to when the message passes (default: do not send)")
    args = parser.parse_args()

    msg = build(args.leak)
    report = dlp.scan_message(msg)
    print(f"verdict: {report.verdict.value}")
    for finding in report.findings:
        # to_dict() is redacted unless show_values=True: safe for logs.
        item = finding.to_dict(show_values=False)
        print(f"  {item['severity']:5} {item['rule']}: {item['message']} ({item.get('excerpt', '')})")
    if report.verdict.value == "block":
        print("not sent: fix the message first")
        return 1
    if args.smtp:
        host, _, port = args.smtp.rpartition(":")
        with smtplib.SMTP(host, int(port)) as smtp:
            smtp.send_message(msg)
        print(f"sent via {args.smtp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
