"""Years and numbers a question pins down, whether a passage meets them, and the abstention
that follows when none does."""

import random

import pytest

from qa.answer import abstain
from qa.answer.constraints import (
    Constraint,
    constraints,
    meeting_constraints,
    other_year,
    perturb,
    unmet,
)
from qa.errors import ConfigError
from qa.settings import Settings
from qa.store.index import Index
from qa.types import Passage

from ..conftest import fake_assistant

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("question", "expected"), [
    ("Who won the women's singles Wimbledon in 2019?", [("year", "2019")]),
    ("When does season 3 of The Crown premiere?", [("number", "3")]),
    ("Who won Best Actor at the 92nd Academy Awards?", [("number", "92")]),
    ("What happened in the 1960s?", [("year", "1960")]),
    ("Who finished third in 2020?", [("year", "2020"), ("number", "3")]),
    ("What was the first thing they did?", []),  # "first" is too often "earliest"
    ("What share was 45%?", []),
    ("Who earned $1,000?", []),
    ("Why did the guardsmen refuse?", []),
])
def test_the_years_and_numbers_a_question_names(question: str,
                                                expected: list[tuple[str, str]]) -> None:
    assert [(c.kind, c.value) for c in constraints(question)] == expected


def test_a_passage_meets_a_constraint_in_any_form() -> None:
    assert unmet("Who won in 2019?", "Jul 14, 2019 ... Halep won") == []
    assert unmet("Who won in 2019?", "Jul 2018 ... Kerber won") == [Constraint("year", "2019")]
    assert unmet("Who was third?", "She came third.") == []
    assert unmet("Who won at the 92nd Academy Awards?", "At the 92nd Oscars ...") == []
    assert unmet("When does season 3 start?", "Season three starts in May.") == []
    assert unmet("When does season 3 start?", "Season 4 starts in May.") != []


def test_a_perturbed_question_names_another_year_or_number() -> None:
    rng = random.Random(0)
    for question in ("Who won in 2019?", "Who won at the 92nd Academy Awards?",
                     "Who finished third?", "What happened in the 1960s?"):
        for _ in range(5):
            changed = perturb(question, rng)
            assert changed is not None and changed != question
            assert unmet(changed, question), (question, changed)
    assert perturb("Why did the guardsmen refuse?", rng) is None


def _passage(text: str, n: int) -> Passage:
    return Passage(f"p{n}", f"p{n}.txt", "", 0, len(text), text, 1.0)


def test_only_passages_that_meet_the_question_are_read() -> None:
    p18, p19 = _passage("Jul 2018 ... Kerber won", 1), _passage("Jul 2019 ... Halep won", 2)
    assert meeting_constraints("Who won in 2019?", [p18, p19]) == ([p19], [])
    assert meeting_constraints("Who won in 2021?", [p18, p19]) == (
        [p18, p19], [Constraint("year", "2021")])
    assert meeting_constraints("Who won?", [p18, p19]) == ([p18, p19], [])


def test_a_question_about_a_year_no_article_mentions_is_abstained_on(
        hash_index: Index, settings: Settings) -> None:
    a = fake_assistant(hash_index, settings, "Benyash called from Krasnodar.")
    answer = a.ask("From which city did Benyash speak to the Financial Times in 1987?")
    assert answer.abstained and answer.meta["route"] == "abstained: constraint"
    assert "1987" in answer.text and answer.text == abstain.text([Constraint("year", "1987")])
    assert answer.closest


def test_the_refusal_names_what_no_passage_states() -> None:
    assert abstain.text([]) == abstain.TEXT
    assert "2019" in abstain.text([Constraint("year", "2019")])


def test_the_abstention_decision_is_a_setting() -> None:
    assert Settings.from_env({"QA_ABSTENTION": "rules"}).abstention == "rules"
    with pytest.raises(ConfigError, match="abstention"):
        Settings.from_env({"QA_ABSTENTION": "maybe"})


@pytest.mark.parametrize(("question", "sentence", "expected"), [
    ("Who won the British Open in 2020?", "Hinako Shibuno won the 2019 Women's British Open.",
     True),  # another edition, though the passage's dateline says 2020
    ("Who won the British Open in 2020?", "Shane Lowry, the 2019 winner, kept the title in "
     "2020 when the event was cancelled.", False),
    ("Who won the British Open in 2020?", "Shane Lowry won it.", False),  # no year stated
    ("Who won the British Open?", "Hinako Shibuno won the 2019 Women's British Open.", False),
])
def test_a_sentence_about_another_year(question: str, sentence: str, expected: bool) -> None:
    assert other_year(constraints(question), sentence) is expected
