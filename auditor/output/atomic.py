"""Write a file the user named so that it is either the old file or the whole new one, never half of either.

Every file keyaudit writes goes through `write_text`: reports, baselines, fetched key lists and fixed key files.
The text is written to a temporary file beside the target, given the target's permissions, then renamed over
it: a full disk, a file size limit or a kill leaves the old file as it was and no temporary file behind.

Refused with one line (InputError, exit 2), the target left as it was:
- a symbolic link at the target: a repository or a shared folder can plant `report.json -> ~/.bashrc`, and
  writing through it would replace a file the user never named. The rename replaces the name itself, so a
  link planted after the check is replaced, never followed.
- a read-only file: its owner said it must not change (root included, who could write it anyway).
A target that is no regular file (/dev/null, a pipe someone reads) is written as it is.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from auditor.errors import InputError

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def write_text(path: str, text: str) -> None:
    """Replace the file `path` with `text`, or raise InputError."""
    try:
        status = target_status(path)
        if status is not None and not stat.S_ISREG(status.st_mode):
            _write_special(path, text)
            return
        handle, temporary = tempfile.mkstemp(prefix=".keyaudit-", suffix=".tmp", dir=os.path.dirname(path) or ".")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
            os.chmod(temporary, stat.S_IMODE(status.st_mode) if status else _new_file_mode())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise InputError(f"{path}: cannot write ({error.strerror or type(error).__name__})") from None


def target_status(path: str) -> os.stat_result | None:
    """The target's status (None: no file there yet), or InputError for a link or a read-only file.

    Commands call it on every target before their work, so that no target is written when one is refused.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(status.st_mode):
        raise InputError(
            f"{path}: is a symbolic link (to {os.readlink(path)}); keyaudit does not write through "
            "links: give the real file's path, or remove the link"
        )
    if stat.S_ISREG(status.st_mode) and not (status.st_mode & _WRITE_BITS and os.access(path, os.W_OK)):
        raise InputError(f"{path}: the file is read-only; keyaudit leaves it as it is (make it writable to replace it)")
    return status


def _write_special(path: str, text: str) -> None:
    """A device or a pipe, opened without following a link swapped in since the check, and without waiting:
    a pipe planted where no one reads fails at once (ENXIO) instead of holding keyaudit forever."""
    descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    os.set_blocking(descriptor, True)
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _new_file_mode() -> int:
    """The permissions a new file gets from the umask (mkstemp makes it owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
