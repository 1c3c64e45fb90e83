"""Uploads to the running app: one article file of the panel's types per request, same origin
only, never served back, cleaned up when the app stops; a read-only chat takes none."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .server import running_app

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e
BOUNDARY = "qa-test-boundary"


def _index(tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(ROOT / "index", folder)
    return folder


def _upload(url: str, files: list[tuple[str, bytes]], headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    body = b""
    for name, data in files:
        body += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{BOUNDARY}--\r\n".encode()
    request = urllib.request.Request(
        url + "gradio_api/upload",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **(headers or {})},
    )
    return _open(request)


def _open(request: urllib.request.Request | str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


STORY = b"The harbour board met on Monday, said Jo Park.\n"


def test_uploads_are_one_article_file_from_the_same_origin_and_never_served(tmp_path: Path):
    with running_app("--index", str(_index(tmp_path))) as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        folder = Path(tempfile.gettempdir()) / f"qa-uploads-{port}"
        assert _upload(url, [("a.txt", STORY), ("b.txt", STORY)])[0] == 400
        assert _upload(url, [(f"n{i}.txt", STORY) for i in range(100)])[0] == 400
        assert _upload(url, [("tool.exe", b"MZ")])[0] == 415
        assert _upload(url, [("a.txt", STORY)], {"Origin": "http://evil.example"})[0] == 403
        status, answer = _upload(url, [("story.txt", STORY)])
        assert status == 200, answer
        stored = json.loads(answer)[0]
        assert Path(stored).resolve().is_relative_to(folder.resolve())
        for route in (f"gradio_api/file={stored}", f"file={stored}"):
            code, body = _open(url + route)
            assert code in (403, 404) and STORY not in body
    assert not folder.exists()  # cleaned when the app stopped


def test_a_read_only_chat_takes_no_uploads(tmp_path: Path):
    with running_app("--index", str(_index(tmp_path)), "--read-only") as url:
        assert _upload(url, [("story.txt", STORY)])[0] == 403
        status, config = _open(url + "config")
        assert status == 200 and b"article-text" not in config and b"add-article" not in config


def test_a_malformed_chat_history_logs_one_line(tmp_path: Path):
    import subprocess
    import sys

    from .server import free_port

    port = free_port()
    log = tmp_path / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--index", str(_index(tmp_path))],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if _open(url)[0] == 200:
                        break
                except urllib.error.URLError:
                    time.sleep(0.3)
            bad = [[i] for i in range(60_000)]
            body = json.dumps({"data": ["What is it about?", bad, [], None, 3, ""]}).encode()
            request = urllib.request.Request(
                url + "gradio_api/call/chat", data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            status, answer = _open(request)
            assert status == 200, answer
            _open(f"{url}gradio_api/call/chat/{json.loads(answer)['event_id']}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    written = log.read_text()
    assert len(written) < 20_000 and written.count("a request failed") == 1, written[-2000:]
