"""Redaction of what a report echoes (issue 20): template errors, attachment file names, a header-less CSV,
Message-ID, List-Id and archive paths; data never parsed as Rich markup, control characters never raw.
Every probe goes through each entry point it reaches and each report format."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import write_campaign
from hostile import FORMATS, assert_clean, cli, outputs

from dlp.api import preflight, scan_message
from dlp.errors import InputError
from dlp.redact import redact_filename, redact_list_id, redact_message_id, redact_path, strip_controls

ANNA = "anna.meyer@example.com"
SSN = "536-22-8451"
CAMPAIGN = """
name: t
from: "Acme <care@acme.example>"
to: "{{ email }}"
subject: Hello
body: {text: body.txt}
recipients: people.csv
"""
PEOPLE = f"id,name,email\n1,Anna Meyer,{ANNA}\n2,Ben Olsen,ben.olsen@example.net\n"


# ---- template errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "{% set vip_notes = {} %}{% if vip_notes[email] %}VIP{% endif %}Hello\n",
        "{% include email %}\n",
        "{% extends email %}\n",
        "{{ (name ~ ' ' ~ email) | attr('nope') | upper }}{{ undefined_column }}\n",
    ],
    ids=["undefined-key", "include-row-value", "extends-row-value", "undefined-name"],
)
def test_template_errors_do_not_echo_row_data(tmp_path: Path, body: str) -> None:
    path = write_campaign(tmp_path / "c", CAMPAIGN, {"body.txt": body, "people.csv": PEOPLE})
    report = preflight(path)
    errors = [f for f in report.findings if f.rule == "template-error"]
    assert errors and report.verdict == "block"
    for finding in errors:
        shown = str(finding.to_dict(show_values=False))
        assert ANNA not in shown and "Anna Meyer" not in shown and "ben.olsen" not in shown
    for fmt, run in outputs("preflight", str(path)).items():
        assert run.code == 1, fmt
        assert_clean(run, [ANNA, "anna.meyer", "Anna Meyer", "ben.olsen", "Ben Olsen"])


def test_an_undefined_column_is_still_named(tmp_path: Path) -> None:
    """Redaction must not hide what to fix: a name written in the template is not row data."""
    path = write_campaign(tmp_path / "c", CAMPAIGN, {"body.txt": "Hi {{ first_nme }}\n", "people.csv": PEOPLE})
    (finding,) = [f for f in preflight(path).findings if f.rule == "template-error"]
    assert "undefined variable 'first_nme'" in finding.message


def test_undefined_key_names_the_masked_key(tmp_path: Path) -> None:
    body = "{% set vip_notes = {} %}{% if vip_notes[email] %}VIP{% endif %}Hello\n"
    path = write_campaign(tmp_path / "c", CAMPAIGN, {"body.txt": body, "people.csv": PEOPLE})
    (finding,) = [f for f in preflight(path).findings if f.rule == "template-error"]  # one problem, two rows
    assert finding.count == 2 and "row data, masked" in finding.message
    assert "a***@example.com" in finding.message or "b***@example.net" in finding.message


# ---- attachment file names -------------------------------------------------------------------------

NAMED = f"Anna.Meyer_SSN_{SSN}.bin"


def mail_with_attachment(filename: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "care@acme.example"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "Documents"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("See the attachment.\n")
    msg.add_attachment(b"\x00\x01\x02\x03 binary", maintype="application", subtype="octet-stream", filename=filename)
    return msg


def test_attachment_file_names_are_redacted_in_check_and_api() -> None:
    msg = mail_with_attachment(NAMED)
    report = scan_message(msg)
    (finding,) = [f for f in report.findings if f.rule == "unscanned-attachment"]
    assert finding.location.field == "attachment:A***.M***_SSN_###-##-####.bin"  # extension and shape kept
    for fmt, run in outputs("check", "-", input=msg.as_bytes()).items():
        assert run.code == 1, fmt  # the SSN in the file name is sent too: a block (it was a silent pass)
        assert_clean(run, [SSN, "8451", "Anna", "Meyer"])


def test_attachment_file_names_are_redacted_in_audit(tmp_path: Path) -> None:
    (tmp_path / "sent").mkdir()
    (tmp_path / "sent" / "one.eml").write_bytes(mail_with_attachment(NAMED).as_bytes())
    for fmt in FORMATS:
        assert_clean(cli("audit", str(tmp_path / "sent"), "--format", fmt), [SSN, "8451", "Anna.Meyer"])


def test_control_characters_in_file_names_never_reach_the_terminal() -> None:
    msg = mail_with_attachment("evil\x1b[31mRED\x1b]0;pwned\x07\u202egpj.exe")
    for fmt, run in outputs("check", "-", input=msg.as_bytes()).items():
        assert run.code == 0, fmt
        assert_clean(run, ["\x07", "\u202e"])


# ---- recipient file without a header ---------------------------------------------------------------


def test_csv_without_header_row_does_not_print_its_first_row(tmp_path: Path) -> None:
    path = write_campaign(tmp_path / "c", CAMPAIGN, {"body.txt": "Hi\n", "people.csv": f"Anna Meyer,{ANNA},{SSN}\n"})
    with pytest.raises(InputError) as error:
        preflight(path)
    assert "looks like data, not a header row" in error.value.detail and error.value.path.endswith("people.csv")
    run = cli("preflight", str(path))
    assert run.code == 2 and "people.csv:1" in run.stderr
    assert_clean(run, [ANNA, "anna.meyer", SSN, "Anna Meyer"])


def test_a_real_header_is_still_listed(tmp_path: Path) -> None:
    path = write_campaign(tmp_path / "c", CAMPAIGN, {"body.txt": "Hi\n", "people.csv": "name,phone\nAnna,1\n"})
    with pytest.raises(InputError) as error:
        preflight(path)
    assert "columns are: name, phone" in error.value.detail


# ---- Message-ID, List-Id, source paths, markup -----------------------------------------------------

HEADERS = {"List-Id": "x [/bold] <anna.meyer.example.com>", "Message-ID": "<20240301.anna.meyer@example.com>"}


def mail_with_ssn(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "care@acme.example"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "Your file"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(f"Your SSN is {SSN}.\n")
    return msg


def test_check_with_markup_and_personal_message_id(tmp_path: Path) -> None:
    data = mail_with_ssn(**HEADERS).as_bytes()
    for fmt, run in outputs("check", "-", input=data).items():
        assert run.code == 1, fmt  # a verdict, not a crashed report
        assert_clean(run, ["anna.meyer", SSN])
    shown = scan_message(mail_with_ssn(**HEADERS)).findings[0].to_dict(show_values=False)
    assert shown["location"]["message_id"] == "<20240301.a***.m***@example.com>"


def test_audit_masks_paths_message_ids_and_list_ids(tmp_path: Path) -> None:
    folder = tmp_path / "archive" / ANNA  # one folder per customer, as some exports do
    folder.mkdir(parents=True)
    for i in range(3):
        headers = {**HEADERS, "Message-ID": f"<{i}.anna.meyer@example.com>"}
        (folder / f"m{i}.eml").write_bytes(mail_with_ssn(**headers).as_bytes())
    (folder / "broken.eml").write_bytes(b"")
    for fmt, run in outputs("audit", str(tmp_path / "archive")).items():
        assert run.code == 1, fmt
        assert_clean(run, ["anna.meyer", SSN])
    report = cli("audit", str(tmp_path / "archive"), "--format", "json").json
    assert any("a***@example.com" in f["location"]["source"] for f in report["findings"])
    campaigns = [row[0] for row in report["sections"]["audit-by-campaign"]["rows"]]
    assert "list: x [/b***] <a***.m***.example.com>" in campaigns


def test_show_values_still_shows_the_real_source(tmp_path: Path) -> None:
    folder = tmp_path / "archive" / ANNA
    folder.mkdir(parents=True)
    (folder / "m.eml").write_bytes(mail_with_ssn().as_bytes())
    report = cli("audit", str(tmp_path / "archive"), "--format", "json", "--show-values").json
    assert any(ANNA in f["location"]["source"] for f in report["findings"])


def test_a_person_named_in_a_folder_is_masked_and_store_folders_stay(tmp_path: Path) -> None:
    """A mail store with a folder per customer (`Mail/Anna Meyer/cur/...`) names that customer in every
    source path; masked like a file name, while the store's own folders stay readable."""
    import mailbox

    (tmp_path / "Mail").mkdir()
    box = mailbox.Maildir(tmp_path / "Mail" / "Anna Meyer", create=True)
    box.add(mail_with_ssn())
    box.add_folder("Sent").add(mail_with_ssn())
    for fmt, run in outputs("audit", str(tmp_path / "Mail")).items():
        assert run.code == 1, fmt
        assert_clean(run, ["Anna Meyer", "Meyer", SSN])
    sources = [
        f["location"]["source"] for f in cli("audit", str(tmp_path / "Mail"), "--format", "json").json["findings"]
    ]
    assert sources and all("/Mail/A*** M***/" in source for source in sources)
    assert any("/Mail/A*** M***/.Sent/new/" in source or "/Mail/A*** M***/new/" in source for source in sources)
    shown = cli("audit", str(tmp_path / "Mail"), "--format", "json", "--show-values").json
    assert any("/Anna Meyer/" in f["location"]["source"] for f in shown["findings"])


# ---- the masks themselves --------------------------------------------------------------------------


def test_masks_keep_what_finds_the_item() -> None:
    assert redact_filename("statement_2024-03.pdf") == "statement_####-##.pdf"
    assert redact_filename("leads.csv") == "leads.csv"
    assert redact_message_id("<CAF3x9Q@mail.gmail.com>").endswith("@mail.gmail.com>")
    assert redact_list_id("Offers <offers.telco.example>") == "Offers <offers.telco.example>"
    assert redact_path(f"/srv/mail/{ANNA}/cur/1700000000.M1P2.host:2,S") == (
        "/srv/mail/a***@example.com/cur/1700000000.M1P2.host:2,S"
    )
    assert redact_path(f"/exports/{SSN}/x.eml") == "/exports/#/x.eml"
    assert redact_path("Maildir/.Customers.John Smith/new/17.M1.host") == "Maildir/.Customers.J*** S***/new/17.M1.host"
    assert (
        redact_path("/srv/maria.rossi/INBOX/2024/03/Archive/tmp/x.eml")
        == "/srv/m***.r***/INBOX/2024/03/Archive/tmp/x.eml"
    )
    assert redact_path("/srv/mail/Sent Items/Drafts/new/1.eml") == "/srv/mail/Sent Items/Drafts/new/1.eml"
    assert strip_controls("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb?c"


def test_row_data_inside_a_leftover_tag_is_masked(tmp_path: Path) -> None:
    """A Campaign Monitor tag left unrendered with a Jinja fallback inside it prints the row's name."""
    body = "Hi [FirstName, fallback={{ name }}],\n"
    path = write_campaign(tmp_path / "c", CAMPAIGN, {"body.txt": body, "people.csv": PEOPLE})
    report = preflight(path)
    leftovers = [f for f in report.findings if f.rule == "template-error"]
    assert leftovers and report.verdict == "block"
    shown = str([f.to_dict(show_values=False) for f in leftovers])
    assert "Anna Meyer" not in shown and "Ben Olsen" not in shown


def test_zip_member_names_are_redacted() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Anna_Meyer_SSN_536-22-8451.bin", b"\x00\x01\x02" * 50)
    message = EmailMessage()
    message["From"] = "Acme <care@acme.example>"
    message["To"] = ANNA
    message["Subject"] = "Documents"
    message.set_content("See the attached documents.\n")
    message.add_attachment(buffer.getvalue(), maintype="application", subtype="zip", filename="docs.zip")
    report = scan_message(message)
    shown = str([f.to_dict(show_values=False) for f in report.findings])
    assert "unscanned-attachment" in shown  # the member was reported...
    assert SSN not in shown and "Anna_Meyer" not in shown  # ...without its name
