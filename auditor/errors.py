"""The one exception type that becomes a one-line message and exit code 2."""


class InputError(Exception):
    """Bad usage or unreadable input; the message is shown to the user as is.

    Messages must never contain a key secret: callers pass file names, line
    numbers and JSON pointers, never raw values read from key files.
    """
