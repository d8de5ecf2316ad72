"""The CI recipes in samples/ci/ work as written: their keyaudit commands, run on the samples, exit as CI
expects and write the reports their upload steps name (SARIF valid against the OASIS schema, JUnit parsed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import junitparser
import yaml
from helpers.paths import SAMPLES
from test_report_formats import sarif_validator

RECIPES = SAMPLES / "ci"
FILES_IN_THE_REPOSITORY = ("appwrite.json", "manifest.yaml")  # what the recipes' --keys name, from the samples


def github_workflow() -> dict:
    return yaml.safe_load((RECIPES / "github-actions.yml").read_text())


def gitlab_job() -> dict:
    return yaml.safe_load((RECIPES / "gitlab-ci.yml").read_text())["keyaudit"]


def keyaudit_lines(commands: list[str]) -> list[str]:
    lines = [line for command in commands for line in command.splitlines() if line.startswith("keyaudit ")]
    assert lines, "the recipe runs no keyaudit command"
    return lines


def run_in_a_repository(
    tmp_path: Path, commands: list[str], with_keys: bool = True
) -> list[subprocess.CompletedProcess]:
    """Each command in a shell, in a checkout holding the samples' key files, with this keyaudit on PATH."""
    for name in FILES_IN_THE_REPOSITORY if with_keys else ():
        shutil.copy(SAMPLES / name, tmp_path / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return [
        subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
        for command in commands
    ]


def exit_codes(done: list[subprocess.CompletedProcess]) -> list[int]:
    return [d.returncode for d in done]


def github_commands(steps: list[dict]) -> list[str]:
    return keyaudit_lines([s["run"] for s in steps if "run" in s])


def assert_valid_sarif(path: Path) -> None:
    sarif = yaml.safe_load(path.read_text())  # JSON is YAML
    assert [e.message for e in sarif_validator().iter_errors(sarif)] == []
    assert sarif["runs"][0]["results"]


def test_the_github_workflow_uploads_the_sarif_its_audit_writes(tmp_path):
    workflow = github_workflow()
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["if"] == "success() || failure()"  # findings fail the audit step; they must still be uploaded
    commands = github_commands(steps[: steps.index(upload)])
    assert exit_codes(run_in_a_repository(tmp_path, commands)) == [1] * len(commands)  # the samples hold high findings
    assert_valid_sarif(tmp_path / upload["with"]["sarif_file"])


def test_the_gitlab_job_writes_the_junit_report_and_the_sarif_it_keeps(tmp_path):
    job = gitlab_job()
    commands = keyaudit_lines(job["script"])
    assert exit_codes(run_in_a_repository(tmp_path, commands)) == [1] * len(commands)
    assert job["artifacts"]["when"] == "always"
    junit = junitparser.JUnitXml.fromfile(str(tmp_path / job["artifacts"]["reports"]["junit"]))
    assert junit.failures > 0
    (sarif,) = job["artifacts"]["paths"]
    assert_valid_sarif(tmp_path / sarif)


def test_a_recipe_whose_keys_are_missing_fails_as_bad_input(tmp_path):
    """The same commands without the key files exit 2: a broken recipe is not mistaken for findings."""
    (job,) = github_workflow()["jobs"].values()
    for done in run_in_a_repository(tmp_path, github_commands(job["steps"]), with_keys=False):
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
