"""The one exception type a user may see as a one-line CLI message."""


class DynaguardError(Exception):
    """A failure the user can fix; its message says what to do. Never shown with a traceback."""
