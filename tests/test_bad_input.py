"""Bad input: exit 2, one paragraph naming the file and line/row, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SIMPLE_CAMPAIGN, run_dlp, run_dlp_process, write_campaign

from dlp.api import preflight
from dlp.errors import InputError

GOOD = SIMPLE_CAMPAIGN
FILES = {
    "body.txt.j2": "Hi {{ first_name }},\n\nwelcome.\n",
    "people.csv": "first_name,email\nAnna,anna@example.org\nBen,ben@example.net\n",
}


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        preflight(path)
    return info.value


def test_good_campaign_passes(campaign_dir: Path) -> None:
    report = preflight(write_campaign(campaign_dir, GOOD, FILES))
    assert report.verdict == "pass" and report.messages == 2


def test_unknown_key_names_file_line_and_allowed_keys(campaign_dir: Path) -> None:
    path = write_campaign(campaign_dir, GOOD + "atachments: []\n", FILES)
    error = error_of(path)
    assert error.path == str(path) and error.line == 8
    assert "unknown key 'atachments'" in error.detail and "attachments" in error.detail


def test_missing_body_is_reported(campaign_dir: Path) -> None:
    text = GOOD.replace("body:\n  text: body.txt.j2\n", "")
    error = error_of(write_campaign(campaign_dir, text, FILES))
    assert "missing required key 'body'" in error.detail


def test_body_without_text_or_html(campaign_dir: Path) -> None:
    text = GOOD.replace("  text: body.txt.j2\n", "  text: null\n")
    error = error_of(write_campaign(campaign_dir, text, FILES))
    assert "at least one of 'text' or 'html'" in error.detail and error.line == 5


def test_wrong_type_names_the_key(campaign_dir: Path) -> None:
    text = GOOD + "internal_domains: acme.example\n"
    error = error_of(write_campaign(campaign_dir, text, FILES))
    assert "internal_domains" in error.detail and error.line == 8


def test_template_syntax_error_names_template_file_and_line(campaign_dir: Path) -> None:
    files = {**FILES, "body.txt.j2": "Hi {{ first_name }},\n\nyour {{ points + }} points\n"}
    path = write_campaign(campaign_dir, GOOD, files)
    error = error_of(path)
    assert error.path.endswith("body.txt.j2") and error.line == 3
    assert "syntax error" in error.detail


def test_syntax_error_in_subject_names_campaign_line(campaign_dir: Path) -> None:
    path = write_campaign(campaign_dir, GOOD.replace('"Hello {{ first_name }}"', '"Hello {{ first_name }"'), FILES)
    error = error_of(path)
    assert error.path == str(path) and error.line == 4 and "subject" in error.detail


def test_ragged_recipient_row_names_file_and_row(campaign_dir: Path) -> None:
    files = {**FILES, "people.csv": "first_name,email\nAnna,anna@example.org\nBen,ben@example.net,extra\n"}
    error = error_of(write_campaign(campaign_dir, GOOD, files))
    assert error.path.endswith("people.csv") and error.line == 3 and "3 fields" in error.detail


def test_non_utf8_recipient_file(campaign_dir: Path) -> None:
    files = {**FILES, "people.csv": "first_name,email\nJos\xe9,jose@example.org\n".encode("latin-1")}
    error = error_of(write_campaign(campaign_dir, GOOD, files))
    assert error.path.endswith("people.csv") and "UTF-8" in error.detail


def test_missing_email_column(campaign_dir: Path) -> None:
    files = {**FILES, "people.csv": "first_name,mail_addr\nAnna,anna@example.org\n"}
    error = error_of(write_campaign(campaign_dir, GOOD, files))
    assert "no email column" in error.detail and "mail_addr" in error.detail


def test_semicolon_and_bom_csv_is_read(campaign_dir: Path) -> None:
    files = {**FILES, "people.csv": "\ufefffirst_name;email\nAnna;anna@example.org\n".encode()}
    report = preflight(write_campaign(campaign_dir, GOOD, files))
    assert report.messages == 1 and report.verdict == "pass"


def test_bad_jsonl_line(campaign_dir: Path) -> None:
    files = {**FILES, "people.jsonl": '{"first_name": "Anna", "email": "a@example.org"}\n{oops\n'}
    error = error_of(write_campaign(campaign_dir, GOOD.replace("people.csv", "people.jsonl"), files))
    assert error.path.endswith("people.jsonl") and error.line == 2


def test_missing_attachment_file(campaign_dir: Path) -> None:
    text = GOOD + 'attachments:\n  - path: "statements/{{ first_name }}.txt"\n'
    files = {**FILES, "statements/Anna.txt": "Statement for Anna\n"}
    error = error_of(write_campaign(campaign_dir, text, files))
    assert "statements/Ben.txt" in error.detail and "row 2" in error.detail and error.line == 9


def test_cli_prints_one_paragraph_and_exits_2(campaign_dir: Path) -> None:
    path = write_campaign(campaign_dir, GOOD + "bogus: 1\n", FILES)
    run = run_dlp("preflight", str(path))
    assert run.code == 2
    assert "Traceback" not in run.stderr
    assert f"{path}:8: unknown key 'bogus'" in run.stderr
    assert run.stderr.count("\n") == 1


def test_cli_missing_campaign_file(tmp_path: Path) -> None:
    # The installed executable, as a shell script sees it: exit status 2 and one line on stderr.
    run = run_dlp_process("preflight", str(tmp_path / "nope.yaml"))
    assert run.code == 2 and "file not found" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == "" and run.stderr.count("\n") == 1
