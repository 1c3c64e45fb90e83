"""A library of articles: add, replace, remove and list them one at a time; read text, Markdown
and web pages; ask one article or all of them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import Retriever
from qa.errors import SourceError
from qa.index import store
from qa.index.library import Library
from qa.text.reading import MAX_BYTES, from_bytes, markdown_text, read

from .conftest import ARTICLES, ROOT, FakeEmbedder

PAGE = """<!DOCTYPE html>
<html><head><title>Ferry service returns | Harbour Times</title>
<meta name="author" content="Jo Park"><meta property="article:published_time" content="2025-03-14"></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies or manage your settings.</div>
<main><article>
<h1>Ferry service returns after storm repairs</h1>
<p class="byline">By Jo Park</p>
<p>The island ferry will sail again on Monday after three weeks of repairs to the storm-damaged pier, the council said on Friday.</p>
<p>"The pier is safe, and the timetable is back to normal," said Ines Duarte, the council's head of transport. "We thank islanders for their patience."</p>
<p>Captain Rui Gomes said his crew had trained on the new berth all week. The repairs cost 2.4 million euros, according to the regional government.</p>
<p>Duarte added that a second berth would open in the autumn to cut waiting times at peak hours.</p>
</article></main>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Bridge tolls to rise in spring</a></li>
<li><a href="/b">Harbour festival draws record crowds</a></li></ul></aside>
<footer><p>Copyright 2025 Harbour Times. All rights reserved.</p><p><a href="/privacy">Privacy policy</a> | <a href="/contact">Contact us</a></p></footer>
</body></html>
"""
BOILERPLATE = ["cookies", "Related stories", "Bridge tolls", "Copyright", "Privacy policy", "Contact us", "Sport"]


@pytest.fixture
def library(tmp_path: Path, fake: FakeEmbedder) -> Library:
    """A library made with `add` alone, starting from no index: the bundled article and one more."""
    lib = Library(tmp_path / "index", embedder=fake)
    lib.add([ROOT / "qa" / "data" / "wuzhen-2024-ai.txt", ARTICLES / "river-cleanup.txt"])
    return lib


def _bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_add_list_replace_remove(library: Library, tmp_path: Path, fake: FakeEmbedder):
    docs = {d.doc: d for d in library.documents()}
    assert set(docs) == {"wuzhen-2024-ai", "river-cleanup"}
    river = docs["river-cleanup"]
    assert river.chunks > 0 and river.speakers > 0 and river.paragraphs > 0 and river.added
    assert river.format == "text" and river.source.endswith("river-cleanup.txt")

    before = _bytes(library.folder)
    calls = fake.calls
    assert library.add([ARTICLES / "river-cleanup.txt"]) == {"river-cleanup": "unchanged"}
    assert fake.calls == calls and _bytes(library.folder) == before  # nothing embedded, nothing written

    changed = tmp_path / "river-cleanup.txt"
    changed.write_text(
        (ARTICLES / "river-cleanup.txt").read_text() + "\nThe mayor said the work would finish in May.\n"
    )
    assert library.add([changed]) == {"river-cleanup": "replaced"}
    assert [d.doc for d in library.documents()].count("river-cleanup") == 1
    r = Retriever.load(library.folder, embedder=fake)
    assert any("finish in May" in c.text for c in r.chunks if c.doc == "river-cleanup")

    gone = library.remove("river-cleanup")
    assert gone.doc == "river-cleanup"
    assert [d.doc for d in library.documents()] == ["wuzhen-2024-ai"]
    r = Retriever.load(library.folder, embedder=fake)
    assert {c.doc for c in r.chunks} == {"wuzhen-2024-ai"}
    assert [c.id for c in r.chunks] == list(range(len(r.chunks)))
    with pytest.raises(SourceError, match="only article"):
        library.remove("wuzhen-2024-ai")
    with pytest.raises(SourceError, match="no article"):
        library.remove("nothing-here")


def test_adding_embeds_only_the_new_article(library: Library, fake: FakeEmbedder):
    seen: list[str] = []
    original = fake.encode

    def spy(texts, **kw):
        seen.extend(texts)
        return original(texts, **kw)

    fake.encode = spy  # type: ignore[method-assign]
    before = Retriever.load(library.folder, embedder=FakeEmbedder())
    library.add([ARTICLES / "warehouse-robots.txt"])
    after = Retriever.load(library.folder, embedder=FakeEmbedder())
    old_texts = {c.text for c in before.chunks}
    assert seen and not any(t in old_texts for t in seen)
    # the vectors of the articles already there are carried over unchanged
    kept = [c.id for c in after.chunks if c.doc != "warehouse-robots"]
    assert (after._matrix[kept] == before._matrix[: len(kept)]).all()


def test_a_web_page_keeps_its_title_and_loses_its_boilerplate(library: Library, tmp_path: Path, fake: FakeEmbedder):
    page = tmp_path / "ferry.html"
    page.write_text(PAGE)
    assert library.add([page]) == {"ferry": "added"}
    doc = next(d for d in library.documents() if d.doc == "ferry")
    assert doc.title == "Ferry service returns | Harbour Times"
    assert doc.format == "html" and doc.byline == "Jo Park" and doc.date == "2025-03-14"
    r = Retriever.load(library.folder, embedder=fake)
    chunks = [c for c in r.chunks if c.doc == "ferry"]
    for chunk in chunks:
        assert not any(b in chunk.text for b in BOILERPLATE), chunk.text
    assert {c.speaker for c in chunks} >= {"Ines Duarte", "Rui Gomes"}
    hit = r.search("What did Ines Duarte say about the pier?", k=1, doc="ferry")[0]
    assert hit.speaker == "Ines Duarte" and hit.title == doc.title


def test_markdown_and_stdin(tmp_path: Path, fake: FakeEmbedder):
    md = '# Council backs new tram line\n\nThe council *approved* the line on [Tuesday](http://x).\n\n- "It will change the city," said Mayor Ana Ruiz.\n'
    assert markdown_text(md).splitlines() == [
        "Council backs new tram line",
        "The council approved the line on Tuesday.",
        '"It will change the city," said Mayor Ana Ruiz.',
    ]
    item = from_bytes(md.encode(), name="tram", source="tram.md", suffix=".md")
    assert item.title == "Council backs new tram line" and item.format == "markdown"

    class Stdin:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, n: int) -> bytes:
            return self.data[:n]

    piped = read("-", title="Tram vote", stdin=Stdin(md.encode()))
    assert piped.source == "-" and piped.title == "Tram vote" and piped.doc == "Tram-vote"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("empty.txt", b"  \n\n ", "empty"),
        ("latin1.txt", "caf\u00e9".encode("latin-1"), "not UTF-8"),
        (
            "nothing.html",
            b"<html><head><title>x</title></head><body><nav><a href=/>Home</a></nav></body></html>",
            "no article text",
        ),
        ("huge.txt", b"word " * (MAX_BYTES // 5 + 10), "too large"),
    ],
)
def test_bad_input_is_one_line_and_the_index_is_untouched(tmp_path: Path, name: str, content: bytes, message: str):
    folder = tmp_path / "index"
    shutil.copytree(store.default_index_dir(), folder, ignore=shutil.ignore_patterns("encoder"))
    before = _bytes(folder)
    bad = tmp_path / name
    bad.write_bytes(content)
    out = subprocess.run(
        [sys.executable, "-m", "qa.faces.cli", "add", str(ARTICLES / "river-cleanup.txt"), str(bad), "--index", str(folder)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("qa: error:") and message in out.stderr, out.stderr
    assert _bytes(folder) == before  # the good file beside the bad one was not added either


def test_cli_add_list_ask_remove(tmp_path: Path):
    folder = tmp_path / "index"
    page = tmp_path / "ferry.html"
    page.write_text(PAGE)

    def qa(*args: str, stdin: str | None = None) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "qa.faces.cli", *args, "--index", str(folder)],
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    start = time.perf_counter()
    assert "added: wuzhen-2024-ai" in qa("add", str(ROOT / "qa" / "data" / "wuzhen-2024-ai.txt"))
    assert "added: ferry" in qa("add", str(page))
    assert "added: tram" in qa("add", "-", "--title", "tram", stdin='Trams return.\n"Good news," said Ana Ruiz.\n')
    listed = json.loads(qa("list", "--json"))
    assert [d["doc"] for d in listed] == ["wuzhen-2024-ai", "ferry", "tram"]
    assert set(listed[0]) >= {"doc", "title", "source", "paragraphs", "chunks", "speakers", "added"}
    answer = json.loads(qa("ask", "Who is the council's head of transport?", "--json"))
    assert answer["hits"][0]["doc"] == "ferry" and answer["hits"][0]["title"] == "Ferry service returns | Harbour Times"
    assert "Ferry service returns" in answer["markdown"]
    only = json.loads(qa("ask", "What did they say about artificial intelligence?", "--doc", "ferry", "--json"))
    assert all(h["doc"] == "ferry" for h in only["hits"])
    assert "removed: tram" in qa("remove", "tram")
    assert [d["doc"] for d in json.loads(qa("list", "--json"))] == ["wuzhen-2024-ai", "ferry"]
    assert time.perf_counter() - start < 120


def test_an_unknown_doc_is_named(library: Library, fake: FakeEmbedder):
    r = Retriever.load(library.folder, embedder=fake)
    with pytest.raises(SourceError, match="no article 'nope'"):
        r.search("anything", doc="nope")
    with pytest.raises(SourceError, match="no article 'nope'"):
        r.answer("anything", doc="nope")


def test_answers_keep_to_the_article_asked(library: Library, fake: FakeEmbedder):
    r = Retriever.load(library.folder, embedder=fake)
    for doc in ("wuzhen-2024-ai", "river-cleanup"):
        for question in ("Who is quoted?", "What is this article about?", "What did they say about the plan?"):
            answer = r.answer(question, doc=doc)
            assert all(h.doc == doc for h in answer.hits), (doc, question)
        assert all(h.doc == doc for h in r.search("plan", k=10, doc=doc))


_KILLED = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.conftest import FakeEmbedder
from qa.index import library

def checkpoint(step):
    if step == {step!r}:
        print("AT", step, flush=True)
        time.sleep(60)

if {op!r} == "add":
    library.add([library.read({source!r})], Path({target!r}), embedder=FakeEmbedder(), checkpoint=checkpoint)
else:
    library.remove("river-cleanup", Path({target!r}), checkpoint=checkpoint)
"""


@pytest.mark.parametrize("op", ["add", "remove"])
@pytest.mark.parametrize("step", ["written", "exchanged"])
def test_sigkill_mid_add_or_remove_leaves_a_loadable_index(library: Library, op: str, step: str):
    before = {d.doc for d in library.documents()}
    script = _KILLED.format(
        root=str(ROOT), step=step, op=op, source=str(ARTICLES / "warehouse-robots.txt"), target=str(library.folder)
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "AT" not in proc.stdout.readline():
        pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = {d.doc for d in library.documents()}  # loads, checksums and all
    changed = before | {"warehouse-robots"} if op == "add" else before - {"river-cleanup"}
    assert after == (before if step == "written" else changed)
    assert Retriever.load(library.folder, embedder=FakeEmbedder()).search("river", k=1)


def test_the_committed_index_lists_the_bundled_article():
    docs = Library(store.default_index_dir()).documents()
    assert [d.doc for d in docs] == ["wuzhen-2024-ai"] and docs[0].chunks == 16


@pytest.mark.e2e
def test_the_bundled_article_answers_as_well_inside_a_library(tmp_path: Path):
    from qa.evaluation import read_questions
    from qa.index.encoder import FOLDER, OnnxEmbedder

    folder = tmp_path / "index"
    shutil.copytree(store.default_index_dir(), folder)
    encoder = OnnxEmbedder.open(folder / FOLDER)
    Library(folder, embedder=encoder).add(sorted(ARTICLES.glob("*.txt")))
    alone, shared = Retriever.load(embedder=encoder), Retriever.load(folder, embedder=encoder)
    assert len(shared.titles) == 4
    for q in read_questions(ROOT / "eval" / "questions.jsonl"):
        if not q.gold_paragraphs:
            continue
        a = alone.answer(q.question, history=list(q.history))
        b = shared.answer(q.question, history=list(q.history))
        assert not b.abstained and b.hits[0].doc == "wuzhen-2024-ai", q.question
        assert b.hits[0].paragraph == a.hits[0].paragraph, q.question


_SLOW_ADD = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.conftest import FakeEmbedder
from qa.index import library

class Slow(FakeEmbedder):
    def encode(self, texts, **kw):
        time.sleep(0.5)  # long enough for the other addition to start meanwhile
        return super().encode(texts, **kw)

library.add([library.read({source!r})], Path({target!r}), embedder=Slow())
"""


def test_two_additions_at_once_both_land(library: Library):
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SLOW_ADD.format(root=str(ROOT), source=str(ARTICLES / f"{name}.txt"), target=str(library.folder)),
            ]
        )
        for name in ("warehouse-robots", "harbour-strike")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    docs = {d.doc for d in library.documents()}
    assert {"warehouse-robots", "harbour-strike", "river-cleanup", "wuzhen-2024-ai"} <= docs


@pytest.mark.e2e
def test_the_chat_sees_an_article_added_beside_it(tmp_path: Path):
    from gradio_client import Client

    from .server import running_app

    folder = tmp_path / "index"
    shutil.copytree(store.default_index_dir(), folder)
    with running_app("--index", str(folder)) as url:
        client = Client(url, verbose=False)
        assert [d["doc"] for d in client.predict(api_name="/articles")] == ["wuzhen-2024-ai"]
        subprocess.run(
            [sys.executable, "-m", "qa.faces.cli", "add", str(ARTICLES / "river-cleanup.txt"), "--index", str(folder)],
            check=True,
            capture_output=True,
        )
        answer = client.predict("Who is quoted?", "river-cleanup", api_name="/ask_article")
        assert answer["quotes"] and all(q["doc"] == "river-cleanup" for q in answer["quotes"])
        assert [d["doc"] for d in client.predict(api_name="/articles")] == ["wuzhen-2024-ai", "river-cleanup"]


def test_a_stale_library_is_rebuilt_with_its_articles_kept(library: Library, tmp_path: Path, fake: FakeEmbedder):
    page = tmp_path / "ferry.html"
    page.write_text(PAGE)
    library.add([page])
    page.unlink()  # the index holds its own copy of an added article
    manifest = json.loads((library.folder / "manifest.json").read_text())
    manifest["settings"]["chunking"]["max_words"] += 1  # as if built by an older version
    (library.folder / "manifest.json").write_text(json.dumps(manifest))
    r = Retriever.load(library.folder, embedder=fake)  # stale: rebuilt from its sources
    assert store.read_manifest(library.folder)["settings"] == store.settings()
    ferry = next(d for d in library.documents() if d.doc == "ferry")
    assert (
        ferry.title == "Ferry service returns | Harbour Times" and ferry.format == "html" and ferry.byline == "Jo Park"
    )
    assert (library.folder / "docs" / "ferry.txt").is_file()
    assert any(c.doc == "ferry" for c in r.chunks)
    Retriever.load(library.folder, embedder=fake)  # and it can be loaded, and rebuilt, again


def test_doc_library_figures_are_the_committed_run():
    import json

    from .conftest import ROOT

    report = json.loads(sorted((ROOT / "bench" / "reports").glob("library-*.json"))[-1].read_text())
    doc = (ROOT / "docs" / "benchmarks.md").read_text()
    assert f"| full build of the library | {report['full_build_s']} s |" in doc
    assert f"| adding one article to it (median of 3 additions) | {report['add_one_article_s']:.2f} s" in doc
    assert f"| search p50 / p95, all {report['questions']:,} questions | {report['search_p50_ms']} / {report['search_p95_ms']} ms" in doc
    assert f"**{report['add_over_full_build']:.3f}×**" in doc
    assert f"{report['chunks']:,}\nchunks" in doc
    assert report["add_over_full_build"] < 0.1


def test_offsets_index_the_file_for_added_text_and_the_text_read_for_markup(tmp_path: Path):
    """A plain-text article added to a library keeps its blank lines and spacing: a hit's
    `start`/`end` index the file itself, as they do for `qa build`. A Markdown article's index
    the text read from it; `article_text` gives either."""
    plain = tmp_path / "council.txt"
    plain.write_text(
        'Council Backs Ferry Plan\n\n\nThe council met on Monday.   It voted five to two.\n\n\n\n'
        '"We will build the pier," said Mayor Ann Cole.\n',
        encoding="utf-8",
    )
    notes = tmp_path / "notes.md"
    notes.write_text("# Ferry notes\n\nThe *new* pier opens in [May](http://example.org).\n", encoding="utf-8")
    folder = tmp_path / "index"
    store.build([ARTICLES / "river-cleanup.txt"], folder, embedder=FakeEmbedder())
    Library(folder, embedder=FakeEmbedder()).add([plain, notes])
    r = Retriever.load(folder, embedder=FakeEmbedder())
    source = plain.read_text(encoding="utf-8")
    assert r.article_text("council") == source
    mine = [c for c in r.chunks if c.doc == "council"]
    assert mine and all(source[c.start : c.end] == c.text for c in mine)
    hit = r.search("What did the mayor say about the pier?", k=1)[0]
    assert r.article_text(hit.doc)[hit.start : hit.end] == hit.text
    read_notes = r.article_text("notes")
    assert "*" not in read_notes and "http" not in read_notes
    assert all(read_notes[c.start : c.end] == c.text for c in r.chunks if c.doc == "notes")
    with pytest.raises(SourceError, match="not in the index"):
        r.article_text("no-such-article")
