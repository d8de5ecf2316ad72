"""Readers, one per input format: source.py (files, stdin, gzip, line streaming), jsontext.py and document.py
(JSON/YAML from outside), detect.py (what a file is), keys/ (key definitions), logs/ (call logs) and
usage_file.py (pre-aggregated usage).

Imports errors, model, times, secrets, catalog and validation; imported by the packages that read inputs
(analysis, audit, checks, fix, state, validation, the CLI).
"""
