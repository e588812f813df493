"""The chat's example questions: the corpus folder's own file, else its titles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.ingest.documents import find
from qa.serve.examples import FILE, Example, choose, load

from ..conftest import SEEDS

pytestmark = pytest.mark.unit


def test_the_seed_examples_are_about_seed_articles() -> None:
    written = load(SEEDS)
    assert [e.question for e in written][:2] == [
        "From which city did Benyash speak to the Financial Times?",
        "How many guardsmen is Benyash defending?"]
    assert all((SEEDS / e.source).is_file() for e in written)


def test_the_examples_file_is_neither_indexed_nor_reported_as_skipped() -> None:
    found, skipped = find([SEEDS])
    assert SEEDS / FILE not in found
    assert not [s for s in skipped if s.path.endswith(FILE)]


def test_an_example_is_offered_while_its_article_is_indexed() -> None:
    written = [Example("Who?", "a.txt"), Example("When?", "b.txt")]
    assert choose(written, {"b.txt": "Rain", "c.txt": ""}) == ["When?"]
    # none of them indexed: the titled articles instead (markup is no title to quote)
    assert choose(written, {"c.txt": "Rain", "d.txt": "", "e.txt": "<b>x</b>"}) == [
        "What is “Rain” about?"]
    assert choose([], {}) == []
    many = [Example(f"Q{i}?", "a.txt") for i in range(9)]
    assert len(choose(many, {"a.txt": ""})) == 4


@pytest.mark.parametrize("text", ["{not json", '{"question": "Q?"}', '[{"question": "Q?"}]',
                                  '[{"question": " ", "source": "a.txt"}]', "[1]"])
def test_a_broken_file_is_logged_and_treated_as_absent(
        tmp_path: Path, text: str, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / FILE).write_text(text, encoding="utf-8")
    assert load(tmp_path) == []
    assert FILE in caplog.text and "no example questions" in caplog.text


def test_no_file_no_examples(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert load(tmp_path) == [] and not caplog.text
    (tmp_path / FILE).write_text(json.dumps([{"question": " Q? ", "source": "a.txt"}]),
                                 encoding="utf-8")
    assert load(tmp_path) == [Example("Q?", "a.txt")]
