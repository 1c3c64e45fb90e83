"""Lexical side of retrieval: a tokenizer shared by BM25 and answer checks, and the BM25 index."""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.lang.en import IRREGULAR, wordset

log = logging.getLogger(__name__)

STOPWORDS = wordset("stopwords")
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
    "Beijing-based" also "based"), so either spelling finds it; an irregular past or plural
    counts as its base form ("broke" as "break")."""
    content = []
    for w in words(text):
        if w not in STOPWORDS:
            content.append(IRREGULAR.get(w, w))
        if "-" in w:
            content += [IRREGULAR.get(part, part) for part in w.split("-") if part and part not in STOPWORDS]
    return list(_stemmer().stemWords(content)) if content else []


# where a text defines a thing: "large models, a key technology ...", "a tariff is a tax on ...",
# "the Senedd, which ...", "a process known as photosynthesis"
_DEFINITIONS = re.compile(
    r"\b([^\W\d_][\w-]*)(?:\s*,\s*|\s+\(|\s*\u2014\s*)(?:a|an|the|one of the)\s+(?![\w-]+\s+(?:said|says)\b)"
    r"|\b([^\W\d_][\w-]*)\s+(?:is|are|was|were)\s+(?:a|an|the|one of)\s"
    r"|\b([^\W\d_][\w-]*),\s+(?:which|who)\s"
    r"|\b(?:known as|termed)\s+(?:the\s+)?([^\W\d_][\w-]*)",
    re.IGNORECASE,
)


def defined_terms(text: str) -> frozenset[str]:
    """The stems of the things a text defines: the word before an appositive or "is a", the
    name after "known as"."""
    return frozenset(t for match in _DEFINITIONS.findall(text) for word in match if word for t in terms(word))


def _bm25s() -> Any:
    import bm25s

    # bm25s pins its logger at DEBUG on import; let the application's logging decide instead
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


class Lexical:
    """BM25 over chunk texts. bm25s builds it and saves plain files (a term-by-chunk score
    matrix in CSC form and the vocabulary); queries read those files with numpy alone."""

    def __init__(
        self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n: int
    ) -> None:
        self.vocab = vocab
        self._data = data
        self._indices = indices
        self._indptr = indptr
        self.num_docs = n

    @staticmethod
    def build_and_save(texts: list[str], folder: Path) -> None:
        model = _bm25s().BM25()
        model.index([terms(t) or ["\u2205"] for t in texts], show_progress=False)
        model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") != "lucene":
            raise ValueError(f"BM25 variant {params.get('method')!r} is not the one this reader scores")
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        if isinstance(vocab, dict):
            vocab.pop("", None)  # bm25s's placeholder for empty documents: no column of its own
        data, indices, indptr = (
            np.load(folder / f"{name}.csc.index.npy", allow_pickle=False) for name in ("data", "indices", "indptr")
        )
        n = int(params["num_docs"])
        if (
            not isinstance(vocab, dict)
            or len(indptr) != max(vocab.values(), default=-1) + 2
            or len(data) != len(indices)
            or int(indptr[-1]) != len(data)
            or (len(indices) and (int(indices.max()) >= n or int(indices.min()) < 0))
        ):
            raise ValueError("the BM25 files disagree with each other")
        return cls(vocab, data.astype(np.float32), indices.astype(np.int64), indptr.astype(np.int64), n)

    def coverage(self, query: str) -> np.ndarray:
        """Per chunk: the share of the query's distinct terms it holds, each term weighted by
        its BM25 inverse document frequency (a term no chunk holds weighs the most)."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        for term, weight in self.weights(query).items():
            t = self.vocab.get(term)
            if t is not None:
                out[self._indices[int(self._indptr[t]) : int(self._indptr[t + 1])]] += weight
        return out

    def weights(self, query: str) -> dict[str, float]:
        """The query's distinct terms, each weighted by its BM25 inverse document frequency (a
        term no chunk holds weighs the most), the weights summing to one."""
        found = {}
        for term in set(terms(query)):
            t = self.vocab.get(term)
            held = 0 if t is None else int(self._indptr[t + 1]) - int(self._indptr[t])
            found[term] = math.log(1.0 + (self.num_docs - held + 0.5) / (held + 0.5))
        total = sum(found.values())
        return {term: weight / total for term, weight in found.items()} if total else {}

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term is known); a term that
        occurs twice in the query counts twice, as in bm25s."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        for term in terms(query):
            t = self.vocab.get(term)
            if t is not None:
                start, stop = self._indptr[t], self._indptr[t + 1]
                out[self._indices[start:stop]] += self._data[start:stop]  # a chunk once per term
        return out
