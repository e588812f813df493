"""The abstention judge: its features, its weights file, and the decision it makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer import abstain
from qa.answer.evidence import Evidence
from qa.answer.frames import Frame, Kind
from qa.answer.reader import Reading
from qa.errors import ModelError
from qa.types import Sentence

pytestmark = pytest.mark.unit

SENTENCE = Sentence("a.txt", "", 0, 30, "Benyash spoke from Krasnodar.", 1.0)


def _evidence(support: float = 0.6) -> Evidence:
    return Evidence("Where did Benyash speak from?", Kind.PLACE, [SENTENCE], [],
                    support=support, coverage=support, similarity=support,
                    frame=Frame(Kind.PLACE))


def _reading(no_answer: float) -> Reading:
    return Reading(SENTENCE, 19, 28, "Krasnodar", 1 - no_answer, no_answer)


def test_features_are_the_same_from_evidence_and_from_their_parts() -> None:
    x = abstain.evidence_features(_evidence(), _reading(0.1))
    assert x == abstain.features("place", True, False, True, 0.6, 0.6, 0.6, 0.1, 0.9, 0.0)
    assert x["typed_no_candidate"] == 1.0 and x["bias"] == 1.0


def test_a_name_no_evidence_sentence_mentions_is_missing() -> None:
    ev = _evidence()
    assert abstain.names_missing(ev) == 0.0
    other = Evidence("When was Agora founded?", Kind.DATE, [SENTENCE], frame=Frame(Kind.DATE))
    assert abstain.names_missing(other) == 1.0


def test_the_judge_reads_its_weights_and_bar(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"bar": 0.5, "weights": {"bias": 2.0, "no_answer": -6.0}}))
    sure, bar = abstain.answerable(_evidence(), _reading(0.05), path)
    doubtful, _ = abstain.answerable(_evidence(), _reading(0.9), path)
    assert bar == 0.5 and sure > 0.5 > doubtful


def test_the_shipped_judge_trusts_the_readers_no_answer() -> None:
    sure, bar = abstain.answerable(_evidence(), _reading(0.02))
    doubtful, _ = abstain.answerable(_evidence(), _reading(0.98))
    assert 0 < bar < 1 and doubtful < sure


def test_a_broken_weights_file_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ModelError, match="QA_ABSTENTION=rules"):
        abstain.answerable(_evidence(), _reading(0.1), path)


def test_one_refusal_wording_placed_where_the_passages_are() -> None:
    from qa.answer.constraints import Constraint

    assert abstain.for_panel(abstain.TEXT, "in the Sources panel") == (
        "The articles don't say. The closest passages are in the Sources panel so you can "
        "judge.")
    dated = abstain.for_panel(abstain.text([Constraint("year", "2019")]), "in the panel")
    assert "2019" in dated and "in the panel" in dated
