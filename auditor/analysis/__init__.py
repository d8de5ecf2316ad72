"""What each key's calls need, and the fewest scopes that cover them: usage.py (per key x route counts from
logs or usage files), needs.py, minimal.py, evidence.py (audit events, denials), topkeys.py (the busiest unknown
keys in bounded memory); the fast JSONL path in blockusage.py and parallel.py.

Imports catalog, loaders and output (progress); imported by audit, checks, fix, state and the CLI.
"""
