"""Synthetic corpora for the fault and load tests: many small articles from the seeds' sentences.

``articles(n, seed)`` -> ``{file name: text}``: each a headline and a few paragraphs of seed
sentences drawn with a seeded generator, so a corpus is the same on every run and large
enough (hundreds of chunks) for a killed indexing run to be caught in the middle of writing.
"""

from __future__ import annotations

import random
import re

from .conftest import SEEDS


def sentences() -> list[str]:
    """The seed articles' sentences of 40 characters or more, in order."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) >= 40 and "\n" not in s]
    return out


def article(rng: random.Random, pool: list[str], paragraphs: int = 6) -> str:
    head = " ".join(rng.choice(pool).split()[:6]).strip(",.;:“”\"")
    body = "\n\n".join(" ".join(rng.sample(pool, 4)) for _ in range(paragraphs))
    return f"{head}\n\n{body}\n"


def articles(n: int, seed: int = 0, paragraphs: int = 6) -> dict[str, str]:
    rng = random.Random(seed)
    pool = sentences()
    return {f"article_{i:03d}.txt": article(rng, pool, paragraphs) for i in range(n)}
