"""Countries under their other names: a question may say "America" or "Britain" where the
article says "the United States" or "the United Kingdom", and that is no name the article
lacks. The names come from ISO 3166 (pycountry): each country's short, official and common
names, the part of a name before its comma ("Korea, Republic of"), and its letter codes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache

from qa.index.lexical import words
from qa.lang.en import wordset

_SHARED_MAX = 3  # a word in more countries' names than this ("republic", "united") names none of them
_FILLER = wordset("name_filler")


@dataclass(frozen=True)
class _Country:
    names: tuple[tuple[str, ...], ...]  # each name as lower-case words
    codes: frozenset[str]  # ISO letter codes, upper case


@lru_cache(maxsize=1)
def _countries() -> tuple[tuple[_Country, ...], frozenset[str]]:
    """Every country, and the words that single out a few of them."""
    import pycountry  # a few ms, and only when a question names something the article lacks

    found = []
    for c in pycountry.countries:
        spelled = {getattr(c, key, None) for key in ("name", "official_name", "common_name")}
        spelled |= {s.split(",")[0] for s in spelled if s and "," in s}
        names = tuple(sorted({tuple(words(s)) for s in spelled if s}))
        found.append(_Country(names, frozenset({c.alpha_2, c.alpha_3})))
    counts = Counter(w for c in found for w in {w for name in c.names for w in name})
    telling = frozenset(w for w, n in counts.items() if n <= _SHARED_MAX and w not in _FILLER)
    return tuple(found), telling


def _within(part: tuple[str, ...], name: tuple[str, ...]) -> bool:
    n = len(part)
    return any(name[i : i + n] == part for i in range(len(name) - n + 1))


@lru_cache(maxsize=1024)
def countries_named(name: str) -> tuple[_Country, ...]:
    """The countries a name stands for: "America" (in "United States of America"), "Korea"
    (both), "USA" (a code); none for a name no country's name singles out."""
    countries, telling = _countries()
    if re.fullmatch(r"[A-Z]{2,3}", name.replace(".", "")):
        code = name.replace(".", "")
        return tuple(c for c in countries if code in c.codes)
    part = tuple(words(name))
    if not part or not set(part) & telling:
        return ()
    return tuple(c for c in countries if any(_within(part, n) for n in c.names))


def other_name_known(name: str, vocabulary: Set[str], acronyms: Set[str] = frozenset()) -> bool:
    """Does the article name the country `name` stands for in other words: every word of one
    of its names among the article's `vocabulary` (lower case), or one of its codes among the
    article's `acronyms` ("US")?"""
    return any(
        c.codes & acronyms or any(all(w in vocabulary for w in n) for n in c.names) for c in countries_named(name)
    )
