"""The retriever: hybrid dense + BM25 search over a loaded index, aware of who says what."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa import article as articles
from qa import store
from qa.attribution import Speaker
from qa.chunking import Chunk
from qa.embedding import MODEL_ENV, Embedder, SentenceTransformerEmbedder
from qa.errors import BadQuestionError, IndexStaleError, IndexWriteError, QAError

if TYPE_CHECKING:
    from qa.answering import Answer

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# refused on raw length, before any work: NFKC can grow a text 18-fold, so normalising
# only bounded input keeps a refusal cheap (a question padded with this much space is refused too)
MAX_RAW_CHARS = 8 * MAX_QUESTION_CHARS
RRF_K = 60  # reciprocal rank fusion constant; chosen over linear score mixes by measuring
_CANDIDATES = 200  # per side, when the index is too large to score every chunk


@dataclass(frozen=True)
class Hit:
    """One passage found for a question: the article's own words and who says them."""

    text: str
    score: float
    paragraph: int
    doc: str
    speaker: str | None
    role: str | None
    kind: str
    start: int
    end: int
    chunk_id: int
    dense: float  # cosine similarity between question and passage
    lexical: float  # BM25 score
    quotes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "score": round(self.score, 6),
            "paragraph": self.paragraph,
            "doc": self.doc,
            "speaker": self.speaker,
            "role": self.role,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "quotes": list(self.quotes),
        }


def clean_question(question: object) -> str:
    """The question as text, or BadQuestionError saying why it cannot be used."""
    if not isinstance(question, str):
        raise BadQuestionError("the question must be text")
    if len(question) > MAX_RAW_CHARS:
        raise BadQuestionError(
            f"the question is too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})"
        )
    text = unicodedata.normalize("NFKC", question)
    text = "".join(ch if ch.isprintable() or ch in " \t\n" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        raise BadQuestionError("the question is empty; ask something about the article")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestionError(f"the question is too long ({len(text)} characters; the limit is {MAX_QUESTION_CHARS})")
    if not any(ch.isalnum() for ch in text):
        raise BadQuestionError("the question has no words in it")
    return text


class Retriever:
    """Search an index of attributed chunks; answer questions with the article's own words."""

    def __init__(self, data: store.IndexData, embedder: Embedder) -> None:
        self.index = data
        self.embedder = embedder
        self._chunks = data.chunks
        self._by_speaker: dict[str | None, list[int]] = {}
        for chunk in data.chunks:
            self._by_speaker.setdefault(chunk.speaker, []).append(chunk.id)
        self._lock = threading.Lock()  # faiss searches are thread-safe; the encoder is guarded
        self._articles: dict[str, articles.Article] | None = None
        self._matrix = _matrix(data.vectors)

    # ------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        model: str | None = None,
        embedder: Embedder | None = None,
        rebuild: bool = True,
    ) -> Retriever:
        """Open an index, rebuilding it first when it is stale and its sources are at hand.

        Args:
            index_dir: the index folder; $QA_INDEX or the repository's index/ when None.
            model: embedding model name or path; by default the one the index was built with
                ($QA_MODEL overrides).
            embedder: an encoder object to use instead of loading a model (tests).
            rebuild: rebuild a stale index automatically; otherwise raise IndexStaleError.

        Raises:
            IndexMissingError, IndexCorruptError, IndexStaleError, ModelError.
        """
        folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
        manifest = store.read_manifest(folder)
        asked = model or os.environ.get(MODEL_ENV) or (embedder.model_id if embedder else None)
        model_id = asked or manifest.get("model", {}).get("id")
        reasons = store.stale_reasons(manifest, model=asked)
        if reasons:
            sources = store.sources_available(manifest)
            if not rebuild or sources is None:
                missing = ", ".join(map(str, store.missing_sources(manifest)))
                raise IndexStaleError(
                    f"index in {folder} is stale ({'; '.join(reasons)})"
                    + (f" and its sources are missing, so it cannot be rebuilt: {missing}" if missing else "")
                )
            embedder = embedder or SentenceTransformerEmbedder(model_id)
            log.warning("index in %s is stale (%s); rebuilding", folder, "; ".join(reasons))
            folder = _rebuild(sources, folder, embedder, store.build_key(manifest, embedder.model_id))
        data = store.load(folder)
        return cls(data, embedder or SentenceTransformerEmbedder(model_id))

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        return self.index.speakers

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return self._chunks

    def speaker_chunks(self, name: str | None) -> list[int]:
        return list(self._by_speaker.get(name, []))

    def paragraph_text(self, doc: str, paragraph: int) -> str:
        """The whole paragraph a hit stands in: from the source, else from its chunks."""
        with self._lock:
            if self._articles is None:
                self._articles = {}
                for raw in self.index.manifest.get("sources", []):
                    ref = store.SourceRef(**raw)
                    try:
                        loaded = articles.load(ref.resolve())
                    except QAError:
                        continue
                    if loaded.sha256 == ref.sha256:
                        self._articles[ref.doc] = loaded
        art = self._articles.get(doc)
        if art is not None and 1 <= paragraph <= len(art.paragraphs):
            return art.paragraph(paragraph).text
        return " ".join(c.text for c in self._chunks if c.doc == doc and c.paragraph == paragraph)

    # ------------------------------------------------------------ search

    def encode(self, text: str) -> np.ndarray:
        return self.encode_many([text])

    def encode_many(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.embedder.encode(texts)

    def rank(
        self,
        question: str,
        *,
        restrict: Sequence[int] | None = None,
        vector: np.ndarray | None = None,
        limit: int = 50,
    ) -> list[Hit]:
        """The best `limit` candidate chunks, scored by fusing dense and BM25 ranks."""
        vector = self.encode(question) if vector is None else vector
        n = len(self._chunks)
        lexical = self.index.lexical.scores(question)
        if restrict is not None:
            candidates = np.asarray(sorted(set(restrict)), dtype=np.int64)
            dense = _dense_scores(self._matrix, vector, candidates)
        elif n <= 5000:
            candidates = np.arange(n)
            dense = _dense_scores(self._matrix, vector, candidates)
        else:
            top = min(_CANDIDATES, n)
            sims, ids = self.index.vectors.search(vector, top)
            lex_top = np.argpartition(-lexical, top - 1)[:top]
            candidates = np.unique(np.concatenate([ids[0][ids[0] >= 0], lex_top]))
            known = dict(zip(ids[0].tolist(), sims[0].tolist(), strict=False))
            missing = [c for c in candidates.tolist() if c not in known]
            if missing:
                extra = _dense_scores(self._matrix, vector, np.asarray(missing))
                known.update(zip(missing, extra.tolist(), strict=False))
            dense = np.asarray([known[c] for c in candidates.tolist()], dtype=np.float32)
        if len(candidates) == 0:
            return []
        lex = lexical[candidates]
        fused = _rrf(dense, lex)
        order = np.lexsort((candidates, -dense, -fused))[:limit]
        hits = []
        for i in order.tolist():
            chunk = self._chunks[int(candidates[i])]
            hits.append(_hit(chunk, float(fused[i]), float(dense[i]), float(lex[i])))
        return hits

    def search(self, question: str, k: int = 5, *, speaker: str | None = None) -> list[Hit]:
        """The k passages that best answer the question, best first; never abstains.

        A question that names a speaker (by name, surname, role or organisation) prefers that
        speaker's statements. `speaker` restricts the search to one speaker explicitly.
        """
        from qa.answering import speakers_named

        text = clean_question(question)
        k = max(1, int(k))
        names = [speaker] if speaker else [s.name for s in speakers_named(text, self)]
        restrict = [i for name in names for i in self.speaker_chunks(name)] or None
        vector = self.encode(text)
        hits = self.rank(text, restrict=restrict, vector=vector, limit=k)
        if len(hits) < k and restrict is not None:
            seen = {h.chunk_id for h in hits}
            more = self.rank(text, vector=vector, limit=2 * k)
            hits += [h for h in more if h.chunk_id not in seen][: k - len(hits)]
        return hits

    def answer(
        self,
        question: str,
        history: Sequence[str] | None = None,
        *,
        k: int = 3,
        speaker: str | None = None,
    ) -> Answer:
        """Answer with the article's words, or abstain when it does not say.

        Args:
            question: what the user asks.
            history: the earlier user turns of the same chat, oldest first; they resolve
                "he", "his company" and "what else".
            k: at most this many quotes.
            speaker: only quote this speaker.
        """
        from qa.answering import answer

        return answer(self, question, history=list(history or []), k=k, speaker=speaker)


def _dense_scores(matrix: np.ndarray, vector: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Exact cosine of the question with the given chunks (vectors are unit length)."""
    return np.asarray(matrix[ids] @ vector[0], dtype=np.float32)


def _matrix(index: Any) -> np.ndarray:
    """The stored vectors as one array: a view for exact indexes, a copy for approximate ones."""
    import faiss

    if isinstance(index, faiss.IndexFlat):
        return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
    return np.asarray(index.reconstruct_n(0, index.ntotal))


def _rrf(dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """Reciprocal rank fusion; chunks with no query term get no lexical share."""
    dense_rank = np.empty(len(dense), dtype=np.float64)
    dense_rank[np.argsort(-dense, kind="stable")] = np.arange(1, len(dense) + 1)
    lex_rank = np.empty(len(lexical), dtype=np.float64)
    lex_rank[np.argsort(-lexical, kind="stable")] = np.arange(1, len(lexical) + 1)
    fused = 1.0 / (RRF_K + dense_rank)
    fused += np.where(lexical > 0, 1.0 / (RRF_K + lex_rank), 0.0)
    return fused.astype(np.float32)


def _hit(chunk: Chunk, score: float, dense: float, lexical: float) -> Hit:
    return Hit(
        text=chunk.text,
        score=score,
        paragraph=chunk.paragraph,
        doc=chunk.doc,
        speaker=chunk.speaker,
        role=chunk.role,
        kind=chunk.kind,
        start=chunk.start,
        end=chunk.end,
        chunk_id=chunk.id,
        dense=dense,
        lexical=lexical,
        quotes=chunk.quotes,
    )


def _rebuild(sources: list[Path], folder: Path, embedder: Embedder, key: str) -> Path:
    """Rebuild in place; if the folder cannot be written, use (or make) a cached private copy."""
    try:
        store.build(sources, folder, embedder=embedder)
        return folder
    except IndexWriteError:
        pass
    private = Path(tempfile.gettempdir()) / f"qa-index-{key}"
    try:
        manifest = store.read_manifest(private)
        if not store.stale_reasons(manifest, model=embedder.model_id):
            log.warning("%s is read-only; using the copy rebuilt earlier in %s", folder, private)
            return private
    except QAError:
        pass
    log.warning("%s is read-only; using a fresh index built in %s", folder, private)
    store.build(sources, private, embedder=embedder)
    return private
