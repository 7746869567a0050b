"""What kind of answer a question asks for, as one table read in one place (`answer_type`).

A key is a wh-phrase ("who", "how many") or the lemma of the head noun of a "which"/"what"
question ("which *company*", "what *price*"). Its value names the question class, which the
ranker learns label preferences for, and the entity labels of `en_core_web_sm` that can answer
it. A head noun the table lacks ("which *guitarist*") gets the class `which-other`, answered by
any name or number; the ranker learns which labels such questions want, and rewards a span
standing next to the head noun in the sentence ("Brian Welch, the guitarist"). With no head
noun, the verb is looked up ("what did it *cost*").
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON = ("PERSON",)
ORGANISATION = ("ORG",)
PLACE = ("GPE", "LOC", "FAC")
TIME = ("DATE", "TIME")
MONEY = ("MONEY",)
NUMBER = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
PERCENT = ("PERCENT",)
WORK = ("WORK_OF_ART", "ORG", "PRODUCT", "EVENT")
NAME = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT")
PHRASE = ()  # answered by a sentence, not by a span of one label
PHRASE_LABEL = "PHRASE"  # a noun chunk, which may answer a phrase question or an unknown head
AMOUNTS = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME", "ORDINAL")

ANSWER_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "who": ("person", ("PERSON", "ORG", "NORP")),
    "whom": ("person", ("PERSON", "ORG")),
    "whose": ("person", ("PERSON", "ORG")),
    "where": ("place", (*PLACE, "ORG")),
    "when": ("time", (*TIME, "EVENT")),
    "why": ("phrase", PHRASE),
    "how": ("phrase", PHRASE),
    "how many": ("number", ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")),
    "how much": ("amount", ("MONEY", "QUANTITY", "PERCENT", "CARDINAL")),
    "how long": ("duration", ("DATE", "TIME", "QUANTITY")),
    "how old": ("age", ("DATE", "CARDINAL")),
    "how far": ("number", ("QUANTITY", "CARDINAL")),
    "how big": ("number", NUMBER),
    "how large": ("number", NUMBER),
    "how high": ("number", NUMBER),
    "how fast": ("number", ("QUANTITY", "CARDINAL")),
    # head nouns
    **{noun: ("person", PERSON) for noun in ("person", "people", "man", "woman", "individual")},
    **{
        noun: ("organisation", ORGANISATION)
        for noun in (
            "company",
            "firm",
            "organisation",
            "organization",
            "group",
            "agency",
            "body",
            "team",
            "club",
            "side",
            "band",
            "party",
            "bank",
            "network",
            "business",
            "maker",
            "broadcaster",
            "retailer",
            "carrier",
            "airline",
            "manufacturer",
            "supplier",
            "operator",
            "institution",
        )
    },
    **{
        noun: ("place", PLACE)
        for noun in (
            "country",
            "nation",
            "city",
            "town",
            "village",
            "place",
            "area",
            "region",
            "state",
            "venue",
            "capital",
            "location",
            "county",
            "island",
            "stadium",
            "ground",
        )
    },
    **{
        noun: ("time", TIME)
        for noun in ("year", "month", "day", "date", "time", "decade", "week", "season", "period")
    },
    **{
        noun: ("money", MONEY)
        for noun in (
            "price",
            "cost",
            "fee",
            "fine",
            "wage",
            "salary",
            "sum",
            "bid",
            "bill",
            "budget",
            "profit",
            "revenue",
            "loss",
            "deal",
            "investment",
        )
    },
    **{noun: ("percent", PERCENT) for noun in ("percentage", "proportion", "share", "rate")},
    **{
        noun: ("number", NUMBER)
        for noun in (
            "number",
            "amount",
            "total",
            "figure",
            "level",
            "score",
            "size",
            "age",
            "distance",
            "length",
            "height",
            "population",
            "range",
        )
    },
    **{
        noun: ("work", WORK)
        for noun in (
            "newspaper",
            "magazine",
            "paper",
            "film",
            "movie",
            "song",
            "album",
            "book",
            "show",
            "programme",
            "program",
            "game",
            "title",
            "event",
            "award",
            "prize",
            "product",
        )
    },
}
OTHER_NAME = ("which-other", NAME)
OTHER_PHRASE = ("what-other", PHRASE)
CLASSES = tuple(sorted({c for c, _ in ANSWER_TYPES.values()} | {OTHER_NAME[0], OTHER_PHRASE[0]}))
LABELS = (
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
)


@dataclass(frozen=True)
class AnswerType:
    """The class of a question, the labels that answer it, and the head noun it names."""

    name: str
    labels: tuple[str, ...]
    head: str | None = None

    @property
    def wants_span(self) -> bool:
        return bool(self.labels)

    @property
    def showable(self) -> frozenset[str]:
        """The labels a short answer may carry: those of the same family as `labels` (names, or
        numbers and dates), since the recogniser confuses labels within a family ("Auxerre" as a
        person); the span model's weight for each label of each class ranks them. A head noun
        the table lacks may want either family or a noun chunk ("which seed": "seventh seed"),
        and so may a "what" question without one ("What is the service called?": "Froogle";
        out of fold, short answers +12 and +28 of 1,534 over tree seeds 0 and 1, the questions
        answered right 0 and -1, docs/evaluation-log.md); "why" and "how" want a noun chunk
        ("why": "flu")."""
        if self.name in (OTHER_NAME[0], OTHER_PHRASE[0]):
            return frozenset((*NAME, *AMOUNTS, PHRASE_LABEL))
        if not self.labels:
            return frozenset((PHRASE_LABEL,))
        families = [family for family in (NAME, AMOUNTS) if set(self.labels) & set(family)]
        return frozenset(label for family in families for label in family)


def answer_type(wh_phrase: str | None, head: str | None) -> AnswerType:
    """Look the wh-phrase up first ("how many *people*" counts people), then the head noun
    ("which *company*")."""
    if wh_phrase in ANSWER_TYPES:
        name, labels = ANSWER_TYPES[wh_phrase]
        return AnswerType(name, labels, head)
    if head and head in ANSWER_TYPES:
        name, labels = ANSWER_TYPES[head]
        return AnswerType(name, labels, head)
    if head:  # "which guitarist", "what newspaper"
        return AnswerType(*OTHER_NAME, head)
    return AnswerType(*OTHER_PHRASE, head)
