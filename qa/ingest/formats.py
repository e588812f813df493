"""Formats: the bytes of one input (a file or a fetched page) -> its articles, text and metadata.

Every way in (``qa index``, the browser upload, ``qa index URL``, the Python API) goes through
``articles(name, data)``; the suffix of ``name`` picks the reader, each in a module of its own
(what they share, the ``Article`` with its titles, dates and keys, is ``article``):

- ``.txt`` / ``.md``: the text exactly as a user reads the file (``charsets.decode``);
- ``.html`` / ``.htm`` (``pages``): the article's main text through ``trafilatura`` (menus,
  banners, share buttons, related links, comments and footers left out), title first; hidden
  elements are removed before, and paragraphs that address a language model after
  (``planted``); the date through ``htmldate`` without its guessing from free text, so a page
  that declares no date has none;
- ``.pdf`` (``pdf``): its text layer, page after page, its title first;
- ``.xml`` / ``.rss`` / ``.atom`` (``feeds``): a feed through ``feedparser``, one article per
  entry (its content, else its summary) with its link, date, author and the feed's title as
  outlet;
- ``.jsonl`` / ``.json`` / ``.csv`` (``feeds``): an export, one article per record (``text``
  or ``body``; optional ``title``, ``url``, ``published``, ``source``, ``author``).

A file of several articles names each by a key (from its link or id, else its title, else
its position), stable when the feed grows, so re-indexing adds only new or changed ones.
Dates are ISO ``YYYY-MM-DD`` or "" when the input does not declare one. Left out: OCR of
scanned PDFs, Office formats, pages that need JavaScript to show their text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa.errors import DocumentError
from qa.ingest.article import Article, decoded
from qa.ingest.feeds import export_articles, feed_articles
from qa.ingest.pages import html_article
from qa.ingest.pdf import pdf_article

PLAIN = (".txt", ".md")
HTML = (".html", ".htm")
FEEDS = (".xml", ".rss", ".atom")
EXPORTS = (".jsonl", ".json", ".csv")
SUFFIXES = (*PLAIN, *HTML, ".pdf", *FEEDS, *EXPORTS)


def articles(name: str, data: bytes, url: str = "") -> list[Article]:
    """The articles in ``data``, read by the suffix of ``name``; a DocumentError saying why
    when there is none. ``url``: where it was fetched from (a page's own URL wins)."""
    suffix = suffix_of(name)
    if suffix in PLAIN:
        found = [Article(decoded(name, data), url=url)]
    elif suffix in HTML:
        found = [html_article(name, data, url)]
    elif suffix == ".pdf":
        found = [pdf_article(name, data, url)]
    elif suffix in FEEDS:
        found = feed_articles(name, data)
    elif suffix in EXPORTS:
        found = export_articles(name, data, suffix)
    else:
        raise DocumentError(f"{name}: not a {', '.join(SUFFIXES)} file")
    kept = [a for a in found if any(ch.isalnum() for ch in a.text)]
    if not kept:
        raise DocumentError(f"{name} has no readable text in it; there is nothing to index")
    return _keyed(kept) if len(found) > 1 or suffix in (*FEEDS, *EXPORTS) else kept


def suffix_of(name: str) -> str:
    m = re.search(r"\.[A-Za-z0-9]+$", name)
    return m.group(0).lower() if m else ""


def _keyed(found: Iterable[Article]) -> list[Article]:
    """Every article with a key of its own: a repeated one gets ``-2``, ``-3`` ...; one
    without any gets its position."""
    out: list[Article] = []
    seen: set[str] = set()
    for i, a in enumerate(found, 1):
        key = a.key or str(i)
        base, n = key, 1
        while key in seen:
            n += 1
            key = f"{base}-{n}"
        seen.add(key)
        out.append(Article(a.text, a.title, a.outlet, a.author, a.published, a.url, key))
    return out
