"""load_document: strict JSON for JSON-shaped text, YAML otherwise, and text that is neither is no key file."""

import pytest

from auditor.errors import InputError, NotKeyFile
from auditor.loaders.document import load_document


@pytest.mark.parametrize("name", ["keys.conf", "appwrite.config", "keys"])
def test_json_shaped_text_not_named_json_is_strict_json(tmp_path, name):
    path = tmp_path / name
    path.write_text('{"keys": [],\n}\n')  # a trailing comma: the Appwrite CLI's JSON.parse refuses it
    with pytest.raises(InputError, match=r":2: invalid JSON: ") as refused:
        load_document(str(path))
    assert not isinstance(refused.value, NotKeyFile)
    path.write_text('{"keys": []}\n')
    assert load_document(str(path)).syntax == "json"


def test_a_file_named_yaml_keeps_yaml_flow_style(tmp_path):
    path = tmp_path / "manifest.yaml"
    path.write_text('{appwriteVersion: "1.9", keys: [{id: k1, scopes: [users.read]}],}\n')
    doc = load_document(str(path))
    assert doc.syntax == "yaml" and doc.value["keys"][0]["id"] == "k1"


@pytest.mark.parametrize(
    "name, text",
    [
        ("deploy.sh", "#!/bin/sh\nset -e\nappwrite push functions --force: yes\n"),
        ("NOTES.md", "# keys\n\n- rotate: [monthly\n"),
        (".env", "APPWRITE_ENDPOINT=https://cloud.appwrite.io/v1\nA: B: C\n"),
    ],
)
def test_text_that_is_neither_json_nor_yaml_is_not_a_key_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(NotKeyFile, match="not JSON or YAML text") as refused:
        load_document(str(path))
    assert "invalid YAML" not in str(refused.value) and refused.value.kind is None


@pytest.mark.parametrize("name", ["keys.yaml", "keys.yml", "appwrite.json"])
def test_a_file_named_json_or_yaml_that_does_not_parse_is_broken(tmp_path, name):
    path = tmp_path / name
    path.write_text("keys:\n  - id: [k1\n    name: x\n")
    with pytest.raises(InputError, match="invalid YAML") as refused:
        load_document(str(path))
    assert not isinstance(refused.value, NotKeyFile)
