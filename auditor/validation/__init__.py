"""Validate inputs against the JSON Schemas in `schemas/`: schemas.py is the foundation module (schema registry,
date-time check) that loaders, policy, rules and catalog build on; validate_file.py and terraform checks are the
backend of `keyaudit validate`.

Imports errors, resources, secrets, times, loaders and catalog; imported by those and by the CLI.
"""
