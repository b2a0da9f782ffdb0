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


# The shape of a real LKML cover letter as patchwork's test data keeps it (getpatchwork/patchwork,
# series-base-no-references-no-cover.mbox): the lists in To, eleven maintainers in Cc, only List-ID kept.
MAINTAINERS = ", ".join(f"Maintainer {i} <m{i}@org{i}.example.net>" for i in range(11))
DIFF = (
    "---\n arch/foo/numa.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)\n\n"
    "diff --git a/arch/foo/numa.c b/arch/foo/numa.c\nindex 1a2b3c4..5d6e7f8 100644\n"
    "--- a/arch/foo/numa.c\n+++ b/arch/foo/numa.c\n@@ -10,7 +10,8 @@ static int foo(void)\n"
    "-\treturn 0;\n+\tif (bar)\n+\t\treturn 1;\n"
)


def _lkml(list_id: bool, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Dev Eloper <dev@contrib.example.net>"
    message["To"] = "linuxppc-dev@lists.ozlabs.org, linux-kernel@vger.kernel.org"
    message["Cc"] = MAINTAINERS
    message["Subject"] = "[PATCH 1/2] foo/numa: update the topology"
    if list_id:
        message["List-ID"] = "<linux-kernel.vger.kernel.org>"
    message.set_content(body)
    return message


def test_a_post_whose_list_host_is_a_known_list_is_still_a_list_post() -> None:
    """vger.kernel.org is a list host (so the list is no exposed person) and, named by List-ID, the list
    the message was posted to: a warning. It was a block (the list had been dropped before the lookup)."""
    (finding,) = _exposed(_lkml(list_id=True, body="Correct the topology for shared CPUs.\n"))
    assert finding.severity == "warn" and finding.count == 11
    assert "mailing list" in finding.message


def test_a_sent_copy_of_a_patch_to_a_list_and_its_maintainers_is_a_warning() -> None:
    """An auditor reviewing past sends sees the sender's copy: no list headers at all. A diff mailed to a
    public list and its maintainers is open-source review, not a mail merge."""
    (finding,) = _exposed(_lkml(list_id=False, body="Fix the node association.\n\nSigned-off-by: Dev\n" + DIFF))
    assert finding.severity == "warn"
    assert "patch" in finding.message and finding.extra.get("patch_review") == 1


def test_the_same_recipients_without_a_diff_or_list_headers_still_block() -> None:
    """True-positive twins: a [PATCH] subject and a sign-off are no evidence; a diff without any list
    among the recipients is not a list review; and a campaign is never judged as received mail."""
    (finding,) = _exposed(_lkml(list_id=False, body="Fix the node association.\n\nSigned-off-by: Dev\n"))
    assert finding.severity == "block"
    private = _lkml(list_id=False, body="Fix.\n" + DIFF)
    private.replace_header("To", "someone@else.example.com")
    (finding,) = _exposed(private)
    assert finding.severity == "block"


def test_a_list_robots_sender_names_the_list_like_list_id() -> None:
    """Before List-Id (and on ecartis/majordomo lists since), the copy a list delivers carries
    `Sender: linux-mips-bounce@linux-mips.org`: with linux-mips@linux-mips.org among the recipients it is
    a list post. The same Sender without the list among the recipients still blocks."""
    message = _lkml(list_id=False, body="Fix the node association.\n")
    message.replace_header("To", "linux-mips@linux-mips.org, Ralf Baechle <ralf@linux-mips.org>")
    message["Sender"] = "linux-mips-bounce@linux-mips.org"
    (finding,) = _exposed(message)
    assert finding.severity == "warn" and "mailing list" in finding.message
    message.replace_header("To", "someone@else.example.com")
    (finding,) = _exposed(message)
    assert finding.severity == "block"
