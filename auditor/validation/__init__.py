"""Validate inputs against the JSON Schemas in `schemas/`."""
