"""``python -m bench.summary``: bench/results.json as the markdown tables of docs/performance.md."""

from __future__ import annotations

import json
from typing import Any

from .common import RESULTS


def _ms(s: float) -> str:
    return f"{s * 1000:.1f} ms"


def tables(r: dict[str, Any]) -> str:
    out: list[str] = []
    m: dict[str, Any] = next(iter(r.get("machine", {}).values()), {})
    if m:
        out += [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Python {m['python']}, "
                f"commit {m['commit']}, load average at the start {m['load_average']}.", ""]
    out += ["| target | measured | goal |", "|---|---|---|"]
    if a := r.get("answer"):
        o = a["overhead_ratio_model_answers"]
        out.append(f"| answer overhead, p50 ratio to bare llama.cpp + embedding "
                   f"({o['n']} answers that call the model) | {o['p50']} (p95 {o['p95']}) "
                   f"| <= 1.15 |")
        out.append(f"| time to first token, warm, all {a['ttft_s']['n']} seeds questions | "
                   f"p50 {a['ttft_s']['p50']:.3f} s, p95 {a['ttft_s']['p95']:.3f} s | "
                   f"p50 <= 1.0 s |")
    if c := r.get("cold_start"):
        out.append(f"| cold start, `qa ask` to its answer | p50 {c['qa_ask_wall_s']['p50']} s, "
                   f"slowest {c['qa_ask_wall_s']['max']} s | <= 10 s |")
    if i := r.get("ingestion"):
        out.append(f"| ingestion, {i['chunks']} SQuAD chunks, throughput vs bare encode "
                   f"(batch {i['best_batch']}) | {i['throughput_ratio']} "
                   f"({i['index_chunks_per_s']} vs {i['bare_chunks_per_s']} chunks/s) | >= 0.8 |")
        out.append(f"| re-index unchanged corpus | {i['reindex_fraction']:.1%} of a full index "
                   f"({i['reindex_s']} s) | < 5% |")
    if s := r.get("scale"):
        for name in ("squad", "synthetic"):
            if name in s:
                h = s[name]["hybrid_s"]
                out.append(f"| hybrid retrieval, {s[name]['chunks']:,} chunks | p50 "
                           f"{_ms(h['p50'])}, p95 {_ms(h['p95'])} | grows slower than "
                           f"the corpus |")
    if mem := r.get("memory"):
        out.append(f"| peak RSS of `python app.py` serving | {mem['peak_total_mb']} MB | "
                   f"<= 1536 MB |")
    if n := r.get("naive"):
        out += ["", "| pipeline | answer accuracy | abstention accuracy | latency p50 | p95 |",
                "|---|---|---|---|---|"]
        for key, label in (("ours", "this assistant"),
                           ("naive", "llama-index tutorial query engine")):
            x = n[key]
            out.append(f"| {label} | {x['answer_accuracy']} | {x['abstention_accuracy']} | "
                       f"{x['latency_s']['p50']:.2f} s | {x['latency_s']['p95']:.2f} s |")
    return "\n".join(out)


def main() -> None:
    print(tables(json.loads(RESULTS.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
