"""Write a file the user named so that it is either the old file or the whole new one, never half of either.

Reports, baselines, fetched key lists and fixed key files are written to a temporary file beside the target,
then renamed over it: a full disk, a file size limit or a kill leaves the old file as it was and no temporary
file behind. A target that is no regular file (/dev/null, a pipe) is written as it is.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from auditor.errors import InputError


def write_text(path: str, text: str) -> None:
    """Replace `path` (through a symbolic link: the file it points to) with `text`, or raise InputError."""
    try:
        if os.path.exists(path) and not os.path.isfile(path):
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            return
        target = os.path.realpath(path)
        handle, temporary = tempfile.mkstemp(prefix=".keyaudit-", suffix=".tmp", dir=os.path.dirname(target))
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
            os.chmod(temporary, _mode(target))
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise InputError(f"{path}: cannot write ({error.strerror or type(error).__name__})") from None


def _mode(target: str) -> int:
    """The permissions the file has, or those a new file gets (mkstemp makes it owner-only)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
