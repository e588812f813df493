"""QA_LLM_BASE_URL against a real OpenAI-compatible server: llama-cpp-python's own
(``python -m llama_cpp.server``) serving the bundled SmolLM2 GGUF on a loopback port.

``qa eval evals/seeds.yaml --json`` runs both ways, in-process and through the server; with the
same sampling (temperature 0, seed, no repeat penalty, max tokens) the suite scores the same
within its tolerance, and the model's own drafts agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.answer.llm import bundled_model_path
from qa.evaluation.metrics import DEFAULT_TOLERANCE, compare

from ..conftest import ROOT
from ..servers import Server, llama_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = llama_server(bundled_model_path(), tmp_path_factory.mktemp("llm")).start(180)
    yield running
    running.stop()


def qa_eval(index: Path, out: Path, **env: str) -> dict[str, Any]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    done = subprocess.run([sys.executable, "-m", "qa.cli", "eval", "evals/seeds.yaml",
                           "--quiet", "--json", str(out), "--index", str(index)],
                          env={**full, **env}, cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(out.read_text()))


def test_the_seeds_suite_scores_the_same_through_llama_cpp_server(model_server: Server,
                                                                  tmp_path: Path) -> None:
    index = tmp_path / "index"  # built from seeds/ by the first run
    local = qa_eval(index, tmp_path / "local.json")
    before = model_server.output().count("POST /v1/chat/completions")
    remote = qa_eval(index, tmp_path / "remote.json", QA_LLM_BASE_URL=model_server.url)

    assert compare(remote["summary"], local["summary"], DEFAULT_TOLERANCE) == []
    assert compare(local["summary"], remote["summary"], DEFAULT_TOLERANCE) == []
    drafted = [(a, b) for a, b in zip(local["cases"], remote["cases"], strict=True)
               if a["meta"]["draft"] is not None]
    assert len(drafted) >= 10  # the suite does reach the model
    # Every model call of the remote run went to the server.
    calls = model_server.output().count("POST /v1/chat/completions") - before
    assert calls == sum(b["meta"]["draft"] is not None for b in remote["cases"])
    same_drafts = sum(a["meta"]["draft"] == b["meta"]["draft"] for a, b in drafted)
    assert same_drafts >= 0.9 * len(drafted), f"{same_drafts} of {len(drafted)} drafts agree"
    same = sum(a["answer"] == b["answer"] and a["citations"] == b["citations"]
               for a, b in zip(local["cases"], remote["cases"], strict=True))
    assert same >= 0.95 * len(local["cases"]), f"{same} of {len(local['cases'])} agree"
