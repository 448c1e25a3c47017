"""The words patients use, mapped to the words clinic articles use.

Patients write "boob job", "safe?", "laid up", "legal in oz"; articles say
"breast augmentation", "side effects", "downtime", "TGA regulations". The
mapping lives in `lay_terms.txt` (one "lay, lay => article words" a line), kept
generic to cosmetic and plastic surgery so the content team can extend it.

`CHATTER` lists the conversational words of a question that name no topic
("sorry", "worried", "booked", "thing"), so that what is left of a question is
what it is actually about.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

LEXICON = Path(__file__).with_name("lay_terms.txt")

CHATTER = frozenset(
    """
    hi hello hey thanks thank cheers please sorry dumb silly stupid question questions wondering
    wonder know knew tell explain thing things stuff kind sort type lot lots bit little really
    actually actual exactly just quite very much many any anything something someone anyone
    everyone everything get gets got getting give gives go goes going gone come comes make makes
    made need needs want wants like would could should might may must shall will can cant dont
    doesnt didnt isnt arent wont ive im id youre theyre whats hows wheres whos ok okay yeah yes
    lol pls plz ur u r also still even ever more most less better best good bad new old way ways
    work works worked people person someone friend friends sister brother mum mom mother dad
    wife husband partner hubby daughter son family day days week weeks month months year years
    time times today tonight tomorrow yesterday next last ago soon later say says said mean
    means meant help helps keep keeps whole always never often sometimes usually normal normally
    seen see saw look looks looking notice noticed feel feels felt think thought heard read
    worried worry nervous scared anxious afraid paranoid confused unsure keen excited booked
    booking book planning plan considering thinking consider hoping hope went did done doing
    apart besides other others else specifically supposedly basically generally true real
    down up off out over around back behind close total whats thats theres heaps reckon
    info information tho though too instead wat pass stop myself yourself while use used using
    able possible available certain sure without within during since until one two first
    """.split()
)


@cache
def lexicon() -> tuple[tuple[str, str], ...]:
    """(lay phrase, article words) pairs, longest phrase first."""
    pairs: list[tuple[str, str]] = []
    for line in LEXICON.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=>" not in line:
            continue
        lay, article = line.split("=>", 1)
        pairs.extend((p.strip().lower(), article.strip()) for p in lay.split(",") if p.strip())
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def _plain(text: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "").replace("'", ""))
    return f" {text.strip()} "


def lay_matches(query: str) -> list[tuple[str, str]]:
    """The lay phrases found in `query`, with the article words each stands for."""
    text = _plain(query)
    return [(lay, article) for lay, article in lexicon() if f" {lay} " in text]


def expand(query: str) -> str:
    """`query` followed by the article words of the lay phrases it contains."""
    extra = [article for _, article in lay_matches(query)]
    return f"{query} {' '.join(extra)}" if extra else query
