"""The scheduled compliance job's memory between runs: one SQLite file (see store.py)."""
