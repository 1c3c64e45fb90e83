"""Lexical side of retrieval: a tokenizer shared by BM25 and answer checks, and the BM25 index."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

STOPWORDS = frozenset(
    "a about above after again against all am an and any are as at be because been before being "
    "below between both but by can could did do does doing down during each few for from further "
    "had has have having he her here hers herself him himself his how i if in into is it its itself "
    "just me more most my myself no nor not now of off on once only or other our ours ourselves out "
    "over own same she should so some such than that the their theirs them themselves then there "
    "these they this those through to too under until up very was we were what when where which "
    "while who whom why will with would you your yours yourself yourselves s t don also us".split()
)
_WORD = re.compile(r"[^\W_]+(?:[-'\u2019.,][^\W_]+)*", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words of a text, numbers and hyphenated names kept whole ("12,500", "Rolls-Royce")."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return [w.removesuffix("'s") for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Stemmed content terms: what BM25 indexes and what answer checks compare.

    A hyphenated word counts whole and by its parts ("all-in-AI" also gives "ai",
    "Beijing-based" also "based"), so either spelling finds it."""
    content = []
    for w in words(text):
        if w not in STOPWORDS:
            content.append(w)
        if "-" in w:
            content += [part for part in w.split("-") if part and part not in STOPWORDS]
    return list(_stemmer().stemWords(content)) if content else []


def _bm25s() -> Any:
    import bm25s

    # bm25s pins its logger at DEBUG on import; let the application's logging decide instead
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


class Lexical:
    """BM25 over chunk texts, saved as the plain files bm25s writes."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        model = _bm25s().BM25()
        model.index([terms(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        return cls(_bm25s().BM25.load(str(folder), show_progress=False))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term is known)."""
        vocab = self._model.vocab_dict
        known = [t for t in terms(query) if t in vocab]
        n = int(self._model.scores["num_docs"])
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
