"""End-to-end retrieval and answering with the real bundled model and the committed index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import BadQuestionError, Retriever
from qa.evaluation import evaluate, read_questions
from qa.index import store

from .conftest import ARTICLES, ROOT

QUESTIONS = read_questions(ROOT / "eval" / "questions.jsonl")
ANSWERABLE = [q for q in QUESTIONS if not q.unanswerable]


def test_import_is_light():
    code = "import sys, qa; from qa import Retriever, Hit; print('torch' in sys.modules, 'faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_committed_index_matches_a_fresh_build(tmp_path: Path, real_embedder):
    import faiss

    fresh = tmp_path / "index"
    store.build(None, fresh, embedder=real_embedder)
    committed = ROOT / "index"
    assert (fresh / "chunks.jsonl").read_text() == (committed / "chunks.jsonl").read_text()
    assert (fresh / "speakers.json").read_text() == (committed / "speakers.json").read_text()
    a = json.loads((fresh / "manifest.json").read_text())
    b = json.loads((committed / "manifest.json").read_text())
    for key in ("format_version", "model", "settings", "sources", "chunk_count", "vector_index"):
        assert a[key] == b[key], key
    va = faiss.read_index(str(fresh / "vectors.faiss")).reconstruct_n(0, a["chunk_count"])
    vb = faiss.read_index(str(committed / "vectors.faiss")).reconstruct_n(0, b["chunk_count"])
    assert np.allclose(va, vb, atol=1e-4)


def test_search_finds_gold_paragraph_in_top_three(retriever: Retriever):
    found = sum(
        any(h.paragraph in q.gold_paragraphs for h in retriever.search(q.question, k=3))
        for q in ANSWERABLE
        if not q.history
    )
    assert found / len([q for q in ANSWERABLE if not q.history]) >= 0.95


def test_hits_are_verbatim_and_attributed(retriever: Retriever):
    from qa.text import article

    art = article.load()
    for hit in retriever.search("Who warned about security risks?", k=5):
        assert art.text[hit.start : hit.end] == hit.text
        assert hit.text in art.paragraph(hit.paragraph).text
        assert hit.doc == art.doc
        assert (hit.speaker is None) == (hit.role is None) or hit.kind == "narration"
    top = retriever.search("Who warned about security risks?", k=1)[0]
    assert top.speaker and top.role and top.kind == "indirect"


def test_search_prefers_the_named_speaker(retriever: Retriever):
    for speaker in retriever.speakers:
        surname = speaker.name.split()[0] if speaker.kind == "person" else speaker.name
        hits = retriever.search(f"What did {surname} say?", k=2)
        assert hits[0].speaker == speaker.name


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x01", "?!?", "x" * 5000])
def test_bad_questions_are_refused_clearly(retriever: Retriever, bad: str):
    with pytest.raises(BadQuestionError):
        retriever.search(bad)
    with pytest.raises(BadQuestionError):
        retriever.answer(bad)


def test_odd_unicode_and_html_are_answered_as_text(retriever: Retriever):
    answer = retriever.answer("<script>alert(1)</script> Who is the chairman of Qi\u2011Anxin?\u200b")
    assert "<script>" not in answer.markdown
    for q in ["ＡＩ safety?", "Ｗｈｏ said safety must be the foundation", "\u202eWho said safety\u202c"]:
        assert retriever.search(q, k=1)


def test_eval_targets_hold(retriever: Retriever):
    report = evaluate(retriever, QUESTIONS)
    m = report.metrics
    assert m["hit@1"] >= 0.90, report.misses
    assert m["recall@3"] == 1.0, report.misses
    assert m["attribution"] == 1.0, report.misses
    # one calibrated decision across real news, not vetoes: one of the 26 may go the other way
    assert m["abstention"] >= 0.95, report.misses


def test_follow_up_resolves_he_and_what_else(retriever: Retriever):
    first = retriever.answer("What did the Qi-Anxin chairman say about AI?")
    follow = retriever.answer("What else did he say?", history=[first.question])
    assert not follow.abstained
    assert {h.speaker for h in follow.hits} == {first.speaker}
    assert not {h.chunk_id for h in follow.hits} & {h.chunk_id for h in first.hits}


def test_abstains_on_unknown_people_and_topics(retriever: Retriever):
    for q in ["What did Angela Merkel say about trade?", "What is the capital of Peru?", "How tall is Mount Everest?"]:
        answer = retriever.answer(q)
        assert answer.abstained and not answer.hits, q
        assert "does not say" in answer.markdown


def test_markdown_quotes_verbatim_with_attribution(retriever: Retriever):
    answer = retriever.answer("Who said safety must be the foundation?")
    hit = answer.hits[0]
    assert hit.kind == "direct"
    assert f"**{hit.speaker}**" in answer.markdown
    assert f"(paragraph {hit.paragraph})" in answer.markdown
    assert "> " in answer.markdown


def test_reported_speech_is_marked(retriever: Retriever):
    answer = retriever.answer("Who compared AI's momentum to a rallying call?")
    assert answer.hits[0].kind == "indirect"
    assert "Reported speech" in answer.markdown


def test_speaker_filter(retriever: Retriever):
    name = retriever.speakers[0].name
    answer = retriever.answer("What about AI?", speaker=name)
    assert answer.hits and all(h.speaker == name for h in answer.hits)


def test_other_article_end_to_end(tmp_path: Path, real_embedder):
    folder = tmp_path / "index"
    store.build([ARTICLES / "warehouse-robots.txt"], folder, embedder=real_embedder)
    retriever = Retriever.load(folder, embedder=real_embedder)
    answer = retriever.answer("What did the union leader say about talks?")
    assert answer.hits[0].speaker == "Mei Tanaka"
    assert retriever.answer("What did Blake say about the claims?").hits[0].speaker == "Jordan Blake"
    assert retriever.answer("Who said the robot is the most important product?").hits[0].speaker == "Sofia Marchetti"
    assert retriever.answer("What did Elon Musk say?").abstained


@pytest.mark.parametrize("name", ["wuzhen-heldout", "river-cleanup", "warehouse-robots"])
def test_questions_worded_apart_from_the_gold_set(tmp_path: Path, real_embedder, retriever: Retriever, name: str):
    """The method, not the gold wording: other phrasings and other articles hold up too."""
    questions = read_questions(Path(__file__).parent / "questions" / f"{name}.jsonl")
    if name == "wuzhen-heldout":
        target = retriever
    else:
        store.build([ARTICLES / f"{name}.txt"], tmp_path / "index", embedder=real_embedder)
        target = Retriever.load(tmp_path / "index", embedder=real_embedder)
    m = evaluate(target, questions).metrics
    assert m["hit@1"] >= 0.85 and m["recall@3"] >= 0.9, m
    assert m["attribution"] >= 0.85 and m["abstention"] >= 0.9, m


def test_who_said_something_only_the_article_says(retriever: Retriever):
    answer = retriever.answer("Who said the digital economy became the world's second-largest?")
    assert answer.hits[0].speaker is None
    assert answer.markdown.startswith("No one is quoted saying it")


FAIR = """The Lantern Fair is an autumn market held each year along the canals of Velden.
The fair is thought to have originated among the barge crews of the northern delta, who hung lamps on their masts to trade after dark.
Today the fair draws about 80,000 visitors over four nights, most of them from outside the region.
Stallholders sell paper lanterns, smoked fish and honey cakes, and a parade of lit boats closes the last night.
"""


def test_the_word_by_word_match_reads_a_paraphrase(tmp_path: Path, real_embedder):
    """ "start" finds "originated": the passage that answers in other words matches the question
    word by word better than one that only shares its subject; only the best few are read."""
    from qa.ask.search import LATE_DEPTH, Ranking

    source = tmp_path / "fair.txt"
    source.write_text(FAIR, encoding="utf-8")
    store.build([source], tmp_path / "index", embedder=real_embedder)
    r = Retriever.load(tmp_path / "index", embedder=real_embedder)
    assert Ranking.bundled().late > 0
    candidates = np.arange(len(r.chunks))
    fused = np.linspace(1.0, 0.5, len(candidates)).astype(np.float32)
    late = r.late("Where did the fair start?", candidates, fused)
    paragraph = {c.id: c.paragraph for c in r.chunks}
    by_paragraph = {paragraph[int(c)]: float(v) for c, v in zip(candidates, late, strict=True)}
    assert by_paragraph[2] > by_paragraph[3] and by_paragraph[2] > by_paragraph[4]
    assert min(late[:LATE_DEPTH]) == 0.0 and max(late) > 0


def test_without_token_vectors_the_word_by_word_match_is_left_out(fake_index: Path, fake):
    r = Retriever.load(fake_index, embedder=fake)
    candidates = np.arange(len(r.chunks))
    assert not r.late("Who said it?", candidates, np.ones(len(candidates), dtype=np.float32)).any()


def test_a_follow_up_moves_on_from_the_passage_just_shown(tmp_path: Path, fake):
    """The passage the last answer quoted first loses the fitted penalty and the paragraph after
    it gains the fitted bonus; nothing else moves."""
    from qa.ask.search import Ranking

    source = tmp_path / "pool.txt"
    source.write_text(
        "The Elm Street pool will close for the summer.\n"
        "The council voted on Tuesday to close it for repairs.\n"
        "Work will start in June and end before the autumn.\n"
        "Swimmers can use the Harbour Road pool meanwhile.\n",
        encoding="utf-8",
    )
    store.build([source], tmp_path / "index", embedder=fake)
    r = Retriever.load(tmp_path / "index", embedder=fake)
    ranking = Ranking.bundled()
    assert ranking.shown_penalty > 0 and ranking.next_bonus > 0
    shown = next(c.id for c in r.chunks if c.paragraph == 2)
    candidates = np.arange(len(r.chunks))
    moved = r._moving_on(shown, candidates)
    by_paragraph = {r.chunks[int(c)].paragraph: float(v) for c, v in zip(candidates, moved, strict=True)}
    assert by_paragraph[2] == pytest.approx(-ranking.shown_penalty)
    assert by_paragraph[3] == pytest.approx(ranking.next_bonus)
    assert by_paragraph[1] == 0.0 and by_paragraph[4] == 0.0
