"""Small real stand-ins for the heavy parts, passed in through constructors."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence

from qa.llm import Message
from qa.text import content_terms


class HashEmbedder:
    """Deterministic bag-of-stems vectors: texts sharing words are close; no model needed."""

    name = "test/hash-embedder-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            v = [0.0] * self.dim
            for term in content_terms(text):
                h = int(hashlib.md5(term.encode()).hexdigest(), 16)
                v[h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            out.append([x / norm for x in v])
        return out


class ScriptedGenerator:
    """Replies with queued texts in order (word by word, like a streaming model)."""

    name = "scripted"

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[list[Message]] = []

    def enqueue(self, reply: str) -> None:
        self.replies.append(reply)

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        self.prompts.append(messages)
        reply = self.replies.pop(0) if self.replies else ""
        for i, word in enumerate(reply.split(" ")):
            yield word if i == 0 else " " + word
