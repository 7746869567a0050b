"""What a question asks for: its salient terms (names, places, numbers), the content words it
hinges on, and its focus (a number, a duration, a person, a place, an organisation).

Measured lessons (README, "How it works"): possessives, sentence-initial words, hyphenated
compounds and demonyms caused most false refusals of a naive salient-term check, and lower-case
product names like "iPhone" escaped it. All four are handled here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.terms import WORD, content_words

DEMONYMS = {
    "american": ["us", "america", "united states", "u.s"],
    "americans": ["us", "america"],
    "ukrainian": ["ukraine"],
    "ukrainians": ["ukraine"],
    "russian": ["russia", "moscow"],
    "russians": ["russia"],
    "chinese": ["china", "beijing"],
    "israeli": ["israel"],
    "israelis": ["israel"],
    "palestinian": ["palestine", "palestinians"],
    "iranian": ["iran"],
    "european": ["europe", "eu"],
    "europeans": ["europe"],
    "british": ["britain", "uk"],
    "saudi": ["saudi arabia"],
    "qatari": ["qatar"],
    "turkish": ["turkey"],
    "egyptian": ["egypt"],
    "french": ["france"],
    "german": ["germany"],
    "japanese": ["japan"],
    "indian": ["india"],
    "korean": ["korea"],
    "syrian": ["syria"],
    "iraqi": ["iraq"],
    "afghan": ["afghanistan"],
    "venezuelan": ["venezuela"],
    "argentine": ["argentina"],
    "argentinian": ["argentina"],
    "lebanese": ["lebanon"],
    "yemeni": ["yemen"],
    "scottish": ["scotland"],
    "welsh": ["wales"],
    "irish": ["ireland"],
    "english": ["england"],
    "australian": ["australia"],
    "canadian": ["canada"],
    "mexican": ["mexico"],
    "italian": ["italy"],
    "spanish": ["spain"],
    "dutch": ["netherlands", "holland"],
}
QUESTION_WORDS = frozenset(
    """what which who whom whose where when why how is are was were do does did can could should
    would will has have had according besides in on at for of the a an""".split()
)
TYPE_NOUNS = frozenset(
    """company companies firm country countries city cities town towns village group groups envoy
    envoys agency body person people organisation organization name official officials territory
    place team teams state region man woman leader spokesman spokeswoman minister intermediaries
    intermediary member members player players club band film song album year month day date
    time level score rate size fee figure total sum value amount number percentage share
    proportion price fine wage salary bid cost damages bill""".split()
)
# "Who is the mayor of Tokyo?" is answered only by a sentence that names the role; a sentence that
# merely mentions Tokyo and some person is not an answer. Each role lists the words that count.
ROLES = {
    "boss": ["boss", "chief", "head", "manager", "leader"],
    "head": ["head", "chief", "boss", "leader", "director"],
    "chief": ["chief", "head", "boss"],
    "leader": ["leader", "head", "chief"],
    "chair": ["chair", "chairman", "chairwoman"],
    "spokesman": ["spokesman", "spokeswoman", "spokesperson"],
    "spokeswoman": ["spokesman", "spokeswoman", "spokesperson"],
    **{
        role: [role]
        for role in """mayor director chairman chairwoman president governor manager
       coach captain editor secretary minister chancellor commissioner ambassador founder owner
       presenter producer officer executive treasurer""".split()
    },
}
RANK_MODIFIERS = frozenset({"vice", "deputy", "assistant", "acting", "interim", "shadow"})
WHO_IS = re.compile(r"^\s*who (?:is|was|are|were)\b", re.I)
NUMBER_WORDS = """one two three four five six seven eight nine ten eleven twelve dozen dozens
    hundred hundreds thousand thousands million millions billion billions half""".split()
DURATION = re.compile(
    r"\b(?:\d[\d.,]*|" + "|".join(NUMBER_WORDS) + r")[\s-]+(?:minute|hour|day|week|month|year|"
    r"decade)s?\b",
    re.I,
)
# "At what level did the bank hold interest rates?" wants a percentage, and for a rate one said
# near the word rate: "22% of the group's assets" is not an interest rate.
RATE_QUESTION = re.compile(r"\b(?:rates?|percentage|per ?cent)\b", re.I)
PERCENTAGE = re.compile(r"\d[\d.,]*\s?(?:%|per ?cent\b|percent\b)", re.I)
# "What was McIlroy's time?" wants a time ("1:46.68", "46.68 seconds"), not "the 800m".
TIME_QUESTION = re.compile(
    r"\bwhat (?:is|was|were) (?:the )?(?:(?:[\w-]+ )?[\w-]+[’']s )?(?:\w+ )?time\b", re.I
)
TIME_VALUE = re.compile(
    r"\b\d+:\d{2}(?:\.\d+)?\b|\b\d+(?:\.\d+)?\s?(?:secs?|seconds?|mins?|"
    r"minutes?|hrs?|hours?|s)\b",
    re.I,
)
NUMBER = re.compile(r"(?:\$|£|€)?\d[\d.,]*%?|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.I)
AUXILIARY = r"(?:did|do|does|were|was|are|is|have|has|had|will|would|could|can|should|must)"
COUNTED_UP_TO_VERB = re.compile(rf"\bhow many\s+((?:[\w’'-]+\s+){{1,6}}?){AUXILIARY}\b", re.I)
COUNTED_WORD = re.compile(r"\bhow many\s+([\w’'-]+)", re.I)
DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
    r"may|june|july|august|september|october|november|december|\d{4}|yesterday|today|last week|"
    r"next week)\b",
    re.I,
)

MONEY = re.compile(
    r"(?:\$|£|€|¥)\s?\d[\d.,]*(?:\s?(?:bn|m|k|billion|million|trillion)\b)?|\b\d[\d.,]*\s?"
    r"(?:bn|m|billion|million|trillion)?\s?(?:euros?|dollars?|pounds?|yen|yuan|roubles?|rupees?|"
    r"francs?|pence)\b",
    re.I,
)
MONEY_VERBS = (
    r"pay|paid|pays|cost|costs|spend|spent|earn|earns|earned|bid|charge|charged|fine|"
    r"fined|worth|raise|raised|invest|invested|claim|claiming|claimed|owe|owes|sell for|"
    r"sold for|buy for|bought for|lose|lost"
)

# A sum of money answers "what weekly wage" only when the sentence says it is one: an "£8m bid"
# for the player is not his wage. Kinds news words many ways (a fee, a price) are not listed.
MONEY_KINDS = (
    (
        frozenset({"wage", "wages", "salary", "salaries"}),
        re.compile(
            r"\b(?:wages?|salar(?:y|ies)|earn(?:s|ing|ings)?|a week|per week|weekly|a year|"
            r"per year|per annum|pay packet|contract)\b",
            re.I,
        ),
    ),
    (frozenset({"fine", "fines"}), re.compile(r"\b(?:fine|fines|fined|penalty)\b", re.I)),
    (
        frozenset({"damages", "compensation"}),
        re.compile(r"\b(?:damages|compensat\w*|awarded)\b", re.I),
    ),
)

FOCUS_PATTERNS = (
    ("duration", re.compile(r"\bhow long\b", re.I)),
    (
        "money",
        re.compile(
            rf"\bwhat (?:[\w-]+ )?(?:fee|fine|price|wage|salary|bid|cost|damages|"
            rf"bill|sum)\b|\bhow much\b.*\b(?:{MONEY_VERBS})\b",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|big|large|high|low|far|old)\b|\bwhat (?:percentage|"
            r"share|amount|number|proportion|price|level|rate|score|size|fee|"
            r"figure|total|sum|value)\b|"
            # "What was McIlroy's time", "what is the range of the missiles"
            r"\bwhat (?:is|was|are|were) (?:the )?(?:(?:[\w-]+ )?[\w-]+[’']s )?"
            r"(?:percentage|share|amount|number|proportion|level|rate|score|size|"
            r"figure|total|value|range|time|population|age|height|length|"
            r"distance)\b",
            re.I,
        ),
    ),
    ("date", re.compile(r"\bwhen\b|\bwhat (?:day|date|year|month|time)\b", re.I)),
    # "which town": a town or city, so "in Sweden" is not an answer.
    (
        "settlement",
        re.compile(r"\b(?:which|what) (?:\w+ )?(?:city|cities|towns?|villages?)\b", re.I),
    ),
    # "which French side", "which US company": one word may stand before the type noun.
    (
        "place",
        re.compile(
            r"\bwhere\b|\b(?:which|what) (?:\w+ )?(?:country|countries|city|"
            r"cities|place|region|state|territory|town|venue)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"\bwho\b|\bwhom\b|\bwhose\b|\b(?:which|what) (?:\w+ )?(?:envoy|"
            r"official|person|spokesman|spokeswoman|minister|leader|player|man|"
            r"woman)\b|\bname of\b",
            re.I,
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\b(?:which|what) (?:\w+ )?(?:company|companies|firm|group|"
            r"agency|body|organi[sz]ation|news agency|team|side|club|"
            r"intermediaries|party|bank|network)\b",
            re.I,
        ),
    ),
)


@dataclass
class Term:
    """A salient term and the spellings that count as finding it."""

    text: str
    variants: list[str] = field(default_factory=list)
    case_sensitive: bool = False


@dataclass
class Question:
    text: str
    salient: list[Term]
    content: list[str]
    focus: str | None
    unit: list[str] = field(default_factory=list)  # "how many net cafes" -> ["net", "cafes"]
    roles: list[list[str]] = field(default_factory=list)  # "who is the mayor of ..." -> [["mayor"]]
    context: list[str] = field(default_factory=list)  # a follow-up's words from earlier turns


def analyse(question: str) -> Question:
    """Split a question into what must be found in the evidence and what it asks for."""
    return Question(
        question,
        salient_terms(question),
        focus_free_content(question),
        question_focus(question),
        counted_unit(question),
        asked_roles(question),
    )


def asked_roles(question: str) -> list[list[str]]:
    """The roles a "who is the <role> of ..." question asks about, each with the words that
    name it in an answer."""
    if not WHO_IS.match(question):
        return []
    asked = content_words(question)
    roles = [ROLES[w] for w in dict.fromkeys(asked) if w in ROLES]
    # "vice president", "deputy mayor": the president or the mayor is someone else.
    return roles + [[w] for w in dict.fromkeys(asked) if w in RANK_MODIFIERS] if roles else []


def question_focus(question: str) -> str | None:
    """The kind of answer asked for, from the earliest focus phrase: "Which team did Boro beat
    ... when Morrison scored?" asks for a team, not a date."""
    found = [
        (match.start(), order, name)
        for order, (name, pattern) in enumerate(FOCUS_PATTERNS)
        if (match := pattern.search(question))
    ]
    return min(found)[2] if found else None


def counted_unit(question: str) -> list[str]:
    """What a "how many" question counts: the words up to its verb ("how many civil service
    jobs did ..." -> civil, service, jobs), or the first word when no auxiliary follows."""
    match = COUNTED_UP_TO_VERB.search(question) or COUNTED_WORD.search(question)
    if not match:
        return []
    return [w for w in content_words(match.group(1)) if not NUMBER.fullmatch(w)]


def focus_free_content(question: str) -> list[str]:
    """Content words minus the focus phrase ('how long', 'which company', 'what news agency'),
    which names the kind of answer and so is not expected in the evidence."""

    def drop_type_nouns(match: re.Match) -> str:
        first, second = match.group(2), match.group(3) or ""
        if second.lower() in TYPE_NOUNS:
            return match.group(1)
        if first.lower() in TYPE_NOUNS:
            return f"{match.group(1)} {second}"
        return match.group(0)

    stripped = re.sub(
        r"\bhow (?:long|many|much|big|large|high|far|old)\b", "", question, flags=re.I
    )
    stripped = re.sub(r"\b(which|what) (\w+)(?: (\w+))?", drop_type_nouns, stripped, flags=re.I)
    return list(dict.fromkeys(content_words(stripped)))


def salient_terms(question: str) -> list[Term]:
    """Names, places, numbers, acronyms and mixed-case product names in the question."""
    terms: list[Term] = []
    tokens = list(WORD.finditer(question))
    for position, match in enumerate(tokens):
        raw = re.sub(r"[’']s$", "", match.group(0))
        for part in re.split(r"-", raw) if "-" in raw else [raw]:
            term = _salient(part, position == 0 or _starts_sentence(question, match.start()))
            if term and all(t.text.lower() != term.text.lower() for t in terms):
                terms.append(term)
    # "the 800m" is found as "800m" or "800 metres", "104,000 jobs" as "104,000".
    for token, number in re.findall(r"((\d(?:[\d.,]*\d)?)[^\W\d_]*)", question):
        if all(t.text != token for t in terms):
            terms.append(Term(token, [number]))
    return terms


def _starts_sentence(text: str, index: int) -> bool:
    return bool(re.search(r"[.!?]\s*[\"“]?$", text[:index]))


def _salient(word: str, sentence_initial: bool) -> Term | None:
    lower = word.lower()
    if not word or lower in QUESTION_WORDS or word.isdigit():
        return None
    if lower in DEMONYMS:
        return Term(word, [lower, *DEMONYMS[lower]])
    if len(word) >= 2 and word.isupper():
        return Term(word, [word], case_sensitive=True)
    if re.search(r"[a-z][A-Z]", word):  # iPhone, eBay, McDonald
        return Term(word, [lower])
    if word[0].isupper() and not sentence_initial:
        return Term(word, [lower])
    return None
