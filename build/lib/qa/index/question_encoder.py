"""Which encoder turns questions into vectors for an index: its exported ONNX encoder, else
sentence-transformers."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from qa.errors import ModelError
from qa.index.embedding import ENCODER_ENV, ENCODERS, Embedder, SentenceTransformerEmbedder
from qa.index.encoder import FOLDER, EncoderUnavailable, OnnxEmbedder

log = logging.getLogger(__name__)


def query_embedder(
    index_folder: Path, index_model: str, *, model: str | None = None, encoder: str | None = None
) -> Embedder:
    """What encodes questions for an index: its exported ONNX encoder when it carries a
    verified one for the model asked, else sentence-transformers (said in one log line).

    Args:
        index_folder: the index; its encoder sits in `encoder/`.
        index_model: the model the index was built with.
        model: the model asked for, when not the index's.
        encoder: "fp32" (default), "int8" or "torch"; $QA_ENCODER when None.
    """
    choice = encoder or os.environ.get(ENCODER_ENV) or "fp32"
    if choice not in ENCODERS:
        raise ModelError(f"unknown encoder {choice!r}; choose one of {', '.join(ENCODERS)}")
    wanted = model or index_model
    if choice == "torch":
        return SentenceTransformerEmbedder(wanted)
    if wanted != index_model:
        log.info("model %s is not the index's; encoding with sentence-transformers", wanted)
        return SentenceTransformerEmbedder(wanted)
    reasons = []
    for variant in dict.fromkeys([choice, "fp32"]):
        try:
            onnx = OnnxEmbedder.open(index_folder / FOLDER, variant=variant)
        except EncoderUnavailable as why:
            reasons.append(str(why))
            continue
        if onnx.model_id == index_model:
            if variant != choice:
                log.warning("%s; using the fp32 encoder", reasons[0])
            return onnx
        reasons.append(f"the exported encoder is of {onnx.model_id}, not {index_model}")
    log.warning("%s; encoding questions with sentence-transformers (`qa check` exports an encoder)", reasons[-1])
    return SentenceTransformerEmbedder(wanted)
