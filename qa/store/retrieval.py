"""Retrieval: BM25 and dense vectors over the chunks, fused by reciprocal rank.

Names, numbers and dates are lexical, paraphrases are semantic; each list catches what the
other misses. Dense search goes through llama-index's vector retriever over Chroma; BM25 is
``bm25s`` over the same chunks (a sparse matrix, so a query never scans the corpus in Python).

The BM25 index and the chunk table (id, text, source, title, offsets) are kept in the index
folder, in ``bm25/<key>/``, keyed by the index's fingerprint (its spec, documents and chunk
ids), the source of this module, ``text.py`` and ``chunking.py``, and the bm25s version.
Only the first open after the index changed builds them: at 100,000 chunks (``python -m
bench.scale``, 2 cores) a cold open took 21.4 s (stemming every chunk 16 s, the matrix 4 s,
saving the 106 MB cache 1.2 s) and an open from the cache 0.58 s; a real index also reads its
chunks from Chroma when cold (3.3 s) and computes its fingerprint on every open (0.1 s). The
SQuAD index (2,807 chunks): 1.6 s cold, 0.02 s cached. A cache that is missing, stale or
damaged (each file is checked against the sha256 its ``meta.json`` records) is built again,
never used; it is written to a temporary folder and renamed into place, so a killed process
leaves no half cache; a reader that cannot write the folder builds in memory each time. Left
out: re-ranking models; updating a cache in place when a few documents change (any change
rebuilds it whole).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa import text
from qa.store import chunking
from qa.store.cache import Fingerprinted, Folder, code_key, for_index
from qa.store.embeddings import Embedder, as_llama_embedding
from qa.store.index import Index
from qa.text import content_terms
from qa.types import Passage

CACHE_DIR = "bm25"  # in the index folder
CACHE_FORMAT = 1  # what the files hold and how; bump it when that changes
TABLE = "chunks.json"  # the chunk table by column, in the BM25 matrix's order

log = logging.getLogger(__name__)


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

    @classmethod
    def load(cls, folder: Path, ids: list[str]) -> BM25:
        """The index ``save`` wrote to ``folder``, for the chunks ``ids`` (in its order)."""
        import bm25s

        self = cls.__new__(cls)
        self.ids = ids
        self._bm25 = bm25s.BM25.load(str(folder), load_corpus=False, mmap=False,
                                     show_progress=False)
        if self._bm25.scores["num_docs"] != len(ids):
            raise ValueError("the BM25 index is not of these chunks")
        self._vocab = set(self._bm25.vocab_dict)
        return self

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

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


class Cache:
    """The BM25 index and chunk table of one state of an index, in ``root/bm25/<key>/``
    (a ``cache.Folder``)."""

    def __init__(self, index: Fingerprinted) -> None:
        self.index = index
        self.fingerprint = index.fingerprint()
        self.folder = Folder(Path(index.root) / CACHE_DIR, _key(self.fingerprint),
                             self.fingerprint, CACHE_FORMAT, "BM25 cache")
        self.path = self.folder.path

    def load(self) -> tuple[dict[str, dict[str, Any]], BM25] | None:
        """The chunk table and BM25 saved for this key; None when there is none, or it is
        damaged in any way (the caller builds them instead)."""
        meta = self.folder.read()
        if meta is None:
            return None
        try:
            table = json.loads((self.path / TABLE).read_bytes())
            ids, columns = table["ids"], table["columns"]
            if len(ids) != meta["chunks"] or TABLE not in meta["files"]:
                raise ValueError("the table is not the one described")
            keys = list(columns)
            chunks = {id_: dict(zip(keys, row, strict=True))
                      for id_, *row in zip(ids, *columns.values(), strict=True)}
            if len(chunks) != len(ids):
                raise ValueError("a chunk id is there twice")
            return chunks, BM25.load(self.path, ids)
        except Exception as e:  # noqa: BLE001 - a damaged cache is rebuilt, whatever broke
            self.folder.damaged(e)
            return None

    def save(self, chunks: dict[str, dict[str, Any]], bm25: BM25) -> None:
        """Keep ``chunks`` and ``bm25`` for the next open; quietly nothing where the folder is
        not writable, or what was read from the store is not all the index lists."""
        if not chunks or self.index.fingerprint(chunks) != self.fingerprint:
            return  # read mid-repair: kept, it would hide the missing chunks until a change
        keys = list(next(iter(chunks.values())))
        if any(list(c) != keys for c in chunks.values()):
            return  # not one table; the loaded dicts would differ from these

        def fill(tmp: Path) -> dict[str, Any]:
            bm25.save(tmp)
            table = {"ids": bm25.ids, "columns": {k: [chunks[i][k] for i in bm25.ids]
                                                  for k in keys}}
            (tmp / TABLE).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
            return {"chunks": len(bm25.ids)}

        self.folder.write(fill)


def _key(fingerprint: str) -> str:
    """The cache folder's name: the index's fingerprint and what turns chunks into the BM25
    matrix (this module, the stems and stop words of text.py, bm25s), and what cut the
    chunks (chunking.py: the fingerprint holds their ids, and a chunk re-added by another
    chunker keeps its id), so an upgrade of any of them is a rebuild, never a stale matrix."""
    import bm25s

    return code_key([str(CACHE_FORMAT), bm25s.__version__, fingerprint],
                    [__file__, text.__file__, chunking.__file__])


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
        """Re-read the chunks (after the index changed): from the cache in the index folder
        when it holds this state of the index, else from the store, then cached."""
        # Only an index with a folder and a fingerprint has a cache (not bench's StoreOnly
        # without them, nor a test's stand-in).
        cache = for_index(self.index, Cache, "BM25 cache")
        loaded = cache.load() if cache is not None else None
        self.from_cache = loaded is not None  # for the benchmark and the tests
        if loaded is not None:
            self._chunks, self.bm25 = loaded
        else:
            chunks = self.index.chunks()
            self._chunks = {c["id"]: c for c in chunks}
            self.bm25 = BM25([c["id"] for c in chunks], [c["text"] for c in chunks])
            if cache is not None:
                cache.save(self._chunks, self.bm25)
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
            self._vindex = vindex
        return self._dense

    def dense(self, query: str, sources: frozenset[str] | None = None) -> Ranked:
        """The ``candidates`` nearest chunks; with ``sources``, of those documents only (a
        filter in the vector store's search, so a narrow scope still gets its best ones)."""
        if not self._chunks:
            return Ranked([], [])
        retriever = self._dense_retriever()
        if sources is not None:
            from llama_index.core.vector_stores import (
                FilterOperator,
                MetadataFilter,
                MetadataFilters,
            )

            scope = MetadataFilters(filters=[MetadataFilter(
                key="source", value=sorted(sources), operator=FilterOperator.IN)])
            retriever = self._vindex.as_retriever(similarity_top_k=self.candidates,
                                                  filters=scope)
        results = retriever.retrieve(query)
        return Ranked([r.node.node_id for r in results], [float(r.score or 0) for r in results])

    def lexical(self, query: str, sources: frozenset[str] | None = None) -> Ranked:
        """The ``candidates`` best BM25 chunks; with ``sources``, of those documents only."""
        if sources is None:
            return self.bm25.search(query, self.candidates)
        ranked = self.bm25.search(query, len(self._chunks))  # every match, then the scope
        kept = [(i, s) for i, s in zip(ranked.ids, ranked.scores, strict=True)
                if self._chunks[i]["source"] in sources][: self.candidates]
        return Ranked([i for i, _ in kept], [s for _, s in kept])

    def retrieve(self, query: str, top_k: int | None = None,
                 sources: frozenset[str] | None = None) -> list[Passage]:
        """The ``top_k`` best chunks by BM25 and dense fused; ``sources`` (file names)
        restricts both to those documents (``qa ask --since/--source``)."""
        k = top_k or self.top_k
        fused = rrf([self.dense(query, sources), self.lexical(query, sources)])
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        out = []
        for id_ in best:
            c = self._chunks.get(id_)
            if c is None:  # the index changed under us; skip rather than cite a ghost
                continue
            out.append(Passage(id_, c["source"], c["title"], c["start"], c["end"], c["text"],
                               fused[id_]))
        return out
