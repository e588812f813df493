"""Feeds and exports: one file of many articles -> one article per entry or record.

``feed_articles`` reads an RSS or Atom feed through ``feedparser``: one article per entry
(its content, else its summary, under its title) with its link, date, author and the feed's
title as outlet. ``export_articles`` reads a JSONL, JSON or CSV export: one article per
record (``text`` or ``body``; optional ``title``, ``url``, ``published``, ``source``,
``author``). Each article is named by ``article.key_of`` (its link or id, else its title),
stable when the feed grows. Left out: OPML lists of feeds, and fetching what an entry links to.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

from qa.errors import DocumentError
from qa.ingest.article import Article, clean, decoded, iso_date, key_of, with_title
from qa.ingest.pages import html_text

TEXT_FIELDS = ("text", "body", "content")  # a record's article text, first one present


def feed_articles(name: str, data: bytes) -> list[Article]:
    """One article per feed entry: its content (else its summary) under its title."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        why = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        raise DocumentError(f"{name} is not a feed with entries{why}")
    outlet = clean(parsed.feed.get("title", ""))
    out = []
    for entry in parsed.entries:
        contents = [c.get("value", "") for c in entry.get("content", [])]
        body = html_text(max(contents, key=len)) if contents else ""
        if not body:
            body = html_text(entry.get("summary", ""))
        title = clean(html_text(entry.get("title", "")))
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        published = dt.date(*when[:3]).isoformat() if when else ""
        link = clean(entry.get("link", ""))
        out.append(Article(text=with_title(title, body) + "\n", title=title, outlet=outlet,
                           author=author_name(entry.get("author", "")), published=published,
                           url=link, key=key_of(link or entry.get("id", ""), title)))
    return out


def author_name(value: str) -> str:
    """A feed's author without the e-mail address RSS puts beside it (feedparser's own split
    fails on long domain endings).

    ``author_name("desk@herald.example (Callum Reid)") -> "Callum Reid"``;
    ``author_name("Alun Prosser (alun@x.org)") -> "Alun Prosser"``
    """
    value = clean(value)
    m = re.fullmatch(r"\S+@\S+\s*\((.+)\)", value)
    if m:
        return m.group(1).strip()
    value = re.sub(r"\s*\(?<?\S+@\S+?>?\)?$", "", value).strip()
    return "" if "@" in value else value


def export_articles(name: str, data: bytes, suffix: str) -> list[Article]:
    """One article per record of a JSONL, JSON or CSV export."""
    text = decoded(name, data)
    records: list[Any]
    try:
        if suffix == ".jsonl":
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        elif suffix == ".json":
            loaded = json.loads(text)
            records = loaded if isinstance(loaded, list) else [loaded]
        else:
            records = list(csv.DictReader(io.StringIO(text)))
    except (json.JSONDecodeError, csv.Error) as e:
        raise DocumentError(f"{name} is not a readable {suffix[1:].upper()} export ({e})"
                            ) from None
    out = []
    for i, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise DocumentError(f"{name}: record {i} is not an object with a text field")
        body = next((str(record[f]) for f in TEXT_FIELDS if record.get(f)), "")
        if not body.strip():
            continue
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        title = clean(record.get("title"))
        link = clean(record.get("url") or record.get("link"))
        out.append(Article(
            text=with_title(title, body.strip()) + "\n", title=title,
            outlet=clean(record.get("source") or record.get("outlet")),
            author=clean(record.get("author")),
            published=iso_date(record.get("published") or record.get("date")),
            url=link, key=key_of(link or str(record.get("id") or ""), title) or str(i)))
    if not out:
        raise DocumentError(f"{name} holds no record with a {' or '.join(TEXT_FIELDS[:2])} "
                            f"field")
    return out
