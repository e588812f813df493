"""The short answer: the candidates put in the order that answers, and the answer's core.

The candidate rules (``candidates.py``) know which strings are people, places or dates, not
which one answers; ``rank_candidates`` orders them by the reader's span (without a reader,
by the span scorer's, ``spans.py``). ``short_answer`` then gives the answer's core: the
typed candidate the chat answer states, else the reader's span, else the span scorer's best
span, else the best sentence: ``short_answer("How many ...?", evidence)`` -> ``"12"``.

Left out: whether the question is answered at all (``abstain.py`` decides that first).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from qa.answer import spans
from qa.answer.candidates import Candidate, gives_year
from qa.answer.constraints import constraints, other_year
from qa.answer.evidence import Evidence
from qa.answer.frames import Kind
from qa.answer.names import is_person, mentions_any, question_names
from qa.text import numbers

if TYPE_CHECKING:
    from qa.answer.reader import Reading


RANKED = frozenset({Kind.PERSON})
_NAMED = frozenset({Kind.PERSON, Kind.PLACE, Kind.NAME})
_READ_KINDS = frozenset({Kind.PERSON, Kind.NAME})
# The reader's probability for its span, at or above which it answers a "who" or "which
# <thing>" question with no candidate (``read_candidate``). Chosen on dev data only (200
# SQuAD dev-article questions, RGB's development half): the four spans it lets through
# there are right (0.25-0.57); a sure wrong one (0.80, an actress of another film) is
# refused by the name test, the next below the bar (0.21, another year's winner) by the
# year test.
READ_BAR = 0.25


def _named(span: str) -> bool:
    """Could ``span`` name a person, a place or a thing, not a figure: "$40 million", "2019"
    and "3,000 people" answer no "who" or "where"."""
    return not re.fullmatch(r"[\W\d]*\d[\W\d]*(?:\s*[A-Za-z]+)?", span)


def rank_candidates(question: str, evidence: Evidence, reading: Reading | None = None
                    ) -> Evidence:
    """The typed candidates, best first, as the reader (without one, the span scorer) sees
    them; the candidate rules alone know only which strings are people, places or dates, not
    which one answers.

    With a ``reading``, the candidate its span overlaps goes first; when it overlaps none,
    the span itself does, as a candidate of the question's kind, unless the question wants a
    number and the span holds none ("How many ...?" is not answered "the guardsmen"). Without
    one, only a ``RANKED`` kind is re-ordered: by the span scorer's best span holding each
    candidate (or held by it).
    """
    if not evidence.candidates:
        return evidence
    if reading is not None:
        ranked = list(evidence.candidates)
        overlapping = [c for c in ranked if c.sentence.source == reading.sentence.source
                       and c.start < reading.end and reading.start < c.end]
        if overlapping:
            top = overlapping[0]
            ranked.remove(top)
        elif not _speaks_of(question, reading.sentence.text) and not any(
                c.sentence == reading.sentence for c in ranked):
            # Held to the candidates' rule: "When was Agora founded?" is not answered from
            # "The SOBR division was founded in 1993", which names neither Agora nor a
            # candidate of its own.
            return evidence
        elif evidence.kind is Kind.NUMBER and not numbers(reading.text) or \
                evidence.kind in _NAMED and not _named(reading.text) or \
                evidence.kind is Kind.DATE and not gives_year(evidence.frame, reading.text):
            # "How many ...?" is not "the guardsmen", "Who ...?" not "$40m", "In what
            # year ...?" not "12 April" (the candidates' own rule)
            return evidence
        else:
            top = Candidate(reading.text, evidence.kind, reading.sentence, reading.start,
                            reading.end, reading.probability)
        return replace(evidence, candidates=_fuller_first([top, *ranked]))
    if evidence.kind not in RANKED or len(evidence.candidates) < 2:
        return evidence
    rated = spans.rated(question, evidence)

    def rating(c: Candidate) -> float:
        held = [r for r, s in rated if s.sentence.source == c.sentence.source and
                (s.start <= c.start and s.end >= c.end or c.start <= s.start and s.end <= c.end)]
        return max(held, default=-99.0)

    return replace(evidence, candidates=_fuller_first(
        sorted(evidence.candidates, key=rating, reverse=True)))


def read_candidate(question: str, evidence: Evidence, reading: Reading | None,
                   persons: frozenset[str] = frozenset()) -> Evidence:
    """For a "who" or "which <thing>" question the candidate rules found nothing for, the
    reader's span as its candidate when the reader gives it at least ``READ_BAR`` and it is
    a name of a few words, in a sentence naming what the question names and no other year:
    "Which newspaper reported ...?" is answered from "told the Financial Times", which never
    says "newspaper". A person's name never answers "which <thing>" (a judge's name aside).
    Measured in docs/pipeline.md; the bar chosen on SQuAD's dev articles and RGB's dev half.
    """
    if evidence.candidates or reading is None or evidence.kind not in _READ_KINDS or \
            reading.probability < READ_BAR:
        return evidence
    text = reading.text
    if len(text.split()) > 6 or not re.search(r"\b[A-Z]", text) or not _named(text):
        return evidence
    if not _speaks_of(question, reading.sentence.text):
        return evidence
    if evidence.kind is Kind.NAME and not evidence.frame.role and is_person(text, persons):
        return evidence
    top = Candidate(text, evidence.kind, reading.sentence, reading.start, reading.end,
                    reading.probability)
    return replace(evidence, candidates=[top])


def _speaks_of(question: str, sentence: str) -> bool:
    """The candidates' rule for the reader's sentence: it names what the question names and
    gives no other year than the question's."""
    names = question_names(question)
    return not (names and not mentions_any(sentence, names) or
                other_year(constraints(question), sentence))


def _fuller_first(ranked: list[Candidate]) -> list[Candidate]:
    """"Benyash" may rate as high as "Mikhail Benyash" (a span holding one often holds the
    other); the full name answers."""
    top = ranked[0]
    fuller = [c for c in ranked if c.text.endswith(" " + top.text)]
    if fuller:
        ranked.remove(fuller[0])
        ranked.insert(0, fuller[0])
    return ranked


def short_answer(question: str, evidence: Evidence, reading: Reading | None = None) -> str:
    """The answer's core: the typed candidate the chat answer states, else the reader's span
    (without a reader, the span scorer's), else the best sentence.

    The candidate wins even where the span scorer alone scores better on SQuAD (on its
    held-back paragraphs, F1 67 vs 46 for people, 55 vs 37 for places), so that the
    short answer never contradicts the answer it is the core of ("Mikhail Benyash. [1]"
    with a short answer "Ukraine").
    """
    if evidence.best is not None:
        return evidence.best.text
    if reading is not None:
        return reading.text
    span = spans.best_span(question, evidence)
    if span is not None:
        return span.text
    return evidence.sentences[0].text if evidence.sentences else ""
