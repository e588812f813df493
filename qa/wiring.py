"""Wiring: the real parts built from settings, in one place.

``build(settings)`` opens (or first builds) the index and makes the retriever, the evidence
selector, the reader and the language model; ``assistant(settings)`` puts them into an
``Assistant``. ``Assistant.open``, the tests (with the hash embedder and a scripted model
passed in), the benchmarks and the fitting scripts all come through here, so a part added
to the pipeline is wired once.

The order is deliberate: the language model first (a wrong ``QA_MODEL`` is said before a
minute of indexing), then the embedder, the index, and the parts that read the index.

Left out: choosing parts by name (a registry); a part is either the real one or the one
passed in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import IndexMissingError
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.answer.assistant import Assistant
    from qa.answer.evidence import EvidenceSelector
    from qa.answer.llm import Generator
    from qa.answer.reader import Reader
    from qa.store.embeddings import Embedder
    from qa.store.index import Index
    from qa.store.retrieval import HybridRetriever


class _Default:
    """The real part, as the settings say (``reader=DEFAULT``: the reader if ``QA_READER``)."""


DEFAULT = _Default()


@dataclass(frozen=True)
class Store:
    """The parts that read the index: retrieval and the evidence selector."""

    index: Index
    retriever: HybridRetriever
    selector: EvidenceSelector


def store(settings: Settings, embedder: Embedder | None = None, index: Index | None = None,
          build: bool = True, progress: bool = False) -> Store:
    """The index (``index``, or opened from ``settings.index_dir``, built from the corpus
    folder first when there is none and ``build``) with its retriever and selector."""
    from qa.answer.evidence import EvidenceSelector
    from qa.store.retrieval import HybridRetriever

    if embedder is None:
        from qa.store.embeddings import MiniLMEmbedder

        embedder = MiniLMEmbedder()
    if index is None:
        index = open_index(settings, embedder, build=build, progress=progress)
    return Store(index, HybridRetriever(index, embedder, top_k=settings.top_k),
                 EvidenceSelector(index, embedder, evidence_k=settings.evidence_k))


def assistant(settings: Settings, *, embedder: Embedder | None = None,
              index: Index | None = None, parts: Store | None = None,
              generator: Generator | None = None,
              reader: Reader | None | _Default = DEFAULT, build: bool = True,
              progress: bool = False) -> Assistant:
    """An ``Assistant`` of the real parts, except those passed in (``parts``: a ``store``
    already made, so a benchmark can time its opening apart)."""
    from qa.answer.assistant import Assistant

    if generator is None:
        from qa.answer.llm import from_settings

        generator = from_settings(settings)  # first: a wrong QA_MODEL is said at once
    parts = parts or store(settings, embedder, index, build=build, progress=progress)
    if isinstance(reader, _Default):
        from qa.answer.reader import Reader

        reader = Reader() if settings.reader else None
    return Assistant(parts.retriever, generator, settings, parts.selector, reader)


def open_index(settings: Settings, embedder: Embedder, build: bool = True,
               progress: bool = False) -> Index:
    """Open the index; with ``build``, index the corpus folder first when there is none."""
    from qa.store.index import MANIFEST, Index

    root = Path(settings.index_dir)
    if (root / MANIFEST).exists() or not build:
        return Index.open(settings, embedder)
    if not Path(settings.corpus_dir).is_dir():
        raise IndexMissingError(f"No index at {root}/ and no corpus folder at "
                                f"{settings.corpus_dir}/ to build one from. Run: qa index PATH")
    index = Index.open(settings, embedder, create=True)
    if progress:
        print(f"No index yet: building {root}/ from {settings.corpus_dir}/ ...", file=sys.stderr)
    index.update([Path(settings.corpus_dir)], progress=progress)
    return index
