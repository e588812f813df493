"""Whether the sources agree: each document's own answer to a fact question, compared.

An answer rests on its best sentence; other documents may state the same fact in their own
words, or state it differently (a syndicated story updated, a second outlet's count). For a
question wanting a number, a date, a person, a place or a name, ``claims`` finds each
document's answer: its best sentences that score close to the answer's own
(``CLAIM_RATIO``), read by the reader (or ranked by the candidate rules without one) to
the span that answers, parsed by ``values.parse``. ``agreement`` compares them with
``values.compatible`` and says "agree" or "differ"; a claim that cannot be compared with
the answer's is left out, and one document alone gives no verdict. ``others`` are the best
sentences of the other documents that say what the answer's sentence says, for answers
without a typed value (a reason, a description): cited, never judged.

``line(agreement)`` is the sentence under the answer::

    Both articles say this: 12 [1]; “a dozen” [2].
    The articles differ: one says 12 [1], the other 14 [2].

Left out: judging claims that are not numbers, dates or names (a wrong "agree" is worse than
none), and telling which document is newer (metadata the index does not hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.answer import values
from qa.answer.candidates import Candidate, ranked_candidates
from qa.answer.evidence import Evidence, EvidenceSelector
from qa.answer.frames import TYPED, Kind
from qa.answer.names import mentions_any, question_names
from qa.answer.short import rank_candidates
from qa.text import content_terms
from qa.types import Agreement, Citation, Claim, Sentence

if TYPE_CHECKING:
    from qa.answer.reader import Reader, Reading

CLAIM_RATIO = 0.5  # of the answer sentence's score, for another document's sentence to count
CLAIM_SIMILARITY = 0.55  # cosine to the answer's sentence, for it to state the same fact
SAME_SIMILARITY = 0.75  # above it, two numbers count the same thing whatever follows them
OTHER_SIMILARITY = 0.55  # cosine to the answer's sentence, for an untyped answer's other source
NO_ANSWER_BAR = 0.3  # the reader's no-answer probability above which a sentence states nothing
SURE_NO_ANSWER = 0.1  # ... below which it states a claim however unlike the answer's sentence
BACKED = 0.1  # the reader's probability for its span, below which the answer is too shaky
SAME_STORY = 0.5  # documents' cosine: two reports of one event 0.60-0.88 here, of two <= 0.38


@dataclass(frozen=True)
class Found:
    """One document's answer: the candidate span and its parsed value."""

    candidate: Candidate
    value: values.Value


@dataclass(frozen=True)
class _Offer:
    """Another document's sentence that may state the answer."""

    sentence: Sentence
    candidates: list[Candidate]
    alike: float  # cosine to the answer's sentence
    doubt: float  # the reader's no-answer probability for it alone (0 without a reader)
    reading: Reading | None


def _offers(question: str, evidence: Evidence, answer: Sentence, typed: bool,
            reader: Reader | None, selector: EvidenceSelector) -> list[_Offer]:
    """Each other document of the same story (``SAME_STORY``) offers two sentences among
    those scoring at least ``CLAIM_RATIO`` of the answer's: its best and the one most like
    the answer's sentence. For a typed answer they must hold a candidate and name what the
    answer's sentence names of the question ("the SOBR unit": not "It was established in
    2016" about another force); an untyped answer's must be like it (``OTHER_SIMILARITY``)
    instead, the only test ``others`` puts to them ("The refusal to carry out the order was
    explained by its unlawfulness" restates a reason without naming Ukraine). The reader
    reads each alone; per document, the one it is surest holds an answer is kept."""
    bar = CLAIM_RATIO * answer.score
    asked = question_names(question)
    named = [n for n in asked if mentions_any(f"{selector.before(answer)} {answer.text}", [n])]
    offered: dict[str, list[tuple[float, Sentence, list[Candidate]]]] = {}
    elsewhere: set[str] = set()  # documents of another story: nothing they say is compared
    for sent, cands in evidence.ranked:  # best first
        if sent.source == answer.source or sent.score < bar or (typed and not cands) or \
                sent.source in elsewhere:
            continue
        if sent.source not in offered and \
                selector.related(answer.source, sent.source) < SAME_STORY:
            elsewhere.add(sent.source)
            continue
        if typed and not all(mentions_any(f"{selector.before(sent)} {sent.text}", [n])
                             for n in named):
            continue
        item = (selector.similarity(answer, sent), sent, cands)
        if not typed and item[0] < OTHER_SIMILARITY:
            continue
        group = offered.setdefault(sent.source, [])
        if len(group) < 2 and (not group or item[0] > group[0][0]):
            group.append(item)
        elif len(group) == 2 and item[0] > group[1][0]:
            group[1] = item
    items = [item for group in offered.values() for item in group]
    readings = reader.read_each(question, [[sent] for _, sent, _ in items]) \
        if reader is not None else [None] * len(items)
    best: dict[str, _Offer] = {}
    for (alike, sent, cands), reading in zip(items, readings, strict=True):
        offer = _Offer(sent, cands, alike, reading.no_answer if reading else 0.0, reading)
        kept = best.get(sent.source)
        if kept is None or (offer.doubt, -offer.alike) < (kept.doubt, -kept.alike):
            best[sent.source] = offer
    return list(best.values())


def contested(evidence: Evidence, ruled: Candidate | None) -> bool:
    """Do the reader's span (the answer) and the candidate rules' first choice (``ruled``)
    give values that differ? "Seven people died" against "forced about 3,000 residents
    from their homes" for how many died: which one answers is then in doubt, and an "agree"
    would vouch for it (``agreement``'s ``endorse``); a "differ" only warns."""
    best = evidence.best
    if best is None or ruled is None or best.sentence.source == ruled.sentence.source and \
            ruled.start < best.end and best.start < ruled.end:
        return False
    mine, theirs = (values.parse(c.text, evidence.kind.value) for c in (best, ruled))
    return mine is not None and theirs is not None and values.compatible(mine, theirs) is False


def claims(question: str, evidence: Evidence, reader: Reader | None,
           selector: EvidenceSelector, reading: Reading | None = None) -> list[Found]:
    """The answer's own claim first, then each other document's: from its offered sentence
    (``_offers``) when the reader's no-answer probability is below ``NO_ANSWER_BAR`` and
    the sentence is like the answer's (``CLAIM_SIMILARITY``) or the reader sure
    (``SURE_NO_ANSWER``); the reader's span (or the candidate rules) gives the value. None
    is judged when the reader's own ``reading`` of the evidence doubts the answer."""
    best = evidence.best
    if best is None or evidence.kind not in TYPED or not evidence.ranked:
        return []
    if reading is not None and (reading.no_answer >= NO_ANSWER_BAR or
                                reading.probability < BACKED):
        return []  # the reader doubts the answer itself: no word on what others say of it
    own = values.parse(best.text, evidence.kind.value)
    if own is None:
        return []
    out = [Found(best, own)]
    for o in _offers(question, evidence, best.sentence, True, reader, selector):
        sure = reader is not None and o.doubt <= SURE_NO_ANSWER
        if o.doubt >= NO_ANSWER_BAR or not (o.alike >= CLAIM_SIMILARITY or sure):
            continue
        one = Evidence(question, evidence.kind, [o.sentence],
                       ranked_candidates(question, [(o.sentence, o.candidates)]),
                       frame=evidence.frame)
        top = rank_candidates(question, one, o.reading).best
        value = _value(top, o.reading, evidence.kind) if top is not None else None
        if top is not None and value is not None and (
                o.alike >= SAME_SIMILARITY or _same_subject(best, top, question)):
            out.append(Found(top, value))
    return out


def restated(question: str, evidence: Evidence, found: list[Found],
              selector: EvidenceSelector) -> list[Found]:
    """``found`` (the answer's own claim first), and after it each other document of the
    same story whose sentence states the answer's own value in its own words
    (``values.restates``: "At least 31" for 31, "a dozen" for 12, "Oct. 19" for 19
    October), where ``claims`` found none for them: a candidate of the answer's kind
    in a sentence scoring at least ``CLAIM_RATIO`` of the answer's and like it
    (``CLAIM_SIMILARITY``), counting the same thing. Only agreement is read this way: a
    figure that differs may well count something else, and ``claims`` alone says "differ";
    but when such a sentence's first candidate gives another figure, nothing is added (an
    updated copy saying 14 where the others say 12 must not leave "both say 12").
    Measured in docs/agreement.md."""
    best = evidence.best
    if best is None or evidence.kind not in TYPED:
        return found
    own = found[0].value if found else values.parse(best.text, evidence.kind.value)
    if own is None:
        return found
    have = {f.candidate.sentence.source for f in found} | {best.sentence.source}
    out: list[Found] = []
    for sent, cands in evidence.ranked:  # best first
        if sent.source in have or sent.score < CLAIM_RATIO * best.sentence.score or \
                selector.related(best.sentence.source, sent.source) < SAME_STORY or \
                selector.similarity(best.sentence, sent) < CLAIM_SIMILARITY:
            continue
        parsed = [(c, values.parse(c.text, evidence.kind.value)) for c in cands]
        same = [(c, v) for c, v in parsed if v is not None and _same_subject(best, c, question)]
        agreeing = [(c, v) for c, v in same if values.restates(own, v)]
        if agreeing:
            out.append(Found(*agreeing[0]))
            have.add(sent.source)
        elif same and same[0] == parsed[0] and values.compatible(own, same[0][1]) is False:
            return found  # a report of the story gives another figure: no word of agreement
    return [*(found or [Found(best, own)]), *out] if out else found


def others(question: str, evidence: Evidence, reader: Reader | None,
           selector: EvidenceSelector) -> list[Sentence]:
    """For an answer without a typed value (a reason, a description): each other document's
    offered sentence that says much the same (``OTHER_SIMILARITY``) and that the reader
    reads as holding an answer. Cited, never judged."""
    if not evidence.sentences or not evidence.ranked:
        return []
    return [o.sentence for o in _offers(question, evidence, evidence.sentences[0], False,
                                        reader, selector) if o.doubt < NO_ANSWER_BAR]


def _value(top: Candidate, reading: Reading | None, kind: Kind) -> values.Value | None:
    """The value a document's answer states; for a count, a share the reader points at
    ("most of them") counts as well as a number."""
    if kind is Kind.NUMBER and reading is not None:
        share = values.number(reading.text)
        if share is not None and share.kind == "share":
            return share
    return values.parse(top.text, kind.value)


def _same_subject(a: Candidate, b: Candidate, question: str) -> bool:
    """Are two numbers counts of the same thing? The words right after each ("12 members",
    "14 members") share a stem, or one has none, or both hold a word of the question. Names
    and dates always are."""
    if a.kind is not Kind.NUMBER:
        return True
    asked = set(content_terms(question))
    ua, ub = _unit(a), _unit(b)
    return not ua or not ub or bool(ua & ub) or bool(ua & asked and ub & asked)


# Words that join a number to what it counts ("9 out of the 12", "12 of them"), left out of
# its unit. Narrower than the stop words ``broad.between`` skips: a wider list here changes
# which claims count the same thing, so the two stay apart.
_LINKS = frozenset("of the out and".split())


def _unit(c: Candidate) -> set[str]:
    """The stems of the two words after a number: ``"12 members of the"`` -> {"member"}."""
    return set(values.counted(c.sentence.text[c.end - c.sentence.start:], _LINKS))


def agreement(found: list[Found], numbers: dict[str, int], endorse: bool = True
              ) -> Agreement | None:
    """The verdict over the documents' claims (``numbers``: source -> its citation number);
    None when fewer than two documents give a comparable value, or when they agree but the
    answer is not to be vouched for (``endorse``: see ``contested``)."""
    if len(found) < 2:
        return None
    first = found[0].value
    judged = [(found[0], True)] + [(f, values.compatible(first, f.value)) for f in found[1:]]
    kept = [(f, ok) for f, ok in judged if ok is not None]
    if len(kept) < 2:
        return None
    verdict = "differ" if any(ok is False for _, ok in kept) else "agree"
    if verdict == "agree" and not endorse:
        return None
    return Agreement(verdict, tuple(
        Claim(numbers[f.candidate.sentence.source], f.candidate.sentence.source,
              f.candidate.text, f.value.text, "agree" if ok else "differ")
        for f, ok in kept))


def line(agreement: Agreement | None) -> str:
    """``Both articles say this: 12 [1]; “a dozen” [2].`` or ``The articles differ: one
    says 12 [1], the other 14 [2].``; "" for None."""
    if agreement is None:
        return ""

    def said(c: Claim) -> str:
        return f"{c.quote} [{c.n}]" if c.quote == c.value else f"“{c.quote}” [{c.n}]"

    claims_ = agreement.claims
    if agreement.verdict == "agree":  # in the order of their citations: [1], then [2]
        who = "Both articles" if len(claims_) == 2 else f"All {len(claims_)} articles"
        return f"{who} say this: " + "; ".join(said(c) for c in
                                               sorted(claims_, key=lambda c: c.n)) + "."
    if len(claims_) == 2:
        return f"The articles differ: one says {said(claims_[0])}, the other " \
               f"{said(claims_[1])}."
    same = [c for c in claims_ if c.stance == "agree"]
    other = [c for c in claims_ if c.stance == "differ"]
    return "The articles differ: " + " and ".join(said(c) for c in same) + " against " + \
        " and ".join(said(c) for c in other) + "."


def cited(citations: list[Citation]) -> dict[str, int]:
    """Each source's first citation number."""
    out: dict[str, int] = {}
    for c in citations:
        out.setdefault(c.source, c.n)
    return out
