"""Fetching: ``qa index https://...`` reads a page or a feed from the web, and only then.

``fetch(url)`` returns the body and a file name whose suffix says how ``formats`` reads it
(from the response's Content-Type, else the URL's own suffix, else a sniff of the first
bytes). Every failure is a ``DocumentError`` of one line naming the URL and what went wrong:
not an http(s) URL, no such host, refused, too slow (``TIMEOUT`` seconds to connect and
between reads, ``DEADLINE`` in all), an HTTP error status, a body over ``MAX_BYTES`` (read in
pieces and dropped as soon as it is too big, never held whole), a type that is not a page, a
feed, a PDF, text or an export. Nothing is fetched unless a user names a URL: the assistant
never goes to the network on its own. Left out: JavaScript-rendered pages, logins and
cookies, robots.txt (a user fetching one page they named is not a crawler).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from qa.errors import DocumentError
from qa.ingest.article import slug
from qa.ingest.documents import MAX_BYTES, Document, accepted, from_bytes, mb
from qa.ingest.formats import suffix_of

TIMEOUT = 10.0  # seconds to connect, and between two pieces of the body
DEADLINE = 30.0  # seconds for the whole response
_TYPES = {  # Content-Type -> the suffix formats reads it by
    "text/html": ".html", "application/xhtml+xml": ".html",
    "application/rss+xml": ".rss", "application/atom+xml": ".atom",
    "application/xml": ".xml", "text/xml": ".xml", "application/pdf": ".pdf",
    "text/plain": ".txt", "text/markdown": ".md", "application/json": ".json",
    "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl", "text/csv": ".csv",
}


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    name: str  # a file name for it: host and path, with the suffix of its type
    data: bytes


def is_url(value: str) -> bool:
    return bool(re.match(r"(?i)https?://", value))


def fetch(url: str, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES,
          deadline: float = DEADLINE) -> Fetched:
    """GET ``url``; the body, or a DocumentError saying in one line why not."""
    import httpx

    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DocumentError(f"{url} is not an http:// or https:// address.")
    started = time.monotonic()
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True,
                          headers={"User-Agent": "qa-news-assistant",
                                   "Accept": "text/html,application/xhtml+xml,application/"
                                             "rss+xml,application/atom+xml,*/*;q=0.5"}) as r:
            if r.status_code >= 400:
                raise DocumentError(f"{url} was not fetched: the server answered "
                                    f"{r.status_code} {r.reason_phrase}.")
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise DocumentError(f"{url} was not fetched: it is {mb(int(declared))}, and "
                                    f"the limit is {mb(max_bytes)}.")
            body = bytearray()
            for piece in r.iter_bytes():
                body += piece
                if len(body) > max_bytes:
                    raise DocumentError(f"{url} was not fetched: it is over the limit of "
                                        f"{mb(max_bytes)}.")
                if time.monotonic() - started > deadline:
                    raise DocumentError(f"{url} was not fetched: it took over {deadline:.0f} s.")
            final = str(r.url)
            kind = r.headers.get("content-type", "").split(";")[0].strip().lower()
    except httpx.TimeoutException:
        raise DocumentError(f"{url} was not fetched: the server did not answer within "
                            f"{timeout:.0f} s.") from None
    except httpx.ConnectError as e:
        raise DocumentError(f"{url} was not fetched: cannot connect ({_reason(e)}).") from None
    except httpx.HTTPError as e:
        raise DocumentError(f"{url} was not fetched: {_reason(e)}.") from None
    data = bytes(body)
    if not data.strip():
        raise DocumentError(f"{url} was not fetched: the server sent nothing.")
    return Fetched(final, name_for(final, kind, data), data)


def split(items: list[str]) -> tuple[list[Path], list[Document]]:
    """What a user named to index: the paths, and the articles of the URLs among them,
    every URL fetched and read first (a failure raises before anything is indexed)."""
    paths = [Path(i) for i in items if not is_url(i)]
    fetched: list[Document] = []
    for url in (i for i in items if is_url(i)):
        page = fetch(url)
        fetched += from_bytes(page.name, page.data, page.url, page.url)
    return paths, fetched


def name_for(url: str, kind: str, data: bytes) -> str:
    """A file name for what ``url`` sent: ``name_for("https://x.com/news/a-b", "text/html",
    b"") -> "x.com-news-a-b.html"``; a DocumentError for a type nothing here reads."""
    parts = urlsplit(url)
    own = suffix_of(parts.path)
    suffix = _TYPES.get(kind) or (own if accepted(parts.path) else "") or _sniff(data)
    if not suffix:
        raise DocumentError(f"{url} was not indexed: it sent {kind or 'an unknown type'}, not "
                            f"a page, a feed, a PDF, text or an export.")
    stem = parts.path[: -len(own)] if own and parts.path.lower().endswith(own) else parts.path
    name = slug(f"{parts.hostname or ''} {stem} {parts.query}", 100) or "page"
    return f"{name}{suffix}"


def _sniff(data: bytes) -> str:
    head = data[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        return ".pdf"
    if b"<rss" in head:
        return ".rss"
    if b"<feed" in head:
        return ".atom"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return ".html"
    return ""


def _reason(e: Exception) -> str:
    return " ".join(str(e).split())[:200] or type(e).__name__
