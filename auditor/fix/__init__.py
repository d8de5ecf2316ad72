"""`keyaudit fix`: rewrite key definitions in place, keeping comments, order and formatting.

plan.py decides per key what to change (from the catalog of one Appwrite
version, and the logs when given); the editors apply it to the file's own text:
edit_yaml.py (ruamel.yaml round trip), edit_array.py (JSON and HCL lists, by
source span); commands.py prints Appwrite CLI commands for keys that live in
Appwrite (key exports); run.py ties a file to its editor.
"""
