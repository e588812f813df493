"""Articles: what every format's reader makes, and the rules they share to make it.

An ``Article`` is one article of an input: its text (what is indexed and what citations point
into) and its metadata. Every reader (``formats``, ``pages``, ``pdf``, ``feeds``) builds its
articles with these: ``decoded`` for bytes to text, ``with_title`` to put the title first,
``iso_date`` for a declared date, ``clean`` for a metadata field, and ``key_of`` to name an
article inside a file of many (its link's last part, else its title, as a ``slug``), so a
rule about any of them is written once. Left out: reading any one format (its own module).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from qa.errors import DocumentError
from qa.ingest.charsets import decode

MAX_KEY = 60  # characters of an article's key inside a many-article file


@dataclass(frozen=True)
class Article:
    """One article of an input: ``text`` is what is indexed and what citations point into."""

    text: str
    title: str = ""
    outlet: str = ""
    author: str = ""
    published: str = ""  # ISO YYYY-MM-DD, "" when the input declares no date
    url: str = ""
    key: str = ""  # inside a file of many articles, its name there; "" for a one-article file


def decoded(name: str, data: bytes, charset: str | None = None) -> str:
    """The text of ``data``: in ``charset`` when a page declares one (and no byte-order mark
    says otherwise), else as ``charsets.decode`` reads it; a DocumentError naming ``name``."""
    if charset and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass  # a page that lies about its charset: read it as any other text
    try:
        return decode(data).text
    except DocumentError as e:
        raise DocumentError(f"{name}: {e}") from None


def with_title(title: str, body: str) -> str:
    """``body`` with ``title`` as its first line, unless it starts with it already.

    ``with_title("Bridge shut", "The bridge ...") -> "Bridge shut\\n\\nThe bridge ..."``
    """
    title = " ".join(title.split())
    if title and not body.lstrip().startswith(title):
        return f"{title}\n\n{body}"
    return body


def iso_date(value: Any) -> str:
    """A declared date as ISO ``YYYY-MM-DD``, "" when it is none we can read.

    ``iso_date("2024-05-03T09:30:00Z") -> "2024-05-03"``;
    ``iso_date("Fri, 25 Mar 2022 08:00:00 GMT") -> "2022-03-25"``
    """
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if not isinstance(value, str) or not value.strip():
        return ""
    s = value.strip()
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).strftime("%Y-%m-%d")
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(s).strftime("%Y-%m-%d")
    except (TypeError, ValueError, IndexError):
        pass
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return ""
    return ""


def clean(value: Any) -> str:
    """A metadata field as one line: ``clean("  Daily\\n Bugle ") -> "Daily Bugle"``."""
    return " ".join(str(value).split()) if value else ""


def slug(value: str, limit: int = MAX_KEY) -> str:
    """``slug("Bridge Shut: Council Votes!") -> "bridge-shut-council-votes"``"""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")[:limit].strip("-")


def key_of(link: str, title: str) -> str:
    """An entry's name inside its file: the last part of its link, else its title."""
    if link:
        parts = urlsplit(link)
        path = [p for p in parts.path.split("/") if p]
        tail = re.sub(r"\.(html?|php|aspx?)$", "", path[-1]) if path else ""
        if parts.query and not tail:
            tail = parts.query
        if slug(tail):
            return slug(tail)
    return slug(title)

