"""Where users install and run dlp: the package metadata, the Dockerfile, the pre-commit hooks and the CI
example. The hooks and the CI script are shell around the real `dlp` binary, so they run as processes
here (the process boundary is the point: exit codes through `sh`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DISTRIBUTION = PYPROJECT["project"]["name"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # this checkout's dlp
    env.setdefault("DLP_FINGERPRINT_KEY", "dlp-test-key-not-secret")
    env["HOME"] = str(tmp_path)
    return env


def test_the_distribution_is_not_the_unrelated_dlp_and_installs_the_dlp_command() -> None:
    assert DISTRIBUTION == "maildlp"
    assert PYPROJECT["project"]["scripts"] == {"dlp": "dlp.cli:main"}
    shipped = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped == {"rules": "dlp/_rules", "docs/rules": "dlp/_docs/rules"}


def test_the_dockerfile_copies_what_the_wheel_needs_and_installs_the_distribution() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set()
    for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.MULTILINE):
        *sources, _ = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
            copied.add(source)
    shipped = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert {"pyproject.toml", "README.md", "dlp", *shipped} <= copied
    assert re.search(rf"pip install [^\n]*--no-index[^\n]* {DISTRIBUTION}\b", dockerfile)
    assert 'ENTRYPOINT ["dlp"]' in dockerfile


def _hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def test_pre_commit_hooks_pick_the_right_files() -> None:
    hooks = _hooks()
    assert set(hooks) == {"dlp-preflight", "dlp-check"}
    preflight, check = re.compile(hooks["dlp-preflight"]["files"]), re.compile(hooks["dlp-check"]["files"])
    assert preflight.search("campaigns/spring/campaign.yaml") and preflight.search("campaign.yml")
    assert not preflight.search("campaign.yaml.bak") and not preflight.search("my-campaign.yaml")
    assert check.search("fixtures/welcome.eml") and not check.search("welcome.eml.txt")
    for hook in hooks.values():
        assert hook["language"] == "python"  # pre-commit installs this repository, so `dlp` is on PATH


def test_pre_commit_hooks_fail_the_commit_on_block_and_on_bad_input(tmp_path: Path) -> None:
    import shlex

    hooks = _hooks()
    check = shlex.split(hooks["dlp-check"]["entry"])
    run = subprocess.run(
        [*check, "examples/pre-send/leaky-message.eml"], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True
    )
    assert run.returncode == 1, run.stderr
    assert "BLOCK" in run.stdout + run.stderr
    preflight = shlex.split(hooks["dlp-preflight"]["entry"])
    run = subprocess.run(
        [*preflight, "no/such/campaign.yaml"], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True
    )
    assert run.returncode == 2 and "campaign.yaml" in run.stderr


def test_ci_script_scans_every_campaign_writes_sarif_and_exits_with_the_worst(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "DLP_SARIF_DIR": str(tmp_path / "sarif")}
    script = ROOT / "docs/ci/dlp-preflight-all.sh"
    campaigns = ["examples/lease-contract/campaign.yaml", "examples/newsletter/campaign.yaml"]
    run = subprocess.run(["sh", str(script), *campaigns], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "examples/lease-contract/campaign.yaml: BLOCK" in run.stdout
    assert "examples/newsletter/campaign.yaml: pass" in run.stdout
    lease = json.loads((tmp_path / "sarif/examples_lease-contract.sarif").read_text(encoding="utf-8"))
    newsletter = json.loads((tmp_path / "sarif/examples_newsletter.sarif").read_text(encoding="utf-8"))
    assert lease["version"] == "2.1.0"
    assert {r["ruleId"] for r in lease["runs"][0]["results"]} >= {"sensitive-data"}
    assert not [r for r in newsletter["runs"][0]["results"] if r.get("level") == "error"]

    run = subprocess.run(["sh", str(script), "examples/no-such/campaign.yaml"], cwd=ROOT, env=env, capture_output=True)
    assert run.returncode == 2


def test_the_github_workflow_runs_the_script_uploads_sarif_always_and_installs_the_distribution() -> None:
    workflow = yaml.safe_load((ROOT / "docs/ci/github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["preflight"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert f"pip install {DISTRIBUTION}" in runs and "dlp-preflight-all.sh" in runs
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()"
    assert upload["with"]["sarif_file"] == next(s for s in steps if "env" in s)["env"]["DLP_SARIF_DIR"]
    assert workflow["permissions"]["security-events"] == "write"
