"""Short-answer spans: candidates are exact pieces of the evidence, the fitted scorer
(``spans``) finds the core of an answer sentence, the ranker and short-answer policy
(``short``) put the answering candidate first, and the confidence gate (``abstain``) trusts
only a sure span."""

from __future__ import annotations

import json

import pytest

from qa.answer import abstain, short, spans
from qa.answer.evidence import Evidence, EvidenceSelector
from qa.answer.frames import Kind, frame
from qa.store.index import Index
from qa.types import Passage, Sentence

from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit


def evidence(question: str, *texts: str) -> Evidence:
    sents, offset = [], 100
    for t in texts:
        sents.append(Sentence("x.txt", "", offset, offset + len(t), t, 1.0))
        offset += len(t) + 1
    fr = frame(question)
    return Evidence(question, fr.kind, sents, frame=fr)


def test_candidates_are_exact_spans_that_add_to_the_question() -> None:
    q = "What venue hosted Super Bowl Opening Night?"
    ev = evidence(q, "Super Bowl Opening Night was held at the SAP Center (in San Jose).")
    cands = spans.candidates(q, ev.frame, ev.sentences)
    assert cands
    q_words = {"super", "bowl", "opening", "night", "venue", "hosted"}
    for span, feats in cands:
        s = span.sentence
        assert s.text[span.start - s.start:span.end - s.start] == span.text
        assert not set("().;") & set(span.text)  # never across a bracket or a full stop
        assert len(span.text.split()) <= spans.MAX_WORDS
        assert {w.lower() for w in span.text.split()} - q_words  # adds a word
        assert feats["bias"] == 1.0 and f"kind_{ev.kind.value}" in feats


# Written for this test (not SQuAD): question, evidence sentence, the core a reader would give.
CORES = [
    ("What is something that teachers are at a high risk for?",
     "Teachers are also at high risk for occupational burnout.", "occupational burnout"),
    ("What venue hosted Super Bowl Opening Night?",
     "Super Bowl Opening Night was held at the SAP Center in San Jose.", "SAP Center"),
    ("Which mission did Schmitt finally land on the moon?",
     "Harrison Schmitt landed on the Moon on the last mission, Apollo 17.", "Apollo 17"),
    ("What did the guardsmen refuse to do?",
     "The guardsmen refused to cross into Ukraine without orders.", "cross into Ukraine"),
    ("What does the lawyer call the dismissals?",
     "The lawyer calls the dismissals a clear violation of labour law.", "violation"),
    ("What is the force mainly used for?",
     "The force has been mainly used to cull protests at home.", "cull protests"),
    ("What material was the main facade built from?",
     "The main facade was built from red brick and Portland stone.", "red brick"),
    ("What replaced the old bridge?",
     "In 1990 the old bridge was replaced by a concrete tunnel.", "concrete tunnel"),
]


def test_the_fitted_scorer_finds_the_core_of_most_sentences() -> None:
    found = []
    for question, sentence, core in CORES:
        answer = short.short_answer(question, evidence(question, sentence))
        assert answer in sentence
        found.append(core in answer and len(answer) < len(sentence) / 2)
    # The scorer is word-level, with no parse: "on the last mission, Apollo 17" gives "last
    # mission", and "used to cull protests at home" gives "home".
    assert sum(found) >= 5, found


def test_a_typed_candidate_is_the_short_answer_when_there_is_one() -> None:
    q = "How many guardsmen is Benyash defending?"
    ev = evidence(q, "Benyash will defend 12 members of the National Guard.")
    from qa.answer.candidates import Candidate

    ev.candidates.append(Candidate("12", Kind.NUMBER, ev.sentences[0], 120, 122, 1.0))
    assert short.short_answer(q, ev) == "12"


def test_the_weights_file_names_its_training_data() -> None:
    data = json.loads(spans.WEIGHTS.read_text(encoding="utf-8"))
    assert "seed-0" in data["fitted_on"] and len(data["weights"]) > 30


def test_rerank_puts_the_passage_with_the_answering_sentence_first(hash_index: Index) -> None:
    selector = EvidenceSelector(hash_index, HashEmbedder())
    passages = [Passage(c["id"], c["source"], c["title"], c["start"], c["end"], c["text"], 1.0)
                for c in hash_index.chunks()]
    passages.sort(key=lambda p: "Krasnodar" in p.text)  # the answer last
    ranked = selector.rerank("From which city did Benyash speak to the Financial Times?",
                             passages)
    assert "Krasnodar" in ranked[0].text
    assert sorted(p.id for p in ranked) == sorted(p.id for p in passages)


def test_a_sure_span_answers_a_typed_question_the_rules_found_nothing_for() -> None:
    q = "Who designed the concert hall?"
    ev = evidence(q, "The concert hall was designed by Norman Foster and opened in 2004.")
    sure = abstain.confident_span(q, ev)
    assert sure is not None and "Norman Foster" in sure.text
    # A name the corpus uses for a person never answers "the name of the law".
    law = "What is the name of the law?"
    ev = evidence(law, "It was established in 2016 through a law signed by Vladimir Putin.")
    assert abstain.confident_span(law, ev, frozenset({"vladimir putin", "putin"})) is None


def test_the_short_answer_is_the_candidate_the_answer_states() -> None:
    from qa.answer.candidates import Candidate

    q = "Who designed the concert hall?"
    ev = evidence(q, "The concert hall was designed by Norman Foster and opened in 2004.")
    assert "Norman Foster" in short.short_answer(q, ev)  # no candidate: the best span
    s = ev.sentences[0]
    ev.candidates = [Candidate("Norman Foster", Kind.PERSON, s, s.start + 33, s.start + 46,
                               1.0)]
    assert short.short_answer(q, ev) == "Norman Foster"


def test_people_are_ranked_by_the_span_scorer_and_named_in_full() -> None:
    from qa.answer.candidates import Candidate

    q = "Who designed the concert hall?"
    ev = evidence(q, "Mayor Jane Smith said the concert hall was designed by Norman Foster.")
    s, t = ev.sentences[0], ev.sentences[0].text
    cands = [Candidate(n, Kind.PERSON, s, s.start + t.index(n), s.start + t.index(n) + len(n),
                       1.0) for n in ("Jane Smith", "Foster", "Norman Foster")]
    ev.candidates = cands
    assert short.rank_candidates(q, ev).candidates[0].text == "Norman Foster"


def test_the_reader_puts_the_candidate_it_reads_first_or_its_own_span() -> None:
    from qa.answer.candidates import Candidate
    from qa.answer.reader import Reading

    q = "Who did the peasants think Luther would support?"
    ev = evidence(q, "Thomas Müntzer told the peasants that Luther would side with them "
                     "against the upper classes.")
    s, t = ev.sentences[0], ev.sentences[0].text

    def at(text: str) -> tuple[int, int]:
        return s.start + t.index(text), s.start + t.index(text) + len(text)

    ev.candidates = [Candidate(n, Kind.PERSON, s, *at(n), 1.0)
                     for n in ("Thomas Müntzer", "Luther")]
    read = short.rank_candidates(q, ev, Reading(s, *at("Luther would"), "Luther would",
                                                0.4, 0.0))
    assert [c.text for c in read.candidates] == ["Luther", "Thomas Müntzer"]
    # A span that holds no candidate answers in their place, as the question's kind.
    read = short.rank_candidates(q, ev, Reading(s, *at("the upper classes"),
                                                "the upper classes", 0.5, 0.0))
    assert read.best is not None and read.best.text == "the upper classes"
    assert read.best.kind is Kind.PERSON and len(read.candidates) == 3
    assert short.short_answer(q, read) == "the upper classes"
    # "How many" wants a number: a span without one leaves the candidates as they were.
    count = evidence("How many peasants were there?", "About 300 peasants sided with the "
                     "upper classes.")
    c, ct = count.sentences[0], count.sentences[0].text
    count.candidates = [Candidate("About 300", Kind.NUMBER, c, c.start, c.start + 9, 1.0)]
    start = c.start + ct.index("the upper classes")
    wordy = Reading(c, start, start + 17, "the upper classes", 0.5, 0.0)
    assert short.rank_candidates(count.question, count, wordy).candidates == count.candidates
    # "Who ...?" wants a name or a role: a figure, or a lowercase handle, is no one.
    prize = evidence("Who won the cup?", "Smith took home $40 million and the cup.")
    p, pt = prize.sentences[0], prize.sentences[0].text
    prize.candidates = [Candidate("Smith", Kind.PERSON, p, p.start, p.start + 5, 1.0)]
    start = p.start + pt.index("$40 million")
    money = Reading(p, start, start + 11, "$40 million", 0.6, 0.0)
    assert short.rank_candidates(prize.question, prize, money).candidates == prize.candidates
    # "In what year ...?" wants a year: a day and month alone leave the candidates as
    # they were.
    built = evidence("In what year was the wall built?", "The wall, built in 1987, held.",
                     "The flood came on 12 April.")
    w, f = built.sentences
    built.candidates = [Candidate("1987", Kind.DATE, w, w.start + 16, w.start + 20, 1.0)]
    start = f.start + f.text.index("12 April")
    day = Reading(f, start, start + 8, "12 April", 0.6, 0.0)
    assert short.rank_candidates(built.question, built, day).candidates == built.candidates
    # With no candidate at all, the reader's span is the short answer; nothing is added.
    ev.candidates = []
    reading = Reading(s, *at("upper classes"), "upper classes", 0.5, 0.0)
    assert short.rank_candidates(q, ev, reading).candidates == []
    assert short.short_answer(q, ev, reading) == "upper classes"


def test_spans_are_described_by_parts_of_speech_and_phrase_chunks() -> None:
    q = "When was the stadium opened?"
    ev = evidence(q, "The stadium was opened in 1993 by the city council.")
    feats = {s.text: f for s, f in spans.candidates(q, ev.frame, ev.sentences)}
    assert feats["1993"]["pos_last=CD"] == 1.0 and feats["1993"]["when_last=CD"] == 1.0
    assert feats["the city council"]["chunk_whole"] == 1.0
    assert not feats["city council"].get("chunk_start")  # starts inside "the city council"
    assert spans.best_span(q, ev).text == "1993"
