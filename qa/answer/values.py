"""What a claim's words are worth: numbers with their hedges, dates, names, made comparable.

Two reports state the same fact in different words: "12" and "a dozen", "around 1,000" and
"over a thousand", "9 out of the 12" and "most of them", "February 24th" and "24 February",
"Mikhail Benyash" and "Benyash". ``parse(text, kind)`` turns a claim into a ``Value``;
``compatible(a, b)`` says whether two values can both be true, and ``None`` when they are not
comparable (a number and a name, a count and a share with nothing to relate them).

- A number is a range: "12" is [12, 12]; a hedge widens it ("around 1,000" [850, 1150],
  "over a thousand" [1000, inf), "nearly 50" [40, 50], "up to 7,000" [0, 7000]); "dozens"
  and "hundreds" are [24, 144] and [200, 1200]. "9 of 12" is also a share (0.75), and
  "most" / "half" / "all" / "none" are shares only.
- A date is (year, month, day) with what is missing left None; two dates are compatible when
  every field both give is equal.
- What a number counts is read off the words right after it (``counted``): "12 members"
  and "14 members" count one thing; the callers decide what is near enough.
- A name is its words without titles and articles; "Benyash" is a short form of "Mikhail
  Benyash", "Crimean" of "Crimea" (a shared prefix of five letters or more).

Left out: units (the caller compares claims about the same thing), relative dates ("last
week"), and any paraphrase that is not a number, a date or a name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qa.text import MONTHS, NUMBER_WORDS, TITLES, normalize, stem, words

_ABOUT = (0.85, 1.15)  # the factors of "around", "about", "roughly" and their kind
_HEDGES: tuple[tuple[str, float, float], ...] = (
    # (phrase, low factor, high factor) applied to the number that follows
    ("more than", 1.0, math.inf), ("over", 1.0, math.inf), ("at least", 1.0, math.inf),
    ("upwards of", 1.0, math.inf), ("in excess of", 1.0, math.inf),
    ("as many as", 0.0, 1.0), ("up to", 0.0, 1.0), ("fewer than", 0.0, 1.0),
    ("less than", 0.0, 1.0), ("under", 0.0, 1.0), ("no more than", 0.0, 1.0),
    ("nearly", 0.8, 1.0), ("almost", 0.8, 1.0), ("close to", 0.8, 1.0),
    ("as low as", 1.0, 1.0),
    ("around", *_ABOUT), ("about", *_ABOUT), ("roughly", *_ABOUT),
    ("approximately", *_ABOUT), ("some", *_ABOUT), ("an estimated", *_ABOUT),
    ("estimated", *_ABOUT), ("circa", *_ABOUT), ("more or less", *_ABOUT),
)
_SHARES = {"all": (1.0, 1.0), "none": (0.0, 0.0), "half": (0.5, 0.5), "most": (0.5, 1.0),
           "majority": (0.5, 1.0), "minority": (0.0, 0.5), "some": (0.0, 1.0)}
_PLURAL_SCALES = {"dozens": (24.0, 144.0), "scores": (40.0, 200.0), "hundreds": (200.0, 1200.0),
                  "thousands": (2000.0, 12000.0), "millions": (2e6, 1.2e7)}
SCALES = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALES = SCALES | {"k": 1e3, "m": 1e6, "bn": 1e9}  # and as abbreviated after a figure
# The hedges a number's candidate span takes with it ("about 40"), most common first; every
# one is among _HEDGES, which says what each does to the number when claims are compared.
SPAN_HEDGES = ("over", "around", "about", "almost", "nearly", "more than", "as many as",
               "as low as", "some", "up to", "at least")
# Dropped from a name before two names are compared ("Mr. Benyash" is "Benyash"): titles,
# "sir", and the articles and particles a name is written with.
_NOT_NAME = TITLES | frozenset("sir the a an of de".split())
_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Value:
    """``kind``: "number", "share", "date" or "name"; ``text``: the normalised form shown
    ("12", "≥1,000", "9 of 12", "2022-02-24", "mikhail benyash")."""

    kind: str
    text: str
    low: float = 0.0
    high: float = 0.0
    share: tuple[float, float] | None = None  # "9 of 12" -> (0.75, 0.75); "most" -> (0.5, 1)
    date: tuple[int | None, int | None, int | None] = (None, None, None)
    words: tuple[str, ...] = ()


def parse(text: str, kind: str) -> Value | None:
    """``kind``: the answer's kind ("number", "date", "person", "place", "name").

    ``parse("a dozen", "number") -> Value("number", "12", 12, 12)``;
    ``parse("24 February", "date").date -> (None, 2, 24)``;
    ``parse("Mr. Benyash", "person").words -> ("benyash",)``.
    """
    if kind == "number":
        return number(text)
    if kind == "date":
        return date(text)
    if kind in ("person", "place", "name"):
        return name(text)
    return None


def number(text: str) -> Value | None:
    t = normalize(text).replace("per cent", "percent")
    out_of = re.search(r"(\S+(?: \S+)?) (?:out of|of) (?:the |these |those )?(\S+)", t)
    if out_of:
        part, whole = _amount(out_of.group(1)), _amount(out_of.group(2))
        if part is not None and whole and part <= whole:
            return Value("number", f"{_show(part)} of {_show(whole)}", part, part,
                         share=(part / whole, part / whole))
    for word, (lo, hi) in _SHARES.items():
        if re.search(rf"^(?:the |a )?{word}(?: of\b|$)", t) and not _NUM.search(t):
            return Value("share", word, share=(lo, hi))
    for word, (lo, hi) in _PLURAL_SCALES.items():
        if re.search(rf"\b{word}\b", t) and not _NUM.search(t):
            return Value("number", word, lo, hi)
    low_f, high_f = 1.0, 1.0
    for phrase, lo, hi in _HEDGES:
        if re.search(rf"\b{phrase}\b", t):
            low_f, high_f = lo, hi
            t = re.sub(rf"\b{phrase}\b", " ", t)
            break
    amount = _amount(t)
    if amount is None:
        return None
    low, high = amount * low_f, amount * high_f
    sign = "" if low_f == high_f == 1.0 else "≥" if high_f == math.inf else \
        "≤" if low_f == 0.0 else "≈"
    return Value("number", f"{sign}{_show(amount)}", low, high)


def _amount(text: str) -> float | None:
    """``"1,000" -> 1000``; ``"a thousand" -> 1000``; ``"15 thousand" -> 15000``;
    ``"twenty-five" -> 25``; ``"7.5m" -> 7500000``; no number -> None."""
    t = text.replace("-", " ")
    m = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*(hundred|thousand|million|billion|trillion|k|m|bn)?"
                  r"\b", t)
    if m:
        value = float(m.group(1).replace(",", ""))
        return value * _SCALES[m.group(2)] if m.group(2) else value
    total, current, seen = 0.0, 0.0, False
    for w in re.findall(r"[a-z]+", t):
        if w in ("a", "an", "one") and not seen:
            current, seen = 1.0, w == "one"
            continue
        if w == "and" and seen:
            continue
        if w not in NUMBER_WORDS or w in _PLURAL_SCALES:
            if seen:
                break
            current = 0.0
            continue
        n, seen = float(NUMBER_WORDS[w]), True
        if w == "dozen":
            current = (current or 1.0) * 12
        elif n >= 1000:
            total, current = total + (current or 1.0) * n, 0.0
        elif n == 100:
            current = (current or 1.0) * 100
        else:
            current = n if current == 1.0 and not total and n > 1 else current + n
    return total + current if seen else None


def counted(after: str, skip: frozenset[str]) -> list[str]:
    """What a number counts: the stems of the two words after it, those in ``skip`` aside.
    ``counted(" members of the guard", frozenset({"of", "the"})) -> ["member"]``."""
    return [stem(w) for w in words(after)[:2] if w not in skip]


def _show(value: float) -> str:
    """``_show(1000.0) -> "1,000"``; ``_show(2.5) -> "2.5"``."""
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


_MONTH_OF = {m: i for i, m in enumerate(MONTHS, 1)} | {
    m[:3]: i for i, m in enumerate(MONTHS, 1)} | {"sept": 9}


def date(text: str) -> Value | None:
    """``"February 24th, 2022"``, ``"24 Feb 2022"`` and ``"2022-02-24"`` -> (2022, 2, 24)."""
    t = normalize(text)
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", t)
    if iso:
        return _dated(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    month = next((_MONTH_OF[w] for w in re.findall(r"[a-z]+", t) if w in _MONTH_OF), None)
    year_m = re.search(r"\b(1\d{3}|20\d{2})s?\b", t)
    year = int(year_m.group(1)) if year_m else None
    rest = t.replace(year_m.group(0), " ") if year_m else t
    day_m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", rest) if month else None
    day = int(day_m.group(1)) if day_m and 1 <= int(day_m.group(1)) <= 31 else None
    if year is None and month is None:
        return None
    return _dated(year, month, day)


def _dated(year: int | None, month: int | None, day: int | None) -> Value:
    shown = "-".join(f"{v:02d}" if i else str(v) for i, v in enumerate((year, month, day))
                     if v is not None) if year else \
        f"{MONTHS[month - 1].capitalize()} {day}" if month and day else \
        MONTHS[(month or 1) - 1].capitalize()
    return Value("date", shown, date=(year, month, day))


def name(text: str) -> Value | None:
    """A name's words without titles: ``"the Crimean peninsula" -> ("crimean", "peninsula")``."""
    tokens = tuple(w for w in re.findall(r"[a-z0-9]+", normalize(text).replace("'s", ""))
                   if w not in _NOT_NAME)
    return Value("name", " ".join(tokens), words=tokens) if tokens else None


def compatible(a: Value, b: Value) -> bool | None:
    """Can both be true? None when the two cannot be compared.

    ``compatible(number("12"), number("a dozen")) -> True``;
    ``compatible(number("12"), number("14")) -> False``;
    ``compatible(number("9 out of the 12"), number("most of them")) -> True``.
    """
    if a.kind == "date" and b.kind == "date":
        shared = [(x, y) for x, y in zip(a.date, b.date, strict=True)
                  if x is not None and y is not None]
        return all(x == y for x, y in shared) if shared else None
    if a.kind == "name" and b.kind == "name":
        return _same_name(a.words, b.words)
    if {a.kind, b.kind} <= {"number", "share"}:
        if a.share is not None and b.share is not None and "share" in (a.kind, b.kind):
            return a.share[0] <= b.share[1] + 1e-9 and b.share[0] <= a.share[1] + 1e-9
        if a.kind == "number" and b.kind == "number":
            return a.low <= b.high * 1.0001 and b.low <= a.high * 1.0001
    return None


def restates(a: Value, b: Value) -> bool:
    """Does ``b`` state ``a``'s own value, in its words? Stricter than ``compatible``: the
    same figure whatever the hedge, every part of ``a``'s date, the same name.

    ``restates(number("31"), number("at least 31")) -> True``;
    ``restates(number("about 3,000"), number("more than 3,000")) -> True``;
    ``restates(number("12"), number("more than 10")) -> False`` (compatible, but another
    figure); ``restates(date("19 October"), date("October 2024")) -> False``.
    """
    if a.kind == "date" and b.kind == "date":
        given = [(x, y) for x, y in zip(a.date, b.date, strict=True) if x is not None]
        return bool(given) and all(x == y for x, y in given)
    if a.kind == "name" and b.kind == "name":
        return _same_name(a.words, b.words)
    if a.kind == "number" and b.kind == "number":
        return _figure(a) == _figure(b)
    return False


def _figure(v: Value) -> float:
    """The number a hedged value was written with: ``≥31`` -> 31, ``≈3,000`` -> 3000,
    ``nearly 50`` ([40, 50]) -> 50, ``up to 40`` -> 40 (``_HEDGES`` sets each bound)."""
    if v.high == math.inf or v.low == v.high:
        return v.low
    if v.low > 0.0 and math.isclose(v.high / v.low, _ABOUT[1] / _ABOUT[0]):
        return round((v.low + v.high) / 2, 6)  # "around", "about": either side of it
    return v.high


def _same_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Every word of the shorter name is a word of the longer, or shares a five-letter
    prefix with one: ``("benyash",)`` and ``("mikhail", "benyash")``; ``("crimea",)`` and
    ``("crimean", "peninsula")``."""
    short, long_ = sorted((a, b), key=len)

    def like(x: str, y: str) -> bool:
        return x == y or len(x) >= 5 and len(y) >= 5 and x[:5] == y[:5] and \
            (x.startswith(y) or y.startswith(x))

    return bool(short) and all(any(like(w, v) for v in long_) for w in short)
