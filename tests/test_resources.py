"""parsed-data.json: the package's YAML data as parsed values, so that a run imports no PyYAML for it; never
stale in effect (a file edited since is parsed from its YAML) and kept fresh by this test."""

import yaml

from auditor import resources


def test_parsed_data_is_fresh():
    assert resources.main(["--check"]) == 0, f"run {resources.REGENERATE}"


def test_every_data_file_reads_as_its_yaml_says():
    paths = sorted(resources.data_dir("rules").rglob("*.yaml"))
    assert len(paths) > 20
    for path in paths:
        assert resources.load_data_yaml(path) == yaml.safe_load(path.read_text()), path


def test_a_data_file_edited_since_the_bundle_is_read_from_its_yaml(monkeypatch):
    path = resources.data_dir("rules") / "taxonomy" / "scope-risk.yaml"
    stale = {"rules/taxonomy/scope-risk.yaml": {"sha256": "0" * 64, "value": {"categories": {}, "scopes": {}}}}
    monkeypatch.setattr(resources, "_parsed", lambda: stale)
    assert resources.load_data_yaml(path) == yaml.safe_load(path.read_text())
