"""Retrieval: BM25 and dense vectors over the chunks, fused by reciprocal rank.

Names, numbers and dates are lexical, paraphrases are semantic; each list catches what the
other misses. Dense search goes through llama-index's vector retriever over Chroma; BM25 is
``bm25s`` over the same chunks (a sparse matrix, so a query never scans the corpus in Python).
The BM25 index is built in memory when the retriever opens. Left out: re-ranking models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .embeddings import Embedder, as_llama_embedding
from .index import Index
from .text import content_terms
from .types import Passage


@dataclass(frozen=True)
class Ranked:
    """One retriever's ranking: chunk id -> score (higher is better), best first."""

    ids: list[str]
    scores: list[float]


def rrf(rankings: list[Ranked], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion: ``rrf([Ranked(["a","b"],..), Ranked(["b"],..)])`` -> b first."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, id_ in enumerate(ranking.ids):
            fused[id_] = fused.get(id_, 0.0) + 1.0 / (k + rank + 1)
    return fused


class BM25:
    """Okapi BM25 over stemmed content words (see ``text.content_terms``)."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        import bm25s

        self.ids = ids
        self._bm25 = bm25s.BM25()
        self._vocab: set[str] = set()
        if ids:
            corpus = [content_terms(t) or [""] for t in texts]
            self._bm25.index(corpus, show_progress=False)
            self._vocab = set(self._bm25.vocab_dict)

    def search(self, query: str, k: int) -> Ranked:
        terms = [t for t in content_terms(query) if t in self._vocab]
        if not terms or not self.ids:
            return Ranked([], [])
        scores = np.asarray(self._bm25.get_scores(terms))
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return Ranked([self.ids[i] for i in top if scores[i] > 0],
                      [float(scores[i]) for i in top if scores[i] > 0])


class HybridRetriever:
    """``retrieve(question) -> list[Passage]``: BM25 + dense, fused, best first."""

    def __init__(self, index: Index, embedder: Embedder, top_k: int = 5,
                 candidates: int = 20) -> None:
        self.index = index
        self.embedder = embedder
        self.top_k = top_k
        self.candidates = candidates
        self.reload()

    def reload(self) -> None:
        """Re-read the chunks (after the index changed)."""
        chunks = self.index.chunks()
        self._chunks = {c["id"]: c for c in chunks}
        self.bm25 = BM25([c["id"] for c in chunks], [c["text"] for c in chunks])
        self._dense: Any = None

    def source_of(self, chunk_id: str) -> str | None:
        c = self._chunks.get(chunk_id)
        return str(c["source"]) if c else None

    def _dense_retriever(self) -> Any:
        if self._dense is None:
            from llama_index.core import VectorStoreIndex
            from llama_index.vector_stores.chroma import ChromaVectorStore

            store = ChromaVectorStore(chroma_collection=self.index.collection)
            vindex = VectorStoreIndex.from_vector_store(
                store, embed_model=as_llama_embedding(self.embedder)
            )
            self._dense = vindex.as_retriever(similarity_top_k=self.candidates)
        return self._dense

    def dense(self, query: str) -> Ranked:
        if not self._chunks:
            return Ranked([], [])
        results = self._dense_retriever().retrieve(query)
        return Ranked([r.node.node_id for r in results], [float(r.score or 0) for r in results])

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        k = top_k or self.top_k
        fused = rrf([self.dense(query), self.bm25.search(query, self.candidates)])
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        out = []
        for id_ in best:
            c = self._chunks.get(id_)
            if c is None:  # the index changed under us; skip rather than cite a ghost
                continue
            out.append(Passage(id_, c["source"], c["title"], c["start"], c["end"], c["text"],
                               fused[id_]))
        return out
