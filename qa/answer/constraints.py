"""What a question pins down, and whether a passage meets it.

A question often carries constraints besides its topic: a year ("Wimbledon in 2019"), a
number that names an edition or a model ("season 3", "Pixel 6", "the 92nd Academy Awards"),
or a name. A passage about the same topic in another year is the most tempting wrong
evidence there is: news corpora hold one for every edition. ``unmet(question, text)`` lists
the constraints a passage does not meet; the assistant reads only passages that meet every
year and number of the question, and says so when none does.

``constraints("Who won Wimbledon in 2019?")`` -> ``[Constraint("year", "2019")]``.
``perturb(question, rng)`` changes one constraint so that the evidence no longer answers
(2019 -> 2017, "third" -> "fifth"): the reader is fitted on such questions as "no answer
here" (``scripts/fit_reader.py``).

Left out: names (a name in a question is met by a short form, a pronoun or a paraphrase in
the passage; the reader's no-answer judgement covers them), units ("per month", "in total")
and relative dates. The words here are general English: number words and ordinals.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from qa.text import NUMBER_WORDS, ORDINALS, normalize
from qa.types import Passage

_YEAR = re.compile(r"(?<![\d,.$])(1[5-9]\d\d|20\d\d)(?:s)?(?![\d,])")
_NUMBERED = re.compile(
    r"(?<![\d,.$])(\d{1,3})(st|nd|rd|th)?(?![\d,.%]|\s*(?:%|percent|per\s?cent))")


@dataclass(frozen=True)
class Constraint:
    """``kind``: "year" or "number"; ``value``: the canonical digits ("2019", "92")."""

    kind: str
    value: str


def constraints(question: str) -> list[Constraint]:
    """The years and small numbers a question names, each once, in order:
    ``"Season 3 of The Crown in 2019"`` -> ``[number 3, year 2019]``."""
    q = normalize(question)
    found = list(_YEAR.finditer(q))
    out = [Constraint("year", m.group(1)) for m in found]
    years = {(m.start(), m.end()) for m in found}
    for m in _NUMBERED.finditer(q):
        if any(a <= m.start() < b for a, b in years):
            continue
        out.append(Constraint("number", str(int(m.group(1)))))
    for w in re.findall(r"[a-z]+", q):
        if w in ORDINALS[1:]:  # "first" is too often "earliest" to hold a passage to
            out.append(Constraint("number", str(ORDINALS.index(w) + 1)))
    seen: set[Constraint] = set()
    return [c for c in out if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]


def _values(text: str) -> set[str]:
    """Every number a text states, as digits: "92nd", "ninety", "third" -> "92", "90", "3"."""
    t = normalize(text)
    found = {str(int(n)) if n.isdigit() and len(n) < 5 else n
             for n in re.findall(r"\d+", t.replace(",", ""))}
    for w in re.findall(r"[a-z]+", t):
        if w in NUMBER_WORDS:
            found.add(str(NUMBER_WORDS[w]))
        elif w in ORDINALS:
            found.add(str(ORDINALS.index(w) + 1))
    return found


def unmet(question: str | list[Constraint], text: str) -> list[Constraint]:
    """The question's constraints (or those given) that ``text`` does not state:
    ``unmet("Who won in 2019?", "Jul 2018 ... Kerber won")`` -> ``[year 2019]``."""
    wanted = constraints(question) if isinstance(question, str) else question
    if not wanted:
        return []
    have = _values(text)
    return [c for c in wanted if c.value not in have]


def other_year(wanted: list[Constraint], text: str) -> bool:
    """Does ``text`` state a year, and none the question asks for? A passage may meet "in
    2020" by its dateline while the sentence that answers tells of another edition:
    ``other_year([year 2020], "Hinako Shibuno won the 2019 Women's British Open")`` -> True;
    a sentence that states no year is not held to it."""
    years = {c.value for c in wanted if c.kind == "year"}
    if not years:
        return False
    stated = {m.group(1) for m in _YEAR.finditer(normalize(text))}
    return bool(stated) and not stated & years


def perturb(question: str, rng: random.Random) -> str | None:
    """The question with one year or number changed, or None when it names neither:
    ``perturb("Who won in 2019?", rng)`` -> ``"Who won in 2016?"`` (the shift is random)."""
    spots = [(m.start(1), m.end(1), "year") for m in _YEAR.finditer(question)]
    taken = {a for a, _, _ in spots}
    spots += [(m.start(1), m.end(1), "number") for m in _NUMBERED.finditer(question)
              if not any(a <= m.start() < a + 4 for a in taken)]
    words = [(m.start(), m.end(), "ordinal") for m in re.finditer(r"[A-Za-z]+", question)
             if m.group().lower() in ORDINALS]
    spots += words
    if not spots:
        return None
    a, b, kind = rng.choice(spots)
    old = question[a:b]
    if kind == "ordinal":
        i = ORDINALS.index(old.lower())
        new = rng.choice([o for o in ORDINALS[:8] if o != ORDINALS[i]])
        new = new.capitalize() if old[0].isupper() else new
    else:
        value = int(old)
        decade = kind == "year" and question[b:b + 1] == "s"  # "the 1960s" -> "the 1980s"
        shift = rng.choice([-3, -2, -1, 1, 2, 3]) * (10 if decade else 1) if kind == "year" \
            else rng.choice([1, 2, 3])
        new = str(value + shift)
        if question[b:b + 2].lower() in ("st", "nd", "rd", "th"):  # "92nd" -> "94th"
            new += _suffix(value + shift)
            b += 2
    return question[:a] + new + question[b:]


def _suffix(n: int) -> str:
    """``_suffix(92) -> "nd"``, ``_suffix(13) -> "th"``."""
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def meeting_constraints(question: str, passages: list[Passage]
                        ) -> tuple[list[Passage], list[Constraint]]:
    """The passages that state every year and number the question names, and, when none
    does, all of them with the constraints the best one leaves unmet (an abstention)."""
    wanted = constraints(question)
    if not passages or not wanted:
        return passages, []
    misses = [unmet(wanted, f"{p.title}\n{p.text}") for p in passages]
    kept = [p for p, missed in zip(passages, misses, strict=True) if not missed]
    return (kept, []) if kept else (passages, misses[0])
