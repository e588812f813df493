"""Question frames, corpus person names and typed candidates: pure rules, no models."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.candidates import typed_candidates
from qa.answer.conversation import standalone
from qa.answer.evidence import EvidenceSelector
from qa.answer.frames import Frame, Kind, frame
from qa.answer.names import person_names, proper_spans
from qa.settings import Settings
from qa.types import Passage, Sentence

from ..conftest import SEEDS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("question", "expected"), [
    ("How many guardsmen is Benyash defending?", Frame(Kind.NUMBER, "guardsmen")),
    ("How old is he?", Frame(Kind.NUMBER, "old")),
    ("Which lawyer represents the guardsmen?", Frame(Kind.PERSON, "lawyer", "lawyer")),
    ("Who is the director of the Rosgvardia?", Frame(Kind.PERSON, "director", "director")),
    ("Who is Tony Radakin?", Frame(Kind.OTHER, describe=True)),
    # Only the first interrogative counts: the relative "who" is not the question.
    ("How did Putin honour the members who were wounded?", Frame(Kind.OTHER)),
    ("What verdict did the court reach?", Frame(Kind.OTHER, "verdict")),
    ("What kind of legal claim did they bring?", Frame(Kind.OTHER, "claim", sort=True)),
    ("What is the name of the judge?", Frame(Kind.NAME, "judge", "judge")),
    ("What is the official name of the 2016 law?", Frame(Kind.NAME, "law")),
    ("Which human rights group is headed by Pavel Chikov?", Frame(Kind.NAME, "group")),
    ("What is the capital of Crimea?", Frame(Kind.PLACE, "capital")),
    ("On what date did the invasion start?", Frame(Kind.DATE, "date")),
    ("What was the lowest figure that official gave?", Frame(Kind.NUMBER, "figure")),
    ("Why did the guardsmen refuse?", Frame(Kind.REASON)),
    ("What pushed some guardsmen to drop their lawsuit?", Frame(Kind.REASON)),
])
def test_frame(question: str, expected: Frame) -> None:
    assert frame(question) == expected


def test_person_names_are_learned_from_cues_in_the_corpus() -> None:
    persons = person_names(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    assert {"mikhail benyash", "benyash", "pavel chikov", "radakin", "putin"} <= persons
    assert not {"russia", "ukraine", "rosgvardia", "financial times"} & persons


def test_proper_spans_peel_demonyms_titles_and_openers() -> None:
    text = "Russian lawyer Mikhail Benyash and Admiral Tony Radakin of the United Kingdom met."
    assert [text[a:b] for a, b in proper_spans(text)] == ["Mikhail Benyash", "Tony Radakin"]


def sent(text: str) -> Sentence:
    return Sentence("x.txt", "", 0, len(text), text)


PERSONS = frozenset({"mikhail benyash", "benyash", "putin", "vladimir putin", "pavel chikov",
                     "chikov"})


def test_a_role_question_wants_a_name_beside_the_role() -> None:
    lawyer = frame("Which lawyer represents the guardsmen?")
    s = sent("Russian lawyer Mikhail Benyash said he would defend them.")
    assert [c.text for c in typed_candidates(s, lawyer, "Which lawyer ...?", PERSONS)] == \
        ["Mikhail Benyash"]
    judge = frame("What is the name of the judge?")
    assert typed_candidates(s, judge, "What is the name of the judge?", PERSONS) == []


def test_a_named_thing_is_not_a_person() -> None:
    law = frame("What is the official name of the 2016 law?")
    s = sent("It was established in 2016 through a law signed by Vladimir Putin.")
    assert typed_candidates(s, law, "What is the official name of the 2016 law?", PERSONS) == []
    group = frame("Which human rights group is headed by Pavel Chikov?")
    s = sent("Head of Russian human rights group Agora, Pavel Chikov, said so.")
    assert [c.text for c in typed_candidates(s, group, "Which group?", PERSONS)] == ["Agora"]


def test_an_occupation_marks_a_person() -> None:
    assert frame("Which actor won Best Actor in 2020?").kind is Kind.PERSON
    text = "In 1972, a young director, Francis Ford Coppola, made his name."
    assert "francis ford coppola" in person_names([text])


def test_a_known_person_opening_a_sentence_is_a_candidate() -> None:
    who = frame("Who is the mayor of Merrow?")
    persons = frozenset({"elena voss", "voss"})
    s = sent("Voss, the town's mayor, said residents had been warned on Friday evening.")
    assert [c.text for c in typed_candidates(s, who, "Who is the mayor?", persons)] == ["Voss"]
    # an opening word the corpus does not know as a person stays a sentence's first word
    s = sent("Residents, the mayor said, had been warned on Friday evening.")
    assert typed_candidates(s, who, "Who is the mayor?", persons) == []


def test_how_old_wants_an_age_not_any_number() -> None:
    f = frame("How old is he?")
    assert typed_candidates(sent("He represents 12 guardsmen."), f, "How old?", PERSONS) == []
    found = typed_candidates(sent("Benyash, 41 years old, spoke."), f, "How old?", PERSONS)
    assert [c.text for c in found] == ["41"]


def test_a_demonstrative_follow_up_takes_the_fuller_mention() -> None:
    history = [{"role": "user", "content": "Who said Russia may have lost 15,000 troops?"},
               {"role": "assistant", "content": "A high-ranking NATO official."}]
    assert standalone("What was the lowest figure that official gave?", history) == \
        "What was the lowest figure the high-ranking NATO official gave?"


def test_a_why_is_answered_by_a_cause_not_by_the_event_restated() -> None:
    from qa.answer.cues import gives_cause
    from qa.text import content_terms

    q = set(content_terms("Why did the guardsmen refuse to fight?"))
    assert not gives_cause("Russian guardsmen have refused to fight in Ukraine.", q)
    assert gives_cause("The guardsmen argue that the command was unlawful.", q)
    assert gives_cause("Some withdrew due to pressure from their families.", q)


def test_a_head_noun_counts_when_worded_the_usual_other_way() -> None:
    from qa.answer.cues import names_head

    assert names_head("focusing efforts on the eastern portions of the country", "part")
    assert names_head("Observers often refer to the force as Putin's private army.", "label")
    assert names_head("The court's verdict is due in May.", "verdict")
    # A trial is not a verdict: "What verdict did the court reach?" stays unanswered.
    assert not names_head("He prepares for the first court trial.", "verdict")


def test_what_kind_of_wants_the_head_with_what_qualifies_it() -> None:
    from qa.answer.cues import qualified

    assert frame("What kind of legal claim did they bring?").sort
    assert qualified("Most of them withdrew claims alleging they'd been expelled.", "claim")
    assert qualified("They filed a wrongful dismissal claim.", "claim")
    assert not qualified("Those who brought the claims had been threatened.", "claim")


def test_what_happened_after_wants_the_next_event() -> None:
    assert frame("What happened to the guardsmen after they refused the order?").sequel
    assert not frame("What happened on March 18?").sequel


def test_an_attributed_question_prefers_what_that_person_said() -> None:
    from qa.answer.names import person_roles, speaker_names, spoken_by

    docs = ["Russian lawyer Mikhail Benyash said he would defend them. "
            "Activist Ilya Kosygin wrote about it. Chikov, the activist, agreed."]
    roles = person_roles(docs)
    assert roles["lawyer"] == {"benyash"} and roles["activist"] == {"kosygin", "chikov"}
    persons = person_names(docs)
    q = "Why does the attorney believe his clients were ill-prepared?"
    assert speaker_names(q, persons, roles) == {"benyash"}
    assert speaker_names("According to Kosygin, what happened?", persons, roles) == {"kosygin"}
    assert speaker_names("Why did they refuse?", persons, roles) == frozenset()
    assert spoken_by("Benyash argues that they were not trained.", frozenset({"benyash"}))
    assert not spoken_by("The guardsmen argue that it was unlawful.", frozenset({"benyash"}))


def test_dates_and_numbers_come_in_their_usual_shapes() -> None:
    def found(question: str, text: str) -> list[str]:
        s = Sentence("x.txt", "", 0, len(text), text, 1.0)
        return [c.text for c in typed_candidates(s, frame(question), question)]

    assert found("When did Temujin become Great Khan?",
                 "He took the title in 1206; the steppe had changed by the 1960s and in the "
                 "19th century.") == ["1206", "1960s", "19th century"]
    assert found("How much money was spent?", "The council set aside $2 million, 45% of "
                 "it, and 12 percent more.") == ["$2 million", "45%", "12 percent"]


@pytest.mark.parametrize(("query", "kind", "head"), [
    ("Super Bowl 2021 location", Kind.PLACE, "location"),
    ("Olympics 2004 host city", Kind.PLACE, "city"),
    ("GPT-3 release date", Kind.DATE, "date"),
    ("Did they refuse the order?", Kind.OTHER, ""),
])
def test_a_keyword_query_wants_what_it_names_last(query: str, kind: Kind, head: str) -> None:
    fr = frame(query)
    assert (fr.kind, fr.head) == (kind, head)


def test_what_took_place_asks_for_an_event_not_a_place() -> None:
    assert frame("What took place in Vladimir on March 18?").kind is Kind.OTHER


def test_a_sentence_that_speaks_of_the_asked_name_by_its_noun_holds_candidates(
        settings: Settings, corpus: Path) -> None:
    from qa.store.index import Index

    from ..fakes import HashEmbedder

    (corpus / "fire.txt").write_text(
        "Chemical plant fire injures workers\n\nA fire broke out at the Carrow chemical "
        "plant in Dunmore on 5 June, injuring 23 workers.\n\nResidents were told to keep "
        "their windows closed. The plant employs about 600 people.\n\nThe Harwick plant "
        "began a 2019 expansion that added 90 jobs.\n", encoding="utf-8")
    index = Index.open(settings, HashEmbedder(), create=True)
    index.update([corpus])
    selector = EvidenceSelector(index, HashEmbedder())
    passages = [Passage("f", "fire.txt", "", 0, len(index.text("fire.txt")),
                        index.text("fire.txt"), 1.0)]
    ranked = selector.select("How many people does the Carrow plant employ?", passages).ranked
    held = {s.text: [c.text for c in cands] for s, cands in ranked}
    assert held["The plant employs about 600 people."] == ["about 600"]
    # Another year than the question's: nothing in that sentence answers it.
    later = selector.select("How many jobs did the Harwick plant add in 2020?", passages)
    assert all(not cands for s, cands in later.ranked if "2019" in s.text)
