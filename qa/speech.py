"""Speech read from sentence structure: which verb reports speech, and who its subject is.

Works on spaCy's dependency parse and entity types of one paragraph: a speech verb is known by
its lemma ("say", "warn", "concede", ...), and it reports speech when it carries a clause or a
quotation; its speaker is the verb's subject (for a participle, "..., saying ...", or a second
verb, "... but said ...", the subject of the verb it hangs from). The subject comes back as a
`Phrase`: a pronoun, a name with the role words around it ("the local's president, Brenda
Kaminski"), or a description ("a union representative"). Resolving phrases to speakers is
attribution's job; nothing here knows any article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qa import lexicon

# verbs that report speech whenever they carry a clause or a quotation
SPEECH_LEMMAS = frozenset(
    (
        "say tell add warn note liken stress emphasize emphasise explain argue insist claim predict "
        "suggest acknowledge admit announce recall conclude reply respond caution observe remark "
        "contend maintain reiterate highlight underscore vow pledge promise state declare counter "
        "quip joke allege tweet concede recount testify assert complain lament boast blurt confirm "
        "deny write post urge agree disagree estimate forecast believe expect describe report "
        "announce propose ask"
    ).split()
)
# verbs a report, study or survey speaks through: "the study found that ..."
DOC_LEMMAS = frozenset("find show reveal indicate estimate suggest conclude say note warn report predict".split())
# verbs that report speech only with a clause after them, never on a quotation nearby alone
CLAUSE_ONLY = frozenset("believe expect estimate forecast describe post ask promise agree propose".split())
PRONOUNS = frozenset({"he", "she", "they", "it"})
ENTITY_KINDS = {"PERSON": "person", "ORG": "organization", "NORP": "group", "GPE": "organization", "FAC": "organization"}
GROUP_NOUNS = frozenset("police staff crew team public family government management".split())
ROLE_GENDER = {
    **dict.fromkeys(
        "husband father son brother spokesman chairman grandfather uncle nephew boyfriend king "
        "businessman congressman".split(),
        "he",
    ),
    **dict.fromkeys(
        "wife mother daughter sister spokeswoman chairwoman grandmother aunt niece girlfriend queen "
        "businesswoman congresswoman".split(),
        "she",
    ),
}
_CLAUSE_DEPS = frozenset({"ccomp", "parataxis"})
_CUT_DEPS = frozenset({"relcl", "appos", "punct", "acl", "advcl", "cc", "conj"})


@dataclass(frozen=True)
class Phrase:
    """Who a speech verb's subject names, as the article words it."""

    text: str  # the words, without relative clauses ("One engineer")
    start: int  # offsets of `text` in the parsed text
    end: int
    form: str  # "pronoun", "name" or "description"
    name: str | None = None  # the proper name, for form "name"
    role: str | None = None  # words describing the named one ("the local's president")
    kind: str | None = None  # "person", "organization", "group", "document", when the words say
    definite: bool = False  # "the association" (someone met before) vs "a union representative"
    head: str = ""  # the head noun, lower case


@dataclass(frozen=True)
class Speech:
    """A speech verb and its subject."""

    cue: str  # the verb as written, with its particle ("pointed out")
    at: int  # offset of the verb
    subject: Phrase
    source: bool = False  # a document speaks ("the study found")


def speeches(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Iterator[Speech]:
    """Speech verbs between two offsets of a parsed text, outside quotations, each with the
    phrase of its subject: verbs with a subject of their own first ("Noting that ..., Wu said"
    gives "said"), then participles and joined verbs, in text order."""
    found = list(_speeches(doc, start, end, quoted))
    yield from (s for own, s in found if own)
    yield from (s for own, s in found if not own)


def _speeches(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Iterator[tuple[bool, Speech]]:
    has_quote = any(quoted(i) for i in range(start, end))
    for token in doc:
        if token.idx < start or token.idx >= end or quoted(token.idx) or token.pos_ not in ("VERB", "AUX"):
            continue
        lemma = token.lemma_.lower()
        if lemma not in SPEECH_LEMMAS and lemma not in DOC_LEMMAS:
            continue
        if any(c.dep_ in ("auxpass", "nsubjpass") for c in token.children):
            continue  # "it was said"
        subject = _subject_of(token)
        if subject is None:
            continue
        phrase = phrase_of(subject)
        if phrase is None:
            continue
        clause = any(c.dep_ in _CLAUSE_DEPS and _finite(c) for c in token.children) or _clause_after(token)
        if lemma == "call":
            clause = clause or any(c.dep_ in ("oprd", "xcomp") for c in token.children)
        document = phrase.kind == "document"
        if document and lemma not in DOC_LEMMAS:
            continue
        if not document and lemma not in SPEECH_LEMMAS:
            continue
        if not clause and (lemma in CLAUSE_ONLY or document or not has_quote):
            continue
        particle = next((c.text for c in token.children if c.dep_ == "prt"), "")
        own = subject.head.i == token.i
        yield own, Speech(f"{token.text} {particle}".strip(), token.idx, phrase, source=document)


def _finite(verb: Any) -> bool:
    """Whether a clause has a tensed verb: "said THAT costs ROSE", not "expect delays TO SPREAD"."""
    return verb.tag_ != "VB" or any(c.tag_ == "MD" for c in verb.children) or not any(
        c.tag_ == "TO" for c in verb.children
    )


def _clause_after(verb: Any) -> bool:
    """'told reporters that ...', 'said on Monday that ...': a clause marked by "that" or a
    question word right after the verb's objects."""
    return any(c.dep_ in ("dobj", "dative") and any(g.dep_ == "ccomp" for g in c.children) for c in verb.children)


def _subject_of(verb: Any) -> Any | None:
    """The verb's own subject, or, for a participle or a second verb joined to the first
    ('..., saying ...', '... but said ...'), the subject of the verb it hangs from."""
    token = verb
    for _ in range(3):
        for child in token.children:
            if child.dep_ == "nsubj":
                return child
        if token.dep_ == "relcl":  # "a person who said ..."
            return token.head
        if token.dep_ in ("advcl", "conj", "xcomp") and (token.tag_ in ("VBG", "VBD", "VBZ", "VBP", "VB")):
            token = token.head
            continue
        return None
    return None


def _span(token: Any) -> list[Any]:
    """The subject's own words: its subtree without relative clauses, appositions and the
    like, kept contiguous from the left."""
    cut: set[int] = set()
    for child in token.children:
        if child.dep_ in _CUT_DEPS:
            cut.update(t.i for t in child.subtree)
    words: list[Any] = []
    for t in token.subtree:
        if t.i in cut:
            if t.i > token.i:
                break
            words = []
            continue
        words.append(t)
    while words and words[-1].dep_ in ("punct", "case") and words[-1].i != token.i:
        words.pop()
    while words and words[0].dep_ == "punct":
        words.pop(0)
    return words


def _text(tokens: list[Any]) -> str:
    if not tokens:
        return ""
    doc = tokens[0].doc
    return str(doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)])


def _entity(token: Any) -> Any | None:
    return next((e for e in token.doc.ents if e.start <= token.i < e.end and e.label_ in ENTITY_KINDS), None)


def _name_tokens(token: Any) -> list[Any]:
    """The proper name around a PROPN head: its entity, or the run of proper nouns before it."""
    entity = _entity(token)
    if entity is not None:
        words = [t for t in entity if not (t.i == entity.start and t.lower_ == "the") and t.tag_ != "POS"]
        if words:
            return words
    words = [token]
    for t in reversed(list(token.doc[: token.i])):
        if t.pos_ == "PROPN" and t.head.i in {w.i for w in words} | {token.i} and t.dep_ in ("compound", "flat"):
            words.insert(0, t)
        else:
            break
    return words


def phrase_of(token: Any) -> Phrase | None:
    """What a subject token names: a pronoun, a name (with role words), or a description."""
    lower = token.lower_
    if token.tag_ == "PRP":
        if lower in PRONOUNS:
            return Phrase(token.text, token.idx, token.idx + len(token.text), "pronoun", head=lower)
        return None
    if token.tag_ in ("WP", "WDT", "DT", "EX") or token.pos_ not in ("NOUN", "PROPN"):
        return None
    own = _span(token)
    if not own:
        return None
    appos = [c for c in token.children if c.dep_ == "appos"]
    if token.pos_ == "PROPN" or _entity(token) is not None:
        name = _name_tokens(token)
        before = [t for t in own if t.i < name[0].i and (t.pos_ in ("NOUN", "PROPN", "ADJ") or t.tag_ == "POS")]
        described = any(t.pos_ == "NOUN" or t.lower_ in lexicon.ROLE_WORDS for t in before)
        role_parts = [_text(before)] if described else []
        role_parts += [_text(_span(a)) for a in appos if a.pos_ == "NOUN"]
        return _named(token, name, own, role_parts)
    named = next((a for a in appos if a.pos_ == "PROPN"), None)
    if named is not None:  # "the mayor of Millbrook, Ron Tessier"
        return _named(named, _name_tokens(named), own, [_text(own)])
    first = own[0].lower_
    kind = _description_kind(token)
    definite = first in ("the", "its", "their", "his", "her", "this", "that") or any(
        t.tag_ == "POS" or t.dep_ == "poss" for t in own
    )
    return Phrase(
        _text(own), own[0].idx, own[-1].idx + len(own[-1].text), "description", kind=kind, definite=definite,
        head=token.lemma_.lower(),
    )  # fmt: skip


def _named(token: Any, name: list[Any], own: list[Any], role_parts: list[str]) -> Phrase:
    entity = _entity(token)
    kind = ENTITY_KINDS.get(entity.label_) if entity is not None else None
    role = ", ".join(p for p in role_parts if p) or None
    words = own if own[0].i <= name[0].i else name
    return Phrase(
        _text(words), words[0].idx, words[-1].idx + len(words[-1].text), "name", name=_text(name), role=role,
        kind=kind, head=name[-1].lower_,
    )  # fmt: skip


def _description_kind(token: Any) -> str:
    head = token.lemma_.lower()
    if head in lexicon.NOMINAL_DOC:
        return "document"
    if head in lexicon.NOMINAL_ORG or head in lexicon.ORG_WORDS:
        return "organization"
    if token.tag_ == "NNS" or head in GROUP_NOUNS or token.lower_ in lexicon.GROUPS:
        return "group"
    return "person"


def mentions(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Iterator[Phrase]:
    """The names a narrating sentence puts forward, for pronouns and "the company" after it: a
    person's name as the subject (or in apposition to it), an organisation's name anywhere."""
    for entity in doc.ents:
        if entity.start_char < start or entity.start_char >= end or quoted(entity.start_char):
            continue
        kind = ENTITY_KINDS.get(entity.label_)
        root = entity.root
        subject = root.dep_ == "nsubj" or (root.dep_ == "appos" and root.head.dep_ == "nsubj")
        if kind == "person" and subject or kind == "organization" and entity.label_ == "ORG":
            phrase = phrase_of(root) if root.pos_ == "PROPN" else None
            if phrase is not None and phrase.form == "name":
                yield phrase


@lru_cache(maxsize=1)
def _detector() -> Any:
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


def gender_of(name: str, role: str | None = None) -> str | None:
    """'he' or 'she' when a given name or a role word says so (a name-gender table of given
    names; none for a name it does not know or that is used by both)."""
    for word in (role or "").lower().replace(",", " ").split():
        if word in ROLE_GENDER:
            return ROLE_GENDER[word]
    words = name.split()
    if len(words) < 2:
        return None
    guess = _detector().get_gender(words[0].strip("."))
    return {"male": "he", "mostly_male": "he", "female": "she", "mostly_female": "she"}.get(guess)
