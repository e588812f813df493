"""Pure text helpers: word lists, words, stems, sentences with exact spans, page debris, facts.

Nothing here loads a model or touches disk. Sentence splitting is a small rule set tuned for
news prose (quotes, abbreviations, one-line headlines); it is not a general NLP tokenizer.

The general-English word lists that ingest, the store and the answer stage read are here,
each written once and named for what it is for. Where two rules need nearly the same words
for different ends (a role noun that heads "Which lawyer ...?" against a title peeled off
"Admiral Tony Radakin"), both lists are here, one derived from the other, with what sets
them apart. A list that only one rule reads and that holds that rule's own wording (a
question frame's head nouns, the phrases of a broad question) stays beside the rule.
Left out: any list that names the people, groups or places of a corpus (a fit to one
corpus, not a rule of English).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:[’'][A-Za-z]+)?")
# A CJK character counts as a token, and so does each 40 characters of a longer word, so text
# without spaces (Chinese, a base64 blob) still splits into chunks of a bounded size.
TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|\w{1,40}|[^\w\s]")

# --- word lists ------------------------------------------------------------------------

# Words too common to say what a text is about: left out of content terms and of names.
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

# The question words; the first of them in a question says what it asks for. A tuple: some
# rules join it into a pattern, and a fixed order keeps that pattern the same every run.
WH_WORDS = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how")

# Words that frame a question without naming what it is about (left out of its terms).
QUESTION_FRAME = frozenset(WH_WORDS) | frozenset(
    """name named kind type happen happened article articles text report reported reports
    mention mentioned according""".split()
)

# The auxiliary verbs: "Who is ...?", "Did they ...?" (a yes/no question opens with one).
AUXILIARIES = frozenset("is are was were do does did has have had can could would will "
                        "should may might must be been".split())

# Courtesy titles written before a name, with or without a full stop ("Mr. Benyash").
HONORIFICS = frozenset("mr mrs ms dr".split())

# A full stop after these does not end a sentence ("Mr. Benyash", "Jan. 5", "U.S. troops").
ABBREVIATIONS = HONORIFICS | frozenset(
    "prof st jr sr gen col lt sgt capt adm gov sen rep inc ltd co corp vs etc "
    "e.g i.e u.s u.k u.n no jan feb mar apr jun jul aug sep sept oct nov dec".split()
)

# Nouns naming what a person does, that head a question about a person ("Which lawyer ...?",
# "Who is the director of ...?") and, written before a name, say who someone is.
ROLE_NOUNS = frozenset("lawyer attorney activist official officer admiral colonel general "
                       "leader president judge journalist head director chief minister "
                       "commander spokesman spokeswoman spokesperson prosecutor mayor "
                       "governor chairman chairwoman senator ambassador actor actress "
                       "singer author writer novelist player coach founder producer".split())

# The roles that, right before a name ("lawyer Mikhail Benyash", "director, Francis Ford
# Coppola,") or after it ("Chikov, the activist,"), make the name a person's in the corpus
# lexicon and record the role. "Head of ..." and "officer" are left out: a capitalized word
# after them is as often a body's name as a person's.
NAME_ROLES = ROLE_NOUNS - frozenset("officer head".split())

# Titles that stand capitalized before a name and are peeled off a name span ("Admiral Tony
# Radakin" -> "Tony Radakin"): the honorifics and the roles most often written as a title.
# Narrower than ROLE_NOUNS: a capitalized "Judge" or "Leader" is also the start of a name of
# a court or a party, and which of them to peel is not measured.
TITLES = HONORIFICS | frozenset("admiral colonel general president minister lawyer activist "
                                "head chief director mayor governor senator".split())

# Whoever stands in for a person named by office, not by name: "the Russian president".
AUTHORITIES = ("president", "prime minister", "king", "government", "minister", "commander",
               "authorities")

# Words that make a capitalized phrase an organisation's name, not a person's ("Financial
# Times", "National Guard", "Ministry of Defence").
ORG_WORDS = frozenset("times federation guard guards forces army force staff commons group tv "
                      "division union ministry court news agency council party company bank "
                      "police service office".split())

# Verbs of saying (and the emphatic "himself"), which after a name mark a person speaking:
# "Benyash said", "Chikov wrote", "Putin himself". A tuple: joined into a pattern.
SPEECH = ("said", "says", "told", "added", "wrote", "noted", "explained", "argues", "argued",
          "asked", "put it", "warned", "revealed", "himself", "herself")

# Pronouns for a person and for a thing or a group, which a follow-up question may use for a
# name in the conversation ("Which city was he calling from?").
PERSONAL_PRONOUNS = ("he", "she", "him", "her", "his", "hers")
THING_PRONOUNS = ("it", "its", "they", "them", "their", "theirs")

# Pronouns that open a sentence about what the sentence before names ("It was established in
# 2016."): the subject and possessive forms of the two lists above.
OPENING_PRONOUNS = ("it", "its", "they", "their", "he", "his", "she", "her")

# "this", "these": a demonstrative opening carries the previous sentence's subject too, but
# names its own noun ("These guardsmen were ..."), so it counts for coverage, not embedding.
NEAR_DEMONSTRATIVES = ("this", "these")
DEMONSTRATIVES = ("that", "this", "those", "these")

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "billion": 1_000_000_000, "dozen": 12, "hundreds": 100,
    "thousands": 1000, "dozens": 12,
}  # word -> its value
# The parts of a compound number: "twenty-three".
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
UNITS = "one two three four five six seven eight nine".split()
# In order: an ordinal's index plus one is its value ("third" -> 3).
ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
            "twelfth").split()
MONTHS = (
    "january february march april may june july august september october november december"
).split()


# --- words -----------------------------------------------------------------------------


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


# British spellings folded to American ones before stemming, so that "honoured" meets
# "honored" and "Defence" meets "Defense": -our, -ise/-yse, -fence/-cence, -tre, -ogue.
# Rewriting a word that merely looks like one ("detour" -> "detor") is harmless: every
# word is folded alike, on both the question's side and the articles'.
_BRITISH = (
    (re.compile(r"(?<=[a-z]{2})our(?=(s|ed|ing|able|ably|ful|ite|ites|ist|ists)?$)"), "or"),
    (re.compile(r"(?<=[a-z]{3})([iy])s(?=(e|es|ed|ing|ation|ations|er|ers)$)"), r"\1z"),
    (re.compile(r"(?<=[a-z])(fen|cen)ce(?=s?$)"), r"\1se"),
    (re.compile(r"(?<=[a-z]{2})tre(?=s?$)"), "ter"),
    (re.compile(r"(?<=[a-z]{3})ogue(?=s?$)"), "og"),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem, irregular "-men" plurals folded first and
    British spellings after them (``_BRITISH``): ``guardsmen -> guardsman``,
    ``refused``/``refusing`` -> ``refus``, ``responsible``/``responsibilities`` ->
    ``respons``, ``honoured``/``honored`` -> ``honor``."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("men") and len(word) > 5:
        word = word[:-3] + "man"
    for pattern, american in _BRITISH:
        word = pattern.sub(american, word)
    return str(_snowball().stemWord(word))


@lru_cache(maxsize=1)
def _snowball() -> Any:
    """The stemmer, made on first use: ``import qa`` needs the word lists, not the stemmer."""
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning: ``"Why did the guardsmen refuse?" -> [...]``."""
    return list(_content_terms(text))


@lru_cache(maxsize=16384)
def _content_terms(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _words(text) if w not in STOPWORDS)


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
            if m.group().startswith(".") and (last in ABBREVIATIONS or len(last) == 1):
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
# A run of capitalized words, "of" or "of the" allowed inside: "Mikhail Benyash", "Bank of
# England", "Ministry of the Interior"; what a name span starts from.
CAPITALIZED = re.compile(r"\b[A-Z][\w’'\-]+(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'\-]+)*")


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
