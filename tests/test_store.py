"""The index on disk: manifest, checksums, staleness, atomic writes (fake embedder, fast)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import Retriever
from qa.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from qa.index import store

from .conftest import ARTICLES, FakeEmbedder


def test_manifest_records_what_the_build_used(fake_index: Path):
    manifest = json.loads((fake_index / "manifest.json").read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["model"] == {"id": "fake-hash", "dimension": 128}
    assert manifest["settings"]["normalized"] is True
    assert manifest["settings"]["attribution"]["method"] == "rules"
    assert manifest["sources"][0]["path"] == "bundled:wuzhen-2024-ai.txt"
    assert len(manifest["sources"][0]["sha256"]) == 64
    assert manifest["chunk_count"] == len((fake_index / "chunks.jsonl").read_text().splitlines())
    assert {"chunks.jsonl", "vectors.faiss", "speakers.json", "bm25/params.index.json"} <= set(manifest["files"])


def test_chunks_carry_verbatim_text_offsets_and_attribution(fake_index: Path):
    from qa.text import article

    art = article.load()
    chunks = [json.loads(line) for line in (fake_index / "chunks.jsonl").read_text().splitlines()]
    for chunk in chunks:
        assert art.text[chunk["start"] : chunk["end"]] == chunk["text"]
        assert chunk["text"] in art.paragraph(chunk["paragraph"]).text
    assert {c["speaker"] for c in chunks} >= {None}
    assert all((c["speaker"] is None) == (c["kind"] == "narration") for c in chunks)


def test_missing_index_says_how_to_build(tmp_path: Path, fake: FakeEmbedder):
    with pytest.raises(IndexMissingError, match="qa build"):
        Retriever.load(tmp_path / "nowhere", embedder=fake)


@pytest.mark.parametrize("name", ["chunks.jsonl", "vectors.faiss", "bm25/vocab.index.json", "speakers.json"])
def test_truncated_file_is_named(fake_index: Path, fake: FakeEmbedder, name: str):
    path = fake_index / name
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(IndexCorruptError, match=name.split("/")[-1]):
        Retriever.load(fake_index, embedder=fake)


def test_corrupt_manifest_is_named(fake_index: Path, fake: FakeEmbedder):
    (fake_index / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match=r"manifest\.json"):
        Retriever.load(fake_index, embedder=fake)


def test_stale_source_is_rebuilt(tmp_path: Path, fake: FakeEmbedder, caplog):
    source = tmp_path / "story.txt"
    shutil.copy(ARTICLES / "river-cleanup.txt", source)
    folder = tmp_path / "index"
    store.build([source], folder, embedder=fake)
    source.write_text(source.read_text() + "\nA new paragraph about flood barriers was added.\n")
    with caplog.at_level("WARNING"):
        retriever = Retriever.load(folder, embedder=fake)
    assert "stale" in caplog.text
    assert any("flood barriers" in c.text for c in retriever.chunks)
    assert (
        json.loads((folder / "manifest.json").read_text())["sources"][0]["sha256"] == store.articles.load(source).sha256
    )


def test_stale_without_sources_is_a_clear_error(tmp_path: Path, fake: FakeEmbedder):
    source = tmp_path / "story.txt"
    shutil.copy(ARTICLES / "river-cleanup.txt", source)
    folder = tmp_path / "index"
    store.build([source], folder, embedder=fake)
    source.unlink()
    with pytest.raises(IndexStaleError, match=r"model .*sources are missing.*story\.txt"):
        Retriever.load(folder, embedder=FakeEmbedder(model_id="another-model"))


def test_a_stale_library_without_its_sources_names_a_few_and_counts_the_rest(tmp_path: Path, fake: FakeEmbedder):
    sources = []
    for i in range(8):
        sources.append(tmp_path / f"story-{i}.txt")
        shutil.copy(ARTICLES / "river-cleanup.txt", sources[-1])
    folder = tmp_path / "index"
    store.build(sources, folder, embedder=fake)
    for path in sources:
        path.unlink()
    with pytest.raises(IndexStaleError, match=r"story-4\.txt and 3 more$") as caught:
        Retriever.load(folder, embedder=FakeEmbedder(model_id="another-model"))
    assert "story-5" not in str(caught.value)


def test_other_model_triggers_rebuild(fake_index: Path):
    other = FakeEmbedder(model_id="other-fake", dimension=32)
    retriever = Retriever.load(fake_index, embedder=other)
    assert retriever.index.manifest["model"] == {"id": "other-fake", "dimension": 32}


def test_old_settings_trigger_rebuild(fake_index: Path, fake: FakeEmbedder):
    manifest = json.loads((fake_index / "manifest.json").read_text())
    manifest["settings"]["attribution"]["version"] = 0
    (fake_index / "manifest.json").write_text(json.dumps(manifest))
    Retriever.load(fake_index, embedder=fake)
    assert json.loads((fake_index / "manifest.json").read_text())["settings"] == store.settings()


def test_failed_build_leaves_previous_index_loadable(fake_index: Path, fake: FakeEmbedder):
    before = (fake_index / "manifest.json").read_text()

    def crash(folder: Path) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        store.build([ARTICLES / "river-cleanup.txt"], fake_index, embedder=fake, before_commit=crash)
    assert (fake_index / "manifest.json").read_text() == before
    assert Retriever.load(fake_index, embedder=fake).search("Xiaomi", k=1)
    assert not list(fake_index.parent.glob(".index.tmp-*"))


def test_rebuild_replaces_contents_in_one_step(fake_index: Path, fake: FakeEmbedder):
    store.build([ARTICLES / "warehouse-robots.txt"], fake_index, embedder=fake)
    retriever = Retriever.load(fake_index, embedder=fake)
    assert {c.doc for c in retriever.chunks} == {"warehouse-robots"}
    assert [p.name for p in fake_index.parent.iterdir()] == ["index"]


def test_unwritable_stale_index_is_rebuilt_privately(read_only_index: Path, caplog):
    fake_index = read_only_index
    before = (fake_index / "manifest.json").read_text()
    with caplog.at_level("WARNING"):
        retriever = Retriever.load(fake_index, embedder=FakeEmbedder(model_id="newer-fake"))
    assert "read-only" in caplog.text
    assert retriever.index.folder != fake_index
    assert retriever.index.manifest["model"]["id"] == "newer-fake"
    assert (fake_index / "manifest.json").read_text() == before


def test_several_sources_keep_their_documents(tmp_path: Path, fake: FakeEmbedder):
    folder = tmp_path / "index"
    store.build([ARTICLES / "river-cleanup.txt", ARTICLES / "warehouse-robots.txt"], folder, embedder=fake)
    retriever = Retriever.load(folder, embedder=fake)
    assert {c.doc for c in retriever.chunks} == {"river-cleanup", "warehouse-robots"}
    hit = retriever.search("Veltrix chief executive", k=1)[0]
    assert hit.doc == "warehouse-robots"


def test_vectors_are_unit_length(fake_index: Path):
    import faiss

    index = faiss.read_index(str(fake_index / "vectors.faiss"))
    vectors = index.reconstruct_n(0, index.ntotal)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
