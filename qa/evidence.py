"""Evidence: what kind of answer a question wants, which sentences hold it, and how sure we are.

From the retrieved passages it takes every sentence (page debris left out), scores each one
against the question (IDF-weighted term coverage, embedding similarity, and whether it holds
something of the wanted answer type), and keeps the best few with their exact spans. It also
pulls typed candidate answers (a number for "how many", a place for "which city") out of
those sentences. Left out: learned rerankers and named-entity models; the typing is rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

from .embeddings import Embedder
from .index import Index
from .text import (
    MONTHS,
    NUMBER_WORDS,
    QUESTION_FRAME,
    STOPWORDS,
    content_terms,
    normalize,
    sentences,
    stem,
    words,
)
from .types import Passage, Sentence


class Kind(StrEnum):
    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"
    REASON = "reason"
    OTHER = "other"


_KIND_PATTERNS = [
    (Kind.NUMBER, r"\bhow (many|much)\b|\bwhat (number|percentage|share|proportion)\b"),
    (Kind.DATE, r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b|"
                r"\bhow long ago\b|\bsince when\b"),
    (Kind.PLACE, r"\bwhere\b|\b(which|what) (city|town|country|place|region|village|capital|"
                 r"peninsula|location)\b"),
    (Kind.PERSON, r"\bwho\b|\bwhom\b|\bwhose\b|\b(which|what) (person|lawyer|activist|official|"
                  r"man|woman|officer|admiral|colonel|leader|president|judge|journalist|head)\b|"
                  r"\bname of the (person|lawyer|activist|official|judge|head|leader|man|woman)\b"),
    (Kind.REASON, r"\bwhy\b|\bfor what reason\b|\bwhat (was|were|is|are) the reasons?\b|"
                  r"\bhow come\b|\bon what grounds\b"),
]


def answer_kind(question: str) -> Kind:
    """``answer_kind("How many guardsmen ...?") -> Kind.NUMBER``; ``"Why ...?" -> REASON``."""
    q = normalize(question)
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, q):
            return kind
    return Kind.OTHER


@dataclass(frozen=True)
class Candidate:
    """A typed answer span inside an evidence sentence (offsets absolute in the source)."""

    text: str
    kind: Kind
    sentence: Sentence
    start: int
    end: int
    score: float


@dataclass
class Evidence:
    question: str
    kind: Kind
    sentences: list[Sentence]  # best first
    candidates: list[Candidate] = field(default_factory=list)  # best first
    support: float = 0.0  # 0..1: how well the best sentence covers the question
    coverage: float = 0.0
    similarity: float = 0.0

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


_NUM = (r"(?:\d[\d,]*(?:\.\d+)?|(?:a |one |two |three |several |few )?(?:"
        + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"))")
_NUMBER_SPAN = re.compile(
    rf"\b(?:(?:over|around|about|almost|nearly|more than|as many as|as low as|some|up to|"
    rf"at least)\s+)?{_NUM}(?:\s+(?:out of|of)\s+(?:the\s+)?{_NUM})?\b",
    re.IGNORECASE,
)
_MONTH = "|".join(m.capitalize() for m in MONTHS)
_DATE_SPAN = re.compile(
    rf"\b(?:(?:{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?"
    rf"\s+(?:{_MONTH})(?:\s+\d{{4}})?|(?:{_MONTH})\s+\d{{4}}|(?:in\s+)?(?:1[5-9]|20)\d\d)\b"
)
_PROPER = re.compile(r"\b[A-Z][\w’'\-]+(?:\s+(?:of\s+the\s+|of\s+)?[A-Z][\w’'\-]+)*")
_PLACE_CUE = re.compile(
    r"(?:\b(?:in|from|to|near|at|into|toward|towards|city of|town of|town called|capital,?|"
    r"suburb known as|region of)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
_PERSON_BEFORE = re.compile(
    r"\b(?:lawyer|activist|official|president|minister|admiral|colonel|general|head|leader|"
    r"chief|spokesman|spokeswoman|journalist|judge|mr|mrs|ms|dr)\.?,?\s+(?:\w+\s+){0,4}$",
    re.IGNORECASE,
)
_PERSON_AFTER = re.compile(
    r"^(?:’s|'s)?\s*,?\s*(?:\([^)]*\)\s*)?(?:said|says|told|added|wrote|noted|explained|argues|"
    r"argued|asked|put it|warned|revealed|recently)\b",
    re.IGNORECASE,
)
_ORG_WORDS = {"times", "federation", "guard", "guards", "forces", "army", "force", "staff",
              "commons", "group", "agora", "nato", "sofrep", "kremlin", "tv", "rosgvardia",
              "sobr", "division", "union", "ministry", "court", "news"}


class EvidenceSelector:
    """``select(question, passages) -> Evidence``; reads sentence spans from the index."""

    def __init__(self, index: Index, embedder: Embedder, evidence_k: int = 3) -> None:
        self.index = index
        self.embedder = embedder
        self.evidence_k = evidence_k
        self._sentences: dict[str, tuple[str, list[tuple[int, int, bool]]]] = {}
        self.reload()

    def reload(self) -> None:
        """Recompute document frequencies (after the index changed)."""
        df: dict[str, int] = {}
        chunks = self.index.chunks()
        for c in chunks:
            for t in set(content_terms(c["text"])):
                df[t] = df.get(t, 0) + 1
        self._n = max(1, len(chunks))
        self._df = df
        self._sentences.clear()

    def idf(self, term: str) -> float:
        return math.log(1 + self._n / (0.5 + self._df.get(term, 0)))

    def _doc_sentences(self, source: str) -> list[tuple[int, int, bool]]:
        sha = self.index.documents[source].sha256
        cached = self._sentences.get(source)
        if cached is None or cached[0] != sha:
            cached = (sha, sentences(self.index.text(source)))
            self._sentences[source] = cached
        return cached[1]

    def _pool(self, passages: list[Passage]) -> list[tuple[Sentence, float, str]]:
        """Sentences overlapping the passages: (sentence, passage prior, previous sentence)."""
        seen: set[tuple[str, int]] = set()
        pool = []
        for rank, p in enumerate(passages):
            if p.source not in self.index.documents:
                continue
            text = self.index.text(p.source)
            spans = self._doc_sentences(p.source)
            for i, (s, e, debris) in enumerate(spans):
                if debris or e <= p.start or s >= p.end or (p.source, s) in seen:
                    continue
                seen.add((p.source, s))
                prev = text[spans[i - 1][0] : spans[i - 1][1]] if i else ""
                pool.append((Sentence(p.source, p.title, s, e, text[s:e]), 1.0 / (rank + 1), prev))
        return pool

    def select(self, question: str, passages: list[Passage]) -> Evidence:
        kind = answer_kind(question)
        pool = self._pool(passages)
        if not pool:
            return Evidence(question, kind, [])
        q_terms = [t for t in dict.fromkeys(content_terms(question))
                   if t not in {stem(w) for w in QUESTION_FRAME}]
        weights = {t: self.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        vectors = self.embedder.embed([question] + [s.text for s, _, _ in pool])
        qv = vectors[0]
        scored = []
        for (sent, prior, prev), sv in zip(pool, vectors[1:], strict=True):
            s_terms = set(content_terms(sent.text))
            p_terms = set(content_terms(prev))
            cov = sum(w * (1.0 if t in s_terms else 0.5 if t in p_terms else 0.0)
                      for t, w in weights.items()) / total
            sim = max(0.0, sum(a * b for a, b in zip(qv, sv, strict=True)))
            cands = typed_candidates(sent, kind, question)
            typed = 0.15 if kind in _TYPED and cands else 0.0
            if kind is Kind.REASON and _REASON_CUE.search(sent.text):
                typed = 0.1
            score = 0.5 * cov + 0.5 * sim + typed + 0.03 * prior
            scored.append((score, cov, sim, Sentence(sent.source, sent.title, sent.start,
                                                     sent.end, sent.text, score), cands))
        scored.sort(key=lambda x: -x[0])
        top = scored[: self.evidence_k]
        candidates = sorted(
            (Candidate(c.text, c.kind, sent, c.start, c.end, c.score + score)
             for score, _, _, sent, cands in top for c in cands),
            key=lambda c: -c.score,
        )
        _, cov, sim, _, _ = top[0]
        return Evidence(question, kind, [t[3] for t in top], candidates,
                        support=0.5 * cov + 0.5 * sim, coverage=cov, similarity=sim)


_REASON_CUE = re.compile(
    r"\b(because|due to|explained by|the reason|reasons?|since|as a consequence|citing|"
    r"argue[sd]?|so that|in order to|unlawful\w*|illegal|refus\w+ to)\b", re.IGNORECASE)
_TYPED = {Kind.NUMBER, Kind.DATE, Kind.PERSON, Kind.PLACE}


def typed_candidates(sent: Sentence, kind: Kind, question: str) -> list[Candidate]:
    """Spans of ``sent`` that could answer a ``kind`` question, minus what the question says.

    For "How many guardsmen is Benyash defending?" and "Benyash will defend 12 members ..."
    this gives ``[Candidate("12", ...)]``.
    """
    if kind not in _TYPED:
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
        for m in _NUMBER_SPAN.finditer(text):
            value = m.group()
            if re.fullmatch(r"(?:in\s+)?(1[5-9]|20)\d\d", value.strip()):
                continue  # a year is not a count
            if re.fullmatch(r"(?i)(a|one)", value.strip()):
                continue
            add(m.start(), m.end(), 0.1)
    elif kind is Kind.DATE:
        for m in _DATE_SPAN.finditer(text):
            add(m.start(), m.end(), 0.1 + (0.05 if re.search(r"[A-Za-z]", m.group()) else 0))
    else:
        for m in _PROPER.finditer(text):
            span = m.group()
            tokens = span.split()
            if m.start() == 0 and len(tokens) == 1 and normalize(span) in STOPWORDS:
                continue
            lower = normalize(span)
            if lower in STOPWORDS or lower.split()[0] in {m_ for m_ in MONTHS}:
                continue
            before, after = text[: m.start()], text[m.end():]
            place_cue = bool(_PLACE_CUE.search(before))
            orgish = any(w in _ORG_WORDS for w in words(span))
            if kind is Kind.PLACE:
                score = (0.2 if place_cue else 0.0) - (0.15 if orgish else 0.0)
                score -= 0.1 if _PERSON_AFTER.search(after) else 0.0
            else:
                person = bool(_PERSON_BEFORE.search(before)) or bool(_PERSON_AFTER.search(after))
                score = (0.15 if person else 0.0) + (0.05 if len(tokens) >= 2 else 0.0)
                score -= (0.2 if orgish else 0.0) + (0.1 if place_cue else 0.0)
            add(m.start(), m.end(), score)
    return out


def _nearness(text: str, pos: int, q_stems: set[str]) -> float:
    """Up to 0.1 for a span whose nearest question word is close by (in words)."""
    tokens = [(m.start(), stem(w.lower())) for m in re.finditer(r"\w+", text)
              for w in [m.group()]]
    here = sum(1 for start, _ in tokens if start < pos)
    dists = [abs(i - here) for i, (_, t) in enumerate(tokens) if t in q_stems]
    return 0.1 / (1 + min(dists) / 3) if dists else 0.0
