"""The conventions users expect of a CLI: --version, -h, a clear exit 2 for a bad output path or an empty
list. Run in-process with Typer's CliRunner (no spaCy start-up per test) except where noted."""

from __future__ import annotations

from pathlib import Path

from conftest import SIMPLE_CAMPAIGN, write_campaign
from typer.testing import CliRunner

from dlp import __version__
from dlp.cli import app

runner = CliRunner()

CAMPAIGN = SIMPLE_CAMPAIGN


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"dlp {__version__}"


def test_short_help_works_on_the_app_and_its_commands() -> None:
    for args in (["-h"], ["preflight", "-h"], ["rules", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage:" in result.output, args


def test_header_only_recipient_list_is_exit_2_not_pass(campaign_dir: Path) -> None:
    path = write_campaign(
        campaign_dir, CAMPAIGN, {"body.txt.j2": "Hi {{ first_name }}\n", "people.csv": "first_name,email\n"}
    )
    result = runner.invoke(app, ["preflight", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert "people.csv" in result.stderr and "no data rows" in result.stderr
    assert "PASS" not in result.output


def test_output_into_a_missing_folder_is_a_clear_exit_2(campaign_dir: Path, tmp_path: Path) -> None:
    path = write_campaign(
        campaign_dir,
        CAMPAIGN,
        {"body.txt.j2": "Hi {{ first_name }}\n", "people.csv": "first_name,email\nAnna,anna@example.org\n"},
    )
    target = tmp_path / "no-such-folder" / "report.json"
    result = runner.invoke(app, ["preflight", str(path), "--format", "json", "-o", str(target)])
    assert result.exit_code == 2
    assert "cannot write the report" in result.stderr and "report.json" in result.stderr
    assert "internal error" not in result.stderr


def test_names_and_tokens_are_not_a_language() -> None:
    """A To header of names or a column of hex tokens is no language: an English-only campaign must not
    print "German text was checked with patterns only" (it did for the bundled survey and newsletter)."""
    from dlp.detect.languages import detect_language

    names = "Anna Meyer <anna.meyer@example.com>, Ben Olsen <ben@example.net>, Jörg Brandt, Ute Kühn, Lars Vogel"
    tokens = "\n\n".join(["e6bcd5b0bc77c1c7", "d1b6b1be37ed3fd0", "cb097488531f1c39", "83cd7f4e97bc4459"] * 5)
    assert detect_language(names) == "en"
    assert detect_language(tokens) == "en"
    assert detect_language("Wir freuen uns, dass Sie bei uns sind, und danken Ihnen für die Treue.") == "de"
