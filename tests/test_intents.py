"""The intents table: each row matches its kind of question, lets others pass, and answers as it should.

A made-up article, indexed with the fake embedder: the rows read the question and the
conversation, not the vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Retriever
from qa.ask.conversation import Conversation
from qa.ask.intents import AFTER_SEARCH, INTENTS, Intent, describes_no_one
from qa.ask.question import Question
from qa.ask.turn import Turn
from qa.index import store

ARTICLE = """Harbour Board Approves Ferry Expansion

The harbour board voted on Tuesday to add two ferries to the island route, a move expected to cost $12 million.

"We have waited long enough for this," said board chair Maria Lopez. "Commuters deserve a reliable crossing."

Transport Minister Daniel Okafor said the province would cover half of the cost.

Ferry captain Sam Reid said crews were ready to start training in the spring.

The new vessels are expected to enter service in 2027.
"""


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    from .conftest import FakeEmbedder

    folder = tmp_path_factory.mktemp("harbour")
    source = folder / "harbour.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    fake = FakeEmbedder()
    store.build([source], folder / "index", embedder=fake)
    return Retriever.load(folder / "index", embedder=fake)


def _row(name: str) -> Intent:
    return next(row for row in INTENTS if row.name == name)


def _turn(r: Retriever, text: str, context: Conversation | None = None, speaker: str | None = None) -> Turn:
    return Turn(r, Question.read(text), context or Conversation(), 3, speaker)


def _chunk_of(r: Retriever, words: str) -> int:
    return next(c.id for c in r.chunks if words in c.text)


def test_the_table_has_each_row_once_in_its_order():
    names = [row.name for row in INTENTS]
    assert names == [
        "who said so",
        "who is quoted",
        "what is it about",
        "role holder",
        "unknown speaker filter",
        "nothing to look for",
        "next in the article",
    ]
    assert [row.name for row in AFTER_SEARCH] == ["own role", "role of someone named"]


def test_who_said_so_reads_the_last_answer(harbour: Retriever):
    row = _row("who said so")
    last = _chunk_of(harbour, "half of the cost")
    context = Conversation(turns=1, last=last, asked="Who pays for the ferries?")
    assert row.matches(_turn(harbour, "Who said so?", context))
    assert not row.matches(_turn(harbour, "Who said so?"))  # nothing shown before
    assert not row.matches(_turn(harbour, "Who said the crews were ready to start training?", context))
    answer = row.handle(_turn(harbour, "Who said so?", context))
    assert answer is not None and answer.speaker == "Daniel Okafor" and answer.who_said


def test_who_is_quoted_lists_the_speakers(harbour: Retriever):
    row = _row("who is quoted")
    assert row.matches(_turn(harbour, "Who is quoted in the story?"))
    assert not row.matches(_turn(harbour, "Who pays for the ferries?"))
    answer = row.handle(_turn(harbour, "Who is quoted in the story?"))
    assert answer is not None and not answer.abstained
    assert {h.speaker for h in answer.hits} >= {"Maria Lopez", "Daniel Okafor", "Sam Reid"}


def test_what_is_it_about_gives_the_lead(harbour: Retriever):
    row = _row("what is it about")
    assert row.matches(_turn(harbour, "What is the article about?"))
    assert not row.matches(_turn(harbour, "What is the ferry route about?"))
    answer = row.handle(_turn(harbour, "What is the article about?"))
    assert answer is not None and "voted on Tuesday" in answer.hits[0].text  # the lead, not the headline


def test_role_holder_names_who_holds_the_role(harbour: Retriever):
    row = _row("role holder")
    assert row.matches(_turn(harbour, "Who is the transport minister?"))
    assert not row.matches(_turn(harbour, "What did the transport minister say?"))
    answer = row.handle(_turn(harbour, "Who is the transport minister?"))
    assert answer is not None and answer.speaker == "Daniel Okafor"
    assert row.handle(_turn(harbour, "Who is the fisheries minister?")) is None  # no one: the search has it


def test_a_description_that_fits_no_one_is_read_for_the_decision(harbour: Retriever):
    # not a veto: the refusal model weighs it with everything else
    assert describes_no_one(_turn(harbour, "What did the mayor say?"))
    assert not describes_no_one(_turn(harbour, "What did the ferry captain say?"))
    answer = harbour.answer("What did the mayor say?")
    assert answer.features.get("no_one_described") == 1.0
    if answer.abstained:
        assert "mayor" in answer.reason or "never" in answer.reason or "closely" in answer.reason


def test_a_pronoun_that_fits_several_people_answers_among_them(harbour: Retriever):
    men = {"Daniel Okafor", "Sam Reid"}  # the two men the article quotes
    # after a turn that was about no one, "he" could be either: the closest of their passages
    answer = harbour.answer("What did he say?", history=["When did the board vote?"])
    assert not answer.abstained
    assert answer.hits[0].speaker in men
    assert "could be any of" in answer.markdown
    # as a first question it points back at nothing: asked by name instead
    first = harbour.answer("What did he say?")
    assert first.abstained and "by name" in first.reason
    context = Conversation(speakers=("Sam Reid",), turns=1, asked="What did Sam Reid say?")
    assert _turn(harbour, "What did he say?", context).unresolved is None  # the chat says who
    assert not _turn(harbour, "What did she say?").unresolved  # one woman is quoted: it is her


def test_a_speaker_filter_the_article_does_not_quote_is_refused(harbour: Retriever):
    row = _row("unknown speaker filter")
    assert row.matches(_turn(harbour, "What about the cost?", speaker="Nobody Here"))
    assert not row.matches(_turn(harbour, "What about the cost?", speaker="Sam Reid"))
    answer = row.handle(_turn(harbour, "What about the cost?", speaker="Nobody Here"))
    assert answer is not None and answer.abstained and "Nobody Here" in answer.reason


def test_nothing_to_look_for_is_refused_or_answered_with_the_lead(harbour: Retriever):
    row = _row("nothing to look for")
    assert row.matches(_turn(harbour, "Why?"))
    assert not row.matches(_turn(harbour, "Why did the board vote?"))
    why = row.handle(_turn(harbour, "Why?"))
    assert why is not None and why.abstained
    happened = row.handle(_turn(harbour, "What happened?"))
    assert happened is not None and not happened.abstained and "voted on Tuesday" in happened.hits[0].text


def test_next_gives_the_passage_after_the_last_one(harbour: Retriever):
    row = _row("next in the article")
    last = _chunk_of(harbour, "half of the cost")
    context = Conversation(turns=1, last=last, asked="Who pays?")
    assert row.matches(_turn(harbour, "What happened next?", context))
    assert not row.matches(_turn(harbour, "What happened next?"))
    answer = row.handle(_turn(harbour, "What happened next?", context))
    assert answer is not None and "crews were ready" in answer.hits[0].text


def test_own_role_gives_the_introduction(harbour: Retriever):
    row = next(r for r in AFTER_SEARCH if r.name == "own role")
    context = Conversation(speakers=("Sam Reid",), turns=1, asked="What did Sam Reid say?")
    turn = _turn(harbour, "What is his job?", context)
    assert row.matches(turn)
    assert not row.matches(_turn(harbour, "What is the job of the ferries?"))
    answer = row.handle(turn, "What is Sam Reid's job?")
    assert answer is not None and answer.speaker == "Sam Reid" and "Ferry captain" in answer.hits[0].text


def test_the_answer_runs_the_rows_in_order(harbour: Retriever):
    """Through the public entry point: a row answers before any search."""
    assert harbour.answer("Who is the transport minister?").speaker == "Daniel Okafor"
    follow = harbour.answer("Who said so?", history=["Who will cover half of the cost?"])
    assert follow.who_said and not follow.abstained


def test_the_table_is_no_list_of_one_article(tmp_path: Path):
    """No row names a word of any article: the rows read the question's form and the index."""
    source = (Path(__file__).resolve().parents[1] / "qa" / "ask" / "intents.py").read_text()
    for word in ("Okafor", "Lopez", "harbour", "ferry", "Xiaomi", "Wuzhen"):
        assert word not in source
