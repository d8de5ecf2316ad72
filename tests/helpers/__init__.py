"""What tests share, imported as `helpers.<module>` (pytest puts tests/ on the path): paths.py (ROOT, SAMPLES,
the shared Appwrite data), cli.py (run_cli: the real CLI in a subprocess), audit.py (keys, calls and an audit in
a few lines), job.py, lint.py, hostile.py (hostile text and secrets), appwrite_server.py and drip_server.py
(servers to test against), rss_probe.py (a script: peak memory of each reader in a process of its own).

Only tests and scripts/ import these; conftest.py keeps pytest's fixtures.
"""
