"""The values the library hands out: frozen dataclasses, no library types inside.

A ``Passage`` is a retrieved chunk; a ``Sentence`` is one sentence of evidence with its exact
span in the source file; an ``Answer`` carries the text, the ``Citation`` spans it rests on and
the seconds each stage took.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from qa.text import MONTHS


@dataclass(frozen=True)
class Citation:
    """``n`` is the marker in the answer text ([n]); ``text[start:end] == quote``."""

    n: int
    source: str
    start: int
    end: int
    quote: str
    title: str = ""
    # Where and when the document was published, as the index keeps it ("" when unknown).
    outlet: str = ""
    published: str = ""  # ISO YYYY-MM-DD
    author: str = ""
    url: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``source`` file name, ``text == file_text[start:end]``."""

    id: str
    source: str
    title: str
    start: int
    end: int
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class Sentence:
    """One sentence inside a passage, with absolute offsets into its source file."""

    source: str
    title: str
    start: int
    end: int
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class Claim:
    """One source's statement of the answer: its citation ``n``, the ``quote``d words
    ("a dozen"), their normalised ``value`` ("12") and its ``stance`` to the answer's own
    claim ("agree" or "differ"; the answer's own is "agree")."""

    n: int
    source: str
    quote: str
    value: str
    stance: str


@dataclass(frozen=True)
class Agreement:
    """Whether the sources that state the answer agree: ``verdict`` "agree" or "differ",
    and each source's claim, the answer's own first."""

    verdict: str
    claims: tuple[Claim, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "claims": [asdict(c) for c in self.claims]}


@dataclass(frozen=True)
class Answer:
    text: str
    abstained: bool
    citations: list[Citation]
    question: str
    standalone_question: str
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    short_answer: str = ""
    closest: list[Citation] = field(default_factory=list)  # shown when abstaining
    meta: dict[str, Any] = field(default_factory=dict)
    agreement: Agreement | None = None  # None: one source states it, or the rest are silent

    def to_dict(self) -> dict[str, Any]:
        """The ``qa ask --json`` shape."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "short_answer": self.short_answer,
            "question": self.question,
            "standalone_question": self.standalone_question,
            "citations": [citation_dict(c) for c in self.citations],
            "agreement": self.agreement.to_dict() if self.agreement else None,
            "retrieved": [
                {"source": p.source, "start": p.start, "end": p.end, "score": round(p.score, 4)}
                for p in self.passages
            ],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


def citation_dict(c: Citation) -> dict[str, Any]:
    """A citation in JSON (``--json``, the API): its span and quote, and where and when the
    document was published, ``None`` for what is unknown."""
    out: dict[str, Any] = {k: v for k, v in asdict(c).items() if k != "title"}
    for k in ("outlet", "published", "author", "url"):
        out[k] = out[k] or None
    return out


def byline(c: Citation) -> str:
    """What a reader is told of a citation's document beside its name.

    ``byline(Citation(1, "a.html", 0, 5, "x", "Bridge shut", "Daily X", "2022-03-25"))``
    -> ``"Bridge shut, Daily X, 25 March 2022"``
    """
    return ", ".join(p for p in (c.title, c.outlet, long_date(c.published)) if p)


def long_date(iso: str) -> str:
    """``long_date("2022-03-05") -> "5 March 2022"``; "" for "" (or anything not a date)."""
    import datetime as dt

    try:
        d = dt.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    # not strftime: that follows the locale
    return f"{d.day} {MONTHS[d.month - 1].capitalize()} {d.year}"
