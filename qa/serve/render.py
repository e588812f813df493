"""HTML for the browser chat: the sources panel, passages in context, whole articles.

Pure functions from our own values (``Citation``, article text) to HTML strings. Every piece
of document text is escaped here, so an article that contains markup or a script shows it
as text and never runs it. Left out: Gradio itself (``ui.py``) and any styling beyond the
class names that ``ui.CSS`` targets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from qa.answer import abstain
from qa.types import Answer, Citation, long_date

CONTEXT_CHARS = 600  # of a paragraph shown either side of a quote, at most
ARTICLE_CHARS = 200_000  # longer articles open as a window around the passage

EMPTY = ("<div class='qa-sources qa-empty'><p><b>Sources</b> appear here.</p><p>Every answer "
         "cites the exact sentences it rests on; each is shown inside its paragraph, and the "
         "whole article opens with the passage marked.</p></div>")


def display_title(title: str, text: str, limit: int = 80) -> str:
    """The headline, or the opening words of a document that has none.

    ``display_title("", "Russian lawyer Mikhail Benyash said ...", 24)
    -> "Russian lawyer Mikhail…"``
    """
    if title:
        return title
    line = next((x.strip() for x in text[:1000].splitlines() if x.strip()), "")
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit)
    return line[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def paragraph(text: str, start: int, end: int,
              limit: int = CONTEXT_CHARS) -> tuple[int, int]:
    """The bounds of the paragraph (line) around ``text[start:end]``, at most ``limit``
    characters either side, cut at a space.

    ``paragraph("Head\\nOne. Two. Three.\\nTail", 10, 14) -> (5, 21)``
    """
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    b = len(text) if b < 0 else b
    if start - a > limit:
        cut = text.find(" ", start - limit, start)
        a = cut + 1 if cut >= 0 else start - limit
    if b - end > limit:
        cut = text.rfind(" ", end, end + limit)
        b = cut if cut > end else end + limit
    return a, b


def marked(text: str, start: int, end: int, mark_id: str = "") -> str:
    """``text`` escaped, with ``text[start:end]`` inside ``<mark>``."""
    ident = f" id='{escape(mark_id)}'" if mark_id else ""
    return (f"{escape(text[:start])}<mark{ident}>{escape(text[start:end])}</mark>"
            f"{escape(text[end:])}")


def passage_html(text: str, c: Citation) -> str:
    """The quote highlighted inside its paragraph, with an ellipsis where the paragraph is cut."""
    a, b = paragraph(text, c.start, c.end)
    before = "… " if a > 0 and text[a - 1] != "\n" else ""
    after = " …" if b < len(text) and text[b] != "\n" else ""
    return before + marked(text[a:b], c.start - a, c.end - a) + after


def article_html(text: str, c: Citation, limit: int = ARTICLE_CHARS) -> str:
    """The whole article with the quote marked (a window around it when the text is huge)."""
    a, b = 0, len(text)
    if b > limit:
        a = max(0, c.start - limit // 2)
        b = min(len(text), a + limit)
    body = marked(text[a:b], c.start - a, c.end - a, mark_id=f"qa-mark-{c.n}")
    note = "<p class='qa-note'>(a long article: shown around the passage)</p>" \
        if (a, b) != (0, len(text)) else ""
    return f"{note}<div class='qa-article-text'>{body}</div>"


STANCES = {"agree": "agrees", "differ": "differs"}


def citation_html(c: Citation, text: str | None, stance: str = "") -> str:
    """One source card; ``stance`` ("agree" / "differ"), when the sources were compared,
    marks whether it says what the answer says."""
    title = display_title(c.title, text or "") or c.source
    where = f"{escape(c.source)} · characters {c.start:,}–{c.end:,}"
    told = " · ".join(escape(x) for x in (c.outlet, long_date(c.published)) if x)
    if c.url.startswith(("http://", "https://")):
        told += (" · " if told else "") + (f"<a class='qa-url' href='{escape(c.url)}' "
                                           f"rel='noopener noreferrer' target='_blank'>link</a>")
    published = f"<div class='qa-published'>{told}</div>" if told else ""
    if text is None or text[c.start : c.end] != c.quote:
        # The document changed or was removed since the answer: show the quote alone.
        body = f"<blockquote class='qa-passage'><mark>{escape(c.quote)}</mark></blockquote>"
        article = "<p class='qa-note'>This document has changed or was removed since.</p>"
    else:
        body = f"<blockquote class='qa-passage'>{passage_html(text, c)}</blockquote>"
        article = (f"<details class='qa-article'><summary>Open the whole article</summary>"
                   f"{article_html(text, c)}</details>")
    said = ", ".join(x for x in (title, c.outlet, long_date(c.published), c.source) if x)
    copy = escape(f"“{c.quote}” ({said})")
    return (f"<div class='qa-source' id='qa-source-{c.n}'>"
            f"<div class='qa-source-top'><span class='qa-n'>{c.n}</span>"
            f"<span class='qa-title'>{escape(title)}</span>"
            + (f"<span class='qa-stance qa-{stance}'>{STANCES[stance]}</span>"
               if stance in STANCES else "") +
            f"<button class='qa-copy' type='button' title='Copy this quote' "
            f"data-copy='{copy}'>Copy</button></div>"
            f"{published}<div class='qa-file'>{where}</div>{body}{article}</div>")


def sources_html(answer: Answer, texts: Mapping[str, str]) -> str:
    """The panel beside the chat: the cited passages, or the closest ones after abstaining."""
    if answer.abstained:
        head = (f"<div class='qa-sources-head qa-abstained'><b>{abstain.CLOSEST}</b>: "
                f"{abstain.CLOSEST_NOTE}, but you can judge for yourself.</div>")
        citations = answer.closest
    else:
        head = "<div class='qa-sources-head'><b>Sources</b></div>"
        citations = answer.citations
    if not citations:
        return ("<div class='qa-sources'>" + head +
                "<p class='qa-note'>No passage came close.</p></div>")
    stances = {} if answer.abstained or answer.agreement is None else \
        {claim.n: claim.stance for claim in answer.agreement.claims}
    cards = "".join(citation_html(c, texts.get(c.source), stances.get(c.n, ""))
                    for c in citations)
    return f"<div class='qa-sources'>{head}{cards}</div>"


def chat_text(text: str) -> str:
    """Text for a chat bubble, which Gradio renders as (sanitised) HTML: markup in a quoted
    article shows as written, and an ``<img src=...>`` in one fetches nothing.

    ``chat_text("x < y <b>z</b> & co") -> "x &lt; y &lt;b&gt;z&lt;/b&gt; & co"``
    """
    return text.replace("<", "&lt;").replace(">", "&gt;")


def markdown_text(text: str) -> str:
    """Text that Markdown shows as written, within a line that starts with other text:
    ``markdown_text("a*b*_c_ [x](y)") -> "a\\*b\\*\\_c\\_ \\[x\\](y)"``"""
    return re.sub(r"([\\`*_\[\]<>&~|])", r"\\\1", text)


def status_html(text: str) -> str:
    return f"<div class='qa-sources qa-empty'><p>{escape(text)}</p></div>"


def timings_text(timings: Mapping[str, float]) -> str:
    """``timings_text({"retrieve": 0.01, "total": 0.5}) -> "retrieve 0.01 s · total 0.50 s"``"""
    return " · ".join(f"{stage} {seconds:.2f} s" for stage, seconds in timings.items())
