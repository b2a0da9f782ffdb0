"""A received post to a public mailing list (patch review Cc's a dozen maintainers) is at most a warning
for exposed-recipients; the same Cc list without the list (or with only a forged List-Id) still blocks."""

from __future__ import annotations

from email.message import EmailMessage

from dlp.api import scan_message

CC = ", ".join(f"Maintainer {i} <m{i}@kernel{i}.example.org>" for i in range(12))


def _post(list_headers: bool, list_in_to: bool) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Dev Eloper <dev@contrib.example.net>"
    message["To"] = "linux-foo@vger.example.org" if list_in_to else "someone@else.example.com"
    message["Cc"] = CC
    message["Subject"] = "[PATCH v2 1/3] foo: fix the bar"
    if list_headers:
        message["List-Id"] = "<linux-foo.vger.example.org>"
        message["List-Post"] = "<mailto:linux-foo@vger.example.org>"
    message.set_content("The patch below fixes the bar.\n\nSigned-off-by: Dev Eloper\n")
    return message


def _exposed(message: EmailMessage) -> list:
    return [f for f in scan_message(message).findings if f.rule == "exposed-recipients"]


def test_a_list_post_is_a_warning_not_a_block() -> None:
    (finding,) = _exposed(_post(list_headers=True, list_in_to=True))
    assert finding.severity == "warn"
    assert "mailing list" in finding.message


def test_the_same_cc_list_without_the_list_blocks() -> None:
    for headers, in_to in ((False, True), (True, False)):
        (finding,) = _exposed(_post(list_headers=headers, list_in_to=in_to))
        assert finding.severity == "block", (headers, in_to)


def test_a_mailing_list_in_cc_is_not_counted_as_an_exposed_person() -> None:
    """The patch-review shape with list headers stripped (as patchwork exports it): nine maintainers and
    the list in Cc. Nine people are a warning; the list address is no tenth person."""
    message = EmailMessage()
    message["From"] = "Dev Eloper <dev@contrib.example.net>"
    message["To"] = "Maintainer <lead@maint.example.org>"
    message["Cc"] = ", ".join(
        [*(f"M{i} <m{i}@kernel{i}.example.org>" for i in range(8)), "linux-kernel@vger.kernel.org (open list)"]
    )
    message["Subject"] = "[PATCH] foo"
    message.set_content("A fix.\n")
    (finding,) = _exposed(message)
    assert finding.severity == "warn" and finding.count == 9
