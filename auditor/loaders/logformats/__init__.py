"""Call-log formats other than keyaudit's JSONL, each in its own module.

A format module exposes `NAME` and `parse(name, stream, stats, options)`, which
yields the `Call` of each line that holds one (an audit event or a missing-scope
error line as the Call subclasses of records.py) and counts the rest in `stats`.
`auditor/loaders/logs.py` detects each file's format (detect.py) and dispatches.
"""
