"""Pure text helpers: words, stems, sentences with exact spans, page debris, facts.

Nothing here loads a model or touches disk. Sentence splitting is a small rule set tuned for
news prose (quotes, abbreviations, one-line headlines); it is not a general NLP tokenizer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:[’'][A-Za-z]+)?")
# A CJK character counts as a token, and so does each 40 characters of a longer word, so text
# without spaces (Chinese, a base64 blob) still splits into chunks of a bounded size.
TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|\w{1,40}|[^\w\s]")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom whose why will with would you your yours also according per did does
    said says say told tell many much one ones s t d ll re ve m""".split()
)

# Words that frame a question without naming what it is about.
QUESTION_FRAME = frozenset(
    """what which who whom whose when where why how name named kind type happen happened
    article articles text report reported reports mention mentioned according""".split()
)

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt adm gov sen rep inc ltd co corp vs etc "
    "e.g i.e u.s u.k u.n no jan feb mar apr jun jul aug sep sept oct nov dec".split()
)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "billion": 1_000_000_000, "dozen": 12, "hundreds": 100,
    "thousands": 1000, "dozens": 12,
}
MONTHS = (
    "january february march april may june july august september october november december"
).split()


def normalize(text: str) -> str:
    """Lowercase, fold accents and curly quotes, squeeze spaces: ``'Kyïv’s  X' -> "kyiv's x"``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def words(text: str) -> list[str]:
    """``"Benyash’s 12 men" -> ["benyash", "12", "men"]`` (possessives dropped)."""
    return list(_words(text))


@lru_cache(maxsize=16384)  # the same evidence sentences are read for every question
def _words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"'s$", "", w).replace("'", "") for w in WORD.findall(normalize(text)))


def count_tokens(text: str) -> list[str]:
    """The tokenizer chunk sizes are counted in: words and punctuation marks."""
    return TOKEN.findall(text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem, irregular "-men" plurals folded first:
    ``guardsmen -> guardsman``, ``refused``/``refusing`` -> ``refus``,
    ``responsible``/``responsibilities`` -> ``respons``."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("men") and len(word) > 5:
        word = word[:-3] + "man"
    return str(_SNOWBALL.stemWord(word))


_SNOWBALL = snowballstemmer.stemmer("english")


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning: ``"Why did the guardsmen refuse?" -> [...]``."""
    return list(_content_terms(text))


@lru_cache(maxsize=16384)
def _content_terms(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _words(text) if w not in STOPWORDS)


def is_number_word(word: str) -> bool:
    return word in NUMBER_WORDS


# --- sentences -------------------------------------------------------------------------

_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+|$)")


def sentence_spans(text: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each sentence; lines are never joined across a newline.

    ``list(sentence_spans("He left. She came.\\nTitle"))`` -> ``[(0, 8), (9, 18), (19, 24)]``
    """
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        start = line_start
        for m in _END.finditer(line):
            end = line_start + m.end()
            before = line[: m.start()].rsplit(None, 1)
            last = before[-1].lower().strip("\"'“”‘’(") if before else ""
            if m.group().startswith(".") and (last in _ABBREVIATIONS or len(last) == 1):
                continue  # "Mr." / "U.S." / an initial
            rest = line[m.end():].lstrip()
            if rest and rest[0].islower():
                continue  # "… their direct duties" continues the sentence
            yield from _trimmed(text, start, end, offset)
            start = end
        yield from _trimmed(text, start, line_start + len(line), offset)


def _trimmed(text: str, start: int, end: int, offset: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield offset + start, offset + end


_DEBRIS = re.compile(
    r"(Source:\s*$|via Wikimedia Commons|\bCC BY\b|^Read Next:|^Related:|^Advertisement\b|"
    r"^Click here\b|^Subscribe\b|^Sign up\b)",
    re.IGNORECASE,
)


def is_debris(sentence: str, line: str = "") -> bool:
    """Page furniture that is not evidence: captions, credits, teasers, headlines.

    ``line`` is the whole line the sentence sits on; a caption line taints every sentence
    on it. ``is_debris("Admiral Tony Radakin (OGL 3, via Wikimedia Commons).") -> True``
    """
    s, ln = sentence.strip(), (line or sentence).strip()
    if _DEBRIS.search(s) or _DEBRIS.search(ln):
        return True
    if not re.search(r"[.!?…\"”’:)]$", ln) and len(ln.split()) < 14:
        return True  # a headline or caption line: no closing punctuation, few words
    return len(words(s)) < 3


def sentences(text: str) -> list[tuple[int, int, bool]]:
    """Every sentence of a document as ``(start, end, is_debris)``."""
    out = []
    for start, end in sentence_spans(text):
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start : len(text) if line_end < 0 else line_end]
        out.append((start, end, is_debris(text[start:end], line)))
    return out


# --- facts -----------------------------------------------------------------------------

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th)?")
CAPITALIZED = re.compile(
    r"[A-Z][\w’'\-]*(?:\s+(?:of|de|von|van|al|the)?\s*[A-Z][\w’'\-]*)*"
)


def numbers(text: str) -> set[str]:
    """Numbers as canonical strings: ``"1,000 people, a dozen, 24th" -> {"1000", "12", "24"}``."""
    return set(_numbers(text))


@lru_cache(maxsize=4096)  # the streaming gate reads the same quotes at every token
def _numbers(text: str) -> frozenset[str]:
    found = {re.sub(r"(st|nd|rd|th)$", "", n.replace(",", "")) for n in NUMBER.findall(text)}
    for w in _words(text):
        if w in NUMBER_WORDS:
            found.add(str(NUMBER_WORDS[w]))
    for tens, units in COMPOUND.findall(text.lower()):  # "twenty-three" is 23 as well
        found.add(str(NUMBER_WORDS[tens] + NUMBER_WORDS[units]))
    return frozenset(n.rstrip(".") for n in found if n)


TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
UNITS = "one two three four five six seven eight nine".split()
COMPOUND = re.compile(rf"\b({'|'.join(TENS)})[- ]({'|'.join(UNITS)})\b")


def names(text: str) -> set[str]:
    """Capitalized words not at a sentence start, lowercased: the names a claim leans on.

    ``names("Benyash spoke from Krasnodar.") -> {"krasnodar"}`` (a first word is ambiguous).
    """
    found: set[str] = set()
    for start, end in sentence_spans(text):
        tokens = re.findall(r"[\w’'\-]+", text[start:end])
        for i, tok in enumerate(tokens):
            if i == 0 or not tok[0].isupper():
                continue
            w = normalize(tok).replace("'s", "").replace("'", "")
            if w and w not in STOPWORDS and w not in MONTHS and not w.isdigit():
                found.add(w)
    return found
