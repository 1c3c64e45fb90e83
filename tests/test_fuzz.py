"""Property-based tests: arbitrary text never crashes search, answer or attribution."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import BadQuestionError
from qa.ask.question import MAX_QUESTION_CHARS
from qa.attribution.statements import KINDS, attribute
from qa.text import article as articles

questions = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=2000),
    st.from_regex(r"[ \t\n\r\x00-\x1f\u200b\u202e]*", fullmatch=True),
    st.builds(lambda a, b: f"{a} <b>{b}</b> Qi?", st.text(max_size=50), st.text(max_size=50)),
)
FUZZ = settings(
    max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@FUZZ
@given(q=questions)
def test_search_never_crashes(retriever, q):
    retriever.search("warm", k=1)  # the first search loads the model: time the question, not the load
    start = time.perf_counter()
    try:
        hits = retriever.search(q, k=3)
    except BadQuestionError as exc:
        assert str(exc)
        return
    assert len(hits) <= 3 and all(h.text for h in hits)
    assert time.perf_counter() - start < 3


@FUZZ
@given(q=questions, history=st.lists(st.text(max_size=100), max_size=4))
def test_answer_never_crashes(retriever, q, history):
    try:
        answer = retriever.answer(q, history=history)
    except BadQuestionError as exc:
        assert "question" in str(exc)
        return
    assert answer.abstained == (len(answer.hits) == 0)
    assert answer.markdown


@settings(max_examples=200, deadline=2000)
@given(text=st.text(max_size=3000))
def test_attribution_never_crashes(text):
    art = articles.parse(text, doc="fuzz")
    for stmt in attribute(art).statements:
        assert stmt.kind in KINDS
        assert art.text[stmt.start : stmt.end] == stmt.text


def test_refusals_say_why(retriever):
    for bad, why in [
        ("", "empty"),
        ("\u200b\t\n", "empty"),
        ("x" * (MAX_QUESTION_CHARS + 1), "too long"),
        ("?!.", "no words"),
    ]:
        with pytest.raises(BadQuestionError, match=why):
            retriever.answer(bad)
