"""Whether the sources agree: the line's wording (unit), and the verdicts on the real stack,
on a planted-conflict copy of a seed article and on the conflict suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.answer import agreement, values
from qa.answer.candidates import Candidate
from qa.answer.frames import Kind
from qa.types import Agreement, Claim, Sentence

from ..conftest import ROOT, SEEDS


def found(source: str, text: str, kind: Kind = Kind.NUMBER) -> agreement.Found:
    sent = Sentence(source, "", 0, len(text), text, 1.0)
    value = values.parse(text, kind.value)
    assert value is not None
    return agreement.Found(Candidate(text, kind, sent, 0, len(text), 1.0), value)


@pytest.mark.unit
def test_the_verdict_and_its_line() -> None:
    agree = agreement.agreement([found("a", "12"), found("b", "a dozen")], {"a": 1, "b": 2})
    assert agree is not None and agree.verdict == "agree"
    assert agreement.line(agree) == "Both articles say this: 12 [1]; “a dozen” [2]."
    differ = agreement.agreement([found("a", "14"), found("b", "a dozen")], {"a": 1, "b": 2})
    assert differ is not None and differ.verdict == "differ"
    assert agreement.line(differ) == "The articles differ: one says 14 [1], the other " \
                                     "“a dozen” [2]."
    assert [c.stance for c in differ.claims] == ["agree", "differ"]
    three = agreement.agreement([found("a", "12"), found("b", "a dozen"), found("c", "14")],
                                {"a": 1, "b": 2, "c": 3})
    assert agreement.line(three) == "The articles differ: 12 [1] and “a dozen” [2] against " \
                                    "14 [3]."


@pytest.mark.unit
def test_one_source_or_nothing_comparable_gives_no_verdict() -> None:
    assert agreement.agreement([found("a", "12")], {"a": 1}) is None
    assert agreement.agreement([found("a", "12"), found("b", "most of them")],
                               {"a": 1, "b": 2}) is None
    assert agreement.line(None) == ""


@pytest.mark.unit
def test_the_agreement_is_in_the_json() -> None:
    from qa import Answer

    agreed = Agreement("differ", (Claim(1, "a.txt", "14", "14", "agree"),
                                  Claim(2, "b.txt", "a dozen", "12", "differ")))
    d = Answer("x", False, [], "q", "q", agreement=agreed).to_dict()
    assert d["agreement"] == {"verdict": "differ", "claims": [
        {"n": 1, "source": "a.txt", "quote": "14", "value": "14", "stance": "agree"},
        {"n": 2, "source": "b.txt", "quote": "a dozen", "value": "12", "stance": "differ"}]}
    assert Answer("x", False, [], "q", "q").to_dict()["agreement"] is None


PLANTED = {"12 members of the National Guard": "14 members of the National Guard",
           "established in 2016": "established in 2017"}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The seeds plus a copy of the second article with a count and a year changed, as
    syndicated stories are updated."""
    from qa import Assistant, Settings

    root = tmp_path_factory.mktemp("planted")
    corpus = root / "corpus"
    corpus.mkdir()
    for p in SEEDS.glob("*.txt"):
        (corpus / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    second = sorted(SEEDS.glob("*.txt"))[-1].read_text(encoding="utf-8")
    for old, new in PLANTED.items():
        assert old in second
        second = second.replace(old, new)
    (corpus / "copy_of_second.txt").write_text(second, encoding="utf-8")
    yield Assistant.open(settings=Settings(index_dir=root / "index", corpus_dir=corpus))


@pytest.mark.integration
def test_a_planted_change_is_said_to_differ_with_both_versions_cited(planted: object) -> None:
    from qa import Assistant

    assert isinstance(planted, Assistant)
    a = planted.ask("How many members of the National Guard will Benyash defend?")
    assert not a.abstained and a.agreement is not None, a.text
    assert a.agreement.verdict == "differ", a.text
    values_ = {c.value for c in a.agreement.claims}
    assert {"12", "14"} <= values_, a.agreement
    cited = {c.n: c for c in a.citations}
    assert {cited[c.n].source for c in a.agreement.claims} >= {"copy_of_second.txt"}
    assert "The articles differ" in a.text
    b = planted.ask("In what year was the Rosgvardia established?")
    assert b.agreement is not None and b.agreement.verdict == "differ", b.text
    left = planted.ask("When did the invasion start?")  # the copy says what the original does
    assert left.agreement is not None and left.agreement.verdict == "agree", left.text


@pytest.mark.integration
def test_a_reason_both_articles_give_cites_both(planted: object) -> None:
    """An untyped answer's other source is held to saying the same, not to naming what the
    question names: the second article restates the reason without naming Ukraine."""
    from qa import Assistant

    assert isinstance(planted, Assistant)
    a = planted.ask("Why did the guardsmen refuse to go into Ukraine?")
    assert not a.abstained and a.agreement is None, a.text
    cited = {c.source for c in a.citations}
    assert cited >= {p.name for p in SEEDS.glob("*.txt")}, a.citations


@pytest.mark.unit
def test_a_contested_answer_is_never_said_to_agree() -> None:
    """The reader's span and the candidate rules' first choice give two figures: which one
    answers is in doubt, so no "agree" vouches for it; a "differ" still warns."""
    from qa.answer.evidence import Evidence

    text = "About 3,000 residents left. Seven people died."
    sent = Sentence("a.txt", "", 0, len(text), text, 1.0)
    read = Candidate("About 3,000", Kind.NUMBER, sent, 0, 11, 1.0)
    ruled = Candidate("Seven", Kind.NUMBER, sent, 28, 33, 1.2)
    ev = Evidence("How many people died?", Kind.NUMBER, [sent], [read, ruled])
    assert agreement.contested(ev, ruled)
    assert not agreement.contested(ev, read) and not agreement.contested(ev, None)
    same = [found("a", "about 3,000"), found("b", "more than 3,000")]
    assert agreement.agreement(same, {"a": 1, "b": 2}, endorse=False) is None
    assert agreement.agreement(same, {"a": 1, "b": 2}) is not None
    other = [found("a", "about 3,000"), found("b", "9")]
    differ = agreement.agreement(other, {"a": 1, "b": 2}, endorse=False)
    assert differ is not None and differ.verdict == "differ"


@pytest.mark.integration
def test_the_conflict_suite(tmp_path: Path) -> None:
    from qa import Assistant, Settings
    from qa.evaluation.scoring import evaluate

    assistant = Assistant.open(settings=Settings(index_dir=tmp_path / "index",
                                                 corpus_dir=ROOT / "evals" / "conflict"))
    s = evaluate(assistant, ROOT / "evals" / "conflict.yaml").summary
    # measured 0.90 with no false "agree"; docs/agreement.md
    assert s["agreement_accuracy"] >= 0.85, s
    assert s["false_agree"] == 0, s
    assert s["multi_source_recall"] >= 0.85, s


@pytest.mark.integration
def test_a_figure_restated_agrees_and_an_updated_copy_stops_it(tmp_path: Path) -> None:
    """"At least 31" restates 31: the two reports agree. With an updated copy of one report
    that gives 35, no "agree" may stand: the copy's figure is said to differ, or nothing."""
    from qa import Assistant, Settings

    quake = ROOT / "evals" / "conflict"
    question = "How many people were killed by the earthquake?"
    for name, copy in (("two", False), ("three", True)):
        corpus = tmp_path / name / "corpus"
        corpus.mkdir(parents=True)
        for p in quake.glob("quake-*.txt"):
            (corpus / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
        if copy:
            wire = (quake / "quake-tarsk-wire.txt").read_text(encoding="utf-8")
            assert "killing 31 people" in wire
            (corpus / "quake-tarsk-wire-updated.txt").write_text(
                wire.replace("killing 31 people", "killing 35 people"), encoding="utf-8")
        assistant = Assistant.open(settings=Settings(index_dir=tmp_path / name / "index",
                                                     corpus_dir=corpus))
        a = assistant.ask(question)
        assert not a.abstained, a.text
        if not copy:
            assert a.agreement is not None and a.agreement.verdict == "agree", a.text
            assert {c.source for c in a.citations} >= {p.name for p in quake.glob("quake-*")}
        else:
            assert a.agreement is None or a.agreement.verdict == "differ", a.text
