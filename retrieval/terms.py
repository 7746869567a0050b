"""Words of a question: tokens, stopwords, and the light normalisation names and numbers need."""

import re

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could did didn't do does doesn't
    doing don't down during each few for from further had has hasn't have haven't having he
    he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
    i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she
    she'd she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves according
    say said says tell told did does many much kind sort whose article articles news story
    give given get got besides""".split()
)
WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)
POSSESSIVE = re.compile(r"[’']s$")


def words(text: str) -> list[str]:
    """Lower-cased word tokens with possessives removed ("Trump's" -> "trump")."""
    return [
        POSSESSIVE.sub("", w) if "'" in w or "’" in w else w
        for w in map(str.lower, WORD.findall(text))
    ]


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stopwords, no single characters."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]
