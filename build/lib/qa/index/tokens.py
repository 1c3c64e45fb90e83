"""Token vectors: a text's word pieces with their contextual vectors, as both encoders give them,
and a small memo of the last questions' pieces."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

QUESTION_BATCH = 8  # batches this small are questions: their token vectors are kept for a while
_SPECIAL = frozenset({"[CLS]", "[SEP]", "<s>", "</s>", "[PAD]", "<pad>"})

Tokens = tuple[tuple[str, ...], np.ndarray]  # a text's word pieces and their unit-length vectors


def token_rows(pieces: list[str], hidden: np.ndarray) -> Tokens:
    """A text's word pieces and their contextual vectors, unit length, without the model's
    markers ("[CLS]", "[SEP]") and punctuation."""
    keep = [i for i, piece in enumerate(pieces) if piece not in _SPECIAL and any(c.isalnum() for c in piece)]
    rows = np.asarray(hidden, dtype=np.float32)[keep]
    rows = rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)
    return tuple(pieces[i] for i in keep), np.ascontiguousarray(rows)


class TokenMemo:
    """The token vectors of the last few questions encoded, so that a search reads them from the
    same pass of the model that gave the question's vector."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._rows: OrderedDict[str, Tokens] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, text: str, tokens: Tokens) -> None:
        with self._lock:
            self._rows[text] = tokens
            self._rows.move_to_end(text)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)

    def get(self, text: str) -> Tokens | None:
        with self._lock:
            return self._rows.get(text)

    def read(self, texts: list[str], compute: Callable[[list[str]], list[Tokens]]) -> list[Tokens]:
        """The token vectors of texts: those kept, and `compute` run on the others."""
        found = {t: self.get(t) for t in texts}
        missing = [t for t, kept in found.items() if kept is None]
        fresh = dict(zip(missing, compute(missing), strict=True)) if missing else {}
        return [found[t] or fresh[t] for t in texts]
