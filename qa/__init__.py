"""Answer questions about a news article with its own words, attributed to who said them.

Importing this package is cheap: torch, the model and the index load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Answer",
    "BadQuestionError",
    "Hit",
    "IndexCorruptError",
    "IndexMissingError",
    "IndexStaleError",
    "Library",
    "ModelError",
    "QAError",
    "Retriever",
    "SourceError",
    "Statement",
    "attribute",
]

_WHERE = {
    "Answer": "qa.answering",
    "Hit": "qa.retrieval",
    "Library": "qa.library",
    "Retriever": "qa.answering",
    "Statement": "qa.attribution",
    "attribute": "qa.attribution",
    "BadQuestionError": "qa.errors",
    "IndexCorruptError": "qa.errors",
    "IndexMissingError": "qa.errors",
    "IndexStaleError": "qa.errors",
    "ModelError": "qa.errors",
    "QAError": "qa.errors",
    "SourceError": "qa.errors",
}

if TYPE_CHECKING:
    from qa.answering import Answer, Retriever
    from qa.attribution import Statement, attribute
    from qa.errors import (
        BadQuestionError,
        IndexCorruptError,
        IndexMissingError,
        IndexStaleError,
        ModelError,
        QAError,
        SourceError,
    )
    from qa.library import Library
    from qa.retrieval import Hit


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
