"""The one exception mediaframe raises for bad user input."""


class MediaframeError(Exception):
    """Bad user input: a file, a config value or a data shape.

    The message says what was expected, what was found and how to fix it, in one line.
    Programming errors keep their builtin exception types.
    """
