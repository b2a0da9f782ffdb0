"""The seams of the pipeline (issue 14): a message's own addressing, the shared vocabulary a rules file
extends, and a rule set compiled once for many single-message scans (serve, the Python API)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from dlp.checks import load_ruleset
from dlp.model import Part, PartKind, Recipient, ScanMessage


def _message(
    headers: list[tuple[str, str]], envelope: tuple[str, ...] = (), recipient: Recipient | None = None
) -> ScanMessage:
    parts = [Part(PartKind.HEADER, name, value) for name, value in headers] + [Part(PartKind.TEXT, "body.text", "Hi")]
    return ScanMessage(index=0, headers=headers, parts=parts, envelope_to=list(envelope), recipient=recipient)


def test_a_message_answers_who_sees_it_whom_it_is_for_and_who_sent_it() -> None:
    message = _message(
        [
            ("From", "Acme Care <Care@Acme.example>"),
            ("Reply-To", "help@acme.example"),
            ("To", "Anna <ANNA@example.org>, bob@example.org"),
            ("Cc", "anna@example.org, list-name"),
            ("List-Id", "Developers <dev.ponymail.apache.org>"),
        ],
        envelope=["carl@example.net", "anna@example.org"],
    )
    assert message.visible_recipients == ["anna@example.org", "bob@example.org"]
    assert message.visible_in("Cc") == ["anna@example.org"]
    assert message.envelope_recipients == ["carl@example.net", "anna@example.org"]
    # Whom it is for: To, Cc and the envelope; a bare word in Cc is kept, so invalid-address can name it.
    assert message.addressees == ["anna@example.org", "bob@example.org", "list-name", "carl@example.net"]
    assert set(message.delivered_to) == {"anna@example.org", "bob@example.org", "carl@example.net"}
    assert message.sender_addresses == {"care@acme.example", "help@acme.example"}
    assert message.list_addresses == {"dev@ponymail.apache.org"}
    assert [p.field for p in message.content_parts] == ["List-Id", "body.text"]


def test_a_campaign_message_is_for_its_row_even_when_the_row_has_no_address() -> None:
    row = Recipient(row=3, email="", identity="c-3")
    message = _message([("To", "someone@example.org")], recipient=row)
    assert message.addressees == [""]  # a row without an address is a finding, never a skipped row
    assert message.delivered_to == ["someone@example.org"]


def test_a_rules_file_extends_the_shared_vocabulary_for_every_rule_that_reads_it(tmp_path: Path) -> None:
    default = load_ruleset()
    hosts = default.rules["exposed-recipients"].parameters["list_domains"]
    assert "googlegroups.com" in hosts
    assert default.rules["bulk-personal-data"].parameters["list_domains"] == hosts
    assert "dear" in default.rules["shared-address"].parameters["greetings"]

    extra = tmp_path / "rules.yaml"
    extra.write_text("vocabulary:\n  list_domains: [lists.acme.example]\n  greetings: [moin]\n", encoding="utf-8")
    extended = load_ruleset([extra])
    for rule in ("exposed-recipients", "bulk-personal-data"):
        assert extended.rules[rule].parameters["list_domains"] == [*hosts, "lists.acme.example"]
    assert extended.rules["shared-address"].parameters["greetings"][-1] == "moin"


def test_shared_address_parameters_are_checked_for_both_of_its_uses(tmp_path: Path) -> None:
    """One detector runs shared-address on a list and on an archive: every parameter is known, none ignored."""
    from dlp.errors import InputError

    extra = tmp_path / "rules.yaml"
    extra.write_text("rules:\n  - id: shared-address\n    extend: {titles: [ing]}\n", encoding="utf-8")
    assert load_ruleset([extra]).rules["shared-address"].parameters["titles"][-1] == "ing"
    extra.write_text("rules:\n  - id: shared-address\n    parameters: {greeting: [moin]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="greeting"):
        load_ruleset([extra])


def test_serve_and_the_api_compile_the_rules_once_not_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """The typo-domain table of invalid-address (~29,600 entries) is built once per scanner, not per message."""
    from dlp.api import MessageScanner
    from dlp.checks import address_rules

    built: list[int] = []
    original = address_rules.InvalidMatcher.build.__func__

    def counting(cls, params):
        built.append(1)
        return original(cls, params)

    monkeypatch.setattr(address_rules.InvalidMatcher, "build", classmethod(counting))
    scanner = MessageScanner()
    verdicts = []
    for to in ("anna@gmial.com", "bob@example.org", "carl@example.net"):
        msg = EmailMessage()
        msg["From"] = "care@acme.example"
        msg["To"] = to
        msg["Subject"] = "Your statement"
        msg.set_content("Your statement is ready.")
        report = scanner.scan(msg)
        verdicts.append(sorted(report.rule_ids))
    assert len(built) == 1
    assert "invalid-address" in verdicts[0]  # the compiled table still finds the typo of gmail.com
    assert verdicts[1] == verdicts[2] == []
