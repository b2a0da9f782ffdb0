"""personal-data on received mail (issue 13): relay IPs, role/list mailboxes, addresses in links and names
in code are nobody's personal data in an audited message; the same values in a campaign (preflight) are
still reported, and personal data in the prose of a received message is still found.

The bounces are real (imap_tools' fixtures, tests/data/third_party/imap_tools); the list reply is built
on the shape of real linux-mips posts (a bounce pasted in, an archive link, a quoted patch).
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from conftest import write_campaign
from test_checks_preflight import PER_RECIPIENT

from dlp.api import analyze_text, preflight, scan_message
from dlp.checks.received_personal import code_lines

BOUNCES = Path(__file__).parent / "data" / "third_party" / "imap_tools" / "multipart_report_emails"


def _personal(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for finding in report.findings:
        if finding.rule == "personal-data":
            out.setdefault(finding.entity_type, []).append(finding)
    return out


def _read(name: str) -> EmailMessage:
    return email.message_from_bytes((BOUNCES / name).read_bytes(), policy=email.policy.default)


def test_relay_ips_in_real_bounces_are_not_personal_data() -> None:
    """report_530: Received lines of the returned message ([85.0.0.121], [192.168.0.3]) and the "Received
    from ... [60.0.0.146]" of the report; bounce1: "host gmail-smtp-in.l.google.com[209.85.223.33] said"."""
    for name in ("report_530.eml", "multi_address_bounce1.eml"):
        report = scan_message(_read(name))
        assert "IP_ADDRESS" not in _personal(report), name
        assert any("relay or private IPs" in note for note in report.notes), report.notes


def test_an_ip_in_the_prose_of_the_same_bounce_is_still_reported() -> None:
    message = _read("report_530.eml")
    first = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    first.set_content(first.get_content() + "\nThe customer says she logged in from 81.2.69.160 yesterday.\n")
    ips = [f.value for f in _personal(scan_message(message)).get("IP_ADDRESS", [])]
    assert ips == ["81.2.69.160"]


LIST_REPLY = """Hi Paul,

the bounce I got when I Cc'd you (spf=pass: domain of x@y.example designates 81.169.145.97 as permitted sender):

Received: from mail-yw1-f65.google.com ([209.85.161.65]:38926 "EHLO
        mail-yw1-f65.google.com") by vger.kernel.org with ESMTP

The thread is at https://lore.kernel.org/r/20191128201120.12345-1-paul.burton@mips.com and
https://lists.apache.org/list.html?announce@apache.org (spf=pass smtp.mailfrom=sales@proxmox.com);
please Cc stable@vger.kernel.org and linux-mips@vger.kernel.org, not majordomo@vger.kernel.org.

My colleague Maria Gonzalez (maria.gonzalez@mips-partners.net, +1 415 555 0134) can test it from 8.8.4.4.

> diff --git a/arch/mips/kernel/time.c b/arch/mips/kernel/time.c
> --- a/arch/mips/kernel/time.c
> +++ b/arch/mips/kernel/time.c
> @@ -10,7 +10,8 @@
> + * Copyright (C) 2005 Stanislaw Skowronek <skylark@unaligned.org>
> +	tristate "Loongson2 CPUFreq Driver"
> +	/* The Sony Praystation uses cp2 for 3D */

Tested on my Malta board, works for me.

Thanks, Ann
"""


def _list_reply() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ann Lee <ann.lee@contrib.example.net>"
    message["To"] = "Paul Burton <paul.burton@mips.com>"
    message["Cc"] = "linux-mips@vger.kernel.org"
    message["List-Id"] = "<linux-mips.vger.kernel.org>"
    message["Subject"] = "Re: [PATCH] MIPS: fix the timer"
    message.set_content(LIST_REPLY)
    return message


def test_machinery_of_a_received_list_reply_is_not_personal_data() -> None:
    report = scan_message(_list_reply())
    found = _personal(report)
    emails = {f.value for f in found.get("EMAIL_ADDRESS", [])}
    names = {f.value for f in found.get("PERSON", [])}
    ips = {f.value for f in found.get("IP_ADDRESS", [])}
    # lists and roles, an archive link's Message-ID, a query string's list, a relay: not reported
    assert not emails & {"stable@vger.kernel.org", "linux-mips@vger.kernel.org", "majordomo@vger.kernel.org"}
    assert not any("paul.burton" in e or "announce@" in e or "sales@" in e for e in emails), emails
    assert "209.85.161.65" not in ips and "81.169.145.97" not in ips
    # code identifiers NER reads as names
    assert not names & {"CPUFreq Driver", "Sony Praystation", "Loongson2 CPUFreq Driver"}, names
    (note,) = [n for n in report.notes if n.startswith("personal-data in received mail")]
    for kind in ("relay or private IPs", "role, list or robot mailboxes", "addresses inside links"):
        assert kind in note


def test_personal_data_in_the_prose_of_a_received_list_reply_is_still_reported() -> None:
    """True-positive twin: the colleague's name, address, phone and public IP in the author's prose, and
    the copyright line in the quoted patch (a person with an address), are reported."""
    found = _personal(scan_message(_list_reply()))
    assert "maria.gonzalez@mips-partners.net" in {f.value for f in found.get("EMAIL_ADDRESS", [])}
    assert "skylark@unaligned.org" in {f.value for f in found.get("EMAIL_ADDRESS", [])}
    names = {f.value for f in found.get("PERSON", [])}
    assert "Maria Gonzalez" in names and "Stanislaw Skowronek" in names, names
    assert found.get("PHONE_NUMBER") and {f.value for f in found["IP_ADDRESS"]} == {"8.8.4.4"}


def test_preflight_still_reports_what_received_mail_ignores(tmp_path: Path) -> None:
    """A campaign is the sender's own text: an IP in relay notation, a list address and an address in a
    link in a rendered message go to the recipient, so preflight reports them."""
    files = {
        "body.txt.j2": "Dear {{ name }},\n\nyour router gw.example.net [{{ ip }}] was registered; questions go to "
        "{{ forum }} and your page is https://portal.example.net/u?who={{ other }}.\n",
        "people.csv": "name,email,ip,forum,other\nMargaret Thompson,margaret.t@example.org,81.2.69.160,"
        "owners-users@lists.example.net,j.fairweather@example.com\n",
    }
    found = _personal(preflight(write_campaign(tmp_path / "c", PER_RECIPIENT, files)))
    assert {f.value for f in found.get("IP_ADDRESS", [])} == {"81.2.69.160"}
    emails = {f.value for f in found.get("EMAIL_ADDRESS", [])}
    assert "owners-users@lists.example.net" in emails
    assert any("j.fairweather@example.com" in e for e in emails), emails


def test_code_lines_follow_a_patch_and_end_with_the_authors_reply() -> None:
    text = "Hi,\n> diff --git a/x b/x\n> --- a/x\n> +++ b/x\n> @@ -1 +1 @@\n> -a\n> +b\n\nThanks, Ann Lee\n"
    assert code_lines(text) == {1, 2, 3, 4, 5, 6, 7}


IMAP_TOOLS = BOUNCES.parent / "attachment_emails"


def _values(report, entity_type: str) -> set[str]:
    return {f.value for f in _personal(report).get(entity_type, [])}


def test_masked_addresses_in_real_forwarded_mail_are_not_personal_data() -> None:
    """imap_tools' real forward with its addresses typed over ("From: xxxxx xxxxxx <xxxxxxxx@xxx.com>"):
    nobody's address. True-positive twin: a real address added to the same forward is still reported."""
    message = email.message_from_bytes(
        (IMAP_TOOLS / "attachment_with_encoded_name.eml").read_bytes(), policy=email.policy.default
    )
    report = scan_message(message)
    assert not any("xxx" in value for value in _values(report, "EMAIL_ADDRESS")), _values(report, "EMAIL_ADDRESS")
    assert any("documentation or masked addresses" in note for note in report.notes), report.notes
    first = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    first.set_content(first.get_content() + "\nPlease send the signed copy to helga.brandt@posteo.de as well.\n")
    assert "helga.brandt@posteo.de" in _values(scan_message(message), "EMAIL_ADDRESS")


def _post(body: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    for name, value in {**headers, "Subject": "a post"}.items():
        message[name] = value
    message.set_content(body)
    return message


# The shapes of a patch tool's test mail (b4's samples) and a mail library's sample (MimeKit's), next to
# the same shapes with a real person's address.
DOCUMENTATION_MAIL = """Partial reroll test.

Fixes: abcdef01234567890
Reviewed-by: Original Reviewer <original-reviewer@example.com>
Tested-by: Quentin Lambert <quentin.lambert@posteo.de>
Signed-off-by: Original Submitter <original-submitter@example.com>

---------- Forwarded message ----------
From: Jane Sender <Jane_Sender@example.com>
To: Joe Recipient <Joe_Recipient@example.com>, build robot <robot@ci.test>, nobody@mail.invalid
Cc: Helga Brandt <helga.brandt@posteo.de>

See the logs on root@localhost.
"""


def test_documentation_addresses_and_their_names_are_not_personal_data() -> None:
    report = scan_message(_post(DOCUMENTATION_MAIL, From="patches@kernel.org", To="tools@kernel.org"))
    emails, names = _values(report, "EMAIL_ADDRESS"), _values(report, "PERSON")
    placeholders = {"original-reviewer@example.com", "original-submitter@example.com", "Jane_Sender@example.com"}
    placeholders |= {"Joe_Recipient@example.com", "robot@ci.test", "nobody@mail.invalid", "root@localhost"}
    assert not emails & placeholders, emails
    fictional = {"Original Reviewer", "Original Submitter", "Jane Sender", "Joe Recipient", "Jane", "Joe"}
    assert not names & fictional, names
    # the detector does find them: the received-mail filter is what leaves them out
    found = {e.text for e in analyze_text(DOCUMENTATION_MAIL) if e.entity_type == "PERSON"}
    assert found & fictional, found
    # true-positive twins: the same trailer and forwarded-header shapes with real addresses
    assert {"quentin.lambert@posteo.de", "helga.brandt@posteo.de"} <= emails, emails
    assert {"Quentin Lambert", "Helga Brandt"} <= names, names


CHANGELOG = """This is the beta release of Linux binutils 2.10.0.18 for Linux.

Changes from binutils 2.10.0.9:

1. Update from binutils 2000 0701. Fix the parallel build.
2. Fix eh_frame.
3. Ann Lee reported the weak symbol bug on her Malta board at 81.2.69.160; fixed.

The gcc-3.0.4.1 snapshot needs version 2.11.92.0.12 or later.

[PATCH 3/2] test: Remove Markdown formatting

Jiaxun Yang (5):
  PCI: pci_ids: Add Loongson IDs
  net: stmmac: pci: Add Loongson GMAC

Reported-by: Huacai Chen
Thanks, Fix
"""


def test_version_numbers_and_changelog_words_are_not_personal_data() -> None:
    """The shapes of a real linux-mips binutils release note and a cover letter's shortlog: versions read
    as IPs, a changelog's "Fix" and a subject's "Add Loongson" read as names. True-positive twins: the
    reporter's name and public IP in a changelog item, the shortlog's author, a trailer's name."""
    headers = {"From": "H. J. Lu <hjl@lucon.org>", "To": "linux-mips@linux-mips.org"}
    report = scan_message(_post(CHANGELOG, **headers, **{"List-Id": "<linux-mips.linux-mips.org>"}))
    ips, names = _values(report, "IP_ADDRESS"), _values(report, "PERSON")
    detected = {e.text for e in analyze_text(CHANGELOG) if e.entity_type in ("IP_ADDRESS", "PERSON")}
    assert "2.10.0.9" in detected or "2.10.0.18" in detected, detected
    assert ips == {"81.2.69.160"}, ips
    assert not names & {"Fix", "Add Loongson", "Add Loongson IDs", "Add Loongson GMAC", "Remove Markdown"}, names
    assert {"Ann Lee", "Jiaxun Yang", "Huacai Chen"} <= names, names
    (note,) = [n for n in report.notes if n.startswith("personal-data in received mail")]
    assert "version numbers" in note
