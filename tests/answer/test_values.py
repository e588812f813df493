"""How claims' words are normalised and compared (``qa/answer/values.py``)."""

from __future__ import annotations

import pytest

from qa.answer import values

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("a", "b", "same"), [
    ("12", "a dozen", True),
    ("twelve", "12", True),
    ("12", "14", False),
    ("around 1,000", "over a thousand", True),
    ("1,000", "over a thousand", True),
    ("around 1,000", "2,000", False),
    ("9 out of the 12", "most of them", True),
    ("9 out of the 12", "half", False),
    ("nearly 50", "45", True),
    ("up to 7,000", "15,000", False),
    ("twenty-three", "23", True),
    ("two dozen", "24", True),
    ("one hundred and fifty", "150", True),
    ("15 thousand", "15,000", True),
    ("dozens", "40", True),
    ("dozens", "5", False),
])
def test_numbers_with_hedges_scales_and_shares(a: str, b: str, same: bool) -> None:
    va, vb = values.number(a), values.number(b)
    assert va is not None and vb is not None
    assert values.compatible(va, vb) is same
    assert values.compatible(vb, va) is same


@pytest.mark.parametrize(("a", "b", "same"), [
    ("February 24", "24 February", True),
    ("February 24th", "Feb. 24", True),
    ("February 24th, 2022", "2022-02-24", True),
    ("February 24", "February 26", False),
    ("2015", "2016", False),
    ("in 2016", "2016", True),
    ("5 June 2024", "June 6, 2024", False),
])
def test_dates_in_their_forms(a: str, b: str, same: bool) -> None:
    va, vb = values.date(a), values.date(b)
    assert va is not None and vb is not None
    assert values.compatible(va, vb) is same


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Mikhail Benyash", "Benyash", True),
    ("Mr. Benyash", "Mikhail Benyash", True),
    ("Crimea", "the Crimean peninsula", True),
    ("Kyiv", "near Kyiv", True),
    ("Kyiv", "Irpin", False),
    ("Holm Square", "Market Square", False),
    ("Piet Laren", "Joris Hale", False),
])
def test_names_and_their_short_forms(a: str, b: str, same: bool) -> None:
    va, vb = values.name(a), values.name(b)
    assert va is not None and vb is not None
    assert values.compatible(va, vb) is same


def test_what_cannot_be_compared_is_left_unjudged() -> None:
    assert values.number("no number here") is None
    assert values.date("on Tuesday") is None
    one, share = values.number("12"), values.number("most of them")
    assert one is not None and share is not None
    assert values.compatible(one, share) is None  # a count and a share, nothing relating them
    d, n = values.date("2016"), values.number("2016")
    assert d is not None and n is not None
    assert values.compatible(d, n) is None


def test_the_normalised_forms_shown() -> None:
    shown = {t: v.text for t in ("a dozen", "over a thousand", "around 1,000", "9 out of the 12")
             if (v := values.number(t)) is not None}
    assert shown == {"a dozen": "12", "over a thousand": "≥1,000", "around 1,000": "≈1,000",
                     "9 out of the 12": "9 of 12"}
    assert (d := values.date("February 24th, 2022")) is not None and d.text == "2022-02-24"
    assert (d := values.date("24 February")) is not None and d.text == "February 24"


def test_what_a_number_counts_is_read_after_it() -> None:
    assert values.counted(" members of the guard", frozenset({"of", "the"})) == ["member"]
    assert values.counted(" of the guardsmen", frozenset({"of", "the"})) == []
    assert values.counted(" guardsmen refused", frozenset()) == ["guardsman", "refus"]


@pytest.mark.parametrize(("a", "b", "kind", "same"), [
    ("31", "At least 31", "number", True),  # the same figure, hedged
    ("about 3,000", "more than 3,000", "number", True),
    ("12", "a dozen", "number", True),
    ("nearly 50", "50", "number", True),
    ("up to 40", "40", "number", True),
    ("12", "more than 10", "number", False),  # compatible, but another figure
    ("12", "14", "number", False),
    ("19 October", "Oct. 19", "date", True),
    ("19 October", "October 2024", "date", False),  # the day is not stated
    ("Tomas Reyes", "Reyes", "person", True),
    ("Tomas Reyes", "Piet Laren", "person", False),
])
def test_a_value_restated_is_the_same_figure_date_or_name(a: str, b: str, kind: str,
                                                          same: bool) -> None:
    first, second = values.parse(a, kind), values.parse(b, kind)
    assert first is not None and second is not None
    assert values.restates(first, second) is same
    if same:
        assert values.compatible(first, second) is True  # stricter than compatible
