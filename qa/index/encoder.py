"""The query-time encoder: the embedding model exported to ONNX at build time and run with
onnxruntime, tokenizers and numpy, so answering a question never imports torch.

An index folder may carry `encoder/`: the exported transformer (`model.onnx`, optionally
`model.int8.onnx`), its tokenizer, and `encoder.json`, which records each file's sha256, the
pooling the model uses, and a parity check against the sentence-transformers vectors. An
encoder whose files or parity do not check out is not used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import ModelError
from qa.index.tokens import QUESTION_BATCH, TokenMemo, Tokens, token_rows

log = logging.getLogger(__name__)

FOLDER = "encoder"  # inside an index folder
RECORD = "encoder.json"
RECORD_VERSION = 1
VARIANTS = {"fp32": "model.onnx", "int8": "model.int8.onnx"}
PARITY_MIN = {"fp32": 0.9999, "int8": 0.95}  # min cosine with the sentence-transformers vectors
THREADS_ENV = "QA_THREADS"
BATCH = 32
SAMPLE_QUESTIONS = (
    "Who said it?",
    "What did the minister say about the budget?",
    "When was the summit held?",
    "How many people were there?",
    "Where did it happen?",
    "Why did prices rise last year?",
    "What is the company's plan for artificial intelligence?",
    "Which city hosted the event, and who spoke first?",
    "x",
    "Is there any risk to safety or privacy, according to the report?",
)


class EncoderUnavailable(Exception):
    """The index carries no usable encoder; the reason says why."""


def cpu_features() -> list[str]:
    """The CPU's integer dot-product extensions: int8 kernels differ between them."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return [platform.machine()]
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return [platform.machine(), *(f for f in wanted if f in flags)]


def threads() -> int:
    """Threads for one encoder call: $QA_THREADS, else $OMP_NUM_THREADS, else up to 4 cores."""
    for name in (THREADS_ENV, "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return max(1, min(4, os.cpu_count() or 1))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- serving


@dataclass(frozen=True)
class Pooling:
    mode: str  # "mean" or "cls"
    normalize: bool

    def apply(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.mode == "cls":
            vectors = hidden[:, 0, :]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self.normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors


class OnnxEmbedder:
    """The exported encoder, run with onnxruntime; vectors match sentence-transformers'."""

    def __init__(self, folder: Path, variant: str, record: dict[str, Any]) -> None:
        self.folder = folder
        self.variant = variant
        self.record = record
        self.model_id: str = self.record["model_id"]
        self.dimension = int(self.record["dimension"])
        self.pooling = Pooling(self.record["pooling"], bool(self.record["normalize"]))
        self.inputs: tuple[str, ...] = tuple(self.record["inputs"])

        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        path = self.folder / VARIANTS[variant]
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_file(str(self.folder / self.record["tokenizer"]["file"]))
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise EncoderUnavailable(f"cannot open {path}: {exc}") from None
        self._tokens = TokenMemo()

    @classmethod
    def open(cls, folder: str | Path, *, variant: str = "fp32") -> OnnxEmbedder:
        """The encoder in folder, once its files and parity check out (EncoderUnavailable if not)."""
        return cls(Path(folder), variant, read_record(Path(folder), variant))

    def export_encoder(
        self, folder: Path, *, texts: list[str], reference: np.ndarray, int8: bool = False
    ) -> dict[str, Any]:
        """Give another index this encoder: its files, hard-linked where the disk allows (it
        is the model's, whatever the articles). Its vectors are the ones `reference` holds."""
        link_files(self.folder, folder)
        return read_record(folder, self.variant)

    def encode(self, texts: list[str], *, batch_size: int = BATCH, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text; long lists go in length-sorted batches.
        A question's few texts keep their token vectors for `token_vectors`."""
        return self._run(texts, batch_size)[0]

    def encode_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[Tokens]]:
        """`encode` and `token_vectors` of texts in one pass of the model (nothing kept)."""
        return self._run(texts, BATCH, tokens=True)

    def token_vectors(self, texts: list[str]) -> list[Tokens]:
        """Each text's word pieces and their contextual vectors (see `qa.index.tokens.token_rows`)."""
        return self._tokens.read(texts, lambda missing: self._run(missing, BATCH, tokens=True)[1])

    def _run(self, texts: list[str], batch_size: int, *, tokens: bool = False) -> tuple[np.ndarray, list[Tokens]]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        keep = not tokens and len(texts) <= QUESTION_BATCH  # a question's texts, not passages asked for
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        read: list[Tokens] = [((), out[:0])] * len(texts)
        for begin in range(0, len(order), batch_size):
            rows = order[begin : begin + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in self.inputs}
            for r, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                feed["input_ids"][r, :n] = e.ids
                feed["attention_mask"][r, :n] = e.attention_mask
                if "token_type_ids" in feed:
                    feed["token_type_ids"][r, :n] = e.type_ids
            hidden = self._session.run(None, feed)[0]
            out[rows] = self.pooling.apply(hidden, feed["attention_mask"])
            if tokens or keep:
                for r, i in enumerate(rows):
                    n = len(encodings[i].ids)
                    read[i] = token_rows(list(encodings[i].tokens), hidden[r, :n])
        if keep:
            for text, row in zip(texts, read, strict=True):
                self._tokens.put(text, row)
        return out, read


def link_files(source: Path, target: Path) -> None:
    """Put an encoder folder's files into target: hard links where the disk allows, else copies."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            try:
                os.link(path, target / path.name)
            except OSError:
                shutil.copy2(path, target / path.name)


def read_record(folder: Path, variant: str) -> dict[str, Any]:
    """The encoder's record, after checking that its files are the ones it describes and that
    this variant passed its parity check (on this kind of CPU, for int8)."""
    if variant not in VARIANTS:
        raise EncoderUnavailable(f"unknown encoder variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EncoderUnavailable(f"no exported encoder in {folder}") from None
    except (OSError, ValueError) as exc:
        raise EncoderUnavailable(f"{folder / RECORD} cannot be read: {exc}") from None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        raise EncoderUnavailable(f"{folder / RECORD} is not a version-{RECORD_VERSION} encoder record")
    try:
        entry = record["variants"].get(variant)
        if not entry:
            raise EncoderUnavailable(f"the encoder in {folder} has no {variant} variant")
        parity = float(entry["parity"]["min_cosine"])
        files = [(entry["file"], entry["sha256"]), (record["tokenizer"]["file"], record["tokenizer"]["sha256"])]
        described = (
            isinstance(record["model_id"], str)
            and entry["file"] == VARIANTS[variant]
            and record["tokenizer"]["file"] == "tokenizer.json"
        )
    except (KeyError, TypeError, AttributeError, ValueError):
        raise EncoderUnavailable(f"{folder / RECORD} is malformed") from None
    if not described:
        raise EncoderUnavailable(f"{folder / RECORD} does not describe a {variant} encoder")
    if parity < PARITY_MIN[variant]:
        raise EncoderUnavailable(f"the {variant} encoder failed its parity check (min cosine {parity:.6f})")
    if variant == "int8" and entry.get("cpu") != cpu_features():
        raise EncoderUnavailable("the int8 encoder was quantised and checked on another kind of CPU")
    for name, digest in files:
        path = folder / str(name)
        if not path.is_file():
            raise EncoderUnavailable(f"encoder file missing: {path}")
        if sha256(path) != digest:
            raise EncoderUnavailable(f"encoder file damaged (checksum differs): {path}")
    return record


# ---------------------------------------------------------------- exporting (build time, torch)


def export(
    model: Any,
    model_id: str,
    folder: Path,
    *,
    texts: list[str],
    reference: np.ndarray,
    int8: bool = False,
) -> dict[str, Any]:
    """Export a loaded SentenceTransformer to ONNX in `folder` and check it.

    `texts` and `reference` are the index's texts and their sentence-transformers vectors;
    the sample questions are encoded with both paths too. Every variant's minimum cosine over
    all of them is recorded; a variant below PARITY_MIN is recorded as failed and not used.
    Raises ModelError when the model is not one this exporter handles.
    """
    import torch

    started = time.perf_counter()
    transformer, names = _exportable(model)
    pooling = _pooling_mode(model)
    folder.mkdir(parents=True, exist_ok=True)
    _export_tokenizer(model, folder)
    _export_graph(transformer.auto_model, transformer.tokenizer, names, folder / VARIANTS["fp32"])

    questions = list(SAMPLE_QUESTIONS)
    question_vectors = model.encode(questions, normalize_embeddings=True, convert_to_numpy=True)
    all_texts = [*texts, *questions]
    all_reference = np.vstack([np.asarray(reference, dtype=np.float32), question_vectors.astype(np.float32)])
    record: dict[str, Any] = {
        "version": RECORD_VERSION,
        "model_id": model_id,
        "dimension": int(all_reference.shape[1]),
        "pooling": pooling,
        "normalize": True,
        "max_length": int(model.max_seq_length),
        "inputs": names,
        "tokenizer": {"file": "tokenizer.json", "sha256": sha256(folder / "tokenizer.json")},
        "exported_with": {"torch": torch.__version__, "onnxruntime": _version("onnxruntime")},
        "variants": {},
    }
    if int8:
        _quantize(folder / VARIANTS["fp32"], folder / VARIANTS["int8"])
    for variant in ("fp32", "int8") if int8 else ("fp32",):
        record["variants"][variant] = _check(folder, record, variant, all_texts, all_reference)
    record["export_seconds"] = round(time.perf_counter() - started, 2)
    (folder / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    for variant, entry in record["variants"].items():
        log.info(
            "exported %s encoder: min cosine %.7f over %d texts", variant, entry["parity"]["min_cosine"], len(all_texts)
        )
    return record


def _exportable(model: Any) -> tuple[Any, list[str]]:
    """The model's transformer and the tokenizer inputs it takes; ModelError when the model is
    not one this exporter handles (a transformer, then pooling and normalisation only)."""
    modules = [type(m).__name__ for m in model]
    if (
        not modules
        or modules[0] != "Transformer"
        or any(m not in ("Transformer", "Pooling", "Normalize") for m in modules)
    ):
        raise ModelError(f"cannot export a model made of {modules} (only transformer, pooling, normalize)")
    transformer = model[0]
    if getattr(transformer.tokenizer, "backend_tokenizer", None) is None:
        raise ModelError("the model has no fast tokenizer to export")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in transformer.tokenizer.model_input_names]
    return transformer, names


def _export_tokenizer(model: Any, folder: Path) -> None:
    """The fast tokenizer as one file, truncating as the model does, without padding."""
    from tokenizers import Tokenizer

    fast = Tokenizer.from_str(model[0].tokenizer.backend_tokenizer.to_str())
    fast.enable_truncation(max_length=int(model.max_seq_length))
    fast.no_padding()
    fast.save(str(folder / "tokenizer.json"))


def _export_graph(net: Any, tokenizer: Any, names: list[str], path: Path) -> None:
    """The transformer's graph, giving its last hidden state, traced with eager attention."""
    import torch

    previous = getattr(net.config, "_attn_implementation", None)
    if hasattr(net, "set_attn_implementation"):
        net.set_attn_implementation("eager")  # a plain attention graph exports cleanly

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, *tensors: Any) -> Any:
            return self.net(**dict(zip(names, tensors, strict=True))).last_hidden_state

    sample = tokenizer(["an example", "a second, longer example sentence"], padding=True, return_tensors="pt")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes, for the exporter's authors
            torch.onnx.export(
                Wrapped().eval(),
                tuple(sample[n] for n in names),
                str(path),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
    finally:
        if previous and hasattr(net, "set_attn_implementation"):
            net.set_attn_implementation(previous)


def _check(
    folder: Path, record: dict[str, Any], variant: str, texts: list[str], reference: np.ndarray
) -> dict[str, Any]:
    path = folder / VARIANTS[variant]
    entry = {"file": path.name, "sha256": sha256(path), "cpu": cpu_features(), "parity": {"min_cosine": 0.0}}
    vectors = OnnxEmbedder(folder, variant, {**record, "variants": {variant: entry}}).encode(texts)
    cosines = np.sum(vectors * reference, axis=1)
    entry["parity"] = {
        "min_cosine": round(float(cosines.min()), 7),
        "mean_cosine": round(float(cosines.mean()), 7),
        "texts": len(texts),
        "required": PARITY_MIN[variant],
        "passed": bool(cosines.min() >= PARITY_MIN[variant]),
    }
    return entry


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation, weights per channel, for the CPU this runs on."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    vnni = any(f in cpu_features() for f in ("avx512_vnni", "avx_vnni", "amx_int8"))
    logging.disable(logging.WARNING)  # the quantiser logs advice on the root logger
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=not vnni,  # without VNNI, u8s8 products can saturate on full 8-bit ranges
        )
    finally:
        logging.disable(logging.NOTSET)


def _pooling_mode(model: Any) -> str:
    for module in model:
        if type(module).__name__ == "Pooling":
            config = module.get_config_dict()
            if config.get("pooling_mode") in ("mean", "cls"):  # sentence-transformers 6
                return str(config["pooling_mode"])
            if config.get("pooling_mode_mean_tokens"):
                return "mean"
            if config.get("pooling_mode_cls_token"):
                return "cls"
            raise ModelError(f"unsupported pooling: {config}")
    raise ModelError("the model has no pooling module")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)
