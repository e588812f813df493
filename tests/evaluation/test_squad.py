"""The SQuAD runner on a three-paragraph file: loading, the official metric, hit@k."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer.assistant import Assistant
from qa.errors import ConfigError
from qa.evaluation import squad
from qa.settings import Settings
from qa.store.index import Index

from ..conftest import fake_assistant
from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

DATA = {"version": "1.1", "data": [
    {"title": "Super Bowl 50", "paragraphs": [
        {"context": "The Denver Broncos defeated the Carolina Panthers 24 to 10 to win "
                    "Super Bowl 50. The game was played in Santa Clara, California.",
         "qas": [{"id": "q1", "question": "Where was Super Bowl 50 played?",
                  "answers": [{"text": "Santa Clara, California", "answer_start": 99},
                              {"text": "Santa Clara", "answer_start": 99}]}]},
        {"context": "Beyonce and Bruno Mars performed at the halftime show, which was "
                    "headlined by Coldplay.",
         "qas": [{"id": "q2", "question": "Which band headlined the halftime show?",
                  "answers": [{"text": "Coldplay", "answer_start": 81}]}]}]},
    {"title": "Warsaw", "paragraphs": [
        {"context": "Warsaw is the capital of Poland. About 1.7 million people live there.",
         "qas": [{"id": "q3", "question": "How many people live in Warsaw?",
                  "answers": [{"text": "1.7 million", "answer_start": 38}]}]}]},
]}


def test_the_official_normalisation_and_scores() -> None:
    assert squad.normalize_answer("The Denver Broncos!") == "denver broncos"
    assert squad.exact_match("denver broncos.", ["Denver Broncos"]) == 1.0
    assert squad.exact_match("Denver", ["Denver Broncos"]) == 0.0
    assert squad.f1("Denver", ["Denver Broncos"]) == pytest.approx(2 / 3)
    assert squad.f1("Broncos", ["Carolina", "the Broncos"]) == 1.0
    assert squad.f1("", ["Denver"]) == 0.0


def test_load_names_one_file_per_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(DATA))
    paragraphs, items = squad.load(path)
    assert list(paragraphs) == ["0000_Super_Bowl_50.txt", "0001_Super_Bowl_50.txt",
                                "0002_Warsaw.txt"]
    assert [i.source for i in items] == list(paragraphs)
    assert items[0].answers == ["Santa Clara, California", "Santa Clara"]
    assert squad.sample(items, 2, 0) == squad.sample(items, 2, 0)  # seeded
    assert len(squad.sample(items, 2, 0)) == 2 and squad.sample(items, None, 0) == items
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match="--data"):
        squad.load(tmp_path / "bad.json")


def _small_squad(tmp_path: Path) -> tuple[Assistant, list[squad.Item]]:
    """The three-question DATA, indexed with the hash embedder, and an assistant over it."""
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(DATA))
    paragraphs, items = squad.load(path)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    squad.write_corpus(paragraphs, settings.corpus_dir)
    index = Index.open(settings, HashEmbedder(), create=True)
    index.update([settings.corpus_dir])
    return fake_assistant(index, settings), items


def test_run_reports_ranks_and_scores(tmp_path: Path) -> None:
    assistant, items = _small_squad(tmp_path)
    result = squad.run(assistant, items)
    rows = {r["id"]: r for r in result["questions"]}
    assert rows["q2"]["rank"]["bm25"] == 1 and rows["q3"]["rank"]["reranked"] == 1
    assert set(rows["q1"]) >= {"e2e", "gold"}
    summary = result["summary"]
    assert summary["questions"] == 3
    assert set(summary["retrieval"]) == {"dense", "bm25", "rrf", "reranked"}
    reranked = summary["retrieval"]["reranked"]
    assert 0 <= reranked["hit@1"] <= reranked["hit@5"]
    assert 0 <= summary["gold"]["f1"] <= 100
    assert rows["q1"]["paragraph"].endswith(".txt")  # the gold paragraph's file survives


def test_retrieval_only_summarises_without_answers(tmp_path: Path) -> None:
    assistant, items = _small_squad(tmp_path)
    summary = squad.run(assistant, items, answers=False)["summary"]
    assert "gold" not in summary and "e2e" not in summary
    assert summary["retrieval"]["bm25"]["hit@1"] > 0
