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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from qa.lang import en as lexicon
from qa.lang.en import grouped, table, wordset

SPEECH_LEMMAS = wordset("speech_lemmas")
DOC_LEMMAS = wordset("doc_lemmas")
COMMITS = wordset("commit_verbs")
PARTICLES = table("particle_lemmas")
NOT_SAYING = wordset("not_saying")
CLAUSE_ONLY = wordset("clause_only")
ACTS = {lemma: frozenset((shapes or "").split()) for lemma, shapes in table("act_verbs").items()}
DOC_NOUNS = frozenset(lexicon.NOMINAL_DOC) | wordset("doc_things")
PRONOUNS = lexicon.PERSONS
ENTITY_KINDS = {
    "PERSON": "person",
    "ORG": "organization",
    "NORP": "group",
    "GPE": "organization",
    "FAC": "organization",
}
GOVERNMENTS = wordset("governments")
QUANTITIES = wordset("quantity_words")
GROUP_NOUNS = wordset("group_nouns")
ROLE_GENDER = {role: person for person, roles in grouped("role_gender").items() for role in roles}
_CLAUSE_DEPS = frozenset({"ccomp", "parataxis"})
_CUT_DEPS = frozenset({"relcl", "appos", "punct", "acl", "advcl", "cc", "conj"})
_DEEP_CUT_DEPS = frozenset({"relcl", "appos", "acl"})


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
    document: bool = False  # the words name a document, made by the named one ("a report by X")


@dataclass(frozen=True)
class Speech:
    """A speech verb and its subject."""

    cue: str  # the verb as written, with its particle ("pointed out")
    at: int  # offset of the verb
    subject: Phrase
    source: bool = False  # a document speaks ("the study found")
    clause: tuple[int, int] | None = None  # offsets of the reported words, when the parse shows them
    act: bool = False  # a speech act with a noun phrase or infinitive for content ("urged them to wait")


def speeches(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> tuple[list[Speech], set[int]]:
    """Speech verbs between two offsets of a parsed text, outside quotations, each with the
    phrase of its subject: verbs with a subject of their own first ("Noting that ..., Wu said"
    gives "said"), then participles and joined verbs, in text order. Also the offsets of the
    speech verbs the parse read and found not to report speech ("had expected the move",
    "declined to say", "it was said"), which no other reading should take for a cue."""
    own: list[Speech] = []
    joined: list[Speech] = []
    rejected: set[int] = set()
    for token in doc:
        if token.idx < start or token.idx >= end or quoted(token.idx) or token.pos_ not in ("VERB", "AUX"):
            continue
        lemma = token.lemma_.lower()
        listed = lemma in SPEECH_LEMMAS or lemma in DOC_LEMMAS or lemma in ACTS
        found = (
            (_speech(token, lemma, start, end, quoted) or _act(token, lemma, start, end, quoted)) if listed else None
        )
        if found is None:
            beside = _beside_quote(token, start, end, quoted)
            found = (True, beside) if beside is not None else None
        if found is None:
            if not listed:
                continue
            if _subject_of(token, quoted) is not None or token.dep_ in ("xcomp", "ccomp"):
                rejected.add(token.idx)
            continue
        (own if found[0] else joined).append(found[1])
    # reported speech before speech acts: "accused the board of delay, saying that ..." reports the clause
    return [s for s in own + joined if not s.act] + [s for s in own + joined if s.act], rejected


def _passive(token: Any) -> bool:
    """'it was said', and a participle that says what was done to its subject: 'Reyes, asked
    whether the house would survive, shrugged'."""
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in token.children) or (
        token.tag_ == "VBN" and token.dep_ in ("advcl", "acl") and not any(c.dep_ == "aux" for c in token.children)
    )


def _speech(token: Any, lemma: str, start: int, end: int, quoted: Callable[[int], bool]) -> tuple[bool, Speech] | None:
    if _passive(token):
        return None  # "it was said"
    if token.dep_ == "xcomp" and token.head.lemma_.lower() in NOT_SAYING:
        return None  # "she declined to say"
    if token.dep_ == "ccomp" and token.head.lemma_.lower() in SPEECH_LEMMAS:
        return None  # reported words: "asked whether he expected ..."
    particle = next((c.text for c in token.children if c.dep_ == "prt"), "")
    if lemma in PARTICLES and particle.lower() != PARTICLES[lemma]:
        return None  # "pointed" alone, not "pointed out"
    subject = _subject_of(token, quoted)
    phrase = phrase_of(subject) if subject is not None else None
    if phrase is None:
        return None
    clause = (
        any(c.dep_ in _CLAUSE_DEPS and _finite(c) for c in token.children)
        or _clause_after(token)
        or _object_then_that(token) is not None
        or _marked_clause(token)
        or _clause_before(token, phrase, start)
        or _parenthetical(token)
        or _gerund_clause(token) is not None
    )
    if lemma == "call":
        clause = clause or any(c.dep_ in ("oprd", "xcomp") for c in token.children)
    if lemma in COMMITS:  # "pledged to fund a new station"
        clause = clause or any(c.dep_ == "xcomp" for c in token.children)
    document = phrase.kind == "document" or phrase.document
    if (document and lemma not in DOC_LEMMAS) or (not document and lemma not in SPEECH_LEMMAS):
        return None
    has_quote = any(quoted(i) for i in range(start, end))
    if not clause and (lemma in CLAUSE_ONLY or document or not has_quote):
        return None
    clause_span = _parenthetical_span(token, start, end) if _parenthetical(token) else None
    clause_span = clause_span or _reported(token, phrase, start, end)
    speech = Speech(f"{token.text} {particle}".strip(), token.idx, phrase, source=document, clause=clause_span)
    return subject is not None and subject.head.i == token.i, speech


def _act(token: Any, lemma: str, start: int, end: int, quoted: Callable[[int], bool]) -> tuple[bool, Speech] | None:
    """'accused the council of waste', 'urged drivers to slow down', 'talked about the bridge': a
    speech act whose content is what the verb takes in one of the shapes its row of the table
    allows; the content runs from there to the end of the verb's words."""
    shapes = ACTS.get(lemma)
    if not shapes or _passive(token):
        return None
    if token.dep_ == "xcomp" and token.head.lemma_.lower() in NOT_SAYING:
        return None
    subject = _subject_of(token, quoted)
    phrase = phrase_of(subject) if subject is not None else None
    if phrase is None or phrase.kind == "document" or phrase.document:
        return None
    content = [
        c
        for c in token.children
        if c.i > token.i
        and (
            c.dep_ in shapes
            or (c.dep_ == "prep" and c.lower_ in shapes and any(g.dep_ in ("pobj", "pcomp") for g in c.children))
        )
    ]
    if not content or any(_anonymity(c) for c in content):
        return None
    # whom the act is about belongs to it: "accused THE COUNCIL of waste", "called THE PLAN a disaster"
    objects = [c for c in token.children if c.dep_ in ("dobj", "dative") and c.i > token.i]
    first = min(min(t.i for t in c.subtree) for c in content + objects)
    joined = {t.i for c in token.children if c.dep_ in ("conj", "cc") for t in c.subtree}  # "... and said"
    words = [t for t in token.subtree if t.i >= first and start <= t.idx < end and t.i not in joined]
    while words and words[-1].dep_ == "punct":
        words.pop()
    if not words:
        return None
    span = (words[0].idx, words[-1].idx + len(words[-1].text))
    speech = Speech(token.text, token.idx, phrase, clause=span, act=True)
    return subject is not None and subject.head.i == token.i, speech


def quoting(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> list[Speech]:
    """The first verb between two offsets that quotes its subject without being a speech verb
    (see `_quoting`), for a sentence no speech verb reads."""
    found = next((q for t in doc if (q := _quoting(t, start, end, quoted)) is not None), None)
    return [found] if found is not None else []


def _quoting(token: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Speech | None:
    """'Ruiz summed up the plan as "a mess"', 'the crowd chanting "Open the bridge"': in a
    sentence without a speech verb, a verb whose own words after it hold a quotation quotes
    its subject, whatever the verb."""
    if token.idx < start or token.idx >= end or quoted(token.idx) or token.pos_ != "VERB" or _passive(token):
        return None
    after = [c for c in token.children if c.i > token.i and c.dep_ not in ("conj", "cc", "punct", "advcl")]
    words = [t for c in after for t in c.subtree if start <= t.idx < end]
    if not any(quoted(t.idx) for t in words):
        return None
    subject = _subject_of(token, quoted)
    phrase = phrase_of(subject) if subject is not None else None
    if phrase is None or phrase.kind == "document" or phrase.document:
        return None
    words.sort(key=lambda t: t.i)
    while words and words[-1].dep_ == "punct" and not quoted(words[-1].idx - 1):
        words.pop()
    if not words:
        return None
    span = (words[0].idx, words[-1].idx + len(words[-1].text))
    return Speech(token.text, token.idx, phrase, clause=span, act=True)


def _anonymity(content: Any) -> bool:
    """'asked not to be named': a request to stay unnamed, not something said."""
    return content.dep_ == "xcomp" and any(c.dep_ == "neg" for c in content.children) and content.tag_ == "VBN"


def _beside_quote(token: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Speech | None:
    """'"Not on my watch," Hale interjected.' and '"Great news!" replied Dana Lee.': any verb
    whose subject stands right after a quotation, with the verb before or after it and nothing
    else of the sentence after them, reports that quotation, whatever the verb."""
    if (
        token.pos_ != "VERB"
        or token.dep_ != "ROOT"
        or any(c.dep_ in ("dobj", "ccomp", "xcomp") and not quoted(c.idx) for c in token.children)
    ):
        return None
    subject = _subject_of(token, quoted)
    if subject is None or subject.head.i != token.i:
        return None
    phrase = phrase_of(subject)
    if phrase is None or (phrase.form == "description" and not phrase.definite):
        return None
    doc = token.doc
    first = min(token.i, min(t.i for t in subject.subtree))
    if first < 2 or doc[first - 1].text not in ('"', "\u201d", "''") or not quoted(doc[first - 1].idx - 1):
        return None
    if doc[first - 2].text not in (",", "?", "!", "\u2014"):
        return None
    last = max(max(t.i for t in subject.subtree), token.i)
    rest = [t for t in doc[last + 1 :] if t.idx < end and not t.is_punct]
    if len(rest) > 4:
        return None  # "..., Hale said at a meeting of the board" is for the speech verbs
    opening = next((i for i in range(start, doc[first - 1].idx) if quoted(i)), None)
    if opening is None:
        return None
    return Speech(token.text, token.idx, phrase, clause=(opening, doc[first - 1].idx))


def _reported(verb: Any, phrase: Phrase, start: int, end: int) -> tuple[int, int] | None:
    """Where the reported words stand: the clause the verb carries, to the sentence's end
    ("said [that] COSTS ROSE"), or the clause before it ("COSTS ROSE, the union said")."""
    doc = verb.doc
    head = next((c for c in verb.children if c.dep_ in _CLAUSE_DEPS and c.i > verb.i), None)
    if head is None:
        head = next(
            (g for c in verb.children if c.dep_ in ("dobj", "dative") for g in c.children if g.dep_ == "ccomp"), None
        )
    if head is None:
        mark = next(
            (
                t
                for t in verb.subtree
                if t.dep_ == "mark" and t.lower_ == "that" and t.i > verb.i and not _reported_by_another(t, verb)
            ),
            None,
        )
        head = mark.head if mark is not None else None
    if head is None and verb.lemma_.lower() in COMMITS:
        head = next((c for c in verb.children if c.dep_ == "xcomp"), None)
    if head is None:
        head = _gerund_clause(verb)
    that = _object_then_that(verb) if head is None else None
    if that is not None and that + 1 < len(doc):
        tail = doc.text[doc[that + 1].idx : end].rstrip().rstrip(".!?").rstrip()
        return doc[that + 1].idx, doc[that + 1].idx + len(tail)
    if head is not None:
        words = [t for t in head.subtree if start <= t.idx < end]
        while words and (words[0].dep_ in ("mark", "punct") or (words[0].lower_ == "to" and words[0].dep_ == "aux")):
            words.pop(0)  # "that", "whether", the "to" of "pledged to fund"; not "that number"
        while words and words[-1].dep_ == "punct":
            words.pop()
        if words and words[0].i > verb.i and verb.dep_ == "relcl":
            return words[0].idx, words[-1].idx + len(words[-1].text)  # "X, who said that Y, voted no"
        if words and words[0].i > verb.i:
            # after the verb the reported words run to the sentence's end: "..., but that Y",
            # ", adding that Z" are the same speaker's
            tail = doc.text[words[0].idx : end].rstrip().rstrip(".!?").rstrip()
            return words[0].idx, words[0].idx + len(tail)
        if words:
            return words[0].idx, words[-1].idx + len(words[-1].text)
    if _clause_before(verb, phrase, start):  # a clause with a verb, not a phrase: "In a joint letter, ..."
        before = doc.text[start : min(phrase.start, verb.idx)].rstrip()
        return start, start + len(before) - 1
    return None


def according_clause(doc: Any, speech: Speech, start: int, end: int) -> tuple[int, int] | None:
    """The words an "according to" sentence attributes: the sentence without the "according to
    X" phrase, when that phrase stands at its start or end, set off by a comma."""
    text = doc.text
    before = text[start : speech.at].rstrip()
    if before.endswith(",") and len(before.split()) >= 3:
        return start, start + len(before) - 1
    if not before:
        comma = text.find(",", speech.subject.end, end)
        if comma >= 0:
            rest = text[comma + 1 : end].strip().rstrip(".!?")
            at = text.find(rest, comma + 1) if rest else -1
            return (at, at + len(rest)) if at >= 0 else None
    return None


def _marked_clause(verb: Any) -> bool:
    """'said in a statement THAT it had cut ...': a clause opened by "that", "whether" or "how"
    that hangs from the verb, or follows it right away, whatever the parser made of the words
    between."""
    doc = verb.doc
    at = verb.i + 1
    while at < len(doc) and doc[at].dep_ == "prt":
        at += 1
    if at < len(doc) and doc[at].lower_ == "that" and doc[at].dep_ in ("mark", "dobj", "nsubj", "det"):
        return True
    for t in verb.subtree:
        if t.dep_ == "mark" and t.lower_ in ("that", "whether", "how", "if") and t.i > verb.i:
            up = t.head.head  # from the clause's verb up through nouns and prepositions
            for _ in range(4):
                if up.i == verb.i:
                    return True
                if up.pos_ in ("VERB", "AUX") or up.head.i == up.i:
                    break
                up = up.head
    return False


def _reported_by_another(mark: Any, verb: Any) -> bool:
    """Whether a clause below the verb is another speech verb's: '"We will," Hale said,
    POINTING OUT THAT the vote was close' reports the clause through the participle."""
    up = mark.head.head
    while up.i != verb.i and up.head.i != up.i:
        lemma = up.lemma_.lower()
        if up.pos_ == "VERB" and (lemma in SPEECH_LEMMAS or lemma in ACTS):
            return True
        up = up.head
    return False


def _gerund_clause(verb: Any) -> Any | None:
    """'said BUILDING IT could create jobs': a clause whose subject is a gerund, which the parser
    hangs from the speech verb as its complement and the clause's own verb from the gerund."""
    return next(
        (
            c
            for c in verb.children
            if c.dep_ == "xcomp"
            and c.tag_ == "VBG"
            and c.i > verb.i
            and any(g.dep_ == "ccomp" and g.i > c.i and _finite(g) for g in c.children)
        ),
        None,
    )


def _finite(verb: Any) -> bool:
    """Whether a clause has a tensed verb: "said THAT costs ROSE", not "expect delays TO SPREAD"."""
    return (
        verb.tag_ != "VB"
        or any(c.tag_ == "MD" for c in verb.children)
        or not any(c.tag_ == "TO" for c in verb.children)
    )


def _parenthetical(verb: Any) -> bool:
    """'Still, she says, the winter hurt sales' and 'The merger, analysts said, may lift prices':
    a cue set off inside the clause it reports, which the parser hangs from that clause."""
    return (
        verb.dep_ == "parataxis"
        and verb.head.pos_ in ("VERB", "AUX")
        and not any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in verb.children)
    )


def _parenthetical_span(verb: Any, start: int, end: int) -> tuple[int, int] | None:
    """The reported clause around a parenthetical cue: the words of the clause it hangs from."""
    words = [t for t in verb.head.subtree if start <= t.idx < end]
    while words and words[-1].dep_ == "punct":
        words.pop()
    while words and words[0].dep_ == "punct":
        words.pop(0)
    return (words[0].idx, words[-1].idx + len(words[-1].text)) if words else None


def _clause_before(verb: Any, phrase: Phrase, start: int) -> bool:
    """'Prices will rise, the union said': the reported clause comes first, ended by a comma."""
    doc = verb.doc
    at = min(phrase.start, verb.idx)
    head = doc.text[start:at].rstrip()
    if not (head.endswith(",") and len(head.split()) >= 4 and verb.lemma_.lower() not in CLAUSE_ONLY):
        return False
    # a clause has a verb of its own, and the speech verb reports it, not an object of its own:
    # "In the first half of the century, a plague claimed a million victims" is no speech
    clause_verb = any(t.pos_ in ("VERB", "AUX") for t in doc if start <= t.idx < at)
    return clause_verb and not any(c.dep_ == "dobj" for c in verb.children)


def _object_then_that(verb: Any) -> int | None:
    """'told council THAT ...': the index of a "that" right after the verb's object."""
    doc = verb.doc
    for c in verb.children:
        if c.dep_ in ("dobj", "dative") and c.i > verb.i:
            # right after the object ("told council that", which a parser may read as a relative
            # clause) or after all its words ("told reporters in Ottawa that")
            for after in (c.i + 1, max(t.i for t in c.subtree) + 1):
                if after < len(doc) and doc[after].lower_ == "that":
                    return after
    return None


def _clause_after(verb: Any) -> bool:
    """'told reporters that ...', 'said on Monday that ...': a clause marked by "that" or a
    question word right after the verb's objects."""
    return any(c.dep_ in ("dobj", "dative") and any(g.dep_ == "ccomp" for g in c.children) for c in verb.children)


def _subject_of(verb: Any, quoted: Callable[[int], bool] | None = None) -> Any | None:
    """The verb's own subject, or, for a participle or a second verb joined to the first
    ('..., saying ...', '... but said ...'), the subject of the verb it hangs from. A subject
    inside a quotation is the quotation's, not the speaker ('"Great news!" replied Dana Lee')."""
    token = verb
    for _ in range(4):
        for child in token.children:
            if child.dep_ == "nsubj" and not (quoted is not None and quoted(child.idx)):
                if child.lower_ in ("who", "that") and token.dep_ == "relcl":
                    return token.head  # "Ron Dale, who told a newspaper that ..."
                return _antecedent(child) if child.lower_ == "who" else child
        if token.dep_ == "relcl":  # "a person who said ..."
            return token.head
        if token.dep_ == "acl" and token.tag_ == "VBG" and token.head.pos_ in ("NOUN", "PROPN"):
            noun = token.head
            if (
                noun.head.lower_ == "with"
                or noun.pos_ == "PROPN"
                or (noun.tag_ == "NNS" and noun.lemma_ not in DOC_NOUNS)
            ):
                return noun  # "with economists saying ..."
            up = noun.head.head if noun.head.dep_ == "prep" else noun.head
            if up.pos_ not in ("VERB", "AUX"):
                return None
            token = up  # "issued a statement saying ...", "in an article stating ...": who made it speaks
            continue
        if token.dep_ == "xcomp":
            # "the win led Kessler to declare ...", "he was prompted to say ...": the one led speaks
            controller = next(
                (c for c in token.head.children if c.dep_ in ("dobj", "nsubjpass") and c.i < token.i), None
            )
            if controller is not None:
                return controller
        if token.dep_ in ("advcl", "conj", "xcomp") and (token.tag_ in ("VBG", "VBD", "VBZ", "VBP", "VB")):
            # "are quick to point out ...", "is right to note ...": the subject of the adjective's verb
            token = token.head.head if token.head.pos_ == "ADJ" and token.head.dep_ == "acomp" else token.head
            continue
        if token.dep_ == "pcomp" and token.tag_ == "VBG" and token.head.dep_ == "prep":
            token = token.head.head  # "attacked the plan by reminding voters that ..."
            continue
        return None
    return None


def _antecedent(who: Any) -> Any | None:
    """Whom a "who" stands for when the parser did not hang its clause from them: the closest
    name or noun before it, past a date or a place phrase ("the work of J. F. D. Shrewsbury in
    1970, who noted that ..."); None when a verb comes first."""
    for token in reversed(who.doc[: who.i]):
        if token.pos_ in ("PUNCT", "ADP", "NUM", "DET") or (token.dep_ == "pobj" and token.head.lower_ in ("in", "on")):
            continue
        if token.pos_ in ("VERB", "AUX"):
            return None
        if token.pos_ in ("NOUN", "PROPN"):
            return token
        return None
    return None


def _span(token: Any) -> list[Any]:
    """The subject's own words: its subtree without relative clauses, appositions and the
    like (at any depth: "a spokesperson for the association, Dana Whitfield"), kept
    contiguous from the left."""
    cut: set[int] = set()
    for t in token.subtree:
        deep = t.head.i != token.i
        if t.i != token.i and t.i not in cut and (t.dep_ in _DEEP_CUT_DEPS if deep else t.dep_ in _CUT_DEPS):
            cut.update(g.i for g in t.subtree)
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
    if (lower in QUANTITIES or token.tag_ == "CD") and token.dep_ == "nsubj":
        own = _span(token)  # "most of them said", "those surveyed say", "43 said the same"
        if own:
            return Phrase(
                _text(own), own[0].idx, own[-1].idx + len(own[-1].text), "description", kind="group", head=lower
            )
    if token.tag_ in ("WP", "WDT", "DT", "EX") or (token.pos_ not in ("NOUN", "PROPN") and _entity(token) is None):
        return None
    if token.ent_type_ in ("DATE", "TIME"):
        return None  # "On Friday said ...": a day never speaks
    if lower.rstrip(".") in lexicon.TITLE_WORDS:
        named = _name_after_title(token)  # "said Coun. Sarah Kirby-Yung": the parser took the title
        if named is not None:
            return phrase_of(named)
    own = _span(token)
    if not own:
        return None
    appos = [c for c in token.children if c.dep_ == "appos"]
    if token.pos_ == "PROPN" or _entity(token) is not None or _capitalised_inside(token):
        name = _name_tokens(token)
        before = [t for t in own if t.i < name[0].i and (t.pos_ in ("NOUN", "PROPN", "ADJ") or t.tag_ == "POS")]
        described = any(t.pos_ == "NOUN" or t.lower_ in lexicon.ROLE_WORDS for t in before)
        role_parts = [_text(before)] if described else []
        role_parts += [_text(_span(a)) for a in appos if a.pos_ == "NOUN"]
        if not role_parts:  # "Lena Petrov, who chairs the residents' association": the clause says what she is
            clause = next((c for c in token.children if c.dep_ == "relcl" and c.i > token.i), None)
            words = (
                [t for t in clause.subtree if t.dep_ != "punct" or t.i < max(w.i for w in clause.subtree)]
                if clause
                else []
            )
            if words and words[0].lower_ in ("who", "whose"):
                role_parts = [_text(words)]
        return _named(token, name, own, role_parts)
    named = next((a for a in appos if a.pos_ == "PROPN"), None) or _name_after(own)
    if named is not None:  # "the mayor of Millbrook, Ron Tessier"
        return _named(named, _name_tokens(named), own, [_text(own)])
    first = own[0].lower_
    kind = _description_kind(token)
    if kind == "document":
        maker = _maker(token)
        made = phrase_of(maker) if maker is not None else None
        if made is not None and made.form == "name":  # "a report by the X Institute"
            return replace(made, role=token.lemma_.lower(), kind="organization", document=True)
    definite = first in ("the", "its", "their", "his", "her", "this", "that") or any(
        t.tag_ == "POS" or t.dep_ == "poss" for t in own
    )
    return Phrase(
        _text(own),
        own[0].idx,
        own[-1].idx + len(own[-1].text),
        "description",
        kind=kind,
        definite=definite,
        head=token.lemma_.lower(),
    )


def _name_after_title(title: Any) -> Any | None:
    """The person whose name follows a title abbreviation ("Coun. Sarah Kirby-Yung")."""
    doc = title.doc
    at = title.i + 1
    if at < len(doc) and doc[at].text == ".":
        at += 1
    entity = _entity(doc[at]) if at < len(doc) else None
    if entity is not None and entity.start == at and entity.label_ == "PERSON":
        return entity.root
    return None


def _name_after(own: list[Any]) -> Any | None:
    """'its organizer, Derek Faulkner, a retired principal': a name set off by commas right
    after a description, which the parser hung elsewhere."""
    doc = own[-1].doc
    at = own[-1].i + 1
    if at + 1 >= len(doc) or doc[at].text != ",":
        return None
    entity = _entity(doc[at + 1])
    if entity is None or entity.start != at + 1 or entity.label_ != "PERSON":
        return None
    after = doc[entity.end] if entity.end < len(doc) else None
    return entity.root if after is None or after.text in (",", ".", ";") else None


def _capitalised_inside(token: Any) -> bool:
    """A capitalised word that does not open its sentence: a name the tagger took for a noun."""
    if not token.text[:1].isupper() or token.is_sent_start or token.i == 0:
        return False
    before = token.doc[token.i - 1]
    return before.text not in ('"', "\u201c", "\u2018", "'", "\u2014", "-", ":") and not before.is_sent_start


def _named(token: Any, name: list[Any], own: list[Any], role_parts: list[str]) -> Phrase | None:
    entity = _entity(token)
    kind = ENTITY_KINDS.get(entity.label_) if entity is not None else None
    role = ", ".join(p for p in role_parts if p) or None
    doc = token.doc
    first = own[0] if own[0].i <= name[0].i else name[0]
    last = own[-1] if own[-1].i >= name[-1].i else name[-1]
    words = list(doc[first.i : last.i + 1])
    return Phrase(
        _text(words),
        first.idx,
        last.idx + len(last.text),
        "name",
        name=_text(name),
        role=role,
        kind=kind,
        head=name[-1].lower_,
    )


def _description_kind(token: Any) -> str:
    head = token.lemma_.lower()
    if head in DOC_NOUNS:
        return "document"
    if head in lexicon.NOMINAL_ORG or head in lexicon.ORG_WORDS or head in GOVERNMENTS:
        return "organization"
    if token.tag_ == "NNS" or head in GROUP_NOUNS or token.lower_ in lexicon.GROUPS:
        return "group"
    return "person"


def mentions(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Iterator[Phrase]:
    """The names a narrating sentence puts forward, for pronouns and "the company" after it:
    names as subjects (or joined to one: "Fontaine and Yellowhorse"), organisations anywhere."""
    seen: set[str] = set()
    for token in doc:
        if token.idx < start or token.idx >= end or quoted(token.idx):
            continue
        subject = token.dep_ in ("nsubj", "nsubjpass") or (token.dep_ == "conj" and token.head.dep_ == "nsubj")
        entity = _entity(token)
        organisation = (
            entity is not None and entity.label_ == "ORG" and token.i == entity.root.i and token.dep_ != "compound"
        )
        if subject or organisation:
            phrase = phrase_of(token)
            if phrase is None:
                continue
            if phrase.form == "name" and phrase.name and phrase.name not in seen:
                seen.add(phrase.name)
                yield phrase
            elif subject and phrase.form == "description" and phrase.text.istitle() and " " not in phrase.text:
                yield phrase  # a surname the tagger took for a noun: "Desrosiers refused ..."
            elif subject and phrase.form == "description" and phrase.kind == "group" and not phrase.definite:
                yield phrase  # "Mexican officials met ...": whom a "they" after it may mean


def according(doc: Any, start: int, end: int, quoted: Callable[[int], bool]) -> Speech | None:
    """'..., according to port officials': who the "according to" names. A document ("a report
    by the X Institute") speaks for whoever made it, when the sentence says."""
    for token in doc:
        if token.idx < start or token.idx >= end or quoted(token.idx) or token.lower_ != "according":
            continue
        to = next((c for c in token.children if c.lower_ == "to"), None)
        if to is None and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            to = doc[token.i + 1]
        target = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
        if target is None:
            continue
        if target.lemma_.lower() in DOC_NOUNS:
            maker = _maker(target)
            if maker is not None:
                phrase = phrase_of(maker)
                if phrase is not None and phrase.form == "name":
                    made = replace(phrase, role=target.lemma_.lower(), kind="organization", document=True)
                    return Speech("according to", token.idx, made, source=True)
            phrase = phrase_of(target)
            if phrase is not None:
                return Speech("according to", token.idx, replace(phrase, kind="document"), source=True)
            continue
        phrase = phrase_of(target)
        if phrase is not None:
            return Speech("according to", token.idx, phrase, source=phrase.kind == "document" or phrase.document)
    return None


def _maker(document: Any) -> Any | None:
    """Who made a document: 'a report BY the X', 'figures FROM X', 'images reviewed BY X',
    'calculations by the comparison site X'."""
    for child in document.children:
        preps = [child] if child.dep_ == "prep" else []
        if child.dep_ == "acl":
            preps = [g for g in child.children if g.dep_ in ("agent", "prep")]
        for prep in preps:
            if prep.lower_ not in ("by", "from", "of"):
                continue
            found = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if found is None:
                continue
            if found.pos_ == "PROPN" or _entity(found) is not None:
                return found
            named = [t for t in found.subtree if t.i > found.i and (t.pos_ == "PROPN" or _entity(t) is not None)]
            if named:
                return named[-1]
    return None


@lru_cache(maxsize=1)
def _detector() -> Any:
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


def role_gender(role: str | None) -> str | None:
    """'he' or 'she' when a role word says so ("her husband", "spokeswoman")."""
    for word in (role or "").lower().replace(",", " ").split():
        if word in ROLE_GENDER:
            return ROLE_GENDER[word]
    return None


def name_gender(name: str) -> str | None:
    """'he' or 'she' from a full name's given name, by a name-gender table; none for a name it
    does not know or that is used by both, or a single name."""
    words = name.split()
    if len(words) < 2:
        return None
    guess = _detector().get_gender(words[0].strip("."))
    return {"male": "he", "mostly_male": "he", "female": "she", "mostly_female": "she"}.get(guess)
