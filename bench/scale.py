"""Query latency at scale: hybrid retrieval on the SQuAD index and on 100,000 chunks.

- ``squad``: the index ``bench.ingest`` built from the 2,067 SQuAD dev paragraphs.
- ``synthetic``: 100,000 chunks in a real persistent Chroma collection plus the BM25 index
  over their text. Each chunk is 3-5 sentences drawn at random from SQuAD paragraphs, and its
  vector is the normalised mean of MiniLM vectors of those sentences (embedding 100,000
  chunks one by one would take most of an hour on two cores and measures ingestion, not
  querying). The collection is kept under ``.bench/`` for the next run.

For each corpus: the time to open the retriever (reading the chunks, building BM25), then
per question (the same SQuAD questions on both) the question's embedding alone, the dense
search (embedding included), the BM25 search, and the whole ``HybridRetriever.retrieve``
(embedding, dense + BM25, fusion), p50 and p95. The embedder's memory of recent texts is
cleared before each call, so every figure pays for its embedding.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path
from typing import Any

import numpy as np

from .common import SQUAD_DEV, WORK, percentile, save, say, spread, timed

SYNTHETIC = WORK / "synthetic-100k"


class StoreOnly:
    """What ``HybridRetriever`` reads of an ``Index``: ``chunks()`` and the collection."""

    def __init__(self, collection: Any, chunks: list[dict[str, Any]]) -> None:
        self.collection = collection
        self._chunks = chunks

    def chunks(self) -> list[dict[str, Any]]:
        return self._chunks


def _sentences(paragraphs: dict[str, str]) -> list[str]:
    out = []
    for text in paragraphs.values():
        out += [s for s in re.split(r"(?<=[.!?])\s+", text) if 20 <= len(s) <= 400]
    return out


def synthetic(n: int, embedder: Any, seed: int = 0) -> StoreOnly:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from qa import squad

    client = chromadb.PersistentClient(path=str(SYNTHETIC / f"chroma-{n}"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("chunks", metadata={"hnsw:space": "cosine"})
    paragraphs, _ = squad.load(SQUAD_DEV)
    sentences = _sentences(paragraphs)
    rng = random.Random(seed)
    picks = [[rng.randrange(len(sentences)) for _ in range(rng.randint(3, 5))]
             for _ in range(n)]
    texts = [" ".join(sentences[i] for i in pick) for pick in picks]
    ids = [f"synthetic-{i:06d}.txt:0" for i in range(n)]
    if collection.count() != n:
        client.delete_collection("chunks")
        collection = client.create_collection("chunks", metadata={"hnsw:space": "cosine"})
        say(f"  embedding {len(sentences)} sentences for the synthetic corpus ...")
        vectors = np.asarray(embedder.embed(sentences), dtype=np.float32)
        chunk_vectors = np.stack([vectors[p].mean(axis=0) for p in picks])
        chunk_vectors /= np.linalg.norm(chunk_vectors, axis=1, keepdims=True)
        step = 5000
        for i in range(0, n, step):
            collection.add(ids=ids[i:i + step], embeddings=chunk_vectors[i:i + step].tolist(),
                           documents=texts[i:i + step],
                           metadatas=[{"source": ids[j].split(":")[0], "title": "",
                                       "start": 0, "end": len(texts[j])}
                                      for j in range(i, min(n, i + step))])
            say(f"  added {min(n, i + step)} / {n} chunks")
    chunks = [{"id": id_, "text": t, "source": id_.split(":")[0], "title": "", "start": 0,
               "end": len(t)} for id_, t in zip(ids, texts, strict=True)]
    return StoreOnly(collection, chunks)


def measure(name: str, index: Any, embedder: Any, questions: list[str]) -> dict[str, Any]:
    from qa.retrieval import HybridRetriever

    open_s, retriever = timed(lambda: HybridRetriever(index, embedder, top_k=20))
    retriever.retrieve("warm up the dense retriever")
    embed, dense, bm25, hybrid = [], [], [], []
    forget = getattr(embedder, "_recent", {}).clear  # every call embeds its question afresh
    for q in questions:
        forget()
        embed.append(timed(embedder.embed, [q])[0])
        forget()
        dense.append(timed(retriever.dense, q)[0])
        bm25.append(timed(retriever.bm25.search, q, retriever.candidates)[0])
        forget()
        hybrid.append(timed(retriever.retrieve, q, 20)[0])
    result: dict[str, Any] = {"chunks": len(retriever._chunks), "open_s": round(open_s, 3),
              "embed_question_s": spread(embed), "dense_s": spread(dense),
                              "bm25_s": spread(bm25), "hybrid_s": spread(hybrid)}
    say(f"  {name}: {result['chunks']} chunks, open {open_s:.2f}s, hybrid p50 "
        f"{result['hybrid_s']['p50'] * 1000:.1f} ms p95 {result['hybrid_s']['p95'] * 1000:.1f} ms")
    return result


def reranked(index: Any, embedder: Any, questions: list[str]) -> dict[str, float | int]:
    """What the assistant does before reading evidence: the fused top 20, re-ranked by their
    best sentence. Its cost is embedding the sentences of passages not read before (kept for
    later questions), which depends on the 20 passages, not on the size of the corpus."""
    from qa.evidence import EvidenceSelector
    from qa.retrieval import HybridRetriever

    retriever = HybridRetriever(index, embedder, top_k=20)
    selector = EvidenceSelector(index, embedder)
    seconds = []
    for q in questions:
        getattr(embedder, "_recent", {}).clear()
        seconds.append(timed(lambda q=q: selector.rerank(q, retriever.retrieve(q, 20)))[0])
    say(f"  squad, re-ranked: p50 {percentile(seconds, 50) * 1000:.1f} ms")
    return spread(seconds)


def run(n: int = 100_000, questions: int = 200, squad_index: Path = WORK / "ingest-index"
        ) -> dict[str, Any]:
    from qa import squad
    from qa.embeddings import MiniLMEmbedder
    from qa.index import Index
    from qa.settings import Settings

    embedder = MiniLMEmbedder()
    _, items = squad.load(SQUAD_DEV)
    asked = [i.question for i in squad.sample(items, questions, seed=1)]
    result: dict[str, Any] = {"questions": len(asked)}
    if (squad_index / "manifest.json").exists():
        index = Index.open(Settings.from_env(index_dir=squad_index, chroma_url=""), embedder)
        result["squad"] = measure("squad", index, embedder, asked)
        result["squad"]["reranked_s"] = reranked(index, embedder, asked)
        index.close()
    else:
        say(f"  no SQuAD index at {squad_index}/: run python -m bench.ingest first")
    result["synthetic"] = measure(f"synthetic {n}", synthetic(n, embedder), embedder, asked)
    if "squad" in result:
        result["hybrid_p50_growth"] = round(result["synthetic"]["hybrid_s"]["p50"]
                                            / result["squad"]["hybrid_s"]["p50"], 2)
        result["chunk_growth"] = round(result["synthetic"]["chunks"]
                                       / result["squad"]["chunks"], 1)
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--chunks", type=int, default=100_000)
    p.add_argument("--questions", type=int, default=200)
    args = p.parse_args(argv)
    save("scale", run(args.chunks, args.questions))


if __name__ == "__main__":
    main()
