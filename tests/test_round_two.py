"""Hardening, round two: user files beside an index, bounded reading, colliding doc ids,
literal article text, swaps under readers, local damage, faults in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa import store
from qa.errors import IndexWriteError

from .conftest import ARTICLES, FakeEmbedder

QA = str(Path(sys.executable).parent / "qa")


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in folder.rglob("*")}


def _user_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "thesis"
    (folder / "notes").mkdir(parents=True)
    (folder / "thesis.docx").write_bytes(b"PK\x03\x04 a made-up thesis")
    (folder / "notes" / "ideas.txt").write_text("call the printer on Tuesday\n")
    return folder


# ---------------------------------------------------------------- 1. index folders


@pytest.mark.parametrize(
    "args",
    [
        ["add", str(ARTICLES / "river-cleanup.txt")],
        ["build", "--source", str(ARTICLES / "river-cleanup.txt")],
        ["check"],
    ],
    ids=["add", "build", "check"],
)
def test_index_commands_leave_a_folder_of_user_files_alone(tmp_path: Path, args: list[str]):
    folder = _user_folder(tmp_path)
    before = _tree(folder)
    result = subprocess.run([QA, *args, "--index", str(folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("qa: error:"), result.stderr
    assert str(folder) in result.stderr
    assert _tree(folder) == before


def test_library_calls_leave_a_folder_of_user_files_alone(tmp_path: Path, fake: FakeEmbedder):
    from qa import library
    from qa.reading import read

    folder = _user_folder(tmp_path)
    before = _tree(folder)
    with pytest.raises(IndexWriteError, match="no index"):
        store.build([ARTICLES / "river-cleanup.txt"], folder, embedder=fake)
    with pytest.raises(IndexWriteError, match="no index"):
        library.add([read(str(ARTICLES / "river-cleanup.txt"))], folder, embedder=fake)
    assert _tree(folder) == before
    (tmp_path / "afile").write_text("not a folder")
    with pytest.raises(IndexWriteError):
        store.build([ARTICLES / "river-cleanup.txt"], tmp_path / "afile", embedder=fake)
    assert (tmp_path / "afile").read_text() == "not a folder"


def test_an_empty_folder_or_an_index_is_replaced(tmp_path: Path, fake: FakeEmbedder):
    empty = tmp_path / "empty"
    empty.mkdir()
    store.build([ARTICLES / "river-cleanup.txt"], empty, embedder=fake)
    store.build([ARTICLES / "warehouse-robots.txt"], empty, embedder=fake)
    assert json.loads((empty / "manifest.json").read_text())["sources"][0]["doc"] == "warehouse-robots"
