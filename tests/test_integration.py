"""The real stack: MiniLM from its wheel, Chroma on disk, SmolLM2 through llama.cpp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Answer, Assistant, Settings

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real") / "index"


@pytest.fixture(scope="module")
def assistant(real_index: Path) -> Iterator[Assistant]:
    settings = Settings(index_dir=real_index, corpus_dir=SEEDS)
    yield Assistant.open(settings=settings)  # no index yet: built from seeds/ on first use


def assert_grounded(answer: Answer, fact: str) -> None:
    assert not answer.abstained, answer
    assert fact.lower() in answer.text.lower(), answer.text
    assert any(fact.lower() in c.quote.lower() for c in answer.citations), answer.citations
    for c in answer.citations:
        with open(SEEDS / c.source, encoding="utf-8") as f:  # the invariant, as users check it
            assert f.read()[c.start : c.end] == c.quote
        assert len(c.quote) < 400  # a sentence or two, not a chunk


def test_city(assistant: Assistant) -> None:
    assert_grounded(assistant.ask("From which city did Benyash speak to the Financial Times?"),
                    "Krasnodar")


def test_count(assistant: Assistant) -> None:
    assert_grounded(assistant.ask("How many guardsmen is Benyash defending?"), "12")


def test_a_why_cites_the_cause_not_the_event(assistant: Assistant) -> None:
    answer = assistant.ask("Why did the guardsmen refuse to fight?")
    assert not answer.abstained
    assert any("unlawful" in c.quote for c in answer.citations), answer.text


def test_abstains_on_the_judge(assistant: Assistant) -> None:
    answer = assistant.ask("What is the name of the judge in the case?")
    assert answer.abstained and not answer.citations and answer.closest


def test_follow_up(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "Which lawyer represents the dismissed guardsmen?"},
               {"role": "assistant", "content": "Mikhail Benyash."}]
    answer = assistant.ask("Which city was he calling from?", history)
    assert "Benyash" in answer.standalone_question
    assert_grounded(answer, "Krasnodar")


def test_stream_yields_text_then_the_answer(assistant: Assistant) -> None:
    items = list(assistant.ask_stream("When was the Vladimir SOBR division founded?"))
    assert isinstance(items[-1], Answer)
    assert all(isinstance(i, str) for i in items[:-1])
    assert_grounded(items[-1], "1993")
    assert {"retrieve", "evidence", "generate", "total"} <= set(items[-1].timings)


def test_reindex_is_idempotent_and_tracks_changes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in SEEDS.iterdir():
        (corpus / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "QA_INDEX": str(tmp_path / "index")}

    def qa(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "qa.cli", *args], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def chunks() -> int:
        return int(json.loads(qa("stats", "--json"))["chunks"])

    qa("index", str(corpus), "--quiet")
    first = chunks()
    assert "0 chunks written" in qa("index", str(corpus), "--quiet")
    assert chunks() == first
    path = corpus / "002_75f925b16965c540.txt"
    path.write_text(path.read_text(encoding="utf-8").split("Russian Troops on the Verge")[0],
                    encoding="utf-8")
    assert "1 updated" in qa("index", str(corpus), "--quiet")
    assert 0 < chunks() < first


def test_cli_ask_json_works_with_the_network_unreachable(real_index: Path,
                                                         assistant: Assistant,
                                                         tmp_path: Path) -> None:
    # sitecustomize makes every non-loopback connection fail, as on an offline machine.
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""
        import socket
        _connect = socket.socket.connect
        def connect(self, address):
            host = address[0] if isinstance(address, tuple) else address
            local = isinstance(host, str) and (host.startswith("127.") or host == "::1")
            if not local:
                raise OSError("network unreachable (test)")
            return _connect(self, address)
        socket.socket.connect = connect
        socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("offline"))
    """))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "QA_"))}
    env.update(PYTHONPATH=str(tmp_path), QA_INDEX=str(real_index))
    out = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "--json",
         "How many guardsmen is Benyash defending?"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"answer", "abstained", "citations", "timings"}
    assert "12" in data["answer"] and not data["abstained"]
    for c in data["citations"]:
        assert set(c) >= {"n", "source", "start", "end", "quote"}
        assert (SEEDS / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]


def test_cli_chat_resolves_a_follow_up(real_index: Path, assistant: Assistant) -> None:
    env = {**os.environ, "QA_INDEX": str(real_index)}
    script = ("Which lawyer represents the dismissed guardsmen?\n"
              "Which city was he calling from?\n")
    out = subprocess.run([sys.executable, "-m", "qa.cli", "chat"], input=script, env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.split("you> ")[1:3]
    assert "Benyash" in first
    assert "Krasnodar" in second and "searched for:" in second


def test_cli_eval_reports_writes_and_catches_a_regression(real_index: Path,
                                                          assistant: Assistant,
                                                          tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(textwrap.dedent("""
        - id: count
          question: How many guardsmen is Benyash defending?
          must_include: [["12", "twelve", "dozen"]]
          sources: [002_75f925b16965c540.txt, 000_1daafaa0c1248cb7.txt]
        - id: impossible
          question: When was the Vladimir SOBR division founded?
          must_include: [["no-such-word-anywhere"]]
          sources: [000_1daafaa0c1248cb7.txt]
        - id: judge
          question: What is the name of the judge in the case?
          unanswerable: true
    """))
    env = {**os.environ, "QA_INDEX": str(real_index)}

    def qa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qa.cli", "eval", str(suite), "--quiet",
                               *args], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300)

    out = qa("--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"))
    assert out.returncode == 0, out.stderr
    assert "answer_accuracy" in out.stdout and "latency total" in out.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    by_id = {c["id"]: c for c in report["cases"]}
    assert by_id["count"]["correct"] and not by_id["impossible"]["correct"]
    assert by_id["judge"]["abstained"]
    assert report["summary"]["answer_accuracy"] == 0.5
    assert "<svg" in (tmp_path / "r.html").read_text()

    better = {**report, "summary": {**report["summary"], "answer_accuracy": 1.0}}
    (tmp_path / "base.json").write_text(json.dumps(better))
    out = qa("--baseline", str(tmp_path / "base.json"))
    assert out.returncode == 1 and "answer_accuracy fell from 1.000 to 0.500" in out.stdout
    out = qa("--baseline", str(tmp_path / "r.json"))
    assert out.returncode == 0 and "no regression" in out.stdout


def test_the_seeds_suite_stays_above_its_floors(assistant: Assistant) -> None:
    """The known-answer suite on the real stack, with a case of slack below the figures the
    docs/pipeline.md reports (a float rounding on another CPU may flip one case)."""
    from qa.evaluation.scoring import evaluate
    from qa.evaluation.suite import load_suite

    summary = evaluate(assistant, load_suite(ROOT / "evals/seeds.yaml")).summary
    assert summary["answer_accuracy"] >= 0.89, summary
    assert summary["citation_support"] >= 0.89, summary
    assert summary["citation_precision"] >= 0.95, summary
    assert summary["abstention_accuracy"] >= 0.88, summary
    assert summary["false_abstention_rate"] <= 0.08, summary
    assert summary["followup_accuracy"] >= 0.875, summary
