"""The README is a user's page, and every command it shows must work: this test fails when it drifts.

The fenced `sh` blocks are run: each `dlp` command in them is executed in-process from the project root
(on the bundled examples), and a trailing `# exit N` comment is the exit code it must give. `dlp serve`
(it needs an upstream) is only checked for its options. Every option of every `dlp` command shown must
exist, every `make` target, every file and link, every `DLP_*` variable; the YAML shown must validate;
the rule table must be the catalogue.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

import dlp
from dlp.checks import load_ruleset
from dlp.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
NOT_RUN = {"serve"}  # needs an upstream SMTP server; its options are still checked
runner = CliRunner()


def blocks(lang: str, text: str = README) -> list[str]:
    return [body for info, body in FENCE.findall(text) if info.strip().split(" ")[0] == lang]


def shell_commands(text: str = README) -> list[tuple[list[str], int | None, str]]:
    """(argv, expected exit code or None, the line) of each command in the sh blocks; `a && b` gives a."""
    out = []
    for body in blocks("sh", text):
        for line in body.replace("\\\n", " ").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            expected = re.search(r"#\s*exit (\d)", line)
            argv = shlex.split(line, comments=True)
            if "&&" in argv:
                argv = argv[: argv.index("&&")]
            out.append((argv, int(expected.group(1)) if expected else None, line.strip()))
    return out


def dlp_commands() -> list[tuple[list[str], int | None, str]]:
    return [c for c in shell_commands() if c[0] and c[0][0] == "dlp"]


def resolve(argv: list[str]) -> tuple[Any, list[str]]:
    """The (click) command a `dlp ...` argv runs, and the arguments left for it."""
    command = typer.main.get_command(app)
    args = argv[1:]
    while getattr(command, "commands", None) and args and not args[0].startswith("-"):
        sub = command.commands.get(args[0])
        assert sub is not None, f"README shows `dlp {' '.join(argv[1:])}`: no such command '{args[0]}'"
        command, args = sub, args[1:]
    return command, args


def test_the_readme_starts_with_make_demo_and_make_test() -> None:
    first = blocks("sh")[0]
    assert first.splitlines()[0].startswith("make demo") and first.splitlines()[1].startswith("make test")
    assert README.index("make demo") < README.index("## ")


def test_every_dlp_command_and_option_shown_exists() -> None:
    shown = dlp_commands()
    assert len(shown) >= 10
    for argv, _, line in shown:
        command, args = resolve(argv)
        known = {"--help", "-h"} | {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        for arg in args:
            if arg.startswith("-") and arg != "-":
                assert arg.split("=")[0] in known, f"README: `{line}`: dlp has no option {arg}"
    subcommands = {" ".join(a[1:3]) if a[1] == "rules" else a[1] for a, _, _ in shown}
    assert {"preflight", "check", "audit", "serve", "preview", "rules list", "rules show"} <= subcommands


@pytest.mark.parametrize(
    ("argv", "expected", "line"),
    [c for c in dlp_commands() if c[0][1] not in NOT_RUN],
    ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else "",
)
def test_each_readme_command_runs_on_the_bundled_examples(
    argv: list[str], expected: int | None, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = list(argv[1:])
    stdin = None
    if "<" in args:
        at = args.index("<")
        stdin = (ROOT / args[at + 1]).read_bytes()
        del args[at : at + 2]
    for flag in ("-o", "--output"):
        if flag in args:  # the report goes to a scratch folder, not into the checkout
            at = args.index(flag) + 1
            args[at] = str(tmp_path / Path(args[at]).name)
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == (expected if expected is not None else 0), (line, result.output, result.stderr)
    assert "Traceback" not in result.output
    for flag in ("-o", "--output"):
        if flag in args:
            assert Path(args[args.index(flag) + 1]).stat().st_size > 0, line


def test_make_targets_files_links_and_variables_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"`?make ([a-z][a-z-]*)", README)):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"README mentions `make {target}`"
    paths = set(re.findall(r"`((?:examples|docs|rules|dlp|tests|scripts)/[^`\s]*)`", README))
    paths |= {p for p in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README)}
    paths |= {"Dockerfile", ".pre-commit-hooks.yaml"}
    for path in paths:
        assert (ROOT / path.rstrip("/")).exists(), f"README names {path}, which does not exist"
    slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", README, re.M)}
    for anchor in re.findall(r"\]\(#([^)]+)\)", README):
        assert anchor in slugs, f"README links to #{anchor}, which is no heading"
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "dlp").rglob("*.py"))
    for variable in set(re.findall(r"\bDLP_[A-Z_]+", README)):
        assert variable in source, f"README documents {variable}, which dlp does not read"


def test_the_yaml_shown_is_what_dlp_accepts(tmp_path: Path) -> None:
    shown = blocks("yaml")
    campaign = next(b for b in shown if b.startswith("# examples/lease-contract/campaign.yaml"))
    real = yaml.safe_load((ROOT / "examples/lease-contract/campaign.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(campaign) == real, "the README's campaign differs from examples/lease-contract"
    rules_files = [b for b in shown if b.startswith(("rules:", "allowlist:", "vocabulary:"))]
    assert rules_files
    for i, body in enumerate(rules_files):
        path = tmp_path / f"rules{i}.yaml"
        path.write_text(body, encoding="utf-8")
        load_ruleset([path])  # raises InputError (exit 2) if the README shows a bad rules file


def test_the_python_shown_uses_the_real_api() -> None:
    code = "\n".join(blocks("python"))
    for name in set(re.findall(r"\bdlp\.([a-z_]+)\(", code)):
        assert callable(getattr(dlp, name)), f"README calls dlp.{name}, which does not exist"
    for attribute in set(re.findall(r"\breport\.([a-z_]+)", code)):
        assert hasattr(dlp.Report, attribute) or attribute in dlp.Report.__dataclass_fields__, attribute


def test_the_rule_table_is_the_catalogue() -> None:
    rows = re.findall(r"^\| \[`([a-z-]+)`\]\(docs/rules/([a-z-]+)\.md\) \| (\w+) \|", README, re.MULTILINE)
    catalogue = load_ruleset([])
    assert {r for r, _, _ in rows} == set(catalogue.rules)
    for rule_id, page, severity in rows:
        assert page == rule_id
        assert severity == catalogue.rules[rule_id].severity.value, rule_id


def test_no_development_machine_numbers_in_the_readme() -> None:
    """Benchmarks and goals live in docs/performance.md; a user's page carries no msg/s or MiB figures."""
    assert not re.search(r"\d\s*(?:msgs?/s|messages/s|MiB|x naive)", README)


def test_links_between_the_docs_pages_resolve() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to {target}, which is missing"


def test_the_first_scan_output_shown_is_what_dlp_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report excerpt under "First scan" is real: each line shown (but the "(…)" asides) is a line
    `dlp preflight` prints at 80 columns, and the summary's counts are the run's."""
    section = README[README.index("## First scan") :]
    shown = next(body for info, body in FENCE.findall(section) if not info.strip())
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["preflight", "examples/lease-contract/campaign.yaml"], env={"COLUMNS": "80"})
    assert result.exit_code == 1, result.output
    printed = {line.rstrip() for line in result.output.splitlines()}
    summary = next(line for line in result.output.splitlines() if line.startswith("Summary:"))
    for line in shown.splitlines():
        if line.startswith(" (") or not line.strip():
            continue  # an aside
        if line.startswith("Summary:"):
            assert line.partition(" findings")[0] == summary.partition(" findings")[0], (line, summary)
            continue
        assert line.rstrip() in printed, f"README shows a report line dlp does not print: {line!r}"
