"""Uploads: a file a user hands in, checked, read as ``qa index`` reads it, kept in the corpus.

``convert(name, data)`` refuses what should not be indexed (wrong type, too big, no text, a
PDF without a text layer, a feed without entries) with a message naming the file and the
fix, and reads its articles through ``documents.from_bytes`` (``formats``), the one way in
that ``qa index`` and ``qa index URL`` use too, so a page uploaded and a page indexed from a
folder become the same document with the same metadata. ``store(folder, upload)`` writes the
file into the corpus folder under a sanitised name that cannot leave the folder (its suffix
kept: the next ``qa index`` reads it the same way), atomically, so a half-written file is
never indexed. Citations point into the text the index keeps of each article.

Plain text is stored as UTF-8 with one newline convention; every other format as it came.
Left out: what ``formats`` leaves out.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.errors import DocumentError
from qa.ingest.charsets import decode
from qa.ingest.documents import KINDS, MAX_BYTES, Document, accepted, from_bytes, mb
from qa.ingest.formats import PLAIN, suffix_of

MAX_NAME = 80  # characters of the stem kept in a stored file name


@dataclass(frozen=True)
class Upload:
    """A checked upload: ``name`` is the file name to store it under, ``data`` what is
    stored, ``documents`` the articles ``qa index`` will read from it."""

    original: str
    name: str
    data: bytes
    documents: tuple[Document, ...]

    @property
    def text(self) -> str:
        """The text of its (first) article, as indexed."""
        return self.documents[0].text


def check(name: str, size: int, max_bytes: int = MAX_BYTES) -> str:
    """The file's lowercase suffix when its type and size may be uploaded, else DocumentError."""
    shown = display_name(name)
    suffix = suffix_of(shown)
    if not accepted(shown):
        raise DocumentError(f"{shown} was not added: only {KINDS} files can be added.")
    if size > max_bytes:
        raise DocumentError(f"{shown} was not added: it is {mb(size)}, and the limit is "
                            f"{mb(max_bytes)}. Split it or upload a shorter text.")
    if size == 0:
        raise DocumentError(f"{shown} was not added: the file is empty.")
    return suffix


def convert(name: str, data: bytes, max_bytes: int = MAX_BYTES) -> Upload:
    """Check one uploaded file and read its articles; nothing is written."""
    suffix = check(name, len(data), max_bytes)
    shown = display_name(name)
    if suffix in PLAIN:
        data = _tidy(_decode(shown, data)).encode("utf-8")
    stored = safe_name(shown, suffix)
    try:
        docs = from_bytes(stored, data, stored)
    except DocumentError as e:
        why = str(e).removeprefix(f"{stored} was not indexed: ")
        if why.startswith(f"{stored} "):  # "x.pdf is not a PDF file" -> "it is not a ..."
            why = "it " + why.removeprefix(f"{stored} ")
        elif why.startswith(f"{stored}: "):
            why = why.removeprefix(f"{stored}: ")
        raise DocumentError(f"{shown} was not added: {why.rstrip('.')}.") from None
    return Upload(original=shown, name=stored, data=data, documents=tuple(docs))


def store(folder: Path, upload: Upload, taken: set[str] | frozenset[str] = frozenset()) -> Path:
    """Write ``upload`` into ``folder`` atomically; return its path.

    The name gets ``-2``, ``-3`` ... when a file of that name exists or ``taken`` (names already
    indexed from elsewhere) holds it, so nothing is overwritten.
    """
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    stem, suffix = os.path.splitext(upload.name)
    name, n = upload.name, 1
    while (root / name).exists() or name in taken:
        n += 1
        name = f"{stem}-{n}{suffix}"
    path = root / name
    if path.parent != root:  # safe_name makes this impossible; refuse rather than trust it
        raise DocumentError(f"{upload.original} was not added: its name is not allowed.")
    tmp = root / f".{name}.uploading"
    try:
        tmp.write_bytes(upload.data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def display_name(name: str) -> str:
    """The last part of a path as a browser or client sent it: ``"C:\\\\x\\\\a.txt" -> "a.txt"``."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base or "upload"


def safe_name(name: str, suffix: str) -> str:
    """A file name that is safe on every disk and cannot leave its folder.

    ``safe_name("../../etc/Crème brûlée!.html", ".txt") -> "Creme_brulee.txt"``
    """
    stem = os.path.splitext(display_name(name))[0]
    stem = unicodedata.normalize("NFKD", stem)
    stem = "".join(ch for ch in stem if not unicodedata.combining(ch))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    stem = re.sub(r"_{2,}", "_", stem).strip("._-")[:MAX_NAME].strip("._-")
    return f"{stem or 'document'}{suffix}"


def _decode(shown: str, data: bytes) -> str:
    try:
        return decode(data).text
    except DocumentError as e:
        raise DocumentError(f"{shown} was not added: {e}.") from None


def _tidy(text: str) -> str:
    """One newline convention (the index reads files with universal newlines), no NULs."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
