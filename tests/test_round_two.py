"""Hardening, round two: user files beside an index, bounded reading, colliding doc ids,
literal article text, swaps under readers, local damage, faults in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.errors import IndexWriteError
from qa.index import store

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
    from qa.index import library
    from qa.text.reading import read

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


# ---------------------------------------------------------------- 2. bounded reading

_TWO_MB = 1_990_000


def _adversarial_markdown() -> dict[str, str]:
    units = {
        "stars": "*a ",
        "double-stars": "**a ",
        "fences": "```\n",
        "brackets": "[",
        "images": "![a",
        "links": "[a](",
        "underscores": "_a ",
        "ticks": "`a ",
        "tildes": "~~a ",
        "angles": "<a ",
    }
    return {name: unit * (_TWO_MB // len(unit)) for name, unit in units.items()}


@pytest.mark.parametrize("name", sorted(_adversarial_markdown()))
def test_two_megabytes_of_adversarial_markdown_read_in_seconds(name: str):
    import time

    from qa.text.reading import from_bytes

    raw = _adversarial_markdown()[name].encode()
    started = time.perf_counter()
    try:
        from_bytes(raw, name="x", source="x.md", suffix=".md")
    except Exception as exc:  # refusing it is fine; taking minutes is not
        assert type(exc).__name__ == "SourceError", exc
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "unit",
    ["<title>a ", "<title>a</title>", "<b>a ", "<div>", "<!--a ", "<p>word ", "<li>a", "<br>", "<p>said Jo. </p>"],
    ids=["open-titles", "titles", "bold", "deep", "comments", "paragraphs", "items", "breaks", "statements"],
)
def test_two_megabytes_of_adversarial_html_read_in_seconds(unit: str):
    import time

    from qa.text.reading import from_bytes

    raw = (
        "<html><head>" + unit * (_TWO_MB // len(unit)) + "</head><body><p>" + "word " * 40 + "</p></body></html>"
    ).encode()
    started = time.perf_counter()
    try:
        from_bytes(raw, name="x", source="x.html", suffix=".html")
    except Exception as exc:
        assert type(exc).__name__ == "SourceError", exc
    assert time.perf_counter() - started < 5


def test_markdown_reads_as_text_tokens():
    from qa.text.reading import from_bytes, markdown_text

    md = (
        "# Ferry *back* on Monday\n\nThe mayor **said** it ~~twice~~ on [the radio](http://radio.example).\n"
        "![a gull](gull.png)\n\n```\ncode stays out\n```\n\n> Quoted `words` here\n\n1. first item\n2. second item\n"
    )
    assert markdown_text(md).splitlines() == [
        "Ferry back on Monday",
        "The mayor said it twice on the radio.",
        "Quoted words here",
        "first item",
        "second item",
    ]
    assert from_bytes(md.encode(), name="x", source="x.md", suffix=".md").title == "Ferry back on Monday"


def test_a_page_title_comes_from_the_parsed_page():
    from qa.text.reading import html_article

    page = "<html><head><title>Tide &amp;\n  time</title><title>second</title></head><body><p>" + "word " * 40
    assert html_article(page + "</p></body></html>")[1] == "Tide & time"


def test_work_per_article_is_capped(tmp_path: Path, fake: FakeEmbedder):
    from qa.errors import SourceError
    from qa.index import library
    from qa.text.reading import MAX_PARAGRAPH_CHARS, from_bytes

    one_line = " ".join(f"The ferry number {i} left the pier at noon." for i in range(40_000))
    item = from_bytes(one_line.encode(), name="ferries", source="ferries.txt", suffix=".txt")
    assert max(len(p) for p in item.text.splitlines()) <= MAX_PARAGRAPH_CHARS
    assert item.text.split() == one_line.split()  # cut into paragraphs, every word kept
    assert len(item.text) == len(one_line)  # each cut turns a space into a break: offsets still index the file
    calls = fake.calls
    with pytest.raises(SourceError, match="sentences"):
        library.add([item], tmp_path / "index", embedder=fake)
    assert fake.calls == calls and not (tmp_path / "index").exists()


# ---------------------------------------------------------------- 9. doc ids


def _paste(text: str, title: str) -> object:
    from qa.text.reading import from_bytes

    return from_bytes(text.encode(), name=title, source="pasted", title=title)


def test_titles_that_map_to_one_doc_id_keep_both_articles(tmp_path: Path, fake: FakeEmbedder):
    from qa.index import library

    folder = tmp_path / "index"
    body = "The harbour board met on Monday.\nIt said the new pier would open in spring.\n"
    first = library.add([_paste(body, "Budget 2024")], folder, embedder=fake)
    second = library.add([_paste(body + "It said more.\n", "Budget: 2024")], folder, embedder=fake)
    assert list(first.values()) == ["added"] and list(second.values()) == ["added"]
    docs = {d.title: d.doc for d in library.documents(folder)}
    assert set(docs) == {"Budget 2024", "Budget: 2024"} and len(set(docs.values())) == 2
    # the same title again replaces its own article, not the other one
    again = library.add([_paste(body + "And more.\n", "Budget: 2024")], folder, embedder=fake)
    assert again == {docs["Budget: 2024"]: "replaced"}
    assert len(library.documents(folder)) == 2


def test_titles_without_letters_are_kept_apart(tmp_path: Path, fake: FakeEmbedder):
    from qa.index import library

    folder = tmp_path / "index"
    body = "The harbour board met on Monday.\n"
    for title in ("/", ".", "..."):
        library.add([_paste(body, title)], folder, embedder=fake)
    assert sorted(d.title for d in library.documents(folder)) == [".", "...", "/"]
    assert len({d.doc for d in library.documents(folder)}) == 3


# ---------------------------------------------------------------- 3. literal article text

PAYLOAD = (
    "Visit http://evil.example/x or www.evil.example, write to tips@evil.example, ~~struck~~ "
    "![pic](http://evil.example/p.png) [link](http://evil.example) <img src=http://evil.example/i.png> *em*"
)


def test_article_text_renders_as_literal_markdown():
    from markdown_it import MarkdownIt

    from qa.text.safety import literal

    shown = MarkdownIt("commonmark").enable("strikethrough").render(literal(PAYLOAD))
    assert "<a" not in shown and "<img" not in shown and "<s>" not in shown and "<em>" not in shown
    # every autolink trigger is broken by an escape, which the renderer drops again
    assert "http\\:" in literal(PAYLOAD) and "www\\." in literal(PAYLOAD) and "\\@" in literal(PAYLOAD)
    assert "http://evil.example/x" in shown and "~~struck~~" in shown and "tips@evil.example" in shown


def test_titles_and_names_lose_format_characters_and_are_capped():
    from qa.text.reading import from_bytes
    from qa.text.safety import MAX_TITLE_CHARS, literal

    body = "Ana\u200b Ruiz said the ferry was late.\n"
    item = from_bytes(body.encode(), name="x", source="pasted", title="Tide \u202etimes\u202c")
    assert item.title == "Tide times" and "\u200b" not in item.text
    long = from_bytes(body.encode(), name="x", source="pasted", title="t" * 1_500_000)
    assert len(long.title) == MAX_TITLE_CHARS
    assert "\u202e" not in literal("\u202eevil")


def test_the_panel_status_line_is_literal(tmp_path: Path, fake: FakeEmbedder):
    import shutil

    from qa import Retriever
    from qa.faces.web import ChatApp

    folder = tmp_path / "index"
    store.build([ARTICLES / "river-cleanup.txt"], folder, embedder=fake)
    chat = ChatApp(Retriever.load(folder, embedder=fake))
    title = "![x](http://evil.example/t.png) [y](http://evil.example) www.evil.example"
    status = chat.add_article("The harbour board met on Monday, said Jo Park.\n", None, title)
    from markdown_it import MarkdownIt

    shown = MarkdownIt("commonmark").render(status)
    assert "<a" not in shown and "<img" not in shown, status
    shutil.rmtree(folder)


# ---------------------------------------------------------------- 5. reads during swaps

_SWAPPER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.conftest import FakeEmbedder
from qa.index import library
from qa.text.reading import from_bytes

folder, fake = Path({folder!r}), FakeEmbedder(dimension=8)
for i in range({changes}):
    if i % 2 == 0:
        text = "The board met %d times this year, said Jo Park.\\nIt will meet again.\\n" % i
        library.add([from_bytes(text.encode(), name="b", source="pasted", title="b")], folder, embedder=fake)
    else:
        library.remove("b", folder)
    print(i, flush=True)
    time.sleep({pause})
"""


def test_loads_during_swaps_see_the_old_or_the_new_index(tmp_path: Path):
    import time

    from qa.index import library
    from qa.text.reading import from_bytes

    from .conftest import ROOT

    folder = tmp_path / "index"
    first = b"The harbour board met on Monday, said Jo Park.\n"
    library.add([from_bytes(first, name="a", source="pasted", title="a")], folder, embedder=FakeEmbedder(dimension=8))
    changes = 60
    script = _SWAPPER.format(root=str(ROOT), folder=str(folder), changes=changes, pause=0.25)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    loads, errors, seen = 0, [], set()
    deadline = time.monotonic() + 300
    while (writer.poll() is None or loads <= 10_000) and time.monotonic() < deadline:
        try:
            data = store.load(folder)
        except Exception as exc:  # any failure to load counts
            errors.append(f"{type(exc).__name__}: {exc}")
        else:
            seen.add(len(data.chunks))
        loads += 1
    assert writer.wait(timeout=60) == 0
    assert len(writer.stdout.read().split("\n")) > changes if writer.stdout else False
    assert loads > 10_000 and errors == [], (loads, errors[:3], len(errors))
    assert len(seen) == 2  # both versions were read


# ---------------------------------------------------------------- 6. damage stays local


def test_a_damaged_article_text_affects_only_that_article(tmp_path: Path, fake: FakeEmbedder):
    from qa import Retriever
    from qa.index import library
    from qa.text.reading import from_bytes

    folder = tmp_path / "index"
    for title in ("Pier", "Tram"):
        text = f"The {title.lower()} board met on Monday, said Jo Park.\nIt will meet again in May.\n"
        library.add([from_bytes(text.encode(), name=title, source="pasted", title=title)], folder, embedder=fake)
    kept = folder / store.DOCS / "Pier.txt"
    raw = bytearray(kept.read_bytes())
    raw[5] ^= 0x01
    kept.write_bytes(bytes(raw))

    retriever = Retriever.load(folder, embedder=fake)  # loads; the damage is named, not fatal
    assert retriever.index.damaged == ("Pier",)
    assert retriever.search("tram board", k=1, doc="Tram")
    listed = subprocess.run([QA, "list", "--index", str(folder)], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "Pier (damaged)" in listed.stdout
    checked = subprocess.run([QA, "check", "--index", str(folder)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 2 and "Pier" in checked.stderr and "qa build" not in checked.stderr
    assert checked.stderr.count("\n") == 1 and checked.stderr.startswith("qa: error:"), checked.stderr
    # the other article can change; the damaged one can be added again or removed
    library.add(
        [from_bytes(b"The tram runs late, said Jo Park.\n", name="Tram", source="pasted", title="Tram")],
        folder,
        embedder=fake,
    )
    assert store.load(folder).damaged == ("Pier",)
    library.add(
        [from_bytes(b"The pier is open, said Jo Park.\n", name="Pier", source="pasted", title="Pier")],
        folder,
        embedder=fake,
    )
    assert store.load(folder).damaged == ()
    kept.write_bytes(b"\xff\xfe broken")
    gone = subprocess.run([QA, "remove", "Pier", "--index", str(folder)], capture_output=True, text=True, timeout=60)
    assert gone.returncode == 0, gone.stderr
    assert [d.doc for d in library.documents(folder)] == ["Tram"]


def test_no_damage_message_advises_dropping_added_articles(tmp_path: Path, fake: FakeEmbedder):
    from qa.errors import IndexCorruptError
    from qa.index import library
    from qa.text.reading import from_bytes

    folder = tmp_path / "index"
    text = b"The pier board met on Monday, said Jo Park.\n"
    library.add([from_bytes(text, name="Pier", source="pasted", title="Pier")], folder, embedder=fake)
    (folder / "chunks.jsonl").write_text("garbage\n")
    with pytest.raises(IndexCorruptError) as caught:
        store.load(folder)
    assert "rebuild with" not in str(caught.value) and "docs" in str(caught.value)


# ---------------------------------------------------------------- 7. a failed reload


def test_the_app_keeps_serving_when_a_reload_fails(fake_index: Path, fake: FakeEmbedder, caplog):
    import logging
    import os

    from qa import Retriever
    from qa.faces.web import ChatApp

    chat = ChatApp(Retriever.load(fake_index, embedder=fake))
    before = chat.api_ask("What is the article about?")
    (fake_index / "chunks.jsonl").write_text("garbage\n")
    manifest = fake_index / "manifest.json"
    os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 10_000_000))
    with caplog.at_level(logging.INFO, logger="qa.faces.web"):
        for _ in range(3):
            reply, _, _ = chat.respond("What is the article about?", [], [], None, 3)
            assert "Something is wrong" not in reply[-1]["content"]
            assert chat.api_ask("What is the article about?")["quotes"] == before["quotes"]
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1 and "still serving" in failures[0].getMessage()


def test_an_index_error_in_the_chat_names_no_server_path(fake_index: Path, fake: FakeEmbedder, monkeypatch):
    from qa import Retriever
    from qa.errors import IndexCorruptError
    from qa.faces.web import ChatApp

    chat = ChatApp(Retriever.load(fake_index, embedder=fake))

    def broken(*args, **kwargs):
        raise IndexCorruptError(f"index file damaged: {fake_index}/vectors.faiss")

    monkeypatch.setattr(chat.retriever, "answer", broken)
    reply, _, _ = chat.respond("What is the article about?", [], [], None, 3)
    assert str(fake_index) not in reply[-1]["content"] and "wrong with the index" in reply[-1]["content"]
    with pytest.raises(ValueError, match="wrong with the index") as caught:
        chat.api_ask("What is the article about?")
    assert str(fake_index) not in str(caught.value)


# ---------------------------------------------------------------- 8. faults in one line

_FAULT = """
import errno, os, sys
sys.path.insert(0, {root!r})
import faiss
from qa.faces import cli

kind = {kind!r}
if kind == "read-only":
    real_open = os.open
    def refuse(path, *args, **kwargs):
        if str(path).endswith(".lock") or ".tmp-" in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, *args, **kwargs)
    os.open = refuse
    import tempfile
    tempfile.mkdtemp = lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EROFS, os.strerror(errno.EROFS)))
elif kind == "disk-full":
    def full(*args, **kwargs):
        raise RuntimeError("Error in faiss::FileIOWriter::operator() ... ret == (n) failed: write error")
    faiss.write_index = full
sys.exit(cli.main(sys.argv[1:]))
"""


def _fault(kind: str, *args: str) -> subprocess.CompletedProcess:
    from .conftest import ROOT

    script = _FAULT.format(root=str(ROOT), kind=kind)
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", ["read-only", "disk-full"])
def test_write_faults_give_one_line(tmp_path: Path, fake: FakeEmbedder, kind: str):
    from qa.index import library
    from qa.text.reading import from_bytes

    folder = tmp_path / "index"
    for title in ("Pier", "Tram"):
        text = f"The {title.lower()} board met on Monday, said Jo Park.\n".encode()
        library.add([from_bytes(text, name=title, source="pasted", title=title)], folder, embedder=fake)
    before = _tree(folder)
    result = _fault(kind, "remove", "Pier", "--index", str(folder))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("qa: error:"), result.stderr
    assert _tree(folder) == before


def test_a_deeply_nested_manifest_gives_one_line(fake_index: Path):
    (fake_index / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    for args in (["list"], ["ask", "What is the article about?"]):
        result = subprocess.run([QA, *args, "--index", str(fake_index)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("qa: error:"), result.stderr


def test_the_panel_says_not_added_on_a_write_fault(fake_index: Path, fake: FakeEmbedder, monkeypatch):
    import faiss

    from qa import Retriever
    from qa.faces.web import ChatApp

    chat = ChatApp(Retriever.load(fake_index, embedder=fake))

    def full(*args, **kwargs):
        raise RuntimeError("write error")

    monkeypatch.setattr(faiss, "write_index", full)
    status = chat.add_article("The pier board met on Monday, said Jo Park.\n", None, "Pier")
    assert status.startswith("**Not added:**"), status
    assert str(fake_index) not in status and str(fake_index.resolve()) not in status


# ---------------------------------------------------------------- 10. the smaller items


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("utf16.txt", "The ferry sailed, said Jo.\n".encode("utf-16"), "UTF-16"),
        ("utf16le.txt", ("The ferry sailed, said Jo Park on Monday.\n" * 20).encode("utf-16-le"), "UTF-16"),
        ("late-nul.txt", b"The ferry sailed. " * 600 + b"\x00 and more", "control character"),
        ("escape.txt", b"The ferry \x1b[31msailed\x1b[0m, said Jo.", "control character"),
        (
            "deep.html",
            b"<html><body>" + b"<div>" * 10_000 + b"<p>" + b"The ferry sailed. " * 30 + b"</body></html>",
            "",
        ),
    ],
)
def test_bad_files_give_exactly_one_line(tmp_path: Path, name: str, content: bytes, said: str):
    path = tmp_path / name
    path.write_bytes(content)
    result = subprocess.run([QA, "add", str(path), "--index", str(tmp_path / "index")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("qa: error:"), result.stderr
    assert said in result.stderr


def test_check_rebuilds_only_from_sources_that_match_the_manifest(tmp_path: Path, fake: FakeEmbedder):
    import shutil

    source = tmp_path / "story.txt"
    shutil.copy(ARTICLES / "river-cleanup.txt", source)
    folder = tmp_path / "index"
    store.build([source], folder, embedder=fake)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["settings"]["attribution"]["version"] = -1  # stale
    secret = tmp_path / "elsewhere" / "private.txt"
    secret.parent.mkdir()
    secret.write_text("A private note that is not an article, said no one.\n")
    manifest["sources"][0]["path"] = str(secret)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    before = _tree(folder)
    result = subprocess.run([QA, "check", "--index", str(folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "checksum differs" in result.stderr, result.stderr
    assert _tree(folder) == before


def test_web_clients_see_file_names_not_server_paths():
    from qa.faces.web import public_source

    assert public_source("/srv/qa/uploads/story.txt") == "story.txt"
    assert public_source("bundled:wuzhen-2024-ai.txt") == "wuzhen-2024-ai.txt"
    assert public_source("pasted") == "pasted" and public_source("-") == "-"


# ---------------------------------------------------------------- 11. the library outside the source tree


def test_the_library_lives_in_the_user_data_folder(tmp_path: Path, fake: FakeEmbedder, monkeypatch):
    from qa.index import library
    from qa.text.reading import from_bytes

    from .conftest import ROOT

    shipped = _tree(ROOT / "index")
    monkeypatch.delenv("QA_INDEX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folder = store.default_index_dir()
    assert folder == tmp_path / "data" / "qa" / "index"
    assert not folder.resolve().is_relative_to(ROOT)
    assert (folder / "manifest.json").read_bytes() == (ROOT / "index" / "manifest.json").read_bytes()
    text = b"The pier board met on Monday, said Jo Park.\n"
    library.add(
        [from_bytes(text, name="Pier", source="pasted", title="Pier")],
        embedder=FakeEmbedder(
            model_id=json.loads((folder / "manifest.json").read_text())["model"]["id"], dimension=384
        ),
    )
    assert "Pier" in [d.doc for d in library.documents()]
    assert _tree(ROOT / "index") == shipped  # the shipped index is as the repository has it
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "mine"))
    assert store.default_index_dir() == tmp_path / "mine"


# ---------------------------------------------------------------- 2. answers flow while an article is read


@pytest.mark.e2e
def test_answers_keep_flowing_while_an_upload_is_read(tmp_path: Path):
    import shutil
    import threading
    import time

    from qa import Retriever
    from qa.faces.web import ChatApp

    from .conftest import ROOT

    folder = tmp_path / "index"
    shutil.copytree(ROOT / "index", folder)
    chat = ChatApp(Retriever.load(folder), worker=True)
    chat.answer("What is the article about?", [], None, 3)  # warm
    upload = tmp_path / "stars.md"
    upload.write_text("*a " * 10_000 + "\n\n" + "The pier board met on Monday, said Jo Park. " * 20)
    status: list[str] = []
    adding = threading.Thread(target=lambda: status.append(chat.add_article(None, str(upload), "Stars")))
    adding.start()
    slowest, answered = 0.0, 0
    while adding.is_alive():
        started = time.perf_counter()
        chat.answer("Who is quoted?", [], None, 3)
        slowest, answered = max(slowest, time.perf_counter() - started), answered + 1
    adding.join()
    assert status and "added" in status[0], status
    assert answered > 5 and slowest < 1.5, (answered, slowest)
