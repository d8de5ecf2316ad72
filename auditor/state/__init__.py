"""The scheduled compliance job's memory between runs: one SQLite file (store.py), what a run ingests
(ingest.py, content.py, clock.py), its window (window.py, unknown_keys.py), runs compared (runs.py), a run tied
together (job.py) and the job's settings file (job_config.py).

Imports analysis, catalog, loaders and times; only cli/job.py imports it.
"""
