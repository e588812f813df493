"""The answering pipeline with small real fakes: hash embeddings, a scripted model."""

from pathlib import Path

import pytest

from qa.errors import InputError
from qa.settings import Settings
from qa.store.index import Index
from qa.types import Answer

from ..conftest import fake_assistant

pytestmark = pytest.mark.unit

CITY = "From which city did Benyash speak to the Financial Times?"


def assert_citations_exact(answer: Answer, corpus: Path) -> None:
    for c in answer.citations + answer.closest:
        assert (corpus / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote


def test_a_supported_reply_is_shown_with_its_citation(hash_index: Index, settings: Settings,
                                                      corpus: Path) -> None:
    a = fake_assistant(hash_index, settings, "Benyash called from Krasnodar.")
    answer = a.ask(CITY)
    assert not answer.abstained and answer.meta["route"] == "generated"
    assert "Krasnodar" in answer.text and answer.text.endswith("[1]")
    assert "Krasnodar" in answer.citations[0].quote
    assert_citations_exact(answer, corpus)


def test_an_invented_fact_falls_back_to_the_evidence(hash_index: Index, settings: Settings,
                                                     corpus: Path) -> None:
    a = fake_assistant(hash_index, settings, "Benyash called from Moscow with 300 people.")
    answer = a.ask(CITY)
    assert answer.meta["route"].startswith("fallback")
    assert "Moscow" not in answer.text and "Krasnodar" in answer.text
    assert_citations_exact(answer, corpus)


def test_streaming_stops_before_an_invented_name(hash_index: Index, settings: Settings) -> None:
    a = fake_assistant(hash_index, settings, "He phoned from Moscow in the snow.")
    items = list(a.ask_stream(CITY))
    streamed = "".join(i for i in items if isinstance(i, str))
    assert "Moscow" not in streamed
    assert isinstance(items[-1], Answer) and "Krasnodar" in items[-1].text


def test_abstains_when_the_articles_do_not_say(hash_index: Index, settings: Settings,
                                               corpus: Path) -> None:
    a = fake_assistant(hash_index, settings, "The judge was John Smith.")
    answer = a.ask("What is the name of the judge in the case?")
    assert answer.abstained and answer.citations == []
    assert answer.closest  # the user still sees the nearest passages
    assert_citations_exact(answer, corpus)


def test_follow_up_is_searched_as_a_standalone_question(hash_index: Index,
                                                        settings: Settings) -> None:
    a = fake_assistant(hash_index, settings, "He called from Krasnodar.")
    history = [{"role": "user", "content": "Which lawyer represents the dismissed guardsmen?"},
               {"role": "assistant", "content": "Mikhail Benyash."}]
    answer = a.ask("Which city was he calling from?", history)
    assert answer.standalone_question == "Which city was Mikhail Benyash calling from?"
    assert "Krasnodar" in answer.text


@pytest.mark.parametrize("question", ["", "   ", "?!?", "x" * 50_000])
def test_unusable_questions_get_a_clear_error(hash_index: Index, settings: Settings,
                                              question: str) -> None:
    with pytest.raises(InputError):
        fake_assistant(hash_index, settings).ask(question)


def test_a_why_reads_on_to_the_cause_after_the_event(hash_index: Index, settings: Settings,
                                                       corpus: Path) -> None:
    """"9 of the 12 pulled out of the case." is the event; the next sentence, "some withdrew
    due to growing pressure", is the reason."""
    a = fake_assistant(hash_index, settings)
    answer = a.ask("Why did 9 out of the 12 defendants pull out of the wrongful dismissal case?")
    assert not answer.abstained
    assert "pressure" in answer.citations[0].quote
    assert_citations_exact(answer, corpus)


def test_what_happened_after_reads_on_to_what_came_next(hash_index: Index, settings: Settings,
                                                          corpus: Path) -> None:
    """"The group received an order to head to Ukraine." tells of the event; the sentence
    after it, "The 12 refused and were subsequently dismissed", of what happened next."""
    a = fake_assistant(hash_index, settings)
    answer = a.ask("What happened to the group after it refused the order to head to Ukraine?")
    assert not answer.abstained
    assert "dismissed" in answer.citations[0].quote
    assert_citations_exact(answer, corpus)
