"""The exception types that become a one-line message and exit code 2."""

from auditor.output.escape import terminal
from auditor.secrets import redact


class InputError(Exception):
    """Bad usage or unreadable input; the message is shown to the user on one line (`one_line`).

    Messages must never contain a key secret: callers pass file names, line
    numbers and JSON pointers, never raw values read from key files (and
    `one_line` redacts any secret that gets through anyway).
    """


class NotKeyFile(InputError):
    """A readable file of another kind, or of none of ours: no key definitions in it.

    `kind`: the kind of ours it is (`config`, `call-log`), None when it is none of ours. `keyaudit lint`
    judges a config as a config and refuses the others; every other command treats them as bad input.
    """

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.kind = kind


def one_line(message: str) -> str:
    """An error message as shown: one line, no secret, nothing a terminal acts on (it may quote a value read
    from a file or a server's answer: a Location header, a Content-Type, an error type)."""
    return terminal(redact(message))
