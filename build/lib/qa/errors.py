"""Named exceptions of the library; the CLI and the app turn them into one-line messages."""

from __future__ import annotations


class QAError(Exception):
    """Base class: every error a user can cause or fix."""


class SourceError(QAError):
    """An article file is missing, unreadable or not text."""


class IndexMissingError(QAError):
    """No index where one was expected."""


class IndexCorruptError(QAError):
    """An index file is damaged, truncated or inconsistent with the manifest."""


class IndexStaleError(QAError):
    """The index was built from other sources, another model or older settings."""


class IndexWriteError(QAError):
    """The index folder cannot be written (read-only, no space, no permission)."""


class ModelError(QAError):
    """The embedding model cannot be found or loaded."""


class BadQuestionError(QAError, ValueError):
    """A question that cannot be answered as asked: empty, too long, not text."""
