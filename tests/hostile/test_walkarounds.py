"""Rules that could be walked around (issue 20): a sender's own domain that is not its own, and file paths
that leave the campaign folder or are not files. Each walkaround now blocks, or ends in a clear exit 2."""

from __future__ import annotations

import os
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import write_campaign
from hostile import FORMATS, assert_clean, cli, outputs, run_bounded

from dlp.api import preflight, scan_message
from dlp.domains import offline_extract, why_never_internal
from dlp.errors import InputError

CUSTOMERS = [f"cust{i}.person@gmail.com" for i in range(15)]
SURVEY = """
name: survey
from: "Acme Bakery <acme.bakery@gmail.com>"
mode: broadcast
to: "{{ recipients | map(attribute='email') | join(', ') }}"
subject: How did we do?
body: {text: survey.txt}
recipients: customers.csv
"""
SURVEY_FILES = {
    "survey.txt": "How did we do? Two minutes: https://survey.example/acme\n",
    "customers.csv": "customer_id,name,email\n" + "".join(f"C{i},Cust {i},{a}\n" for i, a in enumerate(CUSTOMERS)),
}


def survey_mail(sender: str, recipients: list[str] = CUSTOMERS, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = "How did we do?"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("How did we do? Two minutes: https://survey.example/acme\n")
    return msg


def exposed(findings) -> list:
    return [f for f in findings if f.rule == "exposed-recipients"]


# ---- internal domains ------------------------------------------------------------------------------


def test_freemail_sender_survey_blocks_in_preflight(tmp_path: Path) -> None:
    path = write_campaign(tmp_path / "c", SURVEY, SURVEY_FILES)
    (finding,) = exposed(preflight(path).findings)
    assert finding.severity == "block" and finding.count == 15
    run = cli("preflight", str(path), "--format", "json")
    assert run.code == 1 and run.json["verdict"] == "block"


def test_configured_freemail_internal_domain_is_refused_with_a_note(tmp_path: Path) -> None:
    path = write_campaign(tmp_path / "c", SURVEY + "internal_domains: [gmail.com]\n", SURVEY_FILES)
    report = preflight(path)
    (finding,) = exposed(report.findings)
    assert finding.severity == "block" and finding.count == 15
    assert any("gmail.com is not treated as the sender's own domain" in n for n in report.notes)


@pytest.mark.parametrize(
    ("sender", "headers", "recipients"),
    [
        ("acme.bakery@gmail.com", {}, CUSTOMERS),
        ("Acme <news@shop.example>", {"Sender": "bounce@gmail.com"}, CUSTOMERS),
        ("news@com", {}, [f"c{i}@shop{i}.com" for i in range(15)]),
        ("news@co.uk", {}, [f"c{i}@shop{i}.co.uk" for i in range(15)]),
        ("news@bluewin.ch", {}, [f"c{i}@bluewin.ch" for i in range(15)]),
        ("news@mail.yahoo.com", {}, [f"c{i}@yahoo.com" for i in range(15)]),
    ],
    ids=["freemail-from", "sender-header", "bare-tld", "public-suffix", "isp-mail", "provider-subdomain"],
)
def test_hook_walkarounds_block(sender: str, headers: dict, recipients: list[str]) -> None:
    (finding,) = exposed(scan_message(survey_mail(sender, recipients, **headers)).findings)
    assert finding.severity == "block" and finding.count == 15


def test_check_and_audit_block_the_freemail_survey(tmp_path: Path) -> None:
    data = survey_mail("acme.bakery@gmail.com").as_bytes()
    run = cli("check", "-", "--format", "json", input=data)
    assert run.code == 1 and {f["rule"] for f in run.json["findings"]} >= {"exposed-recipients"}
    (tmp_path / "sent").mkdir()
    (tmp_path / "sent" / "survey.eml").write_bytes(data)
    run = cli("audit", str(tmp_path / "sent"), "--format", "json")
    assert run.code == 1 and any(f["rule"] == "exposed-recipients" for f in run.json["findings"])


def test_own_domain_still_internal() -> None:
    """Not over-blocking: a company writing to 15 colleagues on its own domain exposes no customer."""
    staff = [f"staff{i}@acme-bakery.ch" for i in range(15)]
    assert exposed(scan_message(survey_mail("news@acme-bakery.ch", staff)).findings) == []
    assert (
        exposed(scan_message(survey_mail("news@acme-bakery.ch", staff), internal_domains=["acme-bakery.ch"]).findings)
        == []
    )


def test_shared_domains_extend_from_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: exposed-recipients\n    extend: {shared_domains: [mail.isp.example]}\n")
    recipients = [f"c{i}@mail.isp.example" for i in range(15)]
    msg = survey_mail("bakery@mail.isp.example", recipients)
    assert exposed(scan_message(msg).findings) == []  # an unknown provider: its own domain, as before
    (finding,) = exposed(scan_message(msg, rules=[rules]).findings)
    assert finding.severity == "block"


def test_public_suffix_check_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args, **_kwargs):
        raise AssertionError("network access at scan time")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert offline_extract().suffix_list_urls == ()
    assert why_never_internal("news-offline-check.co.uk") is None
    assert why_never_internal("com.au") is not None and why_never_internal("web.de") is not None


# ---- paths -----------------------------------------------------------------------------------------

STATEMENTS = """
name: statements
from: "Acme <care@acme.example>"
to: "{{ email }}"
subject: Your statement
body: {text: body.txt}
attachments:
  - path: "statements/{{ id }}"
recipients: customers.csv
"""


def statement_campaign(directory: Path, ids: list[str], campaign: str = STATEMENTS, **extra: str) -> Path:
    rows = "".join(f"{i},Cust {n},cust{n}@example.org\n" for n, i in enumerate(ids))
    files = {"body.txt": "Your statement is attached.\n", "statements/ok.txt": "Balance: 10 EUR\n"}
    return write_campaign(directory, campaign, {**files, "customers.csv": "id,name,email\n" + rows, **extra})


def unsafe(report) -> list:
    return [f for f in report.findings if f.rule == "unsafe-attachment-path"]


def test_dotdot_and_symlink_attachment_paths_block_and_are_not_read(tmp_path: Path) -> None:
    path = statement_campaign(tmp_path / "c", ["ok.txt", "../../../../../../../../etc/passwd", "link.txt"])
    os.symlink("/etc/passwd", tmp_path / "c" / "statements" / "link.txt")
    report = preflight(path)
    (finding,) = unsafe(report)  # one problem (the path template), in two messages
    assert report.verdict == "block" and finding.severity == "block" and finding.count == 2
    assert "statements/{{ id }}" in finding.message and "not read" in finding.message
    for fmt, run in outputs("preflight", str(path)).items():
        assert run.code == 1, fmt
        assert_clean(run, ["root:x:0", "/etc/passwd", "localhost"])


def test_devices_and_fifos_as_attachments_block_without_hanging(tmp_path: Path) -> None:
    """A hang or an endless read here would hit the bounds and fail, not stall the suite."""
    path = statement_campaign(tmp_path / "c", ["ok.txt", "zero", "fifo", "folder"])
    os.symlink("/dev/zero", tmp_path / "c" / "statements" / "zero")
    os.mkfifo(tmp_path / "c" / "statements" / "fifo")
    (tmp_path / "c" / "statements" / "folder").mkdir()
    proc = run_bounded("preflight", str(path), "--format", "json", timeout=180)
    assert proc.returncode == 1, proc.stderr
    import json

    (finding,) = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "unsafe-attachment-path"]
    assert finding["severity"] == "block" and finding["count"] == 3


@pytest.mark.parametrize(
    ("replace", "extra", "expect"),
    [
        ("recipients: customers.csv", "recipients: ../../../../../../etc/passwd", "leaves the campaign folder"),
        ("recipients: customers.csv", "recipients: /etc/passwd", "absolute path"),
        ("recipients: customers.csv", "recipients: fifo.csv", "is a FIFO, not a regular file"),
        ("recipients: customers.csv", "recipients: zero.csv", "through a symlink"),
        ("body: {text: body.txt}", "body: {text: ../../../../../../etc/passwd}", "leaves the campaign folder"),
        ("body: {text: body.txt}", "body: {text: evil.txt}", "through a symlink"),
        (
            "recipients: customers.csv",
            "recipients: customers.csv\nrules: [../../../../../../etc/passwd]",
            "leaves the campaign folder",
        ),
    ],
    ids=[
        "recipients-dotdot",
        "recipients-absolute",
        "recipients-fifo",
        "recipients-device",
        "template-dotdot",
        "template-symlink",
        "rules-dotdot",
    ],
)
def test_campaign_files_outside_or_not_regular_are_exit_2(
    tmp_path: Path, replace: str, extra: str, expect: str
) -> None:
    path = statement_campaign(tmp_path / "c", ["ok.txt"], STATEMENTS.replace(replace, extra))
    os.mkfifo(tmp_path / "c" / "fifo.csv")
    os.symlink("/dev/zero", tmp_path / "c" / "zero.csv")
    os.symlink("/etc/passwd", tmp_path / "c" / "evil.txt")
    with pytest.raises(InputError) as error:
        preflight(path)
    assert expect in error.value.detail and error.value.path == str(path) and error.value.line
    run = cli("preflight", str(path))
    assert run.code == 2 and str(path) in run.stderr and expect in run.stderr
    assert_clean(run, ["root:x:0"])


def test_include_through_a_symlink_is_refused(tmp_path: Path) -> None:
    campaign = STATEMENTS.replace('attachments:\n  - path: "statements/{{ id }}"\n', "")
    path = statement_campaign(tmp_path / "c", ["ok.txt"], campaign, **{"body.txt": "{% include 'part.txt' %}\n"})
    os.symlink("/etc/passwd", tmp_path / "c" / "part.txt")
    report = preflight(path)
    (finding,) = [f for f in report.findings if f.rule == "template-error"]
    assert finding.severity == "block" and "symlink" in finding.message
    for fmt in FORMATS:
        assert_clean(cli("preflight", str(path), "--format", fmt), ["root:x:0"])
