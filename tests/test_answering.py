"""Answering with the real model: evidence sentences, questions about the article itself,
follow-ups that only fill gaps, the fitted refusal, and the figures docs/evaluation.md states."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa import Retriever
from qa.ask.question import answer_type
from qa.ask.refusal import FEATURES, refusal_model
from qa.ask.reply import Answer
from qa.ask.search import ANSWER_SHAPES, Ranking
from qa.evaluation import evaluate, read_questions
from qa.index import store
from qa.text.reading import is_furniture, is_title_line

from .conftest import ROOT

ARTICLES = ROOT / "tests" / "articles"

pytestmark = pytest.mark.e2e


def test_hits_carry_their_evidence_sentences(retriever: Retriever):
    for hit in retriever.search("In which year did the country get full access to the global internet?", k=3):
        assert hit.evidence, hit
        for (start, end), text in zip(hit.evidence, hit.evidence_text(), strict=True):
            assert hit.start <= start < end <= hit.end
            assert text and text in hit.text
    top = retriever.search("In which year did the country get full access to the global internet?", k=1)[0]
    assert "1994" in " ".join(top.evidence_text())
    data = top.to_json()["evidence"]
    assert data and {"start", "end", "text"} <= set(data[0])


def test_the_answer_marks_its_evidence(retriever: Retriever):
    answer = retriever.answer("What solutions did Qi call for to tackle security risks?")
    assert not answer.abstained
    marked = [line for line in answer.markdown.splitlines() if "<mark>" in line]
    assert marked and all(line.startswith("> ") for line in marked)
    best = answer.hits[0].evidence_text()[0]
    assert f"<mark>{best.split()[0]}" in marked[0]
    assert not marked[0].startswith("> <mark>")  # the sentence that answers, not the whole quote


def test_who_is_quoted_lists_every_speaker_with_a_role(retriever: Retriever):
    for question in (
        "Who is quoted?",
        "Which people are quoted in the piece?",
        "Who spoke?",
        "List the speakers in the story.",
        "Which people does the reporter quote?",  # "report" is also a speaker's role here
    ):
        answer = retriever.answer(question)
        assert not answer.abstained, question
        assert {h.speaker for h in answer.hits} == {s.name for s in retriever.speakers}
        for s in retriever.speakers:
            assert s.name in answer.preface
        assert [h.start for h in answer.hits] == sorted(h.start for h in answer.hits)


def test_what_is_it_about_answers_from_the_lead(retriever: Retriever):
    for question in ("What is the article about?", "What's this story about?", "Summarize the article in one line."):
        answer = retriever.answer(question)
        assert not answer.abstained and answer.hits[0].paragraph == 1, question


def test_a_first_question_with_nothing_to_look_for(retriever: Retriever):
    """With no turn before it, "Why?" or "What does it mean?" leans on a question never asked:
    refused with the reason, no passage guessed; "What happened?" or "Tell me more" asks about
    the article as a whole: the lead. After a turn, the same words are a follow-up."""
    for question in ("Why?", "How many?", "And?", "What does it mean?", "When?"):
        answer = retriever.answer(question)
        assert answer.abstained and not answer.hits and "earlier question" in answer.reason, question
    for question in ("What happened?", "Tell me more.", "Explain, please."):
        answer = retriever.answer(question)
        assert not answer.abstained and answer.hits[0].paragraph == 1, question
    he = retriever.answer("What did he say?")
    assert he.abstained and "earlier question" in he.reason and "by name" in he.reason
    history = ["What did Qi Xiangdong say about safety?"]
    first = retriever.answer(history[0])
    why = retriever.answer("Why?", history=history)
    assert not why.abstained and why.hits[0].speaker == first.hits[0].speaker
    # a greeting or a "please" is no topic the article must have
    polite = retriever.answer(f"Hello! {history[0]} Thanks!")
    assert not polite.abstained and polite.hits[0].chunk_id == first.hits[0].chunk_id
    assert retriever.answer("Please summarize the article.").hits[0].paragraph == 1


@pytest.fixture(scope="module")
def river(real_embedder, tmp_path_factory) -> Retriever:
    folder = tmp_path_factory.mktemp("river") / "index"
    store.build([ARTICLES / "river-cleanup.txt"], folder, embedder=real_embedder)
    return Retriever.load(folder, embedder=real_embedder)


def test_a_speaker_described_in_other_words_is_read_whole(river: Retriever):
    """ "What did the institute boss say?": every word of the description named who, so none of
    them is a topic the article must hold ("boss" is nowhere in it)."""
    director = next(s for s in river.speakers if s.role and "Institute" in s.role)
    answer = river.answer("What did the institute boss say?")
    assert not answer.abstained
    assert {h.speaker for h in answer.hits} == {director.name}


def test_where_and_when_of_the_reported_event_come_from_the_lead(river: Retriever):
    """Short where/when questions about the event sit far from every passage for the encoder;
    when all their words stand in the lead beside a place or a date, the lead answers."""
    answer = river.answer("When did officials announce the spending?")
    assert not answer.abstained and answer.hits[0].paragraph == 1
    assert "Tuesday" in answer.hits[0].text
    # words the lead lacks are not an event question: decided as before
    assert river.answer("When did the institute open its new laboratory?").abstained


ROBOT_MAKER = """Warehouse robots are selling faster than ever in northern Europe, industry figures show.
Ingrid Dahl, chief executive of Norwegian robot maker Fjordline Robotics, said the company would double its staff next year.
"We are hiring engineers as fast as we can find them," she said.
The Oslo-based company was founded by three university friends in 2015 and now sells its robots in 14 countries, Dahl added.
Analysts at Nordic Equity said demand for warehouse robots was rising across Europe as wages climb.
"""


def _over(text: str, folder: Path, embedder) -> Retriever:
    """A retriever over one article written out as a file, with its index built in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "article.txt"
    source.write_text(text, encoding="utf-8")
    store.build([source], folder / "index", embedder=embedder)
    return Retriever.load(folder / "index", embedder=embedder)


def _answers(r: Retriever, *cases: tuple[str, str]) -> None:
    """Each question is answered, its first passage holding the words given."""
    for question, expected in cases:
        answer = r.answer(question)
        assert not answer.abstained and expected in answer.hits[0].text, (question, answer.message)


def _weighed(r: Retriever, question: str, feature: str, *words: str, history: list[str] | None = None) -> Answer:
    """The refusal decision reads `feature` for the question: one feature among all, not a
    veto. Where the decision refuses, the reason names `words`."""
    answer = r.answer(question, history=history or [])
    assert answer.features.get(feature) == 1.0, (question, feature, answer.features)
    if answer.abstained:
        assert all(w in answer.message for w in words), (question, answer.message)
    return answer


def test_where_a_firm_is_based_is_the_passage_that_describes_it_so(real_embedder, tmp_path):
    """ "Where is X based?": the passage that calls X "the Oslo-based company" after the article
    named it, though it never repeats the name."""
    r = _over(ROBOT_MAKER, tmp_path, real_embedder)
    for question in ("Where is Fjordline Robotics based?", "Where is Fjordline headquartered?"):
        answer = r.answer(question)
        assert not answer.abstained and "Oslo-based" in answer.hits[0].text, question
    assert "Oslo-based" not in r.answer("Where are the robots selling fastest?").hits[0].text


OBSERVATORY = """The Varn Observatory is a research observatory on the slopes of Mount Ellery in northern Norland.

It was founded in 1911 by the astronomer Henrik Tallberg, who had studied in Uppsala before he moved north.

The main telescope, a 1.2-metre reflector, was built by the Lund firm Sollen & Berg and installed in 1924. Moravec later described the instrument as "a patient old friend" in her memoir.

Its first director was Agnes Moravec, a physicist who led the observatory until 1952 and catalogued more than 3,000 variable stars.

Today the site is run by the University of Norland and hosts about 12,000 visitors a year.

Ralf Oster, a local historian, said the observatory was "the town's window on the sky".
"""


def test_people_the_article_names_without_quoting_them(real_embedder, tmp_path):
    """An encyclopedic text quotes few people but names many: "he" or "she" after a question
    about one of them is that person, not a refusal and not the one man it quotes; "her job" asks
    for her role, which the article gives without the word."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    turns = [
        ("Who was Agnes Moravec?", "What did she catalogue?", "variable stars"),
        ("Who was Henrik Tallberg?", "Where had he studied?", "Uppsala"),
        ("Who was Agnes Moravec?", "What was her job?", "first director"),
    ]
    for before, question, expected in turns:
        answer = r.answer(question, history=[before])
        assert not answer.abstained and expected in answer.hits[0].text, (before, question, answer.message)
    # with no woman named in the chat, "she" is the one woman the article quotes: Moravec's
    # description of the telescope is a speech act of hers
    later = r.answer("What did she catalogue?", history=["When was the observatory founded?"])
    assert later.abstained or "variable stars" in later.hits[0].text, later.hits[0].text


def test_the_kind_a_question_asks_for_need_not_be_in_the_article(real_embedder, tmp_path):
    """ "Which scholar founded it?": the answer is one of a kind (an astronomer), and the
    article need not use the word for the kind; the question is answered, not refused."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    _answers(
        r,
        ("Which scholar founded the observatory?", "Henrik Tallberg"),
        ("What landmark is the observatory near?", "Mount Ellery"),
    )


def test_a_question_after_a_sum_of_money_needs_a_passage_naming_one(real_embedder, tmp_path):
    """ "How much did the telescope cost?" of a text that names no sum of money is refused,
    though a passage about the telescope comes close; where the text gives a price, it is
    the answer."""
    plain = _over(OBSERVATORY, tmp_path / "plain", real_embedder)
    answer = plain.answer("How much did the main telescope cost?")
    assert answer.abstained and "sum of money" in answer.message, answer.message
    priced = _over(OBSERVATORY + PRICED_LINE, tmp_path / "priced", real_embedder)
    answer = priced.answer("How much did the visitor centre cost?")
    assert not answer.abstained and "kronor" in answer.hits[0].text, answer.message


PRICED_LINE = "\nA visitor centre beside the main dome cost 4.5 million kronor and opened in 2019.\n"


def test_when_something_began_needs_a_date_beside_its_beginning(real_embedder, tmp_path):
    """ "When was she born?", "When was it founded?": a date somewhere near the person or the
    thing is not the answer; the date must stand in a sentence that speaks of that beginning.
    The decision reads it."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    _weighed(r, "When was Agnes Moravec born?", "lacking_date", "born")  # her passage dates her years as director
    _answers(r, ("When was the observatory founded?", "1911"), ("When was the main telescope built?", "1924"))


def test_a_question_after_a_measure_needs_a_figure_with_its_unit(real_embedder, tmp_path):
    """ "How tall are the robots?" of a text that gives no measure at all: the decision reads
    that no close passage gives a measure, though passages about the robots come close; "how
    long" may be answered by dates."""
    robots = _over(ROBOT_MAKER, tmp_path / "robots", real_embedder)
    for question in ("How tall are Fjordline's robots?", "How heavy is a warehouse robot?"):
        _weighed(robots, question, "lacking_figure", "unit")
    observatory = _over(OBSERVATORY, tmp_path / "observatory", real_embedder)
    answer = observatory.answer("How long did Agnes Moravec lead the observatory?")
    assert not answer.abstained and "1952" in answer.hits[0].text, answer.message


def test_how_a_speaker_described_a_thing_in_other_words(real_embedder, tmp_path):
    """ "How did Moravec describe the telescope?": her passage says "instrument"; she is whose
    words are asked for, so her passage comes before the telescope's own."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    answer = r.answer("How did Moravec describe the telescope?", history=["Who runs the observatory today?"])
    assert not answer.abstained and "patient old friend" in answer.hits[0].text, answer.message


@pytest.mark.xfail(
    strict=True,
    reason="since Moravec's description is a speech act, the paragraph splits into chunks and the founding "
    "passage stands close enough that the 1911 check passes: the figure check needs to read the sentence",
)
def test_a_figure_the_question_names_must_stand_in_a_close_passage(real_embedder, tmp_path):
    """ "How many visitors came in 1911?": the article has 1911, but only as the year of the
    founding, and the passage about visitors gives another year's figure; refused, naming the
    figure. Without the year the visitors' passage answers."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    answer = r.answer("How many visitors did the observatory have in 1911?")
    assert answer.abstained and "1911" in answer.message, answer.message
    _answers(r, ("How many visitors does the observatory have?", "12,000"), ("When was it founded?", "1911"))


def test_a_name_the_question_gives_must_stand_in_a_close_passage(real_embedder, tmp_path):
    """ "When was the Kessel Observatory founded?" of a text about the Varn Observatory: the
    article has "Observatory", so the name is not foreign to it, but no passage about a
    founding names Kessel: the decision reads it, and a refusal names the word. With the
    article's own name, answered."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    for question in (
        "When was the Kessel Observatory founded?",
        "Who was the first director of the Kessel Observatory?",
    ):
        _weighed(r, question, "lacking_figure", "names Kessel")
    _answers(r, ("Who was the first director of the Varn Observatory?", "Agnes Moravec"))


def test_a_question_after_what_did_not_happen_needs_a_passage_that_denies(real_embedder, tmp_path):
    """ "Who did not study in Uppsala?": the closest sentence says who did, and nothing in it
    denies; the decision reads it, and a refusal names the negation. A question whose answer
    is a denial ("never finished") is answered, and "or not" or a condition denies nothing."""
    r = _over(OBSERVATORY + UNFINISHED_LINE, tmp_path, real_embedder)
    for question in ("Who did not study in Uppsala?", "Which firm didn't build the main telescope?"):
        _weighed(r, question, "lacking_denial", "'not' or the like")
    _answers(
        r,
        ("Which telescope was never finished?", "never finished"),
        ("Was the main telescope built by Sollen & Berg or not?", "Sollen & Berg"),
        ("Who would run the observatory if Moravec did not?", "Agnes Moravec"),
        ("Didn't Tallberg study in Uppsala?", "Uppsala"),  # asks to confirm what the text says
    )


def test_a_question_whose_word_the_closest_sentence_reverses_is_refused(real_embedder, tmp_path):
    """ "Who catalogued fewer than 3,000 stars?" where the sentence says "more than 3,000": the
    question asks about what the article does not say; the decision reads it, and a refusal
    names both words. Asked as the article says it, answered."""
    r = _over(OBSERVATORY, tmp_path, real_embedder)
    for question, words in (
        ("Who catalogued fewer than 3,000 variable stars?", ("'fewer'", "'more'")),
        ("Which observatory stands on Mount Ellery in southern Norland?", ("'southern'", "'northern'")),
    ):
        _weighed(r, question, "lacking_denial", *words)
    _answers(
        r,
        ("Who catalogued more than 3,000 variable stars?", "Agnes Moravec"),
        ("Which observatory stands on Mount Ellery in northern Norland?", "Varn Observatory"),
        ("Did Agnes Moravec catalogue fewer than 3,000 variable stars?", "more than 3,000"),  # the answer is no
    )


UNFINISHED_LINE = "\nA second telescope was never finished, because the war cut off its funding in 1939.\n"


def test_chat_spelling_slips_and_contractions_are_read(retriever: Retriever):
    """Questions typed as people type in a chat: a slip of the keyboard, "whats", a negative
    yes-or-no question, a request verb. Each is answered from the passage the plain wording
    finds, not refused for a word the article lacks."""
    for typed, plain in (
        ("wat did qi say about safty", "What did Qi say about safety?"),
        ("How many large modles does China have?", "How many large models does China have?"),
        ("Wasn't the summit held in Wuzhen?", "Was the summit held in Wuzhen?"),
        ("Summarize what Zhou said", "What did Zhou say?"),
        ("whats the role of AI according to Wu", "What is the role of AI according to Wu?"),
    ):
        answer, expected = retriever.answer(typed), retriever.answer(plain)
        assert not expected.abstained, plain
        assert not answer.abstained, (typed, answer.message)
        assert answer.hits[0].paragraph == expected.hits[0].paragraph, (typed, plain)


def test_a_self_contained_question_is_not_taken_over_by_history(retriever: Retriever):
    alone = retriever.answer("When did Xiaomi begin its all-in-AI strategy?")
    after = retriever.answer(
        "When did Xiaomi begin its all-in-AI strategy?", history=["How many AI large models were created globally?"]
    )
    assert not after.abstained
    assert [h.chunk_id for h in after.hits] == [h.chunk_id for h in alone.hits]


def test_a_pronoun_no_one_quoted_fits_is_said_so(retriever: Retriever):
    people = {s.gender for s in retriever.speakers if s.kind == "person"}
    assert "she" not in people  # the bundled article quotes no woman
    answer = retriever.answer("What did she say about it?", history=["Who is Lei Jun?"])
    assert answer.abstained or answer.markdown.startswith("*No one the article quotes fits 'she'"), answer.markdown


def test_a_named_speaker_leads_search_without_confining_it(retriever: Retriever):
    name = retriever.speakers[0].name
    own = len(retriever.speaker_chunks(name))
    hits = retriever.search(f"What did {name} say?", k=own + 3)
    assert [h.speaker for h in hits[:own]] == [name] * own
    assert {h.speaker for h in hits[own:]} - {name}  # the rest of the article is still searched


def test_fitted_parameters_are_versioned_data():
    ranking = json.loads((ROOT / "qa" / "data" / "ranking.json").read_text())
    refusal = json.loads((ROOT / "qa" / "data" / "refusal.json").read_text())
    assert ranking["version"] >= 1 and refusal["version"] >= 1
    assert 0 < ranking["dense_share"] < 1 and 0 <= ranking["sentence_share"] <= 1
    assert Ranking.bundled().coverage == ranking["coverage"] > 0  # the term share is fitted, not left out
    assert Ranking.bundled().definition == ranking["definition"] > 0  # so is the definition bonus
    # the word-by-word weight: better on SQuAD articles the fit never saw, no kind of reader set lower
    assert Ranking.bundled().late == ranking["late"] > 0
    late = ranking["late_figures"]
    assert late["test_hit@1"] > late["test_hit@1_no_late"]
    level, kept = late["reader_right_by_late"]["0.0"], late["reader_right_by_late"][str(ranking["late"])]
    assert all(kept[kind] >= right for kind, right in level.items())
    assert tuple(refusal["features"]) == FEATURES and len(refusal["weights"]) == len(FEATURES)
    assert "SQuAD" in ranking["fitted_on"] and "SQuAD" in refusal["fitted_on"]
    model = refusal_model()
    assert model.version == refusal["version"]
    assert Ranking.bundled().version == ranking["version"]
    assert 0 < model.threshold < 1


def test_confidence_is_reported(retriever: Retriever):
    answer = retriever.answer("What did the report say about the United States?")
    assert answer.confidence is not None and 0 <= answer.confidence <= 1
    assert np.isclose(answer.to_json()["confidence"], answer.confidence, atol=1e-4)


# The figures docs/evaluation.md states; a test fails below them.
STATED_FIGURES = {
    "eval/questions.jsonl": {"hit@1": 0.952, "recall@3": 1.0, "mrr@10": 0.976, "attribution": 1.0, "decisions": 0.923},
    "eval/natural-test-17.jsonl": {"hit@1": 0.925, "recall@3": 0.95, "attribution": 0.95, "decisions": 0.86},
    "eval/natural-test-16.jsonl": {"hit@1": 0.975, "recall@3": 0.975, "attribution": 0.975, "decisions": 0.94},
    "eval/natural-test-15.jsonl": {"hit@1": 0.95, "recall@3": 1.0, "attribution": 0.974, "decisions": 0.92},
    "eval/natural-test-14.jsonl": {"hit@1": 0.9, "recall@3": 0.95, "attribution": 0.95, "decisions": 0.9},
    "eval/natural-test-13.jsonl": {"hit@1": 0.975, "recall@3": 0.975, "attribution": 0.975, "decisions": 0.9},
    "eval/natural-test-12.jsonl": {"hit@1": 0.9, "recall@3": 0.925, "attribution": 0.925, "decisions": 0.9},
    "eval/natural-test-11.jsonl": {"hit@1": 0.875, "recall@3": 0.975, "attribution": 0.95, "decisions": 0.84},
    "eval/natural-test-10.jsonl": {"hit@1": 0.975, "recall@3": 0.975, "attribution": 0.974, "decisions": 0.92},
    "eval/natural-test-9.jsonl": {"hit@1": 1.0, "recall@3": 1.0, "attribution": 1.0, "decisions": 0.96},
    "eval/natural-test-8.jsonl": {"hit@1": 0.973, "recall@3": 0.973, "attribution": 0.973, "decisions": 0.958},
    "eval/natural-test-7.jsonl": {"hit@1": 0.947, "recall@3": 0.973, "attribution": 0.973, "decisions": 0.895},
    "eval/natural-test-6.jsonl": {"hit@1": 0.973, "recall@3": 1.0, "attribution": 1.0, "decisions": 0.916},
    "eval/natural-test-5.jsonl": {"hit@1": 0.894, "recall@3": 0.947, "attribution": 0.891, "decisions": 0.895},
    "eval/natural-test-4.jsonl": {"hit@1": 0.968, "recall@3": 1.0, "attribution": 0.968, "decisions": 0.925},
    "eval/natural-test-3.jsonl": {"hit@1": 0.97, "recall@3": 1.0, "attribution": 0.97, "decisions": 0.952},
    "eval/natural-test-2.jsonl": {"hit@1": 1.0, "recall@3": 1.0, "attribution": 1.0, "decisions": 0.95},
    "eval/natural-dev-4.jsonl": {"hit@1": 0.948, "recall@3": 1.0, "attribution": 1.0, "decisions": 0.82},
    "eval/natural-dev-3.jsonl": {"hit@1": 1.0, "recall@3": 1.0, "attribution": 1.0, "decisions": 0.954},
    "eval/natural-dev-2.jsonl": {"hit@1": 1.0, "recall@3": 1.0, "attribution": 1.0, "decisions": 1.0},
    "eval/natural-dev.jsonl": {"hit@1": 0.942, "recall@3": 0.971, "attribution": 0.968, "decisions": 0.933},
    "tests/questions/wuzhen-heldout.jsonl": {"hit@1": 1.0, "recall@3": 1.0, "attribution": 1.0, "decisions": 1.0},
}


@pytest.mark.parametrize("path", sorted(STATED_FIGURES))
def test_stated_figures_hold(retriever: Retriever, path: str):
    metrics = evaluate(retriever, read_questions(ROOT / path)).metrics
    for name, floor in STATED_FIGURES[path].items():
        assert metrics[name] >= floor, (path, name, metrics)


def test_doc_squad_figures_are_the_committed_run():
    """The SQuAD table in docs/evaluation.md is the committed benchmark report, not numbers typed in."""
    report = json.loads(sorted((ROOT / "bench" / "reports").glob("squad-all-*.json"))[-1].read_text())
    doc = (ROOT / "docs" / "evaluation.md").read_text()
    now = report["systems"]["project search()"], report["systems"]["project answer()"]
    row = next(line for line in doc.splitlines() if line.startswith("| **now: `search()`"))
    cells = [c.strip("* ") for c in row.split("|")[2:-1]]
    wanted = [now[0]["search_hit@1"], now[0]["search_r@3"], now[1]["answer_hit@1"], now[1]["false_refusals"]]
    wanted += [now[1]["unanswerable_refused"], now[1]["cross_article_refused"]]
    assert [float(c) for c in cells] == wanted
    bm25 = report["systems"]["bm25s"]
    assert now[0]["search_hit@1"] >= bm25["search_hit@1"] + 0.03
    assert now[1]["answer_hit@1"] >= bm25["answer_hit@1"]
    assert now[1]["false_refusals"] <= 0.05 and now[1]["cross_article_refused"] >= 0.95


def test_doc_news_figures_are_the_committed_run():
    """The news table's `answer()` rows are the committed run of `python -m bench news`."""
    report = json.loads(sorted((ROOT / "bench" / "reports").glob("news-*.json"))[-1].read_text())["files"]
    doc = (ROOT / "docs" / "evaluation.md").read_text()
    files = (
        ("news, first", "news-questions.jsonl"),
        ("news, follow-up", "news-followups.jsonl"),
        ("encyclopedia", "encyclopedia-questions.jsonl"),
        ("encyclopedia, held out", "encyclopedia-test.jsonl"),
    )
    for label, name in files:
        row = next(line for line in doc.splitlines() if line.startswith(f"| {label} | **now `answer()`**"))
        cells = [float(c.strip("* ")) if c.strip() else None for c in row.split("|")[3:-1]]
        now = report[name]["answer"]
        keys = ("hit@1", "recall@3", "speaker", "false_refusals", "unanswerable_refused", "decisions")
        assert cells == [now.get(k) for k in keys], (label, cells, now)
        assert now["hit@1"] >= report[name]["bm25s"]["hit@1"]


def test_doc_performance_figures_are_the_committed_run():
    report = json.loads(sorted((ROOT / "bench" / "reports").glob("bench-*.json"))[-1].read_text())
    doc = (ROOT / "docs" / "benchmarks.md").read_text()
    assert report["machine"]["date"] in doc and report["machine"]["cpu"] in doc
    for key in ("search_p50_ms", "search_p95_ms", "answer_p50_ms", "answer_p95_ms", "app_first_answer_s"):
        assert f"{report[key]}" in doc, key
    assert report["search_over_encode"] <= 1.3 and report["answer_p95_ms"] < 50
    assert report["load_answered"] == report["load_requests"] == report["load_correct"]


def test_a_confined_search_keeps_the_open_search_scale(retriever: Retriever):
    """Confined to a few passages (one speaker's), each keeps the score the open search gives
    it: min-max over three passages alone would turn a cosine gap of hundredths into the whole
    range and outvote the words the question shares with one of them. (The word-by-word match
    reads the best few of whatever passages a search holds, so it is left out here.)"""
    from dataclasses import replace

    retriever = copy.copy(retriever)
    retriever.ranking = replace(retriever.ranking, late=0.0)
    for question in ["What was said about the new era?", "What about security risks?", "Why does safety matter?"]:
        open_scores = {h.chunk_id: h.score for h in retriever.rank(question, limit=100)}
        for speaker in retriever.speakers:
            ids = retriever.speaker_chunks(speaker.name)
            confined = retriever.rank(question, restrict=ids, limit=100)
            assert [h.chunk_id for h in confined] == sorted(ids, key=lambda i: -open_scores[i])
            for h in confined:
                assert abs(h.score - open_scores[h.chunk_id]) < 1e-5


def test_question_frames_are_not_topics():
    from qa.ask.question import topic_words

    assert set(topic_words("When did the summit take place?", set())) == {"summit"}
    assert set(topic_words("What happened in 1994?", set())) == {"1994"}
    assert "place" in topic_words("Which place did the team finish in?", set())


def test_the_topic_after_about_stays_when_it_echoes_the_speakers_role(retriever: Retriever):
    """ "What did <role words> say about <topic>": the topic's words are looked for even where
    the speaker's role uses them too."""
    for s in retriever.speakers:
        role_words = [w for w in (s.role or "").split() if w.islower() and len(w) > 6]
        if s.kind != "person" or not role_words:
            continue
        word = max(role_words, key=len)
        holders = [i for i in retriever.speaker_chunks(s.name) if word in retriever.chunks[i].text.lower()]
        if not holders:
            continue
        answer = retriever.answer(f"What did {s.name} say about {word}?")
        assert not answer.abstained and answer.hits[0].chunk_id in holders, (s.name, word)


def test_what_did_he_say_next_is_the_speakers_following_passage(retriever: Retriever):
    for s in retriever.speakers:
        ids = sorted(retriever.speaker_chunks(s.name), key=lambda i: retriever.chunks[i].start)
        if s.kind != "person" or len(ids) < 2:
            continue
        first = retriever.answer(f"Who is {s.name}?")
        assert not first.abstained
        anchor = retriever.chunks[first.hits[0].chunk_id]
        later = [i for i in ids if retriever.chunks[i].start > anchor.start]
        pronoun = "she" if s.gender == "she" else "he"
        follow = retriever.answer(f"What did {pronoun} say next?", history=[first.question])
        if later:
            assert not follow.abstained and follow.hits[0].chunk_id == later[0], s.name
            assert follow.speaker == s.name


def test_a_kind_of_thing_before_its_name_is_not_a_topic():
    from qa.ask.question import topic_words

    assert set(topic_words("What did she say about the year 1994?", set())) == {"1994"}
    assert set(topic_words("What happened in the city of Wuzhen?", set())) == {"wuzhen"}
    assert "company" in topic_words("What did the company say about profits?", set())


def test_a_name_the_article_never_uses_is_refused_however_close_the_passage(river: Retriever):
    """A place, person or firm the article never names stands for someone else than the
    passage that comes closest: the figures beside it are not about it."""
    for question, name in (
        ("How much will Germany spend over five years to clean up the Tamsin River?", "Germany"),
        ("How many sites along the banks did the study in Berlin sample?", "Berlin"),
    ):
        answer = river.answer(question)
        assert answer.abstained and name in answer.reason, question
    assert not river.answer("How much will Marlow spend over five years to clean up the Tamsin River?").abstained


def test_the_date_of_an_event_needs_a_date_in_the_answer(river: Retriever):
    """ "When was X done?" where no passage the answer would show gives a date or a time: the
    decision reads it; a question in the present asks for a condition as often and is decided
    as before."""
    _weighed(river, "When was the study published?", "lacking_date", "date")
    bids = river.answer("When will construction bids open?")
    assert not bids.abstained and "March" in bids.hits[0].text
    lead = river.answer("When did officials announce the spending?")
    assert not lead.abstained and "Tuesday" in lead.hits[0].text


def test_the_date_of_something_to_come_needs_a_date_ahead(retriever: Retriever, river: Retriever):
    """ "When will the next one be held?" of a report on this year's event: the date beside it
    dates this one, which the decision reads; a date the article gives ahead is an answer."""
    for question in ("When will the next World Internet Conference be held?", "When will the next summit take place?"):
        _weighed(retriever, question, "lacking_date", "date still to come")
    bids = river.answer("When will construction bids open?")
    assert not bids.abstained and "March" in bids.hits[0].text


def test_a_figure_the_article_never_writes_is_refused(retriever: Retriever):
    """A year, a figure or a code the article never writes: the closest passage holds other
    figures, about something else."""
    for question, figure in (
        ("What did Wu Hequan say about 5G?", "5G"),
        ("How many AI large models were created globally in 2019?", "2019"),
    ):
        _weighed(retriever, question, "foreign", figure)
    for question in ("How many AI large models were created globally?", "What happened in 1994?"):
        assert not retriever.answer(question).abstained, question


def test_a_speakers_view_on_what_they_never_spoke_of_is_weighed(retriever: Retriever):
    """ "What does X think about Y?" where X's passages never speak of Y: the search is not
    kept to them, and the decision reads that the closest passage is someone else's (on real
    news such questions are answered more often than not). A plural description ("the tech leaders")
    is several people, not the one speaker whose role shares a word with it."""
    by_passages = {
        s.name: " ".join(retriever.chunks[i].text for i in retriever.speaker_chunks(s.name)) for s in retriever.speakers
    }
    for name, text in by_passages.items():
        if "safety" not in text.lower() and " " in name:
            # the decision reads that the closest passage is someone else's
            answer = _weighed(retriever, f"What does {name} think about safety?", "speaker_elsewhere")
            assert answer.abstained or answer.hits[0].speaker != name, name
    plural = retriever.answer("What do the tech leaders think of AI?")
    assert not plural.abstained and plural.hits[0].speaker is None


@pytest.mark.parametrize("which", ["retriever", "river"])
def test_who_is_the_role_names_its_holder_where_the_article_names_them(request, which: str):
    """ "Who is the health minister?": the speaker whose role the question spells out, in the
    passage that names them; a role two speakers share is searched as any question."""
    retriever = request.getfixturevalue(which)
    people = [s for s in retriever.speakers if s.named and s.kind == "person" and s.role]
    assert people
    for s in people:
        answer = retriever.answer(f"Who is the {s.role}?")
        assert not answer.abstained and answer.speaker == s.name, (s.name, s.role)
        assert s.name in answer.hits[0].text and s.name in answer.preface


@pytest.fixture(scope="module")
def two_news(real_embedder, tmp_path_factory) -> Retriever:
    news = ROOT / "tests" / "news"
    folder = tmp_path_factory.mktemp("news") / "index"
    store.build([news / "port-strike.txt", news / "wildfire.txt"], folder, embedder=real_embedder)
    return Retriever.load(folder, embedder=real_embedder)


def test_a_headline_without_a_date_first_does_not_refuse_a_when_question(two_news: Retriever):
    """A headline or a photo caption may match a when-question best and hold no date, while
    the passage after it does: the question is answered, not refused."""
    for question in ("When did the dockworkers walk off the job?", "When did the wildfire jump Highway 5?"):
        assert not two_news.answer(question).abstained, question


def test_headlines_and_captions_come_after_the_story(two_news: Retriever):
    """A headline sums the story up and so sits close to many questions, but the answer is in
    the story: headlines, captions and video links rank after every passage of it, and the
    story's opening is its first paragraph after the headline."""
    for question in (
        "How many dockworkers walked off the job?",
        "Dockworkers walk out as contract talks collapse",
        "Drone footage of the fire crossing Highway 5",
    ):
        hits = two_news.search(question, k=3)
        assert hits and not any(is_furniture(h.text) for h in hits), question
    opening = two_news.answer("What is the story about?", doc="port-strike")
    assert opening.hits[0].paragraph == 2 and "HALIFAX" in opening.hits[0].text


@pytest.mark.parametrize(
    ("paragraph", "furniture"),
    [
        ("Judge halts gravel mine near salmon river", True),
        ("Photo caption: Evacuees line up for cots on Saturday.", True),
        ("Watch: Drone footage shows the fire crossing Highway 5", True),
        ("VIDEO - The mayor speaks to reporters", True),
        ("The fire started in the arena's kitchen a little after midnight on Sunday.", False),
        ('"We will put the coffee on," Fournier said.', False),
        ("Watchdogs said the plan was flawed.", False),
        ("\u2018We will go,\u2019 she said. \u2018Now.\u2019", False),
        ("HARBOUR FEES GO UP.", True),
        ("3. TOWN VOTES TO KEEP ITS LAST FERRY.", True),
        ("NATO, the EU and the UN met in Oslo.", False),
        ("OK.", False),
    ],
)
def test_what_counts_as_page_furniture(paragraph: str, furniture: bool):
    assert is_furniture(paragraph) is furniture


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Harbour Board Backs Ferry Plan.", True),
        ("Harbour Board Backs Ferry Plan", True),
        ("Fact Check: Did the Mayor Really Cut the Budget?", True),
        ("The harbour board voted on Tuesday.", False),
        ("Officials said the ferry would run again in May, though delays were possible.", False),
        ("Board Votes. Mayor Objects.", False),
    ],
)
def test_a_first_paragraph_in_title_case_is_the_title_with_or_without_a_full_stop(
    real_embedder, tmp_path, first: str, title: bool
):
    """The first line of a story, short and in title case, is its title even after a full stop:
    it ranks after every passage of the story itself, and the story opens after it."""
    assert is_title_line(first) is title
    story = f"{first}\n\nThe harbour board voted 5-2 on Tuesday to back a new ferry plan for the island.\n"
    r = _over(story, tmp_path, real_embedder)
    assert bool(r.furniture()[0]) is title
    assert r.answer("What is the story about?").hits[0].paragraph == (2 if title else 1)


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("Port to cut docking charges as container traffic falls, board says.", True),
        ("Lawmaker: ferry deal 'a bad bargain' for islanders.", True),
        ("The port board said it would cut docking charges as traffic falls.", False),
        ("The port cut its docking charges on Tuesday.", False),
        ("Traffic fell. The port cut its docking charges.", False),
    ],
)
def test_a_short_first_line_in_sentence_case_is_the_title_when_a_story_follows(
    real_embedder, tmp_path, first: str, title: bool
):
    """A one-sentence first line that names no day and no "said" is the story's headline when at
    least two paragraphs follow it: the story's own passages answer before it."""
    following = (
        "Harbour commissioners voted 6-1 to lower docking charges for cargo ships by 15 per cent, "
        "after container traffic fell for a third straight quarter."
    )
    assert is_title_line(first, rest=2, following=following) is title
    assert is_title_line(first, rest=1, following=following) is False
    assert is_title_line(first, rest=2, following="Traffic fell.") is False  # no story after it
    story = (
        f"{first}\n\n"
        "Harbour commissioners voted 6-1 to lower docking charges for cargo ships by 15 per cent, "
        "after container traffic fell for a third straight quarter.\n\n"
        "Freight operators had asked for relief since the spring, commissioner Lena Ortiz said.\n"
    )
    r = _over(story, tmp_path, real_embedder)
    assert bool(r.furniture()[0]) is title
    answer = r.answer("Why is the port cutting docking charges?")
    assert not answer.abstained, answer.reason
    if title:  # the story's passage, not the headline that repeats its words
        assert answer.hits[0].paragraph == 2


@pytest.mark.parametrize(
    ("history", "question", "paragraph", "words"),
    [
        # a pronoun stands for the speaker of the last answer; their passages lead, not confine
        ("What did the union president say?", "How long is he prepared to stay out?", 8, "weeks"),
        # who someone is: the passage that introduces them by name and role
        ("What did the economist Lena Park say?", "Where does she teach?", 19, "Dalhousie"),
        # too few words of its own: searched after the turn it leans on
        ("How many residents were ordered out?", "From which places?", 2, "Pine Ridge"),
        ("What did the employers' association offer?", "And how big was the wage increase?", 9, "14 per cent"),
        # a question with its own subject is answered on its own terms
        ("What did the union president say?", "How many fires are burning in the province?", 19, "140"),
    ],
)
def test_follow_ups_fill_gaps_from_the_turn_before(two_news: Retriever, history, question, paragraph, words):
    answer = two_news.answer(question, history=[history])
    assert not answer.abstained, answer.reason
    assert answer.hits[0].paragraph == paragraph and words in answer.hits[0].text


def test_a_pronoun_no_earlier_speaker_fits_keeps_to_the_chats_article(two_news: Retriever):
    """ "What did she say?" after an answer about a man: nobody in the chat fits "she"; the
    answer says so and keeps to the women the article the chat is about quotes; a woman of
    the other article is not her."""
    before = two_news.answer("What did the union president say?")
    answer = two_news.answer("What did she say about it?", history=["What did the union president say?"])
    assert answer.abstained or "'she'" in answer.preface, answer.markdown
    assert all(h.doc == before.hits[0].doc for h in answer.hits)
    other = {s.name for s in two_news.speakers if s.doc != before.hits[0].doc}
    assert not any(name in answer.preface for name in other), answer.preface


def test_a_pronoun_several_speakers_fit_names_them(retriever: Retriever):
    """ "What did he say?" after an answer about no one: the article quotes several men; the
    answer is the closest of their passages, and it names them all."""
    answer = retriever.answer("What did he say?", history=["What is the article about?"])
    assert not answer.abstained and "could be any of" in answer.markdown, answer.markdown
    assert all(name in answer.preface for name in ("Wu Hequan", "Lei Jun", "Qi Xiangdong", "Zhou Hongyi"))
    assert answer.hits[0].speaker in ("Wu Hequan", "Lei Jun", "Qi Xiangdong", "Zhou Hongyi")


def test_who_said_so_names_whoever_the_last_answer_quoted(two_news: Retriever):
    before = two_news.answer("Why did the talks break down?")
    after = two_news.answer("Who said so?", history=["Why did the talks break down?"])
    assert not before.abstained and after.who_said
    assert [h.chunk_id for h in after.hits] == [before.hits[0].chunk_id]
    assert after.speaker == before.hits[0].speaker


@pytest.mark.parametrize(
    "follow_up", ["Where does that figure come from?", "What's the source?", "According to whom?", "Says who?"]
)
def test_where_the_last_answer_comes_from_is_its_attribution(two_news: Retriever, follow_up: str):
    """Asking for the source of what was just shown names who the article has say it; a
    question about where something else comes from is searched as any other."""
    first = "How many dockworkers walked off the job?"
    before = two_news.answer(first)
    after = two_news.answer(follow_up, history=[first])
    assert after.who_said and [h.chunk_id for h in after.hits] == [before.hits[0].chunk_id], follow_up
    other = two_news.answer("Where does the cargo come from?", history=[first])
    assert not other.who_said


def test_what_else_after_everything_a_speaker_said_shows_it_again(retriever: Retriever):
    first = retriever.answer("What did Zhou Hongyi say?")
    again = retriever.answer("What else did he say?", history=["What did Zhou Hongyi say?"])
    assert not again.abstained and again.preface.startswith("**That is everything")
    assert {h.chunk_id for h in again.hits} == {h.chunk_id for h in first.hits}


def test_readme_headline_figures_are_the_committed_runs():
    """The README's short table quotes the committed SQuAD and speed reports."""
    readme = (ROOT / "README.md").read_text()
    squad = json.loads(sorted((ROOT / "bench" / "reports").glob("squad-all-*.json"))[-1].read_text())["systems"]
    speed = json.loads(sorted((ROOT / "bench" / "reports").glob("bench-*.json"))[-1].read_text())
    search, answer = squad["project search()"], squad["project answer()"]
    assert f"| {search['search_hit@1']} | bm25s {squad['bm25s']['search_hit@1']}, dense flat" in readme
    assert f"| {answer['answer_hit@1']} | bm25s {squad['bm25s']['answer_hit@1']} |" in readme
    assert f"| {answer['false_refusals']} |" in readme
    assert f"| {speed['answer_p50_ms']} / {speed['answer_p95_ms']} ms |" in readme
    assert len(readme.splitlines()) <= 300



FERRY = """Island Ferries stopped its evening crossing to Skarholm in March, and the last boat now leaves the harbour at four.

The evening crossing had run every day since 1988 and carried about 300 passengers on a summer night.

The company ended the crossing because two of its four captains retired and no one was found to replace them, a notice at the harbour said.

Residents of Skarholm have started a petition to bring the evening boat back before the summer.
"""


def test_a_why_question_lifts_the_passages_that_give_a_cause(real_embedder, tmp_path):
    """ "Why ...?" asks for a cause: a passage that gives one ("because ...") gets the cause
    bonus over the same search without it, and only that passage does. The bonus breaks
    near-ties; it does not outweigh a passage that matches the question far better."""
    r = _over(FERRY, tmp_path, real_embedder)
    question = "Why did Island Ferries stop the evening crossing to Skarholm?"
    assert answer_type(question) == "why" and answer_type("How come?") == "why"
    lifted = {h.paragraph: h.score for h in r.rank(question, kind="why")}
    r.ranking = replace(r.ranking, cause_bonus=0.0)
    plain = {h.paragraph: h.score for h in r.rank(question, kind="why")}
    gained = {p for p in plain if lifted[p] - plain[p] > 1e-6}
    assert gained == {3}, (lifted, plain)
    assert lifted[3] - plain[3] == pytest.approx(Ranking.bundled().cause_bonus, abs=1e-5)


def test_a_follow_up_is_not_refused_for_a_word_of_the_question_before_it(real_embedder, tmp_path):
    """The turn before asked about something the article lacks ("zeppelins"); the follow-up's
    refusal, if any, names only its own missing words, never that one again."""
    r = _over(FERRY, tmp_path, real_embedder)
    first = "How much did the zeppelin pilots earn on the Skarholm crossing?"
    assert r.answer(first).abstained
    follow = r.answer("And what did the tickets cost?", history=[first])
    assert follow.abstained and "tickets" in follow.message and "zeppelin" not in follow.message, follow.message


FARES = """Harbour ferry fares will rise by a fifth in May, the city announced on Monday.

Mayor Ruth Okafor said the higher fares would pay for two new boats and a longer summer timetable.

"The mayor had no choice once the fuel bill doubled," said Dev Patel, a spokesman for Okafor.

Councillor Ben Ito said the rise was unfair to students and said Okafor had ignored the council.

Students at the harbour college plan a protest at the terminal next week.
"""


def test_whose_words_are_asked_for_is_the_subject_of_the_speech_verb(real_embedder, tmp_path):
    """ "What did Ito say about Okafor?" asks for Ito's words, though Okafor is named too;
    "Okafor's spokesman" is someone who speaks for Okafor, not Okafor."""
    r = _over(FARES, tmp_path, real_embedder)
    answer = r.answer("What did Ito say about Okafor?")
    assert not answer.abstained and answer.hits[0].speaker == "Ben Ito", answer.hits[0]
    answer = r.answer("What did Okafor's spokesman say about the fares?")
    assert answer.speaker == "Dev Patel", answer.speaker
    answer = r.answer("What did Okafor's spokesman say about the fuel bill?")
    assert not answer.abstained and answer.hits[0].speaker == "Dev Patel", answer.hits[0]


@pytest.mark.parametrize(
    ("passage", "aged"),
    [
        ('"We will reopen," Mara Lind, 61, said on Friday.', True),
        ("The 82-year-old founder still runs the yard.", True),
        ("Lind, aged 40 at the time, moved north.", True),
        ("Lind opened 3 yards in 2019 and hired 61 people.", False),
    ],
)
def test_how_old_lifts_the_passage_that_gives_an_age(passage: str, aged: bool):
    """ "How old is Lind?" asks for an age as news writes it (a number set off by commas after
    a name, "82-year-old", "aged 40"), not for any figure."""
    assert answer_type("How old is Mara Lind?") == "age"
    assert bool(ANSWER_SHAPES["age"].search(passage)) is aged
    assert Ranking.bundled().age_bonus > Ranking.bundled().type_bonus


BUDGET = """The state budget passed the senate on Tuesday after a long night of debate.

Gov. Ann Cole said the budget would fund two new hospitals and a bridge.

Sen. Ben Ito said the plan was too costly for rural towns.

Coun. Mia Park said the city would apply for the bridge money.
"""


def test_a_role_question_finds_the_person_the_article_names_after_a_title(real_embedder, tmp_path):
    """ "What did the governor say?" of an article that writes "Gov. Ann Cole": she is the
    governor, not a description the article lacks."""
    r = _over(BUDGET, tmp_path, real_embedder)
    for question, speaker in (("What did the governor say?", "Ann Cole"), ("What did the councillor say?", "Mia Park")):
        answer = r.answer(question)
        assert not answer.abstained and answer.hits[0].speaker == speaker, (question, answer.message)
