"""Typed candidates: the spans of an evidence sentence that could answer a framed question.

For a question wanting a number, a date, a person, a place or a named thing, the spans of
that type in a sentence ("12", "24 February", "Mikhail Benyash", "Krasnodar", "Agora"),
minus what the question already says, each scored by its cues (a place after "in", a
person who speaks, a name standing by the role or noun asked about, the unit "How old"
wants) and by how near it stands to the question's own words. ``ranked_candidates`` orders
the candidates of scored sentences, with a bonus for the extreme a question asks for.
Left out: named-entity models; the typing is patterns and the corpus's person names
(``names.people``), and a place is any capitalized name that is not a person's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.frames import TYPED, Frame, Kind
from qa.answer.names import AFTER_NAME, is_person, proper_spans
from qa.answer.values import SCALES, SPAN_HEDGES
from qa.text import (
    AUTHORITIES,
    COMPOUND,
    MONTHS,
    NUMBER_WORDS,
    ORG_WORDS,
    SPEECH,
    STOPWORDS,
    normalize,
    stem,
    words,
)
from qa.types import Sentence


@dataclass(frozen=True)
class Candidate:
    """A typed answer span inside an evidence sentence (offsets absolute in the source)."""

    text: str
    kind: Kind
    sentence: Sentence
    start: int
    end: int
    score: float


_NUM = (r"(?:\d[\d,]*(?:\.\d+)?|(?:a |one |two |three |several |few )?(?:"
        + COMPOUND.pattern.replace("(", "(?:").replace("(?:?:", "(?:") + "|"
        + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"))")
_SCALE = rf"(?:\s+(?:{'|'.join(SCALES)}))?(?:\s*%|\s+per\s?cent\b)?"
NUMBER_SPAN = re.compile(
    rf"(?:\b(?:{'|'.join(SPAN_HEDGES)})\s+)?"
    rf"(?:[$€£]\s?|\b){_NUM}{_SCALE}(?:\s+(?:out of|of)\s+(?:the\s+)?{_NUM})?"
    rf"(?:\b|(?<=%))",
    re.IGNORECASE,
)
# "January", "Jan", "Jan." and "Sept": news snippets and datelines abbreviate.
_MONTH = "|".join(sorted({m.capitalize() for m in MONTHS}
                         | {m[:3].capitalize() + r"\.?" for m in MONTHS if m != "may"}
                         | {r"Sept\.?"}, key=len, reverse=True))
_DATE_SPAN = re.compile(
    rf"\b(?:(?:{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?"
    rf"\s+(?:{_MONTH})(?:\s+\d{{4}})?|(?:{_MONTH})\s+\d{{4}}|(?:in\s+)?(?:1\d|20)\d\d(?:s\b)?|"
    rf"\d{{1,2}}(?:st|nd|rd|th)\s+century)\b"
)
_PLACE_CUE = re.compile(
    r"(?:\b(?:in|from|to|near|at|into|toward|towards|city of|town of|town called|capital,?|"
    r"suburb known as|region of)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
# What follows a person's name: "Benyash said", "Chikov (of Agora) wrote", "Putin himself".
_PERSON_AFTER = re.compile(rf"{AFTER_NAME}(?:{'|'.join(SPEECH)}|recently|reportedly)\b",
                           re.IGNORECASE)


def typed_candidates(sent: Sentence, fr: Frame, question: str,
                     persons: frozenset[str] = frozenset()) -> list[Candidate]:
    """Spans of ``sent`` that could answer a question framed ``fr``, minus what it says.

    For "How many guardsmen is Benyash defending?" and "Benyash will defend 12 members ..."
    this gives ``[Candidate("12", ...)]``. ``persons`` are the names the corpus uses for
    people (``names.person_names``); a PERSON answer must be one of them or, for "to whom", a role.
    """
    kind = fr.kind
    if kind not in TYPED:
        return []
    text = sent.text
    q_words = set(words(question))
    q_stems = {stem(w) for w in q_words}
    out: list[Candidate] = []

    def add(m_start: int, m_end: int, score: float) -> None:
        span = re.sub(r"^in\s+", "", text[m_start:m_end].strip(" ,.;:“”\"'’"))
        span = re.sub(r"[’']s$", "", span)
        if not span:
            return
        s_words = words(span)
        if s_words and all(w in q_words or stem(w) in q_stems for w in s_words):
            return  # the question already names it
        offset = text.find(span, m_start)
        # Nearness to the question's own words in this sentence makes a span likelier.
        near = _nearness(text, m_start, q_stems)
        out.append(Candidate(span, kind, sent, sent.start + offset,
                             sent.start + offset + len(span), score + near))

    if kind is Kind.NUMBER:
        unit = _UNITS.get(fr.head)
        for m in NUMBER_SPAN.finditer(text):
            value = m.group()
            if unit and not unit.match(text[m.end():]):
                continue  # "How old is he?" wants "54 years old", not any number
            if not unit and fr.head not in _TIME_HEADS and _TIME_UNIT.match(text[m.end():]):
                continue  # "How many members died?" is not answered "29 years"
            if _DAY_OF.search(text[:m.start()]) or _OF_MONTH.match(text[m.end():]):
                continue  # "March 18", "24 February": a day of the month is not a count
            if re.fullmatch(r"(?:in\s+)?(1[5-9]|20)\d\d", value.strip()):
                continue  # a year is not a count
            if re.fullmatch(r"(?i)(a|one)", value.strip()):
                continue
            add(m.start(), m.end(), 0.1 + _near_word(text, m.start(), m.end(), fr.head))
    elif kind is Kind.DATE:
        wants_day = fr.head in ("date", "day", "dates", "days")
        wants_year = fr.head in ("year", "years")
        for m in _DATE_SPAN.finditer(text):
            if not gives_year(fr, m.group()):
                continue  # "In what year ...?" is not answered "12 April"
            has_month = bool(re.search(r"[A-Za-z]{3}", m.group().replace("in ", "")))
            bonus = 0.1 if (wants_day and has_month) or (wants_year and not has_month) else 0.0
            add(m.start(), m.end(), 0.1 + (0.05 if has_month else 0.0) + bonus)
    else:
        relational = bool(fr.head) and f" {fr.head} of " in f" {normalize(question)} "
        weak: list[tuple[int, int]] = []
        spans = proper_spans(text, keep_openers=False)
        if kind is Kind.PERSON:  # "Voss, the town's mayor, said": a known person opening it
            spans = sorted({*spans, *((a, b) for a, b in proper_spans(text)
                                      if is_person(text[a:b], persons))})
        for start, end in spans:
            span = text[start:end]
            lower = normalize(span)
            before, after = text[:start], text[end:]
            person = is_person(span, persons)
            orgish = any(w in ORG_WORDS for w in words(span))
            if kind is Kind.PLACE:
                if person or relational and not _near_word(text, start, end, fr.head, 3):
                    continue  # "the capital of Crimea" is a name standing by "capital"
                cue = _PLACE_CUE.search(before)
                score = (0.2 if cue else 0.0) - (0.15 if orgish else 0.0)
                score -= 0.1 if _PERSON_AFTER.search(after) else 0.0
                rel = re.search(r"\b(outside(?: of)?|near|north of|south of|east of|west of)\s+"
                                r"(?:the\s+)?$", before, re.IGNORECASE)
                if rel:  # "outside of Russia" is the answer, not "Russia"
                    start = rel.start()
                add(start, end, score)
            elif kind is Kind.PERSON:
                if not person:
                    if not (fr.role or orgish or _PLACE_CUE.search(before)) and len(span) > 2:
                        weak.append((start, end))  # "Coldplay", "ESPN Deportes": a who
                    continue
                if fr.role and not _near_word(text, start, end, fr.role, window=6):
                    continue  # "Who is the judge?" wants a name standing by "judge"
                add(start, end, 0.15 + (0.05 if len(span.split()) >= 2 else 0.0))
            else:  # NAME: a named thing standing by the noun the question asks about
                if fr.head and not _near_word(text, start, end, fr.head, window=3):
                    continue
                if person != bool(fr.role):
                    continue  # a judge's name is a person's; a law's or a group's is not
                if lower in STOPWORDS:
                    continue
                add(start, end, 0.1)
        if kind is Kind.PERSON and not out and not fr.role:
            # No known person: a name the corpus has not seen speak, then "the president".
            for start, end in weak:
                add(start, end, -0.05)
            for m in _ROLE_PHRASE.finditer(text):  # "To whom ...?" -> "the Russian president"
                add(m.start(), m.end(), 0.0)
    return out


_UNITS = {
    "old": re.compile(r"[\s-]*(?:years?|months?)[\s-]*old\b", re.IGNORECASE),
    "long": re.compile(r"[\s-]*(?:years?|months?|weeks?|days?|hours?|minutes?|decades?)\b",
                       re.IGNORECASE),
}
_DAY_OF = re.compile(rf"\b(?:{_MONTH})\s*$")
_OF_MONTH = re.compile(rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b")
_TIME_UNIT = re.compile(r"[\s-]+(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|"
                        r"centuries|century)\b", re.IGNORECASE)
_TIME_HEADS = frozenset("year years month months week weeks day days hour hours minute "
                        "minutes decade decades century centuries time period".split())
_ROLE_PHRASE = re.compile(rf"\bthe\s+(?:[A-Z][a-z]+\s+)?(?:{'|'.join(AUTHORITIES)})\b")


def gives_year(fr: Frame, span: str) -> bool:
    """Does ``span`` hold a year where the question asks for one ("In what year ...?":
    not "12 April"); any span does for another question."""
    return fr.head not in ("year", "years") or bool(re.search(r"\d{4}", span))


def ranked_candidates(question: str, scored: list[tuple[Sentence, list[Candidate]]]
                      ) -> list[Candidate]:
    """The typed candidates of scored sentences, best first: each one's own score plus its
    sentence's, plus a bonus for the extreme a question asks for ("the highest")."""
    return sorted(
        (Candidate(c.text, c.kind, sent, c.start, c.end, c.score + sent.score + extreme)
         for sent, cands in scored
         for c, extreme in zip(cands, _extremes(cands, question), strict=True)),
        key=lambda c: -c.score,
    )


def _extremes(cands: list[Candidate], question: str) -> list[float]:
    """0.1 for the smallest number among a sentence's candidates when the question asks for the
    lowest, for the largest when it asks for the highest; else 0."""
    q = normalize(question)
    low = re.search(r"\b(lowest|smallest|least|fewest|minimum|low)\b", q)
    high = re.search(r"\b(highest|largest|most|greatest|maximum|upper|high)\b", q)
    values = [_value(c.text) for c in cands]
    if not cands or not (low or high) or None in values:
        return [0.0] * len(cands)
    target = min(values) if low else max(values)  # type: ignore[type-var]
    return [0.1 if v == target else 0.0 for v in values]


def _value(span: str) -> float | None:
    found = re.findall(r"\d[\d,]*(?:\.\d+)?", span)
    if found:
        return float(found[-1].replace(",", ""))
    ws = [NUMBER_WORDS[w] for w in words(span) if w in NUMBER_WORDS]
    return float(ws[-1]) if ws else None


def _near_word(text: str, start: int, end: int, word: str, window: int = 4) -> float:
    """0.1 when ``word`` (by stem) is within ``window`` words of ``text[start:end]``, else 0."""
    if not word:
        return 0.0
    target = stem(word)
    left = [stem(w) for w in words(text[:start])][-window:]
    right = [stem(w) for w in words(text[end:])][:window]
    return 0.1 if target in left or target in right else 0.0


def _nearness(text: str, pos: int, q_stems: set[str]) -> float:
    """Up to 0.1 for a span whose nearest question word is close by (in words)."""
    tokens = [(m.start(), stem(w.lower())) for m in re.finditer(r"\w+", text)
              for w in [m.group()]]
    here = sum(1 for start, _ in tokens if start < pos)
    dists = [abs(i - here) for i, (_, t) in enumerate(tokens) if t in q_stems]
    return 0.1 / (1 + min(dists) / 3) if dists else 0.0
