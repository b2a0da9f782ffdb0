"""Hostile input at every entry point (issue 13 items 1, 2, 5): each ends in a verdict with a named
`unscanned-…` finding or exit 2 naming the file, never an internal error, a hang or a raw value.

The fixtures are built here, small and bounded; the survey that found each failure is in the lead's
report. Probes whose failure mode is a hang run under a SIGALRM so a regression fails instead of stalling.
"""

from __future__ import annotations

import base64
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from conftest import SIMPLE_CAMPAIGN, run_dlp, write_campaign

from dlp.api import scan_message
from dlp.errors import InputError
from tests.support.signals import within

SSN = "536-22-8451"
HEAD = (
    b"From: Acme <billing@acme.example>\r\nTo: Carol Jones <carol.jones@example.net>\r\n"
    b"Subject: documents\r\nMessage-ID: <hostile@acme.example>\r\nMIME-Version: 1.0\r\n"
)
SECRET = f"Customer SSN: {SSN}\r\n".encode()
FILES = {"body.txt.j2": "Hi {{ first_name }},\nwelcome.\n", "people.csv": "first_name,email\nAnna,anna@example.org\n"}


def no_internal_error(run) -> None:
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert SSN not in run.stdout + run.stderr


def rules_of(run) -> set[str]:
    return {f["rule"] for f in run.json["findings"]}


# ---- file names that are not UTF-8 --------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_shown_escaped_never_an_internal_error(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9_\xff.eml")).write_bytes(HEAD + b"\r\n" + SECRET)
    audit = run_dlp("audit", str(folder), "--format", "json")
    no_internal_error(audit)
    assert audit.code == 1 and "sensitive-data" in rules_of(audit)
    assert "\\xe9_\\xff.eml" in audit.stdout.replace("\\\\", "\\")  # the raw bytes, named as escapes
    empty = tmp_path / os.fsdecode(b"\xff.eml")
    empty.write_bytes(b"")
    check = run_dlp("check", str(empty))
    assert check.code == 2 and "\\xff.eml" in check.stderr and "empty" in check.stderr


# ---- campaign YAML and templates --------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["name: t\x00x", "\ufffe\x07garbage: ["])
def test_control_characters_in_campaign_yaml_are_exit_2_with_file_and_line(campaign_dir: Path, bad: str) -> None:
    path = write_campaign(campaign_dir, SIMPLE_CAMPAIGN.replace("name: t", bad), FILES)
    run = run_dlp("preflight", str(path))
    assert run.code == 2 and f"{path}:1:" in run.stderr and "not valid YAML" in run.stderr
    no_internal_error(run)


@pytest.mark.parametrize(
    ("syntax", "body"),
    [
        ("jinja", "{% if 1 %}" * 5000 + "x" + "{% endif %}" * 5000),
        ("jinja", "{{ " + "(" * 10000 + "1" + ")" * 10000 + " }}"),
        ("mailchimp", "*|IF:FNAME|*" * 3000 + "x" + "*|END:IF|*" * 3000),
        ("ampscript", "%%[ IF 1 THEN ]%%" * 3000 + "x" + "%%[ ENDIF ]%%" * 3000),
        ("handlebars", "{{#if a}}" * 3000 + "x" + "{{/if}}" * 3000),
    ],
)
def test_templates_nested_thousands_deep_are_an_error_naming_the_template(
    campaign_dir: Path, syntax: str, body: str
) -> None:
    campaign = SIMPLE_CAMPAIGN.replace("recipients:", f"syntax: {syntax}\nrecipients:")
    path = write_campaign(campaign_dir, campaign, {**FILES, "body.txt.j2": body})
    run = run_dlp("preflight", str(path), "--format", "json")
    no_internal_error(run)
    if run.code == 2:  # refused when compiled ...
        said = any(word in run.stderr for word in ("deep", "nesting", "recursion"))
        assert "body.txt.j2" in run.stderr and said, run.stderr
    else:  # ... or a template-error for the message that could not be rendered
        assert run.code == 1 and "template-error" in rules_of(run)


# ---- one huge token: costs stay linear ----------------------------------------------------------------


def test_a_megabyte_subject_of_one_word_is_scanned_in_linear_time() -> None:
    """`\\S+@\\S+` and `[\\w.+'-]+@` retried at each position of one 5 MB word took minutes (quadratic)."""
    from dlp.checks.mailboxes import ADDRESS_IN_TEXT
    from dlp.detect.languages import detect_language

    word = "x" * 2_000_000
    with within(20):
        assert ADDRESS_IN_TEXT.findall(f"{word} anna.meyer@example.org {'a.' * 500_000}") == ["anna.meyer@example.org"]
        assert detect_language(word + " and the rest of it, please", default="en") == "en"
    raw = HEAD.replace(b"Subject: documents", b"Subject: " + b"x" * 300_000 + b" " + SECRET.strip()) + b"\r\nhi\r\n"
    with within(60):
        report = scan_message(message_from_bytes(raw, policy=policy.default))
    assert report.verdict == "block" and any(f.entity_type == "US_SSN" for f in report.findings)


# ---- MIME and HTML -----------------------------------------------------------------------------------


def multipart(*parts: bytes) -> bytes:
    body = b"".join(b"--BND\r\n" + part + b"\r\n" for part in parts)
    return HEAD + b'Content-Type: multipart/mixed; boundary="BND"\r\n\r\n' + body + b"--BND--\r\n"


def scan_bytes(raw: bytes):
    return scan_message(message_from_bytes(raw, policy=policy.default))


def test_a_forwarded_message_in_base64_is_decoded_and_read_not_passed() -> None:
    """The stdlib parses the base64 text of a message/rfc822 part as the message itself: it was PASS."""
    inner = HEAD + b"Content-Type: text/plain\r\n\r\n" + SECRET
    raw = multipart(
        b"Content-Type: text/plain\r\n\r\nForwarding this.\r\n",
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(inner),
    )
    report = scan_bytes(raw)
    assert report.verdict == "block" and any(f.entity_type == "US_SSN" for f in report.findings)


def html_mail(markup: bytes) -> bytes:
    return HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + markup


def test_html_nested_a_hundred_thousand_deep_is_read_in_linear_time() -> None:
    """lexbor's tree building is quadratic in nesting depth: 100,000 nested <div>s took minutes."""
    from dlp.htmltext import visible_text

    with within(20):
        assert SSN in visible_text("<div>" * 300_000 + SSN + "</div>" * 300_000)
    with within(60):
        report = scan_bytes(html_mail(b"<div>" * 100_000 + SECRET + b"</div>" * 100_000))
    assert report.verdict == "block"


@pytest.mark.parametrize(
    "markup",
    [
        b"<p>Hello</p><!-- " + SECRET + b" -->",
        b'<p>Hello</p><input type="hidden" name="ssn" value="' + SSN.encode() + b'">',
        b'<p>Hello</p><span style="display:none">' + SECRET + b"</span>",
        b'<p style="color:#ffffff;background:#ffffff;font-size:1px">' + SECRET + b"</p>",
        b"<html><head><title>SSN " + SSN.encode() + b"</title></head><body>Hello</body></html>",
        b"<p>Hello</p><noscript>" + SECRET + b"</noscript>",
    ],
    ids=["comment", "hidden-input", "display-none", "white-on-white", "title-glued-to-body", "noscript"],
)
def test_personal_data_hidden_in_html_is_still_scanned(markup: bytes) -> None:
    report = scan_bytes(html_mail(markup))
    assert report.verdict == "block", [f.rule for f in report.findings]
    assert any(f.entity_type == "US_SSN" for f in report.findings)


def test_merge_tags_in_html_comments_of_received_mail_are_no_template_error(tmp_path: Path) -> None:
    """Mailchimp's own `<!--*|IF:MC_PREVIEW_TEXT|*-->` is in every mail it sends: not a leftover."""
    path = tmp_path / "newsletter.eml"
    path.write_bytes(html_mail(b"<!--*|IF:MC_PREVIEW_TEXT|*--><p>Our autumn news.</p><!--*|END:IF|*-->"))
    run = run_dlp("check", str(path), "--format", "json")
    assert run.code == 0 and "template-error" not in rules_of(run)


def test_an_attachment_file_name_carrying_an_ssn_is_scanned_and_shown_masked(tmp_path: Path) -> None:
    name = f"Carol_Jones_SSN_{SSN}.txt".encode()
    path = tmp_path / "with-name.eml"
    path.write_bytes(
        multipart(
            b"Content-Type: text/plain\r\n\r\nPlease see the attached file.\r\n",
            b'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="' + name + b'"\r\n\r\nhello\r\n',
        )
    )
    for fmt in ("json", "rich", "sarif", "html"):
        run = run_dlp("check", str(path), "--format", fmt)
        assert run.code == 1, fmt
        no_internal_error(run)
    findings = run_dlp("check", str(path), "--format", "json").json["findings"]
    assert any(f["location"]["field"] == "attachment file name" and f["entity_type"] == "US_SSN" for f in findings)


# ---- recipient lists ---------------------------------------------------------------------------------


def test_a_recipient_list_with_a_hundred_thousand_columns_is_read_in_linear_time(tmp_path: Path) -> None:
    """The duplicate-column check was `columns.count(c)` per column: 10^10 steps, a hang."""
    from dlp.recipients import RecipientList

    path = tmp_path / "wide.csv"
    filler = [f"c{i}" for i in range(100_000)]
    path.write_text(",".join([*filler, "first_name", "email"]) + "\n" + "," * 100_000 + "Anna,anna@example.org\n")
    with within(20):
        people = RecipientList(path)
    assert people.schema is not None
    duplicated = tmp_path / "dupes.csv"
    duplicated.write_text(",".join([*filler, "c7", "email"]) + "\n")
    with pytest.raises(InputError, match=r"duplicate column names.*c7"):
        RecipientList(duplicated)
