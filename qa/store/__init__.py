"""Store: documents chunked with exact spans, embedded, kept in Chroma, and found again.

Owns the index folder (manifest, chunks, lock, caches), the embedding model, the vector store
and retrieval (BM25 + dense, fused). It hands out ``Passage`` values, never library types.
May import: ``qa.ingest`` and the top-level modules; nothing from answer, serve or evaluation.
"""
