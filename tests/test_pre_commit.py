"""The hooks as pre-commit runs them: the real `pre-commit try-repo`, on temporary git repositories.

`try-repo` of a local repository takes its committed HEAD plus `git add -u` of
tracked changes (pre_commit/commands/try_repo.py): untracked files are left out,
so trying a working tree with new files would test stale hooks. The test commits
a copy of exactly what the package build needs to a temporary repository and
tries that: the same on a developer's dirty tree and on CI's clean clone.
pre-commit then pip-installs it into a fresh virtualenv (language: python),
a few seconds per run with PyPI reachable and pip's cache warm.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from helpers.lint import appwrite_json
from helpers.paths import ROOT

BUILD_INPUTS = [
    "pyproject.toml",
    "hatch_build.py",
    "README.md",
    ".pre-commit-hooks.yaml",
    "auditor",
    "schemas",
    "rules",
]
SECRET = "standard_" + "c0ffee" * 42 + "c0ff"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "keyaudit tests",
    "GIT_AUTHOR_EMAIL": "tests@keyaudit.invalid",
    "GIT_COMMITTER_NAME": "keyaudit tests",
    "GIT_COMMITTER_EMAIL": "tests@keyaudit.invalid",
}


def git(cwd, *args):
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )


def commit_all(repo, message):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("keyaudit-hooks")
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_bundled", "_scan.*.so")
            )
        else:
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    commit_all(repo, "keyaudit hooks under test")
    return repo


@pytest.fixture
def project(tmp_path):
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


def try_repo(hook_repo, project, *hook):
    """(exit code, output) of `pre-commit try-repo HOOK_REPO [HOOK] --all-files` in `project`."""
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), *hook, "--all-files"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            **GIT_ENV,
            "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
            "PRE_COMMIT_COLOR": "never",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        },
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_hooks_fail_on_a_deprecated_scope_and_a_committed_secret_then_pass_once_migrated(hook_repo, project):
    """Two try-repo runs (each installs the hook repo afresh, so each costs seconds):
    `keyaudit` alone on the first commit, then every hook on the second."""
    appwrite_json(project / "appwrite.json", ["documents.read"])
    (project / "locales").mkdir()
    (project / "locales" / "keys.yaml").write_text("greeting: Hello\n")  # matches the pattern, holds no keys
    (project / ".env").write_text(f"APPWRITE_ENDPOINT=https://cloud.appwrite.io/v1\nAPPWRITE_API_KEY={SECRET}\n")
    (project / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + SECRET.encode())  # binary: skipped
    (project / "README.md").write_text("Set APPWRITE_API_KEY=standard_[hidden] in .env\n")
    commit_all(project, "a function that reads documents, and a key in .env")
    code, out = try_repo(hook_repo, project, "keyaudit")
    assert code == 1, out
    assert re.search(r"^keyaudit \(Appwrite API key definitions\)\.+Failed$", out, re.M), out
    assert (
        "appwrite.json:9: medium deprecated-scope: documents.read is deprecated in Appwrite 1.9; use rows.read" in out
    )
    # refused, not skipped: one line, and the other files are still judged
    assert re.search(r"^keyaudit: error: locales/keys\.yaml: not a key export.*leave it out", out, re.M), out
    assert SECRET not in out

    appwrite_json(project / "appwrite.json", ["rows.read"])
    (project / "locales" / "keys.yaml").rename(project / "locales" / "strings.yaml")
    commit_all(project, "the function reads rows; the translations no longer look like keys")
    code, out = try_repo(hook_repo, project)
    assert code == 1, out
    assert re.search(r"^keyaudit \(Appwrite API key definitions\)\.+Passed$", out, re.M), out
    assert re.search(r"^keyaudit secrets \(unmasked Appwrite keys\)\.+Failed$", out, re.M), out
    assert re.search(r"^\.env:2: standard key secret \(sha256:[0-9a-f]{12}\)$", out, re.M), out
    assert "logo.png" not in out and "README.md" not in out
    assert SECRET not in out and SECRET[9:41] not in out


def test_hook_file_patterns_pick_key_files():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"keyaudit", "keyaudit-secrets"}
    assert hooks["keyaudit"]["entry"] == "keyaudit lint" and hooks["keyaudit"]["require_serial"] is True
    assert hooks["keyaudit-secrets"]["entry"] == "keyaudit secrets" and "files" not in hooks["keyaudit-secrets"]
    pattern = re.compile(hooks["keyaudit"]["files"])
    for name in [
        "appwrite.json",
        "backend/appwrite.json",
        "samples/keys/keylist.json",
        "samples/manifest.yaml",
        "ops/api-keys.yaml",
        "keys/prod.json",
        "project-keys.yml",
        "infra/appwrite.tf",
        "appwrite/functions.json",  # an appwrite.config.json's includes, where the CLI's docs put them
        "backend/appwrite/sites.json",
    ]:
        assert pattern.search(name), name
    for name in [
        "README.md",
        "package.json",
        "appwrite.json.bak",
        "src/main.py",
        "manifest.json",
        "keys.txt",
        "main.tfvars",
        "src/functions.json",
    ]:
        assert not pattern.search(name), name
