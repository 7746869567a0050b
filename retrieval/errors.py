"""Exceptions the library raises; front ends turn them into one clean line for the user."""


class NewsQAError(Exception):
    """Base class for every expected failure newsqa reports to a user."""


class IndexMissingError(NewsQAError):
    """There is no index yet, or it cannot be opened."""


class IndexCorruptError(NewsQAError):
    """The store failed its health check."""


class EmbeddingMismatchError(NewsQAError):
    """The collection was built with a different embedding model than the one configured."""


class StoreLockedError(NewsQAError):
    """Another process is writing to the same embedded store."""


class BadInputError(NewsQAError):
    """A file or a question that newsqa refuses to process."""


class SettingsError(NewsQAError):
    """A setting from the environment or `.env` has a value newsqa cannot use."""
