"""A library of articles in one index: add, replace, remove and list articles one at a time,
embedding only what is new. Articles come as plain text, Markdown or saved web pages.

Every change writes a whole new index folder and swaps it in atomically (store.write_index),
so a crash in the middle leaves the previous index as it was. The vectors of the articles that
stay are carried over, never recomputed.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa import article as articles
from qa import store
from qa.attribution import Speaker, attribute
from qa.chunking import Chunk, embedding_text, make_chunks, sentence_rows
from qa.embedding import Embedder
from qa.errors import IndexMissingError, SourceError

MAX_BYTES = 2_000_000  # an article file (or paste) over 2 MB is refused
FORMATS = ("text", "markdown", "html")
_DOC = re.compile(r"[^\w.-]+", re.UNICODE)


@dataclass(frozen=True)
class Incoming:
    """An article read from a file, a paste or standard input, ready to index."""

    doc: str
    title: str
    source: str  # the path it came from, or "-" for standard input
    format: str
    text: str  # one paragraph per line
    byline: str = ""
    date: str = ""


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


# ---------------------------------------------------------------- reading articles


def doc_name(name: str) -> str:
    """A document id from a file name or title: letters, digits, dot, dash, underscore."""
    stem = _DOC.sub("-", unicodedata.normalize("NFKC", name).strip()).strip("-.")[:80]
    return stem or "article"


def read(path: str, *, title: str | None = None, stdin: Any = None) -> Incoming:
    """Read one article: a .txt/.md/.html file, or "-" for standard input (format guessed).

    Raises SourceError, with one line saying what is wrong: not found, over MAX_BYTES,
    binary, not UTF-8, empty, or a page with no article text."""
    if path == "-":
        raw = (stdin or sys.stdin.buffer).read(MAX_BYTES + 1)
        name, source = (title or "stdin"), "-"
    else:
        file = Path(path)
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            raise SourceError(f"article not found: {file}") from None
        except OSError as exc:
            raise SourceError(f"cannot read article {file}: {exc.strerror}") from None
        if file.is_dir():
            raise SourceError(f"article path is a folder, not a file: {file}")
        if size > MAX_BYTES:
            raise SourceError(f"article too large: {file} is {size:,} bytes; the limit is {MAX_BYTES:,}")
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read article {file}: {exc.strerror}") from None
        name, source = file.stem, str(file)
    if len(raw) > MAX_BYTES:
        raise SourceError(f"article too large: over {MAX_BYTES:,} bytes")
    return from_bytes(raw, name=name, source=source, title=title, suffix=Path(path).suffix.lower())


def from_bytes(raw: bytes, *, name: str, source: str, title: str | None = None, suffix: str = "") -> Incoming:
    """An article from raw bytes; the format from the suffix, else from the content."""
    label = source if source != "-" else "standard input"
    if b"\x00" in raw[:8192]:
        raise SourceError(f"{label} looks binary, not an article")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{label} is not UTF-8 text (byte {exc.start})") from None
    decoded = unicodedata.normalize("NFC", decoded)
    if not decoded.strip():
        raise SourceError(f"{label} is empty")
    kind = _format(suffix, decoded)
    byline = date = ""
    page_title = ""
    if kind == "html":
        text, page_title, byline, date = html_article(decoded)
        if not text.strip():
            raise SourceError(f"{label}: no article text found in the page")
    elif kind == "markdown":
        text = markdown_text(decoded)
    else:
        text = decoded
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
    if not text.strip():
        raise SourceError(f"{label} has no text")
    chosen = (title or page_title or _first_heading(decoded, kind) or name).strip()
    return Incoming(doc_name(name if source != "-" or not title else title), chosen, source, kind, text, byline, date)


def _format(suffix: str, text: str) -> str:
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".txt", ".text"):
        return "text"
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text):
        return "html"
    return "text"


def html_article(page: str) -> tuple[str, str, str, str]:
    """(article text, <title>, byline, date) of a saved web page, read by trafilatura: the
    article's paragraphs without navigation, cookie notices, related links or footers."""
    import trafilatura

    text = trafilatura.extract(page, include_comments=False, include_tables=False, favor_precision=True) or ""
    meta = trafilatura.extract_metadata(page)
    found = re.search(r"<title[^>]*>(.*?)</title>", page, flags=re.IGNORECASE | re.DOTALL)
    title = " ".join(htmlmod.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""
    headline = (meta.title if meta and meta.title else "") or title
    lines = text.splitlines()
    if lines and headline and lines[0].strip() == headline.strip():
        lines = lines[1:]  # the headline is the title, not a paragraph of the story
    return (
        "\n".join(lines),
        title or headline,
        (meta.author or "") if meta else "",
        (meta.date or "") if meta else "",
    )


_MD_RULES = [
    (re.compile(r"^```.*?^```\s*$", re.MULTILINE | re.DOTALL), ""),  # code blocks
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their words
    (re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.MULTILINE), ""),  # rules
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
]


def markdown_text(source: str) -> str:
    """Markdown as plain paragraphs: markup dropped, words kept; a paragraph's wrapped lines
    joined into one line."""
    for pattern, replacement in _MD_RULES:
        source = pattern.sub(replacement, source)
    blocks = re.split(r"\n\s*\n", source)
    return "\n".join(" ".join(b.split()) for b in blocks if b.strip())


def _first_heading(source: str, kind: str) -> str:
    if kind == "markdown":
        found = re.search(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", source, flags=re.MULTILINE)
        return found.group(1) if found else ""
    return ""


# ---------------------------------------------------------------- the library


def documents(index_dir: str | Path | None = None) -> list[Document]:
    """The articles in the index, in the order they were added."""
    folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
    manifest = store.read_manifest(folder)
    data = store.load(folder)
    out = []
    for raw in manifest["sources"]:
        ref = store.SourceRef(**raw)
        chunks = [c for c in data.chunks if c.doc == ref.doc]
        speakers = {s.name for s in data.speakers if s.doc == ref.doc} or {c.speaker for c in chunks if c.speaker}
        out.append(
            Document(
                doc=ref.doc,
                title=ref.title or ref.doc,
                source=ref.path,
                format=ref.format,
                paragraphs=len({c.paragraph for c in chunks}),
                chunks=len(chunks),
                speakers=len(speakers),
                added=ref.added or manifest.get("built_at", ""),
                sha256=ref.sha256,
                byline=ref.byline,
                date=ref.date,
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
    already in the index replaces it, unless its text is the same (then nothing is written)."""
    started = time.perf_counter()
    folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
    names = [i.doc for i in incoming]
    if len(set(names)) != len(names):
        raise SourceError(f"two of the articles would share a document name: {sorted(names)}")
    try:
        current = _read(folder)
    except IndexMissingError:
        current = None
    sources = [store.SourceRef(**raw) for raw in current[0]["sources"]] if current else []
    known = {s.doc: s for s in sources}
    outcome: dict[str, str] = {}
    fresh: list[Incoming] = []
    for item in incoming:
        digest = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
        if item.doc in known and known[item.doc].sha256 == digest and known[item.doc].title == item.title:
            outcome[item.doc] = "unchanged"
        else:
            outcome[item.doc] = "replaced" if item.doc in known else "added"
            fresh.append(item)
    if not fresh:
        return outcome
    if current and current[0]["model"]["id"] != embedder.model_id:
        raise SourceError(
            f"the index is built with {current[0]['model']['id']}, not {embedder.model_id}; add with that model"
        )

    base = _without(current[1], {i.doc for i in fresh}) if current else None
    contents = base or store.Contents([], [], np.zeros((0, 0), np.float32), [], np.zeros((0, 0), np.float32), [], np.zeros((0, 0), np.float32))
    kept = {name: text for name, text in (current[2] if current else {}).items() if name[:-4] not in {i.doc for i in fresh}}
    new_chunks: list[Chunk] = []
    new_speakers: list[Speaker] = []
    added = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    refs = [s for s in sources if s.doc not in {i.doc for i in fresh}]
    for item in fresh:
        art = articles.parse(item.text, doc=item.doc)
        if not art.paragraphs:
            raise SourceError(f"{item.source}: no text to index")
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
    vectors = embedder.encode([embedding_text(c) for c in new_chunks])
    rows = sentence_rows(new_chunks, first_id=new_chunks[0].id) if new_chunks else []
    by_id = {c.id: c for c in new_chunks}
    sentence_vectors = embedder.encode([by_id[cid].text[s - by_id[cid].start : e - by_id[cid].start] for cid, s, e in rows])
    chunks = [*contents.chunks, *new_chunks]
    vocabulary = store.content_words(c.text for c in chunks)
    have = dict(zip(contents.vocabulary, contents.word_vectors, strict=True))
    todo = [w for w in vocabulary if w not in have]
    if todo:
        have.update(zip(todo, embedder.encode(todo, batch_size=256), strict=True))
    dim = vectors.shape[1]
    merged = store.Contents(
        chunks,
        [*contents.speakers, *new_speakers],
        _stack(contents.vectors, vectors, dim),
        [*contents.sentences, *rows],
        _stack(contents.sentence_vectors, sentence_vectors, dim),
        vocabulary,
        np.asarray([have[w] for w in vocabulary], dtype=np.float32).reshape(len(vocabulary), dim),
    )
    manifest = store.new_manifest(embedder.model_id, merged, [r.to_json() for r in refs])
    store.write_index(
        folder, merged, manifest, started, kept=kept, encoder=_encoder_from(folder, embedder, merged), checkpoint=checkpoint
    )
    return outcome


def remove(doc: str, index_dir: str | Path | None = None, *, checkpoint: store.Checkpoint | None = None) -> Document:
    """Take one article out of the index; the others' vectors are carried over as they are."""
    started = time.perf_counter()
    folder = Path(index_dir) if index_dir is not None else store.default_index_dir()
    listed = {d.doc: d for d in documents(folder)}
    if doc not in listed:
        raise SourceError(f"no article {doc!r} in {folder}; `qa list` shows what is there")
    if len(listed) == 1:
        raise SourceError(f"{doc!r} is the only article in {folder}; an index needs at least one")
    manifest, data, kept = _read(folder)
    contents = _without(data, {doc})
    refs = [store.SourceRef(**raw) for raw in manifest["sources"] if raw["doc"] != doc]
    contents.vocabulary, contents.word_vectors = _vocabulary_subset(contents)
    new = store.new_manifest(manifest["model"]["id"], contents, [r.to_json() for r in refs])
    kept = {name: text for name, text in kept.items() if name != f"{doc}.txt"}
    store.write_index(folder, contents, new, started, kept=kept, encoder=_link_encoder(folder), checkpoint=checkpoint)
    return listed[doc]


# ---------------------------------------------------------------- helpers


def _read(folder: Path) -> tuple[dict[str, Any], store.Contents, dict[str, str]]:
    """The index as Contents (vectors read back from FAISS), with the kept article texts."""
    manifest = store.read_manifest(folder)
    data = store.load(folder)
    contents = store.Contents(
        list(data.chunks),
        list(data.speakers),
        data.vectors.reconstruct_n(0, data.vectors.ntotal),
        data.sentences.tolist(),
        data.sentence_vectors.reconstruct_n(0, data.sentence_vectors.ntotal),
        list(data.words),
        np.asarray(data.word_vectors, dtype=np.float32),
    )
    docs = folder / store.DOCS
    kept = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.txt")} if docs.is_dir() else {}
    return manifest, contents, kept


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
    )


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

    def link(target: Path) -> None:
        target.mkdir()
        for path in source.iterdir():
            if path.is_file():
                try:
                    import os

                    os.link(path, target / path.name)
                except OSError:
                    import shutil

                    shutil.copy2(path, target / path.name)

    return link


def _encoder_from(folder: Path, embedder: Embedder, contents: store.Contents) -> Any:
    """The previous index's encoder when there is one; else an export, when the embedder can."""
    linked = _link_encoder(folder)
    if linked is not None or not hasattr(embedder, "export_encoder"):
        return linked

    def export(target: Path) -> None:
        texts = [embedding_text(c) for c in contents.chunks]
        store._export_encoder(embedder, target, texts, contents.vectors, int8=False)

    return export
