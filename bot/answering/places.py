"""Which names are countries, nations, states or continents rather than towns: "which city"
is not answered by "in Sweden" or "in Alaska". ISO 3166 (pycountry) gives the countries, US
states and UK nations; news spells some of them its own way."""

from __future__ import annotations

import re
from functools import cache

NEWS_SPELLINGS = frozenset(
    """russia britain uk us usa america vietnam syria iran laos bolivia venezuela tanzania
    moldova holland burma europe asia africa antarctica oceania scandinavia caribbean""".split()
) | {
    "great britain",
    "north america",
    "south america",
    "latin america",
    "middle east",
    "czech republic",
    "ivory coast",
    "south korea",
    "north korea",
}

# Also cities, which a "which city" question may well be asking for.
CITIES_TOO = frozenset(
    """singapore monaco luxembourg kuwait djibouti panama guatemala gibraltar andorra""".split()
) | {"new york", "washington", "hong kong", "macao", "vatican city", "san marino"}


@cache
def regions() -> frozenset[str]:
    """Lower-case names of every country, US state, UK nation and continent that is not also
    a city."""
    import pycountry

    names = set(NEWS_SPELLINGS)
    for country in pycountry.countries:
        names.update(getattr(country, field, "") for field in ("name", "common_name"))
    for code, kinds in (("US", {"State"}), ("GB", {"Country", "Province"})):
        names.update(
            re.sub(r"\s*\[.*\]", "", division.name)  # "Wales [Cymru GB-CYM]"
            for division in pycountry.subdivisions.get(country_code=code)
            if division.type in kinds
        )
    return frozenset(name.lower() for name in names if name) - CITIES_TOO


def is_region(name: str) -> bool:
    return re.sub(r"^the\s+", "", name.lower()) in regions()
