"""Answering: who the question is about, follow-ups, honest abstention, and the reply text."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from qa.attribution import Speaker
from qa.lexical import STOPWORDS, terms, words

if TYPE_CHECKING:
    from qa.retrieval import Hit, Retriever

# words that shape a question but carry no topic of their own
_QUESTION_WORDS = frozenset(
    terms(
        "what who whom whose when where why how which much many say said says saying tell told "
        "think thought talk talked speak spoke mention mentioned comment commented article "
        "according else anything something more other another besides quote quoted claim "
        "statement view views opinion believe does did do know explain explained describe "
        "described give gave mean meant"
    )
)
_PRONOUNS = {
    "he": "he", "him": "he", "his": "he", "himself": "he",
    "she": "she", "her": "she", "hers": "she", "herself": "she",
    "they": "they", "them": "they", "their": "they", "theirs": "they", "it": "it", "its": "it",
}
_ELSE = re.compile(r"\b(?:else|more|other|another|besides|apart from|as well|also)\b", re.IGNORECASE)
_WHO_IS = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\b", re.IGNORECASE)
_WHO_SAID = re.compile(r"^\s*who\b(?!\s+(?:is|was|are|were)\b)", re.IGNORECASE)
_MISSING_SHARE = 0.5  # abstain when at least this share of the topic is absent from the candidates
_MIN_DENSE = 0.2  # ... or when even the best passage is this unlike the question
_DENSE_MARGIN = 0.06  # further quotes must be about as close to the question as the first ...
_LEXICAL_SHARE = 0.4  # ... and share a fair part of its matching words
_HISTORY_TURNS = 6

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

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "message": self.message,
            "speaker": self.speaker,
            "hits": [h.to_json() for h in self.hits],
            "markdown": self.markdown,
        }


# ---------------------------------------------------------------- speakers in questions


@dataclass
class _SpeakerIndex:
    """Per-index lookups for spotting speakers in questions; built once per retriever."""

    speakers: tuple[Speaker, ...]
    role_terms: dict[str, set[str]] = field(default_factory=dict)
    distinct: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, retriever: Retriever) -> _SpeakerIndex:
        cached = getattr(retriever, "_speaker_index", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        chunk_terms = [set(terms(c.text)) for c in retriever.chunks]
        n = max(1, len(chunk_terms))
        common = {t for t in set().union(*chunk_terms) if sum(t in ct for ct in chunk_terms) > 0.25 * n}
        index = cls(retriever.speakers)
        owners: dict[str, int] = {}
        for s in index.speakers:
            found = set(terms(s.role or "")) - common - _QUESTION_WORDS
            index.role_terms[s.name] = found
            for t in found:
                owners[t] = owners.get(t, 0) + 1
        index.distinct = {t: 1.0 if count == 1 else 0.3 for t, count in owners.items()}
        retriever._speaker_index = index  # type: ignore[attr-defined]
        return index


def _mentions(question: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", question) is not None


def _speaker_scores(question: str, retriever: Retriever) -> dict[str, tuple[float, set[str]]]:
    index = _SpeakerIndex.of(retriever)
    q_terms = set(terms(question))
    lowered = question.lower()
    scores: dict[str, tuple[float, set[str]]] = {}
    for s in index.speakers:
        score = 0.0
        used: set[str] = set()
        if s.name.lower() in lowered or any(_mentions(question, a) for a in s.aliases):
            score += 10
            used |= set(terms(s.name))
        elif s.kind == "person":
            parts = [p for p in s.name.split() if len(p) > 1 and p[0].isupper()]
            matched = [p for p in parts if _mentions(question, p)]
            if matched:
                score += 5
                used |= set(terms(" ".join(matched)))
        role_hits = index.role_terms.get(s.name, set()) & q_terms
        role_score = sum(index.distinct.get(t, 0.3) for t in role_hits)
        if role_score >= 1:
            score += role_score
            used |= role_hits
        if score > 0:
            scores[s.name] = (score, used)
    return scores


def speakers_named(question: str, retriever: Retriever) -> list[Speaker]:
    """The speakers a question names: full name, surname, alias, or distinctive role words."""
    scores = _speaker_scores(question, retriever)
    if not scores:
        return []
    best = max(score for score, _ in scores.values())
    return [s for s in retriever.speakers if s.name in scores and scores[s.name][0] >= 0.75 * best]


def _pronoun(question: str) -> str | None:
    for word in re.findall(r"[a-z]+", question.lower()):
        if word in _PRONOUNS:
            return _PRONOUNS[word]
    return None


def _compatible(speaker: Speaker, pronoun: str) -> bool:
    if pronoun in ("he", "she"):
        return speaker.kind == "person" and speaker.gender in (None, pronoun)
    if pronoun == "it":
        return speaker.kind == "organization"
    return True


# ---------------------------------------------------------------- the answer


@dataclass
class _Turn:
    question: str
    retriever: Retriever
    history: list[str]
    k: int
    speaker: str | None

    @cached_property
    def named(self) -> list[Speaker]:
        if self.speaker:
            return [s for s in self.retriever.speakers if s.name == self.speaker]
        return speakers_named(self.question, self.retriever)

    @cached_property
    def earlier(self) -> list[Answer]:
        """The answers the earlier turns got, each with its own history."""
        turns = self.history[-_HISTORY_TURNS:]
        answers: list[Answer] = []
        for i, text in enumerate(turns):
            try:
                answers.append(answer(self.retriever, text, history=turns[:i], k=self.k))
            except ValueError:
                continue
        return answers

    def focus(self) -> list[Speaker]:
        """Who the question is about: named in it, or carried over from the conversation."""
        if self.named:
            return self.named
        pronoun = _pronoun(self.question)
        follow = pronoun is not None or (_ELSE.search(self.question) and len(set(terms(self.question)) - _QUESTION_WORDS) == 0)
        if not follow or not self.history:
            return []
        for previous in reversed(self.earlier):
            if previous.speaker:
                speaker = next((s for s in self.retriever.speakers if s.name == previous.speaker), None)
                if speaker and (pronoun is None or _compatible(speaker, pronoun)):
                    return [speaker]
        return []

    def shown_before(self) -> set[int]:
        return {h.chunk_id for a in self.earlier for h in a.hits}


def _unknown_names(question: str, vocabulary: set[str]) -> list[str]:
    """Capitalised words of the question that the article never uses: "Brazil", "Jack Ma"."""
    tokens = re.findall(r"[^\W\d_][\w'\u2019-]*", question)
    unknown = []
    for i, token in enumerate(tokens):
        if not token[0].isupper():
            continue
        low = token.lower().removesuffix("'s").removesuffix("\u2019s")
        if i == 0 and (low in STOPWORDS or low in _QUESTION_WORDS or terms(low) == [] or set(terms(low)) <= _QUESTION_WORDS):
            continue
        if low not in vocabulary and low not in _PRONOUNS:
            unknown.append(token)
    return unknown


def _vocabulary(retriever: Retriever) -> tuple[set[str], dict[int, set[str]]]:
    cached = getattr(retriever, "_vocabulary", None)
    if cached is None:
        surface: set[str] = set()
        per_chunk: dict[int, set[str]] = {}
        for chunk in retriever.chunks:
            surface.update(words(chunk.text))
            per_chunk[chunk.id] = set(terms(chunk.text))
        for s in retriever.speakers:
            surface.update(words(f"{s.name} {s.role or ''} {' '.join(s.aliases)}"))
        cached = (surface, per_chunk)
        retriever._vocabulary = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def answer(
    retriever: Retriever, question: str, *, history: list[str], k: int = 3, speaker: str | None = None
) -> Answer:
    from qa.retrieval import clean_question

    text = clean_question(question)
    k = max(1, min(int(k), 20))
    turn = _Turn(text, retriever, history, k, speaker)
    surface, chunk_terms = _vocabulary(retriever)

    unknown = _unknown_names(text, surface)
    if unknown and not turn.named:
        return _abstain(text, f"the article never mentions {' '.join(unknown)}", speaker)

    focus = turn.focus()
    restrict = [i for s in focus for i in retriever.speaker_chunks(s.name)] if focus else None
    if speaker and not restrict:
        return _abstain(text, f"the article quotes no one called {speaker}", speaker)
    wants_more = bool(_ELSE.search(text)) and bool(history)
    exclude = turn.shown_before() if wants_more else set()

    used_by_speaker: set[str] = set()
    if turn.named and not speaker:
        for name, (_, used) in _speaker_scores(text, retriever).items():
            if any(s.name == name for s in focus):
                used_by_speaker |= used
    topic = [t for t in dict.fromkeys(terms(text)) if t not in _QUESTION_WORDS and t not in used_by_speaker]
    pool = restrict if restrict is not None else list(chunk_terms)
    covered = set().union(*(chunk_terms[i] for i in pool)) if pool else set()
    missing = [t for t in topic if t not in covered]

    ranked = [h for h in retriever.rank(text, restrict=restrict, limit=k + len(exclude) + 10) if h.chunk_id not in exclude]
    focus_name = focus[0].name if len(focus) == 1 else None
    if not ranked:
        if exclude:
            return _abstain(text, "nothing more from this speaker in the article", focus_name, more=True)
        return _abstain(text, "no passage of the article matches", focus_name)
    if topic and len(missing) >= max(1.0, _MISSING_SHARE * len(topic)):
        who = f" {focus_name}" if focus_name else ""
        return _abstain(text, f"nothing{who} says in the article is about {', '.join(missing)}", focus_name)
    if not focus and ranked[0].dense < _MIN_DENSE:
        return _abstain(text, "no passage of the article is close to the question", None)

    if focus_name and not topic and _WHO_IS.match(text):
        # "Who is X?": the passage that introduces X, with name and role, comes first
        intro = [h for h in ranked if h.speaker == focus_name and focus_name in h.text]
        ranked = intro[:1] + [h for h in ranked if h not in intro[:1]]
    first = ranked[0]
    shown = [first] + [
        h for h in ranked[1:k]
        if (focus and not topic)
        or (h.dense >= first.dense - _DENSE_MARGIN and h.lexical >= _LEXICAL_SHARE * first.lexical)
    ]
    who_said = bool(_WHO_SAID.match(text))
    speaker_out = focus_name or (shown[0].speaker if who_said or len({h.speaker for h in shown}) == 1 else None)
    return Answer(
        question=text,
        hits=tuple(shown),
        abstained=False,
        markdown=render(shown, who_said=who_said),
        message="",
        speaker=speaker_out or shown[0].speaker,
        ranked=tuple(ranked[:10]),
    )


def _abstain(question: str, reason: str, speaker: str | None, *, more: bool = False) -> Answer:
    message = "That is all the article has from this speaker." if more else _NOT_IN_ARTICLE
    detail = f"{message} ({reason}.)"
    sentence = html.escape(reason[:1].upper() + reason[1:])
    return Answer(question, (), True, f"**{message}** {sentence}.", detail, speaker, reason)


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
    if hit.speaker is None:
        return f"\u2014 the article itself ({where})"
    role = f", {html.escape(hit.role)}" if hit.role else ""
    return f"\u2014 **{html.escape(hit.speaker)}**{role} ({where})"


def quote_block(text: str) -> str:
    """Verbatim text as a Markdown block quote, with HTML shown as text."""
    safe = html.escape(text, quote=False)
    safe = re.sub(r"([\\`*_\[\]#|])", r"\\\1", safe)
    return "\n".join(f"> {line}" for line in safe.splitlines() or [""])


def render(hits: Sequence[Hit], *, who_said: bool = False) -> str:
    parts: list[str] = []
    if who_said and hits and hits[0].speaker:
        role = f", {html.escape(hits[0].role)}," if hits[0].role else ""
        parts.append(f"**{html.escape(hits[0].speaker)}**{role} said it (paragraph {hits[0].paragraph}):")
    for hit in hits:
        note = _KIND_NOTE.get(hit.kind, "")
        if note:
            parts.append(f"*{note}:*")
        parts.append(quote_block(hit.text))
        parts.append(attribution_line(hit))
    return "\n\n".join(parts)
