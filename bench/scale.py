"""Query latency at scale: hybrid retrieval on the SQuAD index and on 100,000 chunks.

- ``squad``: the index ``bench.ingest`` built from the 2,067 SQuAD dev paragraphs.
- ``synthetic``: 100,000 chunks in a real persistent Chroma collection plus the BM25 index
  over their text. Each chunk is 3-5 sentences drawn at random from SQuAD paragraphs, and its
  vector is the normalised mean of MiniLM vectors of those sentences (embedding 100,000
  chunks one by one would take most of an hour on two cores and measures ingestion, not
  querying). The collection is kept under ``.bench/`` for the next run.

For each corpus: the time to open the retriever twice, side by side: cold (its cache in the
index folder removed first: reading the chunks, stemming them, building BM25, saving the
cache) and again from that cache, with whether both give the same results; the same for the
``EvidenceSelector`` (``selector_open_s``, ``selector_open_cached_s``: document frequencies
and person names, and whether the cached one selects the same evidence); then
per question (the same SQuAD questions on both) the question's embedding alone, the dense
search (embedding included), the BM25 search, and the whole ``HybridRetriever.retrieve``
(embedding, dense + BM25, fusion), p50 and p95. The embedder's memory of recent texts is
cleared before each call, so every figure pays for its embedding.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .common import SQUAD_DEV, WORK, percentile, save, say, spread, timed

SYNTHETIC = WORK / "synthetic-100k"


class StoreOnly:
    """What ``HybridRetriever`` and ``EvidenceSelector.reload`` read of an ``Index``:
    ``chunks()``, the collection, ``documents`` and ``text()`` (each source's chunks, in
    order: the synthetic corpus has one chunk a document), and for their caches a folder
    (``root``) and a ``fingerprint``."""

    def __init__(self, collection: Any, chunks: list[dict[str, Any]], root: Path) -> None:
        from qa.store.manifest import DocInfo

        self.collection = collection
        self._chunks = chunks
        self.root = root
        self._ids = {c["id"] for c in chunks}
        by_source: dict[str, list[dict[str, Any]]] = {}
        for c in chunks:
            by_source.setdefault(c["source"], []).append(c)
        self._texts = {s: "\n\n".join(c["text"] for c in cs) for s, cs in by_source.items()}
        self.documents = {
            s: DocInfo(s, "", cs[0]["title"], hashlib.sha256(self._texts[s].encode()).hexdigest(),
                       tuple(c["id"] for c in cs)) for s, cs in by_source.items()}
        # Of the content, not the ids: a synthetic id says nothing of its text. Once, here,
        # so the cached open does not pay for hashing 70 MB.
        self._fingerprint = hashlib.sha256(json.dumps(chunks, sort_keys=True).encode()
                                           ).hexdigest()

    def chunks(self) -> list[dict[str, Any]]:
        return self._chunks

    def text(self, source: str) -> str:
        return self._texts[source]

    def fingerprint(self, ids: Iterable[str] | None = None) -> str:
        """As ``Index.fingerprint``: with ``ids``, equal to the plain one only when they are
        every chunk."""
        if ids is None or set(ids) == self._ids:
            return self._fingerprint
        return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def _sentences(paragraphs: dict[str, str]) -> list[str]:
    out = []
    for text in paragraphs.values():
        out += [s for s in re.split(r"(?<=[.!?])\s+", text) if 20 <= len(s) <= 400]
    return out


def synthetic(n: int, embedder: Any, seed: int = 0) -> StoreOnly:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from qa.evaluation import squad

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
    root = SYNTHETIC / f"index-{n}"
    root.mkdir(parents=True, exist_ok=True)
    return StoreOnly(collection, chunks, root)


def measure(name: str, index: Any, embedder: Any, questions: list[str]) -> dict[str, Any]:
    from qa.store.retrieval import CACHE_DIR, HybridRetriever

    # Cold: what the first open after the index changed pays (and it saves the cache).
    shutil.rmtree(Path(index.root) / CACHE_DIR, ignore_errors=True)
    open_s, cold = timed(lambda: HybridRetriever(index, embedder, top_k=20))
    open_cached_s, retriever = timed(lambda: HybridRetriever(index, embedder, top_k=20))
    cold.retrieve("warm up the dense retriever")
    retriever.retrieve("warm up the dense retriever")
    same = all(cold.bm25.search(q, cold.candidates) == retriever.bm25.search(q, cold.candidates)
               and cold.retrieve(q, 20) == retriever.retrieve(q, 20) for q in questions)
    del cold  # a second copy of 100,000 chunks would weigh on the timings below
    selector = selector_open(index, embedder, retriever, questions[:SELECT_CHECKED])
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
    both = round(open_cached_s + selector["selector_open_cached_s"], 3)
    result: dict[str, Any] = {"chunks": len(retriever._chunks), "open_s": round(open_s, 3),
                              "open_cached_s": round(open_cached_s, 3),
                              "opened_from_cache": retriever.from_cache,
                              "cached_results_identical": same,
                              **selector,
                              # what the app pays to open both on an unchanged index
                              "open_both_cached_s": both,
                              "embed_question_s": spread(embed), "dense_s": spread(dense),
                              "bm25_s": spread(bm25), "hybrid_s": spread(hybrid)}
    say(f"  {name}: {result['chunks']} chunks, open {open_s:.2f}s cold, "
        f"{open_cached_s:.2f}s from the cache{'' if retriever.from_cache else ' (NOT USED)'}"
        f"{'' if same else ', RESULTS DIFFER'}; selector {selector['selector_open_s']:.2f}s cold, "
        f"{selector['selector_open_cached_s']:.2f}s from its cache"
        f"{'' if selector['selector_from_cache'] else ' (NOT USED)'}"
        f"{'' if selector['selector_identical'] else ', SELECTION DIFFERS'}; hybrid p50 "
        f"{result['hybrid_s']['p50'] * 1000:.1f} ms p95 {result['hybrid_s']['p95'] * 1000:.1f} ms")
    return result


SELECT_CHECKED = 20  # questions whose evidence selection is compared, cold against cached


def selector_open(index: Any, embedder: Any, retriever: Any, questions: list[str]
                  ) -> dict[str, Any]:
    """``EvidenceSelector`` opened cold (its cache removed first: every chunk stemmed for the
    document frequencies, every document read for person names, the cache saved) and again
    from that cache, side by side; with whether both hold the same lexicon and select the
    same evidence for ``questions`` over the retriever's passages."""
    from qa.answer.evidence import EvidenceSelector
    from qa.answer.lexicon import SELECTOR_CACHE_DIR

    shutil.rmtree(Path(index.root) / SELECTOR_CACHE_DIR, ignore_errors=True)
    cold_s, cold = timed(lambda: EvidenceSelector(index, embedder))
    cached_s, cached = timed(lambda: EvidenceSelector(index, embedder))
    same = ((cold._n, cold._df, cold.persons, cold.roles)
            == (cached._n, cached._df, cached.persons, cached.roles))
    for q in questions:
        passages = retriever.retrieve(q, 20)
        same = same and cold.select(q, passages) == cached.select(q, passages)
    return {"selector_open_s": round(cold_s, 3), "selector_open_cached_s": round(cached_s, 3),
            "selector_from_cache": cached.from_cache and not cold.from_cache,
            "selector_identical": same}


def reranked(index: Any, embedder: Any, questions: list[str]) -> dict[str, float | int]:
    """What the assistant does before reading evidence: the fused top 20, re-ranked by their
    best sentence. Its cost is embedding the sentences of passages not read before (kept for
    later questions), which depends on the 20 passages, not on the size of the corpus."""
    from qa.answer.evidence import EvidenceSelector
    from qa.store.retrieval import HybridRetriever

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
    from qa.evaluation import squad
    from qa.settings import Settings
    from qa.store.embeddings import MiniLMEmbedder
    from qa.store.index import Index

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
