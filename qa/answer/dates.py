"""Relative dates in a news text, worked out from the article's publication date.

A "when" answer read from a news sentence is often relative: "on Tuesday", "yesterday",
"last month", "three weeks ago". ``relative_dates(text, published)`` finds every such phrase
in a text with the absolute date it means; ``resolve(phrase, published)`` does it for one
phrase (an extracted short answer) and says None when the phrase is not a relative date.
Each ``Resolved`` carries the phrase and its offsets in the text passed in, the date as
words ("22 March 2022", "March 2022", "2021", "the week of 21 March 2022") and as ISO
("2022-03-22", "2022-03", "2021", "2022-03-21/2022-03-27")::

    >>> from datetime import date
    >>> friday = date(2022, 3, 25)  # 25 March 2022 was a Friday
    >>> resolve("on Tuesday", friday)
    Resolved(phrase='on Tuesday', start=0, end=10, value='22 March 2022', iso='2022-03-22')
    >>> [(r.phrase, r.iso) for r in relative_dates("He left last week and returns tomorrow.",
    ...                                            friday)]
    [('last week', '2022-03-14/2022-03-20'), ('tomorrow', '2022-03-26')]

The convention is that of English news reports, dated by the publication day:

- A bare weekday ("on Tuesday", "Tuesday night", "early Tuesday") is the most recent such
  day on or before publication: "on Friday" in a Friday article is that Friday.
  "last Tuesday" / "this past Tuesday" is the most recent one strictly before it;
  "next Tuesday" / "this coming Tuesday" the first one strictly after it.
- "yesterday" / "last night" are the day before; "today", "tonight", "this morning",
  "this afternoon", "this evening" the day itself; "tomorrow" the day after; "the day
  before yesterday" / "the day after tomorrow" two days either side.
- "last/this/next week" is a Monday-Sunday week, "last/this/next weekend" its Saturday and
  Sunday, "last/this/next month" a calendar month, "last/this/next year" a calendar year;
  "earlier this" and "later this" mean "this".
- "N days ago" is a day; "N weeks/months/years ago" the week, month or year N before the
  publication's (the rough phrase gets a rough answer). N is digits, a number word from
  "one" to "twelve", or "a"/"an".

Names are not dates. A weekday, "today" or "tonight" written with a capital and no
"on"/"last"/"next"/"early"/"late" before it is taken for part of a name, and skipped, when
the next word is capitalised ("the Sunday Times", "Tonight Show"; a capitalised day part
counts when a capitalised word follows it: "Monday Night Football"). Any capitalised
relative word is skipped when the word before it is capitalised and not a preposition or
conjunction ("USA Today", "Bloody Sunday", "Good Friday"). A title-cased period ("This
Week", "This Morning", "Last Week") is skipped between such words ("ABC's This Week",
"Last Week Tonight"), and found alone ("Earlier This Month"). So "Tuesday Mr Smith said" and
"told CNN Tuesday" are missed, while "on Tuesday Mr Smith said" and "Yesterday Mr Smith
said" are found. A weekday is also skipped after "the", "a", "that", "every", "each",
"one", "same", "following" or "previous" (a habit, or a day fixed by the story rather than
the publication), and when an absolute date follows it ("Tuesday, March 22": the caller
reads the absolute date); a period after "the" ("the last week") is skipped. Absolute dates
("March 3", "2019") are never returned.

Left out: seasons ("last summer"), fiscal and school years, time zones (the publication
date is taken as the writer's day), future phrases other than "next ..." and "tomorrow"
("in two weeks", "within a month"), "this Tuesday" (past or coming, depending on the
writer), "Tuesday week", "the past week" (the last seven days), vague counts ("a few days
ago"), and title-cased headlines, where every word looks like a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from qa.text import MONTHS


@dataclass(frozen=True)
class Resolved:
    """A relative date phrase and the absolute date it means.

    ``phrase`` is ``text[start:end]`` of the text passed in ("on Tuesday"); ``value`` the
    date as words ("22 March 2022", "March 2022", "2021", "the week of 21 March 2022",
    "the weekend of 19 March 2022"); ``iso`` the same in ISO 8601 ("2022-03-22",
    "2022-03", "2021", "2022-03-21/2022-03-27").
    """

    phrase: str
    start: int
    end: int
    value: str
    iso: str


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PARTS = ("morning", "afternoon", "evening", "night")
_COUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
# Capitalised words that may stand before a date at the start of a sentence.
_LEADS = frozenset(
    "on by until till since from before after and or but then as for through at so also even "
    "only just again late early".split())
# Words after which a weekday is not the publication's (a habit or the story's own day).
_NOT_BEFORE_WEEKDAY = frozenset(
    "the a an that every each one same following previous this".split())

_WD = "|".join(_WEEKDAYS)
_PART = "|".join(_PARTS)
_MONTH = "|".join(MONTHS)
_WEEKDAY = re.compile(
    rf"\b(?:(?P<mod>this\s+coming|this\s+past|next|last|early\s+on|late\s+on|early|late|on)"
    rf"\s+)?(?P<core>{_WD})(?:\s+(?P<part>{_PART}))?\b", re.IGNORECASE)
_DAYWORD = re.compile(
    r"\b(?:(?P<mod>earlier|later)\s+)?(?P<core>the\s+day\s+before\s+yesterday"
    r"|the\s+day\s+after\s+tomorrow|yesterday|today|tomorrow|tonight|last\s+night"
    rf"|this\s+(?:{_PART.replace('|night', '')}))"
    rf"(?:\s+(?P<part>{_PART}))?\b", re.IGNORECASE)
_PERIOD = re.compile(
    r"\b(?P<mod>last|this|next|earlier\s+this|later\s+this)\s+(?P<unit>week|weekend|month|year)\b",
    re.IGNORECASE)
_AGO = re.compile(
    rf"\b(?P<n>\d{{1,4}}|{'|'.join(_COUNTS)})\s+(?P<unit>day|week|month|year)s?\s+ago\b",
    re.IGNORECASE)
_ABSOLUTE_AFTER = re.compile(
    rf",?\s*\(?\s*(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b"
    rf"|(?:{_MONTH})\s+\d{{1,2}}\b|\d{{1,2}}(?:st|nd|rd|th)\b)", re.IGNORECASE)
_WEEK_AFTER = re.compile(r"\s+week\b", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][\w'’-]*)")
_PREV_WORD = re.compile(r"([A-Za-z][\w'’.-]*)[ \t]+$")
_WorkOut = Callable[[re.Match[str], date], tuple[str, str] | None]
_STRIP = " \t\n\"'“”‘’()[],.;:!?"


def relative_dates(text: str, published: date) -> list[Resolved]:
    """Every relative date phrase in ``text`` with the absolute date it means, given the
    article was published on ``published``; in text order, none overlapping (the longest
    phrase wins).

    >>> from datetime import date
    >>> t = "Two days ago police said the march on Sunday was the largest this year."
    >>> [(r.phrase, r.value) for r in relative_dates(t, date(2022, 3, 25))]
    [('Two days ago', '23 March 2022'), ('on Sunday', '20 March 2022'), ('this year', '2022')]
    >>> relative_dates("The Sunday Times said on 3 March 2019 ...", date(2022, 3, 25))
    []
    """
    found = sorted(_candidates(text, published), key=lambda r: (r.start, -r.end))
    out: list[Resolved] = []
    for r in found:
        if not out or r.start >= out[-1].end:
            out.append(r)
    return out


def resolve(phrase: str, published: date) -> Resolved | None:
    """One phrase (an extracted short answer, e.g. "on Tuesday") -> its absolute date, or
    None when it is not wholly a relative date. Quotes, brackets, end punctuation and a
    possessive "'s" around the phrase are allowed; offsets are into ``phrase`` as given.

    >>> from datetime import date
    >>> resolve("last month", date(2022, 1, 10))
    Resolved(phrase='last month', start=0, end=10, value='December 2021', iso='2021-12')
    >>> resolve("Tuesday's", date(2022, 3, 25)).iso
    '2022-03-22'
    >>> resolve("March 3", date(2022, 3, 25)) is None
    True
    """
    start = len(phrase) - len(phrase.lstrip(_STRIP))
    core = phrase.rstrip(_STRIP)
    if core.lower().endswith(("'s", "’s")):
        core = core[:-2]
    end = len(core)
    found = relative_dates(phrase, published)
    if len(found) == 1 and found[0].start == start and found[0].end == end:
        return found[0]
    return None


def _candidates(text: str, published: date) -> Iterator[Resolved]:
    kinds: tuple[tuple[re.Pattern[str], _WorkOut], ...] = (
        (_WEEKDAY, _weekday), (_DAYWORD, _dayword), (_PERIOD, _period), (_AGO, _ago))
    for pattern, work_out in kinds:
        for m in pattern.finditer(text):
            if _skipped(text, m, pattern):
                continue
            try:
                got = work_out(m, published)
            except (OverflowError, ValueError):  # "9999 years ago": before year 1
                got = None
            if got is not None:
                yield Resolved(m.group(0), m.start(), m.end(), got[0], got[1])


def _skipped(text: str, m: re.Match[str], pattern: re.Pattern[str]) -> bool:
    """Whether a match is a name, a habit or the story's own day rather than a date."""
    before = _PREV_WORD.search(text[max(0, m.start() - 40):m.start()])
    prev = before.group(1) if before else ""
    if pattern is _AGO:
        return False
    if pattern is _PERIOD:  # "the last week" is the past seven days; "ABC's This Week" a name
        return prev.lower() == "the" or (
            m.group("unit")[0].isupper() and _name_around(text, prev, m.end()))
    mod, core = m.group("mod"), m.group("core")
    if pattern is _WEEKDAY:
        if prev.lower() in _NOT_BEFORE_WEEKDAY:
            return True  # "every Tuesday", "the following Tuesday", "this Tuesday"
        if _ABSOLUTE_AFTER.match(text, m.end()) or _WEEK_AFTER.match(text, m.end()):
            return True  # "Tuesday, March 22", "Tuesday week"
    elif core.lower().startswith("this "):  # "ITV's This Morning", a programme
        return core.split()[-1][0].isupper() and _name_around(text, prev, m.end())
    if mod or not core[0].isupper():
        return False
    if _capitalised(prev):
        return True  # "USA Today", "Bloody Sunday"
    if pattern is _DAYWORD and core.lower() not in ("today", "tonight"):
        return False  # "Yesterday Mr Smith said": no names to fear
    after = _NEXT_WORD.match(text, m.start("core") + len(core))
    if after and after.group(1)[0].isupper():
        if after.group(1).lower() not in _PARTS:
            return True  # "Sunday Times"
        then = _NEXT_WORD.match(text, after.end())
        return bool(after.group(1)[0].isupper() and then and then.group(1)[0].isupper())
    return False


def _capitalised(prev: str) -> bool:
    """Whether the word before a phrase is a capitalised word, not one that starts a
    sentence in front of a date ("On", "Since", "By")."""
    return bool(prev) and prev[0].isupper() and prev.lower() not in _LEADS


def _name_around(text: str, prev: str, end: int) -> bool:
    """Whether a title-cased phrase stands between capitalised words (part of a name)."""
    after = _NEXT_WORD.match(text, end)
    return _capitalised(prev) or bool(after and after.group(1)[0].isupper())


def _weekday(m: re.Match[str], published: date) -> tuple[str, str]:
    wanted = _WEEKDAYS.index(m.group("core").lower())
    mod = " ".join((m.group("mod") or "").lower().split())
    today = published.weekday()
    if mod in ("next", "this coming"):
        day = published + timedelta(days=(wanted - today - 1) % 7 + 1)
    elif mod in ("last", "this past"):
        day = published - timedelta(days=(today - wanted - 1) % 7 + 1)
    else:
        day = published - timedelta(days=(today - wanted) % 7)
    return _day(day)


def _dayword(m: re.Match[str], published: date) -> tuple[str, str] | None:
    core = " ".join(m.group("core").lower().split())
    if m.group("part") and core not in ("yesterday", "tomorrow", "today"):
        return None  # "tonight evening"
    if m.group("mod") and (core in ("yesterday", "tomorrow", "last night")
                           or core.startswith("the day")):
        return None  # "later yesterday": not a phrase
    offset = {"the day before yesterday": -2, "yesterday": -1, "last night": -1,
              "tomorrow": 1, "the day after tomorrow": 2}.get(core, 0)
    return _day(published + timedelta(days=offset))


def _period(m: re.Match[str], published: date) -> tuple[str, str]:
    mod = m.group("mod").lower().split()[0]
    step = {"last": -1, "next": 1}.get(mod, 0)
    unit = m.group("unit").lower()
    if unit in ("week", "weekend"):
        return _week(published + timedelta(weeks=step), weekend=unit == "weekend")
    if unit == "month":
        return _month(published, step)
    return _year(published.year + step)


def _ago(m: re.Match[str], published: date) -> tuple[str, str]:
    word = m.group("n").lower()
    n = int(word) if word.isdigit() else _COUNTS[word]
    unit = m.group("unit").lower()
    if unit == "day":
        return _day(published - timedelta(days=n))
    if unit == "week":
        return _week(published - timedelta(weeks=n), weekend=False)
    if unit == "month":
        return _month(published, -n)
    return _year(published.year - n)


def _words(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1].capitalize()} {d.year}"


def _day(d: date) -> tuple[str, str]:
    return _words(d), d.isoformat()


def _week(d: date, *, weekend: bool) -> tuple[str, str]:
    monday = d - timedelta(days=d.weekday())
    first = monday + timedelta(days=5) if weekend else monday
    last = monday + timedelta(days=6)
    return (f"the {'weekend' if weekend else 'week'} of {_words(first)}",
            f"{first.isoformat()}/{last.isoformat()}")


def _month(published: date, step: int) -> tuple[str, str]:
    year, month = divmod(published.year * 12 + published.month - 1 + step, 12)
    if not 1 <= year <= 9999:
        raise ValueError(year)
    return f"{MONTHS[month].capitalize()} {year}", f"{year:04d}-{month + 1:02d}"


def _year(year: int) -> tuple[str, str]:
    if not 1 <= year <= 9999:
        raise ValueError(year)
    return str(year), f"{year:04d}"
