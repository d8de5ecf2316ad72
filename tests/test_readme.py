"""Every example in the README validates, and the README's commands are the ones CI runs."""

import json
import re

import yaml
from helpers.paths import ROOT

from auditor.validation.schemas import violations
from auditor.validation.validate_file import validate_path

README = (ROOT / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_yaml_examples_validate(tmp_path):
    kinds = []
    for index, text in enumerate(blocks("yaml")):
        if re.search(r"^state:", text, re.M):  # a job config, checked against its own schema
            assert violations(yaml.safe_load(text), "job.schema.json", None) == [], text
            kinds.append("job")
            continue
        path = tmp_path / f"example-{index}.yaml"
        path.write_text(text)
        report = validate_path(str(path), None, None)
        assert report.unreadable is None and report.errors == 0, (text, report.messages)
        kinds.append(report.kind)
    assert sorted(kinds) == ["config", "config", "config", "job", "manifest"]


def test_call_log_examples_validate(tmp_path):
    (text,) = blocks("json")
    path = tmp_path / "example.jsonl"
    path.write_text(text)
    assert all(isinstance(json.loads(line), dict) for line in text.splitlines())
    report = validate_path(str(path), None, None)
    assert report.kind == "call-log" and report.errors == 0, report.messages


def test_node_recorder_snippet_is_the_tested_fixture():
    (snippet,) = blocks("js")
    assert snippet == (ROOT / "tests/fixtures/recorder/record-calls.mjs").read_text()


def test_python_recorder_snippet_compiles():
    (snippet,) = blocks("python")
    compile(snippet, "README.md", "exec")
    assert "from auditor.recorder import record_calls" in snippet


def test_ci_runs_the_readme_test_command():
    commands = [line for line in blocks("sh")[1].splitlines() if line.strip()]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text()
