"""The span scorer: every short span of an evidence sentence, described and scored.

"What venue hosted Super Bowl Opening Night?" is answered by a sentence, but its core is
"SAP Center". Every span of up to ``MAX_WORDS`` words in the best evidence sentences is a
candidate; each is described by features that do not depend on what the span says (its
length, how close it stands to the question's own words, whether it repeats them, capitals
and digits, the word before and after it, the question's wh-word, its parts of speech and
phrase chunks, and the phrases between it and the question's words) and scored by a linear
model. The weights in ``span_weights.json`` were fitted by ``scripts/fit_spans.py`` with a
softmax over each question's candidates, on SQuAD v1.1 dev questions whose paragraphs are
outside the seeded 500-question sample that ``qa squad --limit 500 --seed 0`` reports on.

``best_span(question, evidence)`` -> the highest-scoring span and its share of the softmax.
What is done with it lives elsewhere: ``short.py`` ranks candidates and picks the short
answer, ``abstain.py`` decides whether a span is sure enough to answer. Left out: parse
trees and named-entity models; the tags and chunks come from TextBlob's rule-based tagger,
whose lexicon ships in its wheel.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from qa.answer.evidence import Evidence
from qa.answer.frames import Frame
from qa.text import STOPWORDS, stem
from qa.text import WH_WORDS as _WH
from qa.types import Sentence

MAX_WORDS = 8
SENTENCES = 3  # evidence sentences searched, best first
WEIGHTS = Path(__file__).with_name("span_weights.json")

_TOKEN = re.compile(r"\w+(?:[-’'./]\w+)*|[^\w\s]")
_HARD = frozenset('.;:?!"“”()[]')  # a span never contains these
_OPEN_OK = frozenset("the a an".split())  # a span may start with these, not end with them
_BEFORE = {
    "be": "is are was were be been being",
    "by": "by via through",
    "as": "as",
    "of": "of",
    "in": "in on at",
    "include": "include includes including included",
    "called": "called named known termed",
    "comma": ",",
    "to": "to",
    "for": "for",
}
_AFTER = {
    "comma": ",",
    "stop": ". ; :",
    "and": "and or",
    "rel": "which who that whom whose where when",
    "paren": "(",
    "of": "of",
}
_BEFORE_SETS = {k: frozenset(v.split()) for k, v in _BEFORE.items()}
_AFTER_SETS = {k: frozenset(v.split()) for k, v in _AFTER.items()}


@dataclass(frozen=True)
class Span:
    text: str
    sentence: Sentence
    start: int  # absolute offsets in the source file
    end: int
    score: float
    share: float = 1.0  # of the softmax over the question's candidates


def _wh(question: str) -> str:
    """The wh-word and the word after it: ``_wh("How many ships sank?") -> "how_many"``;
    the second word is kept only when it is a function word or a common type word."""
    m = re.search(r"\b(" + "|".join(_WH) + r")\b\s*(\w*)", question.lower())
    if m is None:
        return "none"
    nxt = m.group(2)
    return f"{m.group(1)}_{nxt}" if nxt in STOPWORDS or nxt in _TYPE_WORDS else m.group(1)


_ENDINGS = frozenset("century centuries percent million billion thousand years year months "
                     "days times people dollars miles km kilometres meters feet war act law "
                     "university river city church party company".split())
_TYPE_WORDS = frozenset("many much year type kind percentage color colour century country city "
                        "language term name person group company team state river".split())


def _question_stems(question: str) -> set[str]:
    return {stem(w.lower()) for w in re.findall(r"\w+", question)
            if w.lower() not in STOPWORDS}


def candidates(question: str, fr: Frame, sentences: list[Sentence]
               ) -> list[tuple[Span, dict[str, float]]]:
    """Every candidate span in the first ``SENTENCES`` sentences, with its features.

    ``candidates("What venue hosted it?", fr, [Sentence(... "It was held at SAP Center.")])``
    yields spans such as "SAP Center", "held at SAP Center", "It" ... each with a feature dict
    (``{"len2": 1.0, "left_adj": 1.0, "caps": 1.0, ...}``).
    """
    q_stems = _question_stems(question)
    head = stem(fr.head) if fr.head else ""
    wh = _wh(question)
    out: list[tuple[Span, dict[str, float]]] = []
    for rank, sent in enumerate(sentences[:SENTENCES]):
        toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sent.text)]
        lower = [t[2].lower() for t in toks]
        tags = _tags(tuple(t[2] for t in toks))
        is_word = [t[2][0].isalnum() for t in toks]
        matched = [w and lo not in STOPWORDS and stem(lo) in q_stems
                   for w, lo in zip(is_word, lower, strict=True)]
        positions = [i for i, m in enumerate(matched) if m]
        coverage = len({stem(lower[i]) for i in positions}) / max(1, len(q_stems))
        for a in range(len(toks)):
            if not is_word[a] or lower[a] in STOPWORDS and lower[a] not in _OPEN_OK:
                continue
            for b in range(a + 1, min(len(toks), a + MAX_WORDS) + 1):
                last = b - 1
                if toks[last][2] in _HARD:
                    break
                if not is_word[last] or lower[last] in STOPWORDS:
                    continue
                span_words = [i for i in range(a, b) if is_word[i]]
                q_in = sum(1 for i in span_words if matched[i])
                if all(matched[i] or lower[i] in STOPWORDS for i in span_words):
                    continue  # only the question's own words ("the force")
                out.append((Span(sent.text[toks[a][0]:toks[last][1]], sent,
                                 sent.start + toks[a][0], sent.start + toks[last][1], 0.0),
                            _features(a, b, toks, lower, matched, positions, q_in,
                                      len(span_words), head, wh, fr, rank, sent, coverage, tags)))
    return out


def _features(a: int, b: int, toks: list[tuple[int, int, str]], lower: list[str],
              matched: list[bool], positions: list[int], q_in: int, n_words: int, head: str,
              wh: str, fr: Frame, rank: int, sent: Sentence, coverage: float,
              tags: list[tuple[str, str]]) -> dict[str, float]:
    f: dict[str, float] = {"bias": 1.0, f"rank{rank}": 1.0, "sent_score": sent.score,
                           "coverage": coverage}
    length = b - a
    f[f"len{min(length, 7)}"] = 1.0
    f["q_frac"] = q_in / n_words
    f["has_head"] = float(bool(head) and any(stem(lower[i]) == head for i in range(a, b)))
    left = [p for p in positions if p < a]
    right = [p for p in positions if p >= b]
    dl = a - left[-1] if left else 0
    dr = right[0] - b + 1 if right else 0
    f["left_dist"] = math.log1p(dl) if left else 0.0
    f["right_dist"] = math.log1p(dr) if right else 0.0
    f["left_none"] = float(not left)
    f["right_none"] = float(not right)
    f["left_adj"] = float(bool(left) and dl <= 2)
    f["right_adj"] = float(bool(right) and dr <= 2)
    f["both_sides"] = float(bool(left) and bool(right))
    near = sum(1 for p in positions if a - 8 <= p < b + 8 and not a <= p < b)
    f["near"] = near / max(1, len(positions))
    # Is the span in the same clause as the question's nearest words?
    f["comma_left"] = float(bool(left) and any(lower[i] in ",;" for i in range(left[-1], a)))
    f["comma_right"] = float(bool(right) and any(lower[i] in ",;" for i in range(b, right[0])))
    # The span's last word by name when it is a common answer ending ("century", "percent").
    if lower[b - 1] in _ENDINGS:
        f[f"ends={lower[b - 1]}"] = 1.0
    words = [toks[i][2] for i in range(a, b) if toks[i][2][0].isalnum()]
    inner = [w for i, w in enumerate(words) if i > 0 or a > 0]
    caps = sum(1 for w in inner if w[0].isupper()) / max(1, len(inner))
    f["caps"] = caps
    f["all_caps"] = float(caps == 1.0 and bool(inner))
    f["digit"] = float(any(ch.isdigit() for w in words for ch in w))
    f["comma_inside"] = float(any(toks[i][2] == "," for i in range(a, b)))
    f["starts_det"] = float(lower[a] in _OPEN_OK)
    f["stop_frac"] = sum(1 for w in words if w.lower() in STOPWORDS) / len(words)
    prev = lower[a - 1] if a > 0 else "<s>"
    nxt = lower[b] if b < len(lower) else "</s>"
    for name, vocab in _BEFORE_SETS.items():
        f[f"before_{name}"] = float(prev in vocab)
    f["before_start"] = float(a == 0)
    for name, vocab in _AFTER_SETS.items():
        f[f"after_{name}"] = float(nxt in vocab)
    f["after_end"] = float(b >= len(lower) or nxt in (".", "!", "?"))
    # The wh-word changes what a good span looks like: "who" wants capitals, "how many" digits.
    base = wh.split("_")[0]
    for key in ("caps", "digit", "len1", "len2", "len3", "len4", "has_head", "left_adj",
                "right_adj", "before_by", "before_be", "before_in", "after_end", "q_frac"):
        if f.get(key):
            f[f"{wh}_{key}"] = f[key]
            if base != wh:
                f[f"{base}_{key}"] = f[key]
    # Closed-class neighbours by name ("prev=by", "next=,"): they generalise across topics.
    if prev in STOPWORDS or not prev[0].isalnum():
        f[f"prev={prev}"] = 1.0
    if nxt in STOPWORDS or not nxt[0].isalnum():
        f[f"next={nxt}"] = 1.0
    if lower[a] in STOPWORDS:
        f[f"first={lower[a]}"] = 1.0
    f["ends_head"] = float(bool(head) and stem(lower[b - 1]) == head)
    f[f"kind_{fr.kind.value}"] = 1.0
    f[f"kind_{fr.kind.value}_caps"] = caps
    f[f"kind_{fr.kind.value}_digit"] = f["digit"]
    _syntax(f, a, b, tags, base, wh, head, fr)
    _paths(f, a, b, tags, left[-1] if left else None, right[0] if right else None, base)
    return f


def _syntax(f: dict[str, float], a: int, b: int, tags: list[tuple[str, str]], base: str,
            wh: str, head: str, fr: Frame) -> None:
    """Part-of-speech and phrase-chunk features: a "when" wants a span ending in a number, a
    "who" one ending in a proper noun, and a good span is a whole noun phrase."""
    first, last = tags[a][0], tags[b - 1][0]
    prev = tags[a - 1][0] if a > 0 else "<s>"
    nxt = tags[b][0] if b < len(tags) else "</s>"
    f[f"pos_first={first}"] = 1.0
    f[f"pos_last={last}"] = 1.0
    f[f"pos_prev={prev}"] = 1.0
    f[f"pos_next={nxt}"] = 1.0
    f[f"{base}_last={last}"] = 1.0
    f[f"{base}_first={first}"] = 1.0
    if wh != base:
        f[f"{wh}_last={last}"] = 1.0
    f[f"kind_{fr.kind.value}_last={last}"] = 1.0
    if head:
        f[f"head={head}_last={last}"] = 1.0
    inner = [t[0] for t in tags[a:b]]
    if len(inner) <= 3:
        f[f"pat={'_'.join(inner)}"] = 1.0
        f[f"{base}_pat={'_'.join(inner)}"] = 1.0
    f["has_verb"] = float("V" in inner)
    chunk = tags[a][1]
    starts = chunk.startswith("B-") or (a > 0 and tags[a - 1][1] == "O" and chunk != "O")
    ends = b >= len(tags) or not tags[b][1].startswith("I-")
    inside = sum(1 for _, c in tags[a + 1:b] if c.startswith("B-"))
    f["chunk_start"] = float(starts)
    f["chunk_end"] = float(ends)
    f["chunk_whole"] = float(starts and ends and inside == 0)
    f["chunks_inside"] = float(min(inside, 3))
    kind = tags[b - 1][1][2:] or "O"
    f[f"chunk_last={kind}"] = 1.0
    f[f"{base}_chunk_last={kind}"] = 1.0


def _paths(f: dict[str, float], a: int, b: int, tags: list[tuple[str, str]],
           left: int | None, right: int | None, base: str) -> None:
    """The phrases between the span and the nearest question word on each side ("VP PP":
    the question's verb, then a preposition, then the span), a stand-in for the parse-tree
    paths of the logistic-regression baseline."""
    for side, match in (("L", left), ("R", right)):
        if match is None:
            continue
        gap, between_tags = (a - match, tags[match + 1:a]) if side == "L" else \
            (match - b, tags[b:match])
        if gap > 8:
            continue
        between = [c[2:] for _, c in between_tags if c.startswith("B-") or c == "O"]
        path = "_".join(between[:4]) or "adj"
        f[f"path{side}={tags[match][0]}:{path}"] = 1.0
        f[f"{base}_path{side}={path}"] = 1.0


_COARSE = {"NN": "N", "NNS": "N", "NNP": "P", "NNPS": "P", "CD": "CD", "DT": "DT", "IN": "IN",
           "TO": "IN", "PRP": "PR", "PRP$": "PR", "CC": "CC", "POS": "POS", ",": ",", "FW": "P"}


@lru_cache(maxsize=256)
def _tags(words: tuple[str, ...]) -> list[tuple[str, str]]:
    """A coarse part of speech and a phrase-chunk label (``B-NP``, ``I-VP``, ``O``) for each
    token, from TextBlob's rule-based tagger and chunker (its lexicon ships in the wheel)."""
    from textblob.en import parser

    chunked = parser.find_chunks(parser.find_tags(list(words)))
    out = []
    for _word, tag, chunk, *_ in chunked:
        coarse = _COARSE.get(tag) or {"J": "J", "V": "V", "R": "R", "W": "W"}.get(tag[:1], "O")
        out.append((coarse, chunk))
    return out


@cache
def _weights() -> dict[str, float]:
    data: dict[str, float] = json.loads(WEIGHTS.read_text(encoding="utf-8"))["weights"]
    return data


def score(features: dict[str, float], weights: dict[str, float] | None = None) -> float:
    w = _weights() if weights is None else weights
    return sum(w.get(k, 0.0) * v for k, v in features.items())


def rated(question: str, evidence: Evidence, weights: dict[str, float] | None = None
          ) -> list[tuple[float, Span]]:
    """Every candidate span of ``evidence`` with its score: ``[(2.3, Span("SAP Center",
    ...)), (-0.4, Span("held at", ...)), ...]``."""
    return [(score(feats, weights), span)
            for span, feats in candidates(question, evidence.frame, evidence.sentences)]


def best_span(question: str, evidence: Evidence,
              weights: dict[str, float] | None = None) -> Span | None:
    """The highest-scoring candidate span, or None when there is none; its ``share`` is the
    probability the scorer's softmax over all candidates gives it."""
    scored = rated(question, evidence, weights)
    if not scored:
        return None
    top, span = max(scored, key=lambda t: t[0])
    share = 1.0 / sum(math.exp(s - top) for s, _ in scored)
    return replace(span, score=top, share=share)
