from pathlib import Path

import pytest

from qa.answer import compose, grounding, prompt
from qa.answer.candidates import Candidate
from qa.answer.frames import Kind
from qa.types import Sentence

pytestmark = pytest.mark.unit

QUOTE = ("“A lot of people don’t want to go and fight,” Benyash told the Financial Times "
         "through a phone call from the city of Krasnodar.")
Q = "From which city did Benyash speak to the Financial Times?"
SENT = Sentence("002.txt", "", 317, 444, QUOTE, 1.0)
KRASNODAR = Candidate("Krasnodar", Kind.PLACE, SENT, 431, 440, 1.0)


def test_supported_reply_passes() -> None:
    assert grounding.check("Benyash spoke from Krasnodar.", [QUOTE], Q, KRASNODAR).ok


@pytest.mark.parametrize("reply, reason", [
    ("Benyash spoke from Krasnodar, Russia.", "names not in the evidence"),
    ("Benyash spoke from Krasnodar to 300 people.", "numbers not in the evidence"),
    ("Benyash spoke from the city.", "misses the answer"),
    ("The articles do not say.", "declines"),
    ("", "empty"),
])
def test_unsupported_replies_are_rejected_with_a_reason(reply: str, reason: str) -> None:
    verdict = grounding.check(reply, [QUOTE], Q, KRASNODAR)
    assert not verdict.ok and reason in verdict.reason


def test_two_numbers_of_one_kind_the_wrong_one_is_caught() -> None:
    quote = "The division was founded in 1993 and over the 29 years there were no fatalities."
    sent = Sentence("000.txt", "", 0, len(quote), quote, 1.0)
    founded = Candidate("1993", Kind.DATE, sent, 29, 33, 1.0)
    q = "When was the division founded?"
    assert grounding.check("It was founded in 1993.", [quote], q, founded).ok
    assert not grounding.check("It was founded 29 years ago.", [quote], q, founded).ok


def test_tidy_drops_the_models_framing() -> None:
    assert compose.tidy("The answer is: 15,000") == "15,000."


def test_prompt_golden() -> None:
    messages = prompt.render_prompt(Q, [SENT], KRASNODAR)
    golden = Path(__file__).parents[1] / "golden" / "prompt_krasnodar.txt"
    rendered = "\n---\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\n"
    assert rendered == golden.read_text(encoding="utf-8")


def test_a_name_only_the_question_gives_is_not_evidence() -> None:
    """Every number and name of an answer must be in the quotes it cites; the question's own
    words are no source."""
    quote = "Members of the group had been dispatched to the Crimean peninsula."
    q = "Where had the Rosgvardia members been sent?"
    verdict = grounding.check("The Rosgvardia members were sent to Crimea.", [quote], q, None)
    assert not verdict.ok and "rosgvardia" in verdict.reason
