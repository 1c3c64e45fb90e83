"""What "the company" stands for: a definite description of an organisation, resolved to the
organisation the article talks about most, among those named within reach, that fits it.

News names a firm once and then writes "the company", "the Beijing-based company", "the
firm". A reader asking "Where is Xiaomi based?" means the passage that says "the
Beijing-based company began ...", which neither the encoder nor BM25 ties to Xiaomi.

The organisations are the ones attribution already knows: speakers that are organisations,
and the organisation a speaker's role names ("founder of Chinese tech giant Xiaomi"). A name
that says what kind of body it is ("... Academy of Engineering", "... Association") fits only
a description with that word ("the academy", "the association"); any other organisation
fits a business description ("the company", "the firm", "the group").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.attribution.statements import Speaker
from qa.lang.en import wordset

INSTITUTIONS = wordset("institutions")
BUSINESSES = wordset("businesses")
_HEADS = "|".join(sorted(INSTITUTIONS | BUSINESSES))
# "the company", "the Beijing-based company", "the country's largest phone maker" (up to three
# lower-case or hyphenated words before the head); not "the company Xiaomi", which names it
_DESCRIPTION = re.compile(
    rf"\b[Tt]he\s+(?:(?:[a-z][\w'-]*|[A-Z]\w*-[a-z][\w-]*)\s+){{0,3}}?(?P<head>{_HEADS})\b"
    r"(?!\s+(?:[A-Z0-9]|of\s+[A-Z]))"
)
# the organisation a role names: its capitalised tail ("... company Qi-Anxin Technology Group",
# "... of the Chinese Academy of Engineering", "... search company 360 Security Group")
_ROLE_ORG = re.compile(
    r"(?:\b(?:of|at|for|from|with)\s+(?:the\s+)?|\s)(?:[a-z][\w-]*\s+)*"
    r"(?P<name>[A-Z0-9][\w&.'-]*(?:\s+(?:(?:of|and|for|the|de)\s+)*[A-Z0-9][\w&.'-]*)*)\s*$"
)
_REACH = 2000  # characters back from a description its organisation may be named


@dataclass(frozen=True)
class Reference:
    start: int  # the description's offsets in the text searched
    end: int
    name: str  # the organisation it stands for

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def organisations(speakers: Iterable[Speaker]) -> list[str]:
    """The organisations attribution knows: named organisation speakers, and the organisation
    a speaker's role names after a word for a business ("tech giant Xiaomi") or by a name
    that says what it is ("the Chinese Academy of Engineering"); not a town ("mayor of
    nearby Merritt")."""
    found: list[str] = []
    for s in speakers:
        if s.kind == "organization" and s.named and (" " in s.name or not s.name.istitle()):
            found.append(s.name)  # not a lone capitalised word ("Nation"), which names no firm
        match = _ROLE_ORG.search(s.role or "")
        if match is None:
            continue
        name = match.group("name")
        before = (s.role or "")[: match.start("name")].split()
        if (before and before[-1].lower() in BUSINESSES) or {w.lower() for w in name.split()} & (
            INSTITUTIONS | BUSINESSES
        ):
            found.append(name)
    return list(dict.fromkeys(found))


def _fits(head: str, name: str) -> bool:
    kinds = {w.lower() for w in name.split()} & INSTITUTIONS
    return head in kinds if kinds else head in BUSINESSES


def references(text: str, names: Sequence[str]) -> list[Reference]:
    """Every description of an organisation in `text` that one of `names` fits: the one the
    text has named (or described) most often so far within reach, the latest of equals."""
    mentions = sorted(
        (m.start(), name) for name in names for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    )
    found: list[Reference] = []
    for match in _DESCRIPTION.finditer(text):
        head = match.group("head").lower()
        seen = [(start, name) for start, name in mentions if start < match.start()]
        seen += [(r.start, r.name) for r in found]
        near = {name for start, name in seen if match.start() - start <= _REACH and _fits(head, name)}
        if near:
            talk = {name: sum(n == name for _, n in seen) for name in near}
            latest = {name: max(start for start, n in seen if n == name) for name in near}
            name = max(near, key=lambda n: (talk[n], latest[n]))
            found.append(Reference(match.start(), match.end(), name))
    return found
