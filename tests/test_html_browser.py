"""The HTML report opened in a real browser (Debian's chromium, headless): the DOM a reader gets, a
screenshot, and a printed PDF. `.ci/run` installs chromium where it is missing; without any browser these
tests skip and say why."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import EXAMPLES

from dlp.api import preflight
from dlp.model import Report
from dlp.reporters import OutputFormat, render_text

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


BROWSER = _browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium browser on PATH (chromium, chromium-browser, google-chrome): `apt-get install chromium` "
    "(.ci/run does this where it can)",
)


def _run(*args: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    assert BROWSER is not None
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",  # root in CI containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, timeout=180, check=False)


class _Dom(HTMLParser):
    """The rendered DOM as a list of (tag, attributes, text inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.elements: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": {k: v or "" for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in ("br", "meta", "img", "input", "link", "hr"):
            self.stack.append((tag, element))  # type: ignore[arg-type]

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _tag, element in self.stack:
            element["text"] += data  # type: ignore[index]

    def find(self, tag: str | None = None, cls: str | None = None, id: str | None = None) -> list[dict]:
        out = []
        for element in self.elements:
            if tag and element["tag"] != tag:
                continue
            if cls and cls not in element["attrs"].get("class", "").split():
                continue
            if id and element["attrs"].get("id") != id:
                continue
            out.append(element)
        return out


@pytest.fixture(scope="module")
def lease() -> Report:
    return preflight(EXAMPLES / "lease-contract" / "campaign.yaml")


@pytest.fixture(scope="module")
def page(lease: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_text(lease, OutputFormat.HTML), encoding="utf-8")
    return path


def _raw_values() -> list[str]:
    rows = (EXAMPLES / "lease-contract" / "customers.csv").read_text(encoding="utf-8").splitlines()[1:]
    values = []
    for row in rows:
        cells = row.split(",")
        values += [cells[0], cells[3], cells[4], cells[8], f"{cells[1]} {cells[2]}"]
    return values


def test_report_is_self_contained(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert "@import" not in html and not re.search(r"url\(", html)
    assert "<script" not in html.lower()


def test_rendered_dom_is_a_compliance_record_with_one_card_per_problem(
    page: Path, lease: Report, tmp_path: Path
) -> None:
    run = _run("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")[-2000:]
    dom_text = run.stdout.decode("utf-8")
    dom = _Dom()
    dom.feed(dom_text)

    assert dom.find(id="verdict")[0]["text"].strip() == "BLOCK — do not send"
    assert dom.find(id="campaign-name")[0]["text"].strip() == "Lease agreement copies"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 \(UTC\)", dom.find(id="scanned-at")[0]["text"].strip())
    assert dom.find(id="dlp-version")[0]["text"].strip()
    rules_files = dom.find(id="rules-files")[0]["text"]
    assert "default.yaml" in rules_files and re.search(r"sha256 [0-9a-f]{64}", rules_files)

    cards = dom.find("section", cls="card")
    assert len(cards) == len(lease.problems) == 4
    for card in cards:
        assert card["attrs"]["data-messages"] == "6" and card["attrs"]["data-recipients"] == "6"
        assert "6 messages, 6 recipients (rows 1-6)" in card["text"]
    first = cards[0]["text"]
    assert "lease.txt.j2:7:16" in first and "Date of birth: {{ date_of_birth }}" in first

    leaks = dom.find("mark", cls="leak")
    assert len(leaks) == 4 and all(re.fullmatch(r"[0-9*/ -]+", m["text"].strip()) for m in leaks)
    assert dom.find("div", cls="preview")[0]["text"].count("As row 1 reads it") == 1
    details = dom.find("details", cls="affected")
    assert len(details) == 4 and not any("open" in d["attrs"] for d in details)  # collapsed until asked
    assert "a***@example.com" in details[0]["text"]
    leaked = [v for v in _raw_values() if v in dom_text]
    assert leaked == []


def test_screenshot_and_printed_pdf(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run = _run(
        "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "p1"
    )
    assert run.returncode == 0 and shot.exists(), run.stderr.decode("utf-8", "replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1600) and len(data) > 20_000  # a drawn page, not a blank one
    if os.environ.get("DLP_SCREENSHOT_TO"):  # for a human to look at after the run
        shutil.copyfile(shot, os.environ["DLP_SCREENSHOT_TO"])

    pdf = tmp_path / "report.pdf"
    run = _run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), profile=tmp_path / "p2")
    assert run.returncode == 0 and pdf.exists(), run.stderr.decode("utf-8", "replace")[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_audit_page_says_found_in_past_sends(tmp_path: Path) -> None:
    from email.message import EmailMessage

    from dlp.audit import audit

    msg = EmailMessage()
    msg["From"] = "billing@shop.example"
    msg["To"] = "customer@example.org"
    msg["Subject"] = "Receipt"
    msg["Message-ID"] = "<r-1@shop.example>"
    msg.set_content("Charged to card 4111 1111 1111 1111.\n")
    (tmp_path / "sent.eml").write_bytes(msg.as_bytes())
    page = tmp_path / "audit.html"
    page.write_text(render_text(audit([str(tmp_path / "sent.eml")], []), OutputFormat.HTML), encoding="utf-8")
    run = _run("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    dom = _Dom()
    dom.feed(run.stdout.decode("utf-8"))
    assert dom.find(id="verdict")[0]["text"].strip() == "BLOCK — personal data found in past sends"
    assert "do not send" not in run.stdout.decode("utf-8")
    assert "4111 1111 1111 1111" not in run.stdout.decode("utf-8")
