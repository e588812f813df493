import pytest

from qa.answer.conversation import standalone

pytestmark = pytest.mark.unit

LAWYER = [
    {"role": "user", "content": "Which lawyer represents the dismissed guardsmen?"},
    {"role": "assistant", "content": "Mikhail Benyash."},
]


def test_he_resolves_to_the_person_in_the_answer() -> None:
    assert standalone("Which city was he calling from?", LAWYER) == \
        "Which city was Mikhail Benyash calling from?"


def test_possessive() -> None:
    assert "Mikhail Benyash’s team" in standalone("How many people contacted his team?", LAWYER)


def test_it_resolves_to_the_topic_of_the_last_question() -> None:
    history = [{"role": "user", "content": "What is Rosgvardia?"},
               {"role": "assistant", "content": "An internal military force."}]
    assert standalone("When was it established?", history) == "When was Rosgvardia established?"


def test_standalone_questions_are_left_alone() -> None:
    q = "How many guardsmen is Benyash defending?"
    assert standalone(q, LAWYER) == q
    assert standalone("Who is he?", None) == "Who is he?"


def test_he_is_never_an_organisation() -> None:
    history = [{"role": "user", "content": "Who wrote to the bank?"},
               {"role": "assistant", "content": "Mikhail Benyash wrote to the Bank of England."}]
    assert standalone("What did he ask for?", history) == "What did Mikhail Benyash ask for?"


def test_they_after_how_many_is_what_was_counted() -> None:
    counted = [{"role": "user", "content": "How many guardsmen is Benyash defending?"},
               {"role": "assistant", "content": "Twelve members of the National Guard."}]
    assert standalone("How many of them have since pulled out of the case?", counted) == \
        "How many of the guardsmen have since pulled out of the case?"
    assert standalone("What did their families say?", counted) == \
        "What did the guardsmen’s families say?"
    # no name in the history at all: the counted noun still resolves "they"
    sent = [{"role": "user", "content": "How many soldiers were sent to the town?"},
            {"role": "assistant", "content": "About 200."}]
    assert standalone("Where were they sent from?", sent) == "Where were the soldiers sent from?"
    assert standalone("Who led the rescue?", sent) == "Who led the rescue?"
