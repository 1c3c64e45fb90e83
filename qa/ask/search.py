"""Search: dense (chunks and their sentences) fused with BM25 over a loaded index, aware of who says what."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Self

import numpy as np

from qa.ask.question import (
    SpeakerIndex,
    Vocabulary,
    answer_type,
    clean_question,
    speaker_words,
    speakers_named,
    topic_words,
)
from qa.attribution.statements import Speaker
from qa.errors import IndexStaleError, IndexWriteError, QAError, SourceError
from qa.index import store
from qa.index.chunking import Chunk, lexical_text
from qa.index.embedding import (
    ENCODER_ENV,
    MODEL_ENV,
    Embedder,
    SentenceTransformerEmbedder,
    token_vectors,
)
from qa.index.lexical import STOPWORDS, defined_terms, terms
from qa.index.question_encoder import query_embedder
from qa.index.tokens import StoredTokens, Tokens
from qa.lang.en import MONTHS, NUMBER_WORDS, WEEKDAYS
from qa.text import article as articles
from qa.text.reading import is_furniture, is_title_line, load_article

log = logging.getLogger(__name__)

_CANDIDATES = 200  # per side, when the index is too large to score every chunk
_EXACT = 5000  # up to this many chunks every chunk is scored exactly
EVIDENCE_MARGIN = 0.05  # sentences this close to a chunk's best one are evidence too
_EVIDENCE_MAX = 3
LATE_DEPTH = 5  # the best this many passages are read word by word against the question
_TOKEN_MEMO = 1024  # passages whose token vectors a searcher keeps (float16: some 50 kB each)
_MONTHS = "|".join(MONTHS)
_DAYS = "|".join(WEEKDAYS)
_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\b", re.IGNORECASE)
# what a passage must hold to answer a question of each kind
ANSWER_SHAPES = {
    "when": re.compile(
        rf"\b(?:1\d{{3}}|20\d{{2}})s?\b|\b(?:{_MONTHS}|{_DAYS})\b|\bcenturies\b|\bcentury\b|\b(?:yester|to)day\b"
    ),
    "number": re.compile(
        rf"\d|\b(?:{NUMBER_WORDS}|dozens?|hundreds?|thousands?"
        r"|millions?|billions?|trillions?|percent|half|quarter|third)\b",
        re.IGNORECASE,
    ),
    "where": re.compile(
        r"\b(?:in|at|from|near|to|across|outside|inside)\s+(?:the\s+)?[A-Z][\w-]+|\b[A-Z][\w]+-based\b"
    ),
    # a person's age as news gives it: "Hale, 58, said", "the 82-year-old", "aged 40"
    "age": re.compile(r",\s\d{1,3},|\b\d{1,3}-year-old\b|\baged?\s\d{1,3}\b|\b\d{1,3} years old\b"),
    # a cause or a purpose: "because ...", "driven by ...", "to avoid ...", "given ...", "due to ..."
    "why": re.compile(
        r"\b(?:because|due to|owing to|thanks to|driven by|as a result|in order to|so that|so as to|given that"
        r"|the reason|reasons? (?:is|was|are|were)|to avoid|to prevent|for fear|blamed|attributed)\b",
        re.IGNORECASE,
    ),
}


def lexical_question(question: str) -> str:
    """The question as BM25 and the term coverage read it: "how many" and "how much" ask for a
    figure, their "many" and "much" are no words a passage should share."""
    return _HOW_MANY.sub("how", question)


@dataclass(frozen=True)
class Ranking:
    """How dense and lexical scores are fused; fitted by `python -m bench fit` and stored as data."""

    dense_share: float  # weight of the dense score against min-max normalised BM25
    sentence_share: float  # within the dense score: best sentence against the whole chunk
    speaker_boost: float  # added for the statements of a speaker the question names
    type_bonus: float = 0.0  # added where a passage holds the kind of thing asked (a date, a number, a place)
    version: int = 1
    coverage: float = 0.0  # weight of the share of the question's terms (by IDF) a passage holds
    definition: float = 0.0  # added where a passage defines the thing a "what is X" question names
    sentence_coverage: float = 0.0  # weight of the largest share of those terms one of its sentences holds
    late: float = 0.0  # weight of the word-by-word match (`Searcher.late`) among the best `LATE_DEPTH`
    cause_bonus: float = 0.0  # added where a passage gives a cause or a purpose, for a "why" question
    asked_boost: float | None = None  # the speaker boost where the question asks for that speaker's words (None: speaker_boost)
    age_bonus: float = 0.0  # added where a passage gives someone's age ("Hale, 58,"), for "how old"
    shown_penalty: float = 0.0  # taken off the passage the last answer quoted first, for a follow-up leaning on it
    next_bonus: float = 0.0  # added for the paragraph after that passage's, for the same follow-up

    @classmethod
    def bundled(cls) -> Ranking:
        path = Path(__file__).resolve().parents[1] / "data" / "ranking.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        names = (
            "dense_share",
            "sentence_share",
            "speaker_boost",
            "type_bonus",
            "version",
            "coverage",
            "definition",
            "sentence_coverage",
            "late",
            "cause_bonus",
            "asked_boost",
            "age_bonus",
            "shown_penalty",
            "next_bonus",
        )
        return cls(**{k: data[k] for k in names if k in data})


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
    evidence: tuple[tuple[int, int], ...] = ()  # source offsets of the sentences that answer best, best first
    evidence_score: float = 0.0  # cosine of the best of them with the question
    title: str = ""  # the article's title (its doc id when it has none), when the index holds several

    def evidence_text(self) -> list[str]:
        return [self.text[s - self.start : e - self.start] for s, e in self.evidence]

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "score": round(self.score, 6),
            "paragraph": self.paragraph,
            "doc": self.doc,
            "title": self.title,
            "speaker": self.speaker,
            "role": self.role,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "quotes": list(self.quotes),
            "evidence": [
                {"start": s, "end": e, "text": t} for (s, e), t in zip(self.evidence, self.evidence_text(), strict=True)
            ],
        }


@dataclass
class Derived:
    """What the asking layer reads off an index, worked out on first use and kept beside it."""

    vocabulary: tuple[Vocabulary, dict[int, set[str]]] | None = None  # all words; each chunk's terms
    article_words: dict[str, Vocabulary] = field(default_factory=dict)  # per article
    placed: list[tuple[int, str]] | None = None  # (chunk, organisation) per "the <place>-based ..."
    role_stems: dict[tuple[str | None, str], set[str]] = field(default_factory=dict)  # per speaker


class Searcher:
    """Search an index of attributed chunks: dense chunks and sentences fused with BM25."""

    def __init__(self, data: store.IndexData, embedder: Embedder, *, ranking: Ranking | None = None) -> None:
        self.index = data
        self.embedder = embedder
        self.ranking = ranking or Ranking.bundled()
        self._chunks = data.chunks
        self._by_speaker: dict[str | None, list[int]] = {}
        self._by_doc: dict[str, list[int]] = {}
        for chunk in data.chunks:
            self._by_speaker.setdefault(chunk.speaker, []).append(chunk.id)
            self._by_doc.setdefault(chunk.doc, []).append(chunk.id)
        self.titles = {
            raw["doc"]: raw.get("title") or raw["doc"]
            for raw in data.manifest.get("sources", [])
            if isinstance(raw, dict)
        }
        self._lock = threading.Lock()  # faiss searches are thread-safe; the encoder is guarded
        self._articles: dict[str, articles.Article] | None = None
        self._matrix = _matrix(data.vectors)
        self._sentences = data.sentences
        self._sentence_matrix = _matrix(data.sentence_vectors)
        self._exact = _is_exact(data.vectors) and _is_exact(data.sentence_vectors)
        owners = data.sentences[:, 0]
        self._first = np.searchsorted(owners, np.arange(len(data.chunks)), side="left")
        self._stop = np.searchsorted(owners, np.arange(len(data.chunks)), side="right")
        self.speaker_index = SpeakerIndex.build(data.chunks, data.speakers)
        self._passage_tokens: dict[int, Tokens] = {}
        # the passages' token vectors as the index stores them (None: read with the model)
        model = data.manifest["model"]
        self._stored = StoredTokens.open(data.token_rows, data.token_offsets, model["id"], int(model["dimension"]))
        # read off the chunks once, on first use
        self._defined: dict[str, list[int]] | None = None
        self._sentence_terms: dict[str, np.ndarray] | None = None
        self._furniture: np.ndarray | None = None
        self._shapes: dict[str, np.ndarray] = {}
        self.derived = Derived()

    # ------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        *,
        model: str | None = None,
        embedder: Embedder | None = None,
        rebuild: bool = True,
        encoder: str | None = None,
    ) -> Self:
        """Open an index, rebuilding it first when it is stale and its sources are at hand.

        Args:
            index_dir: the index folder; $QA_INDEX or the repository's index/ when None.
            model: embedding model name or path; by default the one the index was built with
                ($QA_MODEL overrides).
            embedder: an encoder object to use instead of loading a model (tests).
            rebuild: rebuild a stale index automatically; otherwise raise IndexStaleError.
            encoder: how questions are encoded: "fp32" (the index's exported ONNX encoder, the
                default), "int8" (its int8 variant) or "torch" (sentence-transformers);
                $QA_ENCODER when None. Without a verified encoder, sentence-transformers.

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
                missing = store.missing_named(manifest)
                raise IndexStaleError(
                    f"index in {folder} is stale ({'; '.join(reasons)})"
                    + (f" and its sources are missing, so it cannot be rebuilt: {missing}" if missing else "")
                )
            embedder = embedder or SentenceTransformerEmbedder(model_id)
            log.warning("index in %s is stale (%s); rebuilding", folder, "; ".join(reasons))
            key = store.build_key(manifest, embedder.model_id)
            folder = _rebuild(sources, folder, embedder, key, store.records(manifest))
        data = store.load(folder)
        if embedder is None:
            index_model = data.manifest["model"]["id"]
            embedder = query_embedder(folder, index_model, model=asked, encoder=encoder)
            choice = encoder or os.environ.get(ENCODER_ENV) or "fp32"
            if (
                isinstance(embedder, SentenceTransformerEmbedder)
                and choice != "torch"
                and embedder.model_id == index_model
            ):
                _export_encoder(folder, embedder)
        return cls(data, embedder)

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        return self.index.speakers

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return self._chunks

    def speaker_chunks(self, name: str | None) -> list[int]:
        return list(self._by_speaker.get(name, []))

    def doc_chunks(self, doc: str | None) -> list[int] | None:
        """The chunk ids of one article (None: no filter). Raises SourceError for an unknown doc."""
        if doc is None:
            return None
        if doc not in self._by_doc:
            known = ", ".join(sorted(self._by_doc)[:20])
            raise SourceError(f"no article {doc!r} in the index (articles: {known})")
        return list(self._by_doc[doc])

    def _read_articles(self) -> dict[str, Any]:
        """The articles whose text still reads as it was indexed: a built one's source file, an
        added one's copy kept in the index."""
        with self._lock:
            if self._articles is None:
                self._articles = {}
                for raw in self.index.manifest.get("sources", []):
                    ref = store.SourceRef(**raw)
                    try:
                        loaded = load_article(ref.resolve())
                    except QAError:
                        continue
                    if loaded.sha256 == ref.sha256:
                        self._articles[ref.doc] = loaded
            return self._articles

    def article_text(self, doc: str) -> str:
        """The text an article's `Hit.start`/`end` index: a plain-text file as it stands (Unicode
        NFC), the text read from a Markdown file or a web page.

        Raises:
            SourceError: no article `doc`, or its text no longer reads as it was indexed.
        """
        art = self._read_articles().get(doc)
        if art is None:
            known = {c.doc for c in self._chunks}
            what = "has changed since it was indexed" if doc in known else "is not in the index"
            raise SourceError(f"article {doc!r} {what}")
        return str(art.text)

    def paragraph_text(self, doc: str, paragraph: int) -> str:
        """The whole paragraph a hit stands in: from the source, else from its chunks."""
        art = self._read_articles().get(doc)
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
        boost: Sequence[str] = (),
        kind: str | None = None,
        boost_weight: float | None = None,
        defined: str | None = None,
        after: int | None = None,
    ) -> list[Hit]:
        """The best `limit` chunks: dense (best sentence and whole chunk) fused with BM25.

        Args:
            restrict: score only these chunk ids.
            boost: speakers whose statements get the fitted speaker boost.
            kind: what the question asks for ("when", "number", "where", "why", "age"); passages that hold
                one get the fitted bonus.
            boost_weight: the boost for `boost` speakers; the fitted one when None.
            defined: the stem of the thing a "what is X" question asks about; passages that
                define it ("X, a ...", "X is a ...") get the fitted bonus.
            after: the chunk the last answer quoted first, for a follow-up that leans on it
                (see `_moving_on`).
        """
        vector = self.encode(question) if vector is None else vector
        asked, question = question, lexical_question(question)
        lexical = self.index.lexical.scores(question)
        candidates = self._candidates(vector, lexical, restrict)
        if len(candidates) == 0:
            return []
        # a restricted search is scaled as the open search would scale it: a few passages of one
        # speaker differ by hundredths in cosine, which min-max over those few alone would blow
        # up to the full range
        pool = candidates if restrict is None else np.union1d(self._candidates(vector, lexical, None), candidates)
        r = self.ranking
        pool_dense = _dense_scores(self._matrix, vector, pool)
        pool_best = self._best_sentences(vector, pool)
        pool_mixed = r.sentence_share * pool_best + (1 - r.sentence_share) * pool_dense
        pool_fused = r.dense_share * _minmax(pool_mixed) + (1 - r.dense_share) * _minmax(lexical[pool])
        if r.coverage:
            pool_fused += r.coverage * self.index.lexical.coverage(question)[pool]
        if r.sentence_coverage:
            pool_fused += r.sentence_coverage * self.sentence_coverage(question)[pool]
        at = np.searchsorted(pool, candidates)  # both sorted
        dense, best, mixed, fused = pool_dense[at], pool_best[at], pool_mixed[at], pool_fused[at]
        lex = lexical[candidates]
        bonus = {"why": r.cause_bonus, "age": r.age_bonus}.get(kind or "", r.type_bonus)
        if kind in ANSWER_SHAPES and bonus:
            fused += bonus * self.shapes(kind)[candidates]
        if defined and r.definition:
            fused += r.definition * self.defines(defined)[candidates]
        if boost:
            wanted = set(boost)
            weight = r.speaker_boost if boost_weight is None else boost_weight
            fused += weight * np.asarray([self._chunks[c].speaker in wanted for c in candidates.tolist()])
        if after is not None and (r.shown_penalty or r.next_bonus):
            fused += self._moving_on(after, candidates)
        if r.late:
            fused += r.late * self.late(asked, candidates, fused)
        # headlines, captions and video links come after every passage of the story itself
        order = np.lexsort((candidates, -mixed, -fused, self.furniture()[candidates]))[:limit]
        hits = []
        for i in order.tolist():
            chunk = self._chunks[int(candidates[i])]
            evidence = self._evidence(vector, int(candidates[i]), float(best[i]))
            hits.append(self._hit(chunk, float(fused[i]), float(dense[i]), float(lex[i]), evidence, float(best[i])))
        return hits

    def _moving_on(self, after: int, candidates: np.ndarray) -> np.ndarray:
        """Per candidate, for a follow-up that leans on the last answer: the fitted penalty
        for the passage that answer quoted first (the reader has just read it) and the fitted
        bonus for the passages of the paragraph after it (a news story goes on there)."""
        last = self._chunks[after]
        following = np.asarray(
            [self._chunks[c].doc == last.doc and self._chunks[c].paragraph == last.paragraph + 1 for c in candidates.tolist()]
        )
        r = self.ranking
        return (r.next_bonus * following - r.shown_penalty * (candidates == after)).astype(np.float32)

    def late(self, question: str, candidates: np.ndarray, fused: np.ndarray) -> np.ndarray:
        """Per candidate: how well the best `LATE_DEPTH` of them (by `fused`) match the question
        word by word, above the least of them (0.0 for the rest). Each content word of the
        question, in context, is matched to the passage word closest to it, and the cosines
        are averaged: "Where did the plague start?" finds "originated in" where the passage
        vectors, whole, miss it. Zeros when the encoder gives no token vectors."""
        out = np.zeros(len(candidates), dtype=np.float32)
        top = np.argsort(-fused, kind="stable")[:LATE_DEPTH]
        if len(top) < 2:
            return out
        read = self._tokens_of(question, [int(candidates[i]) for i in top.tolist()])
        if read is None:
            return out
        (pieces, asked), passages = read
        # the question's own words; all of its pieces when it is only stopwords ("Who said it?")
        content = [i for i, piece in enumerate(pieces) if piece.lstrip("#▁Ġ").lower() not in STOPWORDS]
        rows = asked[content] if content else asked
        if not len(rows):
            return out
        scores = np.asarray(
            [
                float((rows @ vectors.T.astype(np.float32)).max(axis=1).mean()) if len(vectors) else 0.0
                for _, vectors in passages
            ]
        )
        out[top] = scores - scores.min()
        return out

    def _tokens_of(self, question: str, chunk_ids: list[int]) -> tuple[Tokens, list[Tokens]] | None:
        """The token vectors of a question and of some passages: the passages' from the index
        when it stores them, else from the model (these kept once read)."""
        stored = self._stored
        known = {c: ((), stored.of(c)) if stored else self._passage_tokens.get(c) for c in chunk_ids}
        missing = [c for c, read in known.items() if read is None]
        with self._lock:
            asked = token_vectors(self.embedder, [question])
            fresh = token_vectors(self.embedder, [self._chunks[c].text for c in missing]) if missing else []
        if asked is None or fresh is None:
            return None
        kept = {c: (pieces, vectors.astype(np.float16)) for c, (pieces, vectors) in zip(missing, fresh, strict=True)}
        known.update(kept)
        if len(self._passage_tokens) + len(missing) > _TOKEN_MEMO:
            self._passage_tokens.clear()
        self._passage_tokens.update(kept)
        return asked[0], [read for read in known.values() if read is not None]

    def defines(self, stem: str) -> np.ndarray:
        """1.0 for every chunk that defines the thing `stem` names, else 0.0 (the definitions
        are read once per index)."""
        defined = self._defined
        if defined is None:  # stem -> the chunks that define it
            defined = {}
            for i, chunk in enumerate(self._chunks):
                for term in defined_terms(chunk.text):
                    defined.setdefault(term, []).append(i)
            self._defined = defined
        flags = np.zeros(len(self._chunks), dtype=np.float32)
        flags[defined.get(stem, [])] = 1.0
        return flags

    def sentence_coverage(self, question: str) -> np.ndarray:
        """Per chunk: the largest share of the question's terms (weighted as in the chunk
        coverage) that one of its sentences holds, with who says it as BM25 reads it; an
        answer tends to sit in one sentence."""
        holders = self._sentence_terms
        if holders is None:  # term -> the sentences that hold it (read once per index)
            found: dict[str, list[int]] = {}
            for row, (cid, start, end) in enumerate(self._sentences.tolist()):
                for term in set(terms(lexical_text(self._chunks[cid], start, end))):
                    found.setdefault(term, []).append(row)
            holders = {term: np.asarray(rows, dtype=np.int64) for term, rows in found.items()}
            self._sentence_terms = holders
        scores = np.zeros(len(self._sentences), dtype=np.float32)
        for term, weight in self.index.lexical.weights(question).items():
            if term in holders:
                scores[holders[term]] += weight
        return np.maximum.reduceat(scores, self._first) if len(scores) else np.zeros(len(self._chunks), np.float32)

    def furniture(self) -> np.ndarray:
        """1 for every chunk that is a headline, a caption or a video link, else 0 (cached)."""
        flags = self._furniture
        if flags is None:
            # an article's first paragraph may be its title with a full stop after it
            later: Counter[str] = Counter()  # paragraphs after the first, per article
            second: dict[str, str] = {}  # the text of each article's second paragraph
            for c in self._chunks:
                later[c.doc] += c.paragraph > 1
                if c.paragraph == 2:
                    second[c.doc] = f"{second.get(c.doc, '')} {c.text}"
            flags = np.asarray(
                [
                    is_furniture(c.text)
                    or (c.paragraph == 1 and is_title_line(c.text, later[c.doc], second.get(c.doc, "")))
                    for c in self._chunks
                ],
                dtype=np.int8,
            )
            self._furniture = flags
        return flags

    def shapes(self, kind: str) -> np.ndarray:
        """1.0 for every chunk that holds something of the kind asked for, else 0.0 (cached)."""
        cache = self._shapes
        if kind not in cache:
            pattern = ANSWER_SHAPES[kind]
            cache[kind] = np.asarray([pattern.search(c.text) is not None for c in self._chunks], dtype=np.float32)
        return cache[kind]

    def _candidates(self, vector: np.ndarray, lexical: np.ndarray, restrict: Sequence[int] | None) -> np.ndarray:
        n = len(self._chunks)
        if restrict is not None:
            return np.asarray(sorted(set(restrict)), dtype=np.int64)
        if n <= _EXACT:
            return np.arange(n)
        top, many = min(_CANDIDATES, n), min(_CANDIDATES, len(self._sentences))
        if self._exact:
            # the vectors are in memory already: one product each (faiss's own search of an
            # exact index costs several times more beside the encoder's threads)
            ids = _best(self._matrix @ vector[0], top)
            rows = _best(self._sentence_matrix @ vector[0], many)
        else:
            ids, rows = self.index.vectors.search(vector, top)[1][0], self.index.sentence_vectors.search(vector, many)[1][0]
        lex_top = np.argpartition(-lexical, top - 1)[:top]
        owners = self._sentences[rows[rows >= 0], 0]
        return np.unique(np.concatenate([ids[ids >= 0], owners, lex_top]))

    def _best_sentences(self, vector: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Per candidate chunk: the cosine of its sentence closest to the question."""
        if len(candidates) == len(self._chunks):
            sims = self._sentence_matrix @ vector[0]
            return np.maximum.reduceat(sims, self._first).astype(np.float32)
        best = np.empty(len(candidates), dtype=np.float32)
        for i, c in enumerate(candidates.tolist()):
            best[i] = float((self._sentence_matrix[self._first[c] : self._stop[c]] @ vector[0]).max())
        return best

    def _evidence(self, vector: np.ndarray, chunk: int, best: float) -> tuple[tuple[int, int], ...]:
        rows = slice(int(self._first[chunk]), int(self._stop[chunk]))
        sims = self._sentence_matrix[rows] @ vector[0]
        picked = [i for i in np.argsort(-sims).tolist() if sims[i] >= best - EVIDENCE_MARGIN][:_EVIDENCE_MAX]
        spans = self._sentences[rows][picked, 1:]  # best first
        return tuple((int(s), int(e)) for s, e in spans)

    def hit(self, chunk_id: int) -> Hit:
        """A chunk as a hit, unscored (for passages chosen by position, not by a question)."""
        return self._hit(self._chunks[chunk_id], 0.0, 0.0, 0.0, (), 0.0)

    def _hit(self, chunk: Chunk, *scores: Any) -> Hit:
        hit = _hit(chunk, *scores)
        return replace(hit, title=self.titles.get(chunk.doc, chunk.doc)) if len(self.titles) > 1 else hit

    def search(self, question: str, k: int = 5, *, speaker: str | None = None, doc: str | None = None) -> list[Hit]:
        """The k passages that best answer the question, best first; never abstains.

        A question that names a speaker (by name, surname, role or organisation) prefers that
        speaker's statements. `speaker` restricts the search to one speaker explicitly, `doc`
        to one article.
        """
        text = clean_question(question)
        k = max(1, int(k))
        scope = self.doc_chunks(doc)
        named = [] if speaker else speakers_named(text, self.speaker_index)
        restrict = within(self.speaker_chunks(speaker) if speaker else None, scope)
        if (speaker or doc) and not restrict:
            return []
        # a question about a speaker and nothing else ("What did X say?") is led by them outright
        only_speaker = bool(named) and not topic_words(text, speaker_words(text, named, self.speaker_index))
        return self.rank(
            text,
            restrict=restrict,
            limit=k,
            boost=[s.name for s in named],
            boost_weight=1.0 if only_speaker else None,
            kind=answer_type(text),
        )


def within(ids: Sequence[int] | None, scope: Sequence[int] | None) -> list[int] | None:
    """Chunk ids limited to a scope (None on either side: no limit from that side)."""
    if scope is None:
        return None if ids is None else list(ids)
    if ids is None:
        return list(scope)
    allowed = set(scope)
    return [i for i in ids if i in allowed]


def _dense_scores(matrix: np.ndarray, vector: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Exact cosine of the question with the given chunks (vectors are unit length)."""
    return np.asarray(matrix[ids] @ vector[0], dtype=np.float32)


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """The positions of the k highest scores, in no order."""
    return np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))


def _is_exact(index: Any) -> bool:
    import faiss

    return isinstance(index, faiss.IndexFlat)


def _matrix(index: Any) -> np.ndarray:
    """The stored vectors as one array: a view for exact indexes, a copy for approximate ones."""
    import faiss

    if _is_exact(index):
        return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
    return np.asarray(index.reconstruct_n(0, index.ntotal))


def _minmax(values: np.ndarray) -> np.ndarray:
    """Scores scaled to [0, 1] within one question's candidates; all zero when they are all equal."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros(len(values), dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def _hit(
    chunk: Chunk, score: float, dense: float, lexical: float, evidence: tuple[tuple[int, int], ...], best: float
) -> Hit:
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
        evidence=evidence,
        evidence_score=best,
    )


def _export_encoder(folder: Path, embedder: SentenceTransformerEmbedder) -> None:
    """Give an index without a usable query encoder one, now that the model is loaded anyway,
    so that later processes start without torch. A folder that cannot be written is left as is."""
    try:
        if store.add_encoder(folder, embedder):
            log.warning("exported the query encoder into %s; later runs start without torch", folder / store.ENCODER)
    except (IndexWriteError, OSError) as exc:
        log.info("could not export the query encoder into %s: %s", folder, exc)


def _rebuild(sources: list[Path], folder: Path, embedder: Embedder, key: str, records: list[store.SourceRef]) -> Path:
    """Rebuild in place; if the folder cannot be written, use (or make) a cached private copy."""
    try:
        store.build(sources, folder, embedder=embedder, records=records)
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
    store.build(sources, private, embedder=embedder, records=records)
    return private
