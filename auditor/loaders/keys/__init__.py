"""Read any key-definition file: detect its kind, check its structure, build keys.

This package holds one loader per kind: export.py (Appwrite key exports), manifest.py (keyaudit manifests),
appwrite_json.py, terraform.py with terraform_hcl.py; live.py reads the keys of a running server
(`keyaudit fetch-keys`) within one deadline (deadline.py). Imported by audit, checks, fix, validation and
the CLI through `load_key_file`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.errors import NotKeyFile
from auditor.loaders.detect import KEY_KINDS, detect, is_terraform_json_name, is_terraform_name, shape_for
from auditor.loaders.document import Document, load_document
from auditor.loaders.keys.appwrite_includes import included_keys
from auditor.loaders.keys.appwrite_json import keys_from_appwrite_json
from auditor.loaders.keys.export import keys_from_export
from auditor.loaders.keys.manifest import keys_from_manifest
from auditor.loaders.keys.structure import CLI_HINT, check_structure
from auditor.model import KeyDefinition
from auditor.secrets import MIN_SECRET_CHARS, redact, scrub_identifier

__all__ = ["CLI_HINT", "KeyFile", "classify", "load_key_file"]


@dataclass
class KeyFile:
    document: Document
    kind: str
    shape: str | None
    keys: list[KeyDefinition]
    included: list[Document] = field(default_factory=list)  # the files an appwrite.config.json's `includes` names

    @property
    def terraform_json(self) -> bool:
        """Terraform as JSON (`.tf.json`, `terraform show -json` output): `keyaudit fix` edits only `.tf` text."""
        return self.kind == "terraform" and self.shape != "hcl"


def classify(doc: Document, forced_kind: str | None) -> tuple[str, str | None]:
    if forced_kind:
        return forced_kind, shape_for(forced_kind, doc.value)
    return detect(doc.value, doc.name)


def load_key_file(path: str, forced_kind: str | None = None) -> KeyFile:
    """Keys of one file; any structural problem is an InputError naming file and line."""
    if is_terraform_json_name(path):
        from auditor.loaders.keys.terraform_json import keys_from_tf_json

        doc = load_document(path)
        return KeyFile(doc, "terraform", "tf-json", with_source(keys_from_tf_json(doc), "terraform"))
    if is_terraform_name(path):
        from auditor.loaders.keys.terraform import keys_from_hcl, load_hcl  # python-hcl2 and lark: only for .tf files

        doc, blocks = load_hcl(path)
        return KeyFile(doc, "terraform", "hcl", with_source(keys_from_hcl(doc, blocks), "terraform"))
    doc = load_document(path)
    kind, shape = classify(doc, forced_kind)
    if kind not in KEY_KINDS:
        raise NotKeyFile(f"{doc.name}: a {kind} file holds no key definitions", kind)
    check_structure(doc, kind, shape)
    included: list[Document] = []
    if kind == "key-export":
        keys = keys_from_export(doc, shape)
    elif kind == "manifest":
        keys = keys_from_manifest(doc)
    elif kind == "terraform":
        from auditor.loaders.keys.terraform import keys_from_show

        keys = keys_from_show(doc, shape)
    else:
        keys = keys_from_appwrite_json(doc, shape)
        if shape is None:
            more, included = included_keys(doc, path)
            keys += more
    return KeyFile(doc, kind, shape, with_source(keys, kind), included)


def with_source(keys: list[KeyDefinition], kind: str) -> list[KeyDefinition]:
    """Mark each key with the kind of file it came from (policies can select by it); scrub secrets out of it."""
    for key in keys:
        key.source = kind
        scrub_secrets(key)
    return keys


def scrub_secrets(key: KeyDefinition) -> None:
    """A secret in a key's id, project, scopes or text fields is replaced by its fingerprint as the key is read.

    The secret field itself is kept only as its sha256; a secret anywhere else in a definition would otherwise
    travel into reports, baselines and the job's state. Logs get the same treatment (loaders/logs/__init__.py), so a key
    whose id is a secret still meets its calls under the fingerprint. secret-in-file reports the secret itself,
    by place and fingerprint, from the file's text.
    """
    key.id = scrub_identifier(key.id)
    key.project = scrub_identifier(key.project)
    for field_name in ("name", "owner", "purpose"):
        value = getattr(key, field_name)
        if isinstance(value, str) and len(value) >= MIN_SECRET_CHARS:
            setattr(key, field_name, redact(value))
    if any(len(scope) >= MIN_SECRET_CHARS for scope in key.scopes):
        key.scopes = [scrub_identifier(scope) for scope in key.scopes]
        key.scope_locations = {scrub_identifier(scope): where for scope, where in key.scope_locations.items()}
