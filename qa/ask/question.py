"""Questions: cleaning, and reading what a question asks and about whom. Below retrieval and answering."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from qa.attribution.places import other_name_known
from qa.attribution.statements import Speaker
from qa.errors import BadQuestionError
from qa.index.chunking import Chunk
from qa.index.lexical import STOPWORDS, terms, words
from qa.lang.en import ANSWER_CATEGORIES, MONTHS, PRONOUN_FORMS, WEEKDAYS, listed, wordset
from qa.lang.parser import pipeline

MAX_QUESTION_CHARS = 1000
# refused on raw length, before any work: NFKC can grow a text 18-fold, so normalising
# only bounded input keeps a refusal cheap (a question padded with this much space is refused too)
MAX_RAW_CHARS = 8 * MAX_QUESTION_CHARS


def clean_question(question: object) -> str:
    """The question as text, or BadQuestionError saying why it cannot be used."""
    if not isinstance(question, str):
        raise BadQuestionError("the question must be text")
    if len(question) > MAX_RAW_CHARS:
        raise BadQuestionError(
            f"the question is too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})"
        )
    text = unicodedata.normalize("NFKC", question)
    text = "".join(ch if ch.isprintable() or ch in " \t\n" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        raise BadQuestionError("the question is empty; ask something about the article")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestionError(f"the question is too long ({len(text)} characters; the limit is {MAX_QUESTION_CHARS})")
    if not any(ch.isalnum() for ch in text):
        raise BadQuestionError("the question has no words in it")
    return text


# a kind of thing followed by the thing itself: "the YEAR 1994", "the CITY of Leeds"
_NAMED_CATEGORY = re.compile(r"\b(?i:" + "|".join(sorted(ANSWER_CATEGORIES)) + r")\s+(?=(?:of\s+)?(?:\d|[A-Z]))")
# "take place" frames a when/where question the way "happen" does
_TAKE_PLACE = re.compile(r"\b(?:take|takes|took|taken|taking)\s+place\b", re.IGNORECASE)
QUESTION_WORDS = frozenset(terms(" ".join(listed("question_words"))))
SAME_WORD = 0.72  # cosine at which two words count as the same (inflections, close synonyms)
PRONOUNS = PRONOUN_FORMS
_AMBIGUOUS = 20  # a name part or role word shared by more speakers than this is ignored


@dataclass
class SpeakerIndex:
    """Per-index lookups for spotting speakers in questions; built once per index."""

    speakers: dict[str, Speaker] = field(default_factory=dict)
    by_token: dict[str, set[str]] = field(default_factory=dict)  # name part or alias -> speakers
    role_terms: dict[str, set[str]] = field(default_factory=dict)
    role_owners: dict[str, set[str]] = field(default_factory=dict)  # role term -> speakers
    name_terms: dict[str, set[str]] = field(default_factory=dict)
    full_names: dict[str, str] = field(default_factory=dict)  # lower-cased full name -> speaker

    @classmethod
    def build(cls, chunks: Sequence[Chunk], speakers: Sequence[Speaker]) -> SpeakerIndex:
        df: Counter[str] = Counter()
        for chunk in chunks:
            df.update(set(terms(chunk.text)))
        common = {t for t, count in df.items() if count > 0.25 * max(1, len(chunks))}
        index = cls()
        for s in speakers:
            index.speakers[s.name] = s
            index.name_terms[s.name] = set(terms(s.name))
            index.full_names[" ".join(words(s.name))] = s.name
            tokens = [s.name.split()[0]] if s.kind == "organization" else s.name.split()
            if not s.named:
                tokens = []  # "a union representative": its words describe, as a role's do
            for token in [*tokens, *s.aliases]:
                index.by_token.setdefault(token.lower(), set()).add(s.name)
            found = set(terms(s.role or "" if s.named else s.name)) - common - QUESTION_WORDS
            index.role_terms[s.name] = found
            for t in found:
                index.role_owners.setdefault(t, set()).add(s.name)
        return index


def _mentions(question: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", question) is not None


def speaker_scores(question: str, index: SpeakerIndex, *, loose: bool = False) -> dict[str, tuple[float, set[str]]]:
    """Speakers the question may mean, with a score and the question terms that point to them."""
    q_terms = set(terms(question))
    lowered = question.lower()
    q_words = words(question)
    candidates: set[str] = set()
    for size in range(1, 7):  # full names, found by their words in a row
        for i in range(len(q_words) - size + 1):
            found = index.full_names.get(" ".join(q_words[i : i + size]))
            if found:
                candidates.add(found)
    for word in q_words:  # a name part shared by many speakers points to none of them
        owners = index.by_token.get(word, set())
        if len(owners) <= _AMBIGUOUS:
            candidates |= owners
    for t in q_terms:
        owners = index.role_owners.get(t, set())
        if len(owners) <= _AMBIGUOUS:
            candidates |= owners
    scores: dict[str, tuple[float, set[str]]] = {}
    for name in sorted(candidates):
        s = index.speakers[name]
        score = 0.0
        used: set[str] = set()
        if s.name.lower() in lowered or any(_mentions(question, a) for a in s.aliases):
            score += 10
            used |= index.name_terms[s.name]
        elif s.kind == "person":
            parts = [p for p in s.name.split() if len(p) > 1 and p[0].isupper() and p.lower() in q_words]
            matched = [p for p in parts if _mentions(question, p)]
            if matched:
                score += 5
                used |= set(terms(" ".join(matched)))
        role_hits = index.role_terms.get(s.name, set()) & q_terms
        role_score = sum(1.0 if len(index.role_owners[t]) == 1 else 0.3 for t in role_hits)
        # one shared or generic word ("tech") is not enough to mean a speaker; two are, or
        # the word naming a cited document ("the report")
        role_words = terms(s.role or "")
        names_document = s.kind == "organization" and len(role_words) == 1 and bool(role_hits)
        if role_score >= 2 or (role_score >= 1 and names_document) or (loose and role_score > 0):
            score += role_score
            used |= role_hits
        if score > 0:
            scores[s.name] = (score, used)
    return scores


def speakers_named(question: str, index: SpeakerIndex) -> list[Speaker]:
    """The speakers a question names: full name, surname, alias, or distinctive role words."""
    scores = speaker_scores(question, index)
    if not scores:
        return []
    best = max(score for score, _ in scores.values())
    return [index.speakers[name] for name, (score, _) in sorted(scores.items()) if score >= 0.75 * best]


def speaker_words(question: str, named: Sequence[Speaker], index: SpeakerIndex) -> set[str]:
    """The question's terms that point to the speakers it names (their names, role words)."""
    used: set[str] = set()
    for name, (_, terms_used) in speaker_scores(question, index, loose=True).items():
        if any(s.name == name for s in named):
            used |= terms_used
    return used


def says(question: str) -> str | None:
    """The subject of a speech verb the question asks about ("what did SUBJECT say ..."), pronouns included."""
    m = _ASKED.search(question)
    return m.group("subject").strip() if m else None


def holds(question: str) -> str | None:
    """Whose view the question asks for ("What does SUBJECT think about ...", "Did SUBJECT
    mention ...", "What is SUBJECT's view on ..."). Unlike a speech verb's subject, one that
    is no speaker of the article refuses nothing: encyclopedic text gives views as narration
    ("Piketty argues ...")."""
    m = next((found for pattern in _VIEWS if (found := pattern.search(question))), None)
    return m.group("subject").strip() if m else None


def pronoun(question: str) -> str | None:
    for word in re.findall(r"[a-z]+", question.lower()):
        if word in PRONOUNS:
            return PRONOUNS[word]
    return None


def compatible(speaker: Speaker, pronoun: str) -> bool:
    if pronoun in ("he", "she"):
        return speaker.kind == "person" and speaker.gender in (None, pronoun)
    if pronoun == "it":
        return speaker.kind in ("organization", "document")
    return True


_ASKED = re.compile(
    r"\b(?:did|does|do|has|have|had|would|will)\s+(?P<subject>(?:the|a|an)\s+[\w'\u2019 -]{2,50}?|[A-Z][\w'\u2019-]*"
    r"(?:\s+[A-Z][\w'\u2019-]*)*)\s+(?:say|tell|claim|argue|warn|predict|add|note|suggest|comment|stress|"
    r"describe|liken|compare|call|announce|admit|insist)\b",
    re.IGNORECASE,
)
_SUBJECT = r"(?P<subject>(?:the|a|an)\s+[\w'\u2019 -]{2,50}?|[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*)"
# "What does X think about ...", "Did X mention ...", "What is X's view on ...": what someone holds
_VIEWS = (
    re.compile(
        rf"\b(?:did|does|do|has|have|had|would|will)\s+{_SUBJECT}\s+(?:think|believe|feel|mention|discuss|talk|speak)\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?:is|was|are|were)\s+{_SUBJECT}(?:'s|\u2019s|s'|\u2019)\s+"
        r"(?:views?|opinions?|position|stance|take|thoughts?|verdict|assessment|argument)\b",
        re.IGNORECASE,
    ),
)
_SELF = frozenset(terms(" ".join(listed("self_words"))))


def asked_subject(question: str) -> str | None:
    """Who the question asks about in "What did SUBJECT say ...", unless it is a pronoun."""
    subject = says(question)
    if subject is None:
        return None
    bare = re.sub(r"^(?:the|a|an)\s+", "", subject, flags=re.IGNORECASE)
    if bare.lower() in PRONOUNS or not terms(bare) or set(terms(bare)) <= _SELF:
        return None
    return subject


def topic_words(question: str, ignore: set[str]) -> dict[str, str]:
    """Content words of the question (surface form -> stem), minus question words and names used."""
    topic: dict[str, str] = {}
    for word in words(_NAMED_CATEGORY.sub(" ", _TAKE_PLACE.sub(" ", question))):
        if word in STOPWORDS:
            continue
        stems = terms(word)
        if stems and stems[0] not in QUESTION_WORDS and stems[0] not in ignore:
            topic.setdefault(word, stems[0])
    return topic


_NOUNISH = frozenset({"NOUN", "PROPN", "NUM"})


@lru_cache(maxsize=4096)
def parse(question: str) -> Any:
    """The question's spaCy parse, made once for every reader of it below."""
    return pipeline(entities=False)(question)


def things_asked(question: str) -> frozenset[str]:
    """The question's nouns, names and numbers (lower case): what it is about, as opposed to
    the verbs around them, which an article may well phrase otherwise."""
    found = set()
    for token in parse(question):
        if token.pos_ in _NOUNISH or (token.pos_ == "ADJ" and token.text[:1].isupper()):
            found.update(words(token.text))
    return frozenset(found)


_TYPE_OPENINGS = {
    "age": re.compile(r"^(?:(?:and |so |but )?how old)\b"),
    "when": re.compile(r"^(?:when|(?:in |by |since )?(?:what|which) (?:year|date|day|month|century|decade|time)s?)\b"),
    "number": re.compile(
        r"^(?:how (?:many|much|long|far|old|big|large)|(?:what|which) (?:percentage|percent|share|number|amount|proportion))\b"
    ),
    "where": re.compile(r"^(?:where|(?:in |from )?(?:what|which) (?:city|country|province|state|region|place|town))\b"),
    "why": re.compile(r"^(?:(?:and |but |so )?why|how come|for what reason|what (?:is|was) the reason)\b"),
}


# "what is X", "what can X do", "how does the article describe X": the thing to define
_DEFINITION_QUESTION = re.compile(
    r"^\s*(?:what (?:is|are|was|were) (?:a |an |the )?(?P<a>[^?]+?)(?: able to do| used for| made of)?"
    r"|what (?:can|could|do|does|did) (?:a |an |the )?(?P<b>[^?]+?) do"
    r"|how (?:does|do|did) the (?:article|story|report|piece|text) describe (?:a |an |the )?(?P<c>[^?]+?))\s*\??\s*$",
    re.IGNORECASE,
)


def defined_subject(question: str) -> str | None:
    """The stem of the thing a question asks to have defined or described: "What is an AI large
    model?" -> "model"; "What can large models do?" -> "model". None for other questions."""
    match = _DEFINITION_QUESTION.match(question)
    if not match:
        return None
    thing = next(g for g in match.groups() if g)
    thing = re.split(r"\s+(?:of|in|for|on|at|by|with|about)\s+", thing)[0]  # "the population of X"
    stems = terms(thing)
    return stems[-1] if stems else None


def answer_type(question: str) -> str | None:
    """What kind of thing the question's opening asks for: "age", "when", "number", "where" or "why"."""
    opening = " ".join(words(question)[:4])
    return next((kind for kind, pattern in _TYPE_OPENINGS.items() if pattern.search(opening)), None)


_WH = frozenset({"what", "which", "whose"})
_GENERIC_NOUNS = wordset("generic_nouns")
_ROLE_NOUNS = wordset("role_nouns")


def focus_heads(question: str) -> tuple[str, ...]:
    """The word naming what a question asks for, read from its parse (lower case):
    "what CHIPS ...", "how many PEOPLE ...", "what is the POPULATION of ...",
    "what did they say about SAFETY", "how much did it EARN". Empty when the question
    asks for no particular thing (yes/no questions, "what did X say")."""
    doc = parse(question)

    def head(token: Any) -> Any:
        # "what kind of data": the thing is after "of"
        if token.lemma_.lower() in _GENERIC_NOUNS:
            for child in token.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    objects = [g for g in child.children if g.dep_ == "pobj"]
                    if objects:
                        return objects[0]
        return token

    found = []
    for token in doc:
        if token.lemma_.lower() in ANSWER_CATEGORIES or token.lower_ in ANSWER_CATEGORIES:
            continue
        lowered = token.lower_
        if lowered in _WH and token.dep_ == "det" and token.head.pos_ in ("NOUN", "PROPN"):
            found.append(head(token.head))
        elif lowered in ("many", "much") and token.i > 0 and doc[token.i - 1].lower_ == "how":
            if token.head.pos_ in ("NOUN", "PROPN") and token.head is not token:
                found.append(head(token.head))
            elif token.head.pos_ == "VERB":
                found.append(token.head)
        elif lowered in _WH and token.dep_ == "attr" and token.head.lemma_ == "be":
            found += [head(c) for c in token.head.children if c.dep_ == "nsubj" and c.pos_ in ("NOUN", "PROPN")]
        elif (
            lowered == "about"
            and token.dep_ == "prep"
            and token.head.lemma_ in ("say", "tell", "think", "speak", "talk")
        ):
            found += [head(c) for c in token.children if c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")]
    return tuple(dict.fromkeys(w for t in found if t.lower_ not in ANSWER_CATEGORIES for w in words(t.text)))


def kind_asked(question: str) -> frozenset[str]:
    """The stems of the kind of thing a "what/which N" question asks for: "What PROBLEM does
    the sector face?", "Which EDITION is this?", and a role asked for ("What is her JOB?").
    The answer is one of them; the article need not use the word itself."""
    doc = parse(question)
    kinds = {
        stem
        for token in doc
        if token.lower_ in ("what", "which") and token.dep_ == "det" and token.head.pos_ == "NOUN"
        for stem in terms(token.head.text)
    }
    if any(token.lower_ in ("what", "which") for token in doc):
        # "What is her JOB?", "What's his DAY JOB?": the answer is a title or an apposition
        for token in doc:
            if token.pos_ == "NOUN" and token.lemma_.lower() in _ROLE_NOUNS:
                parts = [c for c in token.children if c.dep_ == "compound"]
                kinds.update(stem for t in (*parts, token) for stem in terms(t.text))
    return frozenset(kinds)


_MODIFIER = frozenset({"amod"})  # a name that only describes the word it stands before
# a month or a weekday is a date, which an article may give in another form ("Feb", "2/14")
_CALENDAR = re.compile(
    "(?:"
    + "|".join([*MONTHS, *WEEKDAYS, *"Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()])
    + r"|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?",
    re.IGNORECASE,
)
_RUNS_MEMO = 1024  # questions whose unknown names a vocabulary remembers
_PREFIX_MIN = 3  # letters a word needs to stand for a longer article word it begins ("Fed")
_SLIP_MIN = 5  # letters a word needs before one slip of the keyboard may stand for another


def _folded(word: str) -> str:
    """A word without its accents: "céloron" -> "celoron"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Vocabulary(set[str]):
    """An article's words (lower case), which also knows a name that is one slip away from one
    of them: a letter dropped, added or changed, or an accent left out ("Moncalm" for
    "Montcalm", "Celeron" for "Céloron"), and a name that is the start of one ("Fed" for
    "Federal") or that one starts ("Americans"). Only words of five letters or more slip.
    `acronyms`: the article's words in capitals ("US"), as written."""

    def __init__(self, found: Iterable[str] = (), acronyms: Iterable[str] = ()) -> None:
        super().__init__(found)
        self.acronyms = frozenset(acronyms)
        # worked out on first use and kept with the words they are read from
        self._near: dict[str, set[str]] | None = None
        self._numbers: frozenset[str] | None = None
        self._ordered: list[str] | None = None
        self._plain_words: frozenset[str] | None = None
        self.runs: dict[tuple[str, bool], list[list[Any]]] = {}  # a question's unknown names, see _name_runs

    def knows(self, word: str) -> bool:
        if word in self:
            return True
        folded = _folded(word)
        if folded in self._plain():
            return True
        if len(folded) >= _PREFIX_MIN and self._begins(folded):
            return True
        return bool(self._slips(folded))

    def slip_of(self, word: str) -> str | None:
        """The article word one slip of the keyboard away from a word of five letters or more
        that the article does not have ("safty", "secuirty"), or None; of several, the first in
        alphabetical order. Only words of letters are given back."""
        found = [w for w in self._slips(_folded(word)) if w.isalpha()]
        return min(found) if found else None

    def _slips(self, folded: str) -> set[str]:
        """The article words one slip away from a word (without its accents) they do not hold."""
        if len(folded) < _SLIP_MIN or folded in self._plain():
            return set()
        # deletion neighbourhoods: a letter missing (the word is a deletion of an article
        # word), one too many (a deletion of it is an article word) or one changed or two
        # swapped (a deletion of each in common)
        near = self._near
        if near is None:
            near = {}
            for w in self:
                plain = _folded(w)
                if len(plain) >= _SLIP_MIN - 1:  # "lords" is one letter too many for "lord"
                    near.setdefault(plain, set()).add(w)
                if len(plain) >= _SLIP_MIN:
                    for key in _deletions(plain):
                        near.setdefault(key, set()).add(w)
            self._near = near
        found = set(near.get(folded, ()))
        for d in _deletions(folded):
            found |= near.get(d, set())
        return found

    def numbers(self) -> frozenset[str]:
        """The figures the article writes, commas left out ("1,328" as "1328"; "2003-04" gives
        "2003" and "04"; "1990s" gives "1990")."""
        found = self._numbers
        if found is None:
            found = self._numbers = frozenset(
                n for w in self if any(ch.isdigit() for ch in w) for n in _figures(w)
            )
        return found

    def _begins(self, word: str) -> bool:
        """Is the word the start of an article word ("fed": "federal"), or an article word of
        five letters or more the start of it ("americans": "america")?"""
        ordered = self._ordered
        if ordered is None:
            ordered = self._ordered = sorted(self._plain())
        at = bisect.bisect_left(ordered, word)
        if at < len(ordered) and ordered[at].startswith(word):
            return True
        return any(word[:n] in self._plain() for n in range(_SLIP_MIN, len(word)))

    def _plain(self) -> frozenset[str]:
        """The words without their accents."""
        plain = self._plain_words
        if plain is None:
            plain = self._plain_words = frozenset(_folded(w) for w in self)
        return plain


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")
_FIGURE_SUFFIXED = re.compile(r"(\d[\d.,]*)[a-z.]+")  # "2.5bn", "1990s", "3000bc", "10km"


def _figures(word: str) -> list[str]:
    return [f.replace(",", "") for f in _FIGURE.findall(word)]


def _counts(figure: str) -> bool:
    """A figure from 10 up or with decimals: one to nine are as often spelled out."""
    return "." in figure or int(figure) >= 10


_SCALES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}


def _written_otherwise(figure: str, suffix: str) -> set[str]:
    """Other ways an article writes a figure a question shortens: "250k" as 250,000, "2.5m"
    as 2,500,000; a decade or a year by its last two digits ("the 90s", "'92") in full."""
    other: set[str] = set()
    scale = _SCALES.get(suffix.rstrip("."))
    try:
        value = float(figure)
    except ValueError:
        return other
    if scale:
        whole = value * scale
        if whole == int(whole):
            other.add(str(int(whole)))
    if "." not in figure and len(figure) == 2 and suffix in ("", "s"):
        other |= {f"19{figure}", f"20{figure}"}
    return other


def unknown_numbers(question: str, vocabulary: set[str]) -> list[str]:
    """The figures and codes in a question that the article never writes: "What happened in
    1995?", "What did she say about 5G?" of an article with neither. An ordinal never counts
    ("5th": "fifth"), a measure by its figure ("2.5bn", "1990s"), a code ("5G", "COVID-19")
    by its parts."""
    if not isinstance(vocabulary, Vocabulary):
        vocabulary = Vocabulary(vocabulary)
    known = vocabulary.numbers()
    unknown: list[str] = []
    for word in words(question):
        if not any(ch.isdigit() for ch in word) or _ORDINAL.fullmatch(word):
            continue
        measure = _FIGURE_SUFFIXED.fullmatch(word)
        suffix = ""
        if measure and _counts(measure.group(1).replace(",", "")):
            figures, suffix = _figures(measure.group(1)), word[measure.end(1) :]
        elif any(ch.isalpha() for ch in word):
            if word not in vocabulary and not all(p in vocabulary for p in re.split(r"[-+/]", word) if p):
                unknown.append(word)
            continue
        else:
            figures = [f for f in _figures(word) if _counts(f)]
        if any(f not in known and not (_written_otherwise(f, suffix) & known) for f in figures):
            unknown.append(word)
    return [_as_written(word, question) for word in unknown]


def _as_written(word: str, question: str) -> str:
    found = re.search(re.escape(word), unicodedata.normalize("NFKC", question), re.IGNORECASE)
    return found.group(0) if found else word


def _name_runs(question: str, known: Vocabulary, *, part: bool = False) -> list[list[Any]]:
    """Runs of proper nouns in the question (by the parse) of which the article uses no word,
    not even one slip of the keyboard away, nor the country they name under another name;
    with `part`, the words of each run that the vocabulary lacks, wherever one of them does
    ("Second" of "Second Minister" beside "First Minister"). Kept with the vocabulary: the
    refusal's features, the name rules and the refusal's reason all ask about the same question."""
    memo = known.runs
    if (question, part) not in memo:
        if len(memo) >= _RUNS_MEMO:
            memo.clear()
        memo[question, part] = _find_name_runs(question, known, part)
    return memo[question, part]


def _find_name_runs(question: str, known: Vocabulary, part: bool) -> list[list[Any]]:
    capitals = [w for w in re.findall(r"[^\W\d_][\w'\u2019.-]*", question) if w[:1].isupper()]
    if all(w in STOPWORDS or known.knows(w) for c in capitals for w in words(c)):
        return []  # no parse needed: every capitalised word is the article's, or "What", "Did"
    found: list[list[Any]] = []
    run: list[Any] = []
    for token in [*parse(question), None]:
        if token is not None and token.pos_ == "PROPN" and token.text[:1].isupper():
            run.append(token)
            continue
        lacking = [t for t in run if not any(known.knows(w) for w in words(t.text))]
        if lacking and (part or len(lacking) == len(run)):
            # a country under another of its names counts as known, whole ("South Korea") or
            # by one word ("America" of "America's share")
            name = " ".join(t.text for t in run)
            unknown = [t for t in lacking if not other_name_known(t.text, known, known.acronyms)]
            if unknown and not other_name_known(name, known, known.acronyms):
                if not part:
                    found.append(run)
                elif run[-1].dep_ not in _MODIFIER:
                    found.append(unknown)
        run = []
    return found


def unknown_names(question: str, vocabulary: set[str]) -> list[str]:
    """Names in the question that the article never uses: "Tencent", "Jack Ma"."""
    known = vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(vocabulary)
    return [" ".join(t.text for t in run) for run in _name_runs(question, known)]


def foreign_names(question: str, vocabulary: set[str], *, part: bool = False) -> list[str]:
    """The unknown names that stand for someone or something of their own, as a subject or an
    object ("What did Jack Ma say?", "How many models does Peru have?"): not a word describing
    another ("Peruvian firms"), not an acronym ("GDP"), which an article may well spell out.
    With `part`, the unknown words of names the vocabulary knows only in part."""
    known = vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(vocabulary)
    return [
        " ".join(t.text for t in run)
        for run in _name_runs(question, known, part=part)
        if run[-1].dep_ not in _MODIFIER
        and not all(t.text.replace(".", "").isupper() for t in run)
        and not all(_CALENDAR.fullmatch(t.text) for t in run)
    ]


@dataclass(frozen=True)
class Question:
    """A question read once: its cleaned text and what later steps read of it. Each reading is
    made on first use and kept (the parse-based ones cost a model call, and many questions
    never need them)."""

    text: str

    @classmethod
    def read(cls, raw: object) -> Question:
        """The question from what the user typed, or BadQuestionError saying why it cannot be used."""
        return cls(clean_question(raw))

    @cached_property
    def topic(self) -> dict[str, str]:
        """Content words (surface form -> stem), question words and names left in."""
        return topic_words(self.text, set())

    @cached_property
    def wh(self) -> str | None:
        """What the opening asks for: "age", "when", "number", "where", "why" or None."""
        return answer_type(self.text)

    @cached_property
    def pronoun(self) -> str | None:
        """The first personal pronoun, as "he", "she", "they" or "it"."""
        return pronoun(self.text)

    @cached_property
    def says(self) -> str | None:
        """The subject of "what did SUBJECT say ...", pronouns included."""
        return says(self.text)

    @cached_property
    def holds(self) -> str | None:
        """Whose view it asks for: "What does SUBJECT think ..." """
        return holds(self.text)

    @cached_property
    def subject(self) -> str | None:
        """Who "what did SUBJECT say" asks about, unless a pronoun."""
        return asked_subject(self.text)

    @cached_property
    def defined(self) -> str | None:
        """The stem of what "what is X" asks to define."""
        return defined_subject(self.text)

    @cached_property
    def kinds(self) -> frozenset[str]:
        """The kinds of thing it asks for, from its parse (read where a word is missing)."""
        return kind_asked(self.text)
