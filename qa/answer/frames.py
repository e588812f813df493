"""Question frames: what kind of answer a question wants, and the noun it is an instance of.

``frame("Which lawyer represents them?") -> Frame(PERSON, "lawyer", "lawyer")``: the first
question word and the noun phrase after it give the answer's kind (a number, a date, a
person, a place, a named thing, a reason, or other) and its head noun; a few shapes are
flagged for the selector ("Who is <name>?" wants a description, "What happened after ..."
the next event, "What kind of ..." the noun with what qualifies it). A query without a
question word ("Olympics 2004 host city") names what it wants last.

Left out: parsing (the frame is read from word lists, not a parse tree), questions that ask
two things (``compound`` splits them first), and what the answer must be near in the
evidence (``candidates``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from qa.text import AUXILIARIES, NUMBER_WORDS, ROLE_NOUNS, WH_WORDS, normalize, words


class Kind(StrEnum):
    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"
    NAME = "name"  # a named thing: "Which human rights group ...?", "the name of the judge"
    REASON = "reason"
    OTHER = "other"


# The kinds answered by a typed span of the evidence (``candidates.typed_candidates``).
TYPED = frozenset({Kind.NUMBER, Kind.DATE, Kind.PERSON, Kind.PLACE, Kind.NAME})


@dataclass(frozen=True)
class Frame:
    """What a question asks for.

    ``kind`` is the answer type; ``head`` is the noun the answer is an instance of, when the
    question names one ("verdict" in "What verdict did the court reach?", "judge" in "What is
    the name of the judge?"); ``role`` is a person noun a PERSON answer must stand beside in
    the evidence ("lawyer" in "Which lawyer represents them?").
    """

    kind: Kind
    head: str = ""
    role: str = ""
    describe: bool = False  # "Who is Tony Radakin?": a description of a named person
    sequel: bool = False  # "What happened to them after they refused?": the next event
    sort: bool = False  # "What kind of claim ...?": the head noun with what qualifies it


_PREP = frozenset("of in on at from for to with by about into over after before near than "
                  "that who which whom whose".split())
_VERBS = frozenset("said say says told tell gave give made make makes happened happen stand "
                   "mean means doing took take takes taken "
                   "represents represent".split())
_NUMBER_HEADS = frozenset("number numbers estimate estimates percentage share proportion "
                          "amount total toll count age".split())
_DATE_HEADS = frozenset("year years date dates day days month months time period".split())
_PLACE_HEADS = frozenset("city cities town towns country countries place places region "
                         "village capital peninsula location area suburb venue".split())
_PERSON_HEADS = ROLE_NOUNS | frozenset("person people man woman individual figure".split())
_NAME_HEADS = frozenset("name names group organisation organization court unit division "
                        "newspaper publication outlet agency law company party".split())
_TYPE_HEADS = _NUMBER_HEADS | _DATE_HEADS | _PLACE_HEADS | _PERSON_HEADS | _NAME_HEADS
_RANKING = frozenset("highest lowest largest smallest total exact latest first last "
                     "maximum minimum upper lower".split())
_REASON = re.compile(r"\bwhy\b|\bfor what reasons?\b|\bwhat (was|were|is|are) the reasons?\b|"
                     r"\bhow come\b|\bon what grounds\b|\bwhat (made|pushed|led|caused|drove)\b")
_SEQUEL = re.compile(r"\bwhat (happened|became of)\b.*\b(after|once|following|when|since)\b")
_WH = re.compile(rf"\b({'|'.join(WH_WORDS)})\b")
_CAPITALIZED_WORD = re.compile(r"\b[A-Z][\w’'\-]*")


def frame(question: str) -> Frame:
    """``frame("What verdict did the court reach?") -> Frame(OTHER, head="verdict")``;
    ``frame("Which lawyer represents them?") -> Frame(PERSON, "lawyer", "lawyer")``.

    Only the first interrogative counts, so the relative "who" in "How did Putin honour the
    members who were wounded?" does not make it a question about a person.
    """
    q = normalize(question)
    if _REASON.search(q):
        return Frame(Kind.REASON)
    if _SEQUEL.search(q):
        return Frame(Kind.OTHER, sequel=True)
    m = _WH.search(q)
    if m is None:
        named = re.search(r"\bname (?:the |of the |of )?(\w+)", q)
        if named:
            return Frame(Kind.NAME, named.group(1))
        return _keywords(words(q))
    wh = m.group(1)
    rest = words(q[m.end():])
    if wh == "when":
        return Frame(Kind.DATE)
    if wh == "where":
        return Frame(Kind.PLACE)
    if wh == "how":
        nxt = rest[0] if rest else ""
        if nxt in ("many", "much", "old", "long", "far", "big", "large", "deep", "high",
                   "tall", "wide", "heavy", "fast"):
            if nxt not in ("many", "much"):
                return Frame(Kind.NUMBER, nxt)  # "old", "long": the unit matters
            phrase = _noun_phrase(rest[1:])
            return Frame(Kind.NUMBER, phrase[-1] if phrase else "")
        return Frame(Kind.OTHER)
    if wh in ("who", "whom"):
        if rest[:1] and rest[0] in AUXILIARIES and _only_names(question, rest[1:]):
            return Frame(Kind.OTHER, describe=True)  # "Who is Tony Radakin?"
        role = next((w for w in rest if w in ROLE_NOUNS), "")
        return Frame(Kind.PERSON, role, role)
    if wh == "whose":
        return Frame(Kind.OTHER)
    # what / which: the noun phrase right after it, or after "is the" when there is none.
    phrase = _noun_phrase(rest)
    direct = bool(phrase)  # "What verdict ...", not "What is the ..."
    if not phrase and rest[:1] and rest[0] in AUXILIARIES:
        phrase = _noun_phrase(rest[1:])
    typed = [w for w in phrase if w in _TYPE_HEADS]
    caps = _capitalized(question)
    plain = [w for w in phrase if w not in caps and not w.endswith(("ly", "ing"))]
    head = typed[-1] if typed else phrase[-1] if phrase and direct else \
        plain[-1] if plain else ""
    if head in ("name", "names"):
        after = q[m.end():].split(" of ", 1)
        target = _noun_phrase(words(after[1])) if len(after) > 1 else []
        inner = next((w for w in target if w in _TYPE_HEADS),
                     next((w for w in target if w not in NUMBER_WORDS and not w.isdigit()), ""))
        return Frame(Kind.NAME, inner, inner if inner in ROLE_NOUNS else "")
    if head in _NUMBER_HEADS or (head == "figure" and _RANKING & set(phrase)):
        return Frame(Kind.NUMBER, head)
    if head in _DATE_HEADS:
        return Frame(Kind.DATE, head)
    if head in _PLACE_HEADS:
        return Frame(Kind.PLACE, head)
    if head in _PERSON_HEADS:
        return Frame(Kind.PERSON, head, head if head in ROLE_NOUNS else "")
    if head in _NAME_HEADS:
        return Frame(Kind.NAME, head)
    sort = bool(re.match(r"(kind|type|sort) of\b", " ".join(rest)))
    return Frame(Kind.OTHER, head, sort=sort and bool(head))


def _keywords(tokens: list[str]) -> Frame:
    """A query without a question word names what it wants last, as a search does:
    ``["super", "bowl", "2021", "location"] -> Frame(PLACE, "location")``;
    ``["olympics", "2004", "host", "city"] -> Frame(PLACE, "city")``."""
    if not tokens or tokens[0] in AUXILIARIES:
        return Frame(Kind.OTHER)  # "Is it true that ...?", "Did they ...?"
    head = tokens[-1]
    for heads, kind in ((_NUMBER_HEADS, Kind.NUMBER), (_DATE_HEADS, Kind.DATE),
                        (_PLACE_HEADS, Kind.PLACE), (_PERSON_HEADS, Kind.PERSON)):
        if head in heads:
            return Frame(kind, head, head if head in ROLE_NOUNS else "")
    return Frame(Kind.OTHER, head if head in _NAME_HEADS else "")


def _noun_phrase(tokens: list[str]) -> list[str]:
    """Words up to the first auxiliary, preposition or verb, at most four; "kind of" skipped:
    ``["kind", "of", "legal", "claim", "did"] -> ["legal", "claim"]``."""
    while len(tokens) >= 2 and tokens[0] in ("kind", "type", "sort") and tokens[1] == "of":
        tokens = tokens[2:]
    out: list[str] = []
    for w in tokens[:4]:
        if w in AUXILIARIES or w in _PREP or w in _VERBS or w in ("or", "and") or \
                (w in ("the", "a", "an") or w.endswith("ed")) and out:
            break
        if w not in ("the", "a", "an"):
            out.append(w)
    return out


def _only_names(question: str, rest: list[str]) -> bool:
    """Are the words after "Who is" all capitalized in the question (a bare name)?"""
    caps = _capitalized(question)
    content = [w for w in rest if w not in ("the", "a", "an")]
    return bool(content) and all(w in caps for w in content)


def _capitalized(question: str) -> set[str]:
    """``"Who is Tony Radakin?" -> {"who", "tony", "radakin"}``."""
    return {normalize(w) for w in _CAPITALIZED_WORD.findall(question)}
