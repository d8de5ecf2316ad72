"""Every file keyaudit writes, against what a repository or a shared folder can plant at its path (issue #17, class 4).

Writers: `audit --output FILE` and `--output FORMAT=FILE`, `baseline create --output`, `fetch-keys --output`,
`job run --output` (and a job config's `output`), and the key files `fix` rewrites. At each target:
- a symbolic link (to a file, to nowhere, to a folder's file): one line naming the link, exit 2, the link and
  what it points to left as they were, nothing created;
- a read-only file: one line, exit 2, left as it was;
- a writable file: replaced, keeping its permissions; a new file gets the umask's.
When one of several targets is refused, none is written.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml
from helpers.audit import key, write_keys
from helpers.cli import invoke

NOW = "2026-11-25T00:00:00Z"
MANIFEST = "keys:\n  - id: m1\n    name: m1\n    scopes: [documents.read]\n    expire: null\n"
WRITERS = [
    "audit --output",
    "audit --output FORMAT=",
    "baseline create --output",
    "fetch-keys --output",
    "job run --output",
    "job config output",
    "fix FILE",
]


@pytest.fixture
def workspace(tmp_path, monkeypatch, httpserver):
    """(run(writer, target) -> (exit code, stderr), the folder); fix's targets are key manifests."""
    monkeypatch.chdir(tmp_path)
    keys = write_keys(tmp_path, [key("k1", ["documents.read", "users.read"])])
    httpserver.expect_request("/v1/health/version").respond_with_json({"version": "1.9.6"})
    httpserver.expect_request("/v1/project/keys").respond_with_json(
        {"total": 1, "keys": [{"$id": "k1", "name": "n", "scopes": ["users.read"], "expire": ""}]}
    )

    def run(writer, target):
        target = str(target)
        args = {
            "audit --output": ["audit", "--keys", keys, "--now", NOW, "--format", "json", "--output", target],
            "audit --output FORMAT=": ["audit", "--keys", keys, "--now", NOW, "--output", f"sarif={target}"],
            "baseline create --output": ["baseline", "create", "--keys", keys, "--now", NOW, "--output", target],
            "fetch-keys --output": [
                "fetch-keys",
                "--endpoint",
                httpserver.url_for("/v1"),
                "--project",
                "p",
                "--output",
                target,
            ],
            "job run --output": [
                "job",
                "run",
                "--state",
                "state.db",
                "--keys",
                keys,
                "--now",
                NOW,
                "--format",
                "json",
                "--output",
                target,
            ],
            "job config output": ["job", "run", "--job", _job_file(tmp_path, keys, target), "--now", NOW],
            "fix FILE": ["fix", "--appwrite-version", "1.9", target],
        }[writer]
        result = invoke(args, env={"APPWRITE_API_KEY": "k", "KEYAUDIT_DEBUG": None})
        return result.exit_code, result.stderr

    return run, tmp_path


def _job_file(folder, keys, target) -> str:
    config = folder / "job.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state": "state.db",
                "keys": [os.path.relpath(keys, folder)],
                "format": "json",
                "output": os.path.relpath(target, folder),
            }
        )
    )
    return str(config)


def _content(writer) -> str:
    """What the target holds before the run: for fix, a manifest it would change."""
    return MANIFEST if writer == "fix FILE" else '{"old": true}\n'


def _one_line(code, err, fragment):
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("keyaudit: error: ") and fragment in err, err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize(
    "writer, points_to",
    [
        (writer, points_to)
        for writer in WRITERS
        for points_to in ("a file", "nowhere", "a file through a folder")
        if (writer, points_to) != ("fix FILE", "nowhere")
    ],
)  # fix reads its file first: that is a missing key file
def test_a_symbolic_link_at_the_target_is_refused_and_left_alone(workspace, writer, points_to):
    run, folder = workspace
    victim = folder / "victim" / ("keys.yaml" if writer == "fix FILE" else "victim.txt")
    victim.parent.mkdir()
    if points_to != "nowhere":
        victim.write_text(_content(writer))
    link = folder / "out" / ("keys.yaml" if writer == "fix FILE" else "report.out")
    link.parent.mkdir()
    link.symlink_to(victim if points_to != "a file through a folder" else os.path.join("..", "victim", victim.name))
    before = sorted(p.name for p in link.parent.iterdir())
    code, err = run(writer, link)
    _one_line(code, err, f"{link}: is a symbolic link (to ")
    assert err.endswith("keyaudit does not write through links: give the real file's path, or remove the link\n")
    assert link.is_symlink() and sorted(p.name for p in link.parent.iterdir()) == before
    if points_to == "nowhere":
        assert not victim.exists()
    else:
        assert victim.read_text() == _content(writer)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o444, 0o640, 0o604])
def test_a_read_only_target_is_refused_and_a_writable_one_replaced_keeping_its_permissions(workspace, writer, mode):
    run, folder = workspace
    target = folder / ("keys.yaml" if writer == "fix FILE" else "report.out")
    target.write_text(_content(writer))
    target.chmod(mode)
    code, err = run(writer, target)
    if mode == 0o444:
        _one_line(code, err, f"{target}: the file is read-only; keyaudit leaves it as it is")
        assert target.read_text() == _content(writer)
    else:
        assert code in (0, 1), err
        assert target.read_text() != _content(writer) and not target.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("writer", [w for w in WRITERS if w != "fix FILE"])
def test_a_new_target_gets_the_umask_permissions(workspace, writer):
    run, folder = workspace
    umask = os.umask(0o027)
    try:
        code, err = run(writer, folder / "new.out")
    finally:
        os.umask(umask)
    assert code in (0, 1), err
    assert stat.S_IMODE((folder / "new.out").stat().st_mode) == 0o640


def test_one_refused_target_of_several_writes_none(workspace):
    run, folder = workspace
    keys = str(folder / "keys.json")
    (folder / "victim.txt").write_text("victim\n")
    (folder / "b.sarif").symlink_to(folder / "victim.txt")
    result = invoke(["audit", "--keys", keys, "--now", NOW, "--output", "json=a.json", "--output", "sarif=b.sarif"])
    _one_line(result.exit_code, result.stderr, "b.sarif: is a symbolic link")
    assert not (folder / "a.json").exists() and (folder / "victim.txt").read_text() == "victim\n"
    first, second = folder / "one.yaml", folder / "two.yaml"
    first.write_text(MANIFEST)
    second.write_text(MANIFEST)
    second.chmod(0o444)
    result = invoke(["fix", "--appwrite-version", "1.9", str(first), str(second)])
    _one_line(result.exit_code, result.stderr, f"{second}: the file is read-only")
    assert first.read_text() == MANIFEST


def test_a_refused_job_output_ingests_nothing(workspace, tmp_path):
    run, folder = workspace
    (folder / "victim.txt").write_text("victim\n")
    (folder / "report.json").symlink_to(folder / "victim.txt")
    code, err = run("job run --output", folder / "report.json")
    _one_line(code, err, "report.json: is a symbolic link")
    assert not (folder / "state.db").exists()


def test_devices_are_written_as_they_are_and_a_pipe_no_one_reads_fails_at_once(workspace):
    run, folder = workspace
    code, err = run("audit --output", "/dev/null")
    assert code in (0, 1), err
    assert json.loads((folder / "keys.json").read_text())["total"] == 1
    pipe = folder / "report.out"
    os.mkfifo(pipe)
    for writer in WRITERS[:-1]:  # fix's target is a key file
        code, err = run(writer, pipe)
        _one_line(code, err, f"{pipe}: cannot write (No such device or address)")
