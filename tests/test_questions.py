"""Question analysis: what a question asks for and about whom (no model needed)."""

from __future__ import annotations

import pytest

from qa.ask.conversation import leans_on, naming
from qa.ask.intents import asks_about_article, asks_speaker_list
from qa.ask.question import asked_subject, focus_heads, kind_asked
from qa.ask.render import quote_block


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("How many people attended the summit?", ("people",)),
        ("How much revenue did the firm report?", ("revenue",)),
        ("How much did the firm earn?", ("earn",)),
        ("What is the population of Brazil?", ("population",)),
        ("Which football team won the league?", ("team",)),
        ("What kind of data should companies use?", ("data",)),
        ("What did the analysts say about inflation?", ("inflation",)),
        ("What did Qi say?", ()),
        ("Do companies need to copy their rivals?", ()),
    ],
)
def test_focus_heads(question, focus):
    assert focus_heads(question) == focus


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Which edition of the conference is this?", {"edit"}),
        ("What problem does the sector face?", {"problem"}),
        ("What did the firm say about prices?", set()),
        ("How many people attended?", set()),
    ],
)
def test_kind_asked(question, kinds):
    assert kind_asked(question) == kinds


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("What did the governor say about the river?", "the governor"),
        ("What did Xiaomi say?", "Xiaomi"),
        ("What did he say next?", None),
        ("What did the article say about prices?", None),
        ("What does AI mean for jobs?", None),
        ("How did the mayor describe the plan?", "the mayor"),
    ],
)
def test_asked_subject(question, subject):
    assert asked_subject(question) == subject


def test_quote_block_shows_markup_as_text():
    block = quote_block("He said <b>*no*</b> to [links](x)\nand `code`")
    assert "<b>" not in block and "&lt;b&gt;" in block
    assert "\\*no\\*" in block and "\\[links\\]" in block
    assert all(line.startswith("> ") for line in block.splitlines())


@pytest.mark.parametrize(
    ("question", "lists"),
    [
        ("Who spoke at the conference?", True),
        ("List the speakers in the story.", True),
        ("Name the people quoted in the article.", True),
        ("Which people does the reporter quote?", True),
        ("Which experts did the journalist interview?", False),
        ("Name the company that built the dam.", False),
        ("Who wrote the story?", False),
        ("Which report is cited?", False),
        ("Which people settled in the valley?", False),
        ("How many speakers are there?", True),
        ("How many people are quoted in the article?", True),
        ("How many people attended the summit?", False),
        ("How many people in Paris died?", False),
    ],
)
def test_questions_for_the_speaker_list(question, lists):
    assert asks_speaker_list(question, named=False) is lists


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("What is the article about?", True),
        ("Summarize the article in one line.", True),
        ("Summarise the story in a sentence.", True),
        ("Can you recap the piece?", True),
        ("Give me the gist of this report.", True),
        ("What event is being reported on?", True),
        ("Which summit is the story about?", True),
        ("Which report is cited?", False),
        ("What report did the agency publish?", False),
        ("Which newspaper reported on the election?", False),
        ("What happened in 1994?", False),
        ("What losses were reported?", False),
        ("Which company is the story about?", True),
        ("What does the report say about prices?", False),
        ("What are the main takeaways?", True),
        ("What are the highlights of the story?", True),
        ("What are the highlights of the match?", False),
    ],
)
def test_questions_about_the_article_itself(question, about):
    assert asks_about_article(question) is about


def test_a_name_one_slip_from_an_article_word_is_known():
    from qa.ask.question import Vocabulary, unknown_names

    article = Vocabulary({"montcalm", "céloron", "hartmanis", "langlade", "ottawa", "fort"})
    for slip in ("moncalm", "celeron", "hatmanis", "langlades", "montclam"):
        assert article.knows(slip), slip
    for other in ("tokyo", "quebec", "ontario", "fart"):  # short words never slip
        assert not article.knows(other), other
    assert unknown_names("What did Moncalm do at Fort Ottawa?", article) == []
    assert unknown_names("What did Wolfe do at Quebec?", article) == ["Wolfe", "Quebec"]


def test_a_word_one_slip_from_an_article_word_ismend():
    """ "safty" is searched as "safety"; a word that is English as typed ("stages" beside
    "states") and a word that is no slip from any article word stay as typed."""
    from qa.ask.question import Vocabulary
    from qa.ask.vocabulary import mend, respelled

    article = Vocabulary({"safety", "states", "security", "models"})
    covered = {"safeti", "state", "secur", "model"}
    assert article.slip_of("safty") == "safety" and article.slip_of("secuirty") == "security"
    assert article.slip_of("safety") is None and article.slip_of("modem") is None  # present; too short
    assert mend(article, ["safty", "stages", "weather"], covered) == {"safty": "safety"}
    assert respelled("What did Qi say about Safty?", {"safty": "safety"}) == "What did Qi say about safety?"


def test_a_name_that_starts_an_article_word_is_known():
    from qa.ask.question import Vocabulary, unknown_names

    article = Vocabulary({"federal", "reserve", "america", "cut", "rates"})
    assert article.knows("fed") and article.knows("americans")
    assert not article.knows("fe") and not article.knows("amer-x")
    assert unknown_names("Why did the Fed cut rates?", article) == []
    assert unknown_names("Why did Tokyo cut rates?", article) == ["Tokyo"]


def test_a_country_under_another_name_is_no_unknown_name():
    from qa.ask.question import Vocabulary, foreign_names, unknown_names

    article = Vocabulary({"the", "united", "states", "holds", "a", "share", "china"}, acronyms={"US"})
    assert unknown_names("What share does America hold?", article) == []
    assert unknown_names("What share does the USA hold?", article) == []
    assert unknown_names("What share does Britain hold?", article) == ["Britain"]
    # a country the article never names, standing on its own, is foreign to it
    assert foreign_names("How many models does Peru have?", article) == ["Peru"]
    # an acronym or a month may be spelled out in the article: the refusal model weighs those
    assert foreign_names("How did GDP change?", article) == []
    assert foreign_names("What happened in February?", article) == []


def test_an_abbreviation_the_article_spells_out_is_no_unknown_name():
    """ "NH" and "the FDA" of an article that writes "New Hampshire" and "the Food and Drug
    Administration"; an abbreviation it neither writes nor spells out stays unknown."""
    from qa.ask.question import unknown_names
    from qa.ask.vocabulary import surface_words

    text = "The Food and Drug Administration said on Monday that New Hampshire clinics may reopen."
    article = surface_words([text], [])
    assert unknown_names("What did the FDA say about NH?", article) == []
    assert unknown_names("What did the CDC say about NH?", article) == ["CDC"]


def test_a_name_known_only_in_part_is_named_by_its_unknown_words():
    """Beside the passages' words, "the Kessel Observatory" lacks "Kessel", though the passages
    have "Observatory"; a country under another of its names or codes lacks nothing."""
    from qa.ask.question import Vocabulary, foreign_names

    near = Vocabulary({"the", "varn", "observatory", "was", "founded", "united", "states"}, acronyms={"US"})
    assert foreign_names("When was the Kessel Observatory founded?", near) == []  # a word of the name is known
    assert foreign_names("When was the Kessel Observatory founded?", near, part=True) == ["Kessel"]
    assert foreign_names("When was the Varn Observatory founded?", near, part=True) == []
    assert foreign_names("What share does the United States of America hold?", near, part=True) == []
    assert foreign_names("What did American firms do?", near, part=True) == []  # a describing word
    korea = Vocabulary({"the", "republic", "of", "korea", "exports"})
    assert foreign_names("What does South Korea export?", korea, part=True) == []


def test_a_figure_or_code_the_article_never_writes_is_unknown():
    from qa.ask.question import Vocabulary, unknown_numbers

    article = Vocabulary({"1,328", "models", "2024", "1990s", "covid-19", "$2.5bn", "2.5bn", "04", "2003", "3"})
    assert unknown_numbers("How many models were there in 2019?", article) == ["2019"]
    assert unknown_numbers("What did she say about 5G?", article) == ["5G"]
    # written another way: commas, a decade, a measure, a span, a code by its parts
    assert unknown_numbers("Were there 1328 models?", article) == []
    assert unknown_numbers("What happened in 1990?", article) == []
    assert unknown_numbers("Who raised 2.5bn?", article) == []
    assert unknown_numbers("What changed in 2003-04?", article) == []
    assert unknown_numbers("What about COVID-19?", article) == []
    # one to nine and ordinals are as often spelled out ("three", "fifth")
    assert unknown_numbers("Which 7 models lead? Who is the 5th speaker?", article) == []
    assert unknown_numbers("What happened in the 1980s?", article) == ["1980s"]


def test_a_figure_shortened_in_the_question_is_known_in_full():
    from qa.ask.question import Vocabulary, unknown_numbers

    article = Vocabulary({"$250,000", "250,000", "1990s", "1992", "3,400,000", "earners"})
    # thousands and millions by their letter, a decade or a year by its last two digits
    assert unknown_numbers("What about earners over 250k?", article) == []
    assert unknown_numbers("Did 3.4m people vote?", article) == []
    assert unknown_numbers("What has changed since the 90s?", article) == []
    assert unknown_numbers("Who did she back in '92?", article) == []
    # a different figure stays unknown, however it is shortened
    assert unknown_numbers("What about earners over 300k?", article) == ["300k"]
    assert unknown_numbers("Who did she back in '96?", article) == ["96"]
    assert unknown_numbers("What changed since the 80s?", article) == ["80s"]


def test_countries_are_named_by_telling_words_only():
    from qa.attribution.places import countries_named

    assert {c for country in countries_named("America") for c in country.codes} >= {"USA"}
    assert {c for country in countries_named("South Korea") for c in country.codes} == {"KOR", "KR"}
    assert {c for country in countries_named("Korea") for c in country.codes} >= {"KOR", "PRK"}
    assert countries_named("Republic") == ()  # in too many names to single one out
    assert any("JPN" in c.codes for c in countries_named("JPN"))


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("What is an AI large model?", "model"),
        ("What can large models do?", "model"),
        ("How does the article describe tariffs?", "tariff"),
        ("What is the population of the city?", "popul"),
        ("What did the mayor say?", None),
        ("Who is the mayor?", None),
    ],
)
def test_the_thing_a_question_asks_to_have_defined(question, subject):
    from qa.ask.question import defined_subject

    assert defined_subject(question) == subject


def test_what_a_passage_defines():
    from qa.index.lexical import defined_terms

    assert defined_terms("Firms invested in large models, a technology that writes text.") == {"model"}
    assert defined_terms("A tariff is a tax on imports.") >= {"tariff"}
    assert defined_terms("Plants rely on a process known as photosynthesis.") == {"photosynthesi"}
    assert defined_terms("Greenway, which runs two plants, said it would pay.") == {"greenway"}
    assert defined_terms("The mayor said the plan was late.") == frozenset()


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("How often?", True),
        ("And the opposition?", True),
        ("Who counted them?", True),
        ("Where does that figure come from?", True),
        ("Who said so?", True),
        ("Is the company still hiring engineers?", False),
        ("When did Acme start its plan?", False),
        ("Which firm that makes phones opened a plant?", False),
        ("Did the report say that prices rose?", False),
    ],
)
def test_which_questions_lean_on_the_turn_before(question, leans):
    assert leans_on(question, []) is leans


def test_a_pronoun_gives_way_to_the_name_it_stands_for():
    assert naming("What is her job?", "Ann Lee", "she") == "What is Ann Lee's job?"
    assert naming("Did she vote for it?", "Ann Lee", "she") == "Did Ann Lee vote for it?"
    assert naming("Where does he work?", "Ann Lee", "she") == "Where does he work?"


def test_a_speakers_view_is_asked_like_what_they_said():
    from qa.ask.question import holds, says

    assert holds("What does Zhou think about security risks?") == "Zhou"
    assert holds("Did Wu Hequan mention smartphones?") == "Wu Hequan"
    assert holds("What is Lei Jun's view on AI safety?") == "Lei Jun"
    assert holds("What was the minister's position on the plan?") == "the minister"
    assert holds("What position does China's economy hold?") is None
    # a view is not a statement: its holder need not be quoted anywhere
    assert says("What does Piketty feel was the biggest factor?") is None


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Didn't Lei Jun found Xiaomi?", {"lei", "jun", "found", "xiaomi"}),
        ("Wasn\u2019t the summit held in Wuzhen?", {"summit", "held", "wuzhen"}),
        ("Why can't AI development stop?", {"ai", "development", "stop"}),
        ("They're sure it'll work, aren't they?", {"sure", "work"}),
    ],
)
def test_contractions_are_no_topic(question, topic):
    """ "Didn't", "it'll", "they're" are kept whole by the tokenizer; they tell what a question
    is about no more than "did" or "will" do."""
    from qa.ask.question import topic_words

    assert set(topic_words(question, set())) == topic


@pytest.mark.parametrize(
    ("question", "denied"),
    [
        ("Which firm did not build the telescope?", "not"),
        ("Who never signed the treaty?", "never"),
        ("What doesn't the report count?", "not"),
        ("Didn't Tallberg found the observatory?", None),  # asks to confirm
        ("Is the observatory not in Norland?", None),
        ("Was it founded in 1911 or not?", None),
        ("What happens if a member does not vote?", None),
    ],
)
def test_the_negation_a_question_asks_about(question, denied):
    """The negation the denial rule reads: in a question after what did not happen, not in a
    yes-or-no question, "or not", or a condition."""
    from qa.ask.checks import unmet_denial
    from qa.ask.search import Hit

    text = "Tallberg founded the observatory in 1911."
    affirming = Hit(text, 1.0, 1, "a", None, None, "narration", 0, len(text), 0, 1.0, 1.0, evidence=((0, len(text)),))
    assert unmet_denial(question, [affirming]) == denied


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What's Mayor Diaz's take on the ferry fares?", {"mayor", "diaz", "ferry", "fares"}),
        ("What is the union's stance on the strike?", {"union", "strike"}),
        ("What's her background?", set()),
    ],
)
def test_a_view_or_a_background_asked_for_is_no_topic(question, topic):
    """ "What's X's take / stance on Y" asks what X said about Y, and "What's her background?"
    asks who she is: the article need not write "take", "stance" or "background"."""
    from qa.ask.question import topic_words

    assert set(topic_words(question, set())) == topic
