"""The words of an index: each passage's terms, the surface words of articles and speakers, and the
question words that are slips of the keyboard or paraphrases of article words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.ask.question import SAME_WORD, Vocabulary
from qa.ask.search import Searcher
from qa.attribution.statements import Speaker
from qa.errors import ModelError
from qa.index.chunking import lexical_text
from qa.index.embedding import DEFAULT_MODEL, model_path
from qa.index.lexical import terms, words

CAPITALS = re.compile(r"\b(?:[A-Z]\.){2,3}|\b[A-Z]{2,4}\b")  # "US", "U.S.": a country may go by its code
# a name of two or more capitalised words, small words between them: "Food and Drug Administration"
_SPELLED_OUT = re.compile(r"\b[A-Z][\w'\u2019-]*(?:\s+(?:(?:of|and|for|on|the|&)\s+)*[A-Z][\w'\u2019-]*)+")

WORD = re.compile(r"[\w'\u2019-]+")

def article_words(retriever: Searcher, doc: str) -> Vocabulary:
    """The surface words of one article and of the people it quotes (cached per article)."""
    cache = retriever.derived.article_words
    if doc not in cache:
        chunks = [c.text for c in retriever.chunks if c.doc == doc]
        cache[doc] = surface_words(chunks, [s for s in retriever.speakers if s.doc in (doc, None)])
    return cache[doc]

def surface_words(texts: Sequence[str], speakers: Sequence[Speaker]) -> Vocabulary:
    """The words of some passages and of their speakers' names, roles and aliases, with the
    parts of hyphenated words: a question's parse splits "Qi-Anxin" into "Qi" and "Anxin", and
    neither is an unknown name."""
    found: set[str] = set()
    for text in texts:
        found.update(words(text))
    for s in speakers:
        found.update(words(f"{s.name} {s.role or ''} {' '.join(s.aliases)}"))
    capitals = {m.replace(".", "") for text in texts for m in CAPITALS.findall(text)}
    spelled = {short for text in texts for short in initials(text)}
    found |= {short.lower() for short in spelled}
    return Vocabulary(found | {part for w in found if "-" in w for part in w.split("-") if part}, capitals | spelled)


def initials(text: str) -> set[str]:
    """The abbreviations a text spells out, read from its names of several capitalised words:
    "NH" from "New Hampshire", "FDA" from "the Food and Drug Administration", "DNC" from "the
    Democratic National Committee" (2 to 6 letters; a leading "The" is no part of it)."""
    found = set()
    for run in _SPELLED_OUT.findall(text):
        # "the Senate and the House", "the DNC and The Times": each name of its own too
        for name in {run, *re.split(r"\s+(?:and|&)\s+|\s+(?=The\b)", run)}:
            capitalised = [w for w in name.split() if w[:1].isupper() and w != "The"]
            if 2 <= len(capitalised) <= 6:
                found.add("".join(w[0] for w in capitalised))
    return found

def vocabulary(retriever: Searcher) -> tuple[Vocabulary, dict[int, set[str]]]:
    cached = retriever.derived.vocabulary
    if cached is None:
        # a passage holds its words and, as BM25 indexes it, the name and role of who says it
        per_chunk = {chunk.id: set(terms(lexical_text(chunk))) | set(words(chunk.text)) for chunk in retriever.chunks}
        cached = (surface_words([c.text for c in retriever.chunks], retriever.speakers), per_chunk)
        retriever.derived.vocabulary = cached
    return cached

def mend(surface: Vocabulary, unmatched: list[str], covered: set[str]) -> dict[str, str]:
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

def respelled(text: str, mended: dict[str, str]) -> str:
    """The text with each of the words given replaced by its mended spelling."""
    return WORD.sub(lambda m: mended.get(m.group(0).lower(), m.group(0)), text)

def still_missing(
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

def uses(retriever: Searcher, name: str) -> bool:
    """Whether the article (or a speaker's name or role) has every word of a name."""
    surface, _ = vocabulary(retriever)
    return all(w in surface for w in words(name))

def mentioned(retriever: Searcher, subject: str) -> bool:
    """Whether a name the question asks about is one the article uses, quoted or not: "What
    did Murdoch call sport?" where the article tells that Murdoch described it so."""
    return subject[:1].isupper() and uses(retriever, subject)
