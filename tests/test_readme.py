"""Every example in the README validates, and the README's commands are the ones CI runs."""

import json
import re

from auditor.validation.validate_file import validate_path
from conftest import ROOT

README = (ROOT / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_yaml_examples_validate(tmp_path):
    examples = blocks("yaml")
    assert len(examples) == 2
    for index, text in enumerate(examples):
        path = tmp_path / f"example-{index}.yaml"
        path.write_text(text)
        report = validate_path(str(path), None, None)
        assert report.unreadable is None and report.errors == 0, (text, report.messages)
        assert report.kind in ("manifest", "config")


def test_call_log_examples_validate(tmp_path):
    (text,) = blocks("json")
    path = tmp_path / "example.jsonl"
    path.write_text(text)
    assert all(isinstance(json.loads(line), dict) for line in text.splitlines())
    report = validate_path(str(path), None, None)
    assert report.kind == "call-log" and report.errors == 0, report.messages


def test_ci_runs_the_readme_test_command():
    commands = [line for line in blocks("sh")[1].splitlines() if line.strip()]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text()
