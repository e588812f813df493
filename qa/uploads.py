"""Uploads: a file a user hands in, checked and turned into a text file for the corpus.

``convert(name, data)`` refuses what should not be indexed (wrong type, too big, not text,
a PDF without a text layer) with a message naming the file and the fix, and turns HTML and
PDF into plain text. ``store(folder, upload)`` writes that text into the corpus folder under a
sanitised name that cannot leave the folder, atomically, so a half-written file is never
indexed. Citations point at character spans of the stored text file, which is why an HTML or
PDF upload is kept as the ``.txt`` extracted from it, not as the original.

Text is read as ``qa index`` reads files (``charsets.decode``: UTF-8, UTF-16, Windows-1252),
and an HTML page's declared charset comes first. Left out: OCR of scanned PDFs, Office
formats.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .charsets import decode
from .documents import fingerprint, headline
from .errors import DocumentError

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".pdf")
MAX_BYTES = 10 * 1024 * 1024
MAX_NAME = 80  # characters of the stem kept in a stored file name


@dataclass(frozen=True)
class Upload:
    """A converted upload: ``name`` is the file name to store it under, ``text`` its text."""

    original: str
    name: str
    text: str

    @property
    def sha256(self) -> str:
        return fingerprint(self.text)


def check(name: str, size: int, max_bytes: int = MAX_BYTES) -> str:
    """The file's lowercase suffix when its type and size may be uploaded, else DocumentError."""
    shown = display_name(name)
    suffix = Path(shown).suffix.lower()
    if suffix not in SUFFIXES:
        kinds = ", ".join(s for s in SUFFIXES if s != ".htm")
        raise DocumentError(f"{shown} was not added: only {kinds} files can be added.")
    if size > max_bytes:
        raise DocumentError(f"{shown} was not added: it is {_mb(size)}, and the limit is "
                            f"{_mb(max_bytes)}. Split it or upload a shorter text.")
    if size == 0:
        raise DocumentError(f"{shown} was not added: the file is empty.")
    return suffix


def convert(name: str, data: bytes, max_bytes: int = MAX_BYTES) -> Upload:
    """Check and convert one uploaded file; nothing is written."""
    suffix = check(name, len(data), max_bytes)
    shown = display_name(name)
    if suffix == ".pdf":
        text = pdf_text(shown, data)
    elif suffix in (".html", ".htm"):
        text = html_text(_decode(shown, data, html_charset(data))) + "\n"
    else:
        text = _decode(shown, data)
    text = _tidy(text)
    if not any(ch.isalnum() for ch in text):
        raise DocumentError(f"{shown} was not added: no readable text was found in it.")
    stored_suffix = suffix if suffix in TEXT_SUFFIXES else ".txt"
    return Upload(original=shown, name=safe_name(shown, stored_suffix), text=text)


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
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(upload.text)
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


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _decode(shown: str, data: bytes, charset: str | None = None) -> str:
    if charset and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass  # a page that lies about its charset: read it as any other text
    try:
        return decode(data).text
    except DocumentError as e:
        raise DocumentError(f"{shown} was not added: {e}.") from None


def _tidy(text: str) -> str:
    """One newline convention (the index reads files with universal newlines), no NULs."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


# --- HTML ---------------------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "nav",
         "footer", "form", "button", "select"}
_BLOCK = {"p", "div", "section", "article", "main", "header", "aside", "blockquote", "pre",
          "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
          "figure", "figcaption", "br", "hr", "address", "details", "summary"}


def html_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 2 KB (``<meta charset="...">``), if any."""
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", data[:2048], re.I)
    return m.group(1).decode("ascii").lower() if m else None


class _TextOfPage(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.title = ""
        self._line: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._line.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self._line).split())
        if line:
            self.blocks.append(line)
        self._line = []

    def text(self) -> str:
        self._flush()
        title = " ".join(self.title.split())
        blocks = self.blocks
        if title and (not blocks or blocks[0] != title):
            blocks = [title, *blocks]
        return "\n\n".join(blocks)


def html_text(page: str) -> str:
    """Readable text of an HTML page: title first, one paragraph per block element, no markup.

    ``html_text("<title>T</title><p>A &amp; B</p><script>x()</script>") -> "T\\n\\nA & B"``
    """
    parser = _TextOfPage()
    parser.feed(page)
    parser.close()
    return parser.text()


# --- PDF ----------------------------------------------------------------------------------


def pdf_text(shown: str, data: bytes) -> str:
    """The text layer of a PDF, page after page, with its title (if it has one) first."""
    if not data.startswith(b"%PDF"):
        raise DocumentError(f"{shown} was not added: it is not a PDF file.")
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable noise
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(f"{shown} was not added: it is password-protected. Save an "
                                f"unprotected copy and upload that.")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise DocumentError(f"{shown} was not added: it is not a readable PDF ({e}).") from None
    body = "\n\n".join(p.strip() for p in pages if p.strip())
    if not body:
        raise DocumentError(f"{shown} was not added: it has no text layer (a scanned PDF?). "
                            f"Only PDFs with selectable text can be added.")
    title = " ".join(str(title).split())
    if title and not headline(body).startswith(title):
        body = f"{title}\n\n{body}"
    return body + "\n"
