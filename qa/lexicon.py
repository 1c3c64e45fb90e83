"""Word lists that attribution and question reading use on English news: speech verbs, titles,
role and organisation words, the calendar."""

from __future__ import annotations

VERBS = (
    "say says said tell tells told add adds added warn warns warned note notes noted "
    "liken likens likened stress stresses stressed emphasize emphasizes emphasized emphasise "
    "emphasises emphasised explain explains explained argue argues argued insist insists "
    "insisted claim claims claimed predict predicts predicted suggest suggests suggested "
    "acknowledge acknowledges acknowledged admit admits admitted announce announces announced "
    "recall recalls recalled describe describes described compare compares compared "
    "write writes wrote conclude concludes concluded reply replies replied respond responds "
    "responded caution cautions cautioned observe observes observed remark remarks remarked "
    "contend contends contended maintain maintains maintained estimate estimates estimated "
    "forecast forecasts agree agrees agreed disagree disagrees disagreed urge urges urged "
    "reiterate reiterates reiterated highlight highlights highlighted underscore underscores "
    "underscored propose proposes proposed vow vows vowed pledge pledges pledged promise "
    "promises promised state states stated declare declares declared believe believes "
    "believed ask asks asked counter counters countered quip quips quipped joke jokes joked "
    "point points pointed call calls called expect expects expected "
    "allege alleges alleged tweet tweets tweeted concede concedes conceded recount recounts recounted "
    "testify testifies testified assert asserts asserted complain complains complained "
    "lament laments lamented boast boasts boasted"
).split()
# verbs that only report speech with a particle after them
PARTICLE = {"point": "out", "points": "out", "pointed": "out", "call": "for|on", "calls": "for|on", "called": "for|on"}
DOC_NOUNS = (
    "report|study|survey|analysis|paper|white paper|statement|data|research|poll|estimate|"
    "estimates|forecast|figures|review|assessment|audit|index|ranking|filing|document"
)
DOC_VERBS = r"said|says|showed|shows|found|finds|revealed|reveals|indicated|indicates|estimated|estimates|noted|notes|warned|warns|predicted|predicts|concluded|concludes"
TITLES = {
    "mr": "he",
    "mr.": "he",
    "mrs": "she",
    "mrs.": "she",
    "ms": "she",
    "ms.": "she",
    "miss": "she",
    "sir": "he",
    "dame": "she",
    "dr": None,
    "dr.": None,
    "prof": None,
    "prof.": None,
    "professor": None,
    "rev.": None,
    "rev": None,
}
ROLE_WORDS = set(
    "ceo cfo cto coo vp chairman chairwoman chairperson chair president minister secretary "
    "director chief head founder co-founder cofounder spokesperson spokesman spokeswoman "
    "professor analyst economist researcher scientist engineer manager officer executive "
    "governor mayor senator ambassador editor author partner academician adviser advisor "
    "expert dean principal commissioner chancellor premier deputy leader member fellow "
    "strategist consultant representative owner investor official officials general counsel "
    "doctor physician nurse lawyer attorney coach captain vice".split()
)
ORG_WORDS = set(
    "group company inc inc. corp corp. corporation ltd ltd. llc plc co co. ministry academy "
    "university institute association agency bank council department commission technology "
    "technologies organization organisation foundation bureau office committee administration "
    "federation union party court government center centre society fund network labs lab "
    "authority board school college hospital alliance bloc service services systems partners "
    "holdings capital ventures press news times post journal media consortium club chamber coalition trust "
    "caucus parliament legislature court tribunal".split()
)
STOP_CAPS = set(
    "the a an this that these those it its he she they we i however but and or so then also "
    "meanwhile still yet later separately earlier instead similarly moreover furthermore "
    "in on at for of to by from with as after before while when since although though if "
    "there here what which who why how today yesterday now last next first finally "
    "overall indeed thus hence".split()
)
CONNECTORS = {"of", "and", "for", "de", "van", "von", "der", "al", "bin", "da", "di", "la", "le", "&"}
PRONOUNS = {"he": "he", "she": "she", "they": "they", "it": "it"}
NOMINAL_ORG = {
    "company",
    "firm",
    "group",
    "organization",
    "organisation",
    "ministry",
    "agency",
    "government",
    "department",
    "bank",
    "university",
    "institute",
    "startup",
    "giant",
    "business",
    "carrier",
    "regulator",
    "association",
    "council",
    "club",
}
NOMINAL_DOC = set(DOC_NOUNS.split("|"))
ABBREVIATIONS = set(
    "mr mrs ms dr prof sr jr st gen sen rep gov lt col capt inc co corp ltd no vs etc jan feb "
    "mar apr jun jul aug sep sept oct nov dec mt ft rev est dept univ fig approx coun cllr sgt cpl det const "
    "supt insp hon".split()
)
# titles written before a name, which a parser may take for the name: "said Coun. Jo Reyes"
TITLE_WORDS = frozenset(
    "mr mrs ms miss dr prof coun councillor cllr sen rep gov gen lt sgt cpl capt det const supt insp rev hon".split()
)
# groups that news cites without naming anyone: "according to police"
GROUPS = set(
    "police officials authorities analysts experts witnesses residents organizers organisers prosecutors "
    "investigators sources doctors scientists researchers economists observers diplomats lawmakers".split()
)

# nouns that name the kind of answer wanted, not a thing the article must mention: "which CITY
# hosted it" is answered by a place name, "which ORGANISATION" by an organisation's name
ANSWER_CATEGORIES = frozenset(
    (
        "city country province state region place town village county nation capital location "
        "year date day month time century decade period "
        "organisation organization company firm group institution agency body"
    ).split()
)
# nouns for the people an article quotes: "Who are the SPEAKERS?"
QUOTED_NOUNS = frozenset("speaker speakers source sources interviewee interviewees".split())
# nouns for people in general: "Which PEOPLE are quoted?"
PEOPLE_NOUNS = frozenset(
    "people persons person speakers speaker experts executives leaders officials participants insiders".split()
)

# numbers written as words, as a regular-expression alternation: "twelve weeks", "nine hundred"
NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"

MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()

# words and their opposites, as pairs: a question that says one where the sentence closest to
# it says the other ("Who decreased the budget?" beside "increased the budget") asks about what
# the article does not say. Pairs whose words often mean something else are left out: first
# and last ("last year"), new and old, long and short, same and different ("at the same
# time"), over and under, open and closed, and the verbs of beginning and ending ("ended up").
_OPPOSITES = """
increase decrease | increased decreased | increases decreases | increasing decreasing | rise fall
rose fell | rising falling | larger smaller | largest smallest | large small | bigger smaller
biggest smallest | more less | more fewer | most least | higher lower | highest lowest | high low
before after | earliest latest | earlier later | north south | east west | northern southern
eastern western | maximum minimum | major minor | ancient modern | positive negative
inside outside | upper lower | win lose | won lost | accept reject | accepted rejected
allow forbid | allowed forbidden | strong weak | stronger weaker | strongest weakest | rich poor
richer poorer | older younger | oldest youngest | success failure | successful unsuccessful
legal illegal | true false | public private | direct indirect | internal external | always never
best worst | better worse | cheap expensive | fast slow | faster slower | above below
import export | imports exports | imported exported | gain loss | gained lost | support oppose
supported opposed | majority minority | common rare | male female
"""
OPPOSITES: dict[str, frozenset[str]] = {}
for _pair in _OPPOSITES.replace("\n", "|").split("|"):
    if _pair.strip():
        _one, _other = _pair.split()
        OPPOSITES[_one] = OPPOSITES.get(_one, frozenset()) | {_other}
        OPPOSITES[_other] = OPPOSITES.get(_other, frozenset()) | {_one}

# English irregular past forms and plurals, each with the base form the stemmer cannot reach
# ("broke down" against "break down", "grew" against "grow"). Forms that are as often another
# word are left out: found, left, bound, ground, wound, lay, bore, shot, bit, fed; and "said",
# which would tie every "say" of a question to every quote of a news story.
_IRREGULAR = """
arise arose arisen | awake awoke awoken | beat beaten | become became | begin began begun | bend bent
bleed bled | blow blew blown | break broke broken | breed bred | bring brought | build built
buy bought | catch caught | choose chose chosen | cling clung | come came | creep crept | deal dealt
dig dug | draw drew drawn | drink drank drunk | drive drove driven | eat ate eaten | fall fell fallen
feel felt | fight fought | flee fled | fly flew flown | forbid forbade forbidden | forget forgot forgotten
forgive forgave forgiven | freeze froze frozen | get got gotten | give gave given | go went gone
grow grew grown | hang hung | hear heard | hide hid hidden | hold held | keep kept | kneel knelt
know knew known | lead led | lend lent | light lit | lose lost | make made | mean meant | meet met
overcome overcame | overtake overtook overtaken | pay paid | ride rode ridden | ring rang rung
rise rose risen | run ran | see saw seen | seek sought | sell sold | send sent
shake shook shaken | shine shone | shrink shrank shrunk | sing sang sung | sink sank sunk | sit sat
sleep slept | slide slid | speak spoke spoken | spend spent | spin spun | stand stood | steal stole stolen
stick stuck | strike struck stricken | swear swore sworn | sweep swept | swim swam swum | swing swung
take took taken | teach taught | tear tore torn | tell told | think thought | throw threw thrown
understand understood | undertake undertook undertaken | wake woke woken | wear wore worn | weep wept
win won | withdraw withdrew withdrawn | write wrote written | child children | man men | woman women
foot feet | tooth teeth | mouse mice
"""
IRREGULAR = {form: forms.split()[0] for forms in _IRREGULAR.replace("\n", "|").split("|") for form in forms.split()[1:]}
