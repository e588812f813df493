"""Suites, scoring, metrics, regressions and the HTML report, on the hash-embedder stack."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qa import evaluate, load_suite
from qa.errors import SuiteError
from qa.evaluation.metrics import STAGES, compare, flipped, load_baseline, percentile, summarize
from qa.evaluation.page import highlight, render_html
from qa.evaluation.scoring import group_matches, includes_all
from qa.evaluation.suite import Case
from qa.settings import Settings
from qa.store.index import Index

from ..conftest import ROOT, fake_assistant

pytestmark = pytest.mark.unit

SUITE = """\
- id: city
  question: From which city did Benyash speak to the Financial Times?
  answer: Krasnodar.
  must_include: [["krasnodar"]]
  sources: [002_75f925b16965c540.txt]
- id: followup-city
  history:
    - {role: user, content: "Which lawyer represents the dismissed guardsmen?"}
    - {role: assistant, content: "Mikhail Benyash."}
  question: Which city was he calling from?
  must_include: [["krasnodar"]]
  sources: [002_75f925b16965c540.txt]
- id: judge
  question: What is the name of the judge?
  unanswerable: true
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_and_jsonl_load_to_the_same_cases(tmp_path: Path) -> None:
    import yaml

    cases = load_suite(write(tmp_path, "s.yaml", SUITE))
    lines = "\n".join(json.dumps(r) for r in yaml.safe_load(SUITE))
    assert load_suite(write(tmp_path, "s.jsonl", lines + "\n\n")) == [
        Case(**{**c.__dict__, "suite": "s.jsonl"}) for c in cases
    ]
    assert [c.id for c in cases] == ["city", "followup-city", "judge"]
    assert cases[1].history[1] == {"role": "assistant", "content": "Mikhail Benyash."}
    assert cases[2].unanswerable and not cases[2].must_include


def test_the_shipped_suite_is_valid_and_big_enough() -> None:
    cases = load_suite(ROOT / "evals" / "seeds.yaml")
    assert len(cases) >= 40
    assert sum(c.unanswerable for c in cases) >= 10
    assert sum(bool(c.history) for c in cases) >= 5
    for c in cases:
        if not c.unanswerable:
            assert c.must_include and c.sources, c.id
            for source in c.sources:
                assert (ROOT / "seeds" / source).exists(), (c.id, source)
            # A reference answer, when given, satisfies its own groups.
            assert not c.answer or includes_all(c.answer, c.must_include), c.id


@pytest.mark.parametrize(("text", "field", "fragment"), [
    ("- id: a\n  question: Q?\n  must_include: krasnodar\n  sources: 3\n", "sources", "case 1"),
    ("- id: a\n  question: Q?\n- id: a\n  question: R?\n", "id", "case 2 ('a')"),
    ("- id: a\n  question: ''\n", "question", "case 1 ('a')"),
    ("- id: a\n  question: Q?\n  must_include: [[]]\n", "must_include", "case 1"),
    ("- id: a\n  question: Q?\n  unanswerable: yes please\n", "unanswerable", "case 1"),
    ("- id: a\n  question: Q?\n  unanswerable: true\n  sources: [x.txt]\n", "unanswerable",
     "case 1"),
    ("- id: a\n  question: Q?\n  history: [{role: bot, content: hi}]\n", "history", "case 1"),
    ("- id: a\n  question: Q?\n  answr: typo\n", "answr", "case 1"),
    ("- question: Q?\n", "id", "case 1"),
])
def test_a_malformed_case_names_file_case_and_field(tmp_path: Path, text: str, field: str,
                                                    fragment: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(SuiteError) as e:
        load_suite(path)
    assert str(path) in str(e.value) and fragment in str(e.value)
    assert f"field '{field}'" in str(e.value)


@pytest.mark.parametrize(("name", "text", "fragment"), [
    ("x.yaml", "id: a\nquestion: Q?\n", "a list of cases"),
    ("x.yaml", "- [unclosed\n", "not valid YAML"),
    ("x.jsonl", '{"id": "a", "question": "Q?"}\n{oops\n', "line 2"),
    ("x.csv", "id,question\n", "unknown suite format"),
    ("x.yaml", "[]\n", "no cases"),
])
def test_a_malformed_file_is_named(tmp_path: Path, name: str, text: str, fragment: str) -> None:
    with pytest.raises(SuiteError, match=fragment):
        load_suite(write(tmp_path, name, text))
    with pytest.raises(SuiteError, match="no such suite"):
        load_suite(tmp_path / "missing.yaml")


def test_matching_is_on_normalised_words() -> None:
    assert group_matches("The order was UNLAWFUL.", ["illegal", "unlawful"])
    assert group_matches("explained by its unlawfulness", ["unlawful"])  # a word's start
    assert group_matches("as many as 15,000 troops", ["15000"])
    assert group_matches("as many as 15,000 troops", ["15,000"])
    assert group_matches("He’d called from Krasnodar, Russia.", ["krasnodar russia"])
    assert not group_matches("about 120 people", ["12"])  # numbers end at a boundary
    assert group_matches("on February 24th", ["24 february", "february 24"])
    assert not group_matches("Bukrasnodar", ["krasnodar"])
    assert includes_all("anything", [])
    assert not includes_all("12 men, unlawful", [["12"], ["territory"]])


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([1, 2, 3, 4], 95) == 4
    assert percentile([], 50) == 0.0


def test_evaluate_scores_each_case_and_summarises(tmp_path: Path, hash_index: Index,
                                                  settings: Settings) -> None:
    suite = write(tmp_path, "s.yaml", SUITE)
    assistant = fake_assistant(hash_index, settings, "Benyash called from Krasnodar.",
                               "He was calling from Moscow.")
    report = evaluate(assistant, suite)
    by_id = {c.id: c for c in report.cases}
    city, follow, judge = by_id["city"], by_id["followup-city"], by_id["judge"]
    assert city.correct and city.supported and city.source_rank == 1
    assert city.route == "generated" and city.cited_listed == len(city.citations) >= 1
    # The follow-up was rewritten; the invented "Moscow" was replaced by the evidence.
    assert "Benyash" in follow.standalone_question
    assert "Moscow" not in follow.answer
    assert judge.abstained and judge.correct and judge.supported is None
    s = report.summary
    assert s["cases"] == 3 and s["answerable"] == 2 and s["unanswerable"] == 1
    assert s["abstention_accuracy"] == 1.0 and s["citation_precision"] == 1.0
    assert s["answer_accuracy"] == sum(c.correct for c in (city, follow)) / 2
    assert s["false_abstention_rate"] == sum(c.abstained for c in (city, follow)) / 2
    assert set(s["latency"]["total"]) == {"p50", "p95"}
    # Stages are listed in pipeline order even when the first case abstained (no "generate").
    stages = list(summarize(list(reversed(report.cases)))["latency"])
    assert stages == [st for st in STAGES if st in stages] and stages[-1] == "total"
    assert s["config"]["top_k"] == settings.top_k

    out = tmp_path / "r.json"
    report.write_json(out)
    data = json.loads(out.read_text())
    for key in ("id", "question", "answer", "abstained", "citations", "retrieved", "correct",
                "timings"):
        assert key in data["cases"][0]
    assert load_baseline(out)["summary"]["cases"] == 3


def test_a_refused_question_is_scored_wrong_not_fatal(hash_index: Index,
                                                      settings: Settings) -> None:
    report = evaluate(fake_assistant(hash_index, settings),
                      [Case("blank", "???", must_include=[["x"]])])
    assert report.cases[0].error and not report.cases[0].correct
    assert report.summary["errors"] == 1


def test_compare_flags_drops_beyond_tolerance() -> None:
    base = {"answer_accuracy": 0.9, "false_abstention_rate": 0.05, "mrr": None}
    assert compare({"answer_accuracy": 0.89, "false_abstention_rate": 0.06}, base, 0.02) == []
    out = compare({"answer_accuracy": 0.8, "false_abstention_rate": 0.2, "mrr": 0.5}, base, 0.02)
    assert out == ["answer_accuracy fell from 0.900 to 0.800 (tolerance 0.02)",
                   "false_abstention_rate rose from 0.050 to 0.200 (tolerance 0.02)"]


def test_bad_baseline_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="qa eval --json"):
        load_baseline(write(tmp_path, "b.json", '{"cases": []}'))
    with pytest.raises(SuiteError, match="cannot read"):
        load_baseline(write(tmp_path, "b.json", "not json"))


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained(tmp_path: Path, hash_index: Index,
                                       settings: Settings) -> None:
    suite = write(tmp_path, "s.yaml", SUITE)
    report = evaluate(fake_assistant(hash_index, settings, "Benyash called from Krasnodar.",
                                     "Krasnodar."), suite)
    page = render_html(report, "seeds <eval>")
    parser = _Collect()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert {"svg", "rect", "details", "mark", "table"} <= tags
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not any((a.get("src") or a.get("href") or "").startswith("http")
                   for _, a in parser.tags)
    text = "".join(parser.text)
    assert "seeds <eval>" in text and "answer_accuracy" in text and "followup-city" in text


def test_highlight_marks_the_required_words_and_escapes() -> None:
    assert highlight("<b> from Krasnodar, Russia", [["krasnodar russia"]]) == \
        "&lt;b&gt; from <mark>Krasnodar, Russia</mark>"
    assert highlight("as many as 15,000", [["15,000"]]) == "as many as <mark>15,000</mark>"
    assert highlight("On February 24th.", [["february 24"]]) == "On <mark>February 24th</mark>."


def test_flipped_lists_cases_that_stopped_passing(hash_index: Index,
                                                  settings: Settings) -> None:
    report = evaluate(fake_assistant(hash_index, settings), [
        Case("city", "From which city did Benyash speak to the Financial Times?",
             must_include=[["no-such-word"]]),
        Case("judge", "What is the name of the judge?", unanswerable=True),
    ])
    baseline = {"cases": [{"id": "city", "correct": True}, {"id": "judge", "correct": False}]}
    assert flipped(report, baseline) == ["city"]
