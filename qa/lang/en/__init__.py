"""English word lists, each kept once as a data file beside this module and read on import.

A file holds entries separated by white space, "_" standing for a space inside an entry
("white_paper"); `#` starts a comment. A table file holds "key: value" lines, where a key
line may list several words ("he: he him his himself") and "-" stands for no value; a
groups file holds groups separated by "|". Nothing here stems or parses: the modules that
use a list turn it into what they need.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@cache
def _lines(name: str) -> tuple[str, ...]:
    text = (HERE / f"{name}.txt").read_text(encoding="utf-8")
    return tuple(line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip())


def listed(name: str) -> tuple[str, ...]:
    """A list's entries, in the file's order."""
    return tuple(word.replace("_", " ") for line in _lines(name) for word in line.split())


def wordset(name: str) -> frozenset[str]:
    """A list's entries as a set."""
    return frozenset(listed(name))


def table(name: str) -> dict[str, str | None]:
    """A table's "key: value" lines as a mapping, in the file's order."""
    found: dict[str, str | None] = {}
    for line in _lines(name):
        key, _, value = line.partition(":")
        found[key.strip().replace("_", " ")] = None if value.strip() == "-" else value.strip()
    return found


def grouped(name: str) -> dict[str, tuple[str, ...]]:
    """A table whose values are lists: "he: he him his himself" -> {"he": ("he", "him", ...)}."""
    return {key: tuple((value or "").split()) for key, value in table(name).items()}


def groups(name: str) -> list[tuple[str, ...]]:
    """A groups file's groups, each a tuple of words."""
    return [tuple(part.split()) for line in _lines(name) for part in line.split("|") if part.strip()]


# ---------------------------------------------------------------- the lists

VERBS = list(listed("speech_verbs"))
# verbs that only report speech with a particle after them
PARTICLE = {form: value or "" for form, value in table("particle_forms").items()}
DOC_NOUNS = "|".join(listed("doc_nouns"))  # as a regular-expression alternation
DOC_VERBS = "|".join(listed("doc_verbs"))
TITLES = table("titles")
ROLE_WORDS = set(listed("role_words"))
ORG_WORDS = set(listed("org_words"))
STOP_CAPS = set(listed("stop_caps"))
CONNECTORS = set(listed("connectors"))
PRONOUN_FORMS = {form: person for person, forms in grouped("pronouns").items() for form in forms}
PERSONS = frozenset(grouped("pronouns"))  # "he", "she", "they", "it"
NOMINAL_ORG = set(listed("nominal_orgs"))
NOMINAL_DOC = set(listed("doc_nouns"))
ABBREVIATIONS = set(listed("abbreviations"))
TITLE_WORDS = wordset("title_words")
TITLE_ROLES = table("title_roles")  # "gov" -> "Governor"
GROUPS = set(listed("cited_groups"))
ANSWER_CATEGORIES = wordset("answer_categories")
QUOTED_NOUNS = wordset("quoted_nouns")
PEOPLE_NOUNS = wordset("people_nouns")
NUMBER_WORDS = "|".join(listed("number_words"))  # as a regular-expression alternation
MONTHS = list(listed("months"))
WEEKDAYS = list(listed("weekdays"))

OPPOSITES: dict[str, frozenset[str]] = {}
for _one, _other in groups("opposites"):
    OPPOSITES[_one] = OPPOSITES.get(_one, frozenset()) | {_other}
    OPPOSITES[_other] = OPPOSITES.get(_other, frozenset()) | {_one}

IRREGULAR = {form: forms[0] for forms in groups("irregular") for form in forms[1:]}
