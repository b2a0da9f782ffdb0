"""cross-recipient-leak, bulk-personal-data, pii-in-link and attachment extraction, on real campaigns.

Each scenario is a campaign on disk, rendered and scanned by the real pipeline; the CLI tests run the
`dlp` executable to check what a user sees (exit code, JSON, redaction).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import run_dlp, write_campaign

from dlp.api import preflight, scan_message
from dlp.model import Finding, Report
from dlp.valueindex import IndexSettings, ValueIndex, classify_columns

PEOPLE = [
    # customer_id, name, email, phone, street
    ("AC-100123", "Margaret Thompson", "margaret.t@example.org", "+1 415 555 0187", "12 Oak Street"),
    ("AC-100234", "Rajesh Patel", "rpatel@example.net", "+1 415 555 0142", "48 Birch Avenue"),
    ("AC-100345", "Carla Mendes", "carla.m@example.com", "+1 415 555 0199", "7 Cedar Lane"),
    ("AC-100456", "Tobias Lindqvist", "tobias@example.org", "+1 415 555 0123", "301 Elm Road"),
]


def people_csv(rows=PEOPLE, extra_header: str = "", extra: list[str] | None = None) -> str:
    header = "customer_id,name,email,phone,street_address" + extra_header
    lines = [header]
    for number, row in enumerate(rows):
        lines.append(",".join(row) + (("," + extra[number]) if extra else ""))
    return "\n".join(lines) + "\n"


def statement(row: tuple[str, ...]) -> str:
    return f"Statement for {row[1]}\nAccount {row[0]}\nBalance: $1,204.50\n"


def rule(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule_id]


STATEMENTS = """
name: Monthly statements
from: "Acme Bank <statements@acme.example>"
to: "{{ name }} <{{ email }}>"
subject: "Your statement"
body:
  text: body.txt.j2
attachments:
  - path: "statements/{{ customer_id }}.txt"
recipients: customers.csv
"""


def test_misfiled_statement_is_found_and_names_the_other_recipient(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"body.txt.j2": "Dear {{ name }},\n\nyour statement is attached.\n"}
    files["customers.csv"] = people_csv()
    for row in PEOPLE:
        files[f"statements/{row[0]}.txt"] = statement(row)
    files["statements/AC-100234.txt"] = statement(PEOPLE[2])  # Carla's statement filed under Rajesh's id
    report = preflight(write_campaign(tmp_path / "c", STATEMENTS, files))
    (finding,) = rule(report, "cross-recipient-leak")
    assert finding.severity == "block" and report.verdict == "block"
    assert finding.location.message == 1 and finding.location.recipient == "rpatel@example.net"
    assert finding.location.field == "attachment:statements/{{ customer_id }}.txt"
    assert finding.extra["other_row"] == 3 and set(finding.extra["columns"]) == {"name", "customer_id"}
    assert "c***@example.com" in finding.message and "Carla" not in finding.message
    assert "Carla" not in (finding.excerpt or "")


@pytest.mark.parametrize(
    ("column", "why"),
    [
        ("referrer_phone", "about another person (not this row's own)"),  # told by its header
        ("recommended_by", "its values are other rows' phone: about another person"),  # told by the data
    ],
)
def test_referral_line_with_another_customers_phone(tmp_path: Path, column: str, why: str) -> None:
    campaign = STATEMENTS.replace('attachments:\n  - path: "statements/{{ customer_id }}.txt"\n', "")
    files = {
        "body.txt.j2": "Dear {{ name }},\n\nyou were referred by a friend: call them on {{ referrer_phone }}.\n"
        "We have your number as {{ phone }} and will post to {{ street_address }}.\n",
        # Each customer was referred by the next one; the referrer's phone is that customer's own phone.
        "customers.csv": people_csv(
            extra_header=f",{column}", extra=["(415) 555-0142", "415.555.0199", "+14155550123", ""]
        ),
    }
    files["body.txt.j2"] = files["body.txt.j2"].replace("referrer_phone", column)
    report = preflight(write_campaign(tmp_path / "c", campaign, files))
    findings = rule(report, "cross-recipient-leak")
    assert sorted((f.location.message, f.extra["other_row"]) for f in findings) == [(0, 2), (1, 3), (2, 4)]
    assert all(f.entity_type == "PHONE_NUMBER" and "phone number of another recipient" in f.message for f in findings)
    columns = {row[0]: row for row in report.sections["recipient-columns"]["rows"]}
    assert columns[column][2:] == ["no", why] and columns["phone"][1:3] == ["PHONE_NUMBER", "yes"]


def test_merge_shifted_by_one_row(tmp_path: Path) -> None:
    campaign = STATEMENTS.replace("statements/{{ customer_id }}.txt", "{{ statement_file }}")
    shifted = [f"statements/{PEOPLE[(i + 1) % len(PEOPLE)][0]}.txt" for i in range(len(PEOPLE) - 1)]
    shifted.append(f"statements/{PEOPLE[-1][0]}.txt")  # the last row happens to be right
    files: dict[str, str | bytes] = {
        "body.txt.j2": "Dear {{ name }},\n\nyour statement is attached.\n",
        "customers.csv": people_csv(extra_header=",statement_file", extra=shifted),
    }
    for row in PEOPLE:
        files[f"statements/{row[0]}.txt"] = statement(row)
    report = preflight(write_campaign(tmp_path / "c", campaign, files))
    findings = rule(report, "cross-recipient-leak")
    assert sorted((f.location.message, f.extra["other_row"]) for f in findings) == [(0, 2), (1, 3), (2, 4)]


TRANSACTIONAL = """
name: Order confirmations
from: "Acme Shop <orders@acme.example>"
to: "{{ name }} <{{ email }}>"
subject: "Order {{ order_number }} confirmed, {{ name }}"
body:
  text: body.txt.j2
  html: body.html.j2
attachments:
  - template: receipt.csv.j2
    filename: "receipt-{{ order_number }}.csv"
recipients: orders.csv
"""


def test_clean_transactional_campaign_has_no_cross_recipient_finding(tmp_path: Path) -> None:
    rows = "\n".join(
        f"{row[1]},{row[2]},ORD-{7000 + i}881,{row[4]},Springfield,Gold" for i, row in enumerate(PEOPLE * 3)
    )
    files = {
        "body.txt.j2": "Hello {{ name }},\n\norder {{ order_number }} ships to {{ street_address }}, {{ city }}.\n"
        "Questions? Call +1 800 555 0100.\n",
        "body.html.j2": "<p>Hello {{ name }}, order <b>{{ order_number }}</b> ships to {{ street_address }}.</p>"
        '<a href="https://acme.example/orders/{{ order_number }}">Track it</a>',
        "receipt.csv.j2": "order,name,address\n{{ order_number }},{{ name }},{{ street_address }}\n",
        "orders.csv": "name,email,order_number,street_address,city,plan\n" + rows + "\n",
    }
    report = preflight(write_campaign(tmp_path / "c", TRANSACTIONAL, files))
    assert report.messages == 12
    assert rule(report, "cross-recipient-leak") == [] and rule(report, "bulk-personal-data") == []
    # The tracking link carries the recipient's own order number, on the sender's own domain: info only.
    assert {f.severity for f in rule(report, "pii-in-link")} <= {"info"}


BULK = """
name: Export for the agency
from: "Acme Marketing <marketing@acme.example>"
to: "{{ email }}"
subject: "The customer list"
body:
  text: body.txt.j2
attachments:
  - path: customers-export.csv
recipients: to.csv
internal_domains: [acme.example]
"""


def export_csv(count: int) -> str:
    lines = ["name,email,phone"]
    names = ["Olivia Brennan", "Marcus Feldman", "Priya Raman", "Henrik Dahl", "Sofia Ricci", "Kwame Mensah"]
    for i in range(count):
        lines.append(f"{names[i % len(names)]} {i},customer{i}@example.org,+1 212 555 {1000 + i:04d}")
    return "\n".join(lines) + "\n"


def mail(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(body)
    return msg


@pytest.mark.parametrize(
    ("to", "rows", "expected"),
    [("ops@agency.example", 12, "block"), ("crm@acme.example", 12, "warn"), ("ops@agency.example", 9, None)],
)
def test_bulk_csv_attachment(tmp_path: Path, to: str, rows: int, expected: str | None) -> None:
    files = {
        "body.txt.j2": "Hi,\n\nhere is the list you asked for.\n",
        "customers-export.csv": export_csv(rows),
        "to.csv": f"email\n{to}\n",
    }
    report = preflight(write_campaign(tmp_path / "c", BULK, files))
    findings = rule(report, "bulk-personal-data")
    if expected is None:
        assert findings == []
        return
    (finding,) = findings
    assert finding.severity == expected and finding.location.field == "attachment:customers-export.csv"
    assert finding.count == rows and finding.extra["email_addresses"] == rows


def test_broadcast_looping_over_the_list_is_bulk_and_cross_recipient(tmp_path: Path) -> None:
    rows = [
        (f"AC-2{i:05d}", f"Person{chr(65 + i)} Example", f"p{i}@example.org", f"+1 646 555 {i:04d}", "")
        for i in range(25)
    ]
    campaign = """
    name: Member directory
    from: "Club <club@club.example>"
    mode: broadcast
    to: "members@club.example"
    bcc: "{{ recipients | map(attribute='email') | join(', ') }}"
    subject: "Who is who"
    body:
      text: body.txt.j2
    recipients: members.csv
    """
    files = {
        "body.txt.j2": "Our members:\n{% for r in recipients %}{{ r.name }} {{ r.phone }}\n{% endfor %}",
        "members.csv": people_csv(rows),
    }
    report = preflight(write_campaign(tmp_path / "c", campaign, files))
    (bulk,) = rule(report, "bulk-personal-data")
    assert bulk.severity == "block" and bulk.extra["list_recipients"] == 25
    cross = rule(report, "cross-recipient-leak")
    # One finding per other person up to the per-part limit (20), then one summary of the rest.
    assert len(cross) == 21 and len({f.extra.get("other_row") for f in cross}) == 21
    (summary,) = [f for f in cross if "more other recipients" in f.message]
    assert summary.count == 5


def test_bulk_without_a_campaign_counts_detected_entities() -> None:
    msg = mail("sales@acme.example", "someone@outside.example", "leads", "Leads attached.")
    msg.add_attachment(export_csv(15).encode(), maintype="text", subtype="csv", filename="leads.csv")
    report = scan_message(msg)
    (finding,) = rule(report, "bulk-personal-data")
    assert finding.severity == "block" and finding.extra["phone_numbers"] == 15
    assert finding.location.field == "attachment:leads.csv"


# ---- attachment formats ---------------------------------------------------------------------------


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with real text (Helvetica), written by hand: what pypdf reads is what a viewer shows."""
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    stream = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(f"({line}) Tj T*" for line in escaped) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def docx_bytes(lines: list[str]) -> bytes:
    """First line a paragraph, second in a table, the last in the page footer (letterhead-style)."""
    import docx

    document = docx.Document()
    document.add_paragraph(lines[0])
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Reference", lines[1]
    document.sections[0].footer.is_linked_to_previous = False
    document.sections[0].footer.paragraphs[0].text = lines[-1]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(lines: list[str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for line in lines:
        sheet.append(["", line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


WRITERS = {"pdf": minimal_pdf, "docx": docx_bytes, "xlsx": xlsx_bytes}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_other_recipients_data_in_pdf_docx_xlsx(tmp_path: Path, fmt: str) -> None:
    campaign = STATEMENTS.replace("statements/{{ customer_id }}.txt", f"letters/{{{{ customer_id }}}}.{fmt}")
    files: dict[str, str | bytes] = {"body.txt.j2": "Dear {{ name }},\n\nyour letter is attached.\n"}
    files["customers.csv"] = people_csv()
    for number, row in enumerate(PEOPLE):
        # Margaret's letter names Tobias as a contact, with his phone number.
        contact = PEOPLE[3] if number == 0 else row
        lines = [f"Letter for {row[1]}", f"Account {row[0]}", f"Phone {contact[3]}"]
        files[f"letters/{row[0]}.{fmt}"] = WRITERS[fmt](lines)
    report = preflight(write_campaign(tmp_path / "c", campaign, files))
    (finding,) = rule(report, "cross-recipient-leak")
    assert finding.location.message == 0 and finding.extra["other_row"] == 4
    assert finding.location.field == f"attachment:letters/{{{{ customer_id }}}}.{fmt}"
    assert rule(report, "unscanned-attachment") == []


def test_unreadable_attachments_are_warn_findings(tmp_path: Path) -> None:
    campaign = STATEMENTS.replace(
        '  - path: "statements/{{ customer_id }}.txt"\n',
        "  - path: broken.pdf\n  - path: archive.zip\n  - path: scan.pdf\n",
    )
    files: dict[str, str | bytes] = {
        "body.txt.j2": "Dear {{ name }},\n\nsee the attachments.\n",
        "customers.csv": people_csv(PEOPLE[:1]),
        "broken.pdf": b"%PDF-1.4\nthis is not really a pdf",
        "archive.zip": b"PK\x03\x04" + bytes(40),
        "scan.pdf": minimal_pdf([]),  # a page without a text layer, like a scanned image
    }
    report = preflight(write_campaign(tmp_path / "c", campaign, files))
    findings = rule(report, "unscanned-attachment")
    assert sorted(f.location.field for f in findings) == [
        "attachment:archive.zip",
        "attachment:broken.pdf",
        "attachment:scan.pdf",
    ]
    assert all(f.severity == "warn" and "could not be scanned" in f.message for f in findings)
    assert report.verdict == "warn"


# ---- links ----------------------------------------------------------------------------------------

LINKS = """
name: Newsletter
from: "Acme <news@acme.example>"
to: "{{ email }}"
subject: "News"
body:
  text: body.txt.j2
  html: body.html.j2
recipients: customers.csv
"""


def test_personal_data_in_links(tmp_path: Path) -> None:
    files = {
        "body.html.j2": "<p>Hi</p>"
        '<img src="https://pixel.adnet.example/p.gif?uid={{ email | urlencode }}&c=spring" alt="">'
        '<a href="https://click.mailer.example/r/{{ b64 }}">Offer</a>'
        '<img src="https://t.metrics.example/o?h={{ md5 }}">'
        '<a href="https://acme.example/unsubscribe?email={{ email | urlencode }}">Unsubscribe</a>',
        "body.txt.j2": "Offer: https://shop.partner.example/landing?ref=news&cid={{ customer_id }}.\n",
        "customers.csv": "customer_id,email,b64,md5\n"
        + "".join(
            f"{row[0]},{row[2]},{base64.urlsafe_b64encode(row[2].encode()).decode()},"
            f"{hashlib.md5(row[2].encode()).hexdigest()}\n"
            for row in PEOPLE
        ),
    }
    report = preflight(write_campaign(tmp_path / "c", LINKS, files))
    by_domain = {(f.extra["domain"], f.severity): f for f in rule(report, "pii-in-link")}
    assert set(by_domain) == {
        ("pixel.adnet.example", "warn"),
        ("click.mailer.example", "warn"),
        ("t.metrics.example", "warn"),
        ("shop.partner.example", "warn"),
        ("acme.example", "info"),
    }
    pixel = by_domain[("pixel.adnet.example", "warn")]
    assert "the recipient's email address in a link to pixel.adnet.example" in pixel.message
    # One template problem reaching every recipient is one finding, not four.
    assert pixel.recipients_total == 4 and pixel.extra["messages"] == 4
    assert "base64" in by_domain[("click.mailer.example", "warn")].message
    assert "md5 hash" in by_domain[("t.metrics.example", "warn")].message
    assert "customer_id" in by_domain[("shop.partner.example", "warn")].message
    assert report.verdict == "warn"


def test_pii_in_link_without_a_campaign() -> None:
    msg = mail("news@acme.example", "anna@example.org", "hello", "Hi.\n")
    msg.add_alternative(
        '<p>Hi</p><img src="https://ads.tracker.example/i?e=anna%2540example.org&tel=%2B14155550187">'
        '<a href="https://news.acme.example/u?who=bob%40example.net">Unsubscribe</a>',
        subtype="html",
    )
    report = scan_message(msg)
    found = {(f.extra["domain"], f.severity, f.message.split(" in a link")[0]) for f in rule(report, "pii-in-link")}
    assert found == {
        ("ads.tracker.example", "warn", "the recipient's email address"),  # double-encoded (%2540)
        ("ads.tracker.example", "warn", "a phone number"),
        ("news.acme.example", "info", "an email address"),
    }
    rendered = json.dumps([f.to_dict(show_values=False) for f in report.findings])
    assert "anna@" not in rendered and "bob@" not in rendered and "5550187" not in rendered


# ---- the index itself -------------------------------------------------------------------------------


def test_index_normalises_and_ignores_values_many_people_share() -> None:
    columns = ("customer_id", "name", "email", "phone", "street_address", "branch_office")
    rows = [
        {"customer_id": "4481-2200-113", "name": "Anne-Marie  SMITH", "email": "ams@example.org",
         "phone": "+44 20 7946 0958", "street_address": "1 Shared Court", "branch_office": "Leeds"},
        *({"customer_id": f"99{i:05d}", "name": f"Other Person{i}", "email": f"o{i}@example.org",
           "phone": "", "street_address": "1 Shared Court", "branch_office": "Leeds"} for i in range(4)),
    ]  # fmt: skip
    index = ValueIndex(IndexSettings(region="GB"), classify_columns(columns, rows, None))
    for number, row in enumerate(rows):
        index.add_row(row["customer_id"], number + 1, row["email"], row)
    text = (
        "anne marie smith, account 4481 2200 113, tel. 020 7946 0958 or +442079460958 "
        "or 0044 20 7946 0958, lives at 1 shared court; AMS@EXAMPLE.ORG; office Leeds"
    )
    found = [(text[m.start : m.end], index.column(m.column).name) for m in index.find(text)]
    assert found == [
        ("anne marie smith", "name"),
        ("4481 2200 113", "customer_id"),
        ("020 7946 0958", "phone"),
        ("442079460958", "phone"),
        ("20 7946 0958", "phone"),  # 0044: the number after the exit code
        ("AMS@EXAMPLE.ORG", "email"),
    ]
    assert index.dropped_shared == 1  # the shared street address, held by five people


# ---- what the user sees -------------------------------------------------------------------------------


def test_cli_report_redacts_values_and_shows_column_types(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"body.txt.j2": "Dear {{ name }},\n\nyour statement is attached.\n"}
    files["customers.csv"] = people_csv()
    for row in PEOPLE:
        files[f"statements/{row[0]}.txt"] = statement(row)
    files["statements/AC-100234.txt"] = statement(PEOPLE[2]) + f"Phone: {PEOPLE[2][3]}\n"
    path = write_campaign(tmp_path / "c", STATEMENTS, files)
    secrets = ["Carla", "Mendes", "AC-100345", "carla.m@example.com", "555 0199", "rpatel@example.net"]

    run = run_dlp("preflight", str(path), "--format", "json")
    assert run.code == 1, run.stderr
    report = run.json
    assert {f["rule"] for f in report["findings"]} >= {"cross-recipient-leak"}
    assert not [s for s in secrets if s in run.stdout]
    rows = report["sections"]["recipient-columns"]["rows"]
    assert ["customer_id", "ID", "yes", "header"] in rows and ["name", "PERSON", "yes", "header"] in rows

    run = run_dlp("preflight", str(path))  # the terminal report (plain text when not a TTY)
    text = run.stdout
    assert "Recipient columns (inferred)" in text and "cross-recipient-leak" in text
    assert not [s for s in secrets if s in text]

    run = run_dlp("preflight", str(path), "--format", "json", "--show-values")
    (cross,) = [f for f in run.json["findings"] if f["rule"] == "cross-recipient-leak"]
    assert cross["excerpt"] == "Carla Mendes" and cross["location"]["recipient"] == "rpatel@example.net"


def test_cli_check_blocks_a_customer_export_to_an_outside_address() -> None:
    msg = mail("sales@acme.example", "leads@broker.example", "as discussed", "Here you go.\n")
    msg.add_attachment(export_csv(12).encode(), maintype="text", subtype="csv", filename="customers.csv")
    run = run_dlp("check", "-", "--format", "json", input=msg.as_bytes())
    assert run.code == 1, run.stderr
    (bulk,) = [f for f in run.json["findings"] if f["rule"] == "bulk-personal-data"]
    assert bulk["severity"] == "block" and bulk["count"] == 12
    assert "customer3@example.org" not in run.stdout and "555 1003" not in run.stdout
