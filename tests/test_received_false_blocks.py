"""Clean received mail that was blocked (docs/real-mail.md): each class has a test on real or realistic input
and a true-positive twin that still blocks, so no fix passes by switching a rule off.

- a `git request-pull` changelog and shortlog credit contributors; a pasted customer list still blocks;
- a shell script pasted with two spaces of indent is code, not leftover `${VAR}` merge tags; a leftover
  `{{ first_name }}` or `*|FNAME|*` in a sentence next to it still fires;
- numbers in machine-written header lines in a body (MimeKit's issue358 (mimekit-exchange): an Exchange anti-spam report
  pushed into the body by a broken fold) are no French INSEE number, and a bounce's returned anti-spam
  headers (sisimai's Office 365 bounce) carry no phone numbers; the same id or phone in a sentence blocks;
- one person written "Last, First" or in raw UTF-7 is one person at a mailbox, not two;
- an anonymised bounce's `example.co.jp` mailboxes and IPs read as phones are nobody's personal data.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from email.message import EmailMessage
from pathlib import Path

from dlp.api import scan_message
from dlp.audit import audit
from dlp.checks.readable import code_paragraph_lines, readable_text
from dlp.model import Part, PartKind, Severity, Verdict

THIRD_PARTY = Path(__file__).parent / "data" / "third_party"


def _mail(body: str, *, sender: str = "David Miller <davem@davemloft.net>", to: str = "torvalds@linux-foundation.org"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "[GIT] Networking"
    msg.set_content(body)
    return msg


def _blocks(report, rule: str) -> list:
    return [f for f in report.findings if f.rule == rule and f.severity == Severity.BLOCK]


# -- 1. shortlog and changelog credits -------------------------------------------------------------------

CHANGELOG = """
1) BPF speculation prevention and BPF_JIT_ALWAYS_ON, from Alexei
   Starovoitov.

2) Fix TX DMA map/unmap on older iwlwifi devices, from Emmanuel
   Grumbach.

3) From wrong AF family when requesting sock diag modules, from
   Andrii Vladyka.

4) Don't add new ipv6 routes attached to the null_entry, from Wei
   Wang.

5) Some SCTP sockopt length fixes from Marcelo Ricardo Leitner.

6) Don't leak when removing VLAN ID 0, from Cong Wang.

7) Hey there's a potential leak in ipv6_make_skb() too, from Eric
   Dumazet.

8) Fix module type in sock_diag_bind, thanks to Daniel Borkmann, Jakub Kicinski
   and John Fastabend.

Please pull, thanks a lot.

The following changes since commit ef7f8cec80a0ba7bd00ece46844c8994117dc910:

  Merge git://git.kernel.org/pub/scm/linux/kernel/git/davem/net (2018-01-08 20:21:39 -0800)

----------------------------------------------------------------
Alexei Starovoitov (3):
      selftests/bpf: fix test_align
      bpf: prevent out-of-bounds speculation

Kalle Valo <kvalo@codeaurora.org> (1):
      Merge ath-current from git://git.kernel.org/.../kvalo/ath.git

Kornilios Kourtis (1):
      doc: clarification about setting SO_ZEROCOPY

Loic Poulain (1):
      wcn36xx: Fix dynamic power saving

Madalin Bucur (1):
      of_mdio: avoid MDIO bus removal when a PHY is missing

Mathieu Xhonneux (1):
      ipv6: sr: fix TLVs not being copied using setsockopt

Mike Rapoport (1):
      docs-rst: networking: wire up msg_zerocopy

Sergei Shtylyov (2):
      SolutionEngine771x: fix Ether platform data

Yuval Mintz (1):
      mlxsw: pci: Wait after reset before accessing HW

2018-01-09  Nicolai Stange  <nstange@suse.de>

	* net/ipv4/raw.c: emulate READ_ONCE() on ->hdrincl.

 -- Xiongfeng Wang <wangxiongfeng2@huawei.com>  Tue, 09 Jan 2018 10:00:00 +0800
"""

CUSTOMERS = [
    ("Anna Rossi", "anna.rossi@gmail.com", "+39 347 123 4567"),
    ("Marco Bianchi", "marco.bianchi@libero.it", "+39 333 765 4321"),
    ("Giulia Verdi", "giulia.verdi@yahoo.it", "+39 340 222 3344"),
    ("Luca Ferrari", "luca.ferrari@gmail.com", "+39 348 555 6677"),
    ("Sara Esposito", "sara.esposito@hotmail.it", "+39 349 888 9900"),
    ("Paolo Romano", "paolo.romano@gmail.com", "+39 346 111 2233"),
    ("Chiara Colombo", "chiara.colombo@tiscali.it", "+39 345 444 5566"),
    ("Davide Ricci", "davide.ricci@gmail.com", "+39 342 777 8899"),
    ("Elena Marino", "elena.marino@virgilio.it", "+39 341 000 1122"),
    ("Matteo Greco", "matteo.greco@gmail.com", "+39 339 333 4455"),
    ("Francesca Bruno", "francesca.bruno@alice.it", "+39 338 666 7788"),
    ("Andrea Gallo", "andrea.gallo@gmail.com", "+39 337 999 0011"),
]


def test_a_pull_requests_changelog_and_shortlog_credit_contributors_and_do_not_block() -> None:
    report = scan_message(_mail(CHANGELOG))
    assert _blocks(report, "bulk-personal-data") == []


def test_a_pasted_customer_list_in_received_mail_still_blocks() -> None:
    rows = "\n".join(f"{name}, {address}, {phone}" for name, address, phone in CUSTOMERS)
    body = "Hi,\n\nhere is the export you asked for, thanks to Anna for pulling it:\n\n" + rows + "\n\nCheers\n"
    [finding] = _blocks(scan_message(_mail(body, sender="Piet Jansen <piet@acme-shop.it>")), "bulk-personal-data")
    assert finding.count >= 12


def test_credited_rows_still_count_their_addresses() -> None:
    """A credit word before each name does not hide the row's contact data: "from Anna Rossi." is credited,
    her address on the same row is still one of twelve people's."""
    rows = "\n".join(f"{i}) Refund request from {n}. Reply to {a}" for i, (n, a, _p) in enumerate(CUSTOMERS, 1))
    [finding] = _blocks(scan_message(_mail(rows, sender="Piet Jansen <piet@acme-shop.it>")), "bulk-personal-data")
    assert finding.extra["email_addresses"] == 12


# -- 2. pasted code is not a leftover merge tag ------------------------------------------------------------

SCRIPT = """The gcc command line is something like

  TEST_DIR="."

  CHANGED_DIR_NAME=changed
  CHANGED_FILES_DIR=${TEST_DIR}/${CHANGED_DIR_NAME}

  CICU_HEADER_FILES="-I ${AP_INTERFACE_FILES} -I ${AP_APP_FILES} -I
${SHARED_COMMON_FILES} -I ${SHARED_INTERFACE_FILES}"

  HEADERS="-I ./ -I ${CHANGED_FILES_DIR} ${CICU_HEADER_FILES}"

  printf "Compiling the UUT File\\n"
  gcc -fprofile-arcs -ftest-coverage ${CFLAGS} ${HEADERS} ${DEFINES}
${AP_APP_FILES}/unitUnderTest.cpp

and the workflow step that runs it:

  - name: build
    run: make CC=${{ matrix.cc }} OUT=$(pwd)/out
    env:
      TOKEN: ${{ secrets.TOKEN }}
      IMAGE: "{{ .Values.image }}"

I hope this explanation is clear.

Thanks
Joe
"""


def test_shell_and_ci_snippets_pasted_with_two_spaces_are_code_not_merge_tags() -> None:
    report = scan_message(_mail(SCRIPT, sender="Joe <joe@mindcrime.example.org>", to="help-gcc@gnu.org"))
    assert [f for f in report.findings if f.rule == "template-error"] == []


def test_a_leftover_tag_in_a_sentence_next_to_the_code_still_fires() -> None:
    body = "Hi {{ first_name }},\n\n" + SCRIPT + "\nDear *|FNAME|*, your parcel ships today.\n"
    found = {f.message.split(" in ")[0] for f in _blocks(scan_message(_mail(body)), "template-error")}
    assert found == {"leftover merge syntax (jinja)", "leftover merge syntax (mailchimp)"}


def test_code_paragraphs_are_judged_as_a_whole() -> None:
    lines = [
        "Hello ${first_name}, welcome aboard.",  # prose: a leftover tag, no code signs
        "",
        "  gcc -c ${CFLAGS} -o main.o \\",
        "${SRC}/main.c",  # not code-shaped alone, but half of a code paragraph
        "",
        "Thanks, see you soon",
    ]
    assert code_paragraph_lines(lines) == {2, 3}
    part = Part(PartKind.TEXT, "body.text", "\n".join(lines))
    assert "${first_name}" in readable_text(part) and "${SRC}" not in readable_text(part)


# -- 3. machine-written header lines in a body --------------------------------------------------------------


def _real(folder: str, name: str) -> EmailMessage:
    data = (THIRD_PARTY / folder / name).read_bytes()
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def test_an_exchange_anti_spam_report_in_a_body_holds_no_national_id() -> None:
    """MimeKit issue358: the unindented continuation of x-microsoft-exchange-diagnostics ends the header,
    so x-microsoft-antispam's `RULEID:(...)(201702281549075)` is body text; it read as a French INSEE
    number and its `SFS:(...)(5640700003)` tokens as phone numbers."""
    report = scan_message(_real("mimekit-exchange", "issue358.txt"))
    assert [f for f in report.findings if f.rule == "sensitive-data"] == []
    assert [f for f in report.findings if f.entity_type == "PHONE_NUMBER"] == []
    assert any("machine-written header lines" in note for note in report.notes)


def test_a_national_id_or_phone_in_a_sentence_after_the_same_headers_still_blocks() -> None:
    msg = _real("mimekit-exchange", "issue358.txt")
    body = msg.get_body(("plain",))
    assert body is not None
    body.set_content(
        "Numéro de sécurité sociale : 1 85 05 78 006 084 91\n"
        "X-Forefront-Antispam-Report: SFV:NSPM;SFS:(10019020)(5640700003)(201702281549075);DIR:OUT;\n"
        "Appelez-moi au 06 12 34 56 78.\n"
    )
    report = scan_message(msg)
    assert [f.entity_type for f in _blocks(report, "sensitive-data")] == ["FR_INSEE"]
    phones = [f for f in report.findings if f.entity_type == "PHONE_NUMBER"]
    assert [f.value for f in phones] == ["06 12 34 56 78"]


def test_a_bounces_returned_anti_spam_headers_do_not_turn_a_placeholder_warning_into_a_block() -> None:
    """sisimai's Office 365 bounce, addressed to a reserved-domain sender: the returned message's
    X-Forefront-Antispam-Report numbers were read as phone numbers, so placeholder-address blocked."""
    report = scan_message(_real("sisimai", "lhost-office365-04.eml"))
    placeholder = [f for f in report.findings if f.rule == "placeholder-address"]
    assert placeholder and all(f.severity == Severity.WARN for f in placeholder)
    assert report.verdict != Verdict.BLOCK


def test_a_bounce_that_carries_a_real_phone_number_still_blocks_its_placeholder() -> None:
    msg = _real("sisimai", "lhost-office365-04.eml")
    msg.replace_header("Subject", "Undeliverable: call me back on +44 20 7946 0958 please")
    placeholder = [f for f in scan_message(msg).findings if f.rule == "placeholder-address"]
    assert placeholder and all(f.severity == Severity.BLOCK for f in placeholder)


# -- 4. shared-address: one person in a directory's "Last, First" form or in raw UTF-7 ------------------------


def _archive(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "sent.mbox"
    box = mailbox.mbox(path)
    for i, name in enumerate(names):
        raw = (
            f'From: Doug Sauder <doug@hunnysoft.de>\nTo: "{name}" <mueller@hunnysoft.de>\nSubject: Your contract\n'
            f"Date: Mon, 0{i + 1} May 2000 10:00:00 +0200\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\n\nplease find your contract attached.\n"
        )
        box.add(raw.encode("ascii"))
    box.flush()
    return path


def test_last_first_and_raw_utf7_forms_of_one_name_are_one_person(tmp_path: Path) -> None:
    """Hunnysoft's Netscape sample writes "Heinz M+APw-ller" (UTF-7, raw) where the others write "Heinz
    Müller"; sisimai's Domino bounce has "Neko, Nyaan" beside "Neko"."""
    names = ["Heinz =?iso-8859-1?Q?M=FCller?=", "Heinz M+APw-ller", "M+APw-ller, Heinz", "Heinz"]
    report = audit([_archive(tmp_path, names)])
    assert [f for f in report.findings if f.rule == "shared-address"] == []


def test_two_people_in_last_first_form_on_one_mailbox_are_still_two(tmp_path: Path) -> None:
    report = audit([_archive(tmp_path, ["Rossi, Anna", "Bianchi, Marco", "M+APw-ller, Heinz", "Anna Rossi"])])
    [finding] = [f for f in report.findings if f.rule == "shared-address"]
    assert finding.extra["people"] == 3


# -- 5. personal-data warnings on bounces (sisimai's anonymised bounce collection) ----------------------------

BOUNCE = """This is the mail system at host mx.libsisimai.example.

   ----- The following addresses had permanent fatal errors -----
<kijitora@neko.example.co.jp>
    (reason: 550 5.1.1 Requested action not taken: mailbox unavailable)

SMTP error from remote server for TEXT command, host: smtp-in.orange.fr (193.252.22.65) reason: 550 5.2.0
Connected to 98.136.96.74 but sender was rejected.

   ----- Original message -----
From: Kijitora <kijitora@neko.example.co.jp>
To: {rcpt}
Subject: Nyaan
"""


def test_an_anonymised_bounce_warns_on_no_example_mailbox_and_no_ip_read_as_a_phone() -> None:
    report = scan_message(_mail(BOUNCE.format(rcpt="sabatora@example.ne.jp"), sender="MAILER-DAEMON@mx.jp.example"))
    personal = [f for f in report.findings if f.rule == "personal-data"]
    assert [f for f in personal if f.entity_type in ("EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON")] == []


def test_a_real_mailbox_in_the_same_bounce_is_still_reported() -> None:
    report = scan_message(_mail(BOUNCE.format(rcpt="Anna Rossi <anna.rossi@example-shop.de>"), sender="x@mx.jp"))
    emails = {f.value for f in report.findings if f.rule == "personal-data" and f.entity_type == "EMAIL_ADDRESS"}
    assert emails == {"anna.rossi@example-shop.de"}


WRAPPED_TRACE = """Original message headers:

Received: from SG2APC01FT048.eop-APC01.prod.protection.outlook.com
(10.152.250.59) by SG2APC01HT234.eop-APC01.prod.protection.outlook.com
(10.152.251.159) with Microsoft SMTP Server (version=TLS1_2,
cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384) id 15.20.1771.16; Wed, 17 Apr
2019 06:05:17 +0000
X-Microsoft-Antispam: BCL:0;PCL:0;RULEID:(7020095)(201702061078)(5061506573
)(5061507331)(1603103135)(2017031320274)(1601125500)(1701031045);SRVR:SG2APC01HT099;
{sentence}
"""


def test_returned_headers_wrapped_without_indent_carry_no_phone_numbers() -> None:
    """Outlook's bounces print the returned headers wrapped at 78 columns with no indent (sisimai's
    lhost-office365-12): `id 15.20.1771.16` and `)(5061507331)(1603103135)` read as phone numbers."""
    report = scan_message(_mail(WRAPPED_TRACE.format(sentence=""), sender="postmaster@outlook.com"))
    assert [f.value for f in report.findings if f.entity_type == "PHONE_NUMBER"] == []


def test_a_persons_sentence_right_after_returned_headers_is_still_read() -> None:
    body = WRAPPED_TRACE.format(sentence="Please call me back at +44 20 7946 0958 about this")
    report = scan_message(_mail(body, sender="postmaster@outlook.com"))
    assert [f.value for f in report.findings if f.entity_type == "PHONE_NUMBER"] == ["+44 20 7946 0958"]


def test_the_remote_hosts_ip_in_a_bounce_is_a_relay_and_a_clients_ip_in_prose_is_not() -> None:
    """qmail and a DSN's Remote-System name the server that refused the mail (sisimai's bounces)."""
    body = (
        "<neko@libsisimai.org>:\n52.101.68.24 failed after I sent the message.\n"
        "Connected to 98.136.96.74 but sender was rejected.\n"
        "Remote system: dns;mx.libsisimai.org (TCP|17.111.174.67|47323|192.0.2.225|25)\n\n"
        "My home router is 81.2.69.160 if that helps.\n"
    )
    ips = [
        f.value
        for f in scan_message(_mail(body, sender="MAILER-DAEMON@mx.libsisimai.org")).findings
        if f.rule == "personal-data" and f.entity_type == "IP_ADDRESS"
    ]
    assert ips == ["81.2.69.160"]
