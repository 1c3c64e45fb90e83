"""Answering: who the question is about, follow-ups, honest abstention, and the reply text."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from qa.attribution import Speaker
from qa.lexical import STOPWORDS, terms, words

if TYPE_CHECKING:
    from qa.retrieval import Hit, Retriever

# words that shape a question but carry no topic of their own
_QUESTION_RAW = (
    "what who whom whose when where why how which much many say said says saying tell told "
    "think thought talk talked speak spoke mention mentioned comment commented article "
    "according else anything something more other another besides quote quoted claim "
    "statement view views opinion believe does did do know explain explained describe "
    "described give gave mean meant"
).split()
_QUESTION_WORDS = frozenset(terms(" ".join(_QUESTION_RAW)))
_SAME_WORD = 0.72  # cosine at which two words count as the same (inflections, close synonyms)
_PRONOUNS = {
    "he": "he",
    "him": "he",
    "his": "he",
    "himself": "he",
    "she": "she",
    "her": "she",
    "hers": "she",
    "herself": "she",
    "they": "they",
    "them": "they",
    "their": "they",
    "theirs": "they",
    "it": "it",
    "its": "it",
}
_ELSE = re.compile(r"\b(?:else|more|other|another|besides|apart from|as well|also)\b", re.IGNORECASE)
_WHO_IS = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\b", re.IGNORECASE)
_WHO_SAID = re.compile(r"^\s*who\b(?!\s+(?:is|was|are|were)\b)", re.IGNORECASE)
_MISSING_SHARE = 0.5  # abstain when at least this share of the topic is absent from the candidates
_MIN_DENSE = 0.2  # ... or when even the best passage is this unlike the question
_DENSE_MARGIN = 0.06  # further quotes must be about as close to the question as the first ...
_LEXICAL_SHARE = 0.4  # ... and share a fair part of its matching words
_HISTORY_TURNS = 6  # earlier turns that can shape an answer
_MEMO_SIZE = 4096
_AMBIGUOUS = 20  # a name part or role word shared by more speakers than this is ignored

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

    def render(self, after: Callable[[Hit], str] | None = None) -> str:
        """The reply as Markdown; `after` adds something under each quote (the chat's source view)."""
        if self.abstained:
            return self.markdown
        return "\n\n".join(filter(None, [self.preface, render(self.hits, who_said=self.who_said, after=after)]))

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

    speakers: dict[str, Speaker] = field(default_factory=dict)
    by_token: dict[str, set[str]] = field(default_factory=dict)  # name part or alias -> speakers
    role_terms: dict[str, set[str]] = field(default_factory=dict)
    role_owners: dict[str, set[str]] = field(default_factory=dict)  # role term -> speakers
    name_terms: dict[str, set[str]] = field(default_factory=dict)
    full_names: dict[str, str] = field(default_factory=dict)  # lower-cased full name -> speaker

    @classmethod
    def of(cls, retriever: Retriever) -> _SpeakerIndex:
        cached = getattr(retriever, "_speaker_index", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        df: Counter[str] = Counter()
        for chunk in retriever.chunks:
            df.update(set(terms(chunk.text)))
        common = {t for t, count in df.items() if count > 0.25 * max(1, len(retriever.chunks))}
        index = cls()
        for s in retriever.speakers:
            index.speakers[s.name] = s
            index.name_terms[s.name] = set(terms(s.name))
            index.full_names[" ".join(words(s.name))] = s.name
            tokens = [s.name.split()[0]] if s.kind == "organization" else s.name.split()
            for token in [*tokens, *s.aliases]:
                index.by_token.setdefault(token.lower(), set()).add(s.name)
            found = set(terms(s.role or "")) - common - _QUESTION_WORDS
            index.role_terms[s.name] = found
            for t in found:
                index.role_owners.setdefault(t, set()).add(s.name)
        retriever._speaker_index = index  # type: ignore[attr-defined]
        return index


def _mentions(question: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", question) is not None


def _speaker_scores(question: str, retriever: Retriever, *, loose: bool = False) -> dict[str, tuple[float, set[str]]]:
    """Speakers the question may mean, with a score and the question terms that point to them."""
    index = _SpeakerIndex.of(retriever)
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


def speakers_named(question: str, retriever: Retriever) -> list[Speaker]:
    """The speakers a question names: full name, surname, alias, or distinctive role words."""
    scores = _speaker_scores(question, retriever)
    if not scores:
        return []
    best = max(score for score, _ in scores.values())
    index = _SpeakerIndex.of(retriever)
    return [index.speakers[name] for name, (score, _) in sorted(scores.items()) if score >= 0.75 * best]


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


@dataclass(frozen=True)
class _Context:
    """What the conversation so far tells the next question: who it was about, what was shown."""

    speakers: tuple[str, ...] = ()  # the speaker each earlier answer was about, oldest first
    shown: frozenset[int] = frozenset()
    turns: int = 0

    def after(self, previous: Answer | None) -> _Context:
        if previous is None:
            return replace(self, turns=self.turns + 1)
        speakers = (*self.speakers, previous.speaker) if previous.speaker else self.speakers
        return _Context(speakers, self.shown | {h.chunk_id for h in previous.hits}, self.turns + 1)


def _replay(retriever: Retriever, history: list[str], k: int) -> _Context:
    """Answer the earlier turns once each, in order; memoised so a chat costs one answer a turn."""
    from qa.retrieval import clean_question

    memo: dict[tuple[tuple[str, ...], int], _Context] = retriever.__dict__.setdefault("_replays", {})
    context = _Context()
    for i, turn in enumerate(history):
        key = (tuple(history[: i + 1]), k)
        cached = memo.get(key)
        if cached is None:
            try:
                previous: Answer | None = _answer(retriever, clean_question(turn), context, k=k, speaker=None)
            except ValueError:
                previous = None
            cached = context.after(previous)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = cached
        context = cached
    return context


_ASKED = re.compile(
    r"\b(?:did|does|do|has|have|had|would|will)\s+(?P<subject>(?:the|a|an)\s+[\w'\u2019 -]{2,50}?|[A-Z][\w'\u2019-]*"
    r"(?:\s+[A-Z][\w'\u2019-]*)*)\s+(?:say|tell|claim|argue|warn|predict|add|note|suggest|comment|stress|"
    r"describe|liken|compare|call|announce|admit|insist)\b",
    re.IGNORECASE,
)
_SELF = frozenset(terms("article story text piece author writer journalist paper news"))


def asked_subject(question: str) -> str | None:
    """Who the question asks about in "What did SUBJECT say ...", unless it is a pronoun."""
    m = _ASKED.search(question)
    if not m:
        return None
    subject = m.group("subject").strip()
    bare = re.sub(r"^(?:the|a|an)\s+", "", subject, flags=re.IGNORECASE)
    if bare.lower() in _PRONOUNS or not terms(bare) or set(terms(bare)) <= _SELF:
        return None
    return subject


def _focus(question: str, named: list[Speaker], context: _Context, retriever: Retriever) -> list[Speaker]:
    """Who the question is about: named in it, or carried over from the conversation."""
    if named:
        return named
    pronoun = _pronoun(question)
    follow = pronoun is not None or (_ELSE.search(question) and not set(terms(question)) - _QUESTION_WORDS)
    if not follow:
        return []
    index = _SpeakerIndex.of(retriever)
    for name in reversed(context.speakers):
        speaker = index.speakers.get(name)
        if speaker and (pronoun is None or _compatible(speaker, pronoun)):
            return [speaker]
    return []


def _unknown_people(question: str, vocabulary: set[str]) -> list[str]:
    """Names of two or more capitalised words that the article never uses: "Jack Ma"."""
    found = []
    for match in re.finditer(r"(?<![\w-])[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)+", question):
        tokens = match.group(0).split()
        if match.start() == 0 and tokens[0].lower() in STOPWORDS | set(_QUESTION_RAW):
            tokens = tokens[1:]
        lowered = [t.lower().removesuffix("'s").removesuffix("\u2019s") for t in tokens]
        if len(tokens) >= 2 and not any(t in vocabulary for t in lowered):
            found.append(" ".join(tokens))
    return found


_GENERIC_HEADS = frozenset(
    terms(
        "kind type sort part way ways thing things one ones lot number amount problem problems issue issues "
        "reason reasons challenge challenges aspect aspects factor factors step steps"
    )
)
_AUX = frozenset("do does did is are was were be been have has had will would can could should may might must".split())


def focus_words(question: str) -> list[str]:
    """The thing a question asks for: "how many PEOPLE", "what is the POPULATION of", "which TEAM"."""
    tokens = words(question)
    start = None
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (token == "how" and nxt in ("many", "much")) or (
            token in ("what", "which") and nxt in ("is", "was", "are", "were") and "of" in tokens[i + 2 :]
        ):
            start = i + 2
        elif token in ("what", "which") and nxt and nxt not in _AUX:
            start = i + 1
        if start is not None:
            break
    if start is None:
        return []
    phrase: list[str] = []
    for token in tokens[start:]:
        if token == "of" and not phrase:
            continue  # "what kind of data": the head is after "of"
        if token in _AUX or token == "of" or len(phrase) == 3:
            break
        if token not in STOPWORDS and not set(terms(token)) <= _GENERIC_HEADS | _QUESTION_WORDS:
            phrase.append(token)
    return phrase


def _vocabulary(retriever: Retriever) -> tuple[set[str], dict[int, set[str]]]:
    cached = getattr(retriever, "_vocabulary", None)
    if cached is None:
        surface: set[str] = set()
        per_chunk: dict[int, set[str]] = {}
        for chunk in retriever.chunks:
            chunk_words = words(chunk.text)
            surface.update(chunk_words)
            per_chunk[chunk.id] = set(terms(chunk.text)) | set(chunk_words)
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
    context = _replay(retriever, [h for h in history if isinstance(h, str)][-_HISTORY_TURNS:], k)
    return _answer(retriever, text, context, k=k, speaker=speaker)


def _answer(retriever: Retriever, text: str, context: _Context, *, k: int, speaker: str | None) -> Answer:
    """The answer to a cleaned question, given what the conversation so far has shown."""
    surface, chunk_terms = _vocabulary(retriever)
    named = [s for s in retriever.speakers if s.name == speaker] if speaker else speakers_named(text, retriever)

    unknown = _unknown_people(text, surface)
    if unknown and not named:
        return _abstain(text, f"the article never mentions {' '.join(unknown)}", speaker)
    subject = None if named else asked_subject(text)
    if subject:
        loose = _speaker_scores(subject, retriever, loose=True)
        if not loose:
            return _abstain(text, f"the article quotes no {subject.removeprefix('the ')}", None)
        best = max(score for score, _ in loose.values())
        index = _SpeakerIndex.of(retriever)
        named = [index.speakers[name] for name, (score, _) in sorted(loose.items()) if score == best]

    focus = _focus(text, named, context, retriever)
    restrict = [i for s in focus for i in retriever.speaker_chunks(s.name)] if focus else None
    if speaker and not restrict:
        return _abstain(text, f"the article quotes no one called {speaker}", speaker)
    wants_more = bool(_ELSE.search(text)) and context.turns > 0
    exclude = set(context.shown) if wants_more else set()

    used_by_speaker: set[str] = set()
    if named and not speaker:
        for name, (_, used) in _speaker_scores(text, retriever, loose=True).items():
            if any(s.name == name for s in focus):
                used_by_speaker |= used
    topic = _topic(text, used_by_speaker)
    pool = restrict if restrict is not None else list(chunk_terms)
    covered = set().union(*(chunk_terms[i] for i in pool)) if pool else set()
    unmatched = [w for w, stem in topic.items() if stem not in covered]
    vectors = retriever.encode_many([text, *unmatched])
    missing = _still_missing(retriever, unmatched, vectors[1:], covered if restrict is not None else None)
    wanted = focus_words(text)
    # "Which chairman ..." asks for a speaker: the speaker check above has answered it
    focus_missing = bool(wanted) and all(w in missing for w in wanted)

    ranked = [
        h
        for h in retriever.rank(text, restrict=restrict, vector=vectors[:1], limit=k + len(exclude) + 10)
        if h.chunk_id not in exclude
    ]
    focus_name = focus[0].name if len(focus) == 1 else None
    repeat = ""
    if not ranked and exclude and restrict:
        # nothing new from this speaker: say so, and show again what there is
        ranked = retriever.rank(text, restrict=restrict, vector=vectors[:1], limit=k + 10)
        who = as_text(focus_name) if focus_name else "this speaker"
        repeat = f"**That is everything the article quotes from {who}.** Shown before:"
    if not ranked:
        return _abstain(text, "no passage of the article matches", focus_name)
    if focus_missing or (topic and len(missing) > _MISSING_SHARE * len(topic)) or len(missing) == len(topic) > 0:
        who = f" {focus_name}" if focus_name else ""
        return _abstain(text, f"nothing{who} says in the article is about {', '.join(missing)}", focus_name)
    if not focus and ranked[0].dense < _MIN_DENSE:
        return _abstain(text, "no passage of the article is close to the question", None)

    if focus and not topic:
        # "What did X say?" reads X's statements in article order; "Who is X?" starts with
        # the passage that introduces X by name and role
        ranked.sort(key=lambda h: (h.doc, h.start))
        if focus_name and _WHO_IS.match(text):
            intro = [h for h in ranked if h.speaker == focus_name and focus_name in h.text]
            ranked = intro[:1] + [h for h in ranked if h not in intro[:1]]
            k = 1 if intro else k
    first = ranked[0]
    shown = [first] + [
        h
        for h in ranked[1:k]
        if (focus and not topic)
        or (h.dense >= first.dense - _DENSE_MARGIN and h.lexical >= _LEXICAL_SHARE * first.lexical)
    ]
    who_said = bool(_WHO_SAID.match(text))
    speaker_out = focus_name or (shown[0].speaker if who_said or len({h.speaker for h in shown}) == 1 else None)
    return Answer(
        question=text,
        hits=tuple(shown),
        abstained=False,
        markdown="\n\n".join(filter(None, [repeat, render(shown, who_said=who_said)])),
        preface=repeat,
        who_said=who_said,
        message="",
        speaker=speaker_out or shown[0].speaker,
        ranked=tuple(ranked[:10]),
    )


def _topic(question: str, ignore: set[str]) -> dict[str, str]:
    """Content words of the question (surface form -> stem), minus question words and names used."""
    topic: dict[str, str] = {}
    for word in words(question):
        if word in STOPWORDS:
            continue
        stems = terms(word)
        if stems and stems[0] not in _QUESTION_WORDS and stems[0] not in ignore:
            topic.setdefault(word, stems[0])
    return topic


def _still_missing(
    retriever: Retriever, unmatched: list[str], vectors: object, pool_words: set[str] | None
) -> list[str]:
    """The unmatched words that no word of the pool paraphrases closely either."""
    import numpy as np

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
    return [w for w, score in zip(unmatched, best.tolist(), strict=True) if score < _SAME_WORD]


def _abstain(question: str, reason: str, speaker: str | None) -> Answer:
    message = _NOT_IN_ARTICLE
    detail = f"{message} ({reason}.)"
    # the reason may repeat the question's words: they are shown as typed, never as Markdown
    sentence = verbatim(reason[:1].upper() + reason[1:] + ".")
    return Answer(question, (), True, f"**{message}** {sentence}", detail, speaker, reason)


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
    """Text that Markdown and HTML show as it is: tags escaped, Markdown marks backslashed."""
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", html.escape(text, quote=False))


def quote_block(text: str) -> str:
    """Verbatim text as a Markdown block quote, with HTML shown as text."""
    return "\n".join(f"> {line}" for line in as_text(text).splitlines() or [""])


def render(hits: Sequence[Hit], *, who_said: bool = False, after: Callable[[Hit], str] | None = None) -> str:
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
        parts.append(quote_block(hit.text))
        parts.append(attribution_line(hit))
        if after is not None:
            parts.append(after(hit))
    return "\n\n".join(parts)
