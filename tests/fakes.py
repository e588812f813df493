"""Small real stand-ins for the heavy parts, passed in through constructors."""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator, Sequence

from qa.answer.llm import Message
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
            # Text without Latin words (Chinese, emoji) hashes by its characters: a zero
            # vector has no cosine, and Chroma's vector index slows to a crawl on them.
            for term in content_terms(text) or list(text.strip()) or ["<empty>"]:
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


def pdf(*lines: str, title: str = "") -> bytes:
    """A real one-page PDF with ``lines`` as its text layer (built by hand, no PDF library)."""
    ops = " ".join(f"({line}) Tj 0 -20 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {ops} ET".encode()
    info = f"/Title ({title})" if title else ""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< {info} >>".encode(),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()
