"""Validate inputs against the JSON Schemas in `schemas/`: schemas.py is the foundation module (schema files,
date-time check, `violations`) that loaders, policy, rules and catalog build on, with quick.py (jsonschema-rs's
pass) and explain.py (python-jsonschema's verdict and words) behind it; validate_file.py and terraform checks are the
backend of `keyaudit validate`.

Imports errors, resources, secrets, times, loaders and catalog; imported by those and by the CLI.
"""
