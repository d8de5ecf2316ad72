"""The rules as configured and applied: registry.py (rules/*.yaml with a config's settings and the policy's
rules), config.py (--config), engine.py (evaluates the enabled checks into findings, with their fingerprints),
exceptions.py and baseline.py (what silences findings, and what a baseline already holds).

The rule code itself is in auditor/checks/, one module per rule. Imported by audit, checks (a rule's settings),
catalog/risk.py, reporters (severities), validation and the CLI.
"""
