"""Passages chosen by their place in the article, not by the question's words: leads, introductions,
whoever holds a role, the passage after the last one shown."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.ask.checks import ahead, to_come
from qa.ask.question import SpeakerIndex, answer_type, speaker_scores, topic_words
from qa.ask.render import as_text
from qa.ask.reply import Answer, abstain, passages
from qa.ask.search import Hit, Searcher, within
from qa.ask.vocabulary import WORD, vocabulary
from qa.attribution.reference import organisations, references
from qa.attribution.statements import Speaker
from qa.index.lexical import terms, words
from qa.lang.en import ANSWER_CATEGORIES, listed

_SPEAKER_LIST_MAX = 12

_EVENT_FRAME = frozenset(terms(" ".join(listed("event_frame"))))

_CATEGORIES = frozenset(terms(" ".join(ANSWER_CATEGORIES)))

def event_lead(
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
    _, chunk_terms = vocabulary(retriever)
    shaped = retriever.shapes(kind)
    fitting = [
        ids
        for ids in _openings(retriever, {doc} if doc is not None else docs).values()
        if stems <= set().union(*(chunk_terms[i] for i in ids)) and any(shaped[i] for i in ids)
    ]
    if len(fitting) != 1:
        return None  # no lead, or several articles' leads: not a question about one event
    best = retriever.rank(text, restrict=fitting[0], limit=1, kind=kind)
    if not best or (to_come(text) and not ahead(text, best[0].text)):
        return None  # "When will the next one be held?": the lead dates this one
    return best[0]

def placed_by_description(retriever: Searcher, text: str) -> set[int]:
    """The chunks that place an organisation the question names with a description standing
    for it: "the Beijing-based company" where the article spoke of Xiaomi."""
    placed = retriever.derived.placed
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
        retriever.derived.placed = placed
    asked = set(words(text))
    return {cid for cid, name in placed if words(name)[0] in asked}

def next_passage(retriever: Searcher, anchor: int, focus: Sequence[Speaker]) -> Hit | None:
    """ "What did he say next?": the passage after the one the last answer quoted first, in
    article order; the speaker's own next passage when the follow-up is about them."""
    at = retriever.chunks[anchor]
    names = {s.name for s in focus}
    later = [c for c in retriever.chunks if c.doc == at.doc and c.start > at.start]
    if names:
        later = [c for c in later if c.speaker in names]
    return retriever.hit(min(later, key=lambda c: c.start).id) if later else None

_OWNED = re.compile(r"^(?:the\s+)?(?P<owner>.+?)['\u2019]s?\s+(?P<role>(?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)$")


def owned(subject: str) -> re.Match[str] | None:
    """ "Clinton's spokesman", "the Trump Organization's lawyer": a role held for someone named,
    read as (owner, role); None for any other subject."""
    return _OWNED.match(subject.strip())


def described(subject: str, index: SpeakerIndex) -> list[Speaker]:
    """The speakers a description in a question fits best ("the institute boss"); none for a
    plural one that fits a single speaker ("the tech leaders" are several people, not the one
    whose role says "tech"). A role held for someone ("Obama's spokesman") fits those whose
    role it is, first those whose role or description names the owner, and never the owner."""
    ownership = owned(subject)
    if ownership:
        owner = set(terms(ownership["owner"]))
        loose = {
            name: (score + (1.0 if owner & set(terms(f"{index.speakers[name].role or ''} {name}")) else 0.0), used)
            for name, (score, used) in speaker_scores(ownership["role"], index, loose=True).items()
            if not (index.speakers[name].named and set(terms(name)) <= owner)
        }
    else:
        loose = speaker_scores(subject, index, loose=True)
    if not loose or (len(loose) == 1 and plural_description(subject)):
        return []
    best = max(score for score, _ in loose.values())
    return [index.speakers[name] for name, (score, _) in sorted(loose.items()) if score == best]

def plural_description(subject: str) -> bool:
    """ "the experts", "officials": a description of whoever speaks, not one speaker to look up."""
    bare = re.sub(r"^(?:the|a|an|some|many)\s+", "", subject.strip(), flags=re.IGNORECASE)
    last = bare.split()[-1] if bare.split() else ""
    return last.islower() and last.endswith("s") and not last.endswith("ss")

ROLE_ASKED = frozenset(terms(" ".join(listed("role_asked"))))  # "What is her JOB?", "Where does he WORK?"

def role_holder(retriever: Searcher, text: str, docs: set[str] | None) -> Speaker | None:
    """The one speaker whose role a "who is the ROLE" question spells out: every word of it
    but the names among their role's words, and of those that do, the one whose role holds
    most of the names ("the founder of Xiaomi"); None when no one or several fit."""
    tokens = WORD.findall(text)
    # a capitalised word after the first is a name, unless the question has no other word
    # ("Who is the Mayor?", "Who is the CEO of Xiaomi?")
    names = {t for w in tokens[1:] if w[:1].isupper() for t in terms(w)}
    wanted = set(topic_words(text, set()).values())
    plain = wanted - names or wanted
    if not plain:
        return None
    roles = retriever.derived.role_stems  # once per index
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

def named_at(retriever: Searcher, speaker: Speaker, scope: list[int] | None) -> Hit | None:
    """The first passage that names a speaker in full, whoever says it ("The health minister,
    Rachel Obi, acknowledged ..."); their introducing passage when none does."""
    chunks = retriever.chunks
    ids = [i for i in (scope if scope is not None else range(len(chunks))) if speaker.doc in (None, chunks[i].doc)]
    naming = [i for i in ids if speaker.name in chunks[i].text]
    return introduction(retriever, speaker.name, naming or within(retriever.speaker_chunks(speaker.name), scope) or [])

def introduction(retriever: Searcher, name: str, ids: Sequence[int]) -> Hit | None:
    """Of a speaker's passages (`ids`), the first that names them, where the article says who
    they are; the first of all when none does; None when there are none."""
    chunks = sorted((retriever.chunks[i] for i in ids), key=lambda c: (c.doc, c.start))
    named = next((c for c in chunks if name in c.text), chunks[0] if chunks else None)
    return retriever.hit(named.id) if named is not None else None

def list_speakers(retriever: Searcher, text: str, docs: set[str] | None = None) -> Answer:
    """Everyone the article quotes, each with the passage that introduces them, in article order."""
    intros: list[Hit] = []
    for s in retriever.speakers[:_SPEAKER_LIST_MAX]:
        if docs is not None and s.doc is not None and s.doc not in docs:
            continue
        ids = [i for i in retriever.speaker_chunks(s.name) if docs is None or retriever.chunks[i].doc in docs]
        intro = introduction(retriever, s.name, ids)
        if intro is not None:
            intros.append(intro)
    if not intros:
        return abstain(text, "the article quotes no one; it is all narration", None)
    order = {doc: i for i, doc in enumerate(retriever.titles)}
    intros.sort(key=lambda h: (order.get(h.doc, len(order)), h.start))
    people = "; ".join(f"**{as_text(h.speaker or '')}**" + (f", {as_text(h.role)}" if h.role else "") for h in intros)
    return passages(text, f"The article quotes {len(intros)}: {people}.", intros)

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

def opening_answer(retriever: Searcher, text: str, k: int, docs: set[str] | None = None) -> Answer:
    """What the article is about: its first paragraph (of each article, when there are several)."""
    leads = [retriever.hit(ids[0]) for ids in _openings(retriever, docs).values()][:k]
    return passages(text, "The article opens with:" if len(leads) == 1 else "The articles open with:", leads)

def leading_article(
    retriever: Searcher, query: str, restrict: list[int] | None, boost: list[str], text: str
) -> str | None:
    """The article of the best passage, when the index holds several; None otherwise."""
    if len(retriever.titles) < 2:
        return None
    best = retriever.rank(query, restrict=restrict, limit=1, boost=boost, kind=answer_type(text))
    return best[0].doc if best else None
