"""Precision on ordinary real mail (issue 13): nothing falsely blocked, weak patterns need evidence.

Each false-positive class found on real list mail has a regression test on a real-looking snippet AND a
true-positive twin, so a filter cannot pass by being over-broad: the driver's licence after "driver's
license" is still found, the card after "card number:", the password value itself.
"""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from dlp.api import analyze_text, scan_message
from dlp.audit import audit
from dlp.checks import load_ruleset
from dlp.checks.scope import ScanScope
from dlp.model import Severity
from dlp.pipeline import Scanner
from dlp.sources.email_message import parse_bytes, to_scan_message

THIRD_PARTY = Path(__file__).parent / "data" / "third_party"
# Real mail judged clean by hand (mailing lists, parser fixtures built from real messages): see SOURCE files.
CLEAN_CORPORA = ("ponymail", "mime4j", "imap_tools", "enmime", "stalwart-dovecot")
MAX_BLOCKED_SHARE = 0.005


def _messages(corpus: Path) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name in ("SOURCE", "LICENSE") or path.name.startswith(("COPYING", "LICENSE")):
            continue
        if path.suffix == ".mbox":
            box = mailbox.mbox(str(path), create=False)
            out.extend((f"{path.name}#{i}", box.get_bytes(key)) for i, key in enumerate(box.keys(), 1))
        else:
            out.append((path.name, path.read_bytes()))
    return out


def test_clean_real_mail_is_not_blocked() -> None:
    """Every clean real message, scanned in process as `dlp audit` scans it (one audit per corpus)."""
    ruleset = load_ruleset([])
    total = 0
    blocked: list[str] = []
    for name in CLEAN_CORPORA:
        raw = _messages(THIRD_PARTY / name)
        messages = [to_scan_message(parse_bytes(data), index=i, source=label) for i, (label, data) in enumerate(raw, 1)]
        total += len(messages)
        report = Scanner.create(ruleset, ScanScope(rules=ruleset, source=name), workers=0).scan(messages)
        for finding in report.findings:
            if finding.severity == Severity.BLOCK:
                places = [finding.location, *finding.also_at]
                blocked.extend(
                    f"{name}/{p.source or 'archive'}: {finding.rule} {finding.entity_type or ''}" for p in places
                )
    assert total >= 160
    assert len(blocked) / total < MAX_BLOCKED_SHARE, blocked


# -- detection: each false-positive class and its true twin ------------------------------------------------

KERNEL_PULL = (
    "Anton Blanchard (5):\n"
    "      powerpc/p1022: Add probing for individual DMA channels\n"
    "      net: e1000e: fix the x86 and arm64 driver build (i386 too)\n"
    "      drivers/net/dsa/mt7530.c: b53 driver for v5 boards\n"
)
GIT_DIFF = (
    "diff --git a/drivers/net/e1000e/netdev.c b/drivers/net/e1000e/netdev.c\n"
    "index 4111111111111111..4012888888881881 100644\n"
    "--- a/drivers/net/e1000e/netdev.c\n"
)
RECEIPT = (
    "Thanks for your order!\nOrder number: 112440298311906, delivery 09/27\nTotal: $23.50, shipped to your home.\n"
)
TRACKING_URL = "Track it here: https://shop.example/track?id=5454545454545454&lang=en\n"
KERNEL_LOG = (
    "[ 1234.567890] e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex\n"
    "[12345.678901] usb 1-1: new high-speed USB device number 2 using ehci-pci\n"
)
VERSION_TEXT = "We upgraded ActiveMQ to version 5.15.9.1 and the client to v2.0.0.1 last week.\n"
# Spock and Kotlin test names (with spaces) and Python frames: spaCy reads them as names.
STACK_TRACE = (
    "Build failed:\njava.lang.AssertionError: expected 200\n"
    "\tat com.acme.checkout.CheckoutSpec.Guest Checkout Works(CheckoutSpec.groovy:57)\n"
    "\tat UserTest.Jason Miller logs in(UserTest.kt:12)\n"
    "\tat org.spockframework.runtime.SpockRuntime.verify(SpockRuntime.java:88)\n"
    '  File "/srv/app/steps.py", line 41, in Maria Rossi\n'
)
GPL_FOOTER = (
    " * You should have received a copy of the GNU General Public License\n"
    " * along with this program; if not, write to the Free Software Foundation, Inc.,\n"
    " * 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA.\n"
)
CONFIG_DUMP = "ldap.userDn=cn=root\nldap.password=password\nldap.context.factory=com.sun.jndi.ldap.LdapCtxFactory\n"

FALSE_POSITIVES = [
    ("US_DRIVER_LICENSE", KERNEL_PULL),
    ("CREDIT_CARD", GIT_DIFF),
    ("CREDIT_CARD", RECEIPT),
    ("CREDIT_CARD", TRACKING_URL),
    ("PHONE_NUMBER", KERNEL_LOG),
    ("IP_ADDRESS", VERSION_TEXT),
    (
        "IP_ADDRESS",
        "RCS file: /cvs/linux/arch/mips/lasat/setup.c,v\nretrieving revision 1.1.2.5\ndiff -u -r1.1.2.5 setup.c\n"
        "--- arch/mips/lasat/setup.c\t6 Oct 2002 11:38:14 -0000\t1.1.2.5\n",
    ),  # a CVS diff's revisions
    ("IP_ADDRESS", "+\tset_c0_status(STATUSF_IP2 | STATUSF_IP6);\n+}\n-- \n1.7.7.3\n"),  # git's signature
    ("PERSON", STACK_TRACE),
    ("STREET_ADDRESS", GPL_FOOTER),
    ("PHONE_NUMBER", GPL_FOOTER),
    ("CREDENTIAL", CONFIG_DUMP),
    ("PHONE_NUMBER", "X-Virus-Scanned: ClamAV 0.91.2/5229/Mon Dec 24 07:36:55 2007 on mail12.example.net\n"),
    ("PHONE_NUMBER", "# HG changeset patch\n#      Wed Jan 18 23:34:35 2017 -0500\n"),
    # a linux-mips reply quoting /proc/iomem: the end of a memory range read as a Spanish NIF
    # a linux-mips post's corporate signature: the company's own account, with its VAT and register
    (
        "IBAN_CODE",
        "A division of Sony Service Centre (Europe) N.V.\nVAT BE 0413.825.160 · RPR Brussels\n"
        "Fortis Bank Zaventem · Swift GEBABEBB08A · IBAN BE39001382358619\n",
    ),
    ("ES_NIF", ">> # cat /proc/iomem\n>> 01100000-027189c7 : System RAM\n>>    01100000-0145528f : Kernel code\n"),
]

TRUE_TWINS = [
    ("US_DRIVER_LICENSE", "D1234567", "Please confirm your driver's license number: D1234567 before pickup.\n"),
    ("CREDIT_CARD", "4012888888881881", "Your card number 4012888888881881 was declined.\n"),
    ("CREDIT_CARD", "5454 5454 5454 5454", "Charged to 5454 5454 5454 5454 on 3 May.\n"),
    ("CREDIT_CARD", "4111111111111111", "Anna Rossi;4111111111111111;09/27;Milano\n"),
    ("CREDIT_CARD", "378282246310005", "Please use 378282246310005 for the test payment.\n"),
    ("PHONE_NUMBER", "+44 20 7946 0958", "Call me on +44 20 7946 0958 after six.\n"),
    ("PHONE_NUMBER", "415.555.0100", "Call 415.555.0100 tomorrow.\n"),
    ("IP_ADDRESS", "203.0.113.45", "A new sign-in to your account from IP address 203.0.113.45 was detected.\n"),
    ("IP_ADDRESS", "81.2.69.160", "Thanks, it works now.\n--\n81.2.69.160 is the gateway I log in from\n"),
    ("PERSON", "Maria Rossi", "Thanks for the quick fix.\n\nRegards,\nMaria Rossi\n"),
    ("PERSON", "Peter Parker", "\tat org.apache.Foo.bar(Foo.java:1)\nCaused by: java.io.IOException: Peter Parker\n"),
    (
        "STREET_ADDRESS",
        "742 Evergreen Terrace, Springfield, IL 62704",
        "Ship it to 742 Evergreen Terrace, Springfield, IL 62704.\n",
    ),
    ("CREDENTIAL", "s3cr3t!x", "ldap.userDn=cn=root\nldap.password=s3cr3t!x\nldap.url=ldap://localhost:389\n"),
    ("ES_NIF", "12345678Z", "Mi NIF es 12345678Z, para la factura.\n"),
    (
        "IBAN_CODE",
        "BE39001382358619",
        "Please refund the customer: IBAN BE39001382358619, Swift GEBABEBB08A.\n\n--\nVAT BE 0413.825.160\n",
    ),
]


@pytest.mark.parametrize(
    ("entity_type", "text"), FALSE_POSITIVES, ids=[f"{e}-{i}" for i, (e, _t) in enumerate(FALSE_POSITIVES)]
)
def test_false_positive_class_is_not_reported(entity_type: str, text: str) -> None:
    found = [(e.text, e.score) for e in analyze_text(text) if e.entity_type == entity_type and e.score >= 0.5]
    assert found == []


@pytest.mark.parametrize(("entity_type", "value", "text"), TRUE_TWINS, ids=[t[0] for t in TRUE_TWINS])
def test_true_twin_is_still_reported(entity_type: str, value: str, text: str) -> None:
    found = [e.text for e in analyze_text(text) if e.entity_type == entity_type and e.score >= 0.5]
    assert found == [value]


# -- received-mail semantics of the checks -----------------------------------------------------------------


def _received(body: str, *, to: str = "Anna Rossi <anna.rossi@gmail.com>", html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Piet Jansen <piet@lists-member.example>"
    msg["To"] = to
    msg["Subject"] = "Re: build failure"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def _rules(report, rule: str) -> list:
    return [f for f in report.findings if f.rule == rule]


def test_template_error_skips_binary_parts_and_code_in_received_mail() -> None:
    msg = _received(
        "See the template below.\n\n```\nHello {{ user.first_name }},\n```\n\n    {% for x in items %}\n",
        html="<p>The Angular snippet:</p><pre>{{ item.name | uppercase }}</pre><code>{{x}}</code>",
    )
    noise = b".snd\x00\x00\x00\x18{{ \x01\x02 }}\xff\xfe%%ab%%\x00*|FNAME|*" * 40
    msg.add_attachment(noise, maintype="audio", subtype="basic")
    assert _rules(scan_message(msg), "template-error") == []


def test_template_error_still_fires_on_a_received_leftover_tag() -> None:
    report = scan_message(_received("Hi {{ first_name }},\n\nyour parcel is on its way.\n"))
    [finding] = _rules(report, "template-error")
    assert finding.severity == Severity.BLOCK and "jinja" in finding.message


ROLE_ADDRESSES = [
    "majordomo@vger.kernel.org",
    "dev@ponymail.apache.org",
    "users@kafka.apache.org",
    "noreply@github.com",
    "no-reply@accounts.google.com",
    "notifications@github.com",
    "linux-kernel-owner@vger.kernel.org",
    "linuxppc-dev-request@lists.ozlabs.org",
    "postmaster@example.net",
    "mailer-daemon@googlemail.com",
    "security@apache.org",
    "announce@apache.org",
]
FORWARDED_BLOCK = "\n".join(
    f"> From: Someone {i} <person{i}@gmail.com>\n> Message-ID: <20200101{i:04d}.1287719462.camel@host{i}>"
    for i in range(12)
)


def test_bulk_personal_data_counts_people_not_roles_lists_or_headers() -> None:
    body = "Please write to one of these instead:\n" + "\n".join(ROLE_ADDRESSES) + "\n\n" + FORWARDED_BLOCK + "\n"
    msg = _received(body)
    msg["List-Id"] = "<dev.ponymail.apache.org>"
    assert _rules(scan_message(msg), "bulk-personal-data") == []


def test_bulk_personal_data_still_counts_a_list_of_people() -> None:
    people = [
        f"{first}.{last}@gmail.com"
        for first, last in zip(
            [
                "anna",
                "marco",
                "giulia",
                "luca",
                "sara",
                "paolo",
                "elena",
                "franco",
                "chiara",
                "davide",
                "irene",
                "pietro",
            ],
            [
                "rossi",
                "bianchi",
                "verdi",
                "neri",
                "gallo",
                "costa",
                "greco",
                "conti",
                "rizzo",
                "moretti",
                "fabbri",
                "marini",
            ],
            strict=True,
        )
    ]
    report = scan_message(_received("Here is the export you asked for:\n" + "\n".join(people) + "\n"))
    [finding] = _rules(report, "bulk-personal-data")
    assert finding.severity == Severity.BLOCK and finding.count == 12


def _mbox(path: Path, messages: list[bytes]) -> Path:
    path.write_bytes(
        b"".join(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n" + m.rstrip(b"\n") + b"\n\n" for m in messages)
    )
    return path


def _raw(to: bytes, body: bytes, day: int) -> bytes:
    return (
        b"From: service@telco.example\nTo: " + to + b"\nSubject: Your contract\n"
        b"Date: Mon, " + str(day).encode() + b" Jan 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\n\n" + body
    )


def test_shared_address_ignores_quoted_greetings_and_encodings_of_one_name(tmp_path: Path) -> None:
    archive = _mbox(
        tmp_path / "inbox.mbox",
        [
            _raw(b"=?iso-8859-1?Q?Jos=E9_Garc=EDa?= <jose@mail.example>", b"Dear Jos\xc3\xa9,\n\nyour contract.\n", 1),
            _raw(b"Jos\xe9 Garc\xeda <jose@mail.example>", b"Hello,\n\nyour invoice.\n", 2),
            _raw(b"JOSE GARCIA <jose@mail.example>", b"Thanks!\n\nOn Monday Marco wrote:\n> Hi Marco,\n> see you\n", 3),
            _raw(b"<jose@mail.example>", b"Thanks.\n\n> Hi Marco Bianchi,\n> the meeting moved.\n", 4),
        ],
    )
    assert _rules(audit([archive]), "shared-address") == []


def test_shared_address_skips_a_lists_own_address(tmp_path: Path) -> None:
    """linux-mips posts To the list under many display names ("Linux/MIPS Development", "mipslist",
    "linux-mips"): the list robot's Sender (or List-Id) says the list is the addressee, not a person."""
    names = [b"Linux/MIPS Development", b"mipslist", b"Linux MIPS"]
    archive = _mbox(
        tmp_path / "list.mbox",
        [
            _raw(name + b" <linux-mips@linux-mips.org>\nSender: linux-mips-bounce@linux-mips.org", b"Hi all,\n", day)
            for day, name in enumerate(names, 1)
        ],
    )
    assert _rules(audit([archive]), "shared-address") == []


def test_shared_address_still_finds_two_customers_on_one_mailbox(tmp_path: Path) -> None:
    archive = _mbox(
        tmp_path / "inbox.mbox",
        [
            _raw(b"<dummy@mail.example>", b"Gentile Anna Rossi,\n\nin allegato il contratto.\n", 1),
            _raw(b"<dummy@mail.example>", b"Gentile Marco Bianchi,\n\nin allegato il contratto.\n", 2),
        ],
    )
    [finding] = _rules(audit([archive]), "shared-address")
    assert finding.extra["people"] == 2


def test_shared_address_reads_initials_as_the_same_person(tmp_path: Path) -> None:
    """linux-mips mail reaches one maintainer as "Greg Kroah-Hartman" and as "Greg KH", another as "Thomas
    Bogendoerfer" and "T. Bogendoerfer": initials of the other form's words are one person (as the given
    name alone already is). Twin: initials that do not fit ("Greg KH" and "Greg Kowalski") are two."""
    same = [
        (b"Greg Kroah-Hartman <greg@kroah.example>", b"Hi Greg,\n\nplease apply.\n"),
        (b"Greg KH <greg@kroah.example>", b"Hi ALL,\n\nplease apply.\n"),
        (b"Thomas Bogendoerfer <tsbogend@franken.example>", b"Hello,\n"),
        (b"T. Bogendoerfer <tsbogend@franken.example>", b"Hello,\n"),
    ]
    two = [(b"Greg KH <greg@kroah.example>", b"Hello,\n"), (b"Greg Kowalski <greg@kroah.example>", b"Hello,\n")]
    one, other = (
        _mbox(tmp_path / f"{name}.mbox", [_raw(to, body, day) for day, (to, body) in enumerate(pairs, 1)])
        for name, pairs in (("same", same), ("two", two))
    )
    assert _rules(audit([one]), "shared-address") == []
    [finding] = _rules(audit([other]), "shared-address")
    assert finding.extra["people"] == 2
