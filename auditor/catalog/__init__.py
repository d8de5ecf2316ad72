"""Appwrite knowledge: the generated route catalogs (data/) and their generators (generate.py, generate_v2.py,
generate_events.py), the route matcher (matcher.py, php_url.py), version resolution (versions.py), scope names
(scopes.py), audit events (events.py) and the risk taxonomy (risk.py).

Imports errors, resources, validation and rules (risk levels); every package that needs to know Appwrite
imports it.
"""
