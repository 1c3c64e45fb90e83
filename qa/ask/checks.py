"""Form checks: what the closest passages must hold for a question asked in a given form (a date for
"when was", a sum of money for "how much did it cost", a denial for "what did they not do")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.ask.question import foreign_names, parse, unknown_numbers
from qa.ask.search import ANSWER_SHAPES, Hit, Searcher
from qa.ask.vocabulary import surface_words
from qa.attribution.statements import sentence_spans
from qa.index.lexical import terms
from qa.lang.en import NUMBER_WORDS, OPPOSITES

# the date of one event: an auxiliary in the past or the future right after the question word
_DATED = re.compile(
    r"^\s*(?:when|(?:in |by )?(?:what|which) (?:year|date|day|week|month|century|decade))"
    r" (?:was|were|did|(?P<future>will)|would|had)\b",
    re.IGNORECASE,
)

# times, seasons and eras that the ranking's date shape leaves out: "5 pm", "next spring",
# "later this year", "22,000 years ago", "AD 14"
_CLOCK = re.compile(
    r"\b\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\b|o'clock)|\b(?:noon|midnight|tonight|tomorrow)\b"
    r"|\b(?:spring|summer|autumn|winter|quarter|weekend|morning|afternoon|evening|night|overnight|dawn)s?\b"
    r"|\bwithin\s+(?:an?\s+|\w+\s+)?(?:minute|hour|day|week|month|year)s?\b"
    r"|\b(?:minutes|hours|days|weeks|months)\s+(?:ago|earlier|later|before|after)\b"
    r"|\b(?:since|until|till|before|after|during)\s+(?:the|its|his|her|their)\b"
    r"|\b(?:next|last|this|coming|past|previous|following|same)\s+(?:\w+\s+)?(?:week|month|year|decade|season)s?\b"
    r"|\b(?:later|earlier)\s+(?:in\s+)?(?:the|this|that)\s+(?:day|week|month|year|decade)\b"
    r"|\b(?:years?|decades?|centuries|millennia|million|billion)\s+(?:ago|earlier|later|before|after)\b"
    r"|\b(?-i:BCE?|CE|AD|B\.C\.|A\.D\.)(?=\W|$)|\b\d+(?:st|nd|rd|th)\s+(?:century|millennium)\b",
    re.IGNORECASE,
)

DATED_DEPTH = 3  # the closest passages a dated question's answer must find a date among

# "When was the firm founded?", "What year was she born?": the date a thing began, asked with
# the verb at the question's end; the date must stand beside a word for that beginning
_ORIGIN = re.compile(
    r"^\s*(?:when|(?:in )?(?:what|which) year) (?:was|were|did) .+?\b(?P<verb>found|founded|establish|established"
    r"|form|formed|create|created|born|build|built|launch|launched|open|opened)"
    r"(?:\s+(?:by|in|at|on|as|near)\b[^?]*)?\s*\??\s*$",
    re.IGNORECASE,
)

_FOUNDED = r"found(?:ed|ing|er|ers|ation)?|establish\w*|set up"

_ORIGINS = {
    verb: re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
    for verb, words in (
        ("found", _FOUNDED),
        ("establish", _FOUNDED + r"|creat\w*|form(?:ed|ation)"),
        ("form", _FOUNDED + r"|creat\w*|form(?:ed|ation|ing)"),
        ("creat", _FOUNDED + r"|creat\w*|form(?:ed|ation)|made|introduc\w*|enact\w*|passed|signed|adopt\w*"),
        ("born", r"born|birth|\(\s*(?:b\.\s*)?\d{3,4}\s*[-\u2013]"),
        ("buil", r"buil[td]\w*|construct\w*|erect\w*|complet\w*"),
        ("launch", r"launch\w*|introduc\w*|debut\w*|start\w*|unveil\w*|releas\w*|began|begun|on sale"),
        ("open", r"open\w*|inaugurat\w*"),
    )
}

# "How far is the hospital?", "How tall is the tower?", "How long did the strike last?": a
# question after a measure, which takes a figure with its unit (or, for how long, a date it
# runs from: "since 1957")
_MEASURED = re.compile(r"^\s*how (?P<kind>far|tall|high|deep|wide|heavy|long)\b", re.IGNORECASE)

_MEASURE = re.compile(
    rf"\b(?:\d[\d,.]*|{NUMBER_WORDS}|fifteen|twenty|thirty"
    r"|forty|fifty|sixty|hundreds?|thousands?|millions?|several|few|an?|half|dozens?)"
    r"(?:[\s-]+[\w.]+)?[\s-]+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)"
    r"|millenni(?:um|a)|mm|cm|m|km|metres?|meters?|kilomet(?:re|er)s?|miles?|feet|foot|ft|inch(?:es)?|yards?"
    r"|acres?|hectares?|square|kg|kilo(?:gram)?s?|tonnes?|tons?|pounds?|lbs?|grams?|litres?|liters?|gallons?"
    r"|storeys?|stories|floors?|light-years?)\b"
    r"|\b\d[\d,.]*\s*(?:km|m|cm|mm|ft|kg|mi|lb)\b",
    re.IGNORECASE,
)

_SINCE = re.compile(r"\bsince\b", re.IGNORECASE)  # "since the treaty": the start of a span

# a question after a sum of money: "How much did the arena cost?", "What was its revenue?"
_PRICED = re.compile(
    r"^\s*(?:how much (?!of\b)(?:money\b|.*\b(?:cost|costs|costing|pay|pays|paid|paying|spend|spends|spent"
    r"|spending|invest|invests|invested|investing|earn|earns|earned|earning|charge|charges|charged|worth"
    r"|owe|owes|owed|sell for|sold for|buy for|bought for)\b)"
    r"|(?:what|how much) (?:is|was|are|were) (?:the |its |their |his |her )?(?:[\w'\u2019]+ ){0,2}"
    r"(?:price|cost|revenue|budget|salary|fee|fare|turnover|profit)s?\b)",
    re.IGNORECASE,
)

# a sum of money (or the word that says none is asked: "entry is free")
_MONEY = re.compile(
    r"[$\u00a3\u20ac\u00a5\u20b9]|\b(?:dollars?|pounds?|euros?|yuan|renminbi|yen|francs?|cents?|pence|lira|lire"
    r"|marks|rupees?|roubles?|rubles?|pesos?|krona|kronor|kroner|shillings?|guineas?|USD|GBP|EUR|RMB|CAD|AUD|free)\b",
    re.IGNORECASE,
)

# a question after what did not happen: "Which issues did the treaty not settle?"; "whether or
# not" and a condition ("What happens if a member does not vote?") deny nothing
_NEGATED = re.compile(r"\b(?P<word>not|never|no longer|neither|nor|without)\b|(?P<short>n't)\b", re.IGNORECASE)

_NO_DENIAL = re.compile(r"\b(?:whether )?or not\b", re.IGNORECASE)

_CONDITION = re.compile(r"\b(?:if|unless)\b", re.IGNORECASE)

# a question that starts with its verb asks yes or no: with a negation it asks to confirm
# ("Didn't Ann Lee found Acme?"), and a passage saying the opposite answers it ("Did sales
# fall?" beside "sales rose")
_YES_NO = re.compile(
    r"^\W*(?:is|are|was|were|am|do|does|did|has|have|had|can|could|will|would|shall|should|may|might|must"
    r"|need|ca|wo|sha|ai)(?:n['\u2019]t)?\b",
    re.IGNORECASE,
)

# what a sentence that denies or withholds says: the negations, and words that mean as much
_DENIES = re.compile(
    r"\b(?:not|never|no|none|nothing|nobody|nowhere|neither|nor|without|cannot|unable|fail(?:s|ed|ing|ure)?"
    r"|lack(?:s|ed|ing)?|refus\w*|den(?:y|ies|ied)|reject\w*|absen\w*|except|instead|rather|unlike)\b|n't\b",
    re.IGNORECASE,
)

# what tells that a sentence's date is one still to come (or one set in advance)
_AHEAD = re.compile(
    r"\b(?:will|would|shall|scheduled|due|set to|expected|expects?|plans?|planned|planning|upcoming|later"
    r"|until|from now|takes? effect|is to|are to|begins?|starts?|opens?)\b|'ll\b",
    re.IGNORECASE,
)

LACKS = {"date": "lacking_date", "denial": "lacking_denial", "opposite": "lacking_denial", "figure": "lacking_figure"}
"""Which refusal feature each kind of lack sets: a date; the question's negation or the word the
closest sentence reverses; a sum, a measure, a figure or a name."""


def lacking_form(retriever: Searcher, text: str, closest: Sequence[Hit]) -> tuple[str, str] | None:
    """What none of the closest passages gives that the question asks for by its form (a
    date, a denial, a word the closest sentence says the opposite of, a sum of money, a
    measure) or names (a figure, a name): its kind (a key of LACKS) and what the refusal says
    ("gives a date", "names Kessel"); None when nothing is lacking. A figure or a name the
    article has elsewhere is about something else ("How many visitors came in 1911?" where
    1911 is only the year of the founding; "the Kessel Observatory" of a text about another)."""
    dated = _undated(retriever, text, closest)
    if dated:
        return "date", f"gives {dated}"
    denied = unmet_denial(text, closest)
    if denied:
        return "denial", f"says '{denied}' or the like"
    opposed = _opposed(text, closest)
    if opposed:
        return "opposite", f"says '{opposed[0]}': the closest says '{opposed[1]}'"
    if _unpriced(text, closest):
        return "figure", "gives a sum of money"
    if _unmeasured(retriever, text, closest):
        return "figure", "gives a measure with its unit"
    index = retriever.speaker_index.speakers
    near = surface_words([h.text for h in closest], [index[h.speaker] for h in closest if h.speaker in index])
    named = unknown_numbers(text, near) or foreign_names(text, near, part=True)
    return ("figure", f"names {' or '.join(named)}") if named else None

def unmet_denial(text: str, closest: Sequence[Hit]) -> str | None:
    """ "What did the court not rule on?", "Who never signed?": a question after what did not
    happen, where the sentences that answer it best deny or withhold nothing; the question's
    negation, as the refusal names it, or None. A passage that affirms ("The treaty settled
    the issues in Europe") is about what did happen, and the question asks for the rest. A
    question that starts with its verb ("Didn't Ann Lee found Acme?") asks to confirm what
    the passage affirms."""
    asked = _CONDITION.split(_NO_DENIAL.sub(" ", text), maxsplit=1)[0]
    negated = _NEGATED.search(asked)
    if negated is None or not closest or _YES_NO.match(text):
        return None
    best = closest[0]
    evidence = " ".join(best.evidence_text()) or best.text
    if _DENIES.search(evidence):
        return None
    return "not" if negated.group("short") else negated.group("word").lower()

_LOWER_WORD = re.compile(r"[a-z]+")  # "north-east" reads as "north" and "east", unlike `words`

def _opposed(text: str, closest: Sequence[Hit]) -> tuple[str, str] | None:
    """ "Who decreased the budget?" where the sentence that answers it best says "increased":
    the question's word and the opposite the sentence says instead, or None. A question that
    says both ("more or less") opposes nothing, and the passage answers a yes-or-no question
    ("Did the budget decrease?") with its opposite."""
    if not closest or _YES_NO.match(text):
        return None
    asked = set(_LOWER_WORD.findall(text.lower()))
    evidence = set(_LOWER_WORD.findall(" ".join(closest[0].evidence_text() or [closest[0].text]).lower()))
    for word in sorted(asked & OPPOSITES.keys()):
        opposite = OPPOSITES[word]
        if word not in evidence and not opposite & asked and opposite & evidence:
            return word, sorted(opposite & evidence)[0]
    return None

def _undated(retriever: Searcher, text: str, closest: Sequence[Hit]) -> str | None:
    """ "When was the firm founded?", "When will the next one be held?": a question after the
    date of one event, where none of the closest passages gives a date or a time; the date it
    lacks, as the refusal names it, or None. Not only the passages an answer would show: a
    headline or a photo caption may come first and hold no date while the next passage does.
    (A question in the present, "When do the rules apply?", asks for a condition as often.)"""
    if not _DATED.match(text):
        return None
    if to_come(text):
        return None if any(ahead(text, h.text) for h in closest) else "a date still to come"
    origin = _ORIGIN.match(text)
    if origin:
        # "When was Xiaomi founded?": a date beside the founding, not any date near the firm
        verb = origin.group("verb")
        family = next(words for stem, words in _ORIGINS.items() if verb.lower().startswith(stem))
        return None if any(_dated_beside(h.text, family) for h in closest) else f"a date for '{verb}'"
    shaped = retriever.shapes("when")
    return None if any(shaped[h.chunk_id] or _CLOCK.search(h.text) for h in closest) else "a date"

def _dated_beside(text: str, family: re.Pattern[str]) -> bool:
    """Whether one sentence of a passage holds both a date and one of the words given."""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if (ANSWER_SHAPES["when"].search(sentence) or _CLOCK.search(sentence)) and family.search(sentence):
            return True
    return False

def _unpriced(text: str, closest: Sequence[Hit]) -> bool:
    """ "How much did Xiaomi spend on AI?": a question after a sum of money where none of the
    closest passages names one; what comes close then holds another kind of figure, or none."""
    return bool(_PRICED.match(text)) and not any(_MONEY.search(h.text) for h in closest)

def _unmeasured(retriever: Searcher, text: str, closest: Sequence[Hit]) -> bool:
    """ "How far is the nearest hospital?": a question after a distance, a height, a weight or a
    span of time where none of the closest passages gives a figure with a unit (nor, for "how
    long", a date the span could run from)."""
    asked = _MEASURED.match(text)
    if not asked:
        return False
    shaped = retriever.shapes("when") if asked.group("kind").lower() == "long" else None
    return not any(
        _MEASURE.search(h.text) or (shaped is not None and (shaped[h.chunk_id] or _SINCE.search(h.text)))
        for h in closest
    )

def to_come(question: str) -> bool:
    """ "When will the next one be held?": a question after the date of something still to come."""
    dated = _DATED.match(question)
    return bool(dated and dated.group("future"))

def ahead(question: str, text: str) -> bool:
    """Whether a passage gives a date still to come for a "when will" question: one of its
    sentences holds a date or a time and either looks ahead ("will", "is scheduled for") or
    uses the question's own verb ("When will the clinic close?": "... closes on the 31st").
    A report of this year's event, its date beside past or present verbs only, does not."""
    verbs = {stem for token in parse(question) if token.pos_ == "VERB" for stem in terms(token.text)}
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if (ANSWER_SHAPES["when"].search(sentence) or _CLOCK.search(sentence)) and (
            _AHEAD.search(sentence) or verbs & set(terms(sentence))
        ):
            return True
    return False
