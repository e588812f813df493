"""The grounding check: is the model's reply supported by the evidence it cites?

A reply is shown only if it passes ``check``: every number and name in it is in the cited
quotes, most of its words are (or are the question's), it does not decline when the evidence
answers, an untyped reply rests on one sentence, it contains the typed candidate, and it does
not ramble or repeat itself; otherwise the assistant falls back to the evidence's own words.
``unsupported_facts`` is the part the streaming gate applies as the reply arrives, and
``supporting`` picks the evidence sentences a reply rests on, which it is checked against
and cited to. Left out: paraphrase and entailment; the check is lexical (stems, numbers,
names), so a reply in other words than the articles' fails and the quote is shown instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.candidates import Candidate
from qa.answer.evidence import Evidence
from qa.text import content_terms, names, normalize, numbers, stem, words
from qa.types import Sentence


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def check(reply: str, quotes: list[str], question: str,
          candidate: Candidate | None) -> Verdict:
    """Is ``reply`` supported by ``quotes``? Names the first rule it breaks.

    ``check("He called from Krasnodar.", ["... from the city of Krasnodar."], q, c).ok -> True``
    """
    text = reply.strip()
    if not text:
        return Verdict(False, "empty reply")
    if len(text.split()) > 60:
        return Verdict(False, "too long")
    problem = unsupported_facts(text, quotes)
    if problem:
        return Verdict(False, problem)
    allowed_stems = {stem(w) for w in words(" ".join(quotes))} | {
        stem(w) for w in words(question)}
    if re.search(r"\b(not (mentioned|stated|provided|specified)|no information|"
                 r"(do|does|did) not (say|mention|state)|(don't|doesn't|didn't) (say|mention)|"
                 r"cannot answer|can't answer|i don't know)\b",
                 normalize(text)):
        return Verdict(False, "declines although the evidence answers")
    terms = [t for t in content_terms(text) if t not in _GENERIC]
    if terms:
        supported = sum(1 for t in terms if t in allowed_stems)
        if len(terms) - supported > max(1.0, 0.25 * len(terms)):
            return Verdict(False, f"only {supported}/{len(terms)} words are in the evidence")
        if candidate is None:
            # An untyped reply (a reason, a description) must rest on one sentence: a tiny
            # model stitching two sentences together invents the link between them.
            q_stems = set(content_terms(question))
            best = max(len([t for t in terms if t in quote_stems])
                       for quote_stems in (set(content_terms(q)) | q_stems for q in quotes))
            if best / len(terms) < 0.85:
                return Verdict(False, "mixes sentences; no single quote supports it")
        counts = {t: terms.count(t) for t in terms}
        if max(counts.values()) >= 3:
            return Verdict(False, "repeats itself")
    if candidate is not None and not _mentions(text, candidate.text):
        return Verdict(False, f"misses the answer in the evidence ({candidate.text})")
    return Verdict(True)


_GENERIC = {stem(w) for w in ["answer", "evidence", "article", "articles", "question"]}


def unsupported_facts(text: str, quotes: list[str]) -> str:
    """The numbers or names in ``text`` that the quotes do not hold, as a reason ("" when
    there are none); the streaming gate and ``check`` share it. A name the question gives
    counts only when a quote holds it too: "The Rosgvardia members were sent to Crimea"
    cited to "Members of the group had been dispatched to the Crimean peninsula" fails."""
    allowed = " ".join(quotes)
    extra = numbers(text) - numbers(allowed)
    if extra:
        return f"numbers not in the evidence: {sorted(extra)}"
    allowed_words = set(words(allowed))
    allowed_stems = {stem(w) for w in allowed_words}
    unknown = {n for n in names(text) if n not in allowed_words and stem(n) not in allowed_stems}
    if unknown:
        return f"names not in the evidence: {sorted(unknown)}"
    return ""


def _mentions(text: str, span: str) -> bool:
    """Does ``text`` state ``span``'s core (its numbers, else its words)?"""
    span_numbers = numbers(span)
    if span_numbers:
        return span_numbers <= numbers(text) or bool(span_numbers & numbers(text))
    t = set(words(text))
    core = [w for w in words(span) if len(w) > 2] or words(span)
    return all(w in t for w in core)


def supporting(evidence: Evidence, reply: str) -> list[Sentence]:
    """The evidence sentences a reply rests on, best first.

    With a typed candidate, every evidence sentence that states it (both articles, when both
    report it); otherwise the sentence sharing most of the reply's words, plus any other that
    adds at least two of them.
    """
    sents = evidence.sentences
    best = evidence.best
    if best is not None:
        chosen = [s for s in sents if _mentions(s.text, best.text)]
        if best.sentence not in chosen:
            chosen.insert(0, best.sentence)
        return chosen[:3]
    reply_terms = set(content_terms(reply))
    if not reply_terms:
        return [s for s in sents if s.score >= 0.9 * sents[0].score][:2]
    ranked = sorted(sents, key=lambda s: -len(reply_terms & set(content_terms(s.text))))
    chosen = [ranked[0]]
    covered = reply_terms & set(content_terms(ranked[0].text))
    for s in ranked[1:]:
        new = (reply_terms & set(content_terms(s.text))) - covered
        if len(new) >= 2:
            chosen.append(s)
            covered |= new
    return chosen[:2]
