"""Broad questions: which they are (unit), and their answers on the real stack."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qa.answer.broad import Asked, Broad, kind_of

from ..conftest import ROOT

KINDS = [
    ("What is this story about?", Asked(Broad.OVERVIEW)),
    ("Summarize the articles.", Asked(Broad.OVERVIEW)),
    ("Give me an overview", Asked(Broad.OVERVIEW)),
    ("What are the main points of the reports?", Asked(Broad.OVERVIEW)),
    ("What happened?", Asked(Broad.OVERVIEW)),
    ("Summarize the reports about the Merrow floods.", Asked(Broad.OVERVIEW, "merrow floods")),
    ("Tell me about the lawsuit", Asked(Broad.OVERVIEW, "the lawsuit")),
    ("What do the two articles say about the lawsuit?", Asked(Broad.COMPARISON, "lawsuit")),
    ("How do the reports of the earthquake differ?", Asked(Broad.COMPARISON, "earthquake")),
    ("Do the articles agree on the death toll?", Asked(Broad.COMPARISON, "death toll")),
    ("Who is Tony Radakin?", Asked(Broad.PROFILE, "Tony Radakin")),
    ("Tell me about Pavel Chikov", Asked(Broad.PROFILE, "Pavel Chikov")),
    ("Is the Russian army on the verge of mutiny?",
     Asked(Broad.TWO_SIDED, "Is the Russian army on the verge of mutiny?")),
    # facts stay facts
    ("Who is the director of the Rosgvardia?", None),
    ("What happened to the guardsmen after they refused the order?", None),
    ("How many people died in the floods?", None),
    ("Is it 12 or 14?", None),
]


@pytest.mark.unit
@pytest.mark.parametrize(("question", "kind"), KINDS)
def test_the_kind_of_a_question(question: str, kind: Asked | None) -> None:
    assert kind_of(question) == kind


@pytest.mark.unit
def test_no_fact_question_of_the_seed_suites_is_taken_for_a_broad_one() -> None:
    for suite in ("seeds.yaml", "seeds-fresh.yaml", "conflict.yaml"):
        for case in yaml.safe_load((ROOT / "evals" / suite).read_text(encoding="utf-8")):
            asked = kind_of(case["question"])
            if "facts" in case:
                assert asked is not None, case["question"]
            elif case["question"] != "Who is Tony Radakin?":
                assert asked is None, (case["question"], asked)


@pytest.mark.integration
def test_broad_answers_on_the_seeds_cite_both_articles_and_cover_the_facts(
        tmp_path: Path) -> None:
    from qa import Assistant, Settings
    from qa.evaluation.scoring import evaluate

    from ..conftest import SEEDS

    assistant = Assistant.open(settings=Settings(index_dir=tmp_path / "index", corpus_dir=SEEDS))
    report = evaluate(assistant, ROOT / "evals" / "broad.yaml")
    assert report.summary["broad_accuracy"] >= 0.75, report.summary
    assert report.summary["coverage"] >= 0.8
    overview = assistant.ask("What is this story about?")
    assert not overview.abstained and "(Drawn from 2 articles.)" in overview.text
    assert {c.source for c in overview.citations} == {p.name for p in SEEDS.glob("*.txt")}
    for c in overview.citations:
        assert (SEEDS / c.source).read_text(encoding="utf-8")[c.start:c.end] == c.quote
        assert f"{c.quote} [{c.n}]" in overview.text  # each sentence quoted as it stands
    nobody = assistant.ask("Who is John Smithers?")
    assert nobody.abstained
