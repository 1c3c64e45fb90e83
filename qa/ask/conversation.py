"""The conversation: what earlier turns tell a follow-up: who "he" or "she" is, and what it leans on."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from qa.ask.question import PRONOUNS, QUESTION_WORDS, compatible, parse, pronoun, topic_words
from qa.ask.reply import Answer
from qa.ask.search import Searcher
from qa.ask.vocabulary import WORD, uses
from qa.attribution.speech import name_gender
from qa.attribution.statements import Speaker
from qa.index.lexical import STOPWORDS, terms, words
from qa.lang.en import wordset

ELSE = re.compile(r"\b(?:else|more|other|another|besides|apart from|as well|also)\b", re.IGNORECASE)

@dataclass(frozen=True)
class Conversation:
    """What the conversation so far tells the next question: who it was about, what was shown."""

    speakers: tuple[str, ...] = ()  # the speaker each earlier answer was about, oldest first
    shown: frozenset[int] = frozenset()
    turns: int = 0
    last: int | None = None  # the passage the last answer quoted first
    asked: str | None = None  # what the last turn asked, as it was searched
    question: str | None = None  # the last turn as typed

    def after(self, previous: Answer | None) -> Conversation:
        if previous is None:  # a turn that could not be read tells the next one nothing
            return replace(self, turns=self.turns + 1, last=None, asked=None, question=None)
        speakers = (*self.speakers, previous.speaker) if previous.speaker else self.speakers
        first = previous.hits[0].chunk_id if previous.hits and not previous.abstained else None
        asked = previous.query or previous.question
        shown = self.shown | {h.chunk_id for h in previous.hits}
        return Conversation(speakers, shown, self.turns + 1, first, asked, previous.question)

def own_subject(question: str, named: list[Speaker]) -> bool:
    """Does the question name what it is about: a speaker, or a name that a pronoun after it
    refers back to ("When did Acme start its plan?")?"""
    if named:
        return True
    tokens = WORD.findall(question)
    first = next((i for i, t in enumerate(tokens) if t.lower() in PRONOUNS), len(tokens))
    return any(t[:1].isupper() for t in tokens[1:first])

ELLIPTIC = re.compile(r"^\s*(?:and|but|what about|how about|what of)\b", re.IGNORECASE)

def leans_on(question: str, named: list[Speaker]) -> bool:
    """Does the question lean on the turn before it: "And the opposition?", "How often?",
    "Who counted them?", "Where does that figure come from?", "Who said so?" A question that
    names its own subject stands alone ("When did Acme start its plan?")."""
    if ELLIPTIC.match(question):
        return True
    if own_subject(question, named):
        return False
    if points_back(question) or pronoun(question) is not None:
        return True
    return len(topic_words(question, set())) <= 1

_BARE = wordset("bare_words")

def bare(question: str) -> bool:
    """Is the question no more than its question words: "Why?", "How many?" """
    return all(w in _BARE for w in words(question))

def points_back(question: str) -> bool:
    """Does the question point at what was said before: "Where does that figure come from?",
    "Who said so?", "Is this new?" """
    tokens = [t.lower() for t in WORD.findall(question)]
    for i, token in enumerate(tokens):
        if token in ("this", "these", "those"):
            return True
        # "that" points back at the start, the end or after a small word ("is that", "did that
        # program"); after a noun or a verb it starts a clause ("the firm that", "said that")
        if token == "that" and (i in (0, len(tokens) - 1) or tokens[i - 1] in STOPWORDS):
            return True
    return bool(tokens) and tokens[-1] == "so"  # "Who said so?"

_POSSESSIVES = wordset("possessive_pronouns")

def naming(question: str, name: str, wanted: str | None) -> str:
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

def carried_speakers(
    question: str, named: list[Speaker], context: Conversation, retriever: Searcher
) -> tuple[list[Speaker], list[Speaker] | None, str | None]:
    """The speaker a follow-up is about, from the conversation; for a pronoun left unresolved,
    the quoted people it could stand for (none, or several), else None; and, where no speaker
    of the chat fits a "he" or "she", the person the last question named whom the article
    mentions without quoting."""
    if own_subject(question, named):
        return [], None, None
    wanted = pronoun(question)
    follow = (
        wanted is not None
        or bool(ELLIPTIC.match(question))
        or bool(ELSE.search(question) and not set(terms(question)) - QUESTION_WORDS)
    )
    if not follow:
        return [], None, None
    index = retriever.speaker_index
    for name in reversed(context.speakers):
        speaker = index.speakers.get(name)
        if speaker and (wanted is None or compatible(speaker, wanted)):
            return [speaker], None, None
    if wanted in ("he", "she"):
        person = _person_asked(retriever, context.question, wanted)
        if person is not None:
            return [], None, person
        fits = [s for s in retriever.speakers if compatible(s, wanted)]
        if context.last is not None:
            # in a library, the people of the article the last answer came from
            doc = retriever.chunks[context.last].doc
            fits = [s for s in fits if s.doc in (None, doc)]
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
        if len(parts) < 2 or not uses(retriever, name):
            continue
        given = parts[0].split("-")[0]  # the given name's first part tells: "Paul" of "Paul-Louis"
        if name_gender(" ".join([given, *parts[1:]])) == wanted:
            found.append(name)
    return found[0] if len(found) == 1 else None
