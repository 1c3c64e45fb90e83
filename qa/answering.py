"""Answering: who the question is about, follow-ups, a calibrated refusal, and the reply text.

Sits above search (qa.retrieval) and question reading (qa.question); nothing below imports it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.attribution import Speaker, sentence_spans
from qa.chunking import lexical_text
from qa.embedding import DEFAULT_MODEL, model_path
from qa.errors import ModelError
from qa.lexical import STOPWORDS, terms, words
from qa.lexicon import ANSWER_CATEGORIES, NUMBER_WORDS, OPPOSITES, PEOPLE_NOUNS, QUOTED_NOUNS
from qa.question import (
    PRONOUNS,
    QUESTION_WORDS,
    SAME_WORD,
    SpeakerIndex,
    Vocabulary,
    answer_type,
    asked_subject,
    clean_question,
    compatible,
    defined_subject,
    focus_heads,
    foreign_names,
    holds,
    kind_asked,
    parse,
    pronoun,
    says,
    speaker_scores,
    speaker_words,
    speakers_named,
    things_asked,
    topic_words,
    unknown_names,
    unknown_numbers,
)
from qa.reference import organisations, references
from qa.retrieval import ANSWER_SHAPES, Hit, Searcher, within
from qa.speech import name_gender

_NEXT = re.compile(r"\b(?:next|after that|afterwards|then|went on)\b", re.IGNORECASE)
_NEXT_WORDS = frozenset(terms("next after that afterwards then went on"))
_CAPITALS = re.compile(r"\b(?:[A-Z]\.){2,3}|\b[A-Z]{2,4}\b")  # "US", "U.S.": a country may go by its code
# the date of one event: an auxiliary in the past or the future right after the question word
_DATED = re.compile(
    r"^\s*(?:when|(?:in |by )?(?:what|which) (?:year|date|day|week|month|century|decade))"
    r" (?:was|were|did|(?P<future>will)|would|had)\b",
    re.IGNORECASE,
)
# times, seasons and eras that the ranking's date shape leaves out: "5 pm", "next spring",
# "later this year", "22,000 years ago", "AD 14"
_CLOCK = re.compile(
    r"\b\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\b|o'clock)|\b(?:noon|midnight|tonight|tomorrow)\b"
    r"|\b(?:spring|summer|autumn|winter|quarter|weekend|morning|afternoon|evening|night|overnight|dawn)s?\b"
    r"|\bwithin\s+(?:an?\s+|\w+\s+)?(?:minute|hour|day|week|month|year)s?\b"
    r"|\b(?:minutes|hours|days|weeks|months)\s+(?:ago|earlier|later|before|after)\b"
    r"|\b(?:since|until|till|before|after|during)\s+(?:the|its|his|her|their)\b"
    r"|\b(?:next|last|this|coming|past|previous|following|same)\s+(?:\w+\s+)?(?:week|month|year|decade|season)s?\b"
    r"|\b(?:later|earlier)\s+(?:in\s+)?(?:the|this|that)\s+(?:day|week|month|year|decade)\b"
    r"|\b(?:years?|decades?|centuries|millennia|million|billion)\s+(?:ago|earlier|later|before|after)\b"
    r"|\b(?-i:BCE?|CE|AD|B\.C\.|A\.D\.)(?=\W|$)|\b\d+(?:st|nd|rd|th)\s+(?:century|millennium)\b",
    re.IGNORECASE,
)
_DATED_DEPTH = 3  # the closest passages a dated question's answer must find a date among
# "When was the firm founded?", "What year was she born?": the date a thing began, asked with
# the verb at the question's end; the date must stand beside a word for that beginning
_ORIGIN = re.compile(
    r"^\s*(?:when|(?:in )?(?:what|which) year) (?:was|were|did) .+?\b(?P<verb>found|founded|establish|established"
    r"|form|formed|create|created|born|build|built|launch|launched|open|opened)"
    r"(?:\s+(?:by|in|at|on|as|near)\b[^?]*)?\s*\??\s*$",
    re.IGNORECASE,
)
_FOUNDED = r"found(?:ed|ing|er|ers|ation)?|establish\w*|set up"
_ORIGINS = {
    verb: re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
    for verb, words in (
        ("found", _FOUNDED),
        ("establish", _FOUNDED + r"|creat\w*|form(?:ed|ation)"),
        ("form", _FOUNDED + r"|creat\w*|form(?:ed|ation|ing)"),
        ("creat", _FOUNDED + r"|creat\w*|form(?:ed|ation)|made|introduc\w*|enact\w*|passed|signed|adopt\w*"),
        ("born", r"born|birth|\(\s*(?:b\.\s*)?\d{3,4}\s*[-\u2013]"),
        ("buil", r"buil[td]\w*|construct\w*|erect\w*|complet\w*"),
        ("launch", r"launch\w*|introduc\w*|debut\w*|start\w*|unveil\w*|releas\w*|began|begun|on sale"),
        ("open", r"open\w*|inaugurat\w*"),
    )
}
# "How far is the hospital?", "How tall is the tower?", "How long did the strike last?": a
# question after a measure, which takes a figure with its unit (or, for how long, a date it
# runs from: "since 1957")
_MEASURED = re.compile(r"^\s*how (?P<kind>far|tall|high|deep|wide|heavy|long)\b", re.IGNORECASE)
_MEASURE = re.compile(
    rf"\b(?:\d[\d,.]*|{NUMBER_WORDS}|fifteen|twenty|thirty"
    r"|forty|fifty|sixty|hundreds?|thousands?|millions?|several|few|an?|half|dozens?)"
    r"(?:[\s-]+[\w.]+)?[\s-]+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)"
    r"|millenni(?:um|a)|mm|cm|m|km|metres?|meters?|kilomet(?:re|er)s?|miles?|feet|foot|ft|inch(?:es)?|yards?"
    r"|acres?|hectares?|square|kg|kilo(?:gram)?s?|tonnes?|tons?|pounds?|lbs?|grams?|litres?|liters?|gallons?"
    r"|storeys?|stories|floors?|light-years?)\b"
    r"|\b\d[\d,.]*\s*(?:km|m|cm|mm|ft|kg|mi|lb)\b",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\b", re.IGNORECASE)  # "since the treaty": the start of a span
# a question after a sum of money: "How much did the arena cost?", "What was its revenue?"
_PRICED = re.compile(
    r"^\s*(?:how much (?!of\b)(?:money\b|.*\b(?:cost|costs|costing|pay|pays|paid|paying|spend|spends|spent"
    r"|spending|invest|invests|invested|investing|earn|earns|earned|earning|charge|charges|charged|worth"
    r"|owe|owes|owed|sell for|sold for|buy for|bought for)\b)"
    r"|(?:what|how much) (?:is|was|are|were) (?:the |its |their |his |her )?(?:[\w'\u2019]+ ){0,2}"
    r"(?:price|cost|revenue|budget|salary|fee|fare|turnover|profit)s?\b)",
    re.IGNORECASE,
)
# a sum of money (or the word that says none is asked: "entry is free")
_MONEY = re.compile(
    r"[$\u00a3\u20ac\u00a5\u20b9]|\b(?:dollars?|pounds?|euros?|yuan|renminbi|yen|francs?|cents?|pence|lira|lire"
    r"|marks|rupees?|roubles?|rubles?|pesos?|krona|kronor|kroner|shillings?|guineas?|USD|GBP|EUR|RMB|CAD|AUD|free)\b",
    re.IGNORECASE,
)
# a question after what did not happen: "Which issues did the treaty not settle?"; "whether or
# not" and a condition ("What happens if a member does not vote?") deny nothing
_NEGATED = re.compile(r"\b(?P<word>not|never|no longer|neither|nor|without)\b|(?P<short>n't)\b", re.IGNORECASE)
_NO_DENIAL = re.compile(r"\b(?:whether )?or not\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|unless)\b", re.IGNORECASE)
# a question that starts with its verb asks yes or no: with a negation it asks to confirm
# ("Didn't Ann Lee found Acme?"), and a passage saying the opposite answers it ("Did sales
# fall?" beside "sales rose")
_YES_NO = re.compile(
    r"^\W*(?:is|are|was|were|am|do|does|did|has|have|had|can|could|will|would|shall|should|may|might|must"
    r"|need|ca|wo|sha|ai)(?:n['\u2019]t)?\b",
    re.IGNORECASE,
)
# what a sentence that denies or withholds says: the negations, and words that mean as much
_DENIES = re.compile(
    r"\b(?:not|never|no|none|nothing|nobody|nowhere|neither|nor|without|cannot|unable|fail(?:s|ed|ing|ure)?"
    r"|lack(?:s|ed|ing)?|refus\w*|den(?:y|ies|ied)|reject\w*|absen\w*|except|instead|rather|unlike)\b|n't\b",
    re.IGNORECASE,
)
# what tells that a sentence's date is one still to come (or one set in advance)
_AHEAD = re.compile(
    r"\b(?:will|would|shall|scheduled|due|set to|expected|expects?|plans?|planned|planning|upcoming|later"
    r"|until|from now|takes? effect|is to|are to|begins?|starts?|opens?)\b|'ll\b",
    re.IGNORECASE,
)
_ELSE = re.compile(r"\b(?:else|more|other|another|besides|apart from|as well|also)\b", re.IGNORECASE)
_WHO_IS = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\b", re.IGNORECASE)
_WHAT_WHO = re.compile(r"^\s*(?:what|which|where|who|whom)\b", re.IGNORECASE)
# a question after where the last answer's words come from: "What's the source?", "According to whom?"
_SOURCE = re.compile(
    r"^\s*(?:where\s+(?:does|did|do)\s+(?:that|this|those|these|it)\b.*\bcome\s+from\b"
    r"|where\s+(?:is|was|are|were)\s+(?:that|this|it|those|these)\s+from\b"
    r"|what(?:'s|\u2019s|\s+is|\s+was|\s+are)\s+(?:the\s+|their\s+|his\s+|her\s+|its\s+)?sources?\b"
    r"|according\s+to\s+(?:whom|who)\b|says\s+who\b|who\s+says\b)",
    re.IGNORECASE,
)
_WHO_IS_ROLE = re.compile(
    r"^\s*who\s+(?:is|was)\s+(?:the\s+|its\s+|their\s+|his\s+|her\s+|[A-Z][\w-]*(?:'s|\u2019s)\s+)", re.IGNORECASE
)
_WHO_SAID = re.compile(r"^\s*who\b(?!\s+(?:is|was|are|were)\b)", re.IGNORECASE)
_DENSE_MARGIN = 0.06  # further quotes must be about as close to the question as the first ...
_LEXICAL_SHARE = 0.4  # ... and share a fair part of its matching words
_HISTORY_TURNS = 6  # earlier turns that can shape an answer
_MEMO_SIZE = 4096
_SPEAKER_LIST_MAX = 12

_NOT_IN_ARTICLE = "The article does not say."


@dataclass(frozen=True)
class Answer:
    """What the bot replies: the quotes it shows, or an honest abstention."""

    question: str
    hits: tuple[Hit, ...]
    abstained: bool
    markdown: str
    message: str = ""
    speaker: str | None = None  # the speaker the question was taken to be about
    reason: str = ""  # why it abstained, for logs and evaluation
    ranked: tuple[Hit, ...] = field(default=(), repr=False)  # the candidates behind `hits`, best first
    preface: str = field(default="", repr=False)  # what leads the quotes ("That is everything ...")
    who_said: bool = field(default=False, repr=False)
    confidence: float | None = None  # the refusal model's probability that the article answers
    features: dict[str, float] = field(default_factory=dict, repr=False)  # what the refusal model read
    marked: bool = field(default=True, repr=False)  # mark the evidence sentences in each quote
    # the words searched with: a follow-up's own, after those of the turn it leans on
    query: str = field(default="", repr=False)

    def render(self, after: Callable[[Hit], str] | None = None) -> str:
        """The reply as Markdown; `after` adds something under each quote (the chat's source view)."""
        if self.abstained:
            return self.markdown
        body = render(self.hits, who_said=self.who_said, after=after, marked=self.marked)
        return "\n\n".join(filter(None, [self.preface, body]))

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "message": self.message,
            "speaker": self.speaker,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "hits": [h.to_json() for h in self.hits],
            "markdown": self.markdown,
        }


class Retriever(Searcher):
    """Search an index of attributed chunks; answer questions with the article's own words."""

    def __init__(self, *args: Any, refusal: Refusal | None = None, exact: bool = False, **kwargs: Any) -> None:
        """`exact`: always read every refusal feature, parse included (for fitting the model);
        otherwise the question is parsed only when the parse could change the decision."""
        super().__init__(*args, **kwargs)
        self.refusal = refusal or refusal_model()
        self.exact = exact

    def answer(
        self,
        question: str,
        history: Sequence[str] | None = None,
        *,
        k: int = 3,
        speaker: str | None = None,
        doc: str | None = None,
    ) -> Answer:
        """Answer with the article's words, or abstain when it does not say.

        Args:
            question: what the user asks.
            history: the earlier user turns of the same chat, oldest first; they resolve
                "he", "his company" and "what else".
            k: at most this many quotes.
            speaker: only quote this speaker.
            doc: only quote this article (its doc id); every article when None.
        """
        text = clean_question(question)
        k = max(1, min(int(k), 20))
        turns = [h for h in (history or []) if isinstance(h, str)][-_HISTORY_TURNS:]
        scope = self.doc_chunks(doc)
        return _answer(self, text, _replay(self, turns, k, scope), k=k, speaker=speaker, scope=scope)


# ---------------------------------------------------------------- the refusal model


@dataclass(frozen=True)
class Refusal:
    """A logistic model of "the article answers this", fitted by `python -m bench fit`."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the probability is at least this
    version: int

    def probability(self, values: dict[str, float]) -> float:
        return _sigmoid(self.bias + sum(w * values[name] for name, w in zip(self.features, self.weights, strict=True)))

    def bounds(self, values: dict[str, float], free: dict[str, tuple[float, float]]) -> tuple[float, float]:
        """The lowest and highest probability over every value the `free` features may take
        (each within its range); the others are as given."""
        low = high = self.bias
        for name, w in zip(self.features, self.weights, strict=True):
            a, b = (w * free[name][0], w * free[name][1]) if name in free else (w * values[name],) * 2
            low, high = low + min(a, b), high + max(a, b)
        return _sigmoid(low), _sigmoid(high)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@lru_cache(maxsize=1)
def refusal_model() -> Refusal:
    data = json.loads((Path(__file__).resolve().parent / "data" / "refusal.json").read_text(encoding="utf-8"))
    return Refusal(
        features=tuple(data["features"]),
        weights=tuple(float(w) for w in data["weights"]),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        version=int(data["version"]),
    )


FEATURES = (
    "evidence",
    "chunk",
    "margin",
    "covered_top",
    "covered_evidence",
    "covered_article",
    "covered_things",
    "unknown_names",
    "focus_missing",
)


PARSED = ("covered_things", "unknown_names", "focus_missing")  # the features read from a parse


def decision_features(
    retriever: Searcher,
    text: str,
    ranked: Sequence[Hit],
    topic: dict[str, str],
    missing: list[str],
) -> dict[str, float]:
    """What the refusal model reads, but for the PARSED features: how close the best evidence
    is, and how much of the question the best passage and the whole article cover.

    `topic` is every content word of the question (names of speakers included) and `missing`
    those the article neither uses nor paraphrases."""
    _surface, chunk_terms = _vocabulary(retriever)
    top = ranked[0] if ranked else None
    second = max((h.evidence_score for h in ranked[1:]), default=0.0)
    stems = set(topic.values())
    covered_top = len(stems & chunk_terms[top.chunk_id]) / len(stems) if top and stems else 1.0
    evidence_terms = set(terms(" ".join(top.evidence_text()))) if top else set()
    covered_evidence = len(stems & evidence_terms) / len(stems) if top and stems else 1.0
    return {
        "evidence": top.evidence_score if top else 0.0,
        "chunk": top.dense if top else 0.0,
        "margin": (top.evidence_score - second) if top else 0.0,
        "covered_top": covered_top,
        "covered_evidence": covered_evidence,
        "covered_article": 1.0 - len(missing) / len(topic) if topic else 1.0,
    }


def parsed_features(
    retriever: Searcher, text: str, topic: dict[str, str], missing: list[str], surface: set[str] | None = None
) -> dict[str, float]:
    """The refusal features read from the question's parse: which of its nouns the article
    lacks, whether it names someone the article never mentions (`surface`: the article's
    words; the whole index's when None), whether what it asks for (its focus noun) is missing."""
    if surface is None:
        surface, _ = _vocabulary(retriever)
    things = things_asked(text) & set(topic)
    return {
        "covered_things": 1.0 - len(things & set(missing)) / len(things) if things else 1.0,
        "unknown_names": float(bool(unknown_names(text, surface))),
        "focus_missing": float(any(w in missing for w in focus_heads(text))),
    }


def parse_ranges(missing: list[str]) -> dict[str, tuple[float, float]]:
    """The values the PARSED features can take before the parse is read: with nothing
    missing, every noun and the focus are covered; only an unknown name is open."""
    if not missing:
        return {"covered_things": (1.0, 1.0), "unknown_names": (0.0, 1.0), "focus_missing": (0.0, 0.0)}
    return {name: (0.0, 1.0) for name in PARSED}


def decide(
    model: Refusal,
    values: dict[str, float],
    parse: Callable[[], dict[str, float]],
    *,
    free: dict[str, tuple[float, float]],
    exact: bool,
) -> tuple[bool, float, dict[str, float]]:
    """Answer or refuse: (answers, confidence, features). The parse is read only when its
    features could turn the decision (or when `exact`); unread, the confidence is the lowest
    the model could give, and the parsed features are absent from the returned values."""
    if not exact:
        low, high = model.bounds(values, free)
        if low >= model.threshold:
            return True, low, values
        if high < model.threshold:
            return False, high, values
    values = {**values, **parse()}
    confidence = model.probability(values)
    return confidence >= model.threshold, confidence, values


# ---------------------------------------------------------------- the answer


@dataclass(frozen=True)
class _Context:
    """What the conversation so far tells the next question: who it was about, what was shown."""

    speakers: tuple[str, ...] = ()  # the speaker each earlier answer was about, oldest first
    shown: frozenset[int] = frozenset()
    turns: int = 0
    last: int | None = None  # the passage the last answer quoted first
    asked: str | None = None  # what the last turn asked, as it was searched

    def after(self, previous: Answer | None) -> _Context:
        if previous is None:  # a turn that could not be read tells the next one nothing
            return replace(self, turns=self.turns + 1, last=None, asked=None)
        speakers = (*self.speakers, previous.speaker) if previous.speaker else self.speakers
        first = previous.hits[0].chunk_id if previous.hits and not previous.abstained else None
        asked = previous.query or previous.question
        return _Context(speakers, self.shown | {h.chunk_id for h in previous.hits}, self.turns + 1, first, asked)


def _replay(retriever: Searcher, history: list[str], k: int, scope: list[int] | None = None) -> _Context:
    """Answer the earlier turns once each, in order; memoised so a chat costs one answer a turn."""
    memo: dict[tuple[tuple[str, ...], int, tuple[int, ...]], _Context] = retriever.__dict__.setdefault("_replays", {})
    context = _Context()
    for i, turn in enumerate(history):
        key = (tuple(history[: i + 1]), k, tuple(scope or ()))
        cached = memo.get(key)
        if cached is None:
            try:
                previous: Answer | None = _answer(
                    retriever, clean_question(turn), context, k=k, speaker=None, scope=scope
                )
            except ValueError:
                previous = None
            cached = context.after(previous)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = cached
        context = cached
    return context


def _own_subject(question: str, named: list[Speaker]) -> bool:
    """Does the question name what it is about: a speaker, or a name that a pronoun after it
    refers back to ("When did Acme start its plan?")?"""
    if named:
        return True
    tokens = _WORD.findall(question)
    first = next((i for i, t in enumerate(tokens) if t.lower() in PRONOUNS), len(tokens))
    return any(t[:1].isupper() for t in tokens[1:first])


_WORD = re.compile(r"[\w'\u2019-]+")
_ELLIPTIC = re.compile(r"^\s*(?:and|but|what about|how about|what of)\b", re.IGNORECASE)


def _leans_on(question: str, named: list[Speaker]) -> bool:
    """Does the question lean on the turn before it: "And the opposition?", "How often?",
    "Who counted them?", "Where does that figure come from?", "Who said so?" A question that
    names its own subject stands alone ("When did Acme start its plan?")."""
    if _ELLIPTIC.match(question):
        return True
    if _own_subject(question, named):
        return False
    if _points_back(question) or pronoun(question) is not None:
        return True
    return len(topic_words(question, set())) <= 1


_BARE = frozenset("what who whom whose when where why how which much many".split())


def _bare(question: str) -> bool:
    """Is the question no more than its question words: "Why?", "How many?" """
    return all(w in _BARE for w in words(question))


def _points_back(question: str) -> bool:
    """Does the question point at what was said before: "Where does that figure come from?",
    "Who said so?", "Is this new?" """
    tokens = [t.lower() for t in _WORD.findall(question)]
    for i, token in enumerate(tokens):
        if token in ("this", "these", "those"):
            return True
        # "that" points back at the start, the end or after a small word ("is that", "did that
        # program"); after a noun or a verb it starts a clause ("the firm that", "said that")
        if token == "that" and (i in (0, len(tokens) - 1) or tokens[i - 1] in STOPWORDS):
            return True
    return bool(tokens) and tokens[-1] == "so"  # "Who said so?"


_POSSESSIVES = frozenset({"his", "its", "their", "hers", "theirs"})


def _naming(question: str, name: str, wanted: str | None) -> str:
    """The question with the pronouns that stand for one speaker (`wanted`: "he", "she", "it",
    "they") replaced by their name: "What is her job?" -> "What is Ann Lee's job?", "Did she
    vote?" -> "Did Ann Lee vote?"."""
    tokens = re.split(r"(\W+)", question)
    out = []
    for i, token in enumerate(tokens):
        low = token.lower()
        if wanted is None or PRONOUNS.get(low) != wanted or low.endswith("self"):
            out.append(token)
            continue
        after = next((t for t in tokens[i + 1 :] if t.strip() and re.match(r"\w", t)), "")
        possessive = low in _POSSESSIVES or (low == "her" and after != "" and after.lower() not in STOPWORDS)
        out.append(f"{name}'s" if possessive else name)
    return "".join(out)


def _carried(
    question: str, named: list[Speaker], context: _Context, retriever: Searcher
) -> tuple[list[Speaker], list[Speaker] | None, str | None]:
    """The speaker a follow-up is about, from the conversation; for a pronoun left unresolved,
    the quoted people it could stand for (none, or several), else None; and, where no speaker
    of the chat fits a "he" or "she", the person the last question named whom the article
    mentions without quoting."""
    if _own_subject(question, named):
        return [], None, None
    wanted = pronoun(question)
    follow = (
        wanted is not None
        or bool(_ELLIPTIC.match(question))
        or bool(_ELSE.search(question) and not set(terms(question)) - QUESTION_WORDS)
    )
    if not follow:
        return [], None, None
    index = retriever.speaker_index
    for name in reversed(context.speakers):
        speaker = index.speakers.get(name)
        if speaker and (wanted is None or compatible(speaker, wanted)):
            return [speaker], None, None
    if wanted in ("he", "she"):
        person = _person_asked(retriever, context.asked, wanted)
        if person is not None:
            return [], None, person
        fits = [s for s in retriever.speakers if compatible(s, wanted)]
        if len(fits) == 1:
            return fits, None, None
        return [], fits, None
    return [], None, None


def _person_asked(retriever: Searcher, asked: str | None, wanted: str | None) -> str | None:
    """ "Who was Alexandre Yersin?" then "What was named after him?": the one person the last
    question named, every word of the name the article's, whose given name fits the pronoun."""
    if not asked or wanted not in ("he", "she"):
        return None
    found = []
    run: list[Any] = []
    for token in [*parse(asked), None]:
        proper = token is not None and token.pos_ == "PROPN" and token.text[:1].isupper()
        if proper or (token is not None and run and token.text == "-" and not token.whitespace_):
            run.append(token)  # "Paul-Louis Simond" parses as "Paul", "-", "Louis", "Simond"
            continue
        name = asked[run[0].idx : run[-1].idx + len(run[-1].text)] if run else ""
        run = []
        parts = name.split()
        if len(parts) < 2 or not _uses(retriever, name):
            continue
        given = parts[0].split("-")[0]  # the given name's first part tells: "Paul" of "Paul-Louis"
        if name_gender(" ".join([given, *parts[1:]])) == wanted:
            found.append(name)
    return found[0] if len(found) == 1 else None


def _speaker_list(question: str, named: bool) -> bool:
    """ "Who spoke?", "Who gave their views?", "Which people does the reporter quote?", "List the
    speakers in the story", "How many people are quoted?": a question for people that asks about
    nothing but speaking (at most a short place phrase, "at the event", and words for the article itself)."""
    tokens = words(question)
    if named or not tokens:
        return False
    if tokens[0] in _LISTING:
        if not set(tokens) & (QUOTED_NOUNS | PEOPLE_NOUNS):
            return False  # "Name the company": a thing
        tokens = tokens[1:]
    elif tokens[:2] == ["how", "many"] and len(tokens) > 2 and tokens[2] in QUOTED_NOUNS | PEOPLE_NOUNS:
        # "How many speakers are there?", "How many people are quoted?"; not "How many people
        # in Paris died?", whose place phrase is no setting of the speaking
        rest = set(topic_words(" ".join(tokens[3:]), set()).values())
        return not rest - _ARTICLE
    elif tokens[0] not in ("who", "whom", "which"):
        return False
    elif tokens[0] == "which" and (len(tokens) < 2 or tokens[1] not in PEOPLE_NOUNS):
        return False  # "Which report is cited?" asks for a thing
    if len(tokens) <= 4 and set(tokens) & QUOTED_NOUNS:
        return True  # "Who are the speakers?"
    at = next((i for i, t in enumerate(tokens) if i and t in ("at", "in", "during")), len(tokens))
    if len(tokens) - at > 5:
        at = len(tokens)  # a long phrase after "in" is a topic, not a place
    rest = set(topic_words(" ".join(tokens[:at]), set()).values()) - set(terms(" ".join(PEOPLE_NOUNS)))
    return not rest - _ARTICLE


_LISTING = frozenset({"list", "name"})  # "List the speakers", "Name the people quoted"
_ARTICLE_NOUNS = frozenset(terms("article story piece news text"))
_ARTICLE = _ARTICLE_NOUNS | frozenset(terms("report reporter journalist"))  # the article and who wrote it
_ABOUT = frozenset(
    terms(
        "article story text piece report news main point gist topic subject summary summarize summarise recap synopsis "
        "takeaway takeaways highlight highlights"
    )
)
_BRIEF = frozenset(terms("one line sentence brief briefly short few words quick overview nutshell"))
_COVERING = frozenset(terms("about cover covers covered covering report reported reporting on from"))
_COVERAGE = re.compile(r"\breport(?:s|ed|ing)?\s+(?:on|from)\b|\bcover(?:s|ed|ing)?\b", re.IGNORECASE)


def _about_article(question: str) -> bool:
    """ "What is the article about?", "Summarize the story in one line", "Which event is the
    story about?": nothing to look for but the lead. The thing a "what X" / "which X" question
    asks for may be anything, as long as the rest is about the article itself ("Which report
    is cited?" asks about something the article cites, not about the article)."""
    tokens = words(question)
    asked = set()
    if len(tokens) > 1 and tokens[0] in ("what", "which") and tokens[1] not in STOPWORDS:
        asked = set(terms(tokens[1])) - _ABOUT
    stems = set(terms(question)) - asked
    if not asked:
        return bool(stems & _ABOUT) and stems <= _ABOUT | _BRIEF | (QUESTION_WORDS - set(terms("say said tell quote")))
    # beside the thing asked, only the article or its coverage: "which X is the story about",
    # "what X is being reported on", but not "what losses were reported" (the X reported)
    names_article = bool(stems & _ARTICLE_NOUNS) or bool(_COVERAGE.search(question))
    return names_article and stems <= _ABOUT | _COVERING


def _answer(
    retriever: Searcher, text: str, context: _Context, *, k: int, speaker: str | None, scope: list[int] | None = None
) -> Answer:
    """The answer to a cleaned question, given what the conversation so far has shown;
    `scope`: the chunk ids of the article asked about (None: every article)."""
    index = retriever.speaker_index
    named = [s for s in retriever.speakers if s.name == speaker] if speaker else speakers_named(text, index)
    docs = None if scope is None else {retriever.chunks[i].doc for i in scope}
    if docs is not None:
        named = [s for s in named if s.doc is None or s.doc in docs]
    if (
        not speaker
        and context.last is not None
        and ((_WHO_SAID.match(text) and _points_back(text)) or _SOURCE.match(text))
        and len(topic_words(text, set())) <= 2
    ):
        # "Who said so?", "Who made that claim?", "Where does that figure come from?": whoever
        # the last answer quoted first
        shown = [retriever.hit(context.last)]
        markdown = render(shown, who_said=True, marked=False)
        return replace(_passages(text, "", shown), who_said=True, speaker=shown[0].speaker, markdown=markdown)
    # "the reporter", "the report" may match a speaker's role word; they name the article here
    if not speaker and _speaker_list(text, bool(named) and bool(speakers_named(_without(text, _ARTICLE), index))):
        return _list_speakers(retriever, text, docs)
    if not speaker and _about_article(text):
        return _lead(retriever, text, k, docs)
    office = None if speaker or not _WHO_IS_ROLE.match(text) else _role_holder(retriever, text, docs)
    if office is not None and all(s.name == office.name for s in named):
        # "Who is the health minister?", "Who is Northwind's chief executive?": the speaker whose
        # role it is, where the article names them
        found = _named_at(retriever, office, scope)
        if found is not None:
            role = f" ({as_text(office.role)})" if office.role else ""
            return replace(_passages(text, f"**{as_text(office.name)}**{role}:", [found]), speaker=office.name)
    subject = None if named else asked_subject(text)
    if subject:
        named = _described(subject, index)
        if not named and not _plural_description(subject) and not _mentioned(retriever, subject):
            return _abstain(text, f"the article quotes no {subject.removeprefix('the ')}", None)
    view = holds(text)
    holder = None if named or subject else view
    if holder:
        named = _described(holder, index)  # "What does the Xiaomi boss think ...", if someone fits

    carried, unresolved, person = ([], None, None) if speaker else _carried(text, named, context, retriever)
    leans = context.asked is not None and not speaker and _leans_on(text, named)
    if unresolved is not None:
        who = pronoun(text)
        if not context.turns:
            return _abstain(
                text, f"'{who}' points back to an earlier question, and there is none: ask about someone by name", None
            )
        if unresolved:
            # the earlier answers were about no one who fits, and the article quotes several:
            # those the article calls "he" or "she" first named, else those it never does
            fits = [s for s in unresolved if s.gender == who] or unresolved
            listed = ", ".join(s.name for s in fits[:4]) + (" ..." if len(fits) > 4 else "")
            return _abstain(text, f"'{who}' could be any of {listed}: ask about one by name", None)
        return _abstain(text, f"no one quoted in the article fits '{who}'", None)
    focus = named or carried
    if speaker and not retriever.speaker_chunks(speaker):
        return _abstain(text, f"the article quotes no one called {speaker}", speaker)

    # the words that name the speaker: from the subject of "what did X say about Y" when there is
    # one, so that Y's words stay the topic even where they echo X's role ("cybersecurity")
    asked = says(text) or view
    used_by_speaker = speaker_words(asked or text, named, index) if named and not speaker else set()
    if subject and named:
        used_by_speaker |= set(terms(subject))  # "the institute boss": every word of it described who
    topic = topic_words(text, used_by_speaker)
    if not topic and not focus and not speaker and not context.turns and not _CAPITALS.search(text):
        # nothing to look for and no turn before it: "Why?", "And?", "What does it mean?" lean
        # on a question that was never asked ("he" and "she" were read above, as a speaker or
        # as unresolved); "What happened?", "Tell me more" ask about the article as a whole
        if _bare(text) or _ELLIPTIC.match(text) or pronoun(text) == "it":
            return _abstain(text, "it points back to an earlier question, and there is none: ask it in full", None)
        return _lead(retriever, text, k, docs)
    # the explicit filter, or "what did X (or he) say (about Y)", "what else did he say" confine
    # the search to that speaker; a speaker named or referred to in any other way only leads it
    asks_speaker = bool(focus) and asked is not None
    confine = speaker is not None or (bool(focus) and not topic) or asks_speaker
    confined = [i for s in focus for i in retriever.speaker_chunks(s.name)] if confine and focus else None
    restrict = within(confined, scope)
    wants_more = bool(_ELSE.search(text)) and context.turns > 0
    exclude = set(context.shown) if wants_more else set()
    if context.last is not None and _NEXT.search(text) and not set(topic.values()) - _NEXT_WORDS:
        following = _following(retriever, context.last, focus if carried or speaker else [])
        if following is not None:
            return replace(_passages(text, "Next in the article:", [following]), speaker=following.speaker)

    # confined to a speaker, the words that named them tell the passages nothing: search without them
    query = _without(text, used_by_speaker) if confined is not None and used_by_speaker and topic else text
    if leans and confined is None:
        if len(carried) == 1:
            # the speaker the pronoun stands for fills the gap: "Where does she teach?" after a
            # question about Lena Park asks "Where does Lena Park teach?"; "that" still points
            # at what the last turn asked ("What share of its workforce is that?")
            query = _naming(query, carried[0].name, pronoun(text))
            if _points_back(text):
                query = f"{context.asked} {query}"
        elif person is not None:
            # a person the article names without quoting: "What was named after Alexandre Yersin?"
            query = _naming(query, person, pronoun(text))
        elif not carried:
            # otherwise it is searched after the turn it leans on: "How often?" after "What
            # will the province send?"
            query = f"{context.asked} {query}"
    surface, chunk_terms = _vocabulary(retriever)
    pool = restrict if restrict is not None else list(chunk_terms)
    boost = [s.name for s in focus] if focus and confined is None else []
    # with several articles and none picked, "the article" whose coverage the refusal reads is
    # the one the best passage stands in, as it is when an index holds one article
    lead = _leading_article(retriever, query, restrict, boost, text) if scope is None else None
    if lead is not None:
        pool = [i for i in pool if retriever.chunks[i].doc == lead]
        surface = _article_words(retriever, lead)
    covered = set().union(*(chunk_terms[i] for i in pool)) if pool else set()
    # for coverage, the words that found a speaker count too; a follow-up's are those it was
    # searched with ("Where does Lena Park teach?")
    everything = topic_words(query if leans else text, set())
    unmatched = [w for w, stem in everything.items() if stem not in covered]
    mended = _mended(surface, unmatched, covered)
    if mended:
        # "What did Qi say about safty?": a slip of the keyboard is searched and counted as
        # the word it missed
        query, typed = _respelled(query, mended), _respelled(text, mended)
        everything = topic_words(query if leans else typed, set())
        unmatched = [w for w, stem in everything.items() if stem not in covered]
    vectors = retriever.encode_many([query, *unmatched])
    limited = restrict is not None or lead is not None
    missing = _still_missing(retriever, unmatched, vectors[1:], covered if limited else None)
    if missing:  # the parse is read only where a word is missing (it costs a model load when cold)
        kinds = kind_asked(text)
        missing = [w for w in missing if everything[w] not in kinds]

    ranked = [
        h
        for h in retriever.rank(
            query,
            restrict=restrict,
            vector=vectors[:1],
            limit=k + len(exclude) + 10,
            boost=boost,
            kind=answer_type(text),
            defined=defined_subject(text),
        )
        if h.chunk_id not in exclude
    ]
    focus_name = focus[0].name if len(focus) == 1 else None
    repeat = ""
    if not ranked and exclude and confined:
        # nothing new from this speaker: say so, and show again what there is
        ranked = retriever.rank(text, restrict=restrict, vector=vectors[:1], limit=k + 10)
        who = as_text(focus_name) if focus_name else "this speaker"
        repeat = f"**That is everything the article quotes from {who}.** Shown before:"
    if not ranked:
        return _abstain(text, "no passage of the article matches", focus_name)

    if focus_name and topic and set(topic.values()) <= _ROLE_WORDS and focus[0].role and _WHAT_WHO.match(text):
        # "What is her job?", "Where does he work?", "Which university is she from?": the
        # passage that introduces them by name and role
        ids = within(retriever.speaker_chunks(focus_name), restrict if speaker else scope) or []
        introduced = _introduction(retriever, focus_name, ids)
        if introduced is not None:
            return replace(_passages(text, "", [introduced]), speaker=focus_name, query=query)
    if person and topic and set(topic.values()) <= _ROLE_WORDS and _WHAT_WHO.match(text):
        # the same about a person the article names without quoting: the passage naming them
        ids = within([c.id for c in retriever.chunks if person in c.text], scope) or []
        introduced = _introduction(retriever, person, ids)
        if introduced is not None:
            return replace(_passages(text, "", [introduced]), query=query)
    # a figure or a code the article never writes: what comes close holds another figure
    # ("What did she say about 5G?", "How many homes burned in 2019?")
    foreign = foreign_names(text, surface) + unknown_numbers(text, surface)
    if foreign:
        # a person, place or firm the article never names: whatever passage comes close is about
        # someone else ("How many models does Peru have?" beside another country's figures)
        return _abstain(text, f"the article never mentions {', '.join(foreign)}", focus_name)
    confidence: float | None = None
    values: dict[str, float] = {}
    if topic or not focus:
        model: Refusal = getattr(retriever, "refusal", None) or refusal_model()
        answers, confidence, values = decide(
            model,
            decision_features(retriever, text, ranked, everything, missing),
            lambda: parsed_features(retriever, text, everything, missing, surface),
            free=parse_ranges(missing),
            exact=getattr(retriever, "exact", True),
        )
        lacking = _lacking(retriever, text, ranked[:_DATED_DEPTH]) if answers else None
        answers = answers and lacking is None
        opening = None if answers or confined is not None else _event_lead(retriever, text, everything, lead, docs)
        if opening is not None:
            ranked = [opening] + [h for h in ranked if h.chunk_id != opening.chunk_id]
        elif not answers:
            reason = f"no passage close to it {lacking}" if lacking else _why(missing, text, surface)
            answer = _abstain(text, reason, focus_name, confidence)
            return replace(answer, features=values)

    if answer_type(text) == "where":
        # "Where is Xiaomi based?": once answered, first the passage that calls it "the Beijing-based company"
        based = _based(retriever, text)
        ranked.sort(key=lambda h: h.chunk_id not in based)
    if focus and not topic:
        # "What did X say?" reads X's statements in article order; "Who is X?" starts with
        # the passage that introduces X by name and role
        ranked.sort(key=lambda h: (h.doc, h.start))
        if focus_name and _WHO_IS.match(text):
            intro = [h for h in ranked if h.speaker == focus_name and focus_name in h.text]
            ranked = intro[:1] + [h for h in ranked if h not in intro[:1]]
            k = 1 if intro else k
    shown = _shown(ranked, k, every=bool(focus) and not topic)
    who_said = bool(_WHO_SAID.match(text))
    speaker_out = focus_name or (shown[0].speaker if who_said or len({h.speaker for h in shown}) == 1 else None)
    return Answer(
        question=text,
        hits=tuple(shown),
        abstained=False,
        markdown="\n\n".join(filter(None, [repeat, render(shown, who_said=who_said, marked=bool(topic))])),
        preface=repeat,
        who_said=who_said,
        message="",
        speaker=speaker_out or shown[0].speaker,
        ranked=tuple(ranked[:10]),
        confidence=confidence,
        features=values,
        marked=bool(topic),
        query=query,
    )


_EVENT_FRAME = frozenset(terms("hold held holding host hosted hosting locate located location venue"))
_CATEGORIES = frozenset(terms(" ".join(ANSWER_CATEGORIES)))


def _shown(ranked: Sequence[Hit], k: int, *, every: bool) -> list[Hit]:
    """The passages an answer shows: the best, and of the next ones up to `k` those nearly as
    close to the question (`every`: all of them, as for "What did X say?")."""
    first = ranked[0]
    return [first] + [
        h
        for h in ranked[1:k]
        if every or (h.dense >= first.dense - _DENSE_MARGIN and h.lexical >= _LEXICAL_SHARE * first.lexical)
    ]


def _lacking(retriever: Searcher, text: str, closest: Sequence[Hit]) -> str | None:
    """What none of the closest passages gives that the question asks for by its form (a
    date, a denial, a word the closest sentence says the opposite of, a sum of money, a
    measure) or names (a figure, a name), as the refusal says it
    ("gives a date", "names Kessel"); None when nothing is lacking. A figure or a name the
    article has elsewhere is about something else ("How many visitors came in 1911?" where
    1911 is only the year of the founding; "the Kessel Observatory" of a text about another)."""
    dated = _undated(retriever, text, closest)
    if dated:
        return f"gives {dated}"
    denied = _denied(text, closest)
    if denied:
        return f"says '{denied}' or the like"
    opposed = _opposed(text, closest)
    if opposed:
        return f"says '{opposed[0]}': the closest says '{opposed[1]}'"
    if _unpriced(text, closest):
        return "gives a sum of money"
    if _unmeasured(retriever, text, closest):
        return "gives a measure with its unit"
    index = retriever.speaker_index.speakers
    near = _surface([h.text for h in closest], [index[h.speaker] for h in closest if h.speaker in index])
    named = unknown_numbers(text, near) or foreign_names(text, near, part=True)
    return f"names {' or '.join(named)}" if named else None


def _denied(text: str, closest: Sequence[Hit]) -> str | None:
    """ "What did the court not rule on?", "Who never signed?": a question after what did not
    happen, where the sentences that answer it best deny or withhold nothing; the question's
    negation, as the refusal names it, or None. A passage that affirms ("The treaty settled
    the issues in Europe") is about what did happen, and the question asks for the rest. A
    question that starts with its verb ("Didn't Ann Lee found Acme?") asks to confirm what
    the passage affirms."""
    asked = _CONDITION.split(_NO_DENIAL.sub(" ", text), maxsplit=1)[0]
    negated = _NEGATED.search(asked)
    if negated is None or not closest or _YES_NO.match(text):
        return None
    best = closest[0]
    evidence = " ".join(best.evidence_text()) or best.text
    if _DENIES.search(evidence):
        return None
    return "not" if negated.group("short") else negated.group("word").lower()


_LOWER_WORD = re.compile(r"[a-z]+")  # "north-east" reads as "north" and "east", unlike `words`


def _opposed(text: str, closest: Sequence[Hit]) -> tuple[str, str] | None:
    """ "Who decreased the budget?" where the sentence that answers it best says "increased":
    the question's word and the opposite the sentence says instead, or None. A question that
    says both ("more or less") opposes nothing, and the passage answers a yes-or-no question
    ("Did the budget decrease?") with its opposite."""
    if not closest or _YES_NO.match(text):
        return None
    asked = set(_LOWER_WORD.findall(text.lower()))
    evidence = set(_LOWER_WORD.findall(" ".join(closest[0].evidence_text() or [closest[0].text]).lower()))
    for word in sorted(asked & OPPOSITES.keys()):
        opposite = OPPOSITES[word]
        if word not in evidence and not opposite & asked and opposite & evidence:
            return word, sorted(opposite & evidence)[0]
    return None


def _undated(retriever: Searcher, text: str, closest: Sequence[Hit]) -> str | None:
    """ "When was the firm founded?", "When will the next one be held?": a question after the
    date of one event, where none of the closest passages gives a date or a time; the date it
    lacks, as the refusal names it, or None. Not only the passages an answer would show: a
    headline or a photo caption may come first and hold no date while the next passage does.
    (A question in the present, "When do the rules apply?", asks for a condition as often.)"""
    if not _DATED.match(text):
        return None
    if _to_come(text):
        return None if any(_ahead(text, h.text) for h in closest) else "a date still to come"
    origin = _ORIGIN.match(text)
    if origin:
        # "When was Xiaomi founded?": a date beside the founding, not any date near the firm
        verb = origin.group("verb")
        family = next(words for stem, words in _ORIGINS.items() if verb.lower().startswith(stem))
        return None if any(_dated_beside(h.text, family) for h in closest) else f"a date for '{verb}'"
    shaped = retriever.shapes("when")
    return None if any(shaped[h.chunk_id] or _CLOCK.search(h.text) for h in closest) else "a date"


def _dated_beside(text: str, family: re.Pattern[str]) -> bool:
    """Whether one sentence of a passage holds both a date and one of the words given."""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if (ANSWER_SHAPES["when"].search(sentence) or _CLOCK.search(sentence)) and family.search(sentence):
            return True
    return False


def _unpriced(text: str, closest: Sequence[Hit]) -> bool:
    """ "How much did Xiaomi spend on AI?": a question after a sum of money where none of the
    closest passages names one; what comes close then holds another kind of figure, or none."""
    return bool(_PRICED.match(text)) and not any(_MONEY.search(h.text) for h in closest)


def _unmeasured(retriever: Searcher, text: str, closest: Sequence[Hit]) -> bool:
    """ "How far is the nearest hospital?": a question after a distance, a height, a weight or a
    span of time where none of the closest passages gives a figure with a unit (nor, for "how
    long", a date the span could run from)."""
    asked = _MEASURED.match(text)
    if not asked:
        return False
    shaped = retriever.shapes("when") if asked.group("kind").lower() == "long" else None
    return not any(
        _MEASURE.search(h.text) or (shaped is not None and (shaped[h.chunk_id] or _SINCE.search(h.text)))
        for h in closest
    )


def _to_come(question: str) -> bool:
    """ "When will the next one be held?": a question after the date of something still to come."""
    dated = _DATED.match(question)
    return bool(dated and dated.group("future"))


def _ahead(question: str, text: str) -> bool:
    """Whether a passage gives a date still to come for a "when will" question: one of its
    sentences holds a date or a time and either looks ahead ("will", "is scheduled for") or
    uses the question's own verb ("When will the clinic close?": "... closes on the 31st").
    A report of this year's event, its date beside past or present verbs only, does not."""
    verbs = {stem for token in parse(question) if token.pos_ == "VERB" for stem in terms(token.text)}
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if (ANSWER_SHAPES["when"].search(sentence) or _CLOCK.search(sentence)) and (
            _AHEAD.search(sentence) or verbs & set(terms(sentence))
        ):
            return True
    return False


def _event_lead(
    retriever: Searcher, text: str, topic: dict[str, str], doc: str | None, docs: set[str] | None
) -> Hit | None:
    """ "Where was the summit held?", "When was the vote?": a where or when question about the
    event an article reports, its words all in the article's lead beside a place or a date.
    Such short questions sit far from any passage for the encoder; the lead is where news puts
    them. `doc`: the article of the best passage when the index holds several and none was
    picked; `docs`: the articles picked (None: all)."""
    kind = answer_type(text)
    stems = set(topic.values()) - _EVENT_FRAME - _CATEGORIES  # "in what TOWN": the thing asked
    if kind not in ("where", "when") or not stems:
        return None
    _, chunk_terms = _vocabulary(retriever)
    shaped = retriever.shapes(kind)
    fitting = [
        ids
        for ids in _openings(retriever, {doc} if doc is not None else docs).values()
        if stems <= set().union(*(chunk_terms[i] for i in ids)) and any(shaped[i] for i in ids)
    ]
    if len(fitting) != 1:
        return None  # no lead, or several articles' leads: not a question about one event
    best = retriever.rank(text, restrict=fitting[0], limit=1, kind=kind)
    if not best or (_to_come(text) and not _ahead(text, best[0].text)):
        return None  # "When will the next one be held?": the lead dates this one
    return best[0]


def _based(retriever: Searcher, text: str) -> set[int]:
    """The chunks that place an organisation the question names with a description standing
    for it: "the Beijing-based company" where the article spoke of Xiaomi."""
    placed: list[tuple[int, str]] | None = retriever.__dict__.get("_placed")
    if placed is None:  # (chunk id, organisation) per "the <place>-based ..." (read once per index)
        placed = []
        names = organisations(retriever.speakers)
        for doc in dict.fromkeys(c.doc for c in retriever.chunks):
            chunks = [c for c in retriever.chunks if c.doc == doc]
            source = [" "] * max(c.end for c in chunks)
            for c in chunks:
                source[c.start : c.end] = c.text
            body = "".join(source)
            for ref in references(body, names):
                if "-based" in ref.text(body):
                    placed += [(c.id, ref.name) for c in chunks if c.start <= ref.start < c.end]
        retriever.__dict__["_placed"] = placed
    asked = set(words(text))
    return {cid for cid, name in placed if words(name)[0] in asked}


def _following(retriever: Searcher, anchor: int, focus: Sequence[Speaker]) -> Hit | None:
    """ "What did he say next?": the passage after the one the last answer quoted first, in
    article order; the speaker's own next passage when the follow-up is about them."""
    at = retriever.chunks[anchor]
    names = {s.name for s in focus}
    later = [c for c in retriever.chunks if c.doc == at.doc and c.start > at.start]
    if names:
        later = [c for c in later if c.speaker in names]
    return retriever.hit(min(later, key=lambda c: c.start).id) if later else None


def _without(question: str, stems: AbstractSet[str]) -> str:
    """The question with the words whose stems are given left out."""
    kept = [w for w in re.findall(r"\S+", question) if not (set(terms(w)) and set(terms(w)) <= stems)]
    return " ".join(kept) or question


def _described(subject: str, index: SpeakerIndex) -> list[Speaker]:
    """The speakers a description in a question fits best ("the institute boss"); none for a
    plural one that fits a single speaker ("the tech leaders" are several people, not the one
    whose role says "tech")."""
    loose = speaker_scores(subject, index, loose=True)
    if not loose or (len(loose) == 1 and _plural_description(subject)):
        return []
    best = max(score for score, _ in loose.values())
    return [index.speakers[name] for name, (score, _) in sorted(loose.items()) if score == best]


def _mentioned(retriever: Searcher, subject: str) -> bool:
    """Whether a name the question asks about is one the article uses, quoted or not: "What
    did Murdoch call sport?" where the article tells that Murdoch described it so."""
    return subject[:1].isupper() and _uses(retriever, subject)


def _uses(retriever: Searcher, name: str) -> bool:
    """Whether the article (or a speaker's name or role) has every word of a name."""
    surface, _ = _vocabulary(retriever)
    return all(w in surface for w in words(name))


def _plural_description(subject: str) -> bool:
    """ "the experts", "officials": a description of whoever speaks, not one speaker to look up."""
    bare = re.sub(r"^(?:the|a|an|some|many)\s+", "", subject.strip(), flags=re.IGNORECASE)
    last = bare.split()[-1] if bare.split() else ""
    return last.islower() and last.endswith("s") and not last.endswith("ss")


def _why(missing: list[str], text: str, surface: set[str]) -> str:
    """The plainest true reason for a refusal, from what the model read."""
    unknown = unknown_names(text, surface)
    if unknown:
        return f"the article never mentions {' '.join(unknown)}"
    if missing:
        return f"nothing in the article is about {', '.join(missing)}"
    return "no passage of the article answers it closely enough"


# what a question about who someone is asks for, once their name is set aside: "What is her
# job?", "Where does he work?", "Which university is she from?", "What company does he run?"
_ROLE_WORDS = frozenset(
    terms(
        "work job role position title post occupation profession career employer employ company firm "
        "organisation organization institution university college agency name teach head lead run chair found"
    )
)


def _role_holder(retriever: Searcher, text: str, docs: set[str] | None) -> Speaker | None:
    """The one speaker whose role a "who is the ROLE" question spells out: every word of it
    but the names among their role's words, and of those that do, the one whose role holds
    most of the names ("the founder of Xiaomi"); None when no one or several fit."""
    tokens = _WORD.findall(text)
    # a capitalised word after the first is a name, unless the question has no other word
    # ("Who is the Mayor?", "Who is the CEO of Xiaomi?")
    names = {t for w in tokens[1:] if w[:1].isupper() for t in terms(w)}
    wanted = set(topic_words(text, set()).values())
    plain = wanted - names or wanted
    if not plain:
        return None
    roles: dict[tuple[str | None, str], set[str]] = retriever.__dict__.setdefault("_role_stems", {})  # once per index
    fits = []
    for s in retriever.speakers:
        if not s.named or not s.role or (docs is not None and s.doc is not None and s.doc not in docs):
            continue
        role = roles.get((s.doc, s.name))
        if role is None:
            role = roles[(s.doc, s.name)] = set(terms(s.role))
        if plain <= role:
            fits.append((len(names & role), s))
    if not fits:
        return None
    best = max(n for n, _ in fits)
    top = [s for n, s in fits if n == best]
    return top[0] if len(top) == 1 else None


def _named_at(retriever: Searcher, speaker: Speaker, scope: list[int] | None) -> Hit | None:
    """The first passage that names a speaker in full, whoever says it ("The health minister,
    Rachel Obi, acknowledged ..."); their introducing passage when none does."""
    chunks = retriever.chunks
    ids = [i for i in (scope if scope is not None else range(len(chunks))) if speaker.doc in (None, chunks[i].doc)]
    naming = [i for i in ids if speaker.name in chunks[i].text]
    return _introduction(retriever, speaker.name, naming or within(retriever.speaker_chunks(speaker.name), scope) or [])


def _introduction(retriever: Searcher, name: str, ids: Sequence[int]) -> Hit | None:
    """Of a speaker's passages (`ids`), the first that names them, where the article says who
    they are; the first of all when none does; None when there are none."""
    chunks = sorted((retriever.chunks[i] for i in ids), key=lambda c: (c.doc, c.start))
    named = next((c for c in chunks if name in c.text), chunks[0] if chunks else None)
    return retriever.hit(named.id) if named is not None else None


def _list_speakers(retriever: Searcher, text: str, docs: set[str] | None = None) -> Answer:
    """Everyone the article quotes, each with the passage that introduces them, in article order."""
    intros: list[Hit] = []
    for s in retriever.speakers[:_SPEAKER_LIST_MAX]:
        if docs is not None and s.doc is not None and s.doc not in docs:
            continue
        ids = [i for i in retriever.speaker_chunks(s.name) if docs is None or retriever.chunks[i].doc in docs]
        intro = _introduction(retriever, s.name, ids)
        if intro is not None:
            intros.append(intro)
    if not intros:
        return _abstain(text, "the article quotes no one; it is all narration", None)
    order = {doc: i for i, doc in enumerate(getattr(retriever, "titles", {}))}
    intros.sort(key=lambda h: (order.get(h.doc, len(order)), h.start))
    people = "; ".join(f"**{as_text(h.speaker or '')}**" + (f", {as_text(h.role)}" if h.role else "") for h in intros)
    return _passages(text, f"The article quotes {len(intros)}: {people}.", intros)


def _openings(retriever: Searcher, docs: set[str] | None) -> dict[str, list[int]]:
    """Each article's first paragraph of the story (after any headline), as its chunk ids, in
    index order (`docs`: None for all)."""
    firsts: dict[str, list[int]] = {}
    furniture = retriever.furniture()
    for c in retriever.chunks:
        if (docs is not None and c.doc not in docs) or (c.doc not in firsts and furniture[c.id]):
            continue
        first = firsts.setdefault(c.doc, [c.id])
        if c.id != first[0] and retriever.chunks[first[0]].paragraph == c.paragraph:
            first.append(c.id)
    return firsts


def _lead(retriever: Searcher, text: str, k: int, docs: set[str] | None = None) -> Answer:
    """What the article is about: its first paragraph (of each article, when there are several)."""
    leads = [retriever.hit(ids[0]) for ids in _openings(retriever, docs).values()][:k]
    return _passages(text, "The article opens with:" if len(leads) == 1 else "The articles open with:", leads)


def _passages(text: str, preface: str, hits: list[Hit]) -> Answer:
    """An answer made of passages chosen by their place in the article, not by the question."""
    return Answer(
        question=text,
        hits=tuple(hits),
        abstained=False,
        markdown="\n\n".join(filter(None, [preface, render(hits, marked=False)])),
        preface=preface,
        ranked=tuple(hits),
        marked=False,
    )


def _leading_article(
    retriever: Searcher, query: str, restrict: list[int] | None, boost: list[str], text: str
) -> str | None:
    """The article of the best passage, when the index holds several; None otherwise."""
    if len(getattr(retriever, "titles", {})) < 2:
        return None
    best = retriever.rank(query, restrict=restrict, limit=1, boost=boost, kind=answer_type(text))
    return best[0].doc if best else None


def _article_words(retriever: Searcher, doc: str) -> Vocabulary:
    """The surface words of one article and of the people it quotes (cached per article)."""
    cache: dict[str, Vocabulary] = retriever.__dict__.setdefault("_article_words", {})
    if doc not in cache:
        chunks = [c.text for c in retriever.chunks if c.doc == doc]
        cache[doc] = _surface(chunks, [s for s in retriever.speakers if s.doc in (doc, None)])
    return cache[doc]


def _surface(texts: Sequence[str], speakers: Sequence[Speaker]) -> Vocabulary:
    """The words of some passages and of their speakers' names, roles and aliases, with the
    parts of hyphenated words: a question's parse splits "Qi-Anxin" into "Qi" and "Anxin", and
    neither is an unknown name."""
    found: set[str] = set()
    for text in texts:
        found.update(words(text))
    for s in speakers:
        found.update(words(f"{s.name} {s.role or ''} {' '.join(s.aliases)}"))
    capitals = {m.replace(".", "") for text in texts for m in _CAPITALS.findall(text)}
    return Vocabulary(found | {part for w in found if "-" in w for part in w.split("-") if part}, capitals)


def _vocabulary(retriever: Searcher) -> tuple[Vocabulary, dict[int, set[str]]]:
    cached = getattr(retriever, "_vocabulary", None)
    if cached is None:
        # a passage holds its words and, as BM25 indexes it, the name and role of who says it
        per_chunk = {chunk.id: set(terms(lexical_text(chunk))) | set(words(chunk.text)) for chunk in retriever.chunks}
        cached = (_surface([c.text for c in retriever.chunks], retriever.speakers), per_chunk)
        retriever._vocabulary = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _mended(surface: Vocabulary, unmatched: list[str], covered: set[str]) -> dict[str, str]:
    """The question's words the searched passages lack that are one slip of the keyboard from
    one of their words, each with that word ("safty": "safety"). A word of English stays as
    typed: "stages" is no slip for "states"."""
    english = english_words()
    mended = {}
    for word in unmatched:
        if not english or word in english:
            continue
        slip = surface.slip_of(word)
        if slip is not None and set(terms(slip)) <= covered:
            mended[word] = slip
    return mended


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole English words, as the default encoder's vocabulary lists them (30,522 entries,
    about 20,000 of them whole words); empty when that package is missing, and then no word is
    taken for a slip."""
    try:
        folder = Path(model_path(DEFAULT_MODEL))
        listed = (folder / "vocab.txt").read_text(encoding="utf-8").split()
    except (ModelError, OSError):
        return frozenset()
    return frozenset(w for w in listed if w.isalpha() and w.islower())


def _respelled(text: str, mended: dict[str, str]) -> str:
    """The text with each of the words given replaced by its mended spelling."""
    return _WORD.sub(lambda m: mended.get(m.group(0).lower(), m.group(0)), text)


def _still_missing(
    retriever: Searcher, unmatched: list[str], vectors: object, pool_words: set[str] | None
) -> list[str]:
    """The unmatched words that no word of the pool paraphrases closely either."""
    vocab = retriever.index.words
    matrix = retriever.index.word_vectors
    if not unmatched or matrix is None or len(vocab) == 0:
        return unmatched
    if pool_words is not None:
        rows = [i for i, w in enumerate(vocab) if w in pool_words]
        if not rows:
            return unmatched
        matrix = matrix[rows]
    best = (np.asarray(vectors) @ matrix.T).max(axis=1)
    return [w for w, score in zip(unmatched, best.tolist(), strict=True) if score < SAME_WORD]


def _abstain(question: str, reason: str, speaker: str | None, confidence: float | None = None) -> Answer:
    message = _NOT_IN_ARTICLE
    detail = f"{message} ({reason}.)"
    # the reason may repeat the question's words: they are shown as typed, never as Markdown
    sentence = verbatim(reason[:1].upper() + reason[1:] + ".")
    return Answer(question, (), True, f"**{message}** {sentence}", detail, speaker, reason, confidence=confidence)


# ---------------------------------------------------------------- markdown


_KIND_NOTE = {
    "direct": "",
    "partial": "Reported speech with quoted words",
    "indirect": "Reported speech, in the article's words",
    "source": "Cited source, in the article's words",
    "narration": "The article's own words",
}


def attribution_line(hit: Hit) -> str:
    where = f"paragraph {hit.paragraph}"
    if hit.title:  # set when the index holds several articles
        where = f"*{as_text(hit.title)}*, {where}"
    if hit.speaker is None:
        return f"\u2014 the article itself ({where})"
    role = f", {as_text(hit.role)}" if hit.role else ""
    return f"\u2014 **{as_text(hit.speaker)}**{role} ({where})"


def verbatim(text: str) -> str:
    """A user's own words for a Markdown bubble, shown exactly as typed.

    Every ASCII punctuation mark becomes a numeric character reference, so no Markdown or
    HTML construct, autolink or maths delimiter can form; line breaks become <br>.
    """
    out = []
    for ch in text:
        if ch == "\n":
            out.append("<br>")
        elif ch.isascii() and not ch.isalnum() and not ch.isspace():
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def as_text(text: str) -> str:
    """Text that Markdown and HTML show as it is: tags escaped, Markdown marks and autolinks
    backslashed, bidirectional controls dropped (qa.safety.literal)."""
    from qa.safety import literal

    return literal(text)


def quote_block(text: str, marks: Sequence[tuple[int, int]] = ()) -> str:
    """Verbatim text as a Markdown block quote, with HTML shown as text and `marks` (offsets) highlighted."""
    pieces, pos = [], 0
    for start, end in sorted(marks):
        if start < pos or end <= start:
            continue
        pieces += [as_text(text[pos:start]), f"<mark>{as_text(text[start:end])}</mark>"]
        pos = end
    pieces.append(as_text(text[pos:]))
    return "\n".join(f"> {line}" for line in "".join(pieces).splitlines() or [""])


def render(
    hits: Sequence[Hit],
    *,
    who_said: bool = False,
    after: Callable[[Hit], str] | None = None,
    marked: bool = True,
) -> str:
    parts: list[str] = []
    if who_said and hits and hits[0].speaker:
        role = f", {as_text(hits[0].role)}," if hits[0].role else ""
        parts.append(f"**{as_text(hits[0].speaker)}**{role} said it (paragraph {hits[0].paragraph}):")
    elif who_said and hits:
        parts.append(f"No one is quoted saying it; the article itself reports it (paragraph {hits[0].paragraph}):")
    for hit in hits:
        note = _KIND_NOTE.get(hit.kind, "")
        if note:
            parts.append(f"*{note}:*")
        marks = [(s - hit.start, e - hit.start) for s, e in hit.evidence] if marked else []
        # a mark over the whole quote tells nothing: then only the best sentence is marked, if
        # the quote has more than one
        if marks and sum(e - s for s, e in marks) >= len(hit.text.strip()) - len(marks):
            marks = marks[:1] if len(marks) > 1 else []
        parts.append(quote_block(hit.text, marks))
        parts.append(attribution_line(hit))
        if after is not None:
            parts.append(after(hit))
    return "\n\n".join(parts)
