"""exposed-recipients, sensitive-data and personal-data on rendered campaigns."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_campaign

from dlp.api import analyze_text, preflight

BROADCAST = """
name: t
from: "Acme <news@acme.example>"
mode: broadcast
to: "{{ recipients | map(attribute='email') | join(', ') }}"
cc: "{{ cc_list }}"
subject: "Update"
body:
  text: body.txt.j2
recipients: people.csv
internal_domains: [acme.example, partner.example]
"""


def people(emails: list[str]) -> str:
    return "email\n" + "\n".join(emails) + "\n"


@pytest.mark.parametrize(
    ("external", "internal", "expected"),
    [(2, 5, None), (3, 0, "warn"), (9, 3, "warn"), (10, 0, "block"), (40, 2, "block")],
)
def test_exposed_recipient_thresholds_count_only_external(tmp_path: Path, external, internal, expected) -> None:
    emails = [f"c{i}@example.org" for i in range(external)]
    emails += [f"staff{i}@acme.example" if i % 2 else f"x{i}@sub.partner.example" for i in range(internal)]
    text = BROADCAST.replace('cc: "{{ cc_list }}"\n', "")
    path = write_campaign(tmp_path / "c", text, {"body.txt.j2": "Hello all.\n", "people.csv": people(emails)})
    findings = [f for f in preflight(path).findings if f.rule == "exposed-recipients"]
    if expected is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.severity == expected and finding.count == external


def test_cc_counts_and_bcc_does_not(tmp_path: Path) -> None:
    text = BROADCAST.replace(
        "to: \"{{ recipients | map(attribute='email') | join(', ') }}\"", 'to: "news@acme.example"'
    )
    text = text.replace(
        'cc: "{{ cc_list }}"',
        "cc: \"{{ recipients[:4] | map(attribute='email') | join(', ') }}\"\n"
        "bcc: \"{{ recipients[4:] | map(attribute='email') | join(', ') }}\"",
    )
    emails = [f"c{i}@example.org" for i in range(30)]
    path = write_campaign(tmp_path / "c", text, {"body.txt.j2": "Hello.\n", "people.csv": people(emails)})
    (finding,) = [f for f in preflight(path).findings if f.rule == "exposed-recipients"]
    assert finding.count == 4 and finding.severity == "warn" and finding.location.field == "Cc"


PER_RECIPIENT = """
name: t
from: "Acme Care <care@acme.example>"
to: "{{ name }} <{{ email }}>"
subject: "{{ name }}, your account"
body:
  text: body.txt.j2
recipients: people.csv
"""


def test_recipients_own_name_and_address_are_not_findings(tmp_path: Path) -> None:
    files = {
        "body.txt.j2": "Dear {{ name }},\n\nwe will write to {{ email }} when your parcel ships.\n\n"
        "Questions? Call us on +1 212 555 0100 or write to help@acme.example.\n",
        "people.csv": "name,email\nMargaret Thompson,margaret.t@example.org\nRajesh Patel,rpatel@example.net\n",
    }
    report = preflight(write_campaign(tmp_path / "c", PER_RECIPIENT, files))
    assert report.findings == [] and report.verdict == "pass"


def test_another_persons_name_and_phone_are_personal_data(tmp_path: Path) -> None:
    files = {
        "body.txt.j2": "Dear {{ name }},\n\nyour case was handled together with {{ other }}, "
        "who can be reached on her mobile {{ phone }}.\n",
        "people.csv": "name,email,other,phone\nMargaret Thompson,margaret.t@example.org,Jonathan Fairweather,"
        "+1 415 555 0187\n",
    }
    report = preflight(write_campaign(tmp_path / "c", PER_RECIPIENT, files))
    kinds = {(f.rule, f.entity_type, f.origin) for f in report.findings}
    assert ("personal-data", "PERSON", "variable:other") in kinds
    assert ("personal-data", "PHONE_NUMBER", "variable:phone") in kinds
    assert report.verdict == "warn"


def test_html_alt_and_title_text_are_scanned_but_scripts_are_not(tmp_path: Path) -> None:
    text = PER_RECIPIENT.replace("text: body.txt.j2", "html: body.html.j2")
    files = {
        "body.html.j2": "<html><body><p>Hello {{ name }}</p>"
        "<img src='x.png' alt='Card 4111 1111 1111 1111'>"
        "<script>var ssn = '219-09-9999';</script></body></html>",
        "people.csv": "name,email\nAnn Lee,ann@example.org\n",
    }
    report = preflight(write_campaign(tmp_path / "c", text, files))
    assert [(f.entity_type, f.location.field) for f in report.findings] == [("CREDIT_CARD", "body.html")]


def test_presidio_noise_is_not_reported() -> None:
    text = (
        "Please confirm your SSN, DOB and IBAN with Acme Corporation by 12 March 2025. "
        "Your account number is on page 2."
    )
    types = {e.entity_type for e in analyze_text(text)}
    assert not types & {"ORGANIZATION", "DATE_TIME", "NRP", "PERSON"}


def test_signature_and_company_contacts_in_the_template_are_not_findings(tmp_path: Path) -> None:
    files = {
        "body.txt.j2": "Dear {{ name }},\n\nthanks for your order.\n\nKind regards,\nJennifer Whitaker\n"
        "Customer Care, 1200 Market Street, Philadelphia, PA 19107\nPhone: +1 215 555 0143\n",
        "people.csv": "name,email\nAnn Lee,ann@example.org\n",
    }
    report = preflight(write_campaign(tmp_path / "c", PER_RECIPIENT, files))
    assert report.findings == []
