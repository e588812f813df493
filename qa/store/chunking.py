"""Chunking: one document -> sentence-aware chunks, each with its exact span in the text.

``split(doc, spec)`` cuts ``doc.text`` with llama-index's ``SentenceSplitter`` at
``spec.chunk_size`` tokens (``text.count_tokens``) with ``spec.chunk_overlap`` between
neighbours, and gives each chunk the offsets where it stands in the text, verified exactly,
so a citation's ``start:end`` is the chunk itself. A chunk's id is ``<file name>:<first 16
hex digits of the text's sha256>:<position>``: the same text always gives the same ids, which
is what lets a rerun after a crash write the same chunks again. Left out: embedding and
writing the chunks (``index``), and any chunking but by sentences.
"""

from __future__ import annotations

from typing import Any

from qa.errors import DocumentError
from qa.ingest.documents import Document
from qa.settings import IndexSpec
from qa.text import count_tokens

# Kept in each chunk's metadata, and left out of what is embedded and what the model reads.
KEYS = ("source", "title", "sha256", "start", "end")


def split(doc: Document, spec: IndexSpec) -> list[Any]:
    """Sentence-aware chunks of ``doc`` as llama-index TextNodes with exact source spans."""
    from llama_index.core import Document as LlamaDocument
    from llama_index.core.node_parser import SentenceSplitter

    keys = list(KEYS)  # one per call, as the nodes keep a reference to it
    splitter = SentenceSplitter(
        chunk_size=spec.chunk_size,
        chunk_overlap=spec.chunk_overlap,
        tokenizer=count_tokens,
        include_metadata=False,
        include_prev_next_rel=False,
        id_func=lambda i, _node: f"{doc.source}:{doc.sha256[:16]}:{i}",
    )
    llama_doc = LlamaDocument(
        text=doc.text,
        id_=doc.source,
        metadata={"source": doc.source, "title": doc.title, "sha256": doc.sha256},
        excluded_embed_metadata_keys=keys,
        excluded_llm_metadata_keys=keys,
    )
    nodes = splitter.get_nodes_from_documents([llama_doc])
    cursor = 0
    for node in nodes:
        chunk = node.get_content()
        # The splitter reports offsets by searching; search forward from the last chunk so a
        # repeated sentence maps to its own occurrence, and verify the span exactly.
        start = doc.text.find(chunk, cursor)
        if start < 0:
            start = doc.text.find(chunk)
        if start < 0:  # never seen; one odd document must not stop a whole run
            raise DocumentError(f"{doc.path} could not be split into passages with exact "
                                f"spans; it was not indexed.")
        end = start + len(chunk)
        cursor = start + 1
        node.start_char_idx, node.end_char_idx = start, end  # type: ignore[attr-defined]
        node.metadata = {"source": doc.source, "title": doc.title, "sha256": doc.sha256,
                         "start": start, "end": end}
        node.excluded_embed_metadata_keys = keys
        node.excluded_llm_metadata_keys = keys
    return nodes
