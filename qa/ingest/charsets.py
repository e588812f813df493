"""Charsets: which encoding a file's bytes are in, and whether they are text at all.

``decode(data)`` tries, in order: a byte-order mark (UTF-8, UTF-16, UTF-32), UTF-16 without
one (text whose every other byte is NUL), strict UTF-8, then Windows-1252 and Latin-1, and
keeps a result only if it reads as text: no NUL and almost no other control characters.
Newlines come out as ``\\n`` whatever the file used, exactly as Python's ``open()`` reads
them, so ``open(path, encoding=decoded.encoding).read() == decoded.text``: the recorded
encoding is enough to find a citation's span in the original file.

Left out: guessing among the many legacy 8-bit encodings (a Cyrillic or Greek 8-bit file
reads as Windows-1252 mojibake; save it as UTF-8), and HTML's declared charsets (``uploads``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from qa.errors import DocumentError

# Control characters (Unicode category Cc) but for tab, newlines, vertical tab, form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
MAX_CONTROL_SHARE = 0.01  # more than 1% other control characters: not text
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a Python codec name: "utf-8", "utf-16", "cp1252", ...


def decode(data: bytes) -> Decoded:
    """The text of ``data`` and the encoding it was read with; DocumentError when the bytes
    are not text in any encoding tried (its message is a clause, for the caller to prefix
    with the file's name: "it looks binary ...").

    ``decode("Café".encode("latin-1")) -> Decoded("Café", "cp1252")``
    """
    for encoding in _candidates(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if looks_like_text(text):
            return Decoded(universal_newlines(text), encoding)
    if b"\x00" in data:
        raise DocumentError("it looks binary (it contains NUL bytes), not like text")
    raise DocumentError("it looks binary (it is full of control characters), not like text")


def _candidates(data: bytes) -> list[str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return [encoding]
    if b"\x00" in data:
        guess = _utf16_without_bom(data)
        return [guess] if guess else []
    return ["utf-8", "cp1252", "latin-1"]


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` when every other byte of the opening is NUL (ASCII-range UTF-16)."""
    head = data[:4096]
    if len(data) % 2 or len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def looks_like_text(text: str) -> bool:
    """No NUL, and at most 1% control characters besides tabs and newlines.

    ``looks_like_text("line one\\nline two") -> True``; ``looks_like_text("\\x89PNG\\x1a\\x00")
    -> False``
    """
    if "\x00" in text:
        return False
    return len(_CONTROL.findall(text)) <= MAX_CONTROL_SHARE * max(len(text), 1)


def universal_newlines(text: str) -> str:
    """``"a\\r\\nb\\rc" -> "a\\nb\\nc"``: what ``open()`` in text mode reads."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
