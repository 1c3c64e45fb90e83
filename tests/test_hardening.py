"""What a careless user or an attacker tries: each defect found by probing has a test here."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qa import Retriever
from qa.errors import BadQuestionError, IndexCorruptError, IndexStaleError
from qa.index import store

from .conftest import ARTICLES, ROOT, FakeEmbedder
from .server import running_app

QA = shutil.which("qa") or str(Path(sys.executable).parent / "qa")


# ---------------------------------------------------------------- the running server


@pytest.fixture(scope="module")
def url():
    with running_app() as address:
        yield address


def _server_pid(url: str) -> int:
    import psutil

    port = int(url.rstrip("/").rsplit(":", 1)[1])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return int(conn.pid)
    raise AssertionError("no process listens on the app's port")


def _post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _ask_raw(url: str, body: str) -> str:
    """Call /ask over plain HTTP (so NaN and other non-JSON-client values can be sent)."""
    return _ask_raw_to(url, "ask", body)


def _ask_raw_to(url: str, endpoint: str, body: str) -> str:
    status, raw = _post(url + f"gradio_api/call/{endpoint}", body.encode())
    assert status == 200, raw
    event = json.loads(raw)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{endpoint}/{event}", timeout=60) as response:
        return response.read().decode()


@pytest.mark.e2e
def test_huge_question_is_refused_at_once_without_memory_growth(url):
    import psutil

    server = psutil.Process(_server_pid(url))
    before = server.memory_info().rss
    question = "\ufdfa" * 1_000_001  # grows 18-fold under NFKC normalisation
    body = json.dumps({"data": [question, None, None, 3]}).encode()
    started = time.perf_counter()
    status, _ = _post(url + "gradio_api/call/ask", body)
    elapsed = time.perf_counter() - started
    assert status == 413
    assert elapsed < 1.0
    assert server.memory_info().rss - before < 50 * 1024 * 1024


@pytest.mark.e2e
def test_long_question_under_the_body_limit_is_refused_cheaply(url):
    from gradio_client import Client

    client = Client(url, verbose=False)
    started = time.perf_counter()
    data = client.predict("\ufdfa" * 200_000, api_name="/ask")
    assert time.perf_counter() - started < 2.0
    assert data["abstained"] is True and "too long" in data["error"]


def test_raw_length_is_checked_before_normalising(monkeypatch):
    import unicodedata

    from qa.ask import question as retrieval

    calls = []
    monkeypatch.setattr(unicodedata, "normalize", lambda form, text: calls.append(len(text)) or text)
    with pytest.raises(BadQuestionError, match="too long"):
        retrieval.clean_question("\ufdfa" * (retrieval.MAX_RAW_CHARS + 1))
    assert calls == []


@pytest.mark.e2e
def test_oversized_uploads_are_refused(url):
    boundary = "qa-test-boundary"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    body = part + b"word " * 700_000 + f"\r\n--{boundary}--\r\n".encode()  # 3.5 MB, over the 2 MB limit
    status, answer = _post(url + "gradio_api/upload", body, f"multipart/form-data; boundary={boundary}")
    assert status == 413
    assert b"over" in answer


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "named"),
    [
        ('"Who is quoted?", null, null, "abc"', "k must be"),
        ('"Who is quoted?", null, null, NaN', "k must be"),
        ('"Who is quoted?", null, null, Infinity', "k must be"),
        ('"Who is quoted?", null, null, 2.5', "k must be"),
        ('"Who is quoted?", null, {"a": 1}, 3', "speaker must be"),
        ('"Who is quoted?", null, ["x"], 3', "speaker must be"),
        ('"Who is quoted?", "not a list", null, 3', "history must be"),
        ('{"q": 1}, null, null, 3', "question must be"),
    ],
)
def test_bad_ask_values_get_a_clear_message(url, args: str, named: str):
    events = _ask_raw(url, '{"data": [' + args + "]}")
    assert "event: error" in events
    assert named in events
    assert '"a": 1' not in events and "upstream" not in events


@pytest.mark.e2e
def test_good_ask_values_still_work(url):
    events = _ask_raw(url, '{"data": ["Who is quoted?", [], "", "2"]}')
    assert "event: complete" in events


def test_chat_keeps_nothing_oversized(retriever):
    from qa.faces.web import ChatApp

    chat_app = ChatApp(retriever)
    message = "why " * 250_000
    chat, turns, box = chat_app.respond(message, [], [], "Anyone", 3)
    assert box == ""
    assert len(chat[0]["content"]) < 2_000 and "1,000,000 characters" in chat[0]["content"]
    assert "too long" in chat[1]["content"]
    assert all(len(t) <= 1001 for t in turns)
    chat, turns, _ = chat_app.respond("Who is quoted?", chat, turns, "Anyone", 3)
    assert len(turns) == 2 and len(chat) == 4


# ---------------------------------------------------------------- the index on disk


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("sources", "x", "'sources'"),
        ("sources", [{"a": 1}], "'sources[0]'"),
        ("model", "x", "'model'"),
        ("files", [], "'files'"),
        ("chunk_count", "16", "'chunk_count'"),
        ("format_version", None, "'format_version'"),
    ],
)
def test_manifest_of_the_wrong_shape_is_named(fake_index: Path, fake: FakeEmbedder, field, value, named):
    import re

    manifest = _manifest(fake_index)
    manifest[field] = value
    (fake_index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match=re.escape(named)):
        Retriever.load(fake_index, embedder=fake)


def test_changed_chunk_count_says_which_count(fake_index: Path, fake: FakeEmbedder):
    manifest = _manifest(fake_index)
    real = manifest["chunk_count"]
    manifest["chunk_count"] = real + 3
    (fake_index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match=f"manifest counts {real + 3} chunks but chunks.jsonl holds {real}"):
        Retriever.load(fake_index, embedder=fake)


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("qa: error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_bad_manifest_from_cli_and_app_is_one_line(fake_index: Path):
    manifest = _manifest(fake_index)
    manifest["sources"] = "x"
    (fake_index / "manifest.json").write_text(json.dumps(manifest))
    check = subprocess.run([QA, "check", "--index", str(fake_index)], capture_output=True, text=True, timeout=120)
    assert "'sources'" in _one_line_error(check)
    port = str(_free_port())
    served = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--index", str(fake_index), "--port", port],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "'sources'" in _one_line_error(served)


def test_check_never_rebuilds_from_anything_but_the_recorded_sources(tmp_path: Path, fake: FakeEmbedder):
    source = tmp_path / "story.txt"
    shutil.copy(ARTICLES / "river-cleanup.txt", source)
    folder = tmp_path / "index"
    store.build([source], folder, embedder=fake)
    manifest = _manifest(folder)
    manifest["settings"]["attribution"]["version"] = -1  # stale
    (folder / "manifest.json").write_text(json.dumps(manifest))
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    source.unlink()
    result = subprocess.run([QA, "check", "--index", str(folder)], capture_output=True, text=True, timeout=120)
    assert str(source) in _one_line_error(result)
    assert {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    with pytest.raises(IndexStaleError, match=r"story\.txt"):
        Retriever.load(folder, embedder=fake)


def test_build_sweeps_what_a_killed_build_left(tmp_path: Path, fake: FakeEmbedder):
    folder = tmp_path / "index"
    store.build([ARTICLES / "river-cleanup.txt"], folder, embedder=fake)
    left = tmp_path / ".index.tmp-dead1"
    left.mkdir()
    (left / "chunks.jsonl").write_text("half")
    aside = tmp_path / ".index.old-99999"
    aside.mkdir()
    young = tmp_path / ".index.tmp-young"
    young.mkdir()
    old = time.time() - store.SWEEP_AGE - 5
    os.utime(left, (old, old))
    os.utime(aside, (old, old))
    store.build([ARTICLES / "river-cleanup.txt"], folder, embedder=fake)
    assert not left.exists() and not aside.exists()
    assert young.exists()  # may still be in the making


def test_sweep_spares_a_folder_a_live_build_holds(tmp_path: Path):
    held = tmp_path / ".index.tmp-live"
    held.mkdir()
    fd = store._lock(held)
    old = time.time() - store.SWEEP_AGE - 5
    os.utime(held, (old, old))
    try:
        assert store.sweep(tmp_path / "index") == []
        assert held.exists()
    finally:
        os.close(fd)
    assert store.sweep(tmp_path / "index") == [held]


def test_read_only_rebuilds_reuse_one_cache_folder(read_only_index: Path):
    fake_index = read_only_index
    first = Retriever.load(fake_index, embedder=FakeEmbedder(model_id="newer-fake")).index.folder
    built_at = _manifest(first)["built_at"], (first / "manifest.json").stat().st_mtime_ns
    second = Retriever.load(fake_index, embedder=FakeEmbedder(model_id="newer-fake")).index.folder
    assert first == second != fake_index
    assert (_manifest(second)["built_at"], (second / "manifest.json").stat().st_mtime_ns) == built_at
    shutil.rmtree(first)


def test_replacing_a_read_only_index_leaves_nothing_beside_it(fake_index: Path, fake: FakeEmbedder):
    for path in [*fake_index.rglob("*"), fake_index]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    store.build([ARTICLES / "river-cleanup.txt"], fake_index, embedder=fake)
    assert sorted(p.name for p in fake_index.parent.iterdir()) == ["index"]
    assert Retriever.load(fake_index, embedder=fake).chunks[0].doc == "river-cleanup"


_KILL_BUILD = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tests.conftest import FakeEmbedder
from qa.index import store

if {fallback!r}:
    store._exchange = lambda a, b: False  # a system without renameat2

def checkpoint(step):
    if step == {step!r}:
        os.kill(os.getpid(), signal.SIGKILL)

store.build([{source!r}], {target!r}, embedder=FakeEmbedder(), checkpoint=checkpoint)
"""


@pytest.mark.parametrize(
    ("step", "fallback"),
    [
        ("written", False),
        ("exchanged", False),
        ("committed", False),
        ("written", True),
        ("set-aside", True),
        ("renamed", True),
        ("committed", True),
    ],
)
def test_kill_at_any_step_of_the_swap_leaves_an_index(fake_index: Path, step: str, fallback: bool):
    script = _KILL_BUILD.format(
        root=str(ROOT), fallback=fallback, step=step, source=str(ARTICLES / "river-cleanup.txt"), target=str(fake_index)
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    retriever = Retriever.load(fake_index, embedder=FakeEmbedder())
    assert {c.doc for c in retriever.chunks} in ({"wuzhen-2024-ai"}, {"river-cleanup"})
    # what the kill left is swept once it is old enough
    for leftover in fake_index.parent.glob(".index.*"):
        os.utime(leftover, (0, 0))
    Retriever.load(fake_index, embedder=FakeEmbedder())
    assert sorted(p.name for p in fake_index.parent.iterdir()) == ["index"]


_KILL_RECOVER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from qa.index import store

def checkpoint(step):
    os.kill(os.getpid(), signal.SIGKILL)

store.recover(Path({target!r}), checkpoint=checkpoint)
"""


def test_kill_during_recovery_still_recovers(fake_index: Path):
    aside = fake_index.parent / ".index.old-4242"
    os.rename(fake_index, aside)  # as a crash between the two renames leaves it
    script = _KILL_RECOVER.format(root=str(ROOT), target=str(fake_index))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert Retriever.load(fake_index, embedder=FakeEmbedder()).chunks
    assert not aside.exists()


def test_commit_syncs_the_parent_folder(tmp_path: Path, fake: FakeEmbedder, monkeypatch):
    synced: list[Path] = []
    monkeypatch.setattr(store, "_fsync", lambda folder: synced.append(Path(folder)))
    store.build([ARTICLES / "river-cleanup.txt"], tmp_path / "index", embedder=fake)
    assert tmp_path.resolve() in synced


# ---------------------------------------------------------------- the command line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.e2e
def test_ask_prints_no_progress_noise(tmp_path: Path):
    result = subprocess.run([QA, "ask", "Who is quoted?"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    folder = tmp_path / "index"
    built = subprocess.run(
        [QA, "build", "--source", str(ARTICLES / "river-cleanup.txt"), "--index", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "Building index" not in built.stderr and "Loading weights" not in built.stderr
    assert "%|" not in built.stderr


def test_serve_on_a_busy_port_fails_fast():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run([QA, "serve", "--port", str(port)], capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - started
    assert "already in use" in _one_line_error(result)
    assert elapsed < 4


@pytest.mark.e2e
def test_one_article_over_the_api(url):
    from gradio_client import Client

    client = Client(url, verbose=False)
    listed = client.predict(api_name="/articles")
    assert [d["doc"] for d in listed] == ["wuzhen-2024-ai"] and listed[0]["chunks"] == 16
    answer = client.predict("Who said safety must be the foundation?", "wuzhen-2024-ai", api_name="/ask_article")
    assert answer["quotes"][0]["doc"] == "wuzhen-2024-ai"
    events = _ask_raw_to(url, "ask_article", '{"data": ["Who is quoted?", "no-such-article", null, null, 3]}')
    assert "event: error" in events and "no article" in events
