"""Two-part questions: split, each part answered, one answer with citations numbered afresh."""

from pathlib import Path

import pytest

from qa.answer import abstain
from qa.answer.compound import split
from qa.settings import Settings
from qa.store.index import Index

from ..conftest import fake_assistant
from .test_assistant import assert_citations_exact

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("question", "expected"), [
    ("Where were they stationed and why were they dismissed?",
     ["Where were they stationed?", "Why were they dismissed?"]),
    ("Where did they go and why?", ["Where did they go?", "Why did they go?"]),
    ("How many refused, and what happened to them?",
     ["How many refused?", "What happened to them?"]),
    ("Who won and lost?", ["Who won and lost?"]),
    ("Who is the CEO of Apple in 2021?", ["Who is the CEO of Apple in 2021?"]),
    ("Who and why?", ["Who and why?"]),
])
def test_a_question_splits_only_where_a_second_one_starts(question: str,
                                                          expected: list[str]) -> None:
    assert split(question) == expected


def test_each_part_is_answered_and_cited(hash_index: Index, settings: Settings,
                                         corpus: Path) -> None:
    a = fake_assistant(hash_index, settings)
    answer = a.ask("From which city did Benyash speak to the Financial Times, and what is "
                   "the name of the judge in the case?")
    assert answer.meta["route"] == "parts" and len(answer.meta["parts"]) == 2
    assert not answer.abstained and "Krasnodar" in answer.text
    # The judge is not in the articles: that part says so, in the one refusal wording.
    assert abstain.on_part("What is the name of the judge in the case?") in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert_citations_exact(answer, corpus)
