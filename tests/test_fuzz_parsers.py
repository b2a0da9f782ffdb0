"""Property-based fuzzing of every parser between raw bytes and a ScanMessage: the MIME walk, the archive
reader (files and stdin), `dlp check`'s reader, `dlp.scan_message` and the `dlp serve` scan function.

The property is the project's rule for bad input: a message or a clear `InputError`, never another
exception, never a silently lost message. `make test` runs a bounded number of cases (a few seconds);
`make fuzz` runs many more (DLP_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.errors import InputError
from dlp.model import ScanMessage
from dlp.sources.archive import one_message, read_archive, read_bytes
from dlp.sources.email_message import parse_bytes, to_scan_message
from dlp.sources.limits import MB, Limits

EXAMPLES = int(os.environ.get("DLP_FUZZ_EXAMPLES", "0") or 0)
FAST = settings(
    max_examples=EXAMPLES or 60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not EXAMPLES,  # make test: the same cases every run; make fuzz: new ones
)
SCANNING = settings(FAST, max_examples=max(EXAMPLES // 20, 8))  # spaCy runs per case: fewer
LIMITS = Limits(max_message_bytes=1 * MB, max_inflated_bytes=4 * MB, max_inflate_ratio=10)

HEADER_NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding",
                "Content-Disposition", "MIME-Version", "Reply-To", "List-Id", "X-Junk", "Content-Length"]  # fmt: skip
TRICKY_VALUES = [
    "unlisted-recipients:; (no To-header on input)",
    "=?utf-8?q?Anna=0A_Rossi?= <a@b.example>",
    "=?utf-8?b?QW5uYQ0KUm9zc2k=?= <x@y.example>",
    "=?x-unknown?q?abc?=",
    "=?utf-8?b?!!!?=",
    '"Rossi, Anna" <anna@x.example>, undisclosed-recipients:;',
    "multipart/mixed; boundary=",
    'multipart/mixed; boundary="b"',
    'multipart/alternative; boundary="b"',
    "message/rfc822",
    "text/plain; charset=utf-16",
    "text/plain; charset=bogus-8",
    "text/html",
    "application/pdf",
    "base64",
    "quoted-printable",
    "x-uuencode",
    'attachment; filename*=utf-8\'\'%E2%82%AC%ZZ.txt',
    'attachment; filename="=?utf-8?b?!!?="',
    "<a@b> <c@d>",
    "Mon, 32 Foo 99999 25:61:61 +9999",
]  # fmt: skip

header_value = st.one_of(st.sampled_from(TRICKY_VALUES), st.text(max_size=60))
header = st.tuples(st.sampled_from(HEADER_NAMES), header_value).map(lambda nv: f"{nv[0]}: {nv[1]}")
body_line = st.one_of(
    st.sampled_from(["--b", "--b--", "", "From here on", "From a@b.example Mon Jan  1 00:00:00 2024", "=?=", ">From x",
                     "SSN 536-22-8451", "QUJD", "!!!!", "Content-Type: text/plain", "\x00\x01\x02"]),
    st.text(max_size=40),
)  # fmt: skip


@st.composite
def raw_message(draw) -> bytes:
    """A message-shaped byte string: header lines (some the stdlib rejects), a body of boundary-ish lines,
    sometimes nested, sometimes with a broken line ending or raw 8-bit bytes."""
    headers = draw(st.lists(header, max_size=8))
    body = draw(st.lists(body_line, max_size=20))
    nesting = draw(st.integers(0, 3)) * draw(st.sampled_from([1, 1, 40]))
    text = "\n".join(headers) + "\n\n" + "\n".join(body)
    for level in range(nesting):
        text = f'Content-Type: multipart/mixed; boundary="n{level}"\n\n--n{level}\n{text}\n--n{level}--\n'
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n"])))
    return data + draw(st.binary(max_size=30))


THIRD_PARTY = Path(__file__).resolve().parent / "data" / "third_party"
REAL = sorted(
    p
    for folder in ("enmime", "enmime-low-quality", "mime4j-testmsgs", "stalwart-dovecot-malformed")
    for p in (THIRD_PARTY / folder).iterdir()
    if p.name not in ("LICENSE", "COPYING", "SOURCE")
)


@st.composite
def mutated_real(draw) -> bytes:
    """A real third-party message with a few bytes replaced, inserted, deleted or lines repeated."""
    data = bytearray(draw(st.sampled_from(REAL)).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "repeat", "cut"]))
        chunk = draw(
            st.sampled_from([b"\n", b"\r\n", b"--", b"=?", b"?=", b":", b"\x00", b"\xff", b"From ", b"boundary="])
        )
        if action == "replace":
            data[position : position + len(chunk)] = chunk
        elif action == "insert":
            data[position:position] = chunk
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 50))]
        elif action == "repeat":
            line_end = data.find(b"\n", position)
            if line_end > 0:
                data[position:position] = data[position : line_end + 1] * draw(st.integers(2, 30))
        else:
            del data[position:]
    return bytes(data)


any_bytes = st.one_of(raw_message(), mutated_real(), st.binary(max_size=400))


@st.composite
def packaged(draw) -> bytes:
    """One or more messages as an mbox or alone, maybe compressed, maybe truncated."""
    messages = draw(st.lists(any_bytes, min_size=1, max_size=4))
    separator = draw(st.sampled_from([b"From a@b.example Mon Jan  1 00:00:00 2024\n", b"From a@b\n", b""]))
    data = b"".join(separator + m + draw(st.sampled_from([b"\n", b""])) for m in messages)
    wrap = draw(st.sampled_from([None, gzip.compress, bz2.compress, lzma.compress]))
    if wrap is not None:
        data = wrap(data)
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
    return data


FILE_NAMES = ["a.eml", "b.mbox", "c.raw", "d.gz", "msg.1", "cur/x", "Sent/new/y", ".Archive/cur/z"]


def _check_items(items) -> None:
    for item in items:
        assert (item.data is None) != (item.reason is None), item
        if item.data is not None:
            assert len(item.data) <= LIMITS.max_message_bytes + 16


@FAST
@given(raw_message())
def test_mime_walk_never_raises(data: bytes) -> None:
    scan = to_scan_message(parse_bytes(data))
    assert isinstance(scan, ScanMessage)
    assert all("\n" not in value and "\r" not in value for _name, value in scan.headers)
    assert all(isinstance(note, str) for note in scan.notes)


@FAST
@given(mutated_real())
def test_mime_walk_on_mutated_real_mail(data: bytes) -> None:
    scan = to_scan_message(parse_bytes(data))
    assert all("\n" not in value and "\r" not in value for _name, value in scan.headers)


@FAST
@given(st.binary(max_size=2000))
def test_mime_walk_on_any_bytes(data: bytes) -> None:
    assert isinstance(to_scan_message(parse_bytes(data)), ScanMessage)


@FAST
@given(packaged())
def test_stdin_reader_yields_messages_or_reasons(data: bytes) -> None:
    _check_items(read_bytes(data, "<stdin>", LIMITS))


@FAST
@given(packaged())
def test_check_reader_gives_one_message_or_input_error(data: bytes) -> None:
    try:
        item = one_message(data, "<stdin>", LIMITS)
    except InputError as exc:
        assert str(exc)
    else:
        assert item.data is not None


@settings(FAST, max_examples=max(FAST.max_examples // 3, 10))
@given(st.lists(st.tuples(st.sampled_from(FILE_NAMES), packaged()), max_size=4))
def test_archive_reader_accounts_for_every_file(files) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in files:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        items = list(read_archive([root], limits=LIMITS))
        _check_items(items)
        written = {str(root / name) for name, _ in files}
        # every file written is accounted for: read (messages), unreadable or skipped, by its own name
        assert written <= {item.source for item in items}


_SCANNER = None


def _scanner():
    global _SCANNER
    if _SCANNER is None:
        from dlp.api import MessageScanner

        _SCANNER = MessageScanner()
    return _SCANNER


@SCANNING
@given(raw_message())
def test_scan_message_gives_a_verdict(data: bytes) -> None:
    report = _scanner().scan(parse_bytes(data))
    assert report.verdict in ("pass", "warn", "block")


@SCANNING
@given(raw_message())
def test_serve_scan_function_gives_a_verdict(data: bytes) -> None:
    from dlp.serve import scanning

    if not scanning.ready():
        scanning.init_worker([], [])
    outcome = scanning.scan_bytes(data, "a@b.example", ["c@d.example"])
    assert outcome.verdict in ("pass", "warn", "block")


# ---- dlp preflight's parsers: the campaign file, the recipient list, and HTML ------------------------

CAMPAIGN_LINES = [
    "name: t", 'from: "Acme <news@acme.example>"', 'to: "{{ email }}"', 'subject: "Hi {{ first_name }}"',
    "body:", "  text: body.txt.j2", "  html: ../body.html", "recipients: people.csv", "recipients: /dev/zero",
    "attachments:", "  - path: ../../etc/passwd", "  - template: body.txt.j2", "    filename: '{{ ssn }}.txt'",
    "vars: &a {x: [*a]}", "a: &b [1, 2]", "b: [*b, *b, *b]", "syntax: liquid", "syntax: nope", "mode: broadcast",
    "internal_domains: acme.example", "headers: {X-A: '{{ x }}'}", "!!python/object/apply:os.system ['x']",
    "{", "[[[[[[[[", "- - - -", "\t", "name: t\x00", "key: \ufeff", "rules: [../rules.yaml]", "from:", "",
]  # fmt: skip
CSV_CELLS = ["first_name", "email", "Anna", "anna@example.org", '"', '""', "=HYPERLINK(1)", "\ufeff", "\x00",
             "J\xf6rg", "a" * 300, "", " ", ";", "\t", "\r", "\n", "536-22-8451", "Email Address", "FNAME"]  # fmt: skip


@FAST
@given(st.lists(st.sampled_from(CAMPAIGN_LINES), max_size=14))
def test_campaign_loader_gives_a_campaign_or_input_error(lines: list[str]) -> None:
    from dlp.campaign import load_campaign

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        (Path(folder) / "body.txt.j2").write_text("Hi {{ first_name }}\n", encoding="utf-8")
        (Path(folder) / "people.csv").write_text("first_name,email\nAnna,anna@example.org\n", encoding="utf-8")
        try:
            campaign = load_campaign(path)
            list(campaign.recipient_list())
        except InputError as exc:
            assert str(exc) and exc.path


@FAST
@given(st.lists(st.lists(st.sampled_from(CSV_CELLS), max_size=5), max_size=6), st.sampled_from([",", ";", "\t"]))
def test_recipient_list_gives_rows_or_input_error_naming_the_file(rows: list[list[str]], sep: str) -> None:
    from dlp.recipients import RecipientList

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "people.csv"
        path.write_bytes("\n".join(sep.join(row) for row in rows).encode("utf-8", "surrogatepass"))
        try:
            for recipient in RecipientList(path):
                assert recipient.row >= 1
        except InputError as exc:
            assert exc.path == str(path) or str(path) in str(exc)


HTML_PIECES = ["<div>", "</div>", "<p>", "<!--", "-->", "<![endif]", "<input type=hidden value='x'>", "<b>", "</b>",
               "<table><tr><td>", "</td>", "<template>", "</template>", "<noscript>", "<script>", "</script>", "&amp;",
               "&#x0;", "&#99999999;", "<title>", "536-22-8451", "<", ">", "\x00", "\udcff", "<svg><text>",
               "]]>"]  # fmt: skip


@FAST
@given(st.lists(st.sampled_from(HTML_PIECES), max_size=60), st.integers(0, 3000))
def test_html_text_extraction_never_raises(pieces: list[str], depth: int) -> None:
    from dlp.htmltext import all_links, hidden_text, visible_text

    markup = "<div>" * depth + "".join(pieces) + "</div>" * depth
    assert isinstance(visible_text(markup), str)
    assert isinstance(hidden_text(markup), str)
    assert isinstance(all_links("", markup), list)
