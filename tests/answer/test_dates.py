"""Relative dates worked out from the publication date (``qa/answer/dates.py``)."""

from __future__ import annotations

import doctest
from datetime import date, timedelta

import pytest

from qa.answer import dates
from qa.answer.dates import Resolved, relative_dates, resolve

pytestmark = pytest.mark.unit

FRIDAY = date(2022, 3, 25)  # a Friday; that week runs Monday 21 to Sunday 27 March 2022
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def test_publication_day_is_a_friday() -> None:
    assert FRIDAY.weekday() == 4
    assert date(2021, 1, 1).weekday() == 4
    assert date(2024, 3, 1).weekday() == 4


def test_worked_example() -> None:
    assert resolve("on Tuesday", FRIDAY) == Resolved(
        "on Tuesday", 0, 10, "22 March 2022", "2022-03-22")


def test_docstring_examples_hold() -> None:
    failed, attempted = doctest.testmod(dates)
    assert attempted > 0 and failed == 0


@pytest.mark.parametrize(("phrase", "value", "iso"), [
    # bare weekdays: the most recent on or before publication
    ("on Tuesday", "22 March 2022", "2022-03-22"),
    ("Tuesday", "22 March 2022", "2022-03-22"),
    ("Tuesday night", "22 March 2022", "2022-03-22"),
    ("on Monday morning", "21 March 2022", "2022-03-21"),
    ("early Thursday", "24 March 2022", "2022-03-24"),
    ("late on Wednesday", "23 March 2022", "2022-03-23"),
    ("on Saturday", "19 March 2022", "2022-03-19"),
    ("on Sunday", "20 March 2022", "2022-03-20"),
    # the publication weekday itself
    ("on Friday", "25 March 2022", "2022-03-25"),
    ("Friday evening", "25 March 2022", "2022-03-25"),
    # last: strictly before; next / this coming: strictly after
    ("last Friday", "18 March 2022", "2022-03-18"),
    ("last Tuesday", "22 March 2022", "2022-03-22"),
    ("this past Saturday", "19 March 2022", "2022-03-19"),
    ("next Friday", "1 April 2022", "2022-04-01"),
    ("next Monday", "28 March 2022", "2022-03-28"),
    ("this coming Saturday", "26 March 2022", "2022-03-26"),
    ("next Thursday night", "31 March 2022", "2022-03-31"),
    # days
    ("yesterday", "24 March 2022", "2022-03-24"),
    ("yesterday afternoon", "24 March 2022", "2022-03-24"),
    ("last night", "24 March 2022", "2022-03-24"),
    ("the day before yesterday", "23 March 2022", "2022-03-23"),
    ("today", "25 March 2022", "2022-03-25"),
    ("earlier today", "25 March 2022", "2022-03-25"),
    ("this morning", "25 March 2022", "2022-03-25"),
    ("this afternoon", "25 March 2022", "2022-03-25"),
    ("this evening", "25 March 2022", "2022-03-25"),
    ("tonight", "25 March 2022", "2022-03-25"),
    ("tomorrow", "26 March 2022", "2022-03-26"),
    ("tomorrow night", "26 March 2022", "2022-03-26"),
    ("the day after tomorrow", "27 March 2022", "2022-03-27"),
    # weeks and weekends
    ("this week", "the week of 21 March 2022", "2022-03-21/2022-03-27"),
    ("earlier this week", "the week of 21 March 2022", "2022-03-21/2022-03-27"),
    ("last week", "the week of 14 March 2022", "2022-03-14/2022-03-20"),
    ("next week", "the week of 28 March 2022", "2022-03-28/2022-04-03"),
    ("this weekend", "the weekend of 26 March 2022", "2022-03-26/2022-03-27"),
    ("last weekend", "the weekend of 19 March 2022", "2022-03-19/2022-03-20"),
    ("next weekend", "the weekend of 2 April 2022", "2022-04-02/2022-04-03"),
    # months and years
    ("this month", "March 2022", "2022-03"),
    ("earlier this month", "March 2022", "2022-03"),
    ("later this month", "March 2022", "2022-03"),
    ("last month", "February 2022", "2022-02"),
    ("next month", "April 2022", "2022-04"),
    ("this year", "2022", "2022"),
    ("earlier this year", "2022", "2022"),
    ("last year", "2021", "2021"),
    ("next year", "2023", "2023"),
    # N ... ago, digits or words
    ("two days ago", "23 March 2022", "2022-03-23"),
    ("10 days ago", "15 March 2022", "2022-03-15"),
    ("a week ago", "the week of 14 March 2022", "2022-03-14/2022-03-20"),
    ("three weeks ago", "the week of 28 February 2022", "2022-02-28/2022-03-06"),
    ("six months ago", "September 2021", "2021-09"),
    ("twelve months ago", "March 2021", "2021-03"),
    ("a year ago", "2021", "2021"),
    ("5 years ago", "2017", "2017"),
    ("one day ago", "24 March 2022", "2022-03-24"),
])
def test_each_phrase_kind(phrase: str, value: str, iso: str) -> None:
    r = resolve(phrase, FRIDAY)
    assert r is not None, phrase
    assert (r.phrase, r.start, r.end, r.value, r.iso) == (phrase, 0, len(phrase), value, iso)


@pytest.mark.parametrize("phrase", ["On Tuesday", "ON TUESDAY", "Last Week", "YESTERDAY",
                                    "Three Days Ago", "Earlier This Month"])
def test_case_insensitive(phrase: str) -> None:
    r = resolve(phrase, FRIDAY)
    assert r is not None and r.phrase == phrase


def test_weekday_equal_to_publication_day_on_every_weekday() -> None:
    for offset in range(7):
        day = date(2022, 3, 21 + offset)
        name = WEEKDAYS[offset]
        assert resolve(f"on {name}", day) == Resolved(
            f"on {name}", 0, len(name) + 3, dates._words(day), day.isoformat())
        last = resolve(f"last {name}", day)
        nxt = resolve(f"next {name}", day)
        assert last is not None and nxt is not None
        assert date.fromisoformat(last.iso) == day - timedelta(days=7)
        assert date.fromisoformat(nxt.iso) == day + timedelta(days=7)


def test_bare_weekday_is_never_after_publication_and_within_a_week() -> None:
    for day in (date(2022, 3, 21 + k) for k in range(7)):
        for name in WEEKDAYS:
            r = resolve(name, day)
            assert r is not None
            gap = (day - date.fromisoformat(r.iso)).days
            assert 0 <= gap <= 6


def test_weeks_crossing_a_month_boundary() -> None:
    pub = date(2022, 6, 1)  # a Wednesday
    assert resolve("this week", pub) == Resolved(
        "this week", 0, 9, "the week of 30 May 2022", "2022-05-30/2022-06-05")
    r = resolve("on Monday", pub)
    assert r is not None and r.iso == "2022-05-30" and r.value == "30 May 2022"
    r = resolve("last month", pub)
    assert r is not None and (r.value, r.iso) == ("May 2022", "2022-05")


def test_weeks_crossing_a_year_boundary() -> None:
    pub = date(2021, 1, 1)  # a Friday
    assert [(r.phrase, r.iso) for r in relative_dates(
        "This week and last week; on Monday, last month, last year and next weekend.", pub)] == [
        ("This week", "2020-12-28/2021-01-03"),
        ("last week", "2020-12-21/2020-12-27"),
        ("on Monday", "2020-12-28"),
        ("last month", "2020-12"),
        ("last year", "2020"),
        ("next weekend", "2021-01-09/2021-01-10"),
    ]
    r = resolve("next Monday", date(2022, 12, 30))
    assert r is not None and r.value == "2 January 2023"
    r = resolve("next month", date(2022, 12, 15))
    assert r is not None and (r.value, r.iso) == ("January 2023", "2023-01")
    r = resolve("two months ago", date(2022, 1, 15))
    assert r is not None and (r.value, r.iso) == ("November 2021", "2021-11")


def test_leap_years() -> None:
    r = resolve("yesterday", date(2024, 3, 1))
    assert r is not None and (r.value, r.iso) == ("29 February 2024", "2024-02-29")
    r = resolve("yesterday", date(2023, 3, 1))
    assert r is not None and r.iso == "2023-02-28"
    r = resolve("tomorrow", date(2024, 2, 28))
    assert r is not None and r.iso == "2024-02-29"
    r = resolve("on Thursday", date(2024, 3, 1))  # the Friday after 29 February
    assert r is not None and r.iso == "2024-02-29"
    r = resolve("a year ago", date(2024, 2, 29))
    assert r is not None and r.iso == "2023"
    r = resolve("last month", date(2024, 3, 31))
    assert r is not None and r.iso == "2024-02"


def test_several_phrases_with_exact_offsets() -> None:
    text = ("Police said on Tuesday night that the march, planned last month, drew more people "
            "than one held two weeks ago. Talks resume next Monday, and a vote is due "
            "tomorrow. Earlier this year turnout fell; yesterday’s count was higher.")
    got = relative_dates(text, FRIDAY)
    assert [(r.phrase, r.value) for r in got] == [
        ("on Tuesday night", "22 March 2022"),
        ("last month", "February 2022"),
        ("two weeks ago", "the week of 7 March 2022"),
        ("next Monday", "28 March 2022"),
        ("tomorrow", "26 March 2022"),
        ("Earlier this year", "2022"),
        ("yesterday", "24 March 2022"),
    ]
    for r in got:
        assert text[r.start:r.end] == r.phrase
    assert got[0].start == text.index("on Tuesday")


def test_longest_phrase_wins_and_none_overlap() -> None:
    got = relative_dates("earlier this month and the day before yesterday", FRIDAY)
    assert [r.phrase for r in got] == ["earlier this month", "the day before yesterday"]


@pytest.mark.parametrize("text", [
    "March 3", "on March 3, 2019", "in 2019", "3 March 2022", "2022-03-22", "the 1990s",
    "Sundays are quiet", "every Tuesday", "on Tuesdays", "the following Tuesday",
    "this Tuesday", "Tuesday week", "Tuesday, March 22", "on Friday 18 March",
    "the last week of March", "over the past week", "the next year", "a few days ago",
    "an hour ago", "Yesterdays", "todays", "weekday", "Wednesdayish",
])
def test_absolute_or_unsupported_yield_nothing(text: str) -> None:
    assert relative_dates(text, FRIDAY) == []
    assert resolve(text, FRIDAY) is None


@pytest.mark.parametrize("text", [
    "The Sunday Times reported the claim.",
    "a Sunday Times journalist",
    "according to USA Today",
    "since Bloody Sunday",
    "the Good Friday Agreement",
    "watch Monday Night Football",
    "on the Tonight Show",
    "ITV's This Morning presenter",
    "on ABC's This Week",
    "Last Week Tonight",
])
def test_names_yield_nothing(text: str) -> None:
    assert relative_dates(text, FRIDAY) == []


def test_sunday_times_alone_is_a_name_but_sunday_is_a_date() -> None:
    assert resolve("Sunday Times", FRIDAY) is None
    r = resolve("Sunday", FRIDAY)
    assert r is not None and r.iso == "2022-03-20"
    got = relative_dates("The Sunday Times said on Sunday that", FRIDAY)
    assert [(r.phrase, r.iso) for r in got] == [("on Sunday", "2022-03-20")]


def test_modifier_makes_a_date_even_before_a_name() -> None:
    got = relative_dates("On Tuesday Mr Smith said so. Yesterday Ms Jones agreed.", FRIDAY)
    assert [(r.phrase, r.iso) for r in got] == [("On Tuesday", "2022-03-22"),
                                                ("Yesterday", "2022-03-24")]
    got = relative_dates("He said on Tuesday, 12 people had left.", FRIDAY)
    assert [r.phrase for r in got] == ["on Tuesday"]


def test_resolve_wants_the_whole_phrase() -> None:
    r = resolve("  on Tuesday. ", FRIDAY)
    assert r == Resolved("on Tuesday", 2, 12, "22 March 2022", "2022-03-22")
    r = resolve("“Tuesday’s”", FRIDAY)
    assert r is not None and r.phrase == "Tuesday" and r.start == 1
    assert resolve("on Tuesday and Wednesday", FRIDAY) is None
    assert resolve("on Tuesday, 22 March", FRIDAY) is None
    assert resolve("the police", FRIDAY) is None
    assert resolve("", FRIDAY) is None


def test_out_of_range_counts_yield_nothing() -> None:
    assert relative_dates("9999 years ago", FRIDAY) == []
    assert relative_dates("5000 months ago", date(2, 1, 1)) == []
    assert relative_dates("tomorrow", date(9999, 12, 31)) == []


def test_resolved_is_frozen() -> None:
    r = resolve("today", FRIDAY)
    assert r is not None
    with pytest.raises(AttributeError):
        r.iso = "x"  # type: ignore[misc]
