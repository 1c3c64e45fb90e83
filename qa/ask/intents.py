"""Intents: questions that ask for something other than a search, read in a fixed order."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from qa.ask.conversation import ELLIPTIC, bare, points_back
from qa.ask.passages import (
    ROLE_ASKED,
    introduction,
    list_speakers,
    named_at,
    next_passage,
    opening_answer,
    plural_description,
    role_holder,
)
from qa.ask.question import QUESTION_WORDS, speakers_named, topic_words
from qa.ask.render import as_text, render
from qa.ask.reply import Answer, abstain, passages
from qa.ask.search import Searcher, within
from qa.ask.turn import Turn
from qa.ask.vocabulary import CAPITALS, mentioned
from qa.index.lexical import STOPWORDS, terms, words
from qa.lang.en import PEOPLE_NOUNS, QUOTED_NOUNS, listed, wordset

# a question after where the last answer's words come from: "What's the source?", "According to whom?"
SOURCE = re.compile(
    r"^\s*(?:where\s+(?:does|did|do)\s+(?:that|this|those|these|it)\b.*\bcome\s+from\b"
    r"|where\s+(?:is|was|are|were)\s+(?:that|this|it|those|these)\s+from\b"
    r"|what(?:'s|\u2019s|\s+is|\s+was|\s+are)\s+(?:the\s+|their\s+|his\s+|her\s+|its\s+)?sources?\b"
    r"|according\s+to\s+(?:whom|who)\b|says\s+who\b|who\s+says\b)",
    re.IGNORECASE,
)

WHO_SAID = re.compile(r"^\s*who\b(?!\s+(?:is|was|are|were)\b)", re.IGNORECASE)

WHO_IS_ROLE = re.compile(
    r"^\s*who\s+(?:is|was)\s+(?:the\s+|its\s+|their\s+|his\s+|her\s+|[A-Z][\w-]*(?:'s|\u2019s)\s+)", re.IGNORECASE
)

_LISTING = wordset("listing_words")  # "List the speakers", "Name the people quoted"

_ARTICLE_NOUNS = frozenset(terms(" ".join(listed("article_nouns"))))

ARTICLE = _ARTICLE_NOUNS | frozenset(terms(" ".join(listed("article_authors"))))  # the article and who wrote it

_ABOUT = frozenset(terms(" ".join(listed("about_words"))))

_BRIEF = frozenset(terms(" ".join(listed("brief_words"))))

_COVERING = frozenset(terms(" ".join(listed("covering_words"))))

_COVERAGE = re.compile(r"\breport(?:s|ed|ing)?\s+(?:on|from)\b|\bcover(?:s|ed|ing)?\b", re.IGNORECASE)

def asks_speaker_list(question: str, named: bool) -> bool:
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
        return not rest - ARTICLE
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
    return not rest - ARTICLE

def asks_about_article(question: str) -> bool:
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


# ---------------------------------------------------------------- the table

NEXT = re.compile(r"\b(?:next|after that|afterwards|then|went on)\b", re.IGNORECASE)
_NEXT_WORDS = frozenset(terms(" ".join(listed("next_words"))))
WHAT_WHO = re.compile(r"^\s*(?:what|which|where|who|whom)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Intent:
    """A kind of question answered otherwise than by a search: `matches` reads the turn, and
    `handle` answers it, or gives None to let the rows below (and then the search) have it."""

    name: str
    matches: Callable[[Turn], bool]
    handle: Callable[[Turn], Answer | None]


def without(question: str, stems: AbstractSet[str]) -> str:
    """The question with the words whose stems are given left out."""
    kept = [w for w in re.findall(r"\S+", question) if not (set(terms(w)) and set(terms(w)) <= stems)]
    return " ".join(kept) or question


def _asks_who_said_so(turn: Turn) -> bool:
    """ "Who said so?", "Who made that claim?", "Where does that figure come from?" after an answer."""
    text = turn.text
    return (
        not turn.speaker
        and turn.context.last is not None
        and bool((WHO_SAID.match(text) and points_back(text)) or SOURCE.match(text))
        and len(turn.question.topic) <= 2
    )


def _who_said_so(turn: Turn) -> Answer:
    """Whoever the last answer quoted first."""
    assert turn.context.last is not None
    shown = [turn.searcher.hit(turn.context.last)]
    markdown = render(shown, who_said=True, marked=False)
    return replace(passages(turn.text, "", shown), who_said=True, speaker=shown[0].speaker, markdown=markdown)


def _asks_speaker_list(turn: Turn) -> bool:
    # "the reporter", "the report" may match a speaker's role word; they name the article here
    named = bool(turn.named_in_text) and bool(speakers_named(without(turn.text, ARTICLE), turn.index))
    return not turn.speaker and asks_speaker_list(turn.text, named)


def _asks_about_article(turn: Turn) -> bool:
    return not turn.speaker and asks_about_article(turn.text)


def _role_holder(turn: Turn) -> Answer | None:
    """ "Who is the health minister?", "Who is Northwind's chief executive?": the speaker whose
    role it is, where the article names them."""
    office = role_holder(turn.searcher, turn.text, turn.docs)
    if office is None or not all(s.name == office.name for s in turn.named_in_text):
        return None
    found = named_at(turn.searcher, office, turn.scope)
    if found is None:
        return None
    role = f" ({as_text(office.role)})" if office.role else ""
    return replace(passages(turn.text, f"**{as_text(office.name)}**{role}:", [found]), speaker=office.name)


def describes_no_one(turn: Turn) -> bool:
    """ "What did the mayor say?" where the article quotes no one a description fits, and
    names no such person either."""
    subject = turn.subject
    if not subject:
        return False
    return not turn.named and not plural_description(subject) and not mentioned(turn.searcher, subject)


def unresolved_note(turn: Turn) -> str:
    """What an answer says first when a pronoun fits several people of the article (the
    passage shown is the closest among theirs, and who they are), or no one it quotes."""
    who = turn.question.pronoun
    unresolved = turn.unresolved
    if unresolved is None:
        return ""
    if not unresolved:
        return f"*No one the article quotes fits '{who}'; the closest passage:*"
    # those the article calls "he" or "she" first named, else those it never does
    fits = [s for s in unresolved if s.gender == who] or unresolved
    listed = ", ".join(as_text(s.name) for s in fits[:4]) + (" ..." if len(fits) > 4 else "")
    return f"*'{who}' could be any of {listed}; the closest passage:*"


def _unknown_speaker(turn: Turn) -> bool:
    return bool(turn.speaker) and not turn.searcher.speaker_chunks(turn.speaker)


def _nothing_to_look_for(turn: Turn) -> bool:
    """No topic, no one asked about, and no turn before it."""
    return (
        not turn.topic
        and not turn.focus
        and not turn.speaker
        and not turn.context.turns
        and not CAPITALS.search(turn.text)
    )


def _lean_on_nothing(turn: Turn) -> Answer:
    """ "Why?", "And?", "What does it mean?", "What did he say?" lean on a question that was
    never asked; "What happened?", "Tell me more" ask about the article as a whole."""
    text = turn.text
    who = turn.question.pronoun
    if turn.unresolved is not None and who in ("he", "she", "they"):
        # "What did he say?" as a first question: several people fit, and nothing says which
        reason = f"'{who}' points back to an earlier question, and there is none: ask about someone by name"
        return abstain(text, reason, None)
    if bare(text) or ELLIPTIC.match(text) or who == "it":
        return abstain(text, "it points back to an earlier question, and there is none: ask it in full", None)
    return opening_answer(turn.searcher, text, turn.k, turn.docs)


def _asks_next(turn: Turn) -> bool:
    """ "What did he say next?", "What happened after that?" """
    return turn.context.last is not None and bool(NEXT.search(turn.text)) and not set(turn.topic.values()) - _NEXT_WORDS


def _next(turn: Turn) -> Answer | None:
    """The passage after the one the last answer quoted first (the speaker's own next one
    when the follow-up is about them)."""
    assert turn.context.last is not None
    focus = turn.focus if turn.carried[0] or turn.speaker else []
    following = next_passage(turn.searcher, turn.context.last, focus)
    if following is None:
        return None
    return replace(passages(turn.text, "Next in the article:", [following]), speaker=following.speaker)


INTENTS: tuple[Intent, ...] = (
    Intent("who said so", _asks_who_said_so, _who_said_so),
    Intent("who is quoted", _asks_speaker_list, lambda t: list_speakers(t.searcher, t.text, t.docs)),
    Intent("what is it about", _asks_about_article, lambda t: opening_answer(t.searcher, t.text, t.k, t.docs)),
    Intent("role holder", lambda t: not t.speaker and bool(WHO_IS_ROLE.match(t.text)), _role_holder),
    Intent(
        "unknown speaker filter",
        _unknown_speaker,
        lambda t: abstain(t.text, f"the article quotes no one called {t.speaker}", t.speaker),
    ),
    Intent("nothing to look for", _nothing_to_look_for, _lean_on_nothing),
    Intent("next in the article", _asks_next, _next),
)
"""Read in order before any search; the first row whose handler answers gives the reply."""


def _asks_own_role(turn: Turn) -> bool:
    """ "What is her job?", "Where does he work?", "Which university is she from?" about a speaker."""
    topic = turn.topic
    return (
        turn.focus_name is not None
        and bool(topic)
        and set(topic.values()) <= ROLE_ASKED
        and bool(WHAT_WHO.match(turn.text))
    )


def _own_role(turn: Turn, query: str) -> Answer | None:
    """The passage that introduces the speaker by name and role: of their own passages when
    the attribution read a role, else of those that name them."""
    name = turn.focus_name
    assert name is not None
    searcher = turn.searcher
    if turn.focus[0].role:
        ids = within(searcher.speaker_chunks(name), turn.restrict if turn.speaker else turn.scope) or []
    else:
        ids = _naming(searcher, name, turn.scope)
    introduced = introduction(searcher, name, ids)
    return None if introduced is None else replace(passages(turn.text, "", [introduced]), speaker=name, query=query)


def _naming(searcher: Searcher, name: str, scope: list[int] | None) -> list[int]:
    """The passages whose words name someone in full, within `scope`."""
    return within([c.id for c in searcher.chunks if name in c.text], scope) or []


def _asks_person_role(turn: Turn) -> bool:
    """The same about a person the article names without quoting."""
    return bool(turn.person and turn.topic and set(turn.topic.values()) <= ROLE_ASKED and WHAT_WHO.match(turn.text))


def _person_role(turn: Turn, query: str) -> Answer | None:
    person = turn.person
    assert person is not None
    ids = _naming(turn.searcher, person, turn.scope)
    introduced = introduction(turn.searcher, person, ids)
    return None if introduced is None else replace(passages(turn.text, "", [introduced]), query=query)


@dataclass(frozen=True)
class FoundIntent:
    """A row read once the search has found something: `handle` also gets the words searched with."""

    name: str
    matches: Callable[[Turn], bool]
    handle: Callable[[Turn, str], Answer | None]


AFTER_SEARCH: tuple[FoundIntent, ...] = (
    FoundIntent("own role", _asks_own_role, _own_role),
    FoundIntent("role of someone named", _asks_person_role, _person_role),
)
"""Read in order once the search has found passages, before the refusal."""
