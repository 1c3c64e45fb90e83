"""Answering: read the question, resolve the conversation, try the intents, search, decide, choose, render."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from qa.ask.checks import DATED_DEPTH, LACKS, lacking_form
from qa.ask.conversation import Conversation, naming
from qa.ask.intents import AFTER_SEARCH, INTENTS, WHO_SAID, describes_no_one, unresolved_note, without
from qa.ask.passages import event_lead, leading_article, placed_by_description
from qa.ask.question import Question, Vocabulary, foreign_names, topic_words, unknown_names, unknown_numbers
from qa.ask.refusal import (
    Refusal,
    decide,
    decision_features,
    parse_ranges,
    parsed_features,
    refusal_model,
    strongest,
)
from qa.ask.render import as_text, render
from qa.ask.reply import Answer, abstain
from qa.ask.search import Hit, Searcher
from qa.ask.turn import Turn
from qa.ask.vocabulary import article_words, mend, respelled, still_missing, vocabulary

_DENSE_MARGIN = 0.06  # further quotes must be about as close to the question as the first ...
_LEXICAL_SHARE = 0.4  # ... and share a fair part of its matching words
_HISTORY_TURNS = 6  # earlier turns that can shape an answer
_MEMO_SIZE = 4096
_WHO_IS = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\b", re.IGNORECASE)


class Retriever(Searcher):
    """Search an index of attributed chunks; answer questions with the article's own words."""

    def __init__(self, *args: Any, refusal: Refusal | None = None, exact: bool = False, **kwargs: Any) -> None:
        """`exact`: always read every refusal feature, parse included (for fitting the model);
        otherwise the question is parsed only when the parse could change the decision."""
        super().__init__(*args, **kwargs)
        self.refusal = refusal or refusal_model()
        self.exact = exact
        self._replays: dict[tuple[tuple[str, ...], int, tuple[int, ...]], Conversation] = {}

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
        read = Question.read(question)
        k = max(1, min(int(k), 20))
        turns = [h for h in (history or []) if isinstance(h, str)][-_HISTORY_TURNS:]
        scope = self.doc_chunks(doc)
        context = self._replay(turns, k, scope)
        return respond(self, Turn(self, read, context, k, speaker, scope))

    def _replay(self, history: list[str], k: int, scope: list[int] | None) -> Conversation:
        """Answer the earlier turns once each, in order; memoised so a chat costs one answer a turn."""
        context = Conversation()
        for i, turn in enumerate(history):
            key = (tuple(history[: i + 1]), k, tuple(scope or ()))
            cached = self._replays.get(key)
            if cached is None:
                try:
                    previous: Answer | None = respond(self, Turn(self, Question.read(turn), context, k, None, scope))
                except ValueError:
                    previous = None
                cached = context.after(previous)
                if len(self._replays) >= _MEMO_SIZE:
                    self._replays.clear()
                self._replays[key] = cached
            context = cached
        return context


@dataclass
class Found:
    """What the search found for a turn, and what the refusal reads beside it."""

    query: str  # the words searched with: a follow-up's own, after those of the turn it leans on
    ranked: list[Hit]
    surface: Vocabulary  # the words of the article searched (of the best passage's, in a library)
    everything: dict[str, str]  # every content word of the question, names of speakers included
    missing: list[str]  # those the article neither uses nor paraphrases
    lead: str | None  # the article of the best passage, when the index holds several and none was picked
    repeat: str = ""  # what leads the quotes when "what else" finds nothing new
    confidence: float | None = None  # the refusal model's, once it has read the turn
    features: dict[str, float] = field(default_factory=dict)


def respond(searcher: Retriever, turn: Turn) -> Answer:
    """The answer to one turn: an intent, else a search, a decision, a choice of quotes."""
    for intent in INTENTS:
        if intent.matches(turn):
            answer = intent.handle(turn)
            if answer is not None:
                return answer
    found = search(turn)
    if not found.ranked:
        return abstain(turn.text, "no passage of the article matches", turn.focus_name)
    for row in AFTER_SEARCH:
        if row.matches(turn):
            answer = row.handle(turn, found.query)
            if answer is not None:
                return answer
    refused = refuse(searcher, turn, found)
    return refused if refused is not None else choose(turn, found)


def query_of(turn: Turn) -> str:
    """The words to search with: confined to a speaker, without the words that named them;
    a follow-up that leans on the turn before, with the person it means or that turn's words."""
    text, context = turn.text, turn.context
    used = turn.speaker_terms
    # the words that named the speaker asked about are left out: their passages lead anyway
    said = turn.confined is not None or (turn.asked is not None and bool(turn.focus))
    query = without(text, used) if said and used and turn.topic else text
    if not turn.leans or turn.confined is not None:
        return query
    carried, person = turn.carried[0], turn.person
    if len(carried) == 1:
        # the speaker the pronoun stands for fills the gap: "Where does she teach?" after a
        # question about Lena Park asks "Where does Lena Park teach?"; "that" still points
        # at what the last turn asked ("What share of its workforce is that?")
        query = naming(query, carried[0].name, turn.question.pronoun)
        return f"{context.question or context.asked} {query}"
    if person is not None:
        # a person the article names without quoting: "What was named after Alexandre Yersin?"
        return f"{context.question or context.asked} {naming(query, person, turn.question.pronoun)}"
    if not carried:
        # otherwise it is searched after the turn it leans on: "How often?" after "What
        # will the province send?"
        return f"{context.question or context.asked} {query}"
    return query


def search(turn: Turn) -> Found:
    """Rank the passages for the turn, and read which of its words the article lacks."""
    searcher, text = turn.searcher, turn.text
    query = query_of(turn)
    surface, chunk_terms = vocabulary(searcher)
    pool = turn.restrict if turn.restrict is not None else list(chunk_terms)
    boost = [s.name for s in turn.focus] if turn.focus and turn.confined is None else []
    if not boost and turn.unresolved:
        # "he" could be several people: the closest passage among theirs comes first
        boost = [s.name for s in turn.unresolved]
    # with several articles and none picked, "the article" whose coverage the refusal reads is
    # the one the best passage stands in, as it is when an index holds one article
    lead = leading_article(searcher, query, turn.restrict, boost, text) if turn.scope is None else None
    if lead is not None:
        pool = [i for i in pool if searcher.chunks[i].doc == lead]
        surface = article_words(searcher, lead)
    # a word is missing only when the whole article (the one picked or led to) lacks it, not
    # only the passages of the speaker the search keeps to
    whole = turn.scope if turn.scope is not None else list(range(len(chunk_terms)))
    if lead is not None:
        whole = [i for i in whole if searcher.chunks[i].doc == lead]
    covered = set().union(*(chunk_terms[i] for i in whole)) if whole else set()
    # for coverage, the words that found a speaker count too; a follow-up's are those it was
    # searched with ("Where does Lena Park teach?")
    everything = topic_words(query if turn.leans else text, set())
    unmatched = [w for w, stem in everything.items() if stem not in covered]
    mended = mend(surface, unmatched, covered)
    typed = text
    if mended:
        # "What did Qi say about safty?": a slip of the keyboard is searched and counted as
        # the word it missed
        query, typed = respelled(query, mended), respelled(text, mended)
        everything = topic_words(query if turn.leans else typed, set())
        unmatched = [w for w, stem in everything.items() if stem not in covered]
    vectors = searcher.encode_many([query, *unmatched])
    limited = turn.scope is not None or lead is not None
    missing = still_missing(searcher, unmatched, vectors[1:], covered if limited else None)
    if missing and turn.leans:
        # a follow-up is not refused again for a word of the question before it, which was
        # answered or refused on its own: only the follow-up's own words can be missing
        own = set(topic_words(typed, set())) if mended else set(turn.question.topic)
        missing = [w for w in missing if w in own]
    if missing:  # the parse is read only where a word is missing (it costs a model load when cold)
        kinds = turn.question.kinds
        missing = [w for w in missing if everything[w] not in kinds]
    exclude = turn.exclude
    ranked = [
        h
        for h in searcher.rank(
            query,
            restrict=turn.restrict,
            vector=vectors[:1],
            limit=turn.k + len(exclude) + 10,
            boost=boost,
            # "What did X say ...": X is whose words are asked for, not only someone named
            boost_weight=searcher.ranking.asked_boost if turn.question.subject else None,  # None: the fitted one
            kind=turn.question.wh,
            defined=turn.question.defined,
            after=turn.context.last if turn.leans else None,
        )
        if h.chunk_id not in exclude
    ]
    found = Found(query, ranked, surface, everything, missing, lead, repeat=unresolved_note(turn))
    if not ranked and exclude and turn.confined:
        # nothing new from this speaker: say so, and show again what there is
        found.ranked = searcher.rank(text, restrict=turn.restrict, vector=vectors[:1], limit=turn.k + 10)
        who = as_text(turn.focus_name) if turn.focus_name else "this speaker"
        found.repeat = f"**That is everything the article quotes from {who}.** Shown before:"
    return found


def refuse(searcher: Retriever, turn: Turn, found: Found) -> Answer | None:
    """The refusal, when the article does not answer: one calibrated decision over what the
    best passages and the whole article offer, and over what the question names that the
    article lacks; None to answer. A where or when question about the event the article
    reports may turn to its lead instead (moved first in `found`)."""
    text = turn.text
    if not (turn.topic or not turn.focus):
        return None
    foreign = foreign_names(text, found.surface) + unknown_numbers(text, found.surface)
    lacking = lacking_form(searcher, text, found.ranked[:DATED_DEPTH])
    values = decision_features(searcher, text, found.ranked, found.everything, found.missing)
    values.update(
        {
            "foreign": float(bool(foreign)),
            **{name: float(lacking is not None and LACKS[lacking[0]] == name) for name in LACKS.values()},
            "no_one_described": float(describes_no_one(turn)),
            "pronoun_open": float(bool(turn.unresolved)),
            "speaker_elsewhere": float(_speaker_elsewhere(turn, found.ranked[:1])),
        }
    )
    answers, confidence, values = decide(
        searcher.refusal,
        values,
        lambda: parsed_features(searcher, text, found.everything, found.missing, found.surface),
        free=parse_ranges(found.missing),
        exact=searcher.exact,
    )
    found.confidence, found.features = confidence, values
    opening = None
    if not answers and turn.confined is None:
        opening = event_lead(searcher, text, found.everything, found.lead, turn.docs)
    if opening is not None:
        found.ranked = [opening] + [h for h in found.ranked if h.chunk_id != opening.chunk_id]
        return None
    if answers:
        return None
    reasons = {
        "foreign": lambda: f"the article never mentions {', '.join(foreign)}",
        **{name: lambda: f"no passage close to it {lacking[1] if lacking else ''}" for name in LACKS.values()},
        "no_one_described": lambda: f"the article quotes no {(turn.subject or '').removeprefix('the ')}",
    }
    cause = strongest(searcher.refusal, values, tuple(reasons))
    reason = reasons[cause]() if cause else _why(found.missing, text, found.surface)
    return replace(abstain(text, reason, turn.focus_name, confidence), features=values)


def _speaker_elsewhere(turn: Turn, closest: Sequence[Hit]) -> bool:
    """ "What does X think about Y?" where X's passages do not hold Y (the search was not kept
    to them) and the closest passage is not X's and does not name X: the article may give Y
    in others' words only."""
    if turn.asked is None or not turn.focus or turn.confined is not None:
        return False
    names = {s.name for s in turn.focus}
    surnames = {n.split()[-1] for n in names}
    return not any(h.speaker in names or any(n in h.text for n in surnames) for h in closest)


def choose(turn: Turn, found: Found) -> Answer:
    """The quotes to show, in the order to show them, and the reply."""
    text, focus, topic, k = turn.text, turn.focus, turn.topic, turn.k
    ranked = found.ranked
    if turn.question.wh == "where":
        # "Where is Xiaomi based?": once answered, first the passage that calls it "the Beijing-based company"
        based = placed_by_description(turn.searcher, text)
        ranked.sort(key=lambda h: h.chunk_id not in based)
    if focus and not topic:
        # "What did X say?" reads X's statements in article order; "Who is X?" starts with
        # the passage that introduces X by name and role
        ranked.sort(key=lambda h: (h.doc, h.start))
        name = turn.focus_name
        if name and _WHO_IS.match(text):
            intro = [h for h in ranked if h.speaker == name and name in h.text]
            ranked = intro[:1] + [h for h in ranked if h not in intro[:1]]
            k = 1 if intro else k
    shown = _shown(ranked, k, every=bool(focus) and not topic)
    who_said = bool(WHO_SAID.match(text))
    speaker = turn.focus_name or (shown[0].speaker if who_said or len({h.speaker for h in shown}) == 1 else None)
    return Answer(
        question=text,
        hits=tuple(shown),
        abstained=False,
        markdown="\n\n".join(filter(None, [found.repeat, render(shown, who_said=who_said, marked=bool(topic))])),
        preface=found.repeat,
        who_said=who_said,
        message="",
        speaker=speaker or shown[0].speaker,
        ranked=tuple(ranked[:10]),
        confidence=found.confidence,
        features=found.features,
        marked=bool(topic),
        query=found.query,
    )


def _shown(ranked: Sequence[Hit], k: int, *, every: bool) -> list[Hit]:
    """The passages an answer shows: the best, and of the next ones up to `k` those nearly as
    close to the question (`every`: all of them, as for "What did X say?")."""
    first = ranked[0]
    return [first] + [
        h
        for h in ranked[1:k]
        if every or (h.dense >= first.dense - _DENSE_MARGIN and h.lexical >= _LEXICAL_SHARE * first.lexical)
    ]


def _why(missing: list[str], text: str, surface: set[str]) -> str:
    """The plainest true reason for a refusal, from what the model read."""
    unknown = unknown_names(text, surface)
    if unknown:
        return f"the article never mentions {' '.join(unknown)}"
    if missing:
        return f"nothing in the article is about {', '.join(missing)}"
    return "no passage of the article answers it closely enough"
