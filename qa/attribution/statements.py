"""Attribution: split an article into statements and say who made each one, and how.

Rule-based and general: speech cues ("said", "warned", "according to ..."), the subject or
appositive around them, quotation marks, and a running list of speakers so that pronouns,
surnames and short forms ("the chairman", "the report") resolve to someone introduced earlier.
Nothing here knows any particular article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from qa.attribution import speech
from qa.lang import en as lexicon
from qa.lang.en import wordset
from qa.text.article import Article, Paragraph
from qa.text.reading import dateline_end, is_caption

KINDS = ("direct", "partial", "indirect", "act", "source", "narration")
SETTINGS_VERSION = 20  # bump when the rules change, so old indexes are rebuilt

_OPEN_QUOTES = "\u201c"
_CLOSE_QUOTES = "\u201d"
_CUE_RE = re.compile(r"\b(?P<verb>" + "|".join(lexicon.VERBS) + r")\b(?:\s+(?P<particle>out|for|on)\b)?", re.IGNORECASE)
_ACCORDING_RE = re.compile(r"\baccording to\b", re.IGNORECASE)
_NAME_TOKEN = r"(?:[A-Z][\w'\u2019.&-]*|\d[\w-]*)"
_WHO = r"(?:he|she|they|it|we|I|(?:[A-Z][\w'\u2019.-]*\s+){0,3}[A-Z][\w'\u2019.-]*)"
# the cue right after a quotation that ends in "?" or "!": '"Can we win?" Ruiz asked.'
_CUE_AFTER_RE = re.compile(
    rf"(?:{_WHO}\s+(?:\w+ly\s+)?(?:{'|'.join(lexicon.VERBS)})\b"
    rf"|(?:{'|'.join(lexicon.VERBS)})\s+{_WHO}\s*[.,;]"
    rf"|{_WHO}\s+[a-z]+ed\s*[.,;])"
)


@dataclass(frozen=True)
class Speaker:
    """Someone the article quotes: a person or an organisation."""

    name: str  # the full name, or the description the article gives ("a union representative")
    role: str | None = None
    kind: str = "person"  # "person", "organization", "group" or "document"
    gender: str | None = None  # "he", "she", "they", "it" once known
    aliases: tuple[str, ...] = ()
    doc: str | None = None  # the article that quotes them (set when an index is built)
    named: bool = True  # False for someone the article only describes


@dataclass(frozen=True)
class Mention:
    """Words of the article that name a speaker: a name, a surname, a pronoun or a description,
    or none nearby for a quotation that continues the last speaker's words."""

    text: str
    start: int  # offsets in the source
    end: int
    via: str  # "name", "pronoun", "description" or "continuing"

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "via": self.via}


@dataclass(frozen=True)
class Statement:
    """Words the article attributes to one speaker (or to itself, for narration)."""

    doc: str
    paragraph: int
    text: str  # the quoted words for direct quotes, else the reported or narrated words
    start: int  # offsets of `text` in the source
    end: int
    span_start: int  # offsets of the whole sentence(s) the statement stands in
    span_end: int
    speaker: str | None
    role: str | None
    kind: str
    cue: str | None = None
    quotes: tuple[str, ...] = ()  # words inside quotation marks
    speaker_kind: str | None = None  # the speaker's kind: person, organization, group, document
    mention: Mention | None = None  # the words that name the speaker for this statement
    clause: tuple[int, int] | None = None  # offsets of the reported words, for reported speech
    clauses: tuple[tuple[int, int], ...] = ()  # more reported words of the same speaker in the sentence

    def to_json(self) -> dict[str, object]:
        return {
            "paragraph": self.paragraph,
            "speaker": self.speaker,
            "role": self.role,
            "kind": self.kind,
            "text": self.text,
            "cue": self.cue,
            "quotes": list(self.quotes),
            "doc": self.doc,
            "start": self.start,
            "end": self.end,
            "speaker_kind": self.speaker_kind,
            "mention": self.mention.to_json() if self.mention else None,
        }

    def quote_spans(self, source: str) -> list[tuple[int, int]]:
        """Offsets of each run of quoted words, in order: a quotation split by its cue
        ('"We tried," she said. "It failed."') gives two. Empty when nothing is quoted."""
        spans: list[tuple[int, int]] = []
        at = self.span_start
        for words in self.quotes:
            found = source.find(words, at, self.span_end + 1) if words else -1
            if found >= 0:
                spans.append((found, found + len(words)))
                at = found + len(words)
        return spans

    def _only_quotes_and_cue(self, source: str, spans: list[tuple[int, int]]) -> bool:
        """Whether, the quoted words aside, the statement holds nothing but its cue."""
        rest, at = [], self.start
        for a, b in spans:
            rest.append(source[at:a])
            at = b
        rest.append(source[at : self.end])
        left = [w for w in re.findall(r"[A-Za-z][\w'-]*", " ".join(rest))]
        cue = set((self.cue or "").split()) | set((self.speaker or "").split()) | set((self.role or "").split())
        return len([w for w in left if w not in cue]) <= 2

    def units(self, source: str) -> list[dict[str, object]]:
        """The statement as quotes: one record per run of quoted words for a direct quotation
        (text and offsets those of the quoted words), else one for the whole statement; each
        with the sentence it stands in, for display."""
        base = self.to_json()
        sentence = {
            "sentence": source[self.span_start : self.span_end],
            "sentence_start": self.span_start,
            "sentence_end": self.span_end,
        }
        spans = self.quote_spans(source)
        if self.kind == "direct" and spans:
            # a name in quotation marks is no one's words: "Good Morning America", "The Walking Dead"
            spans = [(a, b) for a, b in spans if not _quoted_title(source[a:b], source[max(0, a - 40) : a])]
            if not spans:
                return []
        if self.kind in ("indirect", "source", "partial", "act") and self.clause and len(spans) < 2:
            # reported speech: the reported words, and any more the speaker is reported to have said
            # in the same sentence ("Work will start in May, officials said, though they said ...")
            return [
                {**base, "text": source[a:b], "start": a, "end": b, **sentence}
                for a, b in sorted([self.clause, *self.clauses])
            ]
        # reported words beside a quotation: "Work starts in May, Hale said, adding, '...'"
        told = [
            (a, b)
            for a, b in ([self.clause] if self.kind == "direct" and self.clause else [])
            if not any(a < y and b > x for x, y in spans) and b <= self.start
        ]
        if self.kind == "direct":
            # a participle or second verb beside the quotation reports more words of the same
            # speaker: '"We will," Hale said, adding that the vote was close'
            told += [
                (a, b) for a, b in self.clauses if not any(a < y and b > x for x, y in spans) and (a, b) not in told
            ]
        told_units = [{**base, "text": source[a:b], "start": a, "end": b, **sentence} for a, b in told]
        if len(spans) < 2 or not (self.kind == "direct" or self._only_quotes_and_cue(source, spans)):
            records = [*told_units, {**base, **sentence}]
        else:
            records = [
                *told_units,
                *({**base, "text": source[a:b], "start": a, "end": b, **sentence} for a, b in spans),
            ]
        return sorted(records, key=lambda r: int(r["start"]))  # type: ignore[call-overload]


_TITLE_SMALL = frozenset("a an and at but by for from in into nor of on or over the to with".split())
_TITLE_BEFORE = _TITLE_SMALL | wordset("quoted_titles")


def _quoted_title(words: str, before: str) -> bool:
    """Quoted words that are the name of a show, a book or a programme, not speech: a few words,
    every one capitalised but the small words titles leave in lower case, no question or
    exclamation, and named the way names are ("on ABC's", "the", "the podcast")."""
    last = re.findall(r"[\w'\u2019]+", before.lower())[-1:] or [""]
    named = last[0].endswith(("'s", "\u2019s")) or last[0] in _TITLE_BEFORE
    found = re.findall(r"[A-Za-z][\w'\u2019-]*", words)
    capitals = [w for w in found if w[0].isupper()]
    return (
        named
        and 0 < len(found) <= 8
        and len(capitals) >= 2
        and all(w[0].isupper() or w.lower() in _TITLE_SMALL for w in found)
        and not words.rstrip().endswith(("?", "!"))
    )


@dataclass(frozen=True)
class Attribution:
    statements: tuple[Statement, ...]
    speakers: tuple[Speaker, ...]

    def speaker(self, name: str) -> Speaker | None:
        for speaker in self.speakers:
            if speaker.name == name:
                return speaker
        return None

    def speakers_json(self) -> list[dict[str, object]]:
        """Every speaker as an entity: name or description, role, kind, and each mention the
        article makes of them in its statements (name, surname, pronoun, description), with offsets."""
        found: dict[str, list[Mention]] = {}
        for stmt in self.statements:
            if stmt.speaker and stmt.mention and stmt.mention.via != "continuing":
                found.setdefault(stmt.speaker, []).append(stmt.mention)
        return [
            {
                "name": s.name,
                "role": s.role,
                "kind": s.kind,
                "named": s.named,
                "gender": s.gender,
                "mentions": [m.to_json() for m in found.get(s.name, [])],
            }
            for s in self.speakers
        ]


# ---------------------------------------------------------------- text helpers


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the words inside each pair of double quotation marks.

    An opening mark left unclosed runs to the end of the text, as a quote that continues
    into the next paragraph does in news style.
    """
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(text):
        if ch == '"':
            if open_at is None:
                open_at = i + 1
            else:
                spans.append((open_at, i))
                open_at = None
        elif ch in _OPEN_QUOTES and open_at is None:
            open_at = i + 1
        elif ch in _CLOSE_QUOTES and open_at is not None:
            spans.append((open_at, i))
            open_at = None
    if open_at is not None and open_at < len(text):
        spans.append((open_at, len(text)))
    if not spans and not any(ch in text for ch in '"\u201c\u201d'):
        return _single_quote_spans(text)
    return spans


_SINGLE_OPEN = re.compile(r"(?:(?<=^)|(?<=[\s(\u2014:]))['\u2018](?=[\w\u2026])")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?\u2026])['\u2019](?=[\s,.;:!?)\u2014]|$)")


def _single_quote_spans(text: str) -> list[tuple[int, int]]:
    """Quotations in single marks (British style), told from apostrophes by where they stand.

    An opening mark follows a space and precedes a word; a closing mark follows a word or
    punctuation and precedes a space or punctuation. "don't" and "workers' rights" inside an
    open quotation can still end it early, so a closing mark right after an "s" only counts
    when punctuation comes just before or after it.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        opening = _SINGLE_OPEN.search(text, pos)
        if not opening:
            return spans
        closing = None
        for candidate in _SINGLE_CLOSE.finditer(text, opening.end()):
            before, after = text[candidate.start() - 1], text[candidate.end() : candidate.end() + 1]
            if before.lower() == "s" and after[:1] not in (",", ".", ";", ":", "!", "?", ""):
                continue  # most likely a plural possessive: "workers' rights"
            closing = candidate
            break
        if closing is None:
            return spans
        spans.append((opening.end(), closing.start()))
        pos = closing.end()


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = "_"
    return "".join(chars)


def sentence_spans(text: str, masked: str | None = None) -> list[tuple[int, int]]:
    """Sentence boundaries that never fall inside a quotation."""
    masked = _mask(text, quote_spans(text)) if masked is None else masked
    spans: list[tuple[int, int]] = []
    start = 0
    i = 0
    n = len(masked)
    while i < n:
        ch = masked[i]
        if ch in "\"'\u201d\u2019" and i > 0 and text[i - 1] in ".!?" and masked[i - 1] == "_":
            ch = text[i - 1]  # the quotation ends the sentence: '... generation." Petrov said'
        if ch in ".!?":
            j = i + 1
            while j < n and masked[j] in "\"'\u201d\u2019)]":
                j += 1
            # a closing quote right after the mark belongs to this sentence too
            if j < n and not masked[j].isspace():
                i += 1
                continue
            k = j
            while k < n and masked[k].isspace():
                k += 1
            if k < n and not (masked[k].isupper() or masked[k].isdigit() or masked[k] in "\"\u201c'(_"):
                i = j
                continue
            if ch in "?!" and masked[i - 1] == "_" and _CUE_AFTER_RE.match(masked, k):
                i = j  # the quotation's own cue follows: '"Can we win?" Ruiz asked.'
                continue
            word = re.search(r"([\w.]+)$", masked[start:i])
            token = word.group(1).lower() if word else ""
            if ch == "." and (
                token in lexicon.ABBREVIATIONS
                or re.fullmatch(r"[a-z]", token)
                or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token)
            ):
                i = j
                continue
            spans.append((start, j))
            start = k
            i = k
            continue
        i += 1
    if start < n and text[start:].strip():
        spans.append((start, n))
    return [(s, e) for s, e in spans if text[s:e].strip()]


_TIME_WORDS = frozenset(lexicon.WEEKDAYS) | frozenset(lexicon.MONTHS)


def _clean(segment: str) -> str:
    return segment.strip().strip("\"'\u201c\u201d_ ,:;").strip()


def _strip_article(role: str) -> str:
    role = re.sub(r"^\d{1,3},\s*", "", role.strip())  # an age before the role: "52, a crane operator"
    return re.sub(r"^(?:a|an|the)\s+", "", role, flags=re.IGNORECASE).strip(" ,;:")


def _is_org_name(name: str) -> bool:
    tokens = name.lower().split()
    return any(t.strip(".,") in lexicon.ORG_WORDS for t in tokens) or (name.isupper() and len(name) > 1)


def _acronym(name: str) -> str:
    letters = [w[0] for w in re.findall(r"[A-Za-z][\w-]*", name) if w[0].isupper()]
    return "".join(letters) if len(letters) >= 2 else ""


def split_name(segment: str) -> tuple[str, str | None, str | None] | None:
    """Read "[role words] [Title] Name Name" from a clause; (name, role, title) or None."""
    seg = _clean(segment)
    if not seg:
        return None
    tokens = seg.split()
    # the longest tail of capitalised tokens (with connectors such as "of") is the name
    i = len(tokens)
    while i > 0:
        tok = tokens[i - 1]
        if re.fullmatch(_NAME_TOKEN, tok) or (
            tok.lower() in lexicon.CONNECTORS
            and i < len(tokens)
            and i - 1 > 0
            and re.fullmatch(_NAME_TOKEN, tokens[i - 2])
        ):
            i -= 1
        else:
            break
    run = tokens[i:]
    head = tokens[:i]
    # leading stop words inside the run ("However Qi", "The Ministry ...")
    while run and run[0].lower().strip(".,") in lexicon.STOP_CAPS:
        lowered = run[0].lower()
        run = run[1:]
        if lowered != "the":
            head = [*head, lowered]
    if not run:
        return None
    # role words inside the run ("Acme CEO Jane Doe"): the name starts after the last one
    role_at = max((k for k, t in enumerate(run) if t.lower().strip(".,") in lexicon.ROLE_WORDS), default=-1)
    role_parts: list[str] = []
    if 0 <= role_at < len(run) - 1:
        role_parts = run[: role_at + 1]
        run = run[role_at + 1 :]
    elif role_at == len(run) - 1:
        return None  # "the CEO" alone is not a name
    title = None
    if run and run[0].lower() in lexicon.TITLES and len(run) > 1:
        title = run[0].lower()
        run = run[1:]
    name = " ".join(run).strip(".,")
    if not name or name.lower() in lexicon.STOP_CAPS or name.lower() in lexicon.PERSONS:
        return None
    if name in _TIME_WORDS:
        return None  # "The mayor on Friday called ...": a day is never who speaks
    if head:
        words = [w.lower().strip(".,") for w in head]
        if any(w in lexicon.ROLE_WORDS for w in words):
            role_parts = head + role_parts
        elif not all(w in lexicon.STOP_CAPS for w in words):
            return None  # the clause is not just a name: "China accounted for ..."
    role = _strip_article(" ".join(role_parts)) if role_parts else None
    return name, role or None, title


# ---------------------------------------------------------------- resolution


@dataclass
class _Context:
    """The speakers met so far, most recent last."""

    speakers: list[Speaker] = field(default_factory=list)
    guessed: set[str] = field(default_factory=set)  # genders read from a given name only: "they" may still mean them
    first: dict[str, int] = field(default_factory=dict)  # the order in which the article introduced them

    def _touch(self, speaker: Speaker) -> Speaker:
        self.speakers = [s for s in self.speakers if s.name != speaker.name] + [speaker]
        self.first.setdefault(speaker.name, len(self.first))
        return speaker

    def update(self, speaker: Speaker, **changes: object) -> Speaker:
        for s in self.speakers:
            if s.name == speaker.name:
                speaker = s
        new = replace(speaker, **changes)  # type: ignore[arg-type]
        return self._touch(new)

    def by_pronoun(self, pronoun: str) -> Speaker | None:
        """The most recent speaker the pronoun can mean: a person of its gender for "he" and
        "she", someone named or described as a person before anything else ("the message", "the
        senator's campaign"); for "they", a group put forward since the last person or
        organisation, else the most recent of them that can be "they"."""
        if pronoun in ("he", "she"):
            fits = [s for s in self.speakers if s.kind == "person" and s.gender in (None, pronoun)]
            found = next((s for s in reversed(fits) if _personal(s)), fits[-1] if fits else None)
            if found is None:
                return None
            self.guessed.discard(found.name)
            return self.update(found, gender=pronoun)
        if pronoun == "they":
            for s in reversed(self.speakers):
                if s.kind == "group":
                    return s
                if s.kind in ("person", "organization") and s.named:
                    break
        for s in reversed(self.speakers):
            if pronoun == "it":
                if s.kind in ("organization", "document"):
                    return s
            elif s.kind in ("organization", "group") or s.gender in (None, "they") or s.name in self.guessed:
                return s
        return None

    def by_name(self, name: str, role: str | None, title: str | None, kind: str | None = None) -> Speaker:
        tokens = name.split()
        lowered = name.lower()
        for s in reversed(self.speakers):
            if s.name.lower() == lowered or lowered in (a.lower() for a in s.aliases):
                if role and not s.role:
                    return self.update(s, role=role)
                return self._touch(s)
        if len(tokens) == 1:
            known = self._known_part(name)
            if known:
                return known
        if len(tokens) >= 2:
            for s in reversed(self.speakers):
                if s.named and s.kind == "person" and len(s.name.split()) == 1 and s.name in tokens:
                    return self.update(s, name=name, role=role or s.role)
        if kind is None or (kind == "person" and _is_org_name(name)):
            kind = "organization" if _is_org_name(name) or _role_head(role) in _ORG_NOUNS else "person"
        if kind == "person":
            gender = lexicon.TITLES.get(title or "") or speech.role_gender(role)
            if gender is None:
                gender = speech.name_gender(name)
                if gender is not None:
                    self.guessed.add(name)  # from the given name alone
        else:
            gender = "they" if kind == "group" else "it"
        aliases = tuple(a for a in {_acronym(name)} if a and kind == "organization")
        return self._touch(Speaker(name=name, role=role, kind=kind, gender=gender, aliases=aliases))

    def by_noun(self, noun: str) -> Speaker | None:
        words = noun.lower().replace("\u2019", "'").split()
        head = words[-1] if words else ""
        if head in lexicon.NOMINAL_DOC:
            for s in reversed(self.speakers):
                if s.role and head in s.role.lower().split():
                    return s
        for s in reversed(self.speakers):
            if s.kind != "person" and head in s.name.lower().split():
                return s  # "the association": the Maritime Employers Association met before
        for s in reversed(self.speakers):
            if s.role and head in _role_titles(s.role):
                return s  # "the chairman": the one named before as chairman of ...
        if len(words) == 1 and head in lexicon.NOMINAL_ORG:
            for s in reversed(self.speakers):
                if s.kind == "organization" and s.named:
                    return s  # "the company": the last company named
        return None

    def by_phrase(self, phrase: speech.Phrase) -> Speaker | None:
        """The speaker a parsed subject names: a pronoun, a name, or a description, which
        points back to someone met before when definite ("the association"), else
        introduces someone new ("a union representative")."""
        if phrase.form == "pronoun":
            return self.by_pronoun(phrase.head)
        possessor = _OWNER.match(phrase.text)
        if possessor:
            named = split_name(possessor.group(1))
            if named:  # "Peter Holt's campaign said": Holt, too, was just put forward
                self.by_name(named[0], None, named[2])
        if phrase.form == "name" and phrase.name:
            parsed = split_name(phrase.name)
            title = parsed[2] if parsed else None
            name = parsed[0] if parsed and len(parsed[0].split()) >= len(phrase.name.split()) - 1 else phrase.name
            return self.by_name(name, _strip_article(phrase.role) if phrase.role else None, title, phrase.kind)
        if not phrase.definite and " " not in phrase.text and phrase.text[:1].isupper():
            known = self._known_part(phrase.text)  # "Desrosiers said", tagged as a noun
            if known:
                return known
        owner = _POSSESSIVES.get(phrase.text.split()[0].lower())
        if owner and " " in phrase.text:
            whose = self.by_pronoun(owner)  # "her office": the office of the last woman named
            if whose is not None and whose.named:
                name = f"{whose.name}'s {phrase.text.split(' ', 1)[1]}"
                known = next((s for s in self.speakers if s.name == name), None)
                return self._touch(known or Speaker(name=name, kind=phrase.kind or "organization", named=False))
        if phrase.definite:
            found = self.by_noun(re.sub(r"^\S+\s+", "", phrase.text) if " " in phrase.text else phrase.text)
            if found:
                return found
        name = (
            phrase.text[:1].lower() + phrase.text[1:] if phrase.text.split()[0].lower() in _DETERMINERS else phrase.text
        )
        for s in reversed(self.speakers):
            if s.name.lower() == name.lower():
                return self._touch(s)
        kind = phrase.kind or "person"
        gender = None if kind == "person" else ("they" if kind == "group" else "it")
        return self._touch(Speaker(name=name, kind=kind, gender=gender, named=False))

    def mention(self, phrase: speech.Phrase) -> None:
        """A name put forward by narration: pronouns and descriptions after it may mean it."""
        if phrase.form == "name":
            self.by_phrase(phrase)
        elif phrase.form == "description" and phrase.kind == "group" and not phrase.definite:
            self.by_phrase(phrase)  # "Mexican officials conducted a poll": "they" after it may mean them
        elif phrase.form == "description":
            self._known_part(phrase.text)

    def _known_part(self, word: str) -> Speaker | None:
        """The named speaker one word of whose name this is: a surname or given name points to
        a person before an organisation."""
        lowered = word.lower()
        for want in ("person", "organization"):
            found = [s for s in self.speakers if s.named and s.kind == want and lowered in s.name.lower().split()]
            surnames = [s for s in found if s.name.lower().split()[-1] == lowered]
            found = surnames if want == "person" and surnames else found
            if found:
                # of two people with one surname, the one the article brought in first: a relative
                # named later ("his sister, Ana Dorin") goes by her given name
                return self._touch(
                    min(found, key=lambda s: self.first.get(s.name, 0)) if want == "person" else found[-1]
                )
        return None


_POSSESSIVES = {"her": "she", "his": "he", "its": "it", "their": "they"}
_OWNER = re.compile(r"((?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w-]*)['\u2019]s?\s+[a-z]")
_POSSESSED = re.compile(r"\w['\u2019]s?\s")  # "the senator's campaign", "Dorin's counsel"
_DETERMINERS = wordset("determiners")
_ORG_NOUNS = lexicon.ORG_WORDS | set(lexicon.NOMINAL_ORG)


_AGENT_RE = re.compile(
    r"(?:er|or|ist|ian|ant|ent|man|woman|person|chief|aide|host|guest|friend|mother|father|wife|husband)$"
)


def _personal(speaker: Speaker) -> bool:
    """Whether "he" or "she" can mean the speaker: someone named, or a description of a person
    ("the moderator", "a retired teacher"), not of a thing ("the message", "the book") nor of
    someone's campaign or office."""
    if _POSSESSED.search(speaker.name):
        return False
    head = speaker.name.lower().split()[-1]
    return speaker.named or head in lexicon.ROLE_WORDS or head in lexicon.PEOPLE_NOUNS or bool(_AGENT_RE.search(head))


def _role_titles(role: str) -> set[str]:
    """The words naming what someone is, before what they are it of: "founder and CEO of X";
    none for a relative clause ("who follows the company ...")."""
    if role.lower().startswith(("who ", "whose ")):
        return set()
    return set(re.split(r",|\s(?:of|at|for|in|with|from|who|which)\s", role.lower())[0].split())


def _role_head(role: str | None) -> str:
    """The noun a role is about: "a riders' group" -> "group", "professor at X" -> "professor"."""
    first = re.split(r",|\s(?:of|at|for|in|with|from|who|which|and)\s", (role or "").lower())[0].split()
    return first[-1].strip(".'") if first else ""


# ---------------------------------------------------------------- cue finding


@dataclass(frozen=True)
class _Cue:
    speaker: Speaker
    cue: str
    source: bool = False
    at: int = 0  # offset of the cue in the paragraph
    mention: Mention | None = None  # the words naming the speaker, offsets in the paragraph
    clause: tuple[int, int] | None = None  # the reported words, offsets in the paragraph
    act: bool = False  # a speech act: "urged the council to wait"
    more: tuple[tuple[int, int], ...] = ()  # more reported words of the same speaker, offsets in the paragraph
    label: bool = False  # a speaker's name and a colon before their words


def _subject_before(prefix: str, ctx: _Context) -> tuple[Speaker, str | None] | None:
    """The speaker named just before a speech verb: "Name, role, said" / "he said"."""
    prefix = re.sub(
        r"(?:\s+(?:also|further|later|then|again|once|previously|repeatedly|has|have|had|would|will|\w+ly))+\s*$",
        "",
        prefix,
        flags=re.IGNORECASE,
    )
    stripped = prefix.rstrip()
    if not stripped:
        return None
    last_word = re.search(r"([A-Za-z]+)\W*$", stripped)
    segments = stripped.rstrip(",").split(",")
    tail = _clean(segments[-1])
    if tail.lower() in lexicon.PERSONS:
        found = ctx.by_pronoun(tail.lower())
        return (found, None) if found else None
    if stripped.endswith(",") and len(segments) >= 2:
        for i in range(len(segments) - 2, max(-1, len(segments) - 5), -1):
            parsed = split_name(segments[i])
            if parsed:
                role = _strip_article(", ".join(s.strip() for s in segments[i + 1 :]))
                if len(role.split()) > 25 or not role:
                    break
                name, pre_role, title = parsed
                speaker = ctx.by_name(name, role or pre_role, title)
                if role.lower().startswith("which ") and speaker.kind == "person":
                    speaker = ctx.update(speaker, kind="organization", gender="it")
                return speaker, role
            if len(segments[i].split()) > 12:
                break
    if last_word is None:
        return None
    nominal = re.search(r"(?:^|\s)(?:[Tt]he|[Ii]ts|[Tt]heir|[Aa]n?)\s+([a-z][\w\s-]{0,40})$", tail)
    if nominal and not re.search(r"[A-Z]", nominal.group(1)):
        found = ctx.by_noun(nominal.group(1))
        return (found, None) if found else None
    parsed = split_name(tail)
    if parsed:
        name, pre_role, title = parsed
        return ctx.by_name(name, pre_role, title), pre_role
    # "Tom Reyes with the port authority says": a name, then where they work
    attached = re.fullmatch(
        r"(.+?)\s+(?:with|of|from|at)\s+(?:the\s+)?([A-Za-z][\w&'.-]*(?:\s+[A-Za-z][\w&'.-]*){0,6})", tail
    )
    if attached and attached.group(1)[:1].isupper():
        parsed = split_name(attached.group(1))
        if parsed and len(parsed[0].split()) >= 2:
            name, _pre_role, title = parsed
            role = attached.group(2)
            return ctx.by_name(name, role, title), role
    return None


def _subject_after(suffix: str, ctx: _Context) -> tuple[Speaker, str | None] | None:
    """The speaker named after the verb in '"...," said Jane Doe, an economist.'"""
    m = re.match(r"\s*(he|she|they|it)\b", suffix, flags=re.IGNORECASE)
    if m:
        found = ctx.by_pronoun(m.group(1).lower())
        return (found, None) if found else None
    m = re.match(r"\s*the\s+([a-z][\w -]{0,40}?)\s*(?:[.,;]|$)", suffix)
    if m:
        found = ctx.by_noun(m.group(1))
        return (found, None) if found else None
    m = re.match(
        r"\s*((?:(?:Dr|Mr|Mrs|Ms|Prof|Rev|Sen|Gov|Gen|Rep)\.\s+)?[^,.;]+?)(?:,\s*([^;]+?))?\s*(?:[.;]\s*$|[.;]\s|$)",
        suffix,
    )
    if not m:
        return None
    parsed = split_name(m.group(1))
    if not parsed:
        return None
    name, pre_role, title = parsed
    role = _strip_article(m.group(2)) if m.group(2) else pre_role
    return ctx.by_name(name, role, title), role


def _according_to(masked: str, start: int, end: int, ctx: _Context) -> _Cue | None:
    m = _ACCORDING_RE.search(masked, start, end)
    if not m:
        return None
    rest = masked[m.end() : end]
    doc = re.match(
        rf"\s+(?:a|an|the|its|their)?\s*(?:[\w-]+\s+){{0,3}}?(?P<noun>{lexicon.DOC_NOUNS})"
        rf"(?:\s+(?:published|released|issued|compiled|conducted|produced|made|put out))?"
        rf"\s+(?:by|from|of)\s+(?:the\s+)?(?P<org>[^,.;]+)",
        rest,
        flags=re.IGNORECASE,
    )
    if doc:
        parsed = split_name(doc.group("org"))
        if parsed:
            name = parsed[0]
            speaker = ctx.by_name(name, None, None)
            speaker = ctx.update(
                speaker, kind="organization", gender="it", role=speaker.role or doc.group("noun").lower()
            )
            return _Cue(speaker, masked[m.start() : m.end() + doc.end("noun") + 0].strip(), source=True, at=m.start())
    group = re.match(r"\s+(?:the\s+)?(\w+)\b", rest)
    if group and group.group(1).lower() in lexicon.GROUPS:
        speaker = ctx.by_name(group.group(1).lower(), None, None)
        speaker = ctx.update(speaker, kind="organization", gender="they")
        return _Cue(speaker, f"according to {group.group(1)}", at=m.start())
    person = re.match(r"\s+(?:the\s+)?([^,.;]+)(?:,\s*([^,;]+?)\s*,)?", rest)
    if person:
        nominal = (
            re.fullmatch(r"(?:the|its)\s+([a-z][\w\s-]*)", "the " + person.group(1).strip())
            if person.group(1)[:1].islower()
            else None
        )
        if nominal:
            found = ctx.by_noun(nominal.group(1))
            if found:
                return _Cue(found, "according to", source=found.role in lexicon.NOMINAL_DOC, at=m.start())
        parsed = split_name(person.group(1))
        if parsed:
            name, pre_role, title = parsed
            role = _strip_article(person.group(2)) if person.group(2) else pre_role
            return _Cue(ctx.by_name(name, role, title), "according to", at=m.start())
    return None


def _doc_subject(masked: str, start: int, end: int, ctx: _Context) -> _Cue | None:
    """'A report by the X Institute showed ...' makes X a cited source."""
    m = re.search(
        rf"\b(?:a|an|the|its)\s+(?:[\w-]+\s+){{0,3}}?(?P<noun>{lexicon.DOC_NOUNS})"
        rf"(?:\s+(?:published|released|issued|compiled|conducted))?\s+(?:by|from)\s+(?:the\s+)?"
        rf"(?P<org>[^,.;]+?)\s+(?:{lexicon.DOC_VERBS})\b",
        masked[start:end],
        flags=re.IGNORECASE,
    )
    if not m:
        return None
    parsed = split_name(m.group("org"))
    if not parsed:
        return None
    speaker = ctx.by_name(parsed[0], None, None)
    speaker = ctx.update(speaker, kind="organization", gender="it", role=speaker.role or m.group("noun").lower())
    return _Cue(speaker, m.group(0).strip(), source=True, at=start + m.start())


def _parsed_cue(
    text: str,
    parsed: Any,
    start: int,
    end: int,
    quoted: Callable[[int], bool],
    ctx: _Context,
    *,
    quoting: bool = False,
) -> tuple[_Cue | None, set[int]]:
    """The sentence's "according to" source, else its first speech verb whose subject the
    parse can name; and the offsets of verbs the parse found not to report speech. With
    `quoting`, the first verb that quotes its subject instead."""
    rejected: set[int] = set()
    if quoting:
        source, found_speech = None, speech.quoting(parsed, start, end, quoted)
    else:
        source = speech.according(parsed, start, end, quoted)
        found_speech, rejected = speech.speeches(parsed, start, end, quoted)
    for found in ([source] if source else []) + found_speech:
        phrase = found.subject
        if phrase.form == "description" and phrase.definite:
            # names met earlier in the same sentence, before its subject: "Northwind Software will
            # cut 400 jobs, the company said"
            for met in speech.mentions(parsed, start, min(phrase.start, found.at), quoted):
                if met.kind == "organization":
                    ctx.mention(met)
        speaker = ctx.by_phrase(phrase)
        if speaker is None:
            continue
        via = phrase.form
        if via == "name" and phrase.name and len(phrase.name.split()) == 1 and len(speaker.name.split()) > 1:
            via = "surname"  # the full name was given before
        mention = Mention(phrase.text, phrase.start, phrase.end, via)
        between = text[phrase.end : found.at]
        if found is source:
            cue = text[found.at : found.at + len("according to")]
            if len(phrase.text.split()) <= 4 and not phrase.document:
                cue = f"{cue} {phrase.text}"
        elif phrase.start > found.at or "," in between or len(phrase.text.split()) > 3:
            cue = found.cue  # '"...," said Jane Doe', "Jane Doe, an economist, said"
        else:
            cue = f"{text[phrase.start : found.at].strip()} {found.cue}"  # "Qi warned", "he said"
        kind_source = found.source or speaker.kind == "document"
        clause = speech.according_clause(parsed, found, start, end) if found is source else found.clause
        more = _more_clauses(found, speaker, clause, found_speech) if found is not source else ()
        cued = _Cue(
            speaker, cue, source=kind_source, at=found.at, mention=mention, clause=clause, act=found.act, more=more
        )
        return cued, rejected
    return None, rejected


def _more_clauses(
    chosen: speech.Speech, speaker: Speaker, clause: tuple[int, int] | None, found: list[speech.Speech]
) -> tuple[tuple[int, int], ...]:
    """The reported words of the sentence's other speech verbs of the same speaker: the same
    subject ("accused the board of delay and said ..."), or a pronoun that can only mean them
    ("..., officials said, although they said ..."); none that overlap words already taken.
    A quotation's cue has no clause of its own, and its participle may still report one
    ('"We will," Hale said, adding that the vote was close')."""
    more: list[tuple[int, int]] = []
    for other in found:
        if other is chosen or other.clause is None or other.source:
            continue
        a, b = other.clause
        if any(a < y and b > x for x, y in [*([clause] if clause else []), *more]) or a < other.at:
            continue  # taken, or words before the other verb, which are the chosen verb's
        phrase = other.subject
        same = phrase.start == chosen.subject.start or (phrase.form == "pronoun" and _agrees(phrase.head, speaker))
        if same:
            more.append(other.clause)
    return tuple(more)


def _agrees(pronoun: str, speaker: Speaker) -> bool:
    """Whether a pronoun can mean the speaker: number, kind and a known gender."""
    if pronoun in ("he", "she"):
        return speaker.kind == "person" and speaker.gender in (None, pronoun)
    if pronoun == "they":
        return speaker.kind == "group" or speaker.gender == "they"
    return speaker.kind in ("organization", "document")


def _find_cue(
    text: str,
    masked: str,
    start: int,
    end: int,
    ctx: _Context,
    parsed: Any = None,
    quoted: Callable[[int], bool] | None = None,
) -> _Cue | None:
    rejected: set[int] = set()
    label = _speaker_label(masked, start, end, ctx) if start == 0 else None
    if label:
        return label
    if parsed is not None and quoted is not None:
        found, rejected = _parsed_cue(text, parsed, start, end, quoted, ctx)
        if found:
            return found
    found = _pattern_cue(text, masked, start, end, ctx, rejected)
    if found:
        return replace(found, mention=_mention_near(masked, start, end, found))
    if parsed is not None and quoted is not None:
        return _parsed_cue(text, parsed, start, end, quoted, ctx, quoting=True)[0]
    return None


_LABEL_RE = re.compile(r"((?:[A-Z][\w.'\u2019-]*\s+){0,3}[A-Z][\w.'\u2019-]*)\s*:\s+(?=\S)")
_CAPTION_LABELS = wordset("caption_labels")


def _speaker_label(masked: str, start: int, end: int, ctx: _Context) -> _Cue | None:
    """'Ana Ruiz: the ferry will run all winter' and the 'RUIZ: ...' of a transcript: a name and a
    colon opening a paragraph label what follows as that speaker's words."""
    m = _LABEL_RE.match(masked, start, end)
    if not m or m.group(1).lower() in _CAPTION_LABELS or m.end() >= end:
        return None
    if re.fullmatch(r"[A-Z][a-z]+(?:ing|ed)", m.group(1)):
        return None  # "Contributing: ...", "Revealed: ...": a label of the page, not a name
    told = masked[m.end() : end]
    if "_" not in told and (len(told.split()) < 4 or told.lstrip().startswith("@") or told.count(",") >= 4):
        return None  # unquoted, a figure, a handle, a few words of a list or a roll of names are no speech
    parsed = split_name(m.group(1))
    if parsed is None:
        return None
    name, role, title = parsed
    if name.isupper() and len(name.split()) == 1:
        speaker = ctx._known_part(name.title())  # a transcript's "RUIZ:" is someone named before
        if speaker is None:
            return None
    else:
        speaker = ctx.by_name(name, role, title)
    clause = (m.end(), len(masked[:end].rstrip().rstrip(".")))
    mention = Mention(m.group(1), m.start(1), m.end(1), "name")
    return _Cue(speaker, ":", at=m.end(1), mention=mention, clause=clause, label=True)


def _mention_near(masked: str, start: int, end: int, cue: _Cue) -> Mention | None:
    """The words of a sentence, outside quotations, that name the speaker a pattern found: the
    full name, a surname or a pronoun, whichever stands nearest the cue."""
    speaker = cue.speaker
    names = [(speaker.name, "name")]
    if speaker.named:
        names += [(w, "surname") for w in speaker.name.split() if len(w) > 2 and w[0].isupper()]
    names += [(p, "pronoun") for p in ("he", "she", "they", "it", "He", "She", "They", "It")]
    best: Mention | None = None
    for words, via in names:
        for m in re.finditer(rf"(?<![\w-]){re.escape(words)}(?![\w-])", masked[start:end]):
            at = start + m.start()
            if via == "pronoun" and abs(at - cue.at) > 40:
                continue
            if (
                best is None
                or abs(at - cue.at) < abs(best.start - cue.at)
                or (at == best.start and len(words) > len(best.text))
            ):
                best = Mention(words, at, at + len(words), via)
        if best is not None and via == "name":
            return best
    return best


def _pattern_cue(text: str, masked: str, start: int, end: int, ctx: _Context, rejected: set[int]) -> _Cue | None:
    """Speech cues read by patterns alone, for sentences the parse could not read."""
    found = _according_to(masked, start, end, ctx) or _doc_subject(masked, start, end, ctx)
    if found:
        return found
    for m in _CUE_RE.finditer(masked, start, end):
        if m.start() in rejected:
            continue  # the parse read this verb and found no speech in it
        verb = m.group("verb").lower()
        particle = (m.group("particle") or "").lower()
        if verb in lexicon.PARTICLE and particle not in lexicon.PARTICLE[verb].split("|"):
            quoted_next = re.match(r"[^\"\u201c\u2018'.;]{0,40}[\"\u201c\u2018']", masked[m.end() : end])
            if not (verb.startswith("call") and quoted_next):
                continue
        if (
            verb
            in {
                "state",
                "states",
                "point",
                "call",
                "ask",
                "expect",
                "expects",
                "expected",
                "believe",
                "believes",
                "believed",
                "forecast",
                "estimate",
            }
            and not m.group("verb")[0].islower()
        ):
            continue
        cue_text = m.group(0)
        before = masked[start : m.start()]
        if m.group("verb")[0].isupper() and before.strip():
            continue  # "Edward Said made a statement": a capitalised word inside a sentence is a name
        before = masked[start : m.start()]
        if re.search(r"\b(?:was|were|is|are|be|been|being)\s*$", before, flags=re.IGNORECASE):
            continue  # passive: "it was said"
        quoted_before = re.search(r"[\"'\u201d\u2019]\s*,?\s*$", before.rstrip("_ ,")) or re.search(
            r"[,?!][\"'\u201d\u2019]\s*$", before
        )
        # '"...," said Jane Doe' and 'Prices will rise, said Jane Doe, an analyst.'
        if quoted_before or (
            before.rstrip().endswith(",")
            and re.match(r"\s+(?:Dr\.|Mr\.|Ms\.|Mrs\.|Prof\.)?\s*[A-Z]", masked[m.end() : end])
        ):
            after = _subject_after(masked[m.end() : end], ctx)
            if after:
                return _Cue(after[0], cue_text, at=m.start())
        subject = _subject_before(before, ctx)
        if subject:
            speaker, _role = subject
            if before.rstrip().endswith(","):
                return _Cue(speaker, cue_text, at=m.start())
            return _Cue(speaker, f"{subject_text(before)} {cue_text}".strip(), at=m.start())
    return _participle(masked, start, end, ctx)


_PARTICIPLE_RE = re.compile(
    r",\s+(?P<verb>saying|adding|noting|arguing|warning|insisting|explaining|claiming|stressing)\b"
)


def _participle(masked: str, start: int, end: int, ctx: _Context) -> _Cue | None:
    """'Hughes defended the plan in a statement, saying the board had approved it': the
    sentence's subject speaks through the participle."""
    m = _PARTICIPLE_RE.search(masked, start, end)
    if not m:
        return None
    speaker = _sentence_subject(masked[start : m.start()], ctx)
    return _Cue(speaker, m.group("verb"), at=m.start()) if speaker else None


def _sentence_subject(head: str, ctx: _Context) -> Speaker | None:
    """Who a sentence is about, read from its opening: a pronoun, "Name, role, verb ...",
    "Role, Name, verb ...", or "Name verb ..." (two or more capitalised words)."""
    head = head.strip()
    pronoun = re.match(r"(He|She|They)\b", head)
    if pronoun:
        return ctx.by_pronoun(pronoun.group(1).lower())
    segments = head.split(",")
    if len(segments) >= 3:
        for segment in segments[:2]:
            parsed = split_name(segment)
            if parsed and len(parsed[0].split()) >= 2 and segment.strip()[:1].isupper():
                return ctx.by_name(parsed[0], None, parsed[2])
    opening = re.match(r"((?:[A-Z][\w'.-]*\s+){1,3}[A-Z][\w'.-]*)\s+[a-z]", head)
    if opening:
        parsed = split_name(opening.group(1))
        if parsed and len(parsed[0].split()) >= 2:
            return ctx.by_name(parsed[0], parsed[1], parsed[2])
    return None


def subject_text(before: str) -> str:
    """The last few words before a cue, for the `cue` field ("Qi warned", "he said")."""
    tail = _clean(before.rstrip().rstrip(",").split(",")[-1])
    words = tail.split()
    return " ".join(words[-2:]) if len(words) <= 3 else words[-1]


# ---------------------------------------------------------------- statements


def _is_full_quote(content: str) -> bool:
    words = content.split()
    if not words:
        return False
    first = content.lstrip(".\u2026 ")[:1]
    if first.isupper() or first.isdigit():
        return len(words) >= 3
    return content.rstrip()[-1:] in ",!?" and len(words) >= 8


def _paragraph_statements(
    doc: str, para: Paragraph, ctx: _Context, carry: Speaker | None, parsed: Any = None, before: str = ""
) -> tuple[list[Statement], Speaker | None]:
    text = para.text
    if _is_caption(text):
        narration = Statement(
            doc, para.number, text, para.start, para.end, para.start, para.end, None, None, "narration"
        )
        return [narration], carry
    quotes = quote_spans(text)
    masked = _mask(text, quotes)
    units = sentence_spans(text, masked)

    def quoted(i: int) -> bool:
        return 0 <= i < len(masked) and masked[i] == "_"

    result: list[Statement] = []
    previous: tuple[Speaker | None, str] = (None, "narration")
    last_speaker = carry
    for u_start, u_end in units:
        unit_quotes = [(s, e) for s, e in quotes if s >= u_start and e <= u_end and text[s:e].strip()]
        cue = _find_cue(text, masked, u_start, u_end, ctx, parsed, quoted)
        full = [q for q in unit_quotes if _is_full_quote(text[q[0] : q[1]])]
        quoted_chars = sum(e - s for s, e in unit_quotes)
        speaker: Speaker | None
        mention: Mention | None = None
        if cue:
            speaker = cue.speaker
            kind = _cued_kind(
                cue, bool(full), bool(unit_quotes) and quoted_chars >= 0.8 * (u_end - u_start - len(cue.cue))
            )
            cue_text = cue.cue
            if cue.mention:
                m = cue.mention
                mention = Mention(m.text, para.start + m.start, para.start + m.end, m.via)
        elif full and quoted_chars >= 0.5 * (u_end - u_start) and _repeats(before, text, full):
            speaker, kind, cue_text = None, "narration", None  # a pull quote: words quoted earlier, set apart
        elif full and quoted_chars >= 0.5 * (u_end - u_start) and last_speaker is not None:
            # a quote with no cue continues the last speaker's words
            speaker, kind, cue_text = last_speaker, "direct", None
            mention = Mention("", para.start + u_start, para.start + u_start, "continuing")
        elif previous[0] is not None:
            speaker, kind, cue_text = previous[0], previous[1], None
        else:
            speaker, kind, cue_text = None, "narration", None
            if parsed is not None and not _title_case(parsed, u_start, u_end):
                for phrase in speech.mentions(parsed, u_start, u_end, quoted):
                    ctx.mention(phrase)
        if kind == "direct" and full:
            t_start, t_end = full[0][0], full[-1][1]
        else:
            t_start, t_end = u_start, u_end
        statement_text = text[t_start:t_end]
        stmt = Statement(
            doc=doc,
            paragraph=para.number,
            text=statement_text,
            start=para.start + t_start,
            end=para.start + t_end,
            span_start=para.start + u_start,
            span_end=para.start + u_end,
            speaker=speaker.name if speaker else None,
            role=None,
            kind=kind,
            cue=cue_text,
            quotes=tuple(text[s:e] for s, e in unit_quotes),
            mention=mention,
            clause=(para.start + cue.clause[0], para.start + cue.clause[1]) if cue and cue.clause else None,
            clauses=tuple((para.start + a, para.start + b) for a, b in cue.more) if cue else (),
        )
        if result and cue is None and result[-1].speaker == stmt.speaker and result[-1].kind == kind:
            result[-1] = _joined(result[-1], stmt, text, para.start)
        else:
            result.append(stmt)
        previous = (speaker, kind)
        if speaker is not None:
            last_speaker = speaker
    return result, last_speaker


def _cued_kind(cue: Any, full: bool, mostly_quoted: bool) -> str:
    """How a statement with a speech cue is reported: a cited source, a direct quote, reported
    speech with quoted words (`mostly_quoted`), or reported speech."""
    speaker = cue.speaker
    if (
        cue.source
        or speaker.kind == "document"
        or (speaker.kind == "organization" and (speaker.role or "") in lexicon.NOMINAL_DOC)
    ):
        return "source"
    if full and not cue.label:
        return "direct"
    if cue.label:
        return "partial" if mostly_quoted else "indirect"
    if cue.act:
        return "act"
    return "partial" if mostly_quoted else "indirect"


def _joined(prev: Statement, stmt: Statement, text: str, offset: int) -> Statement:
    """Two sentences of one speaker, reported the same way and with no cue between, as one statement."""
    end = stmt.end - offset
    return replace(
        prev,
        text=text[prev.start - offset : end],
        end=stmt.end,
        span_end=stmt.span_end,
        quotes=prev.quotes + stmt.quotes,
        clause=(prev.clause[0], stmt.end) if prev.clause else None,
        clauses=prev.clauses + stmt.clauses,
    )


def _is_caption(text: str) -> bool:
    """A headline, a caption or a signature line ("Watch: ...", "Photo caption: ..."): a short
    paragraph with no sentence end, or one that names itself a caption. Such lines quote no one."""
    if is_caption(text):
        return True
    stripped = text.rstrip()
    return len(stripped.split()) <= 20 and stripped[-1:] not in ".!?;\"'\u201d\u2019)\u2026"


def _title_case(parsed: Any, start: int, end: int) -> bool:
    """A headline set in title case ("A Meaningful Exchange Actually Happened"): its capitals
    say nothing about names, so it puts no one forward. Words the parse reads as names do not
    count, so a sentence full of them ("Gov. Ann Cole visited Albany Monday") is not a headline."""
    words = [t for t in parsed if start <= t.idx < end and len(t.text) > 3 and t.text[:1].isalpha() and not t.ent_type_]
    words = words[1:] if words and words[0].idx == start else words
    return len(words) >= 2 and sum(t.text[0].isupper() for t in words) >= 0.8 * len(words)


def _repeats(before: str, text: str, quotes: list[tuple[int, int]]) -> bool:
    """Whether every quotation here was printed earlier in the article: a pull quote."""
    return bool(before) and all(
        len(words) >= 12 and words in before for words in (text[s:e].strip(" .,!?\u2026") for s, e in quotes)
    )


MAX_PARSED_CHARS = 20_000  # a longer "paragraph" (a page pasted as one line) is read by the patterns alone


def _after_dateline(para: Paragraph) -> Paragraph:
    """The paragraph without its dateline ("LONDON (AP) — "), which would read as a speaker."""
    skip = dateline_end(para.text)
    return replace(para, text=para.text[skip:], start=para.start + skip) if skip else para


def parse_paragraphs(paragraphs: Sequence[Paragraph]) -> list[Any]:
    """spaCy's parse of every paragraph (dependencies and entity types), in one batch; None for
    a paragraph too long to parse in bounded memory (the parser needs about 1 GB per 100,000
    characters), which the pattern rules read instead."""
    from qa.lang.parser import pipeline

    short = [p.text for p in paragraphs if len(p.text) <= MAX_PARSED_CHARS]
    parsed = iter(pipeline().pipe(short, batch_size=64))
    return [next(parsed) if len(p.text) <= MAX_PARSED_CHARS else None for p in paragraphs]


def attribute(article: Article, *, parse: bool = True) -> Attribution:
    """Every statement of the article, with speaker, role, kind, cue and offsets.

    `parse=False` reads speech with the pattern rules alone, without spaCy's parse."""
    ctx = _Context()
    statements: list[Statement] = []
    carry: Speaker | None = None
    paragraphs = tuple(_after_dateline(p) for p in article.paragraphs)
    parsed = parse_paragraphs(paragraphs) if parse else [None] * len(paragraphs)
    for written, para, tree in zip(article.paragraphs, paragraphs, parsed, strict=True):
        found, carry = _paragraph_statements(article.doc, para, ctx, carry, tree, article.text[: para.start])
        if found and para is not written:  # the dateline still opens the first sentence, as the passage shows it
            found[0] = replace(found[0], span_start=written.start)
        statements.extend(found)
    # roles become known as the article goes on; give every statement the final one
    speakers = {s.name: s for s in ctx.speakers}
    whole = _full_names(ctx.speakers, article.text)
    speakers.update(
        {full: replace(speakers[short], name=full) for short, full in whole.items() if full not in speakers}
    )
    speakers.update(
        {name: replace(speakers[name], role=title) for name, title in _titled(speakers, article.text).items()}
    )
    final = tuple(
        replace(
            s,
            speaker=whole.get(s.speaker, s.speaker) if s.speaker else None,
            role=speakers[s.speaker].role if s.speaker in speakers else None,
            speaker_kind=speakers[s.speaker].kind if s.speaker in speakers else None,
        )
        for s in statements
    )
    used = {s.speaker for s in final if s.speaker}
    ordered: list[Speaker] = []
    for s in final:
        if s.speaker in used and all(o.name != s.speaker for o in ordered):
            ordered.append(speakers[s.speaker])
    return Attribution(statements=final, speakers=tuple(ordered))


_TITLE_BEFORE_NAME = re.compile(
    r"\b(" + "|".join(re.escape(t.capitalize()) for t in lexicon.TITLE_ROLES) + r")\.?\s+(?=[A-Z])"
)


def _titled(speakers: dict[str, Speaker], text: str) -> dict[str, str]:
    """People with no role whom the article names after a title ("Gov. Ann Cole", "Coun. Mia
    Park"): the role the title stands for ("Governor"). Read once the article is attributed, so
    that it answers "What did the governor say?" without changing whom a description ("the
    Florida senator") was taken for."""
    titles = [(m.end(), str(lexicon.TITLE_ROLES[m.group(1).lower()])) for m in _TITLE_BEFORE_NAME.finditer(text)]
    found: dict[str, str] = {}
    for name, s in speakers.items():
        if s.role or s.kind != "person" or not s.named:
            continue
        surname = name.split()[-1]
        role = next((r for at, r in titles if text.startswith(name, at) or text.startswith(surname, at)), None)
        if role is not None:
            found[name] = role
    return found


def _full_names(speakers: list[Speaker], text: str) -> dict[str, str]:
    """A surname quoted before the article gives the full name ("Kovar described ...", and only
    later "its first engineer was Lena Kovar"): the one full name the article writes
    with it, when it writes one."""
    found: dict[str, str] = {}
    for s in speakers:
        if s.kind != "person" or not s.named or len(s.name.split()) != 1 or not s.name[:1].isupper():
            continue
        fuller = set(
            re.findall(rf"(?<![\w'\u2019-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?(?: [A-Z]\.)? {re.escape(s.name)})\b", text)
        )
        fuller = {f for f in fuller if split_name(f) and split_name(f)[0] == f}  # type: ignore[index]
        # a capitalised word the article also writes in lower case opens a sentence: "Because Kovar"
        fuller = {f for f in fuller if not re.search(rf"\b{re.escape(f.split()[0].lower())}\b", text)}
        if len(fuller) == 1:
            found[s.name] = fuller.pop()
    return found


def paragraph_summary(statements: list[Statement] | tuple[Statement, ...], paragraph: int) -> tuple[str | None, str]:
    """(speaker, kind) that best describes one paragraph, as in the gold attribution."""
    mine = [s for s in statements if s.paragraph == paragraph and s.kind != "narration"]
    if not mine:
        return None, "narration"
    kinds = {s.kind for s in mine}
    for kind in ("direct", "source", "indirect", "partial", "act"):
        if kind in kinds:
            return mine[0].speaker, "indirect" if kind in ("partial", "act") else kind
    return mine[0].speaker, mine[0].kind
