"""Published: an answer's citations told where and when their documents were published, and
a relative date in a "when" answer worked out from its article's date.

``dated(answer, documents)`` fills each citation's ``outlet``, ``published``, ``author`` and
``url`` from what the index keeps of its document, and, when the question asks when and the
short answer gives a relative date ("on Tuesday", "last week") (else the answer's text,
else its first cited sentence, where either says one relative date only), adds a sentence
saying the date it means and that it was worked out from the article's publication date:
"“Tuesday” is 22 March 2022, worked out from the article's date (25 March 2022) [1]."
An article without a date gets no such sentence: nothing is guessed.
Left out: relative dates in answers to other questions (they are quoted as written).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from qa.answer.dates import relative_dates
from qa.types import Answer, Citation, long_date

# A question that asks for a date or a time: "When ...", "What day ...", "On which date ...".
_WHEN = re.compile(r"\b(when|(what|which)\s+(day|date|year|month|week|time))\b", re.I)


class Published(Protocol):
    """What the index keeps of a document (``manifest.DocInfo``)."""

    @property
    def outlet(self) -> str: ...
    @property
    def published(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def url(self) -> str: ...


def dated(answer: Answer, documents: Mapping[str, Published]) -> Answer:
    """``answer`` with its citations' publication details and any worked-out date."""
    def told(c: Citation) -> Citation:
        d = documents.get(c.source)
        if d is None:
            return c
        return replace(c, outlet=d.outlet, published=d.published, author=d.author, url=d.url)

    citations = [told(c) for c in answer.citations]
    answer = replace(answer, citations=citations, closest=[told(c) for c in answer.closest])
    if answer.abstained or not citations or not _WHEN.search(answer.standalone_question
                                                             or answer.question):
        return answer
    first = citations[0]
    if not first.published:
        return answer
    day = dt.date.fromisoformat(first.published)
    # The short answer first ("on Tuesday"); when it holds only a time ("6am"), the answer's
    # text, then the sentence it cites, where one relative date is said.
    found = relative_dates(answer.short_answer, day)
    for text in (answer.text, first.quote):
        if not found:
            found = relative_dates(text, day)
            found = found if len({r.iso for r in found}) == 1 else []
    if not found:
        return answer
    r = found[0]
    phrase = r.phrase[0].upper() + r.phrase[1:]
    note = (f"“{phrase}” is {r.value}, worked out from the article's date "
            f"({long_date(first.published)}) [{first.n}].")
    meta = {**answer.meta, "worked_out": {"phrase": r.phrase, "date": r.iso,
                                          "from": first.published, "source": first.source}}
    return replace(answer, text=f"{answer.text}\n\n{note}", meta=meta)
