"""Tell what a file is from its name and content."""

from __future__ import annotations

from auditor.errors import NotKeyFile

KEY_KINDS = ("key-export", "manifest", "appwrite-json", "terraform")
KINDS = KEY_KINDS + ("call-log", "config")
CALL_LOG_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".log", ".log.gz")
TERRAFORM_SUFFIX = ".tf"
TERRAFORM_JSON_SUFFIX = ".tf.json"  # Terraform's JSON configuration syntax
# An Appwrite CLI project file has one of these (no keyaudit config does: config.schema.json); one that keeps only
# databases or buckets holds no function keys, and is judged (clean), not refused.
APPWRITE_JSON_FIELDS = (
    "functions",
    "sites",
    "projectId",
    "includes",
    "projectName",
    "databases",
    "collections",
    "tablesDB",
    "tables",
    "buckets",
    "teams",
    "topics",
    "messaging",
)
# What tells an Appwrite function or site entry from a key: keys carry none of these, but expire/secret/accessedAt.
FUNCTION_FIELDS = ("runtime", "entrypoint", "commands")
SITE_FIELDS = ("framework", "buildRuntime", "adapter")
# what names a per-function appwrite.json, in order: several real ones carry only the function's name
RESOURCE_ID_FIELDS = ("$id", "functionId", "siteId", "name")

# kind -> schema reference used to validate a document of that kind
SCHEMA_REFS = {
    ("key-export", "keyList"): "key-export.schema.json#/$defs/keyList",
    ("key-export", "key"): "key-export.schema.json#/$defs/key",
    ("key-export", "keyArray"): "key-export.schema.json#/$defs/keyArray",
    ("manifest", None): "manifest.schema.json",
    ("appwrite-json", None): "appwrite-json.schema.json",
    ("appwrite-json", "functionArray"): "appwrite-json.schema.json#/$defs/resourceArray",
    ("appwrite-json", "siteArray"): "appwrite-json.schema.json#/$defs/resourceArray",
    ("appwrite-json", "function"): "appwrite-json.schema.json#/$defs/singleResource",
    ("appwrite-json", "site"): "appwrite-json.schema.json#/$defs/singleResource",
    ("terraform", "state"): "terraform.schema.json#/$defs/state",
    ("terraform", "plan"): "terraform.schema.json#/$defs/plan",
    ("config", None): "config.schema.json",
}


def is_terraform_name(path: str) -> bool:
    return path.lower().endswith(TERRAFORM_SUFFIX)


def is_terraform_json_name(path: str) -> bool:
    return path.lower().endswith(TERRAFORM_JSON_SUFFIX)


def is_call_log_name(path: str) -> bool:
    return path.lower().endswith(CALL_LOG_SUFFIXES)


def detect(value, name: str) -> tuple[str, str | None]:
    """(kind, shape) of a parsed document; raises NotKeyFile when it is none of ours."""
    if isinstance(value, list):
        if value and all(resource_kind(item) for item in value):
            return "appwrite-json", resource_array_shape(value)
        if all(isinstance(item, dict) for item in value):
            return "key-export", "keyArray"
    elif isinstance(value, dict):
        keys = value.get("keys")
        if resource_kind(value):
            return "appwrite-json", resource_kind(value)
        if terraform_show_shape(value):
            return "terraform", terraform_show_shape(value)
        appwrite_json = any(field in value for field in APPWRITE_JSON_FIELDS)
        if (
            "keys" not in value
            and not appwrite_json
            and ("rules" in value or "failOn" in value or "exceptions" in value or "policy" in value)
        ):
            return "config", None
        if "appwriteVersion" in value or (
            isinstance(keys, list) and keys and all(isinstance(k, dict) and "id" in k and "$id" not in k for k in keys)
        ):
            return "manifest", None
        if "keys" in value:
            return "key-export", "keyList"
        if "$id" in value and ("scopes" in value or "secret" in value or "expire" in value):
            return "key-export", "key"
        if appwrite_json:
            return "appwrite-json", None
    raise NotKeyFile(
        f"{name}: not a key export, key manifest, appwrite.json or config file "
        "(say which with --keys-format for audit, --kind for validate)"
    )


def resource_kind(value) -> str | None:
    """`function` or `site` for one entry of an appwrite.json section (or a per-function appwrite.json); else None.

    An entry is told by the fields only Appwrite's functions and sites carry; one that also has a key's fields
    (expire, secret, accessedAt) is left to the key readers.
    """
    if not isinstance(value, dict) or any(f in value for f in ("expire", "secret", "accessedAt")):
        return None
    if resource_id(value) is None:
        return None
    if any(field in value for field in FUNCTION_FIELDS):
        return "function"
    if any(field in value for field in SITE_FIELDS):
        return "site"
    return None


def resource_id(value: dict) -> str | None:
    """The id a function or site entry goes by: its `$id`, else (a per-function appwrite.json) `functionId`,
    `siteId` or its name."""
    for field in RESOURCE_ID_FIELDS:
        if isinstance(value.get(field), str) and value[field]:
            return value[field]
    return None


def resource_array_shape(value: list) -> str:
    """`siteArray` for an array of sites, else `functionArray` (the kind Appwrite mints most keys for)."""
    kinds = {resource_kind(item) for item in value}
    return "siteArray" if kinds == {"site"} else "functionArray"


def shape_for(kind: str, value) -> str | None:
    """The shape of a document whose kind the user forced."""
    if kind == "terraform":
        return terraform_show_shape(value) or "state"
    if kind == "appwrite-json":
        if isinstance(value, list):
            return resource_array_shape(value)
        if isinstance(value, dict) and not any(field in value for field in APPWRITE_JSON_FIELDS) and resource_id(value):
            return resource_kind(value) or "function"
        return None
    if kind != "key-export":
        return None
    if isinstance(value, list):
        return "keyArray"
    if isinstance(value, dict) and "keys" in value:
        return "keyList"
    return "key"


def terraform_show_shape(value) -> str | None:
    """`state` or `plan` for `terraform show -json` output (of a state or a saved plan); else None."""
    if not isinstance(value, dict) or "format_version" not in value:
        return None
    if "planned_values" in value:
        return "plan"
    return "state" if "values" in value else None
