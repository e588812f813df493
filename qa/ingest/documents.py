"""Loading documents: find the files, read their articles (``formats``), name and
fingerprint them.

A plain-text document's ``text`` is the file's content as ``open(path,
encoding=doc.encoding).read()`` returns it (UTF-8 for most files; UTF-16 and
Windows-1252/Latin-1 are recognised, see ``charsets``), so a citation's ``start:end`` indexes
the file as a user would read it. A page, PDF, feed entry or export record is the text
``formats`` extracts from it; the index keeps that text (``index/docs/``), and citations point
into it. A file of one article is named by its file name; the articles of a feed or export are
``feed.rss#<key>``.

What may come in is decided here for every way in (a folder, an upload, a fetched page):
a suffix ``formats`` reads (``accepted``) and at most ``MAX_BYTES``; each caller words the
refusal for its own user, sizes as ``mb`` writes them. What is skipped, with the reason:
files over ``MAX_BYTES`` (checked before reading, so a huge file costs nothing), empty or
wordless files, binary files, and, inside a folder, files of other types and symbolic links
that lead outside it, loop, or point at folders. Files named explicitly are read wherever
they are. Left out: what ``formats`` leaves out.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.errors import DocumentError
from qa.ingest import formats
from qa.ingest.charsets import decode

# A news article is a few KB; 10 MB is about a thousand of them. Larger files, uploads and
# fetched pages are refused before they are read: splitting and embedding one would take
# many minutes.
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    source: str  # the file name: what citations and suites refer to
    path: str
    text: str
    title: str
    sha256: str
    encoding: str = "utf-8"  # what open() needs to read ``text`` back from ``path``
    outlet: str = ""  # the site, feed or export source that published it
    author: str = ""
    published: str = ""  # ISO YYYY-MM-DD; "" when the input declares no date
    url: str = ""

    @property
    def meta(self) -> dict[str, str]:
        """What the index keeps of it beside the text: ``{"outlet", "author", ...}``."""
        return {"outlet": self.outlet, "author": self.author, "published": self.published,
                "url": self.url}


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


# The accepted types as told to a user (".htm" goes without saying beside ".html").
KINDS = ", ".join(s for s in formats.SUFFIXES if s != ".htm")


def accepted(name: str) -> bool:
    """Whether a file called ``name`` is of a type ``formats`` reads: ``accepted("a.HTM")``
    is True, ``accepted("a.docx")`` False."""
    return formats.suffix_of(name) in formats.SUFFIXES


def mb(size: int) -> str:
    """A size in bytes as a user is told it: ``mb(15 * 2**20) -> "15.0 MB"``."""
    return f"{size / (1024 * 1024):.1f} MB"


def headline(text: str) -> str:
    """The first line when it reads as a headline (short, no closing period), else "".

    Short in characters too: every chunk carries the title, and a first line of 30,000
    Chinese characters (no spaces: one "word") must not become one.

    ``headline("Guards Refuse To Fight\\n\\nRussian guards...") -> "Guards Refuse To Fight"``
    """
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line.split()) <= 20 and len(line) <= 200 and not re.search(r"[.!?…,;]$", line):
            return line
        return ""
    return ""


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(path: Path, max_bytes: int = MAX_BYTES, url: str = "") -> list[Document]:
    """The documents of one file (one, or one per feed entry or export record); one that is
    too big, empty or unreadable is a DocumentError naming it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                f"{path} is {mb(size)}; the limit is {max_bytes / 2**20:.0f} MB. "
                f"Split it into smaller files.")
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"Cannot read {path}: {e.strerror or e}.") from None
    return from_bytes(path.name, data, str(path.resolve()), url)


def from_bytes(name: str, data: bytes, path: str, url: str = "") -> list[Document]:
    """The documents in ``data``, read as a file called ``name`` found at ``path`` (a file
    path or the URL it was fetched from)."""
    if formats.suffix_of(name) in formats.PLAIN:
        return [_plain(name, data, path, url)]
    try:
        found = formats.articles(name, data, url)
    except DocumentError as e:
        raise DocumentError(f"{path} was not indexed: {e}.") from None
    many = any(a.key for a in found)
    return [Document(source=f"{name}#{a.key}" if many else name, path=path, text=a.text,
                     title=a.title or headline(a.text), sha256=fingerprint(a.text),
                     outlet=a.outlet, author=a.author, published=a.published, url=a.url)
            for a in found]


def _plain(name: str, data: bytes, path: str, url: str) -> Document:
    """A text or Markdown file, its text exactly as the file holds it."""
    try:
        decoded = decode(data)
    except DocumentError as e:
        raise DocumentError(f"{path} was not indexed: {e}.") from None
    text = decoded.text
    if not text.strip():
        raise DocumentError(f"{path} is empty; there is nothing to index.")
    if not any(ch.isalnum() for ch in text):
        raise DocumentError(f"{path} has no words in it; there is nothing to index.")
    return Document(source=name, path=path, text=text, title=headline(text),
                    sha256=fingerprint(text), encoding=decoded.encoding, url=url)


def find(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand folders into their text files (sorted, hidden ones left out)."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            _walk(path, found, skipped)
        elif path.is_file():
            found.append(path)
        elif path.is_symlink():
            skipped.append(Skipped(str(path), _broken_link(path)))
        elif path.exists():
            skipped.append(Skipped(str(path), "not a regular file"))
        else:
            skipped.append(Skipped(str(path), "no such file or folder"))
    return found, skipped


def _walk(folder: Path, found: list[Path], skipped: list[Skipped]) -> None:
    """The text files under ``folder``; links are followed only to files inside it."""
    root = folder.resolve()
    for dirpath, dirnames, filenames in os.walk(folder):  # linked folders are not entered
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        for name in sorted(filenames + [d for d in dirnames if (here / d).is_symlink()]):
            if name.startswith("."):
                continue
            p = here / name
            if p.is_symlink():
                reason = _link_problem(p, root)
                if reason:
                    skipped.append(Skipped(str(p), reason))
                    continue
            if not accepted(name):
                skipped.append(Skipped(str(p), f"not a {'/'.join(formats.SUFFIXES)} file"))
            elif p.is_file():
                found.append(p)
            else:  # a pipe or device: reading it could block forever
                skipped.append(Skipped(str(p), "not a regular file"))


def _link_problem(link: Path, root: Path) -> str:
    """Why a symbolic link inside ``root`` is not followed ("" when it may be)."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return _broken_link(link)
    if target.is_dir():
        return "a link to a folder; linked folders are not followed"
    if not target.is_relative_to(root):
        return f"a link to {target}, outside {root}; name that file itself to index it"
    return ""


def _broken_link(link: Path) -> str:
    try:
        link.resolve(strict=True)
    except RuntimeError:
        return "a symbolic link loop"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link loop"
    return "a symbolic link to nothing"


def load_all(paths: Iterable[Path], progress: bool = False
             ) -> tuple[list[Document], list[Skipped]]:
    """Every readable document under ``paths``; the rest with the reason they were skipped.
    ``progress``: a bar on stderr (a folder of saved pages reads at tens a second)."""
    from tqdm import tqdm

    files, skipped = find(paths)
    docs: dict[str, Document] = {}
    for path in tqdm(files, desc="reading", unit="file", disable=not progress or len(files) < 2,
                     file=sys.stderr, leave=False):
        try:
            loaded = load(path)
        except DocumentError as e:
            skipped.append(Skipped(str(path), str(e)))
            continue
        for doc in loaded:
            if doc.source in docs and docs[doc.source].path != doc.path:
                skipped.append(Skipped(str(path), f"another file named {doc.source} is "
                                                  f"indexed from {docs[doc.source].path}; "
                                                  f"rename one"))
                continue
            docs[doc.source] = doc
    return list(docs.values()), skipped
