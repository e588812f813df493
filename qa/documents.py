"""Loading documents: find the files, read their text exactly, name and fingerprint them.

A document's ``text`` is the file's content as Python's ``open(path).read()`` returns it, so a
citation's ``start:end`` indexes the file as a user would read it. Only plain text and
Markdown are read here; richer formats are left to the UI's upload path.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError

SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Document:
    source: str  # the file name: what citations and suites refer to
    path: str
    text: str
    title: str
    sha256: str


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def headline(text: str) -> str:
    """The first line when it reads as a headline (short, no closing period), else "".

    ``headline("Guards Refuse To Fight\\n\\nRussian guards...") -> "Guards Refuse To Fight"``
    """
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line.split()) <= 20 and not re.search(r"[.!?…,;]$", line):
            return line
        return ""
    return ""


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(path: Path) -> Document:
    """Read one file; a file that is not UTF-8 text is a DocumentError naming it."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise DocumentError(
            f"{path} is not UTF-8 text; convert it to UTF-8 and index again.") from None
    except OSError as e:
        raise DocumentError(f"Cannot read {path}: {e.strerror or e}.") from None
    if "\x00" in text:
        raise DocumentError(f"{path} looks binary (it contains NUL bytes); it was not indexed.")
    if not text.strip():
        raise DocumentError(f"{path} is empty; there is nothing to index.")
    return Document(
        source=path.name,
        path=str(path.resolve()),
        text=text,
        title=headline(text),
        sha256=fingerprint(text),
    )


def find(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand folders into their text files (sorted, hidden ones left out)."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not p.is_file():
                    continue
                if p.suffix.lower() in SUFFIXES:
                    found.append(p)
                else:
                    skipped.append(Skipped(str(p), f"not a {'/'.join(SUFFIXES)} file"))
        elif path.is_file():
            found.append(path)
        else:
            skipped.append(Skipped(str(path), "no such file or folder"))
    return found, skipped


def load_all(paths: Iterable[Path]) -> tuple[list[Document], list[Skipped]]:
    """Every readable document under ``paths``; the rest with the reason they were skipped."""
    files, skipped = find(paths)
    docs: dict[str, Document] = {}
    for path in files:
        try:
            doc = load(path)
        except DocumentError as e:
            skipped.append(Skipped(str(path), str(e)))
            continue
        if doc.source in docs and docs[doc.source].path != doc.path:
            skipped.append(Skipped(str(path), f"another file named {doc.source} is indexed "
                                              f"from {docs[doc.source].path}; rename one"))
            continue
        docs[doc.source] = doc
    return list(docs.values()), skipped
