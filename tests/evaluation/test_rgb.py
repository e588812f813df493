"""The pooled RGB runner on four invented records: loading, RGB's matching rule, the corpus
with answer passages removed, and both passes through an assistant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer.assistant import Assistant
from qa.errors import ConfigError
from qa.evaluation import rgb
from qa.settings import Settings
from qa.store.index import Index

from ..conftest import fake_assistant
from ..fakes import HashEmbedder

pytestmark = pytest.mark.unit

RECORDS = [
    {"id": 1, "query": "Who won the harbour regatta in 2019?", "answer": "Mara Olsen",
     "positive": ["Jun 3, 2019 ... Mara Olsen won the harbour regatta in 2019."],
     "negative": ["Jun 4, 2018 ... Tomas Berg won the harbour regatta in 2018."]},
    {"id": 2, "query": "When did the Old Mill bridge reopen?",
     "answer": [["May 3, 2021", "3 May 2021"]],
     "positive": ["The Old Mill bridge reopened on 3 May 2021 after repairs."],
     "negative": ["The Old Mill bridge closed for repairs in 2020."]},
    {"id": 3, "query": "Which company bought the Lakeside Gazette?", "answer": "Northwind",
     "positive": ["Northwind bought the Lakeside Gazette last spring."],
     "negative": ["The Lakeside Gazette was founded in 1921."]},
    {"id": 4, "query": "Who coaches the Riverside Rovers?", "answer": "Ines Duarte",
     "positive": ["Ines Duarte coaches the Riverside Rovers."],
     "negative": ["The Riverside Rovers won the cup in 2017.",
                  "The Old Mill bridge closed for repairs in 2020."]},  # a duplicate
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "rgb.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    return path


def test_records_load_with_their_answer_groups(data: Path) -> None:
    records = rgb.load(data)
    assert [r.rid for r in records] == [1, 2, 3, 4]
    assert records[0].answer == (("Mara Olsen",),)
    assert records[1].answer == (("May 3, 2021", "3 May 2021"),)


def test_a_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.jsonl"):
        rgb.load(bad)


def test_rgbs_rule_is_a_folded_substring_of_every_group() -> None:
    assert rgb.holds("It was  MARA\nOlsen. [1]", [["Mara Olsen"]])
    assert rgb.holds("It reopened on 3 May 2021.", [["May 3, 2021", "3 May 2021"]])
    assert not rgb.holds("It reopened in May.", [["May 3, 2021", "3 May 2021"]])


def test_the_removed_corpus_loses_every_passage_that_holds_the_answer(data: Path) -> None:
    records = rgb.load(data)
    full = rgb.corpus(records)
    assert len(full) == 8  # nine passages, one of them twice
    pruned = rgb.corpus(records, {1})
    texts = list(pruned.values())
    assert not any("Mara Olsen" in t for t in texts) and len(pruned) == 7
    assert rgb.removed_ids(records, 0.5, 0) == rgb.removed_ids(records, 0.5, 0)
    assert len(rgb.removed_ids(records, 0.5, 0)) == 2


def test_both_passes_through_an_assistant(data: Path, tmp_path: Path) -> None:
    records = rgb.load(data)

    def open_assistant(name: Path, passages: dict[str, str]) -> Assistant:
        settings = Settings(index_dir=tmp_path / name / "index",
                            corpus_dir=tmp_path / name / "corpus")
        rgb.write_corpus(passages, settings.corpus_dir)
        index = Index.open(settings, HashEmbedder(), create=True)
        index.update([settings.corpus_dir])
        return fake_assistant(index, settings, "Mara Olsen won it.")

    result = rgb.run(open_assistant, records, {1})
    s = result["summary"]
    assert s["queries"] == 4 and s["removed"] == 1
    full = {r["id"]: r for r in result["full"]}
    assert full[1]["correct"] and not full[1]["abstained"]
    removed = {r["id"]: r for r in result["removed"]}
    # With the 2019 passage gone, no passage states 2019: the question is abstained on.
    assert removed[1]["abstained"] and s["abstention"] == 1.0
    assert 0.0 <= s["answers"] <= 1.0 and s["false_abstention"] is not None
