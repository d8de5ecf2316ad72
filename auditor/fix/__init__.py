"""Everything that changes a key's scopes: `keyaudit fix` rewriting key definitions in place (comments, order
and formatting kept), and the ready fix every report carries.

plan.py is the one planner: per key, what to change (from the catalog of one Appwrite version, and the logs
when given). ready.py renders a plan as the report's `fixes` (with line_edit.py for files edited by line).
The editors apply a plan to the file's own text: edit_yaml.py (ruamel.yaml round trip), edit_array.py and
json_spans.py (JSON and HCL lists, by source span); run.py ties a file to its editor.

Imports analysis, catalog, checks, loaders and reporters (CLI command titles, in run.py); imported by audit, checks
(a plan per key) and the CLI.
"""
