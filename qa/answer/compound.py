"""A question that asks two things, split into two questions.

``split("Where were they stationed and why were they dismissed?")`` ->
``["Where were they stationed?", "Why were they dismissed?"]``; a bare second wh-word borrows
the first part's body: ``split("Where did they go and why?")`` ->
``["Where did they go?", "Why did they go?"]``. A question that asks one thing comes back
alone: ``split("Who won and lost?")`` -> ``["Who won and lost?"]`` (only a wh-word after
"and" starts a second question).

Left out: more than two parts, "either ... or" questions, and parts joined without "and".
"""

from __future__ import annotations

import re

from qa.text import WH_WORDS

_WH = rf"({'|'.join(WH_WORDS)})"
_JOIN = re.compile(rf",?\s+and\s+(?:also\s+)?{_WH}\b", re.IGNORECASE)
_LEAD = re.compile(rf"^\W*(?:(?:from|in|to|on|at|for|by|with|of|since|until)\s+)?{_WH}\b",
                   re.IGNORECASE)


def split(question: str) -> list[str]:
    q = question.strip()
    lead = _LEAD.match(q)
    m = _JOIN.search(q)
    if lead is None or m is None or m.start() <= lead.end():
        return [question]
    first = q[: m.start()].rstrip(" ,;?") + "?"
    rest = q[m.start():].strip(" ,")
    rest = re.sub(r"^and\s+(also\s+)?", "", rest, flags=re.IGNORECASE).strip()
    body = rest[len(m.group(1)):].strip(" ?")
    if not body:
        # "... and why?": the second wh-word asks about the first part's body.
        second = m.group(1).capitalize() + q[lead.end(): m.start()].rstrip(" ,;?") + "?"
    else:
        second = rest[0].upper() + rest[1:].rstrip(" ?") + "?"
    if len(first.split()) < 3:
        return [question]  # "Who and why?" is no question on its own
    return [first, second]
