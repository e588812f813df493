"""Warm answering on the seeds suite: overhead against the bare parts, and time to first token.

For every question of ``evals/seeds.yaml`` (history included), side by side:

- ``ask``: ``Assistant.ask`` end to end (rewrite, retrieve, re-rank, evidence, model, check);
- ``bare``: the same work done by the bare components: one ``SentenceTransformer.encode`` of
  the question, plus, when the assistant called the model, one non-streaming
  ``Llama.create_chat_completion`` on the very messages and ``max_tokens`` it sent.

llama.cpp reuses the key/value cache of a prompt prefix it has just evaluated, so the model's
state is reset before each timed call, for both sides alike; the embedder's memory of recent
texts is cleared too, so a question asked again is embedded again. Each side is timed ``rounds``
times per question, in alternating order, and the fastest is kept.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from typing import Any

from .common import ROOT, save, say, spread, timed


class Recording:
    """A generator that remembers what it was asked (and passes it to the real one)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: list[tuple[list[dict[str, str]], int]] = []

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        self.calls.append((messages, max_tokens))
        yield from self.inner.stream(messages, max_tokens)


def run(rounds: int = 3, suite: str = "evals/seeds.yaml") -> dict[str, Any]:
    from qa import wiring
    from qa.answer.llm import from_settings
    from qa.evaluation.suite import load_suite
    from qa.settings import Settings
    from qa.store.embeddings import MiniLMEmbedder

    settings = Settings.from_env(index_dir=ROOT / "index", corpus_dir=ROOT / "seeds")
    recording = Recording(from_settings(settings))
    embedder = MiniLMEmbedder()
    assistant = wiring.assistant(settings, embedder=embedder, generator=recording)
    llm: Any = recording.inner._llm  # the same llama.cpp model object the assistant uses
    encoder = embedder._model  # the bare SentenceTransformer inside it
    cases = load_suite(ROOT / suite)

    def bare_embed(q: str) -> Any:
        return encoder.encode([q], normalize_embeddings=True, convert_to_numpy=True,
                              show_progress_bar=False)

    def bare_llm(messages: list[dict[str, str]], max_tokens: int) -> Any:
        return llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                          temperature=0.0, top_k=1, seed=settings.seed)

    def forget() -> None:  # a question asked again must not find its vector remembered
        embedder._recent.clear()
        llm.reset()

    def ask(case: Any) -> tuple[float, Any]:
        forget()
        recording.calls.clear()
        return timed(lambda: assistant.ask(case.question, case.history))

    for case in cases[:3]:  # warm-up: first calls pay for lazy imports and allocations
        ask(case)

    def one_ask(case: Any) -> tuple[float, list[Any], str]:
        seconds, answer = ask(case)
        return seconds, list(recording.calls), str(answer.meta.get("route", ""))

    def one_bare(case: Any, calls: list[Any]) -> float:
        seconds = timed(bare_embed, case.question)[0]
        for messages, max_tokens in calls:
            llm.reset()
            seconds += timed(bare_llm, messages, max_tokens)[0]
        return seconds

    rows: list[dict[str, Any]] = []
    for n, case in enumerate(cases):
        asks, bares = [], []
        seconds, calls, route = one_ask(case)  # round one: the ask says what the bare side does
        asks.append(seconds)
        bares.append(one_bare(case, calls))
        for r in range(1, rounds):  # then alternate which side goes first
            if r % 2:
                bares.append(one_bare(case, calls))
                asks.append(one_ask(case)[0])
            else:
                asks.append(one_ask(case)[0])
                bares.append(one_bare(case, calls))
        ask_s, bare_s = min(asks), min(bares)
        rows.append({"id": case.id, "route": route, "model_called": bool(calls),
                     "ask_s": round(ask_s, 4), "bare_s": round(bare_s, 4),
                     "ratio": round(ask_s / bare_s, 3)})
        say(f"  answer {n + 1}/{len(cases)} {case.id}: ask {ask_s:.3f}s bare {bare_s:.3f}s "
            f"({route})")

    ttft_rows: list[dict[str, Any]] = []
    for case in cases:
        forget()
        start = time.perf_counter()
        first = None
        for item in assistant.ask_stream(case.question, case.history):
            if isinstance(item, str) and item and first is None:
                first = time.perf_counter() - start
        total = time.perf_counter() - start
        ttft_rows.append({"id": case.id, "ttft_s": round(first or total, 4),
                          "total_s": round(total, 4)})

    modelled = [r for r in rows if r["model_called"]]
    others = [r for r in rows if not r["model_called"]]
    result: dict[str, Any] = {
        "questions": len(rows),
        "rounds": rounds,
        "model_called": len(modelled),
        "overhead_ratio_model_answers": spread([r["ratio"] for r in modelled], 3),
        "ask_s_model_answers": spread([r["ask_s"] for r in modelled]),
        "bare_s_model_answers": spread([r["bare_s"] for r in modelled]),
        "ask_s_no_model": spread([r["ask_s"] for r in others]),
        "bare_embed_s_no_model": spread([r["bare_s"] for r in others]),
        "overhead_ratio_all": round(sum(r["ask_s"] for r in rows)
                                    / max(1e-9, sum(r["bare_s"] for r in rows)), 3),
        "ttft_s": spread([r["ttft_s"] for r in ttft_rows]),
        "ttft_s_model_answers": spread([t["ttft_s"] for t, r in zip(ttft_rows, rows, strict=True)
                                        if r["model_called"]]),
        "rows": rows,
        "ttft_rows": ttft_rows,
    }
    say(f"answer overhead p50 {result['overhead_ratio_model_answers']['p50']} on "
        f"{len(modelled)} model answers; TTFT p50 {result['ttft_s']['p50']}s "
        f"p95 {result['ttft_s']['p95']}s")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    save("answer", run(args.rounds))


if __name__ == "__main__":
    main()
