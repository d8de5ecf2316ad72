"""`keyaudit job run --job FILE`: the job's settings in a file (schemas/job.schema.json).

Paths are relative to the file's directory and may not lead out of it: the job reads and writes only what
lies under the directory the user named, whatever the file says (absolute paths, `..` and symbolic links
leading out are refused).
"""

from __future__ import annotations

import glob
import os

from auditor.errors import InputError
from auditor.loaders.document import load_document
from auditor.loaders.source import utf8_name
from auditor.validation.schemas import violations

PATH_FIELDS = ("state", "output", "config", "exceptions", "baseline", "policy")
LIST_FIELDS = ("keys", "logs", "usage")


def load_job_config(path: str) -> dict:
    """The settings with every path made absolute and checked to stay inside the file's directory."""
    doc = load_document(path)
    problems = violations(doc.value, "job.schema.json", None)
    if problems:
        first = problems[0]
        line = doc.line(first.pointer)
        raise InputError(
            f"{doc.name}{f':{line}' if line else ''}: invalid job config at {first.pointer or '/'}: {first.message}"
        )
    base = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    settings = dict(doc.value)
    settings.pop("$schema", None)
    for name in PATH_FIELDS:
        if name in settings:
            settings[name] = _inside(doc.name, base, name, settings[name])
    for name in LIST_FIELDS:
        if name in settings:
            settings[name] = [found for pattern in settings[name] for found in _expand(doc.name, base, name, pattern)]
    return settings


def _inside(config: str, base: str, field: str, value: str) -> str:
    if os.path.isabs(value) or os.path.splitdrive(value)[0]:
        raise InputError(
            f"{config}: {field} {value!r} is an absolute path; paths in a job config are relative to its directory"
        )
    full = os.path.normpath(os.path.join(base, value))
    real = os.path.realpath(full)
    if real != base and not real.startswith(base + os.sep):
        raise InputError(f"{config}: {field} {value!r} leads out of the job config's directory")
    return full


def _expand(config: str, base: str, field: str, pattern: str) -> list[str]:
    if not glob.has_magic(pattern):
        return [_inside(config, base, field, pattern)]
    _inside(config, base, field, pattern)  # the pattern itself may not lead out
    found = sorted(glob.glob(pattern, root_dir=base))
    if not found:
        raise InputError(f"{config}: {field} pattern {pattern!r} matches no file")
    return [_inside(config, base, field, utf8_name(match, f"{config}: {field} file name")) for match in found]
