"""A library of articles in one index: add, replace, remove and list articles one at a time,
embedding only what is new. Articles come as plain text, Markdown or saved web pages.

Every change writes a whole new index folder and swaps it in atomically (store.write_index),
so a crash in the middle leaves the previous index as it was. The vectors of the articles that
stay are carried over, never recomputed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.attribution.statements import Speaker, attribute
from qa.errors import IndexMissingError, IndexWriteError, SourceError
from qa.index import store
from qa.index.chunking import Chunk, embedding_text, make_chunks, sentence_rows
from qa.index.embedding import Embedder
from qa.index.tokens import settle
from qa.text import article as articles
from qa.text.reading import MAX_BYTES, Incoming, from_bytes, read

MAX_SENTENCES = 5_000
"""Sentences embedded for one added article (about 600 KB of prose, a minute of the model's time
on two cores); a longer article is refused before anything is embedded."""


@dataclass(frozen=True)
class Document:
    """One article of the library, as `qa list` shows it."""

    doc: str
    title: str
    source: str
    format: str
    paragraphs: int
    chunks: int
    speakers: int
    added: str
    sha256: str
    byline: str = ""
    date: str = ""
    damaged: bool = False  # its kept text differs from what was indexed: remove it or add it again


# ---------------------------------------------------------------- the library


def documents(index_dir: str | Path | None = None) -> list[Document]:
    """The articles in the index, in the order they were added."""
    folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
    data = store.load(folder)
    return describe(data.manifest, data)


def describe(manifest: dict[str, Any], data: store.IndexData) -> list[Document]:
    """The articles of an index already loaded, in the order they were added."""
    chunks: dict[str, list[Chunk]] = {}
    for chunk in data.chunks:
        chunks.setdefault(chunk.doc, []).append(chunk)
    speakers: dict[str | None, set[str]] = {}
    for speaker in data.speakers:
        speakers.setdefault(speaker.doc, set()).add(speaker.name)
    out = []
    for raw in manifest["sources"]:
        ref = store.SourceRef(**raw)
        mine = chunks.get(ref.doc, [])
        people = speakers.get(ref.doc) or {c.speaker for c in mine if c.speaker}
        out.append(
            Document(
                doc=ref.doc,
                title=ref.title or ref.doc,
                source=ref.path,
                format=ref.format,
                paragraphs=len({c.paragraph for c in mine}),
                chunks=len(mine),
                speakers=len(people),
                added=ref.added or manifest.get("built_at", ""),
                sha256=ref.sha256,
                byline=ref.byline,
                date=ref.date,
                damaged=ref.doc in data.damaged,
            )
        )
    return out


def add(
    incoming: list[Incoming],
    index_dir: str | Path | None = None,
    *,
    embedder: Embedder,
    checkpoint: store.Checkpoint | None = None,
) -> dict[str, str]:
    """Add articles to the index (created when missing): {doc: "added" | "replaced" | "unchanged"}.

    Only the new articles' chunks, sentences and words are embedded. An article whose doc id is
    already in the index replaces it, unless its text is the same (then nothing is written).
    Changes to one index wait for each other, so none is lost."""
    folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
    with changing(folder):
        return _add(incoming, folder, embedder=embedder, checkpoint=checkpoint)


def _add(
    incoming: list[Incoming], folder: Path, *, embedder: Embedder, checkpoint: store.Checkpoint | None
) -> dict[str, str]:
    started = time.perf_counter()
    try:
        current = _read(folder)
    except IndexMissingError:
        current = None
    sources = [store.SourceRef(**raw) for raw in current[0]["sources"]] if current else []
    # an article from a full build has no time of its own: it came in with that build
    sources = [s if s.added else replace(s, added=current[0].get("built_at", "")) for s in sources] if current else []
    known = {s.doc: s for s in sources}
    incoming = _own_ids(incoming, known)
    outcome, fresh = _what_changes(incoming, known)
    if not fresh:
        return outcome
    if current and current[0]["model"]["id"] != embedder.model_id:
        raise SourceError(
            f"the index is built with {current[0]['model']['id']}, not {embedder.model_id}; add with that model"
        )

    base = _without(current[1], {i.doc for i in fresh}) if current else None
    contents = base or store.Contents(
        [], [], np.zeros((0, 0), np.float32), [], np.zeros((0, 0), np.float32), [], np.zeros((0, 0), np.float32)
    )
    kept = {
        name: text for name, text in (current[2] if current else {}).items() if name[:-4] not in {i.doc for i in fresh}
    }
    new_chunks: list[Chunk] = []
    new_speakers: list[Speaker] = []
    added = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    refs = [s for s in sources if s.doc not in {i.doc for i in fresh}]
    parsed = [(item, articles.parse(item.text, doc=item.doc)) for item in fresh]
    for item, art in parsed:
        _check_size(item, art)
    for item, art in parsed:
        attribution = attribute(art)
        new_chunks += make_chunks(art, attribution, first_id=len(contents.chunks) + len(new_chunks))
        new_speakers += [replace(s, doc=item.doc) for s in attribution.speakers]
        kept[f"{item.doc}.txt"] = item.text
        refs.append(
            store.SourceRef(
                doc=item.doc,
                path=item.source,
                sha256=art.sha256,
                title=item.title,
                format=item.format,
                added=added,
                kept=f"{store.DOCS}/{item.doc}.txt",
                byline=item.byline,
                date=item.date,
            )
        )
    merged = _merged(contents, new_chunks, new_speakers, embedder)
    manifest = store.new_manifest(embedder.model_id, merged, [r.to_json() for r in refs])
    store.write_index(
        folder,
        merged,
        manifest,
        started,
        kept=kept,
        encoder=_encoder_from(folder, embedder, merged),
        checkpoint=checkpoint,
    )
    return outcome


def _what_changes(incoming: list[Incoming], known: dict[str, store.SourceRef]) -> tuple[dict[str, str], list[Incoming]]:
    """Each article's outcome ("unchanged", "replaced", "added") and those to embed."""
    outcome: dict[str, str] = {}
    fresh: list[Incoming] = []
    for item in incoming:
        digest = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
        if item.doc in known and known[item.doc].sha256 == digest and known[item.doc].title == item.title:
            outcome[item.doc] = "unchanged"
        else:
            outcome[item.doc] = "replaced" if item.doc in known else "added"
            fresh.append(item)
    return outcome, fresh


def _merged(
    contents: store.Contents, new_chunks: list[Chunk], new_speakers: list[Speaker], embedder: Embedder
) -> store.Contents:
    """The index's contents with the new chunks embedded beside the carried-over ones: their
    vectors, their sentences', and the vectors of words no article had before."""
    rows = sentence_rows(new_chunks)
    texts = [embedding_text(c) for c in new_chunks]
    # token vectors only when every carried-over chunk has its own: an index has them all or none
    if contents.token_rows is not None or not contents.chunks:
        vectors, new_tokens = store.chunk_vectors(embedder, texts)
    else:
        vectors, new_tokens = embedder.encode(texts), None
    by_id = {c.id: c for c in new_chunks}
    sentence_vectors = embedder.encode(
        [by_id[cid].text[s - by_id[cid].start : e - by_id[cid].start] for cid, s, e in rows]
    )
    chunks = [*contents.chunks, *new_chunks]
    vocabulary = store.content_words(c.text for c in chunks)
    have = dict(zip(contents.vocabulary, contents.word_vectors, strict=True))
    todo = [w for w in vocabulary if w not in have]
    if todo:
        have.update(zip(todo, embedder.encode(todo, batch_size=256), strict=True))
    dim = vectors.shape[1]
    return store.Contents(
        chunks,
        [*contents.speakers, *new_speakers],
        _stack(contents.vectors, vectors, dim),
        [*contents.sentences, *rows],
        _stack(contents.sentence_vectors, sentence_vectors, dim),
        vocabulary,
        np.asarray([have[w] for w in vocabulary], dtype=np.float32).reshape(len(vocabulary), dim),
        None if new_tokens is None else settle([*(contents.token_rows or []), *new_tokens], embedder.model_id, dim),
    )


def remove(doc: str, index_dir: str | Path | None = None, *, checkpoint: store.Checkpoint | None = None) -> Document:
    """Take one article out of the index; the others' vectors are carried over as they are."""
    folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
    with changing(folder):
        return _remove(doc, folder, checkpoint=checkpoint)


def _remove(doc: str, folder: Path, *, checkpoint: store.Checkpoint | None) -> Document:
    started = time.perf_counter()
    manifest, data, kept, loaded = _read(folder)
    listed = {d.doc: d for d in describe(manifest, loaded)}
    if doc not in listed:
        raise SourceError(f"no article {doc!r} in {folder}; `qa list` shows what is there")
    if len(listed) == 1:
        raise SourceError(f"{doc!r} is the only article in {folder}; an index needs at least one")
    contents = _without(data, {doc})
    refs = [
        ref if ref.added else replace(ref, added=manifest.get("built_at", ""))
        for ref in (store.SourceRef(**raw) for raw in manifest["sources"])
        if ref.doc != doc
    ]
    contents.vocabulary, contents.word_vectors = _vocabulary_subset(contents)
    new = store.new_manifest(manifest["model"]["id"], contents, [r.to_json() for r in refs])
    kept = {name: text for name, text in kept.items() if name != f"{doc}.txt"}
    store.write_index(folder, contents, new, started, kept=kept, encoder=_link_encoder(folder), checkpoint=checkpoint)
    return listed[doc]


# ---------------------------------------------------------------- helpers


@contextmanager
def changing(folder: Path) -> Iterator[None]:
    """Hold the index's change lock (a file beside it) while reading, changing and swapping it:
    two additions at once would otherwise each start from the same old index, and one be lost."""
    import fcntl

    lock = folder.resolve().parent / f".{folder.resolve().name}.lock"
    try:
        folder.resolve().parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise IndexWriteError(f"cannot change the index in {folder}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read(folder: Path) -> tuple[dict[str, Any], store.Contents, dict[str, str | bytes], store.IndexData]:
    """The index as Contents (vectors read back from FAISS), with the kept article texts and
    the index as loaded."""
    data = store.load(folder)
    manifest = data.manifest
    contents = store.Contents(
        list(data.chunks),
        list(data.speakers),
        data.vectors.reconstruct_n(0, data.vectors.ntotal),
        data.sentences.tolist(),
        data.sentence_vectors.reconstruct_n(0, data.sentence_vectors.ntotal),
        list(data.words),
        np.asarray(data.word_vectors, dtype=np.float32),
        None if data.token_offsets is None else _split(data.token_rows, data.token_offsets),
    )
    docs = folder / store.DOCS
    kept: dict[str, str | bytes] = {p.name: p.read_bytes() for p in docs.glob("*.txt")} if docs.is_dir() else {}
    return manifest, contents, kept, data


def _same_article(item: Incoming, ref: store.SourceRef) -> bool:
    """An incoming article is a new version of one in the index: the same title, or the same file."""
    return item.title == ref.title or (item.source not in ("pasted", "-") and item.source == ref.path)


def _own_ids(incoming: list[Incoming], known: dict[str, store.SourceRef]) -> list[Incoming]:
    """Each article with a doc id of its own: its name's id when that is free or names the same
    article; else the first free one of id-2, id-3, ... Titles such as "Budget 2024" and
    "Budget: 2024" share a name's id, and neither may replace the other."""
    taken: set[str] = set()
    out = []
    for item in incoming:
        for n in range(1, len(known) + len(incoming) + 2):
            doc = item.doc if n == 1 else f"{item.doc[:76]}-{n}"
            if doc in taken:
                continue
            if doc not in known or _same_article(item, known[doc]):
                break
        taken.add(doc)
        out.append(item if doc == item.doc else replace(item, doc=doc))
    return out


def _check_size(item: Incoming, art: articles.Article) -> None:
    """Refuse an empty article, or one of more than MAX_SENTENCES sentences, before any work."""
    from qa.attribution.statements import sentence_spans

    if not art.paragraphs:
        raise SourceError(f"{item.source}: no text to index")
    count = 0
    for paragraph in art.paragraphs:
        count += len(sentence_spans(paragraph.text)) or 1
        if count > MAX_SENTENCES:
            raise SourceError(
                f"{item.source}: over {MAX_SENTENCES:,} sentences, the most one article may have (split it into parts)"
            )


def _without(contents: store.Contents, docs: set[str]) -> store.Contents:
    """The contents minus some articles, chunk ids renumbered in order."""
    keep = [c for c in contents.chunks if c.doc not in docs]
    renumber = {c.id: i for i, c in enumerate(keep)}
    rows = [[renumber[cid], s, e] for cid, s, e in contents.sentences if cid in renumber]
    mask = np.asarray([cid in renumber for cid, _, _ in contents.sentences], dtype=bool)
    names = {c.speaker for c in keep if c.speaker}
    return store.Contents(
        [replace(c, id=renumber[c.id]) for c in keep],
        [s for s in contents.speakers if s.doc not in docs and (s.doc is not None or s.name in names)],
        contents.vectors[[c.id for c in keep]] if keep else contents.vectors[:0],
        rows,
        contents.sentence_vectors[mask] if len(mask) else contents.sentence_vectors[:0],
        contents.vocabulary,
        contents.word_vectors,
        None if contents.token_rows is None else [contents.token_rows[c.id] for c in keep],
    )


def _split(codes: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """Stored token codes, one array per chunk."""
    return [codes[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]


def _vocabulary_subset(contents: store.Contents) -> tuple[list[str], np.ndarray]:
    vocabulary = store.content_words(c.text for c in contents.chunks)
    have = dict(zip(contents.vocabulary, contents.word_vectors, strict=True))
    vocabulary = [w for w in vocabulary if w in have]
    dim = contents.vectors.shape[1]
    return vocabulary, np.asarray([have[w] for w in vocabulary], dtype=np.float32).reshape(len(vocabulary), dim)


def _stack(old: np.ndarray, new: np.ndarray, dim: int) -> np.ndarray:
    old = old.reshape(-1, dim) if old.size else np.zeros((0, dim), np.float32)
    return np.vstack([old, np.asarray(new, dtype=np.float32).reshape(-1, dim)])


def _link_encoder(folder: Path) -> Any:
    """Carry the index's query encoder over to the new folder (hard links: no copy)."""
    source = folder / store.ENCODER
    if not source.is_dir():
        return None

    from qa.index.encoder import link_files

    return lambda target: link_files(source, target)


def _encoder_from(folder: Path, embedder: Embedder, contents: store.Contents) -> Any:
    """The previous index's encoder when there is one; else the embedder's (exported or linked)."""
    linked = _link_encoder(folder)
    if linked is not None or not hasattr(embedder, "export_encoder"):
        return linked

    def export(target: Path) -> None:
        texts = [embedding_text(c) for c in contents.chunks]
        store._export_encoder(embedder, target, texts, contents.vectors, int8=False)

    return export


class Library:
    """The articles of one index folder: list, add and remove them (the `qa list`, `qa add`
    and `qa remove` commands). A Retriever loaded before a change does not see it; load again."""

    def __init__(self, index_dir: str | Path | None = None, *, embedder: Embedder | None = None) -> None:
        self.folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
        self._embedder = embedder

    def documents(self) -> list[Document]:
        return documents(self.folder)

    def add(self, items: Sequence[Incoming | str | Path], *, title: str | None = None) -> dict[str, str]:
        """Add articles given as Incoming records or file paths ("-": standard input)."""
        incoming = [i if isinstance(i, Incoming) else read(str(i), title=title) for i in items]
        return add(incoming, self.folder, embedder=self.embedder())

    def add_text(self, text: str, *, title: str, doc: str | None = None) -> dict[str, str]:
        """Add an article pasted as text (or Markdown, or a page's HTML)."""
        raw = text.encode("utf-8")
        if len(raw) > MAX_BYTES:
            raise SourceError(f"article too large: {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
        item = from_bytes(raw, name=doc or title, source="pasted", title=title)
        return add([item], self.folder, embedder=self.embedder())

    def remove(self, doc: str) -> Document:
        return remove(doc, self.folder)

    def embedder(self) -> Embedder:
        """The index's own query encoder when it has one (no torch), else its model."""
        if self._embedder is None:
            from qa.index.embedding import SentenceTransformerEmbedder
            from qa.index.question_encoder import query_embedder

            try:
                manifest = store.read_manifest(self.folder)
            except IndexMissingError:
                self._embedder = SentenceTransformerEmbedder()
            else:
                self._embedder = query_embedder(self.folder, manifest["model"]["id"])
        return self._embedder
