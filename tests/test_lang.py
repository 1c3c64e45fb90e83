"""The English word lists: every data file reads, holds no entry twice, and means what its name says."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.lang import en

FILES = sorted(p.stem for p in en.HERE.glob("*.txt"))
TABLES = {"particle_forms", "titles", "title_roles", "pronouns", "particle_lemmas", "role_gender", "act_verbs"}
GROUPED = {"opposites", "irregular"}

# one row per file: words it must hold, and words it must not
EXAMPLES = {
    "about_words": (["gist", "summary"], ["mayor"]),
    "abbreviations": (["gov", "sen", "jan"], ["government"]),
    "answer_categories": (["city", "year", "company"], ["mayor"]),
    "article_authors": (["reporter", "journalist"], ["mayor"]),
    "article_nouns": (["article", "story"], ["mayor"]),
    "bare_words": (["why", "how", "many"], ["mayor"]),
    "brief_words": (["briefly", "nutshell"], ["mayor"]),
    "businesses": (["company", "retailer", "startup"], ["university"]),
    "caption_labels": (["photo", "watch", "read more"], ["said"]),
    "cited_groups": (["police", "analysts"], ["mayor"]),
    "clause_only": (["believe", "expect"], ["say"]),
    "commit_verbs": (["vow", "pledge"], ["say"]),
    "connectors": (["of", "and", "von"], ["the"]),
    "covering_words": (["cover", "reported"], ["mayor"]),
    "determiners": (["the", "several", "their"], ["mayor"]),
    "doc_lemmas": (["find", "show", "report"], ["tweet"]),
    "doc_nouns": (["report", "study", "white paper"], ["mayor"]),
    "doc_things": (["figure", "image"], ["report"]),
    "doc_verbs": (["found", "showed"], ["tweeted"]),
    "event_frame": (["held", "venue"], ["mayor"]),
    "generic_nouns": (["kind", "type"], ["mayor"]),
    "governments": (["city", "province"], ["company"]),
    "group_nouns": (["police", "staff"], ["mayor"]),
    "institutions": (["university", "council", "ministry"], ["company"]),
    "listing_words": (["list", "name"], ["mayor"]),
    "months": (["January", "December"], ["Monday"]),
    "name_filler": (["of", "the"], ["mayor"]),
    "next_words": (["next", "afterwards"], ["before"]),
    "nominal_orgs": (["company", "regulator"], ["mayor"]),
    "not_saying": (["decline", "refuse"], ["say"]),
    "number_words": (["one", "twelve"], ["hundred"]),
    "org_words": (["university", "ministry", "inc."], ["mayor"]),
    "people_nouns": (["people", "experts"], ["company"]),
    "possessive_pronouns": (["his", "their"], ["him"]),
    "quantity_words": (["most", "those", "half"], ["mayor"]),
    "question_words": (["what", "whats", "say"], ["mayor"]),
    "quoted_nouns": (["speaker", "interviewees"], ["mayor"]),
    "quoted_titles": (["podcast", "show"], ["senator", "said"]),
    "role_asked": (["job", "employer"], ["weather"]),
    "role_nouns": (["job", "position"], ["employer", "weather"]),
    "role_words": (["mayor", "spokeswoman", "ceo"], ["company"]),
    "self_words": (["article", "author"], ["mayor"]),
    "speech_lemmas": (["say", "warn", "concede"], ["eat"]),
    "speech_verbs": (["said", "warned", "tweeted"], ["ate"]),
    "stop_caps": (["however", "meanwhile"], ["mayor"]),
    "stopwords": (["the", "didn't", "which"], ["mayor"]),
    "title_words": (["sen", "gov", "coun"], ["mayor"]),
    "weekdays": (["Monday", "Sunday"], ["January"]),
}


def test_every_file_has_a_row_of_examples():
    assert set(FILES) - TABLES - GROUPED == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_word_list_holds_what_its_name_says(name: str):
    entries = en.listed(name)
    assert entries, name
    assert len(entries) == len(set(entries)), f"{name} lists an entry twice"
    held, not_held = EXAMPLES[name]
    assert set(held) <= set(entries) and not set(not_held) & set(entries)


def test_the_tables():
    assert en.PRONOUN_FORMS["him"] == "he" and en.PRONOUN_FORMS["theirs"] == "they" and en.PRONOUN_FORMS["its"] == "it"
    assert {"he", "she", "they", "it"} == en.PERSONS
    assert en.TITLES["mrs."] == "she" and en.TITLES["dr"] is None
    assert en.TITLE_ROLES["gov"] == "Governor" and en.TITLE_ROLES["coun"] == "Councillor" and "mr" not in en.TITLE_ROLES
    assert en.PARTICLE["pointed"] == "out" and en.PARTICLE["calls"] == "for|on"
    assert en.table("particle_lemmas") == {"point": "out"}
    acts = en.grouped("act_verbs")
    assert acts["accuse"] == ("dobj",) and "about" in acts["talk"] and "oprd" in acts["call"] and "say" not in acts
    gender = {role: p for p, roles in en.grouped("role_gender").items() for role in roles}
    assert gender["spokeswoman"] == "she" and gender["chairman"] == "he"


def test_the_groups():
    assert en.OPPOSITES["increase"] == {"decrease"} and en.OPPOSITES["more"] == {"less", "fewer"}
    assert all(len(pair) == 2 for pair in en.groups("opposites"))
    assert en.IRREGULAR["broke"] == "break" and en.IRREGULAR["children"] == "child"
    assert "said" not in en.IRREGULAR  # it would tie every "say" to every quote


def test_each_list_is_defined_once():
    """No word list of the package is written out in its code: they are all here."""
    root = Path(en.__file__).resolve().parents[2]
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for phrase in ('"he": "he"', "say tell add warn", "report|study|survey", "mr mrs ms dr prof"):
            assert phrase not in text, (path, phrase)
