"""Batches: the chunks of a run embedded and written to the collection in groups.

``groups`` splits a run's documents (``chunking``) and gathers their chunks, across documents,
into groups of about ``EMBED_GROUP``; ``write`` embeds one group's texts (each distinct text
once, shortest first so a batch pads little, none whose vector is given) ``EMBED_BATCH`` at a
time and adds the group to Chroma in one call, first deleting any of its ids a killed run
left. Left out: the manifest (``index`` commits what was written), and embedding in parallel.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from qa.errors import DocumentError
from qa.ingest.documents import Document, Skipped
from qa.settings import IndexSpec
from qa.store.chunking import split
from qa.store.embeddings import Embedder

EMBED_BATCH = 16  # texts per call to the embedder: less padding than 64, and faster (bench.ingest)
EMBED_GROUP = 512  # chunks embedded and written together, across documents
Group = list[tuple[Document, list[Any]]]  # documents with their chunks (llama-index TextNodes)


def groups(docs: list[Document], spec: IndexSpec, skipped: list[Skipped]) -> Iterator[Group]:
    """``docs`` split into chunks, in groups of about ``EMBED_GROUP`` chunks; a document that
    cannot be split is added to ``skipped``."""
    group: Group = []
    size = 0
    for doc in docs:
        try:
            nodes = split(doc, spec)
        except DocumentError as e:
            skipped.append(Skipped(doc.path, str(e)))
            continue
        group.append((doc, nodes))
        size += len(nodes)
        if size >= EMBED_GROUP:
            yield group
            group, size = [], 0
    if group:
        yield group


def embed(embedder: Embedder, texts: list[str], desc: str = "", progress: bool = False,
          batch: int = EMBED_BATCH) -> list[list[float]]:
    """Vectors of ``texts``, ``batch`` at a time, with a progress bar on stderr."""
    vectors: list[list[float]] = []
    bar = progress_bar(len(texts), desc, progress)
    for i in range(0, len(texts), batch):
        vectors.extend(embedder.embed(texts[i : i + batch]))
        bar.update(len(texts[i : i + batch]))
    bar.close()
    return vectors


def write(collection: Any, embedder: Embedder, group: Group, present: set[str],
          vectors: Mapping[str, Sequence[float]]) -> list[list[str]]:
    """Embed the chunks of several documents together and add them to ``collection`` in
    one call (one document at a time, SQuAD's one-chunk paragraphs went to the model one
    by one); each document's chunk ids. ``present``: the ids the collection held when the
    run began; ``vectors``: chunk text -> vector, not embedded again."""
    texts = [[n.get_content() for n in nodes] for _, nodes in group]
    missing = [t for t in dict.fromkeys(t for ts in texts for t in ts) if t not in vectors]
    missing.sort(key=len)  # batches of like lengths: less padding for the model
    fresh = dict(zip(missing, embed(embedder, missing), strict=True))
    written, everything = [], []
    for (_, nodes), ts in zip(group, texts, strict=True):
        for node, text in zip(nodes, ts, strict=True):
            node.embedding = list(fresh[text] if text in fresh else vectors[text])
        written.append([n.node_id for n in nodes])
        everything += nodes
    leftover = [n.node_id for n in everything if n.node_id in present]
    if leftover:  # written by a run killed before it committed
        collection.delete(ids=leftover)
    if everything:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        ChromaVectorStore(chroma_collection=collection).add(everything)
    return written


def progress_bar(total: int, desc: str, enabled: bool, unit: str = "chunk") -> Any:
    """A tqdm bar on stderr, or a silent one when not ``enabled`` or there is nothing to do."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled or total == 0,
                file=sys.stderr, leave=False)
