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
    "Answer": "qa.ask.reply",
    "Hit": "qa.ask.search",
    "Library": "qa.index.library",
    "Retriever": "qa.ask.answer",
    "Statement": "qa.attribution.statements",
    "attribute": "qa.attribution.statements",
    "BadQuestionError": "qa.errors",
    "IndexCorruptError": "qa.errors",
    "IndexMissingError": "qa.errors",
    "IndexStaleError": "qa.errors",
    "ModelError": "qa.errors",
    "QAError": "qa.errors",
    "SourceError": "qa.errors",
}

if TYPE_CHECKING:
    from qa.ask.answer import Retriever
    from qa.ask.reply import Answer
    from qa.ask.search import Hit
    from qa.attribution.statements import Statement, attribute
    from qa.errors import (
        BadQuestionError,
        IndexCorruptError,
        IndexMissingError,
        IndexStaleError,
        ModelError,
        QAError,
        SourceError,
    )
    from qa.index.library import Library


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
