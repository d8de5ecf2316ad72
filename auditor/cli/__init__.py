"""Thin click commands, one module per command group, over everything else; what they share lives in
options.py (every option more than one command takes), outputs.py (where reports go) and echo.py (one safe
line on the terminal).

May import any package; only `auditor/__main__.py` and the `keyaudit` entry point import it.
"""
