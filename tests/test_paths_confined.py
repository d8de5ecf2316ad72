"""Paths written inside inputs never make keyaudit read or write outside what the user named.

Every input names paths that lead elsewhere (appwrite.json function paths and commands, `$schema`, baseline
entries' files, a log's request paths, a usage row's path, a Terraform `file()` call, a job config's patterns
through `..`, absolute paths and symbolic links). Every command runs over them in a child process that
records, with a Python audit hook, every file it opens, renames, removes, lists or connects SQLite to; then
nothing under the folder beside the workspace was touched, and every write went to a file the command line or
the job config named (or a temporary sibling of it, or the state's lock).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

RECORDER = r"""
import json, os, sys
from click.testing import CliRunner
events, recording = [], False
WATCHED = {"open", "os.rename", "os.replace", "os.remove", "os.unlink", "os.rmdir", "os.mkdir", "os.chmod",
           "os.symlink", "os.link", "os.truncate", "os.listdir", "os.scandir", "glob.glob", "sqlite3.connect",
           "shutil.copyfile", "shutil.rmtree"}

def hook(event, args):
    if recording and event in WATCHED:
        events.append([event, [a if isinstance(a, (str, int)) or a is None else os.fsdecode(a)
                               if isinstance(a, (bytes, os.PathLike)) else repr(a) for a in args]])

sys.addaudithook(hook)
from auditor.cli.main import cli
runs = []
for args in json.loads(sys.argv[1]):
    recording, events = True, []
    result = CliRunner().invoke(cli, args)
    recording = False
    runs.append({"args": args, "exit": result.exit_code, "stderr": result.stderr[-400:], "events": events})
print(json.dumps(runs))
"""

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _workspace(root: Path) -> None:
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for keyaudit\n")
    (outside / "secret.jsonl").write_text('{"key": "k1", "method": "GET", "path": "/v1/users"}\n')
    (outside / "keys.json").write_text('{"keys": []}')
    work = root / "work"
    (work / "in").mkdir(parents=True)
    (work / "out").mkdir()
    up = "../../outside"
    files = {
        "appwrite.json": json.dumps(
            {
                "$schema": f"{up}/schema.json",
                "projectId": "shop",
                "functions": [
                    {
                        "$id": "fn1",
                        "name": "fn",
                        "path": f"{up}",
                        "entrypoint": f"{up}/secret.txt",
                        "scopes": ["documents.read"],
                        "commands": f"cat {up}/secret.txt",
                        "ignore": ["/etc/passwd"],
                    }
                ],
                "sites": [{"$id": "s1", "path": "/etc", "scopes": ["sites.read"]}],
            }
        ),
        "keys.json": json.dumps(
            {
                "$schema": "/etc/passwd",
                "keys": [
                    {"$id": "k1", "name": "n", "scopes": ["users.read"], "expire": None, "sdks": [f"{up}/secret.txt"]}
                ],
            }
        ),
        "manifest.yaml": f"$schema: {up}/schema.json\nkeys:\n  - id: m1\n    name: m\n    scopes: [documents.read]\n"
        f"    expire: null\n    purpose: see {up}/secret.txt\n",
        "main.tf": 'resource "appwrite_project_key" "ci" {\n  name   = "ci"\n'
        '  project_id = file("../../outside/secret.txt")\n'
        '  scopes = ["users.read"]\n  expire = null\n}\n'
        'module "m" {\n  source = "../../outside"\n}\n',
        "calls.jsonl": "".join(
            json.dumps({"key": "k1", "method": "GET", "path": p}) + "\n"
            for p in (f"/v1/{up}/secret.txt", "file:///etc/passwd", "/v1/users/..%2F..%2Fetc%2Fpasswd")
        ),
        "usage.csv": f"key,method,path,count,first_seen,last_seen\nk1,GET,{up}/secret.txt,1,,\n",
        "baseline.json": json.dumps(
            {
                "baselineVersion": 1,
                "tool": "keyaudit",
                "createdAt": "2026-11-25T00:00:00Z",
                "findings": [
                    {"fingerprint": "a" * 64, "rule": "no-expiry", "file": f"{up}/secret.txt"},
                    {"fingerprint": "b" * 64, "rule": "no-expiry", "file": "/etc/shadow"},
                ],
            }
        ),
        "config.yaml": f"$schema: {up}/schema.json\nexceptions:\n  - {{rule: no-expiry, key: k1, "
        f"reason: {up}/secret.txt, owner: /etc/passwd, expires: 2027-01-31}}\n",
    }
    for name, text in files.items():
        (work / "in" / name).write_text(text)
    job = work / "job"
    (job / "logs").mkdir(parents=True)
    (job / "keys.json").write_text(files["keys.json"])
    (job / "logs" / "a.jsonl").write_text(files["calls.jsonl"])
    (job / "job.yaml").write_text(
        "state: state.db\nkeys: [keys.json]\nlogs: ['logs/*.jsonl']\noutput: report.json\nformat: json\n"
    )
    for name, settings in {
        "up": "logs: ['../../outside/secret.jsonl']",
        "absolute": f"keys: ['{outside}/keys.json']",
        "glob-up": "logs: ['../../outside/*.jsonl']",
        "state-up": "state: ../../outside/s.db",
        "output-up": "output: ../../outside/report.json",
    }.items():
        text = (job / "job.yaml").read_text()
        key = settings.split(":")[0]
        lines = [line for line in text.splitlines() if not line.startswith(key + ":")]
        (job / f"job-{name}.yaml").write_text("\n".join(lines + [settings]) + "\n")
    linked = work / "linked"
    (linked / "logs").mkdir(parents=True)
    (linked / "keys.json").write_text(files["keys.json"])
    os.symlink(outside, linked / "logs" / "elsewhere")
    os.symlink(outside / "secret.jsonl", linked / "logs" / "link.jsonl")
    (linked / "job.yaml").write_text("state: state.db\nkeys: [keys.json]\nlogs: ['logs/*.jsonl']\n")
    (linked / "job-dir.yaml").write_text("state: state.db\nkeys: [keys.json]\nlogs: ['logs/elsewhere/*.jsonl']\n")


def _commands() -> list[tuple[list[str], tuple[int, ...]]]:
    keys = [
        arg for name in ("keys.json", "appwrite.json", "manifest.yaml", "main.tf") for arg in ("--keys", f"in/{name}")
    ]
    now = ["--now", "2026-11-25T00:00:00Z"]
    return [
        (
            [
                "audit",
                *keys,
                "--logs",
                "in/calls.jsonl",
                "--usage",
                "in/usage.csv",
                "--baseline",
                "in/baseline.json",
                "--config",
                "in/config.yaml",
                "--output",
                "out/report.json",
                "--output",
                "html=out/report.html",
                *now,
            ],
            (0, 1),
        ),
        (["explain", "k1", *keys, "--logs", "in/calls.jsonl", *now], (0,)),
        (
            [
                "lint",
                "in/keys.json",
                "in/appwrite.json",
                "in/manifest.yaml",
                "in/main.tf",
                "--baseline",
                "in/baseline.json",
                *now,
            ],
            (0, 1),
        ),
        (["baseline", "create", "--output", "out/baseline.json", "in/appwrite.json", "in/main.tf", *now], (0,)),
        (
            ["fix", "--appwrite-version", "1.9", "in/appwrite.json", "in/manifest.yaml", "--logs", "in/calls.jsonl"],
            (0,),
        ),
        (["validate", "in/keys.json", "in/appwrite.json", "in/manifest.yaml", "in/main.tf", "in/config.yaml"], (0, 1)),
        (["secrets", "in/keys.json", "in/appwrite.json", "in/calls.jsonl"], (0,)),
        (["catalog", "lookup", "--input", "in/calls.jsonl"], (0,)),
        (["rules", "--config", "in/config.yaml"], (0,)),
        (["job", "run", "--job", "job/job.yaml", *now], (0, 1)),
        (["job", "report", "--state", "job/state.db"], (0,)),
        *[
            (["job", "run", "--job", f"job/job-{name}.yaml", *now], (2,))
            for name in ("up", "absolute", "glob-up", "state-up", "output-up")
        ],
        (["job", "run", "--job", "linked/job.yaml", *now], (2,)),
        (["job", "run", "--job", "linked/job-dir.yaml", *now], (2,)),
    ]


def _writes(event: str, args: list) -> list[str]:
    if event == "open":
        path, mode, flags = (args + [None, None, None])[:3]
        if not isinstance(path, str):
            return []
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS):
            return [path]
        return []
    if event in ("os.rename", "os.replace", "os.symlink", "os.link"):
        return [a for a in args[:2] if isinstance(a, str)]
    if event == "sqlite3.connect" and isinstance(args[0], str) and "mode=ro" in args[0]:
        return []
    if event in (
        "os.remove",
        "os.unlink",
        "os.rmdir",
        "os.mkdir",
        "os.chmod",
        "os.truncate",
        "shutil.rmtree",
        "sqlite3.connect",
    ):
        return [a for a in args[:1] if isinstance(a, str)]
    return []


def _path(arg) -> str | None:
    """A recorded argument as a file path (SQLite's `file:` URIs included), or None."""
    if not isinstance(arg, str) or not arg or arg.startswith("<"):
        return None
    return unquote(arg[5:].split("?", 1)[0]) if arg.startswith("file:") else arg


def test_no_command_reads_or_writes_outside_what_the_user_named(tmp_path):
    _workspace(tmp_path)
    work, outside = tmp_path / "work", (tmp_path / "outside").resolve()
    commands = _commands()
    proc = subprocess.run(
        [sys.executable, "-c", RECORDER, json.dumps([args for args, _ in commands])],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "KEYAUDIT_DEBUG"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(proc.stdout)
    allowed_writes = [
        work / "out",
        work / "in" / "appwrite.json",
        work / "in" / "manifest.yaml",
        work / "job",
        work / "linked" / "state.db",
    ]
    problems = []
    for run, (_, codes) in zip(runs, commands):
        if run["exit"] not in codes or "internal error" in run["stderr"]:
            problems.append((run["args"][:3], "exit", run["exit"], run["stderr"]))
        for event, args in run["events"]:
            for arg in map(_path, args):
                if arg:
                    path = (work / arg).resolve() if not os.path.isabs(arg) else Path(arg).resolve()
                    if path == outside or outside in path.parents:
                        problems.append((run["args"][:3], "touched outside", event, arg))
            for written in map(_path, _writes(event, args)):
                path = (work / written).resolve()
                if not any(
                    path == place
                    or place in path.parents
                    or (path.parent == place.parent and path.name.startswith((place.name, ".keyaudit-")))
                    for place in allowed_writes
                ):
                    problems.append((run["args"][:3], "wrote", event, written))
    assert problems == [], "\n".join(map(str, problems))
    assert (outside / "secret.txt").read_text() == "not for keyaudit\n"
    assert sorted(p.name for p in outside.iterdir()) == ["keys.json", "secret.jsonl", "secret.txt"]
