"""Shared fixtures: a deterministic fake embedder for unit tests, the real model for e2e tests."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.pop("QA_MODEL", None)
ROOT = Path(__file__).resolve().parent.parent
# the tests read the index the repository ships, never the user's own library
os.environ["QA_INDEX"] = str(ROOT / "index")
ARTICLES = Path(__file__).resolve().parent / "articles"


class FakeEmbedder:
    """Bag of hashed words: similar wording gives similar vectors, with no model at all."""

    def __init__(self, model_id: str = "fake-hash", dimension: int = 128) -> None:
        self.model_id = model_id
        self._dimension = dimension
        self.calls = 0

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dimension
                out[row, bucket] += 1.0
            out[row, 0] += 1e-3  # never a zero vector
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_index(tmp_path: Path, fake: FakeEmbedder) -> Path:
    from qa.index import store

    folder = tmp_path / "index"
    store.build(None, folder, embedder=fake)
    return folder


@pytest.fixture(scope="session")
def real_embedder():
    from qa.index.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def retriever(real_embedder):
    from qa import Retriever

    return Retriever.load(embedder=real_embedder)


@pytest.fixture
def read_only_index(fake_index: Path, tmp_path: Path, monkeypatch) -> Path:
    """fake_index as if its folder could not be written; private rebuilds land under tmp_path."""
    import tempfile

    from qa.errors import IndexWriteError
    from qa.index import store

    real = store.write_atomic

    def refuse(target, write, **kw):
        if Path(target) == fake_index:
            raise IndexWriteError(f"cannot write the index to {target}: Read-only file system")
        return real(target, write, **kw)

    monkeypatch.setattr(store, "write_atomic", refuse)
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(cache))
    return fake_index
