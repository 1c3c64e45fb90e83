"""Attribution on the bundled article and on articles written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.attribution.statements import attribute, paragraph_summary, quote_spans, sentence_spans
from qa.text import article

from .conftest import ARTICLES, ROOT


def _gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


CASES = [
    (None, ROOT / "eval" / "attribution.jsonl"),
    (ARTICLES / "river-cleanup.txt", ARTICLES / "river-cleanup.gold.jsonl"),
    (ARTICLES / "warehouse-robots.txt", ARTICLES / "warehouse-robots.gold.jsonl"),
    (ARTICLES / "harbour-strike.txt", ARTICLES / "harbour-strike.gold.jsonl"),
]


@pytest.mark.parametrize(("source", "gold_file"), CASES, ids=["bundled", "river", "warehouse", "harbour"])
def test_every_paragraph_has_the_gold_speaker_and_kind(source, gold_file):
    result = attribute(article.load(source))
    for gold in _gold(gold_file):
        speaker, kind = paragraph_summary(result.statements, gold["paragraph"])
        assert (speaker, kind) == (gold["speaker"], gold["kind"]), gold
        if gold.get("role"):
            assert result.speaker(gold["speaker"]).role == gold["role"]
        for other in gold.get("also", []):
            assert other in {s.speaker for s in result.statements if s.paragraph == gold["paragraph"]}


def test_direct_quotes_are_the_words_inside_the_marks():
    art = article.load()
    result = attribute(art)
    gold = {g["paragraph"]: g for g in _gold(ROOT / "eval" / "attribution.jsonl")}
    for stmt in result.statements:
        assert art.text[stmt.start : stmt.end] == stmt.text  # offsets point at the source
        if stmt.kind == "direct" and gold[stmt.paragraph].get("quote"):
            assert stmt.text.startswith(gold[stmt.paragraph]["quote"])


def test_partial_quotes_are_recorded_on_reported_speech():
    result = attribute(article.load())
    gold = [g for g in _gold(ROOT / "eval" / "attribution.jsonl") if g.get("partial_quote")]
    for g in gold:
        quotes = [q for s in result.statements if s.paragraph == g["paragraph"] for q in s.quotes]
        assert g["partial_quote"] in quotes


def test_surname_resolves_to_person_not_same_named_company():
    text = (
        "Chen Wei, chairman of Chen-Tech Holdings, said the market would recover.\n"
        "Chen-Tech Holdings said in a statement that sales fell.\n"
        "Chen warned that costs were rising.\n"
    )
    result = attribute(article.parse(text, doc="t"))
    assert [s.speaker for s in result.statements] == ["Chen Wei", "Chen-Tech Holdings", "Chen Wei"]


def test_she_and_they_resolve_to_the_right_speakers():
    text = (
        "Dr. Ana Silva, a virologist at Porto University, said the outbreak was slowing.\n"
        "Tom Reed, a local councillor, disagreed. He said clinics were still full.\n"
        '"We are not out of the woods," she said.\n'
        "The Health Ministry said it would publish new figures on Friday. They added that schools stay open.\n"
    )
    result = attribute(article.parse(text, doc="t"))
    speakers = [(s.paragraph, s.speaker, s.kind) for s in result.statements]
    assert (3, "Ana Silva", "direct") in speakers
    assert (2, "Tom Reed", "indirect") in speakers
    assert all(sp == "Health Ministry" for p, sp, _ in speakers if p == 4)


def test_quote_before_and_after_the_cue_and_spanning_sentences():
    text = (
        '"Prices will fall. Wages will not," said Maria Lopez, an economist at Banco Sur.\n'
        'Lopez said: "The gap will widen. Families will feel it first."\n'
    )
    result = attribute(article.parse(text, doc="t"))
    direct = [s for s in result.statements if s.kind == "direct"]
    assert [s.speaker for s in direct] == ["Maria Lopez", "Maria Lopez"]
    assert direct[0].text.startswith("Prices will fall. Wages will not,")
    assert direct[1].text == "The gap will widen. Families will feel it first."
    assert result.speaker("Maria Lopez").role == "economist at Banco Sur"


def test_narration_only_paragraph_has_no_speaker():
    text = "The bridge opened in 1932 and carries 40,000 cars a day.\n"
    (stmt,) = attribute(article.parse(text, doc="t")).statements
    assert (stmt.speaker, stmt.kind) == (None, "narration")


def test_sentence_splitting_keeps_abbreviations_and_quotes_whole():
    text = 'Dr. Smith met Mr. Jones at 5 p.m. on Friday. "Go. Now," he said. It rained.'
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Dr. Smith met Mr. Jones at 5 p.m. on Friday.",
        '"Go. Now," he said.',
        "It rained.",
    ]


def test_unbalanced_and_curly_quotes():
    assert quote_spans("\u201cone\u201d and \u201ctwo") == [(1, 4), (11, 14)]
    assert quote_spans('he said "open') == [(9, 13)]


def test_garbage_paragraphs_do_not_crash():
    text = '"\n""""\n,,,, said said said\n\u200b\u202e\n' + "x" * 5000 + "\n"
    result = attribute(article.parse(text, doc="t"))
    assert all(s.kind in {"direct", "partial", "indirect", "source", "narration"} for s in result.statements)


def test_inverted_cue_after_reported_words():
    text = "Interest rates will stay high for a year, said Priya Nair, chief economist at Eastbank.\nNair added that inflation was easing.\n"
    result = attribute(article.parse(text, doc="t"))
    assert [(s.speaker, s.kind) for s in result.statements] == [("Priya Nair", "indirect"), ("Priya Nair", "indirect")]
    assert result.speaker("Priya Nair").role == "chief economist at Eastbank"


def test_british_single_quotes():
    text = (
        "'Prices will fall. Wages will not,' said Maria Lopez, an economist at Banco Sur.\n"
        "She called it \u2018a slow squeeze\u2019 on families.\n"
        "The workers' union won't comment, its spokesman said.\n"
    )
    result = attribute(article.parse(text, doc="t"))
    first = result.statements[0]
    assert (first.speaker, first.kind, first.text) == ("Maria Lopez", "direct", "Prices will fall. Wages will not,")
    assert [q for s in result.statements if s.paragraph == 2 for q in s.quotes] == ["a slow squeeze"]
    assert quote_spans("The workers' union won't comment, its spokesman said.") == []


def test_a_split_quotation_is_two_quotes_with_their_own_offsets():
    from qa.attribution.statements import attribute
    from qa.text import article

    text = 'The council met on Monday.\n"We tried," Ana Ruiz said. "It failed."\n'
    art = article.parse(text, doc="t")
    (statement,) = [s for s in attribute(art).statements if s.kind != "narration"]
    units = statement.units(text)
    assert [u["text"] for u in units] == ["We tried,", "It failed."]
    for u in units:
        assert text[u["start"] : u["end"]] == u["text"]
        assert u["sentence"] == '"We tried," Ana Ruiz said. "It failed."' and u["speaker"] == "Ana Ruiz"
    assert set(units[0]) >= {"paragraph", "speaker", "role", "kind", "text"}  # the fields kept


def test_news_articles_written_with_their_gold_first():
    """tests/news: articles whose gold quotes and speakers were written before the program
    read them; the floors are today's figures (see `python -m bench quotes`)."""
    from bench.quotes import run

    report = run(Path(__file__).resolve().parent / "news")
    assert report["articles"] >= 10 and report["gold_quotes"] >= 300
    assert report["recall"] >= 0.97 and report["precision"] >= 0.96 and report["speaker_right_on_found"] >= 0.98
    by = report["by_introduction"]
    assert by["pronoun"]["speaker_right_on_found"] >= 0.95 and by["description"]["found"] >= 0.9
    # the evaluation figures are the committed run's, and today's code reproduces them
    committed = json.loads((ROOT / "bench" / "reports" / "quotes-2026-12-05.json").read_text())
    for key in ("gold_quotes", "recall", "precision", "speaker_right_on_found", "by_introduction"):
        assert report[key] == committed[key], key
    readme = (ROOT / "docs" / "evaluation.md").read_text()
    row = (
        f"| **all** ({report['articles']} articles) | **{report['gold_quotes']}** | **recall 0.820 → {report['recall']:.3f}, "
        f"precision 0.968 → {report['precision']:.3f}** | **0.883 → {report['speaker_right_on_found']:.3f}** |"
    )
    assert row in readme
    for label, key in (("a name", "name"), ("a pronoun", "pronoun"), ("a description", "description")):
        line = next(line for line in readme.splitlines() if line.startswith(f"| {label}"))
        cells = line.split("|")
        assert cells[3].strip().endswith(f"→ {by[key]['found']:.3f}") and cells[4].strip().endswith(
            f"→ {by[key]['speaker_right_on_found']:.3f}"
        ), line
    assert committed["speed"]["parsed"]["seconds_per_1000_words_max"] < 0.3


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Nora Lind defended the plan in a statement, saying the board had approved it.", "Nora Lind"),
        ("Omar Haddad with the Port Workers Union says delays will grow this winter.", "Omar Haddad"),
        ("Sam Ito, the harbour master, alleged that the contractor ignored the rules.", "Sam Ito"),
        ("Maria Lopez tweeted that the union would not accept the offer.", "Maria Lopez"),
    ],
)
def test_speech_in_shapes_beyond_said(text: str, speaker: str):
    from qa.attribution.statements import attribute
    from qa.text import article

    statements = [s for s in attribute(article.parse(text + "\n", doc="t")).statements if s.kind != "narration"]
    assert [s.speaker for s in statements] == [speaker]


def test_a_surname_that_is_a_speech_verb_is_not_a_cue():
    from qa.attribution.statements import attribute
    from qa.text import article

    text = "Edward Said made a bold statement about the city in his book.\n"
    assert [s.kind for s in attribute(article.parse(text, doc="t")).statements] == ["narration"]


def _said(text: str) -> list[tuple[str | None, str]]:
    from qa.attribution.statements import attribute
    from qa.text import article

    found = attribute(article.parse(text, doc="t"))
    return [(s.speaker, s.speaker_kind or "") for s in found.statements if s.kind != "narration"]


def test_a_description_is_a_speaker_of_its_own_kind():
    text = (
        "A union representative said picket lines would be staffed around the clock.\n"
        "Several residents said the noise kept them awake.\n"
        "The city's planning department said it would review the permit.\n"
    )
    assert _said(text) == [
        ("a union representative", "person"),
        ("several residents", "group"),
        ("the city's planning department", "organization"),
    ]


def test_a_definite_description_points_back_to_the_one_named_before():
    text = (
        "Talks with the Northern Growers Association broke down on Monday.\n"
        "In a statement, the association said its offer was fair.\n"
        "Kestrel Foods will close its plant in May, the company said on Friday.\n"
    )
    assert [s for s, _ in _said(text)] == ["Northern Growers Association", "Kestrel Foods"]


def test_a_pronoun_goes_to_the_last_person_of_its_gender():
    text = (
        "Greg Olsen arrived with his two dogs. His neighbour, Alice Moreau, came in the car behind him.\n"
        '"I looked back and the whole hill was orange," she said.\n'
        'Olsen shrugged. "It is a house," he said.\n'
    )
    assert [s for s, _ in _said(text)] == ["Alice Moreau", "Greg Olsen"]


@pytest.mark.parametrize(
    ("text", "speaker", "kind"),
    [
        (
            "Most of the cuts will fall on sales, according to a person familiar with the plan.",
            "a person familiar with the plan",
            "indirect",
        ),
        (
            "Rents rose 9 per cent, according to a survey by the Tenant Action Network.",
            "Tenant Action Network",
            "source",
        ),
        ("The mine will close, according to port officials.", "port officials", "indirect"),
    ],
)
def test_according_to_anywhere_in_the_sentence(text: str, speaker: str, kind: str):
    from qa.attribution.statements import attribute
    from qa.text import article

    found = [s for s in attribute(article.parse(text + "\n", doc="t")).statements if s.kind != "narration"]
    assert [(s.speaker, s.kind) for s in found] == [(speaker, kind)]


def test_what_is_not_a_statement():
    text = (
        "Rita Gomez chairs the board.\n"
        "Gomez declined to say how much the town could spend.\n"
        "Analysts had expected the move.\n"
        "Shipping analysts expect delays to spread to other ports.\n"
        '"Nobody likes raising fares, but the alternative was worse," Gomez said.\n'
        '"Nobody likes raising fares, but the alternative was worse."\n'
    )
    found = _said(text)
    assert found == [("Rita Gomez", "person")]  # the last line is a pull quote of the one before


def test_her_office_is_the_office_of_the_woman_named_before():
    text = "The premier, Diane Chow, said hotels would be paid for.\nHer office later confirmed that two helicopters were on their way.\n"
    assert _said(text)[-1] == ("Diane Chow's office", "organization")


def test_each_statement_names_its_mention_with_offsets():
    from qa.attribution.statements import attribute
    from qa.text import article

    text = (
        "Lena Park, an economist at Harbour Bank, said rates would fall.\n"
        '"It will take a year," she said.\n'
        '"Maybe two, if the banks are careful."\n'
    )
    art = article.parse(text, doc="t")
    found = attribute(art)
    mentions = [s.mention for s in found.statements if s.kind != "narration"]
    assert [(m.text, m.via) for m in mentions if m] == [("Lena Park", "name"), ("she", "pronoun"), ("", "continuing")]
    for m in mentions:
        assert m is not None and art.text[m.start : m.end] == m.text
    entity = found.speakers_json()[0]
    assert (
        entity["name"] == "Lena Park" and entity["kind"] == "person" and entity["role"] == "economist at Harbour Bank"
    )
    assert [m["text"] for m in entity["mentions"]] == ["Lena Park", "she"]


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        (
            "Mara Quinn said on Monday that costs rose, but that prices would hold.",
            "costs rose, but that prices would hold",
        ),
        ("Costs will rise by a third next year, the union said.", "Costs will rise by a third next year"),
        ("Rents rose 9 per cent last year, according to the Tenant Action Network.", "Rents rose 9 per cent last year"),
        ("According to the Tenant Action Network, rents rose 9 per cent last year.", "rents rose 9 per cent last year"),
        ("Jo Reyes told reporters that the plan was late.", "the plan was late"),
    ],
)
def test_reported_speech_is_the_reported_clause_with_its_sentence(line: str, reported: str):
    from qa.attribution.statements import attribute
    from qa.text import article

    art = article.parse(line + "\n", doc="t")
    [unit] = [u for s in attribute(art).statements if s.kind != "narration" for u in s.units(art.text)]
    assert unit["text"] == reported and art.text[unit["start"] : unit["end"]] == reported
    assert unit["sentence"] == line


def test_singular_they_can_mean_a_person_whose_gender_only_the_name_suggests():
    text = (
        "Shares of Corvel Systems rose on Monday.\n"
        'Jordan Pike, who studies automation, said the claims were untested. "A demo is not a warehouse," they said.\n'
    )
    assert [s for s, _ in _said(text)] == ["Jordan Pike", "Jordan Pike"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"This is a generational investment," said Coun. Sarah Kirby-Yung, who moved the motion.', "Sarah Kirby-Yung"),
        (
            "Dr. Anne-Marie Tremblay, an emergency physician, told council that protected lanes cut injuries sharply.",
            "Anne-Marie Tremblay",
        ),
    ],
)
def test_titles_and_objects_before_the_clause(text: str, speaker: str):
    assert [s for s, _ in _said(text + "\n")] == [speaker]


def test_a_dateline_is_not_a_speaker():
    text = (
        "VANCOUVER — City council voted 8-3 on Tuesday to build 12 kilometres of bike lanes.\n"
        "Construction will begin in April and take about 18 months, the city said.\n"
    )
    assert _said(text) == [("the city", "organization")]


@pytest.mark.parametrize(
    "dateline",
    ["BRANDON (CP) \u2014 ", "LAKE OSWEGO, Ore. - ", "ST. ALBERT, Sept. 14 (Wire) \u2014 ", "FARGO -- "],
)
def test_a_dateline_with_its_state_date_or_agency_is_no_one_who_speaks(dateline: str):
    line = "Mill owner Tessa Varga said on Monday she would hire 40 more workers by spring."
    art = article.parse(dateline + line + "\n", doc="dateline")
    [statement] = [s for s in attribute(art).statements if s.kind != "narration"]
    assert statement.speaker == "Tessa Varga"
    assert statement.text == line and statement.span_start == 0  # the passage shows the dateline


def test_a_paragraph_too_long_to_parse_is_read_by_the_patterns():
    from qa.attribution.statements import MAX_PARSED_CHARS, attribute
    from qa.text import article

    filler = "The river rose again overnight. " * (MAX_PARSED_CHARS // 30 + 10)
    text = (
        "Mara Quinn, a hydrologist, said the river would crest on Friday.\n"
        + filler
        + '"It will crest on Friday," said Mara Quinn.\n'
    )
    found = attribute(article.parse(text, doc="t"))
    assert [s.speaker for s in found.statements if s.kind != "narration"] == ["Mara Quinn", "Mara Quinn"]


@pytest.mark.parametrize(
    "text",
    [
        "In the first half of the 17th century, a plague claimed some 1.7 million victims in Italy.",
        "During that time in Europe, on May 18, 1756, England formally declared war on France.",
        "Just two days later, the French physicist announced his own method of liquefying the gas.",
    ],
)
def test_a_verb_with_an_object_of_its_own_reports_no_clause_before_it(text: str):
    """A comma-ended opening without a verb is no reported clause: a plague that "claimed"
    victims, a country that "declared" war, say nothing; what "announced" takes is its object."""
    from qa.attribution.statements import attribute
    from qa.text import article

    found = attribute(article.parse(text, doc="t"))
    opening = text.split(",")[0]
    units = [u for s in found.statements if s.kind != "narration" for u in s.units(text)]
    assert not any(u["text"].startswith(opening) for u in units)
    if "announced" not in text:
        assert [s.speaker for s in found.statements] == [None]
    else:
        assert [u["text"] for u in units] == ["his own method of liquefying the gas"]


def test_who_names_the_person_before_it_when_the_parse_hangs_the_clause_elsewhere():
    from qa.attribution.statements import attribute
    from qa.text import article

    text = (
        "The theory was first challenged by the work of the British bacteriologist J. F. D. Shrewsbury "
        "in 1970, who noted that the reported death rates were inconsistent with the modern disease."
    )
    found = attribute(article.parse(text, doc="t"))
    assert [s.speaker for s in found.statements] == ["J. F. D. Shrewsbury"]


@pytest.mark.parametrize(
    ("line", "speaker", "kind", "words"),
    [
        # a quotation ending in "?" or "!" keeps the cue after it
        ("\u201cWe will win this race!\u201d Ana Ruiz said.", "Ana Ruiz", "direct", "We will win this race!"),
        (
            "\u201cCan the ferry run all winter?\u201d Ruiz asked.",
            "Ana Ruiz",
            "direct",
            "Can the ferry run all winter?",
        ),
        # a subject inside the quotation is not the speaker; any verb beside a quotation cues it
        (
            "\u201cGreat news for the valley!\u201d replied Dana Lee.",
            "Dana Lee",
            "direct",
            "Great news for the valley!",
        ),
        ("\u201cNot on my watch,\u201d Hale interjected.", "Omar Hale", "direct", "Not on my watch,"),
        # a cue in the middle of the clause it reports
        ("Still, she says, the long winter has hurt sales at the kiosk.", "Ana Ruiz", "indirect", None),
        (
            "The merger, analysts said, may lift prices.",
            "analysts",
            "indirect",
            "The merger, analysts said, may lift prices",
        ),
        # a participle hung from its own subject, and a relative clause
        (
            "Markets rose, with economists saying a weak report will delay any change.",
            "economists",
            "indirect",
            "a weak report will delay any change",
        ),
        (
            "Sen. Ron Dale, who told a local newspaper Tuesday that the plan would fail, voted against it.",
            "Ron Dale",
            "indirect",
            "the plan would fail",
        ),
    ],
)
def test_cues_beyond_name_said_clause(line: str, speaker: str, kind: str, words: str | None):
    text = "Ana Ruiz and Omar Hale met the press on the steps of the county hall.\n" + line + "\n"
    art = article.parse(text, doc="t")
    found = [s for s in attribute(art).statements if s.kind != "narration"]
    assert [(s.speaker, s.kind) for s in found] == [(speaker, kind)]
    if words is not None:
        assert [u["text"] for u in found[0].units(art.text)] == [words]


def test_a_time_word_is_never_a_speaker():
    found = _said("The mayor on Friday called on drivers to \u201cslow down\u201d near schools.\n")
    assert found == [("the mayor", "person")]


@pytest.mark.parametrize(
    ("line", "content"),
    [
        ("Mayor Tim Olsen accused the council of wasting money.", "the council of wasting money"),
        ("Olsen called the plan a disaster.", "the plan a disaster"),
        ("Olsen called for a recount.", "for a recount"),
        ("Olsen urged residents to stay home.", "residents to stay home"),
        ("Olsen asked the council to delay the vote.", "the council to delay the vote"),
        ("Olsen praised the firefighters for their work.", "the firefighters for their work"),
        ("Olsen blamed the storm for the delays.", "the storm for the delays"),
        ("Olsen criticized the budget.", "the budget"),
        ("Olsen talked about the new bridge.", "about the new bridge"),
    ],
)
def test_speech_acts_are_statements_of_their_own_kind(line: str, content: str):
    art = article.parse("Tim Olsen is the mayor of Brackwater.\n" + line + "\n", doc="t")
    found = [s for s in attribute(art).statements if s.kind != "narration"]
    assert [(s.speaker, s.kind) for s in found] == [("Tim Olsen", "act")]
    assert [u["text"] for u in found[0].units(art.text)] == [content]


def test_what_is_no_speech_act():
    text = "Olsen talked to reporters.\nOlsen called the police.\nThe storm was blamed for the delays.\nThe committee refused to discuss the budget.\n"
    assert _said("Tim Olsen is the mayor.\n" + text) == []


PRONOUN_ROWS = [
    pytest.param(
        (
            "Marcel Dorin, a locksmith, admitted the break-ins on Monday.\n"
            '"We need him at home," his sister, Ana Dorin, wrote to the court.\n'
            "A trained welder, Dorin had no steady work for a decade.\n"
            "He told the court that he regretted the break-ins.\n"
        ),
        "Marcel Dorin",
        id="a surname two people share is the one brought in first",
    ),
    pytest.param(
        (
            "Peter Holt, the candidate, spoke at the fair.\n"
            "Holt's campaign vowed to fight on through the autumn.\n"
            "As the results came in, he predicted that the county would turn.\n"
        ),
        "Peter Holt",
        id="'he' is never the campaign of the man named",
    ),
    pytest.param(
        (
            "Rolf Kessler, the harbour master, opened the meeting.\n"
            "The message on the board called the plan \u201ca disgrace.\u201d\n"
            "He said the pier would close in May.\n"
        ),
        "Rolf Kessler",
        id="'he' is a person before a thing that spoke",
    ),
]


@pytest.mark.parametrize(("text", "speaker"), PRONOUN_ROWS)
def test_a_pronoun_is_the_person_salience_puts_forward(text: str, speaker: str):
    assert [s for s, _ in _said(text)][-1] == speaker


def test_they_is_the_group_put_forward_since_the_last_person():
    text = (
        '"The roads are a disgrace," Mayor Rosa Kent said.\n'
        "Local farmers held a meeting with the county.\n"
        "The meeting, they said, changed nothing.\n"
    )
    assert _said(text) == [("Rosa Kent", "person"), ("Local farmers", "group")]


def test_whose_campaign_speaks_is_put_forward_too():
    text = (
        "The count ended late on Sunday.\nPeter Holt's campaign said it would appeal.\nHe said the count was flawed.\n"
    )
    assert [s for s, _ in _said(text)] == ["Peter Holt's campaign", "Peter Holt"]


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        (
            "The pier will reopen in June, harbour officials said, although they said repairs could run late.",
            ["The pier will reopen in June", "repairs could run late"],
        ),
        (
            "Mayor Tim Olsen accused the council of wasting money and said the budget was a mess.",
            ["the council of wasting money", "the budget was a mess"],
        ),
    ],
)
def test_a_second_clause_of_the_same_speaker_is_reported_too(line: str, reported: list[str]):
    art = article.parse(line + "\n", doc="t")
    units = [u for s in attribute(art).statements if s.kind != "narration" for u in s.units(art.text)]
    assert [u["text"] for u in units] == reported
    assert len({u["speaker"] for u in units}) == 1


def test_asking_not_to_be_named_and_being_asked_are_no_statements():
    text = (
        "A nurse at the clinic, who asked not to be named, spoke to reporters on the steps.\n"
        "The chief, asked about the fire on Monday, walked away.\n"
    )
    assert _said(text) == []


def test_a_name_and_a_colon_label_the_words_after_them():
    text = (
        "Ana Ruiz: Ferry service will run all winter.\n"
        "Watch: the ferry leaves the dock at dawn.\n"
        "Contributing: Omar Hale\n"
        "Ana Ruiz, the county clerk, took questions on Monday.\n"
        "RUIZ: Well, we will see what the council decides.\n"
        "At 10:30 the ferry left.\n"
    )
    art = article.parse(text, doc="t")
    units = [u for s in attribute(art).statements if s.kind != "narration" for u in s.units(art.text)]
    assert [(u["speaker"], u["text"]) for u in units] == [
        ("Ana Ruiz", "Ferry service will run all winter"),
        ("Ana Ruiz", "Well, we will see what the council decides"),
    ]


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("Ana Ruiz summed up the ferry plan as \u201ca costly mess,\u201d and left the room.", "Ana Ruiz"),
        ("Later the crowd kept chanting \u201cOpen the bridge\u201d until dusk.", "the crowd"),
    ],
)
def test_a_verb_whose_words_hold_a_quotation_quotes_its_subject(line: str, speaker: str):
    assert [s for s, _ in _said("Ana Ruiz chairs the ferry board.\n" + line + "\n")] == [speaker]


def test_a_quotation_in_the_subject_quotes_no_one():
    assert _said("The so-called \u201cferry deal\u201d collapsed on Monday.\n") == []


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("Most of them said they had enjoyed the work at the mill.", "most of them"),
        ("Half of the voters said the bridge should close.", "Half of the voters"),
    ],
)
def test_a_share_of_people_speaks_as_a_group(line: str, speaker: str):
    assert _said(line + "\n") == [(speaker, "group")]


def test_reported_words_beside_a_quotation_are_reported_too():
    line = 'The pier will reopen next week, Hale said, adding, "They need to sit down and talk."'
    art = article.parse(line + "\n", doc="t")
    units = [u for s in attribute(art).statements if s.kind != "narration" for u in s.units(art.text)]
    assert [u["text"] for u in units] == ["The pier will reopen next week", "They need to sit down and talk."]


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        (
            "Minutes later, the Olsen campaign issued a statement saying that the count was flawed.",
            "the Olsen campaign",
        ),
        ("Kessler shot back in an article stating that the pier was safe.", "Kessler"),
        ("The narrow win led party chairman Rolf Kessler to declare that the race was over.", "Rolf Kessler"),
    ],
)
def test_who_speaks_through_a_document_or_is_led_to_speak(line: str, speaker: str):
    assert [s for s, _ in _said(line + "\n")] == [speaker]


def test_a_headline_ending_in_a_semicolon_is_read():
    assert [
        s for s, _ in _said("Tim Olsen is the mayor.\nOlsen calls council plan 'a disaster,' but backs the vote;\n")
    ] == ["Tim Olsen"]


def test_a_title_case_headline_puts_no_one_forward():
    text = 'A Meaningful Exchange Finally Happened At The Ferry Debate.\n"We will keep the ferry running," he said.\n'
    assert _said(text) == []


def test_a_surname_quoted_before_the_full_name_is_the_full_name():
    text = (
        "The old swing bridge still opens twice a day.\n"
        'Kovar later described the bridge as "a stubborn mule" in her diary.\n'
        "Its first engineer was Lena Kovar, a surveyor.\n"
    )
    found = attribute(article.parse(text, doc="t"))
    assert [s.speaker for s in found.statements if s.kind != "narration"] == ["Lena Kovar"]
    assert [s.name for s in found.speakers] == ["Lena Kovar"]


@pytest.mark.parametrize(
    ("named", "full"),
    [
        ("The plans were drawn by Anna-Lena Kovar, a surveyor.", "Anna-Lena Kovar"),
        ("Because Kovar kept a diary, the bridge's story is known. Engineer Lena Kovar drew it.", "Lena Kovar"),
    ],
)
def test_the_full_name_keeps_a_hyphenated_first_name_and_no_sentence_opener(named: str, full: str):
    text = "The old swing bridge still opens twice a day.\n"
    text += 'Kovar later described the bridge as "a stubborn mule" in her diary.\n' + named + "\n"
    found = attribute(article.parse(text, doc="t"))
    assert [s.speaker for s in found.statements if s.kind != "narration"][:1] == [full]


@pytest.mark.parametrize(
    ("lines", "units"),
    [
        # a sentence thick with names still puts its subject forward for the pronoun after it
        (
            ["Gov. Tom Hale visited Albany and Troy on Monday.", "He said the mill would reopen."],
            [("Tom Hale", "indirect", "the mill would reopen")],
        ),
        # a clause whose subject is a gerund, which the parser hangs from "said"
        (
            ["Tom Hale toured the mill.", "He said building the road could put hundreds of people to work."],
            [("Tom Hale", "indirect", "building the road could put hundreds of people to work")],
        ),
        # a participle beside a quotation reports more words of the same speaker
        (
            [
                "\u201cWe will win this,\u201d Tom Hale said on Wednesday, pointing out that most voters backed the plan."
            ],
            [("Tom Hale", "direct", "We will win this,"), ("Tom Hale", "direct", "most voters backed the plan")],
        ),
        # speech verbs whose content is their object
        (
            ["Tom Hale announced plans on Tuesday to widen the bridge."],
            [("Tom Hale", "act", "plans on Tuesday to widen the bridge")],
        ),
        (["Ana Ruiz denied the allegations."], [("Ana Ruiz", "act", "the allegations")]),
        (
            ["Ana Ruiz stressed her long experience in the city."],
            [("Ana Ruiz", "act", "her long experience in the city")],
        ),
        # the subject of an adjective's verb, and of the verb a "by ..." phrase hangs from
        (["Tom Hale was quick to point out that the vote was close."], [("Tom Hale", "indirect", "the vote was close")]),
        (
            ["Ana Ruiz attacked the plan by reminding voters that the bridge cost millions."],
            [("Ana Ruiz", "indirect", "the bridge cost millions")],
        ),
    ],
)
def test_reported_shapes_read_from_the_parse(lines: list[str], units: list[tuple[str, str, str]]):
    text = "Headline for the page\n\n" + "\n\n".join(lines) + "\n"
    art = article.parse(text, doc="t")
    found = [u for s in attribute(art).statements if s.kind != "narration" for u in s.units(art.text)]
    assert [(u["speaker"], u["kind"], u["text"]) for u in found] == units


@pytest.mark.parametrize(
    ("line", "units"),
    [
        ("Tom Hale told ABC\u2019s \u201cMorning Report\u201d on Sunday that the vote was close.", ["the vote was close"]),
        ("Ana Ruiz spoke on the podcast \u201cCity Hall Weekly.\u201d", []),
        # a slogan the speaker chants is their words
        ("The crowd chanted \u201cBuild The Bridge\u201d as Ruiz spoke.", ["Build The Bridge"]),
    ],
)
def test_a_quoted_title_is_no_one_s_words(line: str, units: list[str]):
    art = article.parse("Headline for the page\n\n" + line + "\n", doc="t")
    found = [u["text"] for s in attribute(art).statements if s.kind != "narration" for u in s.units(art.text)]
    assert found == units


@pytest.mark.parametrize(
    ("line", "speakers"),
    [
        ("Ana Ruiz: the ferry will run all winter, and the fares will not rise.", ["Ana Ruiz"]),
        ("Ana Ruiz: \u201cNot on my watch.\u201d", ["Ana Ruiz"]),
        ("Latest: Council backs the ferry plan after a long night", []),
        ("Ana Ruiz: 1,501", []),
        ("Twitter: @anaruiz_news", []),
        ("Volunteers: Sam Roy, Ann Bell, Lee Chan, Omar Hale, Dana Lee", []),
    ],
)
def test_a_label_and_colon_opens_speech_only_when_words_follow(line: str, speakers: list[str]):
    art = article.parse("Headline for the page\n\n" + line + "\n", doc="t")
    assert [s.speaker for s in attribute(art).statements if s.kind != "narration"] == speakers


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("Gov. Ann Cole said the budget would pass.", "Governor"),
        ("Coun. Ben Ito said the rise was unfair.", "Councillor"),
        ('"We will win," said Sen. Ben Ito.', "Senator"),
        ("Mr. Ben Ito said the plan failed.", None),
        ("Sen. Ben Ito, the chair of the committee, said the plan failed.", "chair of the committee"),
    ],
)
def test_a_title_before_a_name_is_the_role_of_someone_given_none(line: str, role: str | None):
    [statement] = [s for s in attribute(article.parse(line + "\n", doc="t")).statements if s.kind != "narration"]
    assert (statement.speaker, statement.role) == ("Ben Ito" if "Ito" in line else "Ann Cole", role)
