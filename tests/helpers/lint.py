"""Small key files as a repository holds them, for lint, baseline and exception tests."""

import json

NOW = ["--now", "2026-11-25T00:00:00Z"]


def appwrite_json(path, scopes=("rows.read",), functions=("report",)):
    """An appwrite.json whose functions all hold `scopes`; returns its path as a string."""
    path.write_text(
        json.dumps(
            {
                "projectId": "shop",
                "functions": [
                    {"$id": name, "name": name, "runtime": "node-22", "scopes": list(scopes)} for name in functions
                ],
            },
            indent=2,
        )
        + "\n"
    )
    return str(path)


def manifest(path, keys, header=""):
    """A keyaudit manifest; `keys` are (id, scopes, expire) triples."""
    lines = [header + 'appwriteVersion: "1.9"', "project: shop", "keys:"]
    for key_id, scopes, expire in keys:
        lines += [
            f'  - id: "{key_id}"',
            f"    name: {key_id}",
            f"    scopes: [{', '.join(scopes)}]",
            f"    expire: {expire or 'null'}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def yaml_list(name, entries):
    """`name:` followed by a YAML list of flat mappings."""
    if not entries:
        return f"{name}: []\n"
    lines = [f"{name}:"]
    for entry in entries:
        first = True
        for field, value in entry.items():
            lines.append(f"  {'- ' if first else '  '}{field}: {value}")
            first = False
    return "\n".join(lines) + "\n"
