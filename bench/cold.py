"""Cold start: a fresh process from start to its first answer, on an existing index.

Two measurements, each in new processes:

- ``qa ask QUESTION`` as a user runs it, wall time (``runs`` times; p50 and the slowest);
- the same steps in a child that times each one: interpreter start, ``import qa.cli``, the
  heavy libraries (torch, sentence-transformers, chromadb, llama-index, llama.cpp), the model
  loads, opening the index, and the first answer.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from .common import ROOT, offline_env, percentile, save, say

QUESTION = "From which city did Benyash speak to the Financial Times?"

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
out = {}
def lap(name):
    global t0
    now = time.perf_counter(); out[name] = round(now - t0, 4); t0 = now
import qa.cli
lap("import qa.cli")
import torch
lap("import torch")
import sentence_transformers
lap("import sentence_transformers")
import chromadb
lap("import chromadb")
import llama_index.core
lap("import llama_index.core")
import llama_cpp
lap("import llama_cpp")
from qa import wiring
from qa.settings import Settings
from qa.answer.llm import from_settings
from qa.store.embeddings import MiniLMEmbedder
settings = Settings.from_env()
lap("import the rest of qa")
generator = from_settings(settings)
lap("load SmolLM2 (llama.cpp)")
embedder = MiniLMEmbedder()
lap("load MiniLM")
parts = wiring.store(settings, embedder, build=False)
lap("open the index (Chroma, BM25)")
answer = wiring.assistant(settings, parts=parts, generator=generator).ask(sys.argv[1])
lap("first answer")
out["answer_timings"] = answer.timings
print(json.dumps(out))
"""


def run(runs: int = 3) -> dict[str, Any]:
    env = offline_env()
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "qa.cli", "ask", QUESTION], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"qa ask failed: {done.stderr[-2000:]}")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    interpreter = time.perf_counter() - start
    breakdowns = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, QUESTION], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"the timed child failed: {done.stderr[-2000:]}")
        steps = json.loads(done.stdout.strip().splitlines()[-1])
        steps["wall"] = round(wall, 4)
        breakdowns.append(steps)
    stages = [k for k in breakdowns[0] if k not in ("answer_timings", "wall")]
    median = {k: round(percentile([b[k] for b in breakdowns], 50), 3) for k in stages}
    result: dict[str, Any] = {
        "question": QUESTION,
        "qa_ask_wall_s": {"p50": round(percentile(walls, 50), 3), "max": round(max(walls), 3),
                          "runs": [round(w, 3) for w in walls]},
        "python_start_s": round(interpreter, 3),
        "breakdown_p50_s": median,
        "breakdown_runs": breakdowns,
    }
    say(f"cold start: qa ask p50 {result['qa_ask_wall_s']['p50']}s; breakdown {median}")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    save("cold_start", run(p.parse_args(argv).runs))


if __name__ == "__main__":
    main()
