"""Token vectors: a text's word pieces with their contextual vectors, as both encoders give them,
and a small memo of the last questions' pieces."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# ---------------------------------------------------------------- stored passage token vectors

_DATA = Path(__file__).resolve().parent.parent / "data"
CODEBOOK = _DATA / "tokens.npy"  # (subspaces, 256, width) float32 centroids
CODEBOOK_RECORD = _DATA / "tokens.json"  # which model they are for, and what they were fitted on
_SLICE = 4096  # token rows encoded at a time
EXACT_BYTES = 32_000_000  # an index keeps its passages' token vectors as they are (half precision) up to this size


def exact_bytes(rows: list[np.ndarray]) -> int:
    """What token vectors take on disk as they are (half precision)."""
    return 2 * sum(int(r.size) for r in rows if r.dtype != np.uint8)


def too_large(rows: list[np.ndarray]) -> bool:
    """Do the rows not yet codes take more than an index keeps as they are?"""
    return exact_bytes(rows) > EXACT_BYTES


def settle(rows: list[np.ndarray], model_id: str, dimension: int) -> list[np.ndarray] | None:
    """Each chunk's token vectors as an index stores them: all as they are, in half precision,
    while they take at most EXACT_BYTES; else all as codes of the model's codebook (rows that
    are codes already stay so); None when they are too large and the model has no codebook."""
    coded = any(r.dtype == np.uint8 for r in rows)
    if not coded and not too_large(rows):
        return [np.asarray(r, dtype=np.float16) for r in rows]
    book = Codebook.for_model(model_id, dimension)
    if book is None:
        return None
    return [r if r.dtype == np.uint8 else book.encode(r) for r in rows]


class StoredTokens:
    """The token vectors an index holds for its chunks, read back one chunk at a time."""

    def __init__(self, rows: np.ndarray, offsets: np.ndarray, book: Codebook | None) -> None:
        self.rows, self.offsets, self.book = rows, offsets, book

    @classmethod
    def open(cls, rows: Any, offsets: Any, model_id: str, dimension: int) -> StoredTokens | None:
        """None for an index without them, or with codes of a codebook the package lacks."""
        if rows is None or offsets is None:
            return None
        if rows.dtype == np.float16:
            return cls(rows, offsets, None) if rows.shape[1] == dimension else None
        book = Codebook.for_model(model_id, dimension)
        return cls(rows, offsets, book) if book is not None and rows.shape[1] == book.subspaces else None

    def of(self, chunk: int) -> np.ndarray:
        """One chunk's token vectors, unit length, float32."""
        rows = self.rows[self.offsets[chunk] : self.offsets[chunk + 1]]
        return self.book.decode(rows) if self.book is not None else np.asarray(rows, dtype=np.float32)


@functools.cache
def codebook_digest() -> str:
    """A short checksum of the shipped codebook ("none" without one): an index whose codes were
    made with another codebook is stale."""
    try:
        return hashlib.sha256(CODEBOOK.read_bytes()).hexdigest()[:16]
    except OSError:
        return "none"


class Codebook:
    """Product quantisation of one model's token vectors: each unit vector is cut into
    `subspaces` pieces, and each piece stored as the number of its closest of 256 centroids
    (one byte). A passage's token vectors then take one byte per piece instead of four per
    dimension, so an index keeps every passage's and a search reads them instead of running the
    model over its best passages (`python -m bench codebook` fits the centroids)."""

    def __init__(self, model_id: str, centroids: np.ndarray) -> None:
        self.model_id = model_id
        self.centroids = np.ascontiguousarray(centroids, dtype=np.float32)
        self.subspaces, self.size, self.width = self.centroids.shape
        self.dimension = self.subspaces * self.width
        self._quantizer: Any = None

    @classmethod
    def for_model(cls, model_id: str, dimension: int) -> Codebook | None:
        """The shipped codebook when it is for this model and dimension, else None."""
        book = _shipped()
        return book if book is not None and book.model_id == model_id and book.dimension == dimension else None

    def encode(self, rows: np.ndarray) -> np.ndarray:
        """One byte per piece of each row: an (n, subspaces) uint8 array."""
        rows = np.ascontiguousarray(rows, dtype=np.float32).reshape(-1, self.dimension)
        if self._quantizer is None:
            import faiss

            quantizer = faiss.ProductQuantizer(self.dimension, self.subspaces, 8)
            faiss.copy_array_to_vector(self.centroids.ravel(), quantizer.centroids)
            self._quantizer = quantizer
        out = np.empty((len(rows), self.subspaces), dtype=np.uint8)
        for begin in range(0, len(rows), _SLICE):
            out[begin : begin + _SLICE] = self._quantizer.compute_codes(rows[begin : begin + _SLICE])
        return out

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """The unit-length vectors that codes stand for, float32."""
        codes = np.asarray(codes, dtype=np.intp).reshape(-1, self.subspaces)
        rows = self.centroids[np.arange(self.subspaces), codes].reshape(len(codes), self.dimension)
        return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)


@functools.cache
def _shipped() -> Codebook | None:
    """The package's codebook, read once (None when it is missing or unreadable)."""
    try:
        record = json.loads(CODEBOOK_RECORD.read_text(encoding="utf-8"))
        centroids = np.load(CODEBOOK, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or centroids.ndim != 3 or centroids.shape[1] != 256:
        return None
    return Codebook(str(record.get("model")), centroids)
