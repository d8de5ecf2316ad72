"""Readers, one per input format: key exports, manifests, appwrite.json, call logs."""
