"""The index on disk: plain files plus a manifest, written atomically and checked on load.

index/
  manifest.json    format, versions, model, settings, sources and a sha256 of every file
  chunks.jsonl     one chunk per line: text, doc, paragraph, offsets, speaker, role, kind
  speakers.json    the speakers of the indexed articles, with roles and aliases
  vectors.faiss    FAISS inner-product index over unit-length chunk vectors
  sentences.json   the sentences of every chunk: [chunk id, start, end], in chunk order
  sentences.faiss  the same kind of index over the sentences' vectors (the evidence)
  bm25/            the BM25 index as bm25s writes it
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.attribution.statements import SETTINGS_VERSION as ATTRIBUTION_VERSION
from qa.attribution.statements import Speaker, attribute
from qa.errors import IndexCorruptError, IndexMissingError, IndexWriteError, ModelError, SourceError
from qa.index.chunking import (
    Chunk,
    ChunkSettings,
    embedding_text,
    embedding_text_kind,
    lexical_text,
    make_chunks,
    sentence_rows,
)
from qa.index.embedding import Embedder
from qa.index.encoder import sha256 as _sha256
from qa.index.lexical import STOPWORDS, Lexical, words
from qa.index.tokens import codebook_digest, settle, too_large
from qa.text import article as articles
from qa.text.reading import load_article

log = logging.getLogger(__name__)

FORMAT_VERSION = 4
INDEX_ENV = "QA_INDEX"
BUNDLED = "bundled:"  # how the manifest names the article shipped inside the package
EXACT_LIMIT = 50_000  # above this many chunks the vector index is HNSW instead of exact
HNSW_EF_SEARCH = 512  # recall@10 0.93 at 128 on 100k chunks; a query still takes well under 1 ms
_FILES = (
    "chunks.jsonl",
    "speakers.json",
    "vectors.faiss",
    "sentences.json",
    "sentences.faiss",
    "words.json",
    "words.npy",
)
TOKENS = "tokens.npy"  # every chunk's token vectors (half precision, or codebook codes), chunk after chunk (optional)
TOKEN_OFFSETS = "token_offsets.npy"  # where each chunk's rows start in tokens.npy, and the end
_TOKEN_SLICE = 256  # chunks encoded at a time when their token vectors are kept
MAX_WORDS = 20_000  # vocabulary words kept with vectors, most frequent first
_BM25_DIR = "bm25"
ENCODER = "encoder"  # the query encoder's folder (qa.encoder.FOLDER); its own record covers it
DOCS = "docs"  # the texts of articles added with `qa add`
Checkpoint = Callable[[str], None]  # called with the name of each step of a build's swap
_TMP = ".tmp-"
_OLD = ".old-"
SWEEP_AGE = 60.0  # seconds; a temporary folder younger than this may still be in the making


DATA_ENV = "XDG_DATA_HOME"


def default_index_dir() -> Path:
    """$QA_INDEX, else the user's library: `qa/index` in the user data folder ($XDG_DATA_HOME or
    ~/.local/share), started on first use as a copy of the index the repository ships.

    The library lives outside the source tree, so a `git pull` or `git checkout` that changes the
    shipped index never meets the articles a user added."""
    env = os.environ.get(INDEX_ENV)
    if env:
        return Path(env).expanduser()
    folder = user_index_dir()
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        _start_library(folder)
    return folder


def user_index_dir() -> Path:
    """Where a user's library lives when $QA_INDEX does not say."""
    base = os.environ.get(DATA_ENV) or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "qa" / "index"


def shipped_index_dir() -> Path:
    """index/ beside the package: the bundled article's index as the repository ships it."""
    return Path(__file__).resolve().parents[2] / "index"


def _start_library(folder: Path) -> None:
    """Copy the shipped index into a new library (copied, not linked: a change to one must never
    reach the other); without one (an installed package), `qa check` builds it from the bundled
    article."""
    shipped = shipped_index_dir()
    if not (shipped / "manifest.json").is_file():
        return

    def copy(tmp: Path) -> None:
        shutil.copytree(shipped, tmp, dirs_exist_ok=True)

    try:
        write_atomic(folder, copy)
    except (IndexWriteError, OSError) as exc:
        log.warning("could not start the library in %s: %s", folder, exc)
        return
    log.info("started the library in %s from %s", folder, shipped)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qa")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class SourceRef:
    """One article the index was built from."""

    doc: str
    path: str  # "bundled:<file>" or a path as given; for an added article, where it came from ("-": stdin)
    sha256: str  # of the article's text as indexed
    title: str = ""
    format: str = "text"  # "text", "markdown" or "html"
    added: str = ""  # when `qa add` put it in (UTC)
    kept: str = ""  # an added article's text, kept in the index (docs/<doc>.txt), absolute once read
    byline: str = ""
    date: str = ""

    def to_json(self) -> dict[str, str]:
        """The record for the manifest: empty optional fields left out, a kept path relative."""
        data = {k: v for k, v in asdict(self).items() if v or k in ("doc", "path", "sha256")}
        if self.kept:
            data["kept"] = f"{DOCS}/{Path(self.kept).name}"
        return data

    def resolve(self) -> Path:
        if self.kept:
            return Path(self.kept)
        if self.path.startswith(BUNDLED):
            return articles.bundled_path().parent / self.path[len(BUNDLED) :]
        return Path(self.path)


def source_ref(article: articles.Article) -> SourceRef:
    bundled = articles.bundled_path()
    path = article.path or ""
    if path and Path(path).resolve() == bundled.resolve():
        path = BUNDLED + bundled.name
    return SourceRef(doc=article.doc, path=path, sha256=article.sha256)


def settings() -> dict[str, Any]:
    """Everything besides sources and model that changes what a build produces."""
    return {
        "chunking": ChunkSettings().to_json(),
        "attribution": {"method": "rules", "version": ATTRIBUTION_VERSION},
        "lexical": {
            "method": "bm25",
            "library": "bm25s",
            "tokenizer": "words-hyphen-parts-stopwords-contractions-irregular-snowball",
            "fields": "text-speaker-role",
        },
        "embedding_text": embedding_text_kind(),
        "evidence": "sentences",
        "token_codebook": codebook_digest(),
        "normalized": True,
        "metric": "inner_product",
    }


@dataclass(frozen=True)
class IndexData:
    """A loaded index: everything the retriever needs, checked against its manifest."""

    folder: Path
    manifest: dict[str, Any]
    chunks: tuple[Chunk, ...]
    speakers: tuple[Speaker, ...]
    vectors: Any  # faiss.Index
    lexical: Lexical
    words: tuple[str, ...] = ()
    word_vectors: Any = None  # float32 matrix, one unit row per word
    sentences: Any = None  # int64 array of rows [chunk id, start, end], grouped by chunk in id order
    sentence_vectors: Any = None  # faiss.Index, one vector per sentence row
    damaged: tuple[str, ...] = ()  # added articles whose kept text no longer matches its checksum
    token_rows: Any = None  # the chunks' token vectors (TOKENS): float16, or uint8 codebook codes; or None
    token_offsets: Any = None  # int64, chunk i's rows are token_rows[offsets[i]:offsets[i + 1]]


# ---------------------------------------------------------------- building


def _vector_index(vectors: np.ndarray) -> Any:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) > EXACT_LIMIT:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def build(
    sources: Iterable[str | Path] | None = None,
    index_dir: str | Path | None = None,
    *,
    embedder: Embedder,
    progress: bool = False,
    before_commit: Callable[[Path], None] | None = None,
    checkpoint: Checkpoint | None = None,
    int8: bool = False,
    records: Iterable[SourceRef] = (),
) -> dict[str, Any]:
    """Attribute, chunk, embed and index the articles; swap the result into index_dir atomically.

    Args:
        sources: article files; the bundled article when None or empty.
        index_dir: target folder; default_index_dir() when None.
        embedder: turns chunk texts into unit vectors.
        progress: show a progress bar while embedding.
        before_commit: called with the finished temporary folder just before it is moved
            into place (tests use it to simulate a crash).
        checkpoint: called with the name of each step of the swap (see write_atomic).
        int8: also export an int8 variant of the query encoder.
        records: the source records of the index being rebuilt; an article added to it (its
            text kept in the index) keeps its text, title, format and times in the new one.

    The index gets its query encoder (`encoder/`, see qa.encoder) when the embedder can
    export one; the manifest's checksums cover the rest, the encoder's record covers it.

    Returns:
        The manifest written.
    """
    started = time.perf_counter()
    paths = list(sources or [])
    loaded = [load_article(p) for p in paths] if paths else [articles.load()]
    docs = [a.doc for a in loaded]
    if len(set(docs)) != len(docs):
        raise SourceError(f"two sources share a document name: {sorted(docs)}")
    chunks: list[Chunk] = []
    speakers: list[Speaker] = []
    for art in loaded:
        attribution = attribute(art)
        chunks.extend(make_chunks(art, attribution, first_id=len(chunks)))
        speakers.extend(replace(s, doc=art.doc) for s in attribution.speakers)
    if not chunks:
        raise SourceError("the sources hold no text to index")
    vectors, token_rows = chunk_vectors(embedder, [embedding_text(c) for c in chunks], progress=progress)
    sentences = sentence_rows(chunks)
    sentence_texts = [
        chunks[cid].text[start - chunks[cid].start : end - chunks[cid].start] for cid, start, end in sentences
    ]
    sentence_vectors = embedder.encode(sentence_texts, progress=progress)
    vocabulary = content_words(c.text for c in chunks)
    word_vectors = embedder.encode(vocabulary, batch_size=256) if vocabulary else np.zeros((0, vectors.shape[1]))
    target = Path(index_dir) if index_dir is not None else default_index_dir()
    contents = Contents(chunks, speakers, vectors, sentences, sentence_vectors, vocabulary, word_vectors, token_rows)
    earlier = {r.doc: r for r in records if r.kept}
    kept = {f"{a.doc}.txt": a.text for a in loaded if a.doc in earlier}
    refs = [replace(earlier[a.doc], sha256=a.sha256) if a.doc in earlier else source_ref(a) for a in loaded]
    manifest = new_manifest(embedder.model_id, contents, [r.to_json() for r in refs])

    def encoder(folder: Path) -> None:
        texts = [embedding_text(c) for c in chunks] + sentence_texts
        _export_encoder(embedder, folder, texts, np.vstack([vectors, sentence_vectors]), int8=int8)

    write_index(
        target,
        contents,
        manifest,
        started,
        kept=kept,
        encoder=encoder,
        before_commit=before_commit,
        checkpoint=checkpoint,
    )
    log.info("built index of %d chunks in %s", len(chunks), target)
    return manifest


@dataclass
class Contents:
    """What an index folder holds, in memory: chunks, speakers and their vectors."""

    chunks: list[Chunk]
    speakers: list[Speaker]
    vectors: np.ndarray  # one unit row per chunk
    sentences: list[list[int]]  # [chunk id, start, end], grouped by chunk in id order
    sentence_vectors: np.ndarray
    vocabulary: list[str]
    word_vectors: np.ndarray
    token_rows: list[np.ndarray] | None = None  # per chunk, its token vectors (half precision, or codes)


def chunk_vectors(
    embedder: Embedder, texts: list[str], *, progress: bool = False
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """The chunks' vectors, and each chunk's token vectors as the index stores them (see
    `qa.index.tokens.settle`; from the same pass of the model), or None from an embedder that
    gives none or when they are too large for a model without a codebook."""
    read = getattr(embedder, "encode_tokens", None)
    if read is None or not texts:
        return embedder.encode(texts, progress=progress), None
    parts: list[np.ndarray] = []
    rows: list[np.ndarray] | None = []
    for begin in range(0, len(texts), _TOKEN_SLICE):
        if rows is None:  # too large to keep: the rest as vectors alone
            parts.append(embedder.encode(texts[begin:], progress=progress))
            break
        vectors, tokens = read(texts[begin : begin + _TOKEN_SLICE])
        parts.append(vectors)
        rows += [r.astype(np.float16) for _, r in tokens]
        if too_large(rows):  # as codes from here on (bounded memory)
            rows = settle(rows, embedder.model_id, vectors.shape[1])
    dimension = parts[0].shape[1]
    return np.vstack(parts), None if rows is None else settle(rows, embedder.model_id, dimension)


def new_manifest(model: str, contents: Contents, sources: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "package_version": package_version(),
        "model": {"id": model, "dimension": int(contents.vectors.shape[1])},
        "settings": settings(),
        "sources": sources,
        "chunk_count": len(contents.chunks),
        "sentence_count": len(contents.sentences),
        "vector_index": "hnsw" if len(contents.chunks) > EXACT_LIMIT else "flat",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_index(
    target: Path,
    contents: Contents,
    manifest: dict[str, Any],
    started: float,
    *,
    kept: dict[str, str | bytes] | None = None,
    encoder: Callable[[Path], None] | None = None,
    before_commit: Callable[[Path], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> None:
    """Write an index folder and swap it in atomically (see write_atomic).

    `kept` maps file names under docs/ to the texts of added articles; `encoder` fills the
    query encoder's folder (exported, or linked from the index being replaced)."""
    ensure_replaceable(target)

    def write(folder: Path) -> None:

        with open(folder / "chunks.jsonl", "w", encoding="utf-8") as handle:
            for chunk in contents.chunks:
                handle.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
        (folder / "speakers.json").write_text(
            json.dumps([asdict(s) for s in contents.speakers], ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _write_faiss(_vector_index(contents.vectors), folder / "vectors.faiss")
        (folder / "sentences.json").write_text(json.dumps(contents.sentences), encoding="utf-8")
        _write_faiss(_vector_index(contents.sentence_vectors), folder / "sentences.faiss")
        Lexical.build_and_save([lexical_text(c) for c in contents.chunks], folder / _BM25_DIR)
        (folder / "words.json").write_text(json.dumps(contents.vocabulary, ensure_ascii=False), encoding="utf-8")
        np.save(folder / "words.npy", contents.word_vectors.astype(np.float16), allow_pickle=False)
        if contents.token_rows:
            counts = [len(c) for c in contents.token_rows]
            np.save(folder / TOKENS, np.vstack(contents.token_rows), allow_pickle=False)
            np.save(folder / TOKEN_OFFSETS, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), allow_pickle=False)
        if kept:
            (folder / DOCS).mkdir()
            for name, text in kept.items():
                # bytes: a text carried over as it is on disk, damage and all (see _damaged)
                data = text if isinstance(text, bytes) else text.encode("utf-8")
                (folder / DOCS / name).write_bytes(data)
        if encoder:
            encoder(folder / ENCODER)
        manifest["build_seconds"] = round(time.perf_counter() - started, 3)
        manifest["files"] = {name: _sha256(folder / name) for name in _all_files(folder)}
        _write_json(folder / "manifest.json", manifest)
        if before_commit:
            before_commit(folder)

    write_atomic(target, write, checkpoint=checkpoint)


def _write_faiss(index: Any, path: Path) -> None:
    """faiss.write_index, its failures (a full disk) reported as the OSError they are."""
    import faiss

    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:
        why = (str(exc).strip().splitlines() or ["write failed"])[-1]
        raise OSError(f"{path.name}: {why}") from None


def ensure_replaceable(target: Path) -> None:
    """Refuse to put an index where it would replace anything but an empty folder or an index.

    A folder of someone's files named by mistake (`--index ~/thesis`) must never be swapped
    out and deleted. Raises IndexWriteError, and leaves the folder as it was."""
    target = Path(target)
    recover(target)
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir():
        raise IndexWriteError(f"{target} is a file, not an index folder; it was left as it is")
    try:
        if not any(target.iterdir()):
            return
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        manifest = None
    if manifest is None or manifest_problem(manifest) is not None:
        raise IndexWriteError(
            f"{target} holds files but no index; it was left as it is (name a new or empty folder for the index)"
        )


def _export_encoder(embedder: Embedder, target: Path, texts: list[str], reference: np.ndarray, *, int8: bool) -> bool:
    """Export the query encoder into target when the embedder can; a model that will not
    export leaves the index without one (questions are then encoded with the model itself)."""
    export = getattr(embedder, "export_encoder", None)
    if export is None:
        return False
    try:
        export(target, texts=texts, reference=reference, int8=int8)
    except Exception as exc:  # exporters fail in many ways; the index stays usable without one
        log.warning("no ONNX encoder for %s: %s", embedder.model_id, (str(exc).splitlines() or [type(exc).__name__])[0])
        shutil.rmtree(target, ignore_errors=True)
        return False
    return True


def add_encoder(folder: Path, embedder: Embedder, *, int8: bool = False) -> bool:
    """Give an up-to-date index its query encoder, checked against the vectors it holds and
    swapped in atomically. False when the model cannot be exported."""
    from qa.index.encoder import FOLDER

    data = load(folder)
    reference = np.vstack(
        [
            data.vectors.reconstruct_n(0, data.vectors.ntotal),
            data.sentence_vectors.reconstruct_n(0, data.sentence_vectors.ntotal),
        ]
    )
    texts = [embedding_text(c) for c in data.chunks] + [
        data.chunks[cid].text[start - data.chunks[cid].start : end - data.chunks[cid].start]
        for cid, start, end in data.sentences.tolist()
    ]

    def write(tmp: Path) -> None:
        if not _export_encoder(embedder, tmp, texts, reference, int8=int8):
            raise ModelError(f"{embedder.model_id} cannot be exported to ONNX")

    try:
        write_atomic(folder / FOLDER, write)
    except ModelError:
        return False
    return True


def content_words(texts: Iterable[str]) -> list[str]:
    """The distinct content words of the texts, most frequent first, at most MAX_WORDS."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in words(text):
            if word not in STOPWORDS and any(ch.isalpha() for ch in word):
                counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))[:MAX_WORDS]


def _all_files(folder: Path) -> list[str]:
    """The files the manifest's checksums cover: all but the manifest and the query encoder."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json" and p.relative_to(folder).parts[0] != ENCODER
    )


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        _fsync(path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


def write_atomic(target: Path, write: Callable[[Path], None], *, checkpoint: Checkpoint | None = None) -> None:
    """Fill a temporary folder beside target, then put it in place in one rename.

    Readers see the old index or the new one, never a mix; a crash leaves the old one, and the
    next build or load sweeps up what the crash left behind. `checkpoint` is called with the
    name of each step, so tests can stop the process at any of them.
    """
    step = checkpoint or (lambda name: None)
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        sweep(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP}", dir=parent))
        tmp.chmod(0o755)
        lock = _lock(tmp)
    except OSError as exc:
        raise IndexWriteError(f"cannot write the index beside {target}: {exc.strerror}") from None
    try:
        write(tmp)
        _fsync_tree(tmp)
        step("written")
        if target.exists():
            if _exchange(tmp, target):
                step("exchanged")
            else:
                old = parent / f".{target.name}{_OLD}{os.getpid()}"
                os.rename(target, old)
                step("set-aside")
                os.rename(tmp, target)
                step("renamed")
                tmp = old
        else:
            os.rename(tmp, target)
        _fsync(parent)
        step("committed")
        remove_tree(tmp)  # the previous index, if there was one
        step("cleaned")
    except OSError as exc:
        remove_tree(tmp)
        raise IndexWriteError(f"cannot write the index to {target}: {exc.strerror or exc}") from None
    except BaseException:
        remove_tree(tmp)
        raise
    finally:
        os.close(lock)


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk; a failure to sync is not a failure to write."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _lock(folder: Path) -> int:
    """Hold an exclusive lock on a folder for as long as this process lives (or until closed)."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _abandoned(folder: Path) -> bool:
    """True when no living process holds the folder's lock and it is not brand new."""
    import fcntl

    try:
        if time.time() - folder.lstat().st_mtime < SWEEP_AGE:
            return False
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases the probe's lock


def sweep(target: Path) -> list[Path]:
    """Remove the temporary and set-aside folders that crashed builds left beside target."""
    removed = []
    parent = target.parent
    for pattern in (f".{target.name}{_TMP}*", f".{target.name}{_OLD}*"):
        for folder in parent.glob(pattern):
            if folder.is_dir() and not folder.is_symlink() and _abandoned(folder):
                remove_tree(folder)
                removed.append(folder)
                log.info("removed %s, left by an interrupted build", folder)
    return removed


def remove_tree(folder: Path) -> None:
    """Delete a folder of ours, even one whose files or sub-folders were made read-only."""

    def retry(func: Callable[..., Any], path: str, _exc: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path) or ".", 0o755)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o755)
            func(path)

    if folder.exists():
        shutil.rmtree(folder, onerror=retry)


def recover(target: Path, *, checkpoint: Checkpoint | None = None) -> None:
    """Put back an index left aside by a crash between two renames (systems without exchange)."""
    if target.exists():
        return
    for old in sorted(target.parent.glob(f".{target.name}{_OLD}*")):
        if (old / "manifest.json").exists():
            if checkpoint:
                checkpoint("recovering")
            os.rename(old, target)
            _fsync(target.parent)
            log.warning("restored the previous index from %s", old)
            return


# ---------------------------------------------------------------- loading


def read_manifest(folder: Path, *, within: Path | None = None) -> dict[str, Any]:
    """The manifest of the index in folder, checked for shape; crashed builds are tidied first.

    `within`: where to read the folder's files (the folder as load() pinned it)."""
    recover(folder)
    with contextlib.suppress(OSError):
        sweep(folder)
    root = within or folder
    path = folder / "manifest.json"
    if not folder.exists() or not (root / "manifest.json").exists():
        raise IndexMissingError(f"no index in {folder}; build it with `qa build --index {folder}` (or `make index`)")
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past any use
        raise IndexCorruptError(f"{path} is not valid JSON{advice(folder)}") from None
    problem = manifest_problem(manifest)
    if problem:
        raise IndexCorruptError(f"{path} is not a valid index manifest: {problem}{advice(folder)}")
    for raw in manifest["sources"]:
        if raw.get("kept"):
            kept = Path(raw["kept"])
            if kept.is_absolute() or ".." in kept.parts:
                raise IndexCorruptError(f"{path}: a kept article lies outside the index folder")
            raw["kept"] = str(folder.resolve() / kept)
    return manifest


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def manifest_problem(manifest: object) -> str | None:
    """What is wrong with a manifest's shape, or None; values are checked later, against the files."""
    if not isinstance(manifest, dict):
        return f"expected a JSON object, found {type(manifest).__name__}"
    if not _is_int(manifest.get("format_version")):
        return "'format_version' must be a whole number"
    model = manifest.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("id"), str) or not model["id"]:
        return "'model' must be an object with a text 'id'"
    if manifest["format_version"] == FORMAT_VERSION and not (
        _is_int(model.get("dimension")) and model["dimension"] > 0
    ):
        return "'model.dimension' must be a positive whole number"
    sources = manifest.get("sources")
    if not isinstance(sources, list) or not sources:
        return "'sources' must be a non-empty list"
    known = {f.name for f in fields(SourceRef)}
    for i, raw in enumerate(sources):
        if not isinstance(raw, dict) or not {"doc", "path", "sha256"} <= set(raw) <= known:
            return f"'sources[{i}]' must be an object with 'doc', 'path' and 'sha256' (and only {', '.join(sorted(known))})"
        if not all(isinstance(v, str) for v in raw.values()):
            return f"'sources[{i}]' fields must be text"
    if not isinstance(manifest.get("settings"), dict):
        return "'settings' must be an object"
    if manifest["format_version"] != FORMAT_VERSION:
        return None  # an older format: stale, and rebuilt from its sources
    if not _is_int(manifest.get("chunk_count")) or manifest["chunk_count"] < 0:
        return "'chunk_count' must be a whole number"
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return "'files' must map file names to sha256 digests"
    if any(Path(name).is_absolute() or ".." in Path(name).parts for name in files):
        return "'files' names a file outside the index folder"
    return None


def stale_reasons(manifest: dict[str, Any], *, model: str | None = None) -> list[str]:
    """Why an index no longer matches its sources, model or this version's settings."""
    reasons: list[str] = []
    if manifest.get("format_version") != FORMAT_VERSION:
        reasons.append(f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}")
    if manifest.get("settings") != settings():
        reasons.append("built with other chunking, attribution or lexical settings")
    if model is not None and manifest.get("model", {}).get("id") != model:
        reasons.append(f"built with model {manifest.get('model', {}).get('id')!r}, not {model!r}")
    for raw in manifest.get("sources", []):
        ref = SourceRef(**raw)
        path = ref.resolve()
        if ref.kept:
            continue  # an added article: the index keeps its text; `qa add` replaces it
        if not path.exists():
            continue  # judged by sources_available()
        try:
            current = load_article(path).sha256
        except SourceError as exc:
            reasons.append(str(exc))
            continue
        if current != ref.sha256:
            reasons.append(f"source {path} changed since the build")
    return reasons


def records(manifest: dict[str, Any]) -> list[SourceRef]:
    """The manifest's source records."""
    return [SourceRef(**raw) for raw in manifest.get("sources", [])]


def source_paths(manifest: dict[str, Any]) -> list[Path]:
    return [SourceRef(**raw).resolve() for raw in manifest.get("sources", [])]


def sources_available(manifest: dict[str, Any]) -> list[Path] | None:
    """The source files, when all of them are still there to rebuild from."""
    paths = source_paths(manifest)
    if not paths or not all(p.is_file() for p in paths):
        return None
    return paths


def changed_sources(manifest: dict[str, Any]) -> list[Path]:
    """The recorded source files whose text is not the one indexed (checksum differs): a rebuild
    reads only files the manifest vouches for, never whatever a path now names."""
    out = []
    for ref in records(manifest):
        if ref.kept:
            continue  # the index keeps an added article's text, checked on load
        try:
            current = load_article(ref.resolve()).sha256
        except SourceError:
            current = ""
        if current != ref.sha256:
            out.append(ref.resolve())
    return out


def missing_sources(manifest: dict[str, Any]) -> list[Path]:
    """The recorded source files that are no longer where the index says they were."""
    return [p for p in source_paths(manifest) if not p.is_file()]


def missing_named(manifest: dict[str, Any], limit: int = 5) -> str:
    """The missing sources for a message: the first `limit` named, the rest counted."""
    absent = missing_sources(manifest)
    named = ", ".join(map(str, absent[:limit]))
    return named + (f" and {len(absent) - limit} more" if len(absent) > limit else "")


def build_key(manifest: dict[str, Any], model: str) -> str:
    """A short hash of what a rebuild of this index with this model would be made from."""
    basis = {
        "format": FORMAT_VERSION,
        "settings": settings(),
        "model": model,
        "sources": [[str(p.resolve()), _sha256(p)] for p in source_paths(manifest) if p.is_file()],
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


SWAP_RETRIES = 20  # loads started again when the folder was swapped while being read


def load(folder: Path) -> IndexData:
    """Read an index, verifying every file against the manifest's checksums.

    Every file is read from the folder as it was when the load began (held open), so a swap by
    `qa add` or `qa remove` meanwhile gives the old index or the new one, never a mix; a load
    whose folder was swapped and deleted under it starts again."""
    folder = Path(folder)
    for attempt in range(SWAP_RETRIES + 1):
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return _load(folder, folder)  # says what is missing
        try:
            pinned = Path(f"/proc/self/fd/{fd}")
            return _load(folder, pinned if pinned.is_dir() else folder)
        except (IndexCorruptError, IndexMissingError, OSError):
            if attempt == SWAP_RETRIES or not _swapped(folder, fd):
                raise
            log.info("%s was swapped while being read; reading it again", folder)
        finally:
            os.close(fd)
    raise AssertionError("unreachable")


def _swapped(folder: Path, fd: int) -> bool:
    """True when the path names another folder than the one held open."""
    try:
        now, held = os.stat(folder), os.fstat(fd)
    except OSError:
        return True
    return (now.st_dev, now.st_ino) != (held.st_dev, held.st_ino)


def _load(folder: Path, root: Path) -> IndexData:
    """load(), reading the files from root: the folder itself or a handle held on it."""
    import faiss

    manifest = read_manifest(folder, within=root)
    expected: dict[str, str] = manifest.get("files", {})
    for name in (*_FILES, f"{_BM25_DIR}/params.index.json"):
        if name not in expected:
            raise IndexCorruptError(f"the manifest in {folder} does not list {name}; rebuild the index")
    for name, digest in expected.items():
        path = folder / name
        if Path(name).parts[0] == DOCS:
            continue  # an added article's text: its damage stays its own (see _damaged)
        if not (root / name).is_file():
            raise IndexCorruptError(f"index file missing: {path}{advice(folder, manifest)}")
        if _sha256(root / name) != digest:
            raise IndexCorruptError(f"index file damaged (checksum differs): {path}{advice(folder, manifest)}")
    damaged = _damaged(manifest, root)
    try:
        with open(root / "chunks.jsonl", encoding="utf-8") as handle:
            chunks = tuple(Chunk.from_json(json.loads(line)) for line in handle if line.strip())
        raw_speakers = json.loads((root / "speakers.json").read_text(encoding="utf-8"))
        speakers = tuple(Speaker(**{**s, "aliases": tuple(s.get("aliases", ()))}) for s in raw_speakers)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise IndexCorruptError(f"index metadata in {folder} cannot be read: {type(exc).__name__}") from None
    try:
        vectors = faiss.read_index(str(root / "vectors.faiss"))
    except RuntimeError:
        raise IndexCorruptError(f"index file damaged: {folder / 'vectors.faiss'}") from None
    if hasattr(vectors, "hnsw"):
        vectors.hnsw.efSearch = max(vectors.hnsw.efSearch, HNSW_EF_SEARCH)
    try:
        lexical = Lexical.load(root / _BM25_DIR)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"index file damaged in {folder / _BM25_DIR}: {exc}") from None
    try:
        vocabulary = tuple(json.loads((root / "words.json").read_text(encoding="utf-8")))
        word_vectors = np.load(root / "words.npy", allow_pickle=False).astype(np.float32)
    except (ValueError, OSError) as exc:
        raise IndexCorruptError(f"index file damaged: {folder / 'words.npy'} ({exc})") from None
    if len(vocabulary) != len(word_vectors):
        raise IndexCorruptError(f"{folder}: {len(vocabulary)} words but {len(word_vectors)} word vectors")
    if manifest["chunk_count"] != len(chunks):
        raise IndexCorruptError(
            f"{folder}: the manifest counts {manifest['chunk_count']} chunks but chunks.jsonl holds {len(chunks)}"
        )
    if vectors.ntotal != len(chunks):
        raise IndexCorruptError(f"{folder}: {len(chunks)} chunks but {vectors.ntotal} vectors")
    sentences, sentence_vectors = _load_sentences(folder, len(chunks), root)
    dimension = manifest.get("model", {}).get("dimension")
    token_rows, token_offsets = (
        _load_tokens(folder, len(chunks), dimension, root) if TOKENS in expected else (None, None)
    )
    if vectors.d != dimension:
        raise IndexCorruptError(f"{folder}: vectors have dimension {vectors.d}, manifest says otherwise")
    if damaged:
        log.info("the kept text of %s in %s is damaged; `qa remove` it or add it again", ", ".join(damaged), folder)
    return IndexData(
        folder,
        manifest,
        chunks,
        speakers,
        vectors,
        lexical,
        vocabulary,
        word_vectors,
        sentences,
        sentence_vectors,
        damaged,
        token_rows,
        token_offsets,
    )


def _load_tokens(folder: Path, chunk_count: int, dimension: object, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """The stored token vectors and each chunk's offsets into them, checked against each other."""
    try:
        rows = np.load(root / TOKENS, allow_pickle=False, mmap_mode="r")  # read a chunk at a time
        offsets = np.load(root / TOKEN_OFFSETS, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise IndexCorruptError(f"index file damaged: {folder / TOKENS} ({exc})") from None
    kind = rows.dtype == np.uint8 or (rows.dtype == np.float16 and rows.ndim == 2 and rows.shape[1] == dimension)
    if (
        not kind
        or rows.ndim != 2
        or offsets.shape != (chunk_count + 1,)
        or offsets[0] != 0
        or offsets[-1] != len(rows)
        or np.any(np.diff(offsets) < 0)
    ):
        raise IndexCorruptError(f"{folder}: {TOKENS} does not match the index's {chunk_count} chunks")
    return rows, offsets


def _damaged(manifest: dict[str, Any], root: Path) -> tuple[str, ...]:
    """The added articles whose kept text is missing or differs from the text indexed."""
    out = []
    for ref in records(manifest):
        if ref.kept:
            kept = root / DOCS / Path(ref.kept).name
            if not kept.is_file() or _sha256(kept) != ref.sha256:
                out.append(ref.doc)
    return tuple(out)


def advice(folder: Path, manifest: dict[str, Any] | None = None) -> str:
    """What to do about a damaged index, never a step that drops articles a user added."""
    sources = manifest.get("sources", []) if isinstance(manifest, dict) else []
    added = any(isinstance(raw, dict) and raw.get("kept") for raw in sources) or (
        manifest is None and (folder / DOCS).is_dir()
    )
    if added:
        return (
            f"; restore the folder from a backup (the added articles' texts are in {folder / DOCS};"
            " `qa build` would keep only the articles named to it)"
        )
    return f"; rebuild with `qa build --index {folder}`"


def _load_sentences(folder: Path, chunk_count: int, root: Path) -> tuple[np.ndarray, Any]:
    import faiss

    try:
        rows = np.asarray(json.loads((root / "sentences.json").read_text(encoding="utf-8")), dtype=np.int64)
        vectors = faiss.read_index(str(root / "sentences.faiss"))
    except (ValueError, RuntimeError) as exc:
        raise IndexCorruptError(f"index file damaged: sentences in {folder} ({exc})") from None
    if rows.ndim != 2 or rows.shape[1] != 3 or len(rows) != vectors.ntotal:
        raise IndexCorruptError(f"{folder}: sentences.json and sentences.faiss disagree")
    if len(rows) and (np.any(np.diff(rows[:, 0]) < 0) or rows[-1, 0] >= chunk_count or rows[0, 0] < 0):
        raise IndexCorruptError(f"{folder}: sentences.json names chunks that are not in the index")
    if hasattr(vectors, "hnsw"):
        vectors.hnsw.efSearch = max(vectors.hnsw.efSearch, HNSW_EF_SEARCH)
    return rows, vectors
