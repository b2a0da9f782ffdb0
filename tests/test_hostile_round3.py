"""Hostile input, round 3: the leftovers of round 2 and a new attack round (helper hostile3).

Each test asserts what a user would notice: a verdict that names what it found or could not scan, an
exit 2 naming the file, a bounded run, and no raw value in what is printed. In-process (`dlp.api`, the
Typer app) except where the process boundary, a hang or memory is the point.
"""

from __future__ import annotations

import base64
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from conftest import SIMPLE_CAMPAIGN, run_dlp, write_campaign

from dlp.api import scan_message
from tests.support.signals import within

SSN = "536-22-8451"
HEAD = (
    b"From: Acme <billing@acme.example>\r\nTo: Carol Jones <carol.jones@example.net>\r\n"
    b"Subject: documents\r\nMessage-ID: <round3@acme.example>\r\nMIME-Version: 1.0\r\n"
)
SECRET = f"Customer SSN: {SSN}\r\n".encode()


def scan_bytes(raw: bytes):
    return scan_message(message_from_bytes(raw, policy=policy.default))


def attachment_mail(name: bytes, content_type: bytes, data: bytes) -> bytes:
    return (
        HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nPlease see the attached list.\r\n"
        b"--B\r\nContent-Type: " + content_type + b'\r\nContent-Disposition: attachment; filename="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"--B--\r\n"
    )


def entity_types(report) -> set[str]:
    return {f.entity_type for f in report.findings if f.entity_type}


def no_internal_error(run) -> None:
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert SSN not in run.stdout + run.stderr


# ---- leftover 2: NUL bytes in a text attachment ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        f"name,ssn\r\nJosé Müller,{SSN}\r\n".encode("cp1252") + b"\0" * 4096,  # legacy charset, NUL padded
        b"name,ssn\r\n" + b"\0".join([f"Carol,{SSN}\r\n".encode()] * 3) + b"\0" * 20_000,  # mostly NULs
    ],
    ids=["cp1252-nul-padded", "nul-separated-mostly-nul"],
)
def test_a_csv_attachment_with_nul_bytes_is_scanned_as_text(data: bytes) -> None:
    """It was `unscanned-attachment` ("binary content"): the customer list was never read."""
    report = scan_bytes(attachment_mail(b"customers.csv", b"text/csv", data))
    assert report.verdict == "block" and "US_SSN" in entity_types(report)
    assert not [f for f in report.findings if f.rule == "unscanned-attachment"]


def test_real_binary_with_nul_bytes_is_still_named_unscanned() -> None:
    report = scan_bytes(attachment_mail(b"customers.csv", b"text/csv", os.urandom(50_000)))
    unscanned = [f for f in report.findings if f.rule == "unscanned-attachment"]
    assert unscanned and "binary content" in unscanned[0].message


# ---- leftover 3: header injection through recipient data --------------------------------------------------

INJECTING = (
    "first_name,email,company\n"
    "Anna,anna@example.org,Acme\n"
    '"Bob\r\nBcc: attacker@evil.example",bob@example.org,"Shop\nX-Mailer: evil"\n'
)


def test_a_line_break_from_a_column_into_a_header_is_blocked_naming_row_and_column(campaign_dir: Path) -> None:
    campaign = SIMPLE_CAMPAIGN.replace('from: "Acme <news@acme.example>"', 'from: "{{ company }} <news@acme.example>"')
    path = write_campaign(campaign_dir, campaign, {"body.txt.j2": "Hi {{ first_name }}\n", "people.csv": INJECTING})
    run = run_dlp("preflight", str(path), "--format", "json")
    no_internal_error(run)
    assert run.code == 1
    injections = [f for f in run.json["findings"] if "header injection" in f["message"]]
    where = {(f["location"]["field"], f["location"]["row"]) for f in injections}
    assert where == {("Subject", 2), ("From", 2)}
    assert any("'first_name'" in f["message"] for f in injections)
    assert any("'company'" in f["message"] for f in injections)
    assert "attacker@evil.example" not in run.stdout and "X-Mailer" not in run.stdout
    rich = run_dlp("preflight", str(path))
    assert "header injection" in rich.stdout and "attacker@evil.example" not in rich.stdout


# ---- leftover 4: a spreadsheet given as the recipient list -----------------------------------------------


def test_an_xlsx_recipient_list_is_exit_2_saying_what_it_is_and_what_is_read(campaign_dir: Path) -> None:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["email", "first_name"])
    workbook.active.append(["anna@example.org", "Anna"])
    data = io.BytesIO()
    workbook.save(data)
    files = {"body.txt.j2": "Hi {{ first_name }}\n", "people.csv": data.getvalue()}  # named .csv on purpose
    path = write_campaign(campaign_dir, SIMPLE_CAMPAIGN, files)
    run = run_dlp("preflight", str(path))
    assert run.code == 2 and "people.csv" in run.stderr
    assert "Excel workbook" in run.stderr and "CSV UTF-8" in run.stderr and "JSONL" in run.stderr
    assert "not UTF-8" not in run.stderr
    (campaign_dir / "people.csv").write_bytes("email,first_name\n".encode("utf-16"))
    run = run_dlp("preflight", str(path))
    assert run.code == 2 and "UTF-16" in run.stderr


# ---- leftover 5: hidden HTML in a rendered template ---------------------------------------------------------


def test_personal_data_hidden_in_a_templates_html_is_found_in_preflight(campaign_dir: Path) -> None:
    html = (
        "<html><body><!--[if mso]><table><![endif]--><p>Hi {{ first_name }},</p>"
        "<!-- debug: {{ ssn }} --><p>Our news.</p></body></html>\n"
    )
    campaign = SIMPLE_CAMPAIGN.replace("text: body.txt.j2", "html: body.html.j2")
    people = f"first_name,email,ssn\nAnna,anna@example.org,{SSN}\nBob,bob@example.org,536-22-8452\n"
    path = write_campaign(campaign_dir, campaign, {"body.html.j2": html, "people.csv": people})
    run = run_dlp("preflight", str(path), "--format", "json")
    no_internal_error(run)
    assert run.code == 1
    fields = {(f["rule"], f["location"]["field"]) for f in run.json["findings"]}
    assert ("sensitive-data", "body.html.hidden") in fields


# ---- new round: headers the stdlib parses in quadratic time or with recursion --------------------------------


def _with_header(old: bytes, new: bytes) -> bytes:
    return HEAD.replace(old, new) + b"Content-Type: text/plain\r\n\r\n" + SECRET


@pytest.mark.parametrize(
    "raw",
    [
        HEAD + b"Content-Type: text/plain" + b"".join(b"; p%d=v" % i for i in range(100_000)) + b"\r\n\r\n" + SECRET,
        HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n'
        b"Content-Disposition: attachment"
        + b"".join(b'; filename*%d="p%d"' % (i, i) for i in range(10_000))
        + b"\r\n\r\n"
        + SECRET
        + b"--B--\r\n",
        _with_header(b"Subject: documents", b"Subject: " + b" ".join([b"=?utf-8?B?YQ==?="] * 100_000)),
        _with_header(b"Subject: documents", b"Subject: " + b"".join([b"=?utf-8?B?YQ==?="] * 100_000)),
        _with_header(b"To: Carol", b"To: " + b", ".join(b"u%d@example.net" % i for i in range(5_000)) + b", Carol"),
        _with_header(b"To: Carol", b"To: " + b"(" * 100_000 + b"x" + b")" * 100_000 + b" Carol"),
    ],
    ids=[
        "content-type-100k-params",
        "rfc2231-10k-continuations",
        "subject-100k-encoded-words",
        "subject-100k-adjacent-encoded-words",
        "to-5k-addresses",
        "to-100k-nested-comments",
    ],
)
def test_headers_the_stdlib_parses_in_quadratic_time_are_read_raw_in_seconds_and_said(raw: bytes) -> None:
    """Each took minutes, ran out of 4 GB or raised RecursionError (an internal error in `dlp check`)."""
    from dlp.sources.email_message import parse_bytes, to_scan_message

    with within(20):
        message = to_scan_message(parse_bytes(raw))
    assert any("characters" in note and "read" in note for note in message.notes), message.notes
    with within(60):
        report = scan_message(parse_bytes(raw))
    assert report.verdict == "block" and "US_SSN" in entity_types(report)


def test_a_tag_with_a_million_attributes_is_read_in_linear_time() -> None:
    """The HTML5 parser's duplicate-attribute check is quadratic: 300,000 attributes took minutes."""
    from dlp.htmltext import visible_text

    markup = "<p " + " ".join(f"a{i}=x" for i in range(1_000_000)) + f' title="{SSN}">Hello</p>'
    with within(20):
        text = visible_text(markup)
    assert SSN in text and "Hello" in text


# ---- new round: YAML alias bomb ------------------------------------------------------------------------------

LAUGHS = "vars:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_a_billion_laughs_campaign_is_exit_2_naming_the_line_in_milliseconds(campaign_dir: Path) -> None:
    """A 1 KB file of nested aliases is 9^9 values to whatever walks it: a template printing `{{ i }}` grew
    past 2 GB before. Refused when loaded."""
    files = {"body.txt.j2": "Hi {{ first_name }} {{ i }}\n", "people.csv": "first_name,email\nAnna,a@example.org\n"}
    path = write_campaign(campaign_dir, LAUGHS + SIMPLE_CAMPAIGN, files)
    with within(30):
        run = run_dlp("preflight", str(path))
    assert run.code == 2 and f"{path}:" in run.stderr and "alias" in run.stderr
    no_internal_error(run)


# ---- new round: JSONL rows a JSON parser accepts or chokes on ------------------------------------------------


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ('{"first_name": "Anna", "email": "anna@example.org", "n": ' + "9" * 5000 + "}", "4,300 digits"),
        ('{"first_name": "Anna", "email": "anna@example.org", "email": "bob@example.org"}', "'email' appears twice"),
    ],
    ids=["5000-digit-number", "duplicate-email-key"],
)
def test_jsonl_rows_that_would_crash_or_be_silently_merged_are_exit_2(campaign_dir: Path, row: str, said: str) -> None:
    """A 5,000-digit number was an internal error (ValueError); a key given twice silently kept the last."""
    campaign = SIMPLE_CAMPAIGN.replace("people.csv", "people.jsonl")
    path = write_campaign(campaign_dir, campaign, {"body.txt.j2": "Hi {{ first_name }}\n", "people.jsonl": row + "\n"})
    run = run_dlp("preflight", str(path))
    assert run.code == 2 and "people.jsonl:1:" in run.stderr and said in run.stderr, run.stderr
    assert "anna@example.org" not in run.stderr and "internal error" not in run.stderr


# ---- new round: template and recipient-cell size bombs -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["{{ 'x'" + "|replace('x', 'xxxxxxxxxx')" * 9 + " }}", "{{ 'x'" + ".replace('x', 'xxxxxxxxxx')" * 9 + " }}"],
    ids=["filter", "method"],
)
def test_a_replace_chain_of_a_billion_characters_is_refused_before_it_is_built(campaign_dir: Path, body: str) -> None:
    """Nine `replace`s of 'x' by ten x's: 10^9 characters. It took 4 GB and minutes before the template error."""
    import resource

    files = {"body.txt.j2": body, "people.csv": "first_name,email\nAnna,anna@example.org\n"}
    path = write_campaign(campaign_dir, SIMPLE_CAMPAIGN, files)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with within(30):
        run = run_dlp("preflight", str(path), "--format", "json")
    assert run.code == 1 and any("render budget" in f["message"] for f in run.json["findings"])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # KB: no gigabyte string


def test_an_unclosed_quote_in_a_recipient_csv_says_what_is_wrong(campaign_dir: Path) -> None:
    people = 'first_name,email\n"Anna,anna@example.org\n' + "Bob,bob@example.org\n" * 20_000
    path = write_campaign(campaign_dir, SIMPLE_CAMPAIGN, {"body.txt.j2": "Hi\n", "people.csv": people})
    run = run_dlp("preflight", str(path))
    assert run.code == 2 and "people.csv:" in run.stderr and "unclosed quote" in run.stderr, run.stderr


def test_a_recipient_list_with_a_million_columns_is_exit_2_in_seconds(campaign_dir: Path) -> None:
    """Every column is classified, indexed and listed in the report: 20,000 took a minute, 1,000,000 did
    not end in 4 minutes. Refused up front, naming the budget."""
    header = ",".join(f"c{i}" for i in range(1_000_000)) + ",first_name,email\n"
    people = header + "," * 1_000_000 + "Anna,anna@example.org\n"
    path = write_campaign(campaign_dir, SIMPLE_CAMPAIGN, {"body.txt.j2": "Hi\n", "people.csv": people})
    with within(60):
        run = run_dlp("preflight", str(path))
    assert run.code == 2 and "people.csv:1:" in run.stderr and "DLP_MAX_COLUMNS" in run.stderr, run.stderr


# ---- new round: an Outlook message attached to a mail ----------------------------------------------------------


def test_an_attached_outlook_message_is_read_not_listed_unscanned() -> None:
    """Outlook's "forward as attachment" sends a .msg (OLE): it was `unscanned-attachment` ("no text
    extractor"); it is read with extract-msg like a forwarded message. A damaged one is still named."""
    from dlp.sources.email_message import parse_bytes, to_scan_message

    real = (Path(__file__).parent / "data" / "third_party" / "apache-poi" / "quick.msg").read_bytes()
    message = to_scan_message(parse_bytes(attachment_mail(b"fw.msg", b"application/vnd.ms-outlook", real)))
    assert any("quick brown fox" in p.text for p in message.parts) and not message.unreadable
    assert any(p.field == "forwarded.headers" for p in message.parts)
    damaged = real[:4096]
    report = scan_bytes(attachment_mail(b"fw.msg", b"application/vnd.ms-outlook", damaged))
    assert any(f.rule == "unscanned-attachment" for f in report.findings)
