"""The benchmark suite's own pieces run, on a small scale, against the real stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import common, scale, summary


@pytest.mark.unit
def test_percentiles_and_spread() -> None:
    assert common.percentile([1, 2, 3, 4], 50) == 2.5
    assert common.percentile([5.0], 95) == 5.0
    assert common.spread([0.1, 0.2, 0.3]) == {"n": 3, "p50": 0.2, "p95": 0.29, "mean": 0.2}


@pytest.mark.unit
def test_the_summary_names_every_target() -> None:
    results = {
        "answer": {"overhead_ratio_model_answers": {"n": 19, "p50": 1.03, "p95": 1.07},
                   "ttft_s": {"n": 55, "p50": 0.03, "p95": 0.51}},
        "cold_start": {"qa_ask_wall_s": {"p50": 7.3, "max": 7.4}},
        "ingestion": {"chunks": 2807, "best_batch": 16, "throughput_ratio": 0.93,
                      "index_chunks_per_s": 51.4, "bare_chunks_per_s": 55.0,
                      "reindex_fraction": 0.0025, "reindex_s": 0.14},
        "memory": {"peak_total_mb": 900.0},
    }
    text = summary.tables(results)
    for expected in ("<= 1.15", "p50 <= 1.0 s", "<= 10 s", ">= 0.8", "< 5%", "<= 1536 MB"):
        assert expected in text


@pytest.mark.integration
@pytest.mark.skipif(not common.SQUAD_DEV.exists(), reason="SQuAD v1.1 dev is not beside the repo")
def test_the_synthetic_store_is_built_once_and_retrieved_from(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    from qa.store.embeddings import MiniLMEmbedder

    monkeypatch.setattr(scale, "SYNTHETIC", tmp_path)
    embedder = MiniLMEmbedder()
    store = scale.synthetic(300, embedder)
    assert store.collection.count() == 300 and len(store.chunks()) == 300
    again = scale.synthetic(300, embedder)  # kept: not embedded a second time
    assert again.collection.count() == 300
    result = scale.measure("small", store, embedder, ["When was the university founded?",
                                                      "Who won Super Bowl 50?"])
    assert result["chunks"] == 300
    assert result["bm25_s"]["p50"] > 0 and result["hybrid_s"]["p50"] > 0
    from qa.store.retrieval import HybridRetriever

    passages = HybridRetriever(store, embedder, top_k=5).retrieve("Super Bowl")
    assert passages and all(p.text in {c["text"] for c in store.chunks()} for p in passages)
