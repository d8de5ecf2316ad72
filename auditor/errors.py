"""The exception types that become a one-line message and exit code 2."""


class InputError(Exception):
    """Bad usage or unreadable input; the message is shown to the user as is.

    Messages must never contain a key secret: callers pass file names, line
    numbers and JSON pointers, never raw values read from key files.
    """


class NotKeyFile(InputError):
    """A readable file of another kind, or of none of ours: no key definitions in it.

    `keyaudit lint` skips such files (pre-commit passes files by name); every
    other command treats them as bad input.
    """
