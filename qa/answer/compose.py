"""The answer's assembly: the reply tidied, or the evidence quoted, with its citations.

The model's reply loses its framing ("The answer is: ...") and any phrase said twice in a
row (``tidy``); when the grounding check (``grounding.py``) refuses it, the answer is
composed from the evidence itself (``extractive``): the typed candidate, or the best
sentence(s), quoted exactly. ``cite`` numbers the sentences an answer rests on and
``with_markers`` puts their markers after it, so every marker shown is a citation.
Left out: deciding what to cite (``grounding.supporting``) and whether to answer at all
(``abstain.py``).
"""

from __future__ import annotations

import re

from qa.answer.evidence import Evidence
from qa.answer.grounding import supporting
from qa.types import Citation, Sentence


def clean_quote(text: str) -> str:
    """Drop unbalanced quote marks at the ends: ``'“Their duties were limited.”' -> same``."""
    t = text.strip()
    if t.count("“") != t.count("”"):
        t = t.strip("“”")
    return t


# A phrase of two to six words said twice in a row, as a small model stutters: "on Wednesday
# afternoon on Wednesday afternoon".
_STUTTER = re.compile(r"\b((?:[\w'’$£€,.-]+\s+){1,5}[\w'’$£€,.-]+)\s+\1\b", re.IGNORECASE)


def tidy(reply: str) -> str:
    """``tidy("The answer to this question is: 15,000") -> "15,000."``: drop the model's
    framing, and a phrase it said twice in a row once."""
    text = re.sub(r"^\s*(the )?answer( to (this|the|your) question)?( is)?\s*:?\s*", "",
                  reply.strip(), flags=re.IGNORECASE)
    text = _STUTTER.sub(r"\1", text)
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if re.search(r"[.!?]$", text) else text + "."


def extractive(evidence: Evidence) -> tuple[str, list[Sentence]]:
    """The fallback answer: the typed candidate, or the best sentence(s), verbatim."""
    best = evidence.best
    if best is not None:
        cited = supporting(evidence, best.text)
        core = best.text[0].upper() + best.text[1:]
        return f"{core}.", cited
    cited = supporting(evidence, "")
    return " ".join(clean_quote(s.text) for s in cited), cited


def cite(sentences: list[Sentence]) -> list[Citation]:
    return [Citation(n, s.source, s.start, s.end, s.text, s.title)
            for n, s in enumerate(sentences, 1)]


def with_markers(text: str, citations: list[Citation]) -> str:
    """``with_markers("Krasnodar [3].", [c1]) -> "Krasnodar. [1]"``: bracketed numbers already
    in the text (the model's own, an article's footnotes, fake markers planted in one) are
    dropped, so every marker an answer shows is one of its citations."""
    text = re.sub(r"\s*\[\d+\]", "", text)
    marks = "".join(f"[{c.n}]" for c in citations)
    return f"{text.rstrip()} {marks}".strip()
