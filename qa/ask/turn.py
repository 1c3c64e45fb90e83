"""A turn: one question read against the index and the conversation before it.

Who the question names or describes, who a pronoun stands for, what it leans on, its topic
once the words that named a speaker are set aside, and where the search may look. Each is
worked out on first use, so an intent that answers early costs none of the rest.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property

from qa.ask.conversation import ELSE, Conversation, carried_speakers, leans_on
from qa.ask.passages import described, owned
from qa.ask.question import Question, SpeakerIndex, speaker_words, speakers_named, topic_words
from qa.ask.search import Searcher, within
from qa.ask.vocabulary import vocabulary
from qa.attribution.statements import Speaker
from qa.index.lexical import terms

Carried = tuple[list[Speaker], list[Speaker] | None, str | None]


@dataclass
class Turn:
    """A question in its chat: `speaker` and `scope` (chunk ids of the article picked; None for
    every article) are the user's explicit filters."""

    searcher: Searcher
    question: Question
    context: Conversation
    k: int
    speaker: str | None = None
    scope: list[int] | None = None

    @property
    def text(self) -> str:
        return self.question.text

    @property
    def index(self) -> SpeakerIndex:
        return self.searcher.speaker_index

    @cached_property
    def docs(self) -> set[str] | None:
        """The articles the search may quote (None: all)."""
        return None if self.scope is None else {self.searcher.chunks[i].doc for i in self.scope}

    @cached_property
    def named_in_text(self) -> list[Speaker]:
        """The speakers the question names (or the speaker filter), within the articles picked."""
        subject = self.question.subject
        if self.speaker:
            named = [s for s in self.searcher.speakers if s.name == self.speaker]
        elif subject and owned(subject):
            named = []  # "Clinton's spokesman" describes someone else than Clinton
        else:
            # "What did Sanders say about Clinton?" asks for Sanders: a name in the subject of
            # its speech verb, where it has one, not one in what it asks about
            named = speakers_named(subject or self.text, self.index)
        docs = self.docs
        return named if docs is None else [s for s in named if s.doc is None or s.doc in docs]

    @cached_property
    def subject(self) -> str | None:
        """Who "what did SUBJECT say" describes, when no speaker is named."""
        return None if self.named_in_text else self.question.subject

    @cached_property
    def named(self) -> list[Speaker]:
        """The speakers the question is about: named, or those a description fits best
        ("the institute boss", or the holder of a view: "What does the Xiaomi boss think")."""
        if self.subject:
            return described(self.subject, self.index)
        if not self.named_in_text and self.question.holds:
            return described(self.question.holds, self.index)
        return self.named_in_text

    @cached_property
    def carried(self) -> Carried:
        """The speaker a follow-up's pronoun stands for, the people it could stand for when
        unresolved, and a person the last question named without the article quoting them."""
        if self.speaker:
            return [], None, None
        return carried_speakers(self.text, self.named, self.context, self.searcher)

    @property
    def unresolved(self) -> list[Speaker] | None:
        return self.carried[1]

    @property
    def person(self) -> str | None:
        return self.carried[2]

    @cached_property
    def leans(self) -> bool:
        """Whether it leans on the turn before it ("And the opposition?", "How often?")."""
        return self.context.asked is not None and not self.speaker and leans_on(self.text, self.named)

    @cached_property
    def focus(self) -> list[Speaker]:
        return self.named or self.carried[0]

    @property
    def focus_name(self) -> str | None:
        return self.focus[0].name if len(self.focus) == 1 else None

    @cached_property
    def asked(self) -> str | None:
        """Whose words or view it asks for: the subject of its speech verb or of its view."""
        return self.question.says or self.question.holds

    @cached_property
    def speaker_terms(self) -> AbstractSet[str]:
        """The words that name the speakers asked about: from the subject of "what did X say
        about Y" when there is one, so that Y's words stay the topic even where they echo X's role."""
        used = speaker_words(self.asked or self.text, self.named, self.index) if self.named and not self.speaker else set()
        if self.subject and self.named:
            used |= set(terms(self.subject))  # "the institute boss": every word of it described who
        return used

    @cached_property
    def topic(self) -> dict[str, str]:
        """What to look for: content words, less those that named a speaker."""
        return topic_words(self.text, set(self.speaker_terms))

    @cached_property
    def confined(self) -> list[int] | None:
        """The passages of the speakers asked about, where the search keeps to them: the
        explicit filter, a speaker with no topic ("What did X say?"), or one whose passages
        hold every word of the topic ("What did X say about Y?" where X speaks of Y). Otherwise
        the speaker only leads the search: the attribution may have given the words to someone
        else, or the article may tell them without quoting."""
        focus = self.focus
        if not focus and self.unresolved and not self.topic:
            # "What did he say?" where "he" fits several people: the closest of their passages
            focus = self.unresolved
        if not focus:
            return None
        theirs = [i for s in focus for i in self.searcher.speaker_chunks(s.name)]
        if self.speaker is not None or not self.topic:
            return theirs
        if self.asked is None or not theirs:
            return None
        _, chunk_terms = vocabulary(self.searcher)
        held = set().union(*(chunk_terms[i] for i in theirs))
        return theirs if set(self.topic.values()) <= held else None

    @cached_property
    def restrict(self) -> list[int] | None:
        return within(self.confined, self.scope)

    @cached_property
    def exclude(self) -> set[int]:
        """What "what else" leaves out: the passages already shown."""
        wants_more = bool(ELSE.search(self.text)) and self.context.turns > 0
        return set(self.context.shown) if wants_more else set()
